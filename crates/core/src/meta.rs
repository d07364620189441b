//! What is known about a stored object without reading it: its metadata, and a listing's
//! entry.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::path::S3Path;

/// What is known about a stored object without reading its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// Where the object lives.
    pub path: S3Path,
    /// Size of the whole body in bytes (also when only a range of it was read).
    pub size: u64,
    /// The entity tag, with its quotes, as S3 returns it (quoted MD5 hex for single-part puts).
    pub etag: Option<String>,
    /// When the object was last written, to the second.
    pub last_modified: Option<SystemTime>,
    /// The Content-Type stored with the object, if any.
    pub content_type: Option<String>,
    /// The `Cache-Control` stored with the object, if any.
    pub cache_control: Option<String>,
    /// The `Content-Disposition` stored with the object, if any.
    pub content_disposition: Option<String>,
    /// The `Content-Encoding` stored with the object, if any.
    pub content_encoding: Option<String>,
    /// The `Content-Language` stored with the object, if any.
    pub content_language: Option<String>,
    /// User metadata (`x-amz-meta-*`), with lowercased names as S3 returns them.
    pub metadata: BTreeMap<String, String>,
}

impl ObjectMeta {
    /// An object of `size` bytes at `path` with nothing else known; fill in the rest with
    /// struct update syntax (`ObjectMeta { etag, ..ObjectMeta::new(path, size) }`).
    pub fn new(path: S3Path, size: u64) -> Self {
        Self {
            path,
            size,
            etag: None,
            last_modified: None,
            content_type: None,
            cache_control: None,
            content_disposition: None,
            content_encoding: None,
            content_language: None,
            metadata: BTreeMap::new(),
        }
    }
}

/// One object in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSummary {
    /// Where the object lives.
    pub path: S3Path,
    /// Size of the body in bytes.
    pub size: u64,
    /// The entity tag, with its quotes.
    pub etag: Option<String>,
    /// When the object was last written.
    pub last_modified: Option<SystemTime>,
}
