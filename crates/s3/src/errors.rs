//! The one place where SDK failures become [`stowage::Error`](Error) kinds.

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::http::Response as HttpResponse;
use stowage_core::{Error, S3Path};

use crate::content_range::unsatisfied_total;
use crate::keys::redact_message;

/// An SDK error together with the path of the operation that failed.
struct SdkFailure<'a, E> {
    error: SdkError<E, HttpResponse>,
    path: &'a S3Path,
}

/// Shorthand: `.map_err(|e| failure(e, path))`.
pub(crate) fn failure<E>(error: SdkError<E, HttpResponse>, path: &S3Path) -> Error
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    SdkFailure { error, path }.into()
}

impl<E> From<SdkFailure<'_, E>> for Error
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    fn from(failure: SdkFailure<'_, E>) -> Self {
        let SdkFailure { error, path } = failure;
        match &error {
            SdkError::TimeoutError(_) => Error::Timeout {
                message: "the operation timeout elapsed".into(),
            },
            SdkError::DispatchFailure(dispatch) => {
                if dispatch.is_timeout() {
                    Error::Timeout {
                        message: format!("an attempt timed out{}", io_detail(&error)),
                    }
                } else if dispatch.is_io() {
                    Error::Unreachable {
                        message: format!("connection failed{}", io_detail(&error)),
                    }
                } else if dispatch.is_user() {
                    Error::Io {
                        message: format!("the request body failed{}", io_detail(&error)),
                    }
                } else {
                    Error::Unreachable {
                        message: format!("the request could not be sent{}", io_detail(&error)),
                    }
                }
            }
            SdkError::ConstructionFailure(_) => {
                Error::invalid_argument("the SDK could not construct the request")
            }
            _ => {
                let response = error.raw_response();
                let status = response.map_or(0, |response| response.status().as_u16());
                let size = response
                    .and_then(|response| response.headers().get("content-range"))
                    .and_then(unsatisfied_total);
                let code = error.code().unwrap_or_default().to_owned();
                let message = error.message().unwrap_or_default();
                from_service(
                    &ServiceFailure {
                        code: &code,
                        status,
                        message,
                        size,
                    },
                    path,
                )
            }
        }
    }
}

/// What an error answer of the service says.
pub(crate) struct ServiceFailure<'a> {
    /// The S3 error code, empty when the answer has none (a HEAD, a 304).
    pub(crate) code: &'a str,
    /// The HTTP status.
    pub(crate) status: u16,
    /// The service's message, which may repeat the key.
    pub(crate) message: &'a str,
    /// The object's size, from the `Content-Range: bytes */N` of a 416 answer.
    pub(crate) size: Option<u64>,
}

/// Maps an S3 error code and HTTP status onto the core kinds.
pub(crate) fn from_service(failure: &ServiceFailure<'_>, path: &S3Path) -> Error {
    let &ServiceFailure {
        code,
        status,
        message,
        size,
    } = failure;
    match (code, status) {
        ("NoSuchBucket", _) => Error::NoSuchBucket {
            bucket: path.bucket().to_owned(),
        },
        // A multipart upload that is gone is not the object: the object may well exist.
        ("NoSuchUpload", _) => Error::Service {
            code: code.to_owned(),
            status,
            message: redact_message(message, path.key()),
            path: Some(path.clone()),
        },
        ("NoSuchKey" | "NotFound", _) | (_, 404) if !path.key().is_empty() => {
            Error::NotFound { path: path.clone() }
        }
        (_, 404) => Error::NoSuchBucket {
            bucket: path.bucket().to_owned(),
        },
        ("AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch", _) | (_, 403) => {
            Error::AccessDenied {
                path: Some(path.clone()),
            }
        }
        // A conditional write that lost a race with another one is a 409 on AWS.
        ("PreconditionFailed" | "ConditionalRequestConflict", _) | (_, 412) => {
            Error::PreconditionFailed { path: path.clone() }
        }
        ("InvalidRange", _) | (_, 416) => Error::RangeNotSatisfiable {
            path: path.clone(),
            size,
        },
        _ => Error::Service {
            code: if code.is_empty() {
                format!("HTTP{status}")
            } else {
                code.to_owned()
            },
            status,
            message: redact_message(message, path.key()),
            path: Some(path.clone()),
        },
    }
}

/// `": <io error kind>"` when the source chain holds an I/O error; never the error's text,
/// which may name the endpoint.
pub(crate) fn io_detail(error: &(dyn StdError + 'static)) -> String {
    io_kind_detail(io_source(error))
}

/// `": <io error kind>"` for an I/O error already found in a source chain, else nothing.
pub(crate) fn io_kind_detail(io: Option<&std::io::Error>) -> String {
    io.map_or_else(String::new, |io| format!(": {}", io.kind()))
}

/// The first I/O error in the source chain of `error`, where a transport keeps the cause
/// (a reset, a timeout) under its own error types.
pub(crate) fn io_source<'e>(error: &'e (dyn StdError + 'static)) -> Option<&'e std::io::Error> {
    let mut source = error.source();
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        source = current.source();
    }
    None
}

/// Maps a failure to resolve the credentials presigned URLs and POST policies are signed with.
pub(crate) fn from_credentials(error: &CredentialsError, path: &S3Path) -> Error {
    match error {
        CredentialsError::ProviderTimedOut(_) => Error::Timeout {
            message: "the credentials provider timed out".into(),
        },
        CredentialsError::InvalidConfiguration(_) => {
            Error::invalid_argument("the credentials provider is misconfigured")
        }
        _ => Error::AccessDenied {
            path: Some(path.clone()),
        },
    }
}
