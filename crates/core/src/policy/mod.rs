//! Browser upload policies (S3 "presigned POST").
//!
//! A POST policy lets a browser upload one object straight to the bucket with a
//! `multipart/form-data` form, while S3 enforces the limits the server chose: a size cap, an
//! exact Content-Type, the exact key and an expiry. This module builds and signs such
//! policies as a pure function of its inputs (credentials, region, instant), so they can be
//! checked byte for byte against boto3's `generate_presigned_post`.

mod document;
mod form;
mod json;
mod signer;

pub use document::{Condition, PolicyDocument};
pub use form::{FormField, PresignedPost};
pub use signer::{PostPolicyParams, PostPolicySigner, SigningCredentials};

use std::time::Duration;

use crate::ttl::MAX_PUT_PRESIGNED_URL_TTL_SECONDS;

/// Slack added to the size cap, because S3 measures the whole multipart body (boundaries,
/// the other form fields, part headers), not only the file part.
pub const MULTIPART_OVERHEAD_BUFFER_BYTES: u64 = 16 * 1024;

/// What the caller wants an upload policy to allow.
///
/// ```
/// use std::time::Duration;
/// use stowage::PostPolicyRequest;
///
/// let request = PostPolicyRequest::new(10 * 1024 * 1024)
///     .content_type("image/png")
///     .ttl(Duration::from_secs(300));
/// assert_eq!(request.max_bytes, 10 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostPolicyRequest {
    /// Largest file the browser may upload, in bytes. The policy's
    /// `content-length-range` upper bound is this plus [`MULTIPART_OVERHEAD_BUFFER_BYTES`].
    pub max_bytes: u64,
    /// When set, the form's Content-Type must equal it exactly.
    pub content_type: Option<String>,
    /// How long the policy stays valid. Above the backend's ceiling (600 s by default) it
    /// is clamped to the ceiling, with a warning.
    pub ttl: Duration,
}

impl PostPolicyRequest {
    /// A policy for files of at most `max_bytes`, any Content-Type, valid 600 s.
    pub fn new(max_bytes: u64) -> Self {
        Self {
            max_bytes,
            content_type: None,
            ttl: Duration::from_secs(MAX_PUT_PRESIGNED_URL_TTL_SECONDS),
        }
    }

    /// Locks the upload's Content-Type to exactly `content_type`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets the requested lifetime.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The upper bound of the policy's `content-length-range`.
    pub fn content_length_upper_bound(&self) -> u64 {
        self.max_bytes
            .saturating_add(MULTIPART_OVERHEAD_BUFFER_BYTES)
    }
}
