//! The one error type every backend returns.

use std::fmt;

use crate::path::{PathError, Redacted, S3Path};

/// Shorthand for `Result<T, stowage::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a storage operation, by kind.
///
/// Backends map their own failures onto these kinds, so application code can react the
/// same way whatever store is behind the trait (`NotFound` is a 404 on S3, a missing file on
/// a filesystem, an absent entry in the memory backend).
///
/// `Display` and `Debug` never contain a raw object key, a presigned URL, a signature, a
/// credential or a policy: a key is shown as its [`crate::hash_s3_key`]. The raw path stays
/// reachable through [`Error::path`] for code that needs it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A path string or bucket/key pair broke an S3 naming rule.
    #[error("invalid S3 path: {0}")]
    InvalidPath(#[from] PathError),

    /// An argument other than a path is out of range or malformed.
    #[error("invalid argument: {message}")]
    InvalidArgument {
        /// What is wrong, without echoing secret material.
        message: String,
    },

    /// The object (or, for a listing, the bucket) does not exist.
    #[error("not found: {}", Redacted(path))]
    NotFound {
        /// The path that was looked up.
        path: S3Path,
    },

    /// The bucket does not exist.
    #[error("bucket {bucket:?} does not exist")]
    NoSuchBucket {
        /// The bucket name.
        bucket: String,
    },

    /// The credentials are wrong, or lack permission for this operation.
    #[error("access denied{}", OptionalPath(path.as_ref()))]
    AccessDenied {
        /// The path of the operation, when it had one.
        path: Option<S3Path>,
    },

    /// A conditional request's precondition (ETag, modification time) did not hold.
    #[error("precondition failed: {}", Redacted(path))]
    PreconditionFailed {
        /// The path of the operation.
        path: S3Path,
    },

    /// The object was replaced while it was being read or copied in parts: the parts read
    /// so far belong to a version that no longer exists, so the transfer stopped rather than
    /// splice two versions.
    #[error("the object changed during a transfer in parts: {}", Redacted(path))]
    ObjectChanged {
        /// The object read or copied.
        path: S3Path,
    },

    /// A byte range starts at or past the end of the object (HTTP 416, `InvalidRange`).
    #[error(
        "byte range not satisfiable{}: {}",
        size.map(|size| format!(" (the object has {size} bytes)")).unwrap_or_default(),
        Redacted(path)
    )]
    RangeNotSatisfiable {
        /// The object read.
        path: S3Path,
        /// The object's size, when the store says.
        size: Option<u64>,
    },

    /// The store could not be reached: connection refused, DNS failure, TLS failure.
    #[error("storage endpoint unreachable: {message}")]
    Unreachable {
        /// What failed, without the endpoint's credentials or any signed URL.
        message: String,
    },

    /// The operation or one of its attempts ran out of time.
    #[error("storage operation timed out: {message}")]
    Timeout {
        /// Which timeout fired.
        message: String,
    },

    /// A body could not be read or written while streaming.
    #[error("I/O error while streaming an object body: {message}")]
    Io {
        /// What failed.
        message: String,
    },

    /// This backend cannot perform this operation (for example, a store with no POST policies).
    #[error("{operation} is not supported by the {backend} backend")]
    Unsupported {
        /// The trait method.
        operation: &'static str,
        /// The backend's name.
        backend: &'static str,
    },

    /// Any other error reported by the service, with its S3 error code and HTTP status.
    #[error(
        "service error {code} (HTTP {status}){}: {message}",
        OptionalPath(path.as_ref())
    )]
    Service {
        /// The S3 error code, e.g. `SlowDown` or `InternalError`.
        code: String,
        /// The HTTP status code.
        status: u16,
        /// The service's message, with the object key replaced by its hash.
        message: String,
        /// The path of the operation, when it had one.
        path: Option<S3Path>,
    },
}

impl Error {
    /// The path this error is about, with the raw key, when there is one.
    pub fn path(&self) -> Option<&S3Path> {
        match self {
            Error::NotFound { path }
            | Error::PreconditionFailed { path }
            | Error::ObjectChanged { path }
            | Error::RangeNotSatisfiable { path, .. } => Some(path),
            Error::AccessDenied { path } | Error::Service { path, .. } => path.as_ref(),
            _ => None,
        }
    }

