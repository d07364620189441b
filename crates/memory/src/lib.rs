//! An in-process [`ObjectStorage`](stowage_core::ObjectStorage) with S3 semantics, for unit tests and local runs.
//!
//! [`MemoryStorage`] behaves like S3 where a test can tell the difference:
//!
//! - buckets must exist ([`Error::NoSuchBucket`](stowage_core::Error::NoSuchBucket) otherwise); create them with
//!   [`MemoryStorage::create_bucket`] or [`MemoryStorageBuilder::bucket`];
//! - keys list in UTF-8 byte order, a delimiter rolls keys up into common prefixes, and
//!   every listing is complete;
//! - ETags are the quoted MD5 hex of the body; user metadata names come back lowercased;
//! - deleting a missing key succeeds; a copy keeps Content-Type and metadata;
//! - an object put without a Content-Type gets `application/octet-stream`: the AWS SDK
//!   for Rust sends that header for every PutObject body, so it is what the S3 backend
//!   stores on every server (AWS, Garage, MinIO), and the fake answers the same. An upload
//!   form without a Content-Type field stores none, as Garage does;
//! - `Cache-Control`, `Content-Disposition`, `Content-Encoding` and `Content-Language`
//!   round-trip through put, get and head; a copy keeps them with the Content-Type and
//!   metadata, or takes exactly those of
//!   [`CopyOptions::replace`](stowage_core::CopyOptions::replace);
//! - reads take a byte range and the four HTTP conditions, evaluated in S3's order
//!   ([`GetOptions`](stowage_core::GetOptions)): a failed `If-Match` or
//!   `If-Unmodified-Since` is `PreconditionFailed`, a holding `If-None-Match` or
//!   `If-Modified-Since` is `NotModified` with the current ETag, a range starting at or past
//!   the end (any range of an empty object) is `RangeNotSatisfiable` with the object's size;
//! - create-only and compare-and-swap writes ([`PutMode`](stowage_core::PutMode)) on puts
//!   and on a copy's destination are checked and written under the store's one write lock:
//!   of many concurrent creates of one key, exactly one wins. `IfMatch` on a missing key is
//!   `NotFound`, as AWS answers `NoSuchKey`;
//! - a listing comes page by page ([`ObjectStorage::list_page`](stowage_core::ObjectStorage::list_page)):
//!   objects and common prefixes merged in key order, a token that resumes strictly after
//!   the page's last entry, so keys written or deleted between pages are never listed twice
//!   and none that existed throughout is skipped. A token is `m1:` and the URL-safe base64
//!   of that entry; anything else is `InvalidArgument`;
//! - large objects follow S3's rules (see [`MultipartStore`](stowage_core::transfer::MultipartStore)
//!   on [`MemoryStorage`]): a put above the [transfer settings'](MemoryStorageBuilder::transfer_settings)
//!   multipart threshold, or of unknown length that turns out larger, is a real multipart
//!   upload whose ETag is `"<md5 of the parts' md5s>-<parts>"`, and a copy above the copy
//!   threshold is ranged part copies pinned to the source's ETag; a single put or copy above
//!   5 GiB ([`MemoryStorageBuilder::single_request_limit`]) is refused as S3 refuses it,
//!   parts but the last must have 5 MiB ([`MemoryStorageBuilder::min_part_size`]), and
//!   unfinished uploads are listed and aborted with
//!   [`ObjectStorage::list_multipart_uploads`](stowage_core::ObjectStorage::list_multipart_uploads)
//!   and [`ObjectStorage::abort_multipart_upload`](stowage_core::ObjectStorage::abort_multipart_upload).
//!   A single copy keeps its source's ETag, multipart or not, as Garage does (AWS gives
//!   every CopyObject result the plain MD5 of its body).
//!
//! Server-side encryption and storage classes are accepted on puts and copies and not
//! stored: a process has no disk to encrypt at rest and one class of storage, and
//! [`ObjectMeta`](stowage_core::ObjectMeta) reports neither.
//!
//! Its presigned GET URLs and POST policies are real SigV4 tokens, signed with credentials
//! unique to the store, and can be redeemed in-process with
//! [`MemoryStorage::fetch_presigned`] and [`MemoryStorage::submit_post`]: a test sees the
//! same accept/reject decisions S3 makes (size range, Content-Type, key, expiry,
//! signature), and nothing is stored on rejection. Its presigned UploadPart URLs sign the
//! part's length and are redeemed with [`MemoryStorage::put_presigned_part`]: a body of any
//! other length is refused, as S3 refuses it. Time comes from an injectable
//! [`Clock`](stowage_core::Clock).
//!
//! With the `http` feature, `HttpServer` serves the store on `127.0.0.1` for browsers:
//! upload forms, presigned downloads, CORS, S3's XML errors, judged by the same code (see
//! the `http` module). The store's URLs and forms then point at the server.
//!
//! ```
//! use bytes::Bytes;
//! use stowage::{ObjectStorage, PostPolicyRequest, PutOptions, S3Path};
//! use stowage::memory::MemoryStorage;
//!
//! # futures::executor::block_on(async {
//! let storage = MemoryStorage::builder().bucket("uploads").build();
//! let path = S3Path::parse("s3://uploads/avatar.png")?;
//!
//! let form = storage.presigned_post(&path, &PostPolicyRequest::new(1024).content_type("image/png")).await?;
//! let accepted = storage.submit_post(form.url(), form.fields(), Bytes::from_static(b"\x89PNG"));
//! assert!(accepted.is_ok());
//! assert_eq!(storage.head_object(&path).await?.size, 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

mod attributes;
mod auth;
mod bucket;
mod builder;
mod errors;
mod etag;
#[cfg(feature = "http")]
pub mod http;
mod limits;
mod list_page;
mod list_token;
mod multipart;
mod object;
mod post_form;
mod presign_get;
mod presign_part;
mod read;
mod storage;
mod store;
mod uploads;
mod write_mode;

pub use builder::MemoryStorageBuilder;
pub use errors::HttpRejection;
#[cfg(feature = "http")]
pub use http::HttpServer;
pub use storage::MemoryStorage;
