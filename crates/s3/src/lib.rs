//! The S3 backend of stowage: [`S3Storage`] implements
//! [`stowage::ObjectStorage`](stowage_core::ObjectStorage) on `aws-sdk-s3`, for AWS and for
//! S3-compatible servers (MinIO, Garage, Ceph, R2).
//!
//! Build one from the environment ([`S3Storage::from_env`]), from a builder
//! ([`S3Storage::builder`]: region, endpoint, path-style addressing, static credentials,
//! retries, timeouts, TTL ceilings, clock, conditional writes, default encryption and
//! storage class, transfer settings) or from an existing [`aws_sdk_s3::Client`] ([`S3Storage::from_client`]).
//!
//! Conditional writes ([`PutMode::Create`](stowage_core::PutMode::Create),
//! [`PutMode::IfMatch`](stowage_core::PutMode::IfMatch)) are sent only to a store known to
//! enforce them: AWS by default, any other endpoint once
//! [`S3StorageBuilder::conditional_writes`] says so. Elsewhere they answer
//! [`Error::Unsupported`](stowage_core::Error::Unsupported) and write nothing, because some
//! S3-compatible servers (Garage 2.5) accept the headers and overwrite anyway.
//!
//! ```no_run
//! use std::time::Duration;
//! use stowage::s3::S3Storage;
//!
//! # async fn demo() -> stowage::Result<()> {
//! let storage = S3Storage::builder()
//!     .endpoint_url("http://127.0.0.1:3900")
//!     .force_path_style(true)
//!     .region("garage")
//!     .credentials("GK...", "secret")
//!     .max_attempts(3)
//!     .operation_timeout(Duration::from_secs(30))
//!     .build()
//!     .await?;
//! # let _ = storage;
//! # Ok(()) }
//! ```
//!
//! GetObject, HeadObject, PutObject of one part and DeleteObject take a lean path by default
//! ([`S3StorageBuilder::lean_requests`]): signed by stowage's SigV4 module and sent over a
//! pooled hyper client, outside the SDK's per-request pipeline, at a third to a half of its
//! client CPU, with the SDK's credentials, endpoint, retries and timeouts and the same
//! guarantees.
//!
//! Objects of any size: a payload above the multipart threshold, or of unknown length that
//! turns out larger, is uploaded in parts sent concurrently, each in memory so the SDK's
//! retries can resend it, each with a CRC32 the server checks; a failed or dropped upload is
//! aborted. Copies above the copy threshold go as ranged part copies (see
//! [`stowage::transfer`](stowage_core::transfer) and [`S3StorageBuilder::transfer_settings`]).
//!
//! Logging goes through `tracing`, one span per operation in the shape every stowage backend
//! shares ([`stowage::backend::span`](stowage_core::span): named `stowage`, with
//! `backend = "s3"`, `op`, `bucket` and `key_hash`); no raw key, URL, signature, policy or
//! credential is ever logged. Because the SDK's own DEBUG/TRACE events contain request URIs
//! (raw keys) and signing material, they are suppressed while an SDK call runs, unless
//! [`S3StorageBuilder::sdk_debug_logs`] turns them back on for debugging.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod bucket_url;
mod builder;
mod client_parts;
mod content_range;
mod copy;
mod credentials;
mod delete;
mod endpoint;
mod errors;
mod get;
mod head;
mod keys;
mod lean;
mod list;
mod logging;
mod meta;
mod multipart;
mod post;
mod presign;
mod retry_policy;
mod signing;
mod storage;
mod timeouts;
mod uploads;
mod write;

pub use builder::S3StorageBuilder;
pub use storage::S3Storage;
pub use timeouts::{
    COPY_READ_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DELETE_READ_TIMEOUT_PER_KEY,
};

/// The AWS SDK this backend is built on, for [`S3Storage::from_client`] and
/// [`S3Storage::client`].
pub use aws_sdk_s3;
