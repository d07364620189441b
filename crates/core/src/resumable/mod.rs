//! Browser uploads of any size that resume, with the POST policy's guarantees.
//!
//! A POST policy ([`crate::PostPolicyRequest`]) stops at S3's 5 GiB and cannot resume. For
//! larger files, or links that drop, the browser sends a multipart upload whose parts the
//! service presigns one by one, as Uppy's `@uppy/aws-s3` does. [`ResumableUploads`] is that
//! service's logic over any [`ObjectStorage`](crate::ObjectStorage) whose backend has
//! client-driven multipart uploads (S3 and the memory backend): the exact key, a size cap,
//! a Content-Type lock and an expiry, enforced by the store and the service, never by the
//! page. See [`ResumableUploads`] for who checks what.
//!
//! With the `axum` feature, [`uppy`] serves Uppy's S3 protocol over it.
//!
//! [`abort_stale_uploads`](crate::transfer::abort_stale_uploads) cleans up uploads a client
//! abandoned.

mod error;
mod grant;
mod plan;
mod service;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod uppy;

pub use error::{PartMismatch, ResumableError};
pub use grant::{GrantKey, MIN_GRANT_KEY_BYTES, UploadGrant};
pub use plan::UploadPlan;
pub use service::{
    DEFAULT_PART_SIZE, GrantToken, ResumableUploads, SignedPart, StartUpload, StartedUpload,
};
