//! The JSON shapes the tool prints. Scripts depend on these names.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::Serialize;
use stowage_core::transfer::{PendingUpload, StaleUploadReport};
use stowage_core::{DeleteReport, Error, ObjectMeta};
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

/// One pending multipart upload: a line of `uploads ls`, an entry of `uploads abort`'s
/// report.
#[derive(Debug, Serialize)]
pub(crate) struct UploadOutput<'a> {
    /// The s3:// path of the object the upload would create.
    pub(crate) path: &'a str,
    /// The upload's id, as the store gave it.
    pub(crate) upload_id: &'a str,
    /// When the upload was started, RFC 3339 in UTC; `null` when the store does not say.
    pub(crate) initiated: Option<String>,
    /// Whole seconds from the start to now (0 for a start the store dates after now);
    /// `null` when the start is unknown.
    pub(crate) age_seconds: Option<u64>,
}

impl<'a> UploadOutput<'a> {
    /// The printed shape of `upload`, its age counted at `now`.
    pub(crate) fn new(upload: &'a PendingUpload, now: SystemTime) -> Self {
        Self {
            path: upload.path.as_str(),
            upload_id: upload.id.as_str(),
            initiated: upload.initiated.and_then(rfc3339),
            age_seconds: upload
                .initiated
                .map(|initiated| now.duration_since(initiated).map_or(0, |age| age.as_secs())),
        }
    }
}

/// `uploads abort`: every pending upload under the prefix, as aborted, failed or kept.
#[derive(Debug, Serialize)]
pub(crate) struct AbortOutput<'a> {
    /// Uploads started before the cutoff, and aborted.
    pub(crate) aborted: Vec<UploadOutput<'a>>,
    /// Uploads started before the cutoff whose abort failed; still pending.
    pub(crate) failed: Vec<AbortFailure<'a>>,
    /// Uploads started after the cutoff, or of unknown age: left alone.
    pub(crate) kept: Vec<UploadOutput<'a>>,
}

/// One upload `uploads abort` could not abort: the upload's fields, then why.
#[derive(Debug, Serialize)]
pub(crate) struct AbortFailure<'a> {
    /// The upload.
    #[serde(flatten)]
    pub(crate) upload: UploadOutput<'a>,
    /// S3 error code (e.g. `AccessDenied`) or the error kind.
    pub(crate) code: &'a str,
    /// Description; names the key only by its hash.
    pub(crate) message: String,
}

impl<'a> AbortOutput<'a> {
    /// The printed shape of `report`, ages counted at `now`.
    pub(crate) fn new(report: &'a StaleUploadReport, now: SystemTime) -> Self {
        let uploads = |list: &'a [PendingUpload]| {
            list.iter()
                .map(|upload| UploadOutput::new(upload, now))
                .collect()
        };
        Self {
            aborted: uploads(&report.aborted),
            failed: report
                .failed
                .iter()
                .map(|(upload, error)| AbortFailure {
                    upload: UploadOutput::new(upload, now),
                    code: error_code(error),
                    message: error.to_string(),
                })
                .collect(),
            kept: uploads(&report.kept),
        }
    }
}

/// The S3 error code of a failure (e.g. `NoSuchUpload`), or its kind when the store gave
/// none.
fn error_code(error: &Error) -> &str {
    match error {
        Error::Service { code, .. } => code,
        other => other.kind_name(),
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use stowage_core::S3Path;
    use stowage_core::transfer::UploadId;

    use super::*;

    /// A pending upload of `key`, started at `initiated` seconds after the epoch.
    fn upload(key: &str, initiated: Option<u64>) -> PendingUpload {
        PendingUpload {
            path: S3Path::new("bucket", key).unwrap(),
            id: UploadId::new(format!("id-{key}")),
            initiated: initiated.map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs)),
        }
    }

    /// Every upload of the report is printed in its list, with its age at `now`; a failure
    /// carries its S3 code and a message without the key.
    #[test]
    fn abort_report_accounts_for_every_upload() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(100_000);
        let mut report = StaleUploadReport::default();
        report.aborted.push(upload("old", Some(10_000)));
        let failed = upload("secret-failed", Some(20_000));
        let error = Error::Service {
            code: "NoSuchUpload".to_owned(),
            status: 404,
            message: "gone".to_owned(),
            path: Some(failed.path.clone()),
        };
        report.failed.push((failed, error));
        report.kept.push(upload("undated", None));
        report.kept.push(upload("future", Some(100_001)));

        let json: serde_json::Value =
            serde_json::from_str(&to_json(&AbortOutput::new(&report, now))).unwrap();
        assert_eq!(
            json["aborted"],
            serde_json::json!([{
                "path": "s3://bucket/old",
                "upload_id": "id-old",
                "initiated": "1970-01-01T02:46:40Z",
                "age_seconds": 90_000,
            }])
        );
        let failure = &json["failed"][0];
        assert_eq!(failure["path"], "s3://bucket/secret-failed");
        assert_eq!(failure["upload_id"], "id-secret-failed");
        assert_eq!(failure["age_seconds"], 80_000);
        assert_eq!(failure["code"], "NoSuchUpload");
        let message = failure["message"].as_str().unwrap();
        assert!(message.contains("gone"), "{message}");
        assert!(!message.contains("secret-failed"), "{message}");
        assert_eq!(json["kept"][0]["initiated"], serde_json::Value::Null);
        assert_eq!(json["kept"][0]["age_seconds"], serde_json::Value::Null);
        assert_eq!(json["kept"][1]["age_seconds"], 0);
    }
}
