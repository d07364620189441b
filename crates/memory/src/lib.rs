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
//!   form without a Content-Type field stores none, as Garage does.
//!
//! Its presigned GET URLs and POST policies are real SigV4 tokens, signed with credentials
//! unique to the store, and can be redeemed in-process with
//! [`MemoryStorage::fetch_presigned`] and [`MemoryStorage::submit_post`]: a test sees the
//! same accept/reject decisions S3 makes (size range, Content-Type, key, expiry,
//! signature), and nothing is stored on rejection. Time comes from an injectable
//! [`Clock`](stowage_core::Clock).
//!
//! ```
//! use bytes::Bytes;
//! use stowage_core::{ObjectStorage, PostPolicyRequest, PutOptions, S3Path};
//! use stowage_memory::MemoryStorage;
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

mod auth;
mod bucket;
mod builder;
mod object;
mod post_form;
mod presign_get;
mod rejection;
mod storage;
mod store;

pub use builder::MemoryStorageBuilder;
pub use rejection::HttpRejection;
pub use storage::MemoryStorage;