    /// True for [`Error::NotFound`] and [`Error::NoSuchBucket`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. } | Error::NoSuchBucket { .. })
    }

    /// A stable, machine-readable name for the error kind (`"not_found"`, `"access_denied"`, ...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Error::InvalidPath(_) => "invalid_path",
            Error::InvalidArgument { .. } => "invalid_argument",
            Error::NotFound { .. } => "not_found",
            Error::NoSuchBucket { .. } => "no_such_bucket",
            Error::AccessDenied { .. } => "access_denied",
            Error::PreconditionFailed { .. } => "precondition_failed",
            Error::ObjectChanged { .. } => "object_changed",
            Error::RangeNotSatisfiable { .. } => "range_not_satisfiable",
            Error::Unreachable { .. } => "unreachable",
            Error::Timeout { .. } => "timeout",
            Error::Io { .. } => "io",
            Error::Unsupported { .. } => "unsupported",
            Error::Service { .. } => "service",
        }
    }

    /// The HTTP status a service built on stowage answers its own clients with for this
    /// error: the caller's mistakes are 4xx (400 invalid input, 403, 404, 412, 416), a
    /// store that is overloaded is 503, one that cannot do the operation 501, and every
    /// other failure of the store 502 (504 for a timeout). The store's own status is not
    /// passed through: a 403 of the service's credentials is the service's failure, not
    /// the client's.
    ///
    /// ```
    /// use stowage::{Error, S3Path};
    /// let missing = Error::NotFound { path: S3Path::new("scans", "ct/1.dcm")? };
    /// assert_eq!(missing.http_status(), 404);
    /// # Ok::<(), stowage::PathError>(())
    /// ```
    pub fn http_status(&self) -> u16 {
        match self {
            Error::InvalidPath(_) | Error::InvalidArgument { .. } => 400,
            Error::AccessDenied { .. } => 403,
            Error::NotFound { .. } | Error::NoSuchBucket { .. } => 404,
            Error::ObjectChanged { .. } => 409,
            Error::PreconditionFailed { .. } => 412,
            Error::RangeNotSatisfiable { .. } => 416,
            Error::Unsupported { .. } => 501,
            Error::Service { status: 503, .. } => 503,
            Error::Timeout { .. } => 504,
            Error::Unreachable { .. } | Error::Io { .. } | Error::Service { .. } => 502,
        }
    }

    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            message: message.into(),
        }
    }
}

/// Renders ` on s3://bucket/<key sha256:…>` for a present path, nothing otherwise.
struct OptionalPath<'a>(Option<&'a S3Path>);

impl fmt::Display for OptionalPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(path) => write!(f, " on {}", Redacted(path)),
            None => Ok(()),
        }
    }
}

/// Replaces every occurrence of `key` in a service message with its hash.
///
/// Some servers echo the key in their error messages; backends pass those messages
/// through this before storing them in an [`Error`].
pub fn redact_key(message: &str, key: &str) -> String {
    if key.is_empty() {
        message.to_owned()
    } else {
        message.replace(key, &format!("<key sha256:{}>", crate::hash_s3_key(key)))
    }
}

/// With feature `axum`, an error is a response: [`Error::http_status`] and a JSON body
/// `{"error": kind, "message": ...}` whose message names a key only by its hash.
#[cfg(feature = "axum")]
impl axum::response::IntoResponse for Error {
    fn into_response(self) -> axum::response::Response {
        let status = axum::http::StatusCode::from_u16(self.http_status())
            .unwrap_or(axum::http::StatusCode::BAD_GATEWAY);
        let body = serde_json::json!({ "error": self.kind_name(), "message": self.to_string() });
        (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_kind() {
        let path = S3Path::new("scans", "patient-4711/ct.dcm").unwrap();
        let cases = [
            (Error::invalid_argument("bad"), 400),
            (Error::AccessDenied { path: None }, 403),
            (Error::NotFound { path: path.clone() }, 404),
            (Error::PreconditionFailed { path: path.clone() }, 412),
            (
                Error::RangeNotSatisfiable {
                    path: path.clone(),
                    size: Some(3),
                },
                416,
            ),
            (
                Error::Unsupported {
                    operation: "x",
                    backend: "y",
                },
                501,
            ),
            (
                Error::Timeout {
                    message: "read".into(),
                },
                504,
            ),
            (
                Error::Service {
                    code: "SlowDown".into(),
                    status: 503,
                    message: String::new(),
                    path: None,
                },
                503,
            ),
            (
                Error::Service {
                    code: "AccessDenied".into(),
                    status: 403,
                    message: String::new(),
                    path: None,
                },
                502,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(error.http_status(), status, "{error:?}");
        }
    }

    #[cfg(feature = "axum")]
    #[tokio::test]
    async fn errors_are_json_responses_without_the_key() {
        use axum::response::IntoResponse;
        let path = S3Path::new("scans", "patient-4711/ct.dcm").unwrap();
        let response = Error::NotFound { path }.into_response();
        assert_eq!(response.status(), 404);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"], "not_found");
        assert!(!json["message"].as_str().unwrap().contains("patient-4711"));
    }
}
