//! The suite's areas: each module checks one area of S3 semantics through
//! `&dyn ObjectStorage`, one public async function per behaviour.

pub mod attributes;
pub mod batch_delete;
pub mod errors;
pub mod file_downloads;
pub mod keys;
pub mod listing;
pub mod listing_pages;
pub mod objects;
pub mod presign;
pub mod reads;
pub mod spans;
pub mod transfers;
pub mod writes;
