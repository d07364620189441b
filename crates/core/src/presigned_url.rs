//! [`PresignedUrl`]: a download link that is a bearer token until it expires.

use std::fmt;
use std::time::SystemTime;

/// A presigned URL: a bearer token for one object until it expires.
///
/// `Debug` shows only the expiry, never the URL: whoever holds the URL can read the object.
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedUrl {
    url: String,
    expires_at: SystemTime,
}

impl PresignedUrl {
    /// Wraps a signed URL that stops working at `expires_at`.
    pub fn new(url: String, expires_at: SystemTime) -> Self {
        Self { url, expires_at }
    }

    /// The URL, to hand to the client that will fetch the object.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The URL as an owned string.
    pub fn into_string(self) -> String {
        self.url
    }

    /// When the URL stops working.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }
}

impl fmt::Debug for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignedUrl")
            .field("url", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}
