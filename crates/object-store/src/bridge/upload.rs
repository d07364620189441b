//! `put_multipart_opts`: an `object_store` multipart write streamed into the backend's own
//! transfer engine.
//!
//! Parts join one body in the order `put_part` was called (whatever order their futures are
//! awaited in), and that body is one `put_object` of unknown length running in a task of
//! its own: the backend's engine cuts it into parts of its configured size, sends them
//! concurrently and completes the upload when `complete` ends the body. A part's future
//! resolves once the engine has taken the part, so a writer that awaits its parts holds
//! memory bounded by the engine's settings. A write that is aborted, or dropped before it
//! completed, ends the body with an error: the engine aborts its upload and no object and
//! no pending upload is left.

use std::collections::VecDeque;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::{self, Stream};
use object_store::path::Path;
use object_store::{MultipartUpload, PutPayload, PutResult, UploadPart};
use stowage_core::{ObjectStorage, Payload, PutOptions, S3Path};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::bridge::errors::{Intent, generic, to_object_store};

/// What a write sends its body: a part, with the signal that the engine took it, or the end.
enum Message {
    Part(PutPayload, oneshot::Sender<()>),
    Finish,
}

/// A multipart write in progress; see the module docs.
pub(crate) struct BridgeUpload {
    location: Path,
    parts: Option<mpsc::UnboundedSender<Message>>,
    task: Option<JoinHandle<stowage_core::Result<stowage_core::PutResult>>>,
}

impl std::fmt::Debug for BridgeUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BridgeUpload")
            .field("open", &self.parts.is_some())
            .finish_non_exhaustive()
    }
}

impl BridgeUpload {
    /// Starts the backend's `put_object` of the body the parts will make up.
    pub(crate) fn start(
        storage: Arc<dyn ObjectStorage>,
        path: S3Path,
        location: Path,
        options: PutOptions,
    ) -> object_store::Result<Self> {
        let runtime = tokio::runtime::Handle::try_current().map_err(generic)?;
        let (parts, receiver) = mpsc::unbounded_channel();
        let body = Payload::from_unsized_stream(body(receiver));
        let task = runtime.spawn(async move { storage.put_object(&path, body, options).await });
        Ok(Self {
            location,
            parts: Some(parts),
            task: Some(task),
        })
    }

    fn finished() -> object_store::Error {
        generic(stowage_core::Error::invalid_argument(
            "the multipart write was already completed or aborted",
        ))
    }
}

#[async_trait]
impl MultipartUpload for BridgeUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let (taken, was_taken) = oneshot::channel();
        let sent = self
            .parts
            .as_ref()
            .is_some_and(|parts| parts.send(Message::Part(data, taken)).is_ok());
        Box::pin(async move {
            if !sent {
                return Err(Self::finished());
            }
            was_taken.await.map_err(|_| {
                generic(stowage_core::Error::Io {
                    message: "the upload failed before this part was read; complete() or \
                              abort() returns why"
                        .into(),
                })
            })
        })
    }

    async fn complete(&mut self) -> object_store::Result<PutResult> {
        let (Some(parts), Some(task)) = (self.parts.take(), self.task.take()) else {
            return Err(Self::finished());
        };
        // The engine may already have failed and dropped the body; its error says why.
        let _ = parts.send(Message::Finish);
        drop(parts);
        let result = task
            .await?
            .map_err(|error| to_object_store(error, &self.location, Intent::Plain))?;
        Ok(PutResult {
            e_tag: result.etag,
            version: None,
            extensions: Default::default(),
        })
    }

    async fn abort(&mut self) -> object_store::Result<()> {
        // Closing the body without its end fails the engine's source: it aborts its upload
        // before `put_object` returns, so nothing is pending once the task is done.
        self.parts.take();
        if let Some(task) = self.task.take() {
            // The task's error is the abort itself.
            let _ = task.await?;
        }
        Ok(())
    }
}

/// The parts, in the order they were sent, as one body that ends at [`Message::Finish`]
/// and fails when the write is gone without it.
fn body(
    receiver: mpsc::UnboundedReceiver<Message>,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let state = Some((receiver, VecDeque::<Bytes>::new()));
    stream::unfold(state, |state| async move {
        let (mut receiver, mut chunks) = state?;
        loop {
            if let Some(chunk) = chunks.pop_front() {
                return Some((Ok(chunk), Some((receiver, chunks))));
            }
            match receiver.recv().await {
                Some(Message::Part(payload, taken)) => {
                    chunks.extend(payload.into_iter().filter(|chunk| !chunk.is_empty()));
                    // The writer may have stopped waiting for this part; nothing to tell it.
                    let _ = taken.send(());
                }
                Some(Message::Finish) => return None,
                None => {
                    let dropped = std::io::Error::other(
                        "the multipart write was aborted or dropped before it completed",
                    );
                    return Some((Err(dropped), None));
                }
            }
        }
    })
}
