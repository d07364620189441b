//! [`AbortOnDrop`]: a started multipart upload that is aborted unless it completed, even when
//! the future driving it is dropped.

use tokio::runtime::Handle;

use crate::error::Result;
use crate::object::PutResult;
use crate::path::S3Path;
use crate::transfer::store::{CompletedPart, MultipartStore, UploadId};
use crate::write::PutMode;

/// Aborts its upload when dropped before it completed or was aborted.
pub(crate) struct AbortOnDrop<M: MultipartStore> {
    store: M,
    path: S3Path,
    id: UploadId,
    /// Whether dropping the guard must still abort the upload.
    armed: bool,
}

impl<M: MultipartStore> AbortOnDrop<M> {
    /// Guards the upload `id` of `path`.
    pub(crate) fn new(store: M, path: S3Path, id: UploadId) -> Self {
        Self {
            store,
            path,
            id,
            armed: true,
        }
    }

    /// Completes the upload with `sent`, the parts in number order, under `mode`; aborts it
    /// when a part failed (`sent` is that failure) or the completion fails, and returns the
    /// failure.
    pub(crate) async fn complete(
        mut self,
        sent: Result<Vec<CompletedPart>>,
        mode: &PutMode,
    ) -> Result<PutResult> {
        let completed = match sent {
            Ok(parts) => {
                self.store
                    .complete_upload(&self.path, &self.id, parts, mode)
                    .await
            }
            Err(error) => Err(error),
        };
        match completed {
            Ok(result) => {
                self.armed = false;
                Ok(result)
            }
            Err(error) => {
                self.abort().await;
                Err(error)
            }
        }
    }

    /// Aborts the upload now, after a failure, reporting nothing: the failure that caused
    /// it is what the caller needs to see, and an abort that fails leaves the upload to the
    /// bucket's lifecycle rule exactly as a crash would.
    async fn abort(mut self) {
        self.armed = false;
        if let Err(error) = self.store.abort_upload(&self.path, &self.id).await {
            tracing::warn!(kind = error.kind_name(), error = %error, "aborting a failed multipart upload failed");
        }
    }
}

impl<M: MultipartStore> Drop for AbortOnDrop<M> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (store, path, id) = (self.store.clone(), self.path.clone(), self.id.clone());
        match Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(error) = store.abort_upload(&path, &id).await {
                        tracing::warn!(kind = error.kind_name(), error = %error, "aborting a dropped multipart upload failed");
                    }
                });
            }
            Err(_) => tracing::warn!(
                "a multipart upload was dropped outside a Tokio runtime and could not be aborted"
            ),
        }
    }
}
