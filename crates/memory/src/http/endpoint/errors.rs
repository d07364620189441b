//! The store's errors as S3's error documents: the code and status S3 sends for the same
//! refusal, and a message that never carries the key.

use http::StatusCode;
use s3s::{S3Error, S3ErrorCode};
use stowage_core::{Error, PathError, S3Path};

/// `error` as S3 answers it.
pub(super) fn s3_error(error: Error) -> S3Error {
    let message = error.to_string();
    let (code, status) = match &error {
        Error::InvalidPath(PathError::KeyTooLong { .. }) => {
            (S3ErrorCode::KeyTooLongError, StatusCode::BAD_REQUEST)
        }
        Error::InvalidPath(_) => (S3ErrorCode::InvalidBucketName, StatusCode::BAD_REQUEST),
        Error::InvalidArgument { .. } => (S3ErrorCode::InvalidArgument, StatusCode::BAD_REQUEST),
        Error::NotFound { .. } => (S3ErrorCode::NoSuchKey, StatusCode::NOT_FOUND),
        Error::NoSuchBucket { .. } => (S3ErrorCode::NoSuchBucket, StatusCode::NOT_FOUND),
        Error::AccessDenied { .. } => (S3ErrorCode::AccessDenied, StatusCode::FORBIDDEN),
        Error::PreconditionFailed { .. } | Error::ObjectChanged { .. } => (
            S3ErrorCode::PreconditionFailed,
            StatusCode::PRECONDITION_FAILED,
        ),
        Error::RangeNotSatisfiable { .. } => {
            (S3ErrorCode::InvalidRange, StatusCode::RANGE_NOT_SATISFIABLE)
        }
        Error::Unsupported { .. } => (S3ErrorCode::NotImplemented, StatusCode::NOT_IMPLEMENTED),
        Error::Service { code, status, .. } => (
            code.parse()
                .unwrap_or_else(|_| S3ErrorCode::Custom(code.clone().into())),
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        ),
        _ => (
            S3ErrorCode::InternalError,
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
    };
    coded(code, status, message)
}

/// An error with `code`, `status` and `message`.
pub(super) fn coded(code: S3ErrorCode, status: StatusCode, message: impl Into<String>) -> S3Error {
    let mut error = S3Error::with_message(code, message.into());
    error.set_status_code(status);
    error
}

/// `400 InvalidArgument` with `message`.
pub(super) fn invalid_argument(message: impl Into<String>) -> S3Error {
    coded(
        S3ErrorCode::InvalidArgument,
        StatusCode::BAD_REQUEST,
        message,
    )
}

/// `501 NotImplemented`: S3 has the feature, this store does not.
pub(super) fn not_implemented(what: &str) -> S3Error {
    coded(
        S3ErrorCode::NotImplemented,
        StatusCode::NOT_IMPLEMENTED,
        format!("{what} is not implemented by the memory store"),
    )
}

/// The object `key` of `bucket`, or S3's refusal of the name.
pub(super) fn object_path(bucket: &str, key: &str) -> Result<S3Path, S3Error> {
    S3Path::new(bucket, key).map_err(|error| s3_error(error.into()))
}

/// The root of `bucket`, or S3's refusal of the name.
pub(super) fn bucket_root(bucket: &str) -> Result<S3Path, S3Error> {
    S3Path::bucket_root(bucket).map_err(|error| s3_error(error.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_keep_s3_codes_and_statuses() {
        let path = S3Path::new("bucket", "secret/key").unwrap();
        let missing = s3_error(Error::NotFound { path: path.clone() });
        assert_eq!(missing.code(), &S3ErrorCode::NoSuchKey);
        assert_eq!(missing.status_code(), Some(StatusCode::NOT_FOUND));
        assert!(!missing.message().unwrap().contains("secret/key"));

        let upload = s3_error(Error::Service {
            code: "NoSuchUpload".into(),
            status: 404,
            message: "gone".into(),
            path: Some(path),
        });
        assert_eq!(upload.code(), &S3ErrorCode::NoSuchUpload);
        assert_eq!(upload.status_code(), Some(StatusCode::NOT_FOUND));

        let odd = s3_error(Error::Service {
            code: "SomethingNew".into(),
            status: 409,
            message: String::new(),
            path: None,
        });
        assert_eq!(odd.code().as_str(), "SomethingNew");
        assert_eq!(odd.status_code(), Some(StatusCode::CONFLICT));
    }
}
