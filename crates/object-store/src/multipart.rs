//! [`Upload`]: a body streamed into an `object_store` multipart upload, parts in flight
//! concurrently, aborted when the body fails or the write is dropped.

use futures::{Stream, StreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, PutMultipartOptions, WriteMultipart};
use stowage_core::{PutResult, Result, S3Path};
use tokio::runtime::Handle;

use crate::convert::quoted_etag;
use crate::errors::{Access, map_error};
use crate::write::Write;

/// How a multipart write cuts its body: parts of `part_size` bytes, at most `concurrency`
/// in flight, so it holds at most `part_size x (concurrency + 1)` bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Upload {
    /// The size of every part but the last.
    pub(crate) part_size: usize,
    /// Parts sent at once.
    pub(crate) concurrency: usize,
}

impl Upload {
    /// Streams `body` into a multipart upload at `location` in `store` (the object at
    /// `path`) with `spec`'s attributes; its mode must be an overwrite.
    ///
    /// A body that fails aborts the upload and returns the body's error; a part or the
    /// completion that fails aborts it too (`WriteMultipart::finish` does); a dropped write
    /// aborts it in the background.
    pub(crate) async fn run(
        self,
        store: &dyn ObjectStore,
        location: &Path,
        path: &S3Path,
        spec: Write,
        mut body: impl Stream<Item = Result<bytes::Bytes>> + Unpin,
    ) -> Result<PutResult> {
        let fail = |error| map_error(error, path, Access::Write, spec.operation);
        let options = PutMultipartOptions {
            attributes: spec.attributes,
            ..Default::default()
        };
        let upload = store
            .put_multipart_opts(location, options)
            .await
            .map_err(fail)?;
        let mut writer = AbortOnDrop::new(
            WriteMultipart::new_with_chunk_size(upload, self.part_size),
            path,
        );
        while let Some(chunk) = body.next().await {
            let ready = match chunk {
                Ok(chunk) => writer
                    .writer()
                    .wait_for_capacity(self.concurrency)
                    .await
                    .map(|()| chunk)
                    .map_err(fail),
                Err(error) => Err(error),
            };
            match ready {
                Ok(chunk) => writer.writer().put(chunk),
                Err(error) => {
                    writer.abort().await;
                    return Err(error);
                }
            }
        }
        let result = writer.finish().await.map_err(fail)?;
        Ok(PutResult {
            etag: quoted_etag(result.e_tag),
        })
    }
}

/// A multipart write that is aborted in the background if dropped before it finished or
/// was aborted: a cancelled `put_object` leaves no upload (and on a filesystem, no staging
/// file) behind.
struct AbortOnDrop {
    /// The write; taken only by the methods that consume the guard, and by `drop`.
    writer: Option<WriteMultipart>,
    /// The object written, to name in a log line by its hash.
    path: S3Path,
}

impl AbortOnDrop {
    /// Guards `writer`, the write of `path`.
    fn new(writer: WriteMultipart, path: &S3Path) -> Self {
        Self {
            writer: Some(writer),
            path: path.clone(),
        }
    }

    /// The write, still running.
    fn writer(&mut self) -> &mut WriteMultipart {
        self.writer
            .as_mut()
            .expect("only `finish`, `abort` and `drop` take the write, consuming the guard")
    }

    /// Sends the last part and completes the upload; `WriteMultipart::finish` aborts it
    /// when that fails.
    async fn finish(mut self) -> object_store::Result<object_store::PutResult> {
        self.disarm().finish().await
    }

    /// Aborts the upload after a failure, reporting nothing: the failure that caused it is
    /// what the caller needs to see.
    async fn abort(mut self) {
        let aborted = self.disarm().abort().await;
        log_failed_abort(
            aborted,
            &self.path,
            "aborting a failed multipart write failed",
        );
    }

    /// The write, no longer aborted on drop.
    fn disarm(&mut self) -> WriteMultipart {
        self.writer
            .take()
            .expect("a guard is disarmed once, by the method that consumes it")
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        let Some(writer) = self.writer.take() else {
            return;
        };
        let path = self.path.clone();
        match Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    let aborted = writer.abort().await;
                    log_failed_abort(aborted, &path, "aborting a dropped multipart write failed");
                });
            }
            Err(_) => tracing::warn!(
                bucket = path.bucket(),
                key_hash = %path.key_hash(),
                "a multipart write was dropped outside a Tokio runtime and could not be aborted"
            ),
        }
    }
}

/// Logs a failed abort of the write of `path`: the key only as its hash, the error as the
/// core kind it maps to (an `object_store` message may carry the raw path).
fn log_failed_abort(aborted: object_store::Result<()>, path: &S3Path, what: &'static str) {
    if let Err(error) = aborted {
        let error = map_error(error, path, Access::Write, "put_object");
        tracing::warn!(
            bucket = path.bucket(),
            key_hash = %path.key_hash(),
            kind = error.kind_name(),
            error = %error,
            "{what}"
        );
    }
}
