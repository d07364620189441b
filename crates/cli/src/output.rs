//! The JSON shapes the tool prints. Scripts depend on these names.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::Serialize;
use stowage_core::{DeleteReport, ObjectMeta};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `head`: an object's metadata and attributes; an absent attribute is `null`.
#[derive(Debug, Serialize)]
pub(crate) struct HeadOutput<'a> {
    /// Body size in bytes.
    pub(crate) size: u64,
    /// The ETag with its quotes, as S3 returns it.
    pub(crate) etag: Option<&'a str>,
    /// Last modification, RFC 3339 in UTC.
    pub(crate) last_modified: Option<String>,
    /// Stored Content-Type.
    pub(crate) content_type: Option<&'a str>,
    /// Stored Cache-Control.
    pub(crate) cache_control: Option<&'a str>,
    /// Stored Content-Disposition.
    pub(crate) content_disposition: Option<&'a str>,
    /// Stored Content-Encoding.
    pub(crate) content_encoding: Option<&'a str>,
    /// Stored Content-Language.
    pub(crate) content_language: Option<&'a str>,
    /// User metadata (`x-amz-meta-*`), lowercased names.
    pub(crate) metadata: &'a BTreeMap<String, String>,
}

impl<'a> HeadOutput<'a> {
    /// The printed shape of `meta`.
    pub(crate) fn new(meta: &'a ObjectMeta) -> Self {
        Self {
            size: meta.size,
            etag: meta.etag.as_deref(),
            last_modified: meta.last_modified.and_then(rfc3339),
            content_type: meta.content_type.as_deref(),
            cache_control: meta.cache_control.as_deref(),
            content_disposition: meta.content_disposition.as_deref(),
            content_encoding: meta.content_encoding.as_deref(),
            content_language: meta.content_language.as_deref(),
            metadata: &meta.metadata,
        }
    }
}

/// `rm`: every input path, as deleted or failed.
#[derive(Debug, Serialize)]
pub(crate) struct RmOutput {
    /// Paths deleted (or already absent).
    pub(crate) deleted: Vec<String>,
    /// Paths still there, with the S3 error code and a redacted message.
    pub(crate) failed: Vec<RmFailure>,
}

/// One path `rm` could not delete.
#[derive(Debug, Serialize)]
pub(crate) struct RmFailure {
    /// The s3:// path.
    pub(crate) path: String,
    /// S3 error code (e.g. `AccessDenied`) or the error kind.
    pub(crate) code: String,
    /// Description; names the key only by its hash.
    pub(crate) message: String,
}

impl From<&DeleteReport> for RmOutput {
    fn from(report: &DeleteReport) -> Self {
        Self {
            deleted: report.deleted.iter().map(ToString::to_string).collect(),
            failed: report
                .failed
                .iter()
                .map(|failure| RmFailure {
                    path: failure.path.to_string(),
                    code: failure.code.clone(),
                    message: failure.message.clone(),
                })
                .collect(),
        }
    }
}

/// `time` as RFC 3339 UTC, e.g. `2026-01-02T03:04:05Z`.
pub(crate) fn rfc3339(time: SystemTime) -> Option<String> {
    OffsetDateTime::from(time).format(&Rfc3339).ok()
}

/// Compact one-line JSON for a value whose fields are all plain strings and numbers.
pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}
