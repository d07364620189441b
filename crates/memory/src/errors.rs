//! The one place where the memory backend's refusals become errors: the core kinds its
//! trait methods return (with S3's codes and statuses where S3 has one), and
//! [`HttpRejection`], how it answers a redeemed URL or form that S3 would refuse.

use stowage_core::{Error, S3Path};

/// An HTTP-level refusal, with the status and error code S3 would send.
///
/// The message never contains the key, the policy, the signature or a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("HTTP {status} {code}: {message}")]
pub struct HttpRejection {
    /// HTTP status: 400 for malformed or out-of-range input, 403 for a bad signature, an
    /// expired token or a failed policy condition, 404 for a missing object or bucket.
    pub status: u16,
    /// The S3 error code, e.g. `AccessDenied`, `EntityTooLarge`, `SignatureDoesNotMatch`.
    pub code: &'static str,
    /// What was wrong.
    pub message: String,
}

impl HttpRejection {
    /// A refusal with `status`, S3 error `code` and `message`.
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// A 400 `InvalidArgument`: the request is malformed.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidArgument", message)
    }

    /// A 403 `AccessDenied` for a form the policy does not allow.
    pub(crate) fn policy_failed(message: impl Into<String>) -> Self {
        Self::new(
            403,
            "AccessDenied",
            format!("Invalid according to Policy: {}", message.into()),
        )
    }
}

impl From<stowage_core::sigv4::Rejection> for HttpRejection {
    fn from(rejection: stowage_core::sigv4::Rejection) -> Self {
        Self::new(rejection.status(), rejection.code(), rejection.to_string())
    }
}

impl From<stowage_core::Error> for HttpRejection {
    fn from(error: stowage_core::Error) -> Self {
        match error {
            stowage_core::Error::NotFound { .. } => {
                Self::new(404, "NoSuchKey", "The specified key does not exist.")
            }
            stowage_core::Error::NoSuchBucket { .. } => {
                Self::new(404, "NoSuchBucket", "The specified bucket does not exist")
            }
            stowage_core::Error::PreconditionFailed { .. } => Self::new(
                412,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold",
            ),
            stowage_core::Error::RangeNotSatisfiable { .. } => Self::new(
                416,
                "InvalidRange",
                "The requested range is not satisfiable",
            ),
            other => Self::bad_request(other.to_string()),
        }
    }
}

/// A missing key.
pub(crate) fn not_found(path: &S3Path) -> Error {
    Error::NotFound { path: path.clone() }
}

/// A missing bucket.
pub(crate) fn no_such_bucket(path: &S3Path) -> Error {
    Error::NoSuchBucket {
        bucket: path.bucket().to_owned(),
    }
}

/// A condition on `path` (an ETag, a modification time, create-only) that does not hold.
pub(crate) fn precondition_failed(path: &S3Path) -> Error {
    Error::PreconditionFailed { path: path.clone() }
}

/// A range outside an object of `size` bytes.
pub(crate) fn range_not_satisfiable(path: &S3Path, size: u64) -> Error {
    Error::RangeNotSatisfiable {
        path: path.clone(),
        size: Some(size),
    }
}

/// What this backend cannot do.
pub(crate) fn unsupported(operation: &'static str) -> Error {
    Error::Unsupported {
        operation,
        backend: crate::storage::BACKEND,
    }
}

/// A refusal with S3's error code and status; messages never name the key.
pub(crate) fn service(code: &str, status: u16, message: String, path: &S3Path) -> Error {
    Error::Service {
        code: code.into(),
        status,
        message,
        path: Some(path.clone()),
    }
}
