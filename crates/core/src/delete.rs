//! [`DeleteReport`]: what a batch delete did with every path it was given.

use crate::path::S3Path;

/// The outcome of [`crate::ObjectStorage::delete_objects`]: every input path, exactly once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteReport {
    /// Paths deleted (or already absent, which S3 counts as deleted).
    pub deleted: Vec<S3Path>,
    /// Paths that could not be deleted, each with the reason.
    pub failed: Vec<DeleteFailure>,
}

impl DeleteReport {
    /// True when every path was deleted.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
    }
}

/// One path that a batch delete could not delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteFailure {
    /// The path that is still there.
    pub path: S3Path,
    /// The S3 error code (e.g. `AccessDenied`), or the error kind when the whole request failed.
    pub code: String,
    /// A description, with the key redacted.
    pub message: String,
}
