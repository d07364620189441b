//! stowage: one async [`ObjectStorage`] trait, interchangeable backends.
//!
//! Application code holds an `Arc<dyn ObjectStorage>` and uses what this page lists:
//! paths, errors, the options and results of each operation, browser upload policies, TTL
//! rules, the clock, [`transfer`] for objects of any size, and [`resumable`] for browser
//! uploads of any size that resume. The backends are modules
//! behind features: [`memory`] (on by default), [`s3`] and, for tests, the mockall mock
//! [`MockObjectStorage`] (feature `mock`). What a backend author needs besides (SigV4, URL
//! encoding, the shared span, ETag conditions, the POST-policy signer) is in [`backend`].
//!
//! ```
//! use std::sync::Arc;
//! use stowage::memory::MemoryStorage;
//! use stowage::{ObjectStorage, S3Path};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> stowage::Result<()> {
//! let storage: Arc<dyn ObjectStorage> = Arc::new(MemoryStorage::builder().bucket("scans").build());
//! let path = S3Path::parse("s3://scans/ct/0001.dcm")?;
//! storage.put_object(&path, "dicom".into(), Default::default()).await?;
//! assert!(storage.object_exists(&path).await?);
//! # Ok(())
//! # }
//! ```
//!
//! Features: `memory` (default), `s3`, `mock`, `memory-http` (the memory backend as an S3
//! endpoint over HTTP, [`memory::HttpServer`], for browsers, SDKs and tools) and `axum` (an
//! [`Error`] is an `axum` response with its [`Error::http_status`], and [`resumable::uppy`]
//! serves Uppy's S3 protocol).
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub use stowage_core::MockObjectStorage;
pub use stowage_core::ObjectStorage;

pub use stowage_core::{MAX_KEY_BYTES, PathError, S3Path, hash_s3_key, parse_s3_path};

pub use stowage_core::{Error, Result};

pub use stowage_core::{
    ByteStream, DeleteFailure, DeleteReport, GetObjectOutput, ListResult, ObjectBody, ObjectMeta,
    ObjectSummary, Payload, PresignedUrl, PutOptions, PutResult,
};

pub use stowage_core::{
    ByteRange, CopyOptions, Encryption, GetOptions, GetOutcome, ListOptions, ListPage,
    ListStreamExt, ListToken, MAX_PAGE_SIZE, NotModified, PutMode,
};

pub use stowage_core::{
    FormField, MULTIPART_OVERHEAD_BUFFER_BYTES, PartUrlRequest, PostPolicyRequest, PresignedPost,
};

pub use stowage_core::resumable;

pub use stowage_core::{
    DEFAULT_GET_URL_TTL_SECONDS, MAX_PUT_PRESIGNED_URL_TTL_SECONDS, SIGV4_MAX_TTL_SECONDS,
    TtlLimits,
};

pub use stowage_core::{Clock, ManualClock, SystemClock};

pub use stowage_core::transfer;

/// What a backend author needs beyond the application's items: SigV4 minting and
/// verification, S3's URL encoding, the span every backend opens per operation, ETag
/// conditions, key redaction of service messages, and POST-policy signing and reading.
/// See `docs/writing-a-backend.md`.
pub mod backend {
    pub use stowage_core::{
        Condition, PolicyDocument, PostPolicyParams, PostPolicySigner, Precondition,
        SigningCredentials, etag_matches, redact_key, sigv4, span, uri, validate_etag,
    };
}

// The README and the docs/ pages, whose Rust snippets run as doctests.
mod doc_pages;

#[cfg(feature = "memory")]
#[cfg_attr(docsrs, doc(cfg(feature = "memory")))]
#[doc(inline)]
pub use stowage_memory as memory;

#[cfg(feature = "s3")]
#[cfg_attr(docsrs, doc(cfg(feature = "s3")))]
#[doc(inline)]
pub use stowage_s3 as s3;
