//! [`PartUrlRequest`]: what a presigned UploadPart URL is minted for.

use std::time::Duration;

#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::transfer::check_part;
use crate::ttl::MAX_PUT_PRESIGNED_URL_TTL_SECONDS;

/// A presigned UploadPart URL to mint: which part, its exact length, how long it lives.
///
/// The length is signed (`X-Amz-SignedHeaders=content-length;host`), so the store refuses a
/// body of any other length: a client that holds the URL can send that part and nothing
/// bigger. The TTL is clamped to the store's upload ceiling (600 s by default) with a
/// warning, as a POST policy's is.
///
/// ```
/// use std::time::Duration;
/// use stowage::PartUrlRequest;
///
/// let request = PartUrlRequest::new(3, 8 * 1024 * 1024).ttl(Duration::from_secs(300));
/// assert!(request.validate().is_ok());
/// assert!(PartUrlRequest::new(0, 1).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartUrlRequest {
    /// The part's number, 1 to 10,000.
    pub number: u32,
    /// The part's exact size in bytes, at most 5 GiB.
    pub content_length: u64,
    /// How long the URL stays valid.
    pub ttl: Duration,
}

impl PartUrlRequest {
    /// A URL for part `number` of exactly `content_length` bytes, valid for the upload
    /// ceiling (600 s).
    pub fn new(number: u32, content_length: u64) -> Self {
        Self {
            number,
            content_length,
            ttl: Duration::from_secs(MAX_PUT_PRESIGNED_URL_TTL_SECONDS),
        }
    }

    /// Sets how long the URL stays valid.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// [`Error::InvalidArgument`] for a part number outside 1..=10,000 or a length above
    /// 5 GiB, S3's limits for one part.
    pub fn validate(&self) -> Result<()> {
        check_part(self.number, self.content_length)
    }
}
