//! [`PartTasks`]: the parts of one transfer in flight, on the runtime's worker threads, and
//! cancelled when the transfer is dropped.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};

/// One part's work: spawned on the current Tokio runtime when there is one (so parts use
/// every core), polled in place otherwise. Dropping it cancels the work.
pub(crate) enum PartTask<T> {
    /// Running as a Tokio task.
    Spawned(JoinHandle<Result<T>>),
    /// Polled by whoever polls this future.
    Inline(BoxFuture<'static, Result<T>>),
}

impl<T: Send + 'static> PartTask<T> {
    /// Starts `work`.
    pub(crate) fn start(work: impl Future<Output = Result<T>> + Send + 'static) -> Self {
        match Handle::try_current() {
            Ok(runtime) => Self::Spawned(runtime.spawn(work)),
            Err(_) => Self::Inline(Box::pin(work)),
        }
    }
}

impl<T> Future for PartTask<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Self::Spawned(handle) => Pin::new(handle).poll(cx).map(|joined| {
                joined.unwrap_or_else(|error| {
                    Err(Error::Io {
                        message: format!("a transfer task stopped: {error}"),
                    })
                })
            }),
            Self::Inline(work) => work.as_mut().poll(cx),
        }
    }
}

impl<T> Drop for PartTask<T> {
    fn drop(&mut self) {
        if let Self::Spawned(handle) = self {
            handle.abort();
        }
    }
}

/// The parts of one transfer in flight, in any order.
pub(crate) struct PartTasks<T> {
    running: FuturesUnordered<PartTask<T>>,
}

impl<T: Send + 'static> PartTasks<T> {
    /// No part in flight.
    pub(crate) fn new() -> Self {
        Self {
            running: FuturesUnordered::new(),
        }
    }

    /// Starts one more part.
    pub(crate) fn start(&mut self, work: impl Future<Output = Result<T>> + Send + 'static) {
        self.running.push(PartTask::start(work));
    }

    /// How many parts are in flight.
    pub(crate) fn len(&self) -> usize {
        self.running.len()
    }

    /// The next part to finish, `None` when none is in flight.
    pub(crate) async fn next(&mut self) -> Option<Result<T>> {
        self.running.next().await
    }
}
