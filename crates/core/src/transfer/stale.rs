//! [`abort_stale_uploads`]: the cleanup of multipart uploads a client abandoned.

use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::path::S3Path;
use crate::storage::ObjectStorage;
use crate::transfer::PendingUpload;

/// What [`abort_stale_uploads`] did with each pending upload under the prefix.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct StaleUploadReport {
    /// Started before the cutoff, and aborted.
    pub aborted: Vec<PendingUpload>,
    /// Started before the cutoff, and the abort failed: each with its error.
    pub failed: Vec<(PendingUpload, Error)>,
    /// Started after the cutoff, or of unknown age: left alone.
    pub kept: Vec<PendingUpload>,
}

/// Aborts every multipart upload under `prefix` started more than `older_than` before
/// `now`: the parts a browser or a crashed process left behind, billed until aborted.
///
/// Every pending upload is accounted for exactly once in the report; an upload whose store
/// gives no start time is kept. On AWS, a bucket lifecycle rule with
/// `AbortIncompleteMultipartUpload` does the same without a client.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use stowage::{ObjectStorage, S3Path};
/// use stowage::transfer::abort_stale_uploads;
///
/// async fn nightly(storage: &dyn ObjectStorage) -> stowage::Result<usize> {
///     let prefix = S3Path::new("uploads", "users/")?;
///     let day = Duration::from_secs(24 * 3600);
///     let report = abort_stale_uploads(storage, &prefix, day, SystemTime::now()).await?;
///     Ok(report.aborted.len())
/// }
/// ```
pub async fn abort_stale_uploads(
    storage: &dyn ObjectStorage,
    prefix: &S3Path,
    older_than: Duration,
    now: SystemTime,
) -> Result<StaleUploadReport> {
    let cutoff = now
        .checked_sub(older_than)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut report = StaleUploadReport::default();
    for upload in storage.list_multipart_uploads(prefix).await? {
        let stale = upload
            .initiated
            .is_some_and(|initiated| initiated <= cutoff);
        if !stale {
            report.kept.push(upload);
            continue;
        }
        match storage
            .abort_multipart_upload(&upload.path, &upload.id)
            .await
        {
            Ok(()) => report.aborted.push(upload),
            Err(error) => report.failed.push((upload, error)),
        }
    }
    Ok(report)
}
