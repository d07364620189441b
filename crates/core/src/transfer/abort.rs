//! [`AbortOnDrop`]: a started multipart upload that is aborted unless it completed, even when
//! the future driving it is dropped.

use tokio::runtime::Handle;

use crate::error::{Error, Result};
use crate::path::S3Path;
use crate::transfer::store::{CompletedPart, MultipartStore, UploadId};
use crate::write::PutMode;
use crate::write::{PutOptions, PutResult};

/// Aborts its upload when dropped before it completed or was aborted.
pub(crate) struct AbortOnDrop<M: MultipartStore> {
    store: M,
    path: S3Path,
    id: UploadId,
    /// Whether dropping the guard must still abort the upload.
    armed: bool,
}

impl<M: MultipartStore> AbortOnDrop<M> {
    /// Starts a multipart upload of `path` under `options` and guards it.
    ///
    /// The CreateMultipartUpload request runs as a task of its own: when the caller is
    /// dropped while the request is in flight, the store may already have started the
    /// upload, and the task aborts it as soon as the id arrives, so that no moment exists
    /// at which a dropped transfer leaves an upload behind. Outside a Tokio runtime the
    /// request runs in place.
    pub(crate) async fn start(store: &M, path: &S3Path, options: &PutOptions) -> Result<Self> {
        let Ok(runtime) = Handle::try_current() else {
            let id = store.create_upload(path, options).await?;
            return Ok(Self::new(store.clone(), path.clone(), id));
        };
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let (task_store, task_path, task_options) = (store.clone(), path.clone(), options.clone());
        runtime.spawn(async move {
            let created = task_store.create_upload(&task_path, &task_options).await;
            if let Err(Ok(id)) = sender.send(created) {
                // The caller is gone: nobody will complete this upload.
                if let Err(error) = task_store.abort_upload(&task_path, &id).await {
                    tracing::warn!(kind = error.kind_name(), error = %error, "aborting an upload started for a dropped transfer failed");
                }
            }
        });
        let id = receiver.await.map_err(|_| Error::Io {
            message: "the task starting a multipart upload stopped".into(),
        })??;
        Ok(Self::new(store.clone(), path.clone(), id))
    }

    /// Guards the upload `id` of `path`.
    fn new(store: M, path: S3Path, id: UploadId) -> Self {
        Self {
            store,
            path,
            id,
            armed: true,
        }
    }

    /// The id of the upload guarded.
    pub(crate) fn id(&self) -> &UploadId {
        &self.id
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
