//! How the fake answers a redeemed URL or form that S3 would refuse.

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
            other => Self::bad_request(other.to_string()),
        }
    }
}
