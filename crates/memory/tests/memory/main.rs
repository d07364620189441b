//! Integration tests of the memory backend, one module per area: S3 semantics of objects,
//! reads with ranges and conditions, conditional writes and copies, listings and their
//! pages, large objects in parts, and in-process redemption of presigned URLs and forms.

mod copies;
mod listing;
mod multipart;
mod objects;
mod presign;
mod reads;
mod support;
mod writes;
