//! The one place where `object_store` errors become [`stowage::Error`](Error) kinds.

use std::error::Error as StdError;
use std::io::ErrorKind;

use stowage_core::{Error, S3Path, redact_key};

use crate::keys;

/// Name used in `Unsupported` errors and logs.
pub(crate) const BACKEND: &str = "object_store";

/// Whether the failed call read or wrote the path: a filesystem's "not a directory"
/// means "no such object" to a read and "cannot store this key" to a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// get, head, exists, delete, the source of a copy, a listing.
    Read,
    /// put, the target of a copy.
    Write,
    /// a part, the completion or the abort of an upload a caller drives: a store that does
    /// not know the upload (`NotFound`) answers S3's `NoSuchUpload`.
    Upload,
}

/// Maps an `object_store` error about `path` onto a core kind.
///
/// No message produced here contains the raw key: the known kinds carry no message, and
/// the fallback's message has the key replaced by its hash.
pub(crate) fn map_error(
    error: object_store::Error,
    path: &S3Path,
    access: Access,
    operation: &'static str,
) -> Error {
    use object_store::Error as E;
    if let Some(kind) = io_kind(&error) {
        match (kind, access) {
            (ErrorKind::NotADirectory | ErrorKind::IsADirectory, Access::Read) => {
                return not_found(path);
            }
            (
                ErrorKind::NotADirectory | ErrorKind::IsADirectory | ErrorKind::DirectoryNotEmpty,
                Access::Write | Access::Upload,
            ) => {
                return Error::invalid_argument(
                    "the store is a filesystem: a key cannot name both an object and a folder of \
                     other keys (`p` and `p/x`)",
                );
            }
            (ErrorKind::PermissionDenied, _) => {
                return Error::AccessDenied {
                    path: Some(path.clone()),
                };
            }
            _ => {}
        }
    }
    match error {
        E::NotFound { .. } if access == Access::Upload => Error::Service {
            code: "NoSuchUpload".to_owned(),
            status: 404,
            message: "the multipart upload does not exist: it was completed, aborted or never \
                      started"
                .to_owned(),
            path: Some(path.clone()),
        },
        E::NotFound { .. } => not_found(path),
        // A create-only write that found an object is S3's `If-None-Match: *` failure (412).
        E::AlreadyExists { .. } | E::Precondition { .. } | E::NotModified { .. } => {
            Error::PreconditionFailed { path: path.clone() }
        }
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => Error::AccessDenied {
            path: Some(path.clone()),
        },
        E::NotSupported { .. } | E::NotImplemented { .. } => unsupported(operation),
        E::InvalidPath { .. } => invalid_path(access, path),
        E::Generic { store, .. }
            if store == "LocalFileSystem" && keys::local_fs_reserved(path.key()) =>
        {
            invalid_path(access, path)
        }
        other => Error::Service {
            code: "ObjectStoreError".to_owned(),
            status: 500,
            message: redact_key(&other.to_string(), path.key()),
            path: Some(path.clone()),
        },
    }
}

/// [`Error::Unsupported`] for `operation` on this backend.
pub(crate) fn unsupported(operation: &'static str) -> Error {
    Error::Unsupported {
        operation,
        backend: BACKEND,
    }
}

/// [`Error::NotFound`] for `path`.
fn not_found(path: &S3Path) -> Error {
    Error::NotFound { path: path.clone() }
}

/// A key the store refuses as a path: writes are refused, and reads find nothing.
fn invalid_path(access: Access, path: &S3Path) -> Error {
    match access {
        Access::Read => not_found(path),
        Access::Write | Access::Upload => Error::invalid_argument(
            "the store refuses this key as a path (LocalFileSystem reserves file names ending \
             in `#` and digits for uploads in progress)",
        ),
    }
}

/// The kind of the first I/O error in the chain, if any.
fn io_kind(error: &object_store::Error) -> Option<ErrorKind> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        current = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> S3Path {
        S3Path::parse("s3://bucket/secret/key.txt").unwrap()
    }

    #[test]
    fn kinds_map_onto_core_kinds() {
        let source = || -> Box<dyn StdError + Send + Sync> { "boom".into() };
        let p = || "secret/key.txt".to_owned();
        let read = |e| map_error(e, &path(), Access::Read, "get_object");
        assert!(matches!(
            read(object_store::Error::NotFound {
                path: p(),
                source: source()
            }),
            Error::NotFound { .. }
        ));
        assert!(matches!(
            read(object_store::Error::Precondition {
                path: p(),
                source: source()
            }),
            Error::PreconditionFailed { .. }
        ));
        assert!(matches!(
            read(object_store::Error::PermissionDenied {
                path: p(),
                source: source()
            }),
            Error::AccessDenied { .. }
        ));
        assert!(matches!(
            read(object_store::Error::Unauthenticated {
                path: p(),
                source: source()
            }),
            Error::AccessDenied { .. }
        ));
        assert!(matches!(
            read(object_store::Error::NotImplemented {
                operation: "get".into(),
                implementer: "test".into()
            }),
            Error::Unsupported {
                operation: "get_object",
                backend: BACKEND
            }
        ));
        let generic = read(object_store::Error::Generic {
            store: "S3",
            source: "failed on secret/key.txt".into(),
        });
        assert!(
            matches!(generic, Error::Service { status: 500, ref code, .. } if code == "ObjectStoreError")
        );
        assert!(!generic.to_string().contains("secret/key.txt"), "{generic}");
    }

    #[test]
    fn filesystem_shape_errors_depend_on_access() {
        let io = || object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(std::io::Error::from(ErrorKind::NotADirectory)),
        };
        assert!(matches!(
            map_error(io(), &path(), Access::Read, "get_object"),
            Error::NotFound { .. }
        ));
        assert!(matches!(
            map_error(io(), &path(), Access::Write, "put_object"),
            Error::InvalidArgument { .. }
        ));
    }

    #[test]
    fn a_gone_upload_is_no_such_upload_and_a_gone_object_not_found() {
        let missing = || object_store::Error::NotFound {
            path: "secret/key.txt".into(),
            source: "gone".into(),
        };
        assert!(matches!(
            map_error(missing(), &path(), Access::Upload, "upload_part"),
            Error::Service { status: 404, ref code, .. } if code == "NoSuchUpload"
        ));
        assert!(matches!(
            map_error(missing(), &path(), Access::Write, "put_object"),
            Error::NotFound { .. }
        ));
    }
}
