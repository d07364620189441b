//! The one place where [`stowage::Error`](Error) kinds become `object_store` errors.
//!
//! `object_store` errors name the path they are about (its API promises that); their
//! source is the stowage error, whose message shows a key only as its hash.

use object_store::path::Path;
use stowage_core::{DeleteFailure, Error};

/// The `store` of `object_store::Error::Generic`.
pub(crate) const STORE: &str = "stowage";

/// What the failed call meant to do: the same stowage kind means different things to
/// `object_store` (a failed create is `AlreadyExists`, a failed update `Precondition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intent {
    /// A read, a listing, a delete, or a write that may replace what is there.
    Plain,
    /// A create-only write or copy: a precondition failure means the object exists.
    Create,
    /// A compare-and-swap write: a missing object fails the precondition too.
    Update,
}

/// Maps `error` about `location` (a [`Path`], or its text) onto `object_store`'s kinds.
pub(crate) fn to_object_store(
    error: Error,
    location: &(impl AsRef<str> + ?Sized),
    intent: Intent,
) -> object_store::Error {
    use object_store::Error as E;
    let path = location.as_ref().to_owned();
    match error {
        Error::NotFound { .. } if intent == Intent::Update => E::Precondition {
            path,
            source: Box::new(error),
        },
        Error::NotFound { .. } => E::NotFound {
            path,
            source: Box::new(error),
        },
        Error::PreconditionFailed { .. } if intent == Intent::Create => E::AlreadyExists {
            path,
            source: Box::new(error),
        },
        Error::PreconditionFailed { .. } => E::Precondition {
            path,
            source: Box::new(error),
        },
        // An upload that is gone, as `AmazonS3` reports S3's `NoSuchUpload`.
        Error::Service {
            status: 404,
            ref code,
            ..
        } if code == "NoSuchUpload" => E::NotFound {
            path,
            source: Box::new(error),
        },
        Error::AccessDenied { .. } => E::PermissionDenied {
            path,
            source: Box::new(error),
        },
        Error::Unsupported { operation, backend } => not_implemented(operation, backend),
        other => generic(other),
    }
}

/// `object_store`'s answer to what a stowage backend cannot do.
pub(crate) fn not_implemented(operation: &str, backend: &str) -> object_store::Error {
    object_store::Error::NotImplemented {
        operation: operation.to_owned(),
        implementer: format!("stowage's {backend} backend"),
    }
}

/// Any other failure, with the stowage error as its source.
pub(crate) fn generic(
    error: impl std::error::Error + Send + Sync + 'static,
) -> object_store::Error {
    object_store::Error::Generic {
        store: STORE,
        source: Box::new(error),
    }
}

/// A path the backend cannot address (a key over 1024 bytes with the prefix).
pub(crate) fn invalid_location(error: Error) -> object_store::Error {
    generic(error)
}

/// The outcome of one key of a batch delete that the backend reported failed.
pub(crate) fn delete_failure(failure: &DeleteFailure, location: &Path) -> object_store::Error {
    let source = BatchDeleteError {
        code: failure.code.clone(),
        message: failure.message.clone(),
    };
    let path = location.to_string();
    match failure.code.as_str() {
        "NoSuchKey" | "NotFound" => object_store::Error::NotFound {
            path,
            source: Box::new(source),
        },
        "AccessDenied" => object_store::Error::PermissionDenied {
            path,
            source: Box::new(source),
        },
        _ => generic(source),
    }
}

/// A key's failure inside a batch delete, as the backend reported it.
#[derive(Debug, thiserror::Error)]
#[error("batch delete failed for this key: {code}: {message}")]
pub(crate) struct BatchDeleteError {
    code: String,
    message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use stowage_core::S3Path;

    fn not_found() -> Error {
        Error::NotFound {
            path: S3Path::new("bucket", "secret/key").unwrap(),
        }
    }

    #[test]
    fn kinds_follow_the_intent() {
        let location = Path::from("secret/key");
        let precondition = || Error::PreconditionFailed {
            path: S3Path::new("bucket", "secret/key").unwrap(),
        };
        assert!(matches!(
            to_object_store(not_found(), &location, Intent::Plain),
            object_store::Error::NotFound { .. }
        ));
        assert!(matches!(
            to_object_store(not_found(), &location, Intent::Update),
            object_store::Error::Precondition { .. }
        ));
        assert!(matches!(
            to_object_store(precondition(), &location, Intent::Create),
            object_store::Error::AlreadyExists { .. }
        ));
        assert!(matches!(
            to_object_store(precondition(), &location, Intent::Update),
            object_store::Error::Precondition { .. }
        ));
        let unsupported = Error::Unsupported {
            operation: "conditional put_object",
            backend: "s3",
        };
        assert!(matches!(
            to_object_store(unsupported, &location, Intent::Create),
            object_store::Error::NotImplemented { .. }
        ));
    }

    #[test]
    fn sources_show_the_key_only_as_its_hash() {
        let error = to_object_store(not_found(), &Path::from("secret/key"), Intent::Plain);
        let object_store::Error::NotFound { source, .. } = error else {
            panic!("not found expected");
        };
        assert!(!source.to_string().contains("secret/key"));
    }
}
