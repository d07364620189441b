//! stowage: one async [`ObjectStorage`] trait, interchangeable backends.
//!
//! This facade re-exports the items of [`stowage_core`] that applications and backends use
//! and, behind features, the backends: `memory` (`memory::MemoryStorage`, on by default),
//! `s3` (`s3::S3Storage`) and `mock` (`MockObjectStorage`, a mockall mock of the trait).

// The trait, and its mock.
#[cfg(feature = "mock")]
pub use stowage_core::MockObjectStorage;
pub use stowage_core::ObjectStorage;

// Paths and the key hash.
pub use stowage_core::{MAX_KEY_BYTES, PathError, S3Path, hash_s3_key, parse_s3_path};

// Errors.
pub use stowage_core::{Error, Result, redact_key};

// What operations take and return.
pub use stowage_core::{
    ByteStream, DeleteFailure, DeleteReport, GetObjectOutput, ListResult, ObjectBody, ObjectMeta,
    ObjectSummary, Payload, PresignedUrl, PutOptions, PutResult,
};

// Reads, writes and listings with options.
pub use stowage_core::{
    ByteRange, CopyOptions, Encryption, GetOptions, GetOutcome, ListOptions, ListPage,
    ListStreamExt, ListToken, MAX_PAGE_SIZE, NotModified, Precondition, PutMode, etag_matches,
    validate_etag,
};

// Browser upload policies.
pub use stowage_core::{
    Condition, FormField, MULTIPART_OVERHEAD_BUFFER_BYTES, PolicyDocument, PostPolicyParams,
    PostPolicyRequest, PostPolicySigner, PresignedPost, SigningCredentials,
};

// TTL rules.
pub use stowage_core::{
    DEFAULT_GET_URL_TTL_SECONDS, MAX_PUT_PRESIGNED_URL_TTL_SECONDS, SIGV4_MAX_TTL_SECONDS,
    TtlLimits,
};

// Time.
pub use stowage_core::{Clock, ManualClock, SystemClock};

// Objects of any size: transfer settings, parallel downloads, the multipart engine.
pub use stowage_core::transfer;

// Building blocks for backends: SigV4 signing, URL encoding, tracing spans.
pub use stowage_core::{sigv4, span, uri};

// The README and the docs/ pages, whose Rust snippets run as doctests.
mod doc_pages;

/// The in-process backend with S3 semantics, for tests and local runs.
#[cfg(feature = "memory")]
pub mod memory {
    pub use stowage_memory::*;
}

/// The S3 backend (AWS and S3-compatible servers such as MinIO, Garage, Ceph, R2).
#[cfg(feature = "s3")]
pub mod s3 {
    pub use stowage_s3::*;
}
