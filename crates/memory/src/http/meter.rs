//! A request body that yields at most a budget of bytes: memory stays bounded whatever the
//! client sends, and the parser cannot read ahead past what the current phase allows.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;

/// How much of the body may be read, and whether reading stopped at that budget.
#[derive(Debug)]
pub(super) struct Meter {
    /// The shared counters.
    state: Mutex<MeterState>,
}

/// The counters behind a [`Meter`].
#[derive(Debug)]
struct MeterState {
    /// Bytes handed to the parser so far.
    read: u64,
    /// Bytes the parser may have in total.
    budget: u64,
    /// The parser asked for more than the budget and was refused.
    exhausted: bool,
}

impl Meter {
    /// A meter allowing `budget` bytes.
    pub(super) fn new(budget: u64) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(MeterState {
                read: 0,
                budget,
                exhausted: false,
            }),
        })
    }

    /// Locks the counters (a poisoned lock still holds valid numbers).
    fn lock(&self) -> std::sync::MutexGuard<'_, MeterState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Allows `budget` bytes in total from now on.
    pub(super) fn set_budget(&self, budget: u64) {
        let mut state = self.lock();
        state.budget = budget;
        state.exhausted = false;
    }

    /// Whether the parser is waiting for bytes beyond the budget (it will never get them).
    pub(super) fn exhausted(&self) -> bool {
        self.lock().exhausted
    }

    /// Awaits `future`, or answers `None` as soon as it waits for bytes over the budget.
    pub(super) async fn bounded<F: Future>(&self, future: F) -> Option<F::Output> {
        let mut future = std::pin::pin!(future);
        std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
            Poll::Ready(output) => Poll::Ready(Some(output)),
            Poll::Pending if self.exhausted() => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        })
        .await
    }
}

/// A body stream cut at its [`Meter`]'s budget: a chunk that crosses it is split, and the
/// rest waits (the stream answers `Pending` and flags the meter) until the budget grows.
pub(super) struct MeteredBody<S> {
    /// The request body.
    inner: S,
    /// The budget and counters, shared with the handler.
    meter: Arc<Meter>,
    /// The part of a chunk held back by the budget.
    held: Option<Bytes>,
}

impl<S> std::fmt::Debug for MeteredBody<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeteredBody")
            .field("meter", &self.meter)
            .finish_non_exhaustive()
    }
}

impl<S> MeteredBody<S> {
    /// Meters `inner` with `meter`.
    pub(super) fn new(inner: S, meter: Arc<Meter>) -> Self {
        Self {
            inner,
            meter,
            held: None,
        }
    }
}

impl<S, E> Stream for MeteredBody<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Bytes, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let mut chunk = match this.held.take() {
            Some(chunk) => chunk,
            None => {
                let mut state = this.meter.lock();
                if state.read >= state.budget {
                    state.exhausted = true;
                    return Poll::Pending;
                }
                drop(state);
                match Pin::new(&mut this.inner).poll_next(cx) {
                    Poll::Ready(Some(Ok(chunk))) => chunk,
                    other => return other,
                }
            }
        };
        let mut state = this.meter.lock();
        let room = state.budget.saturating_sub(state.read);
        if room == 0 {
            state.exhausted = true;
            this.held = Some(chunk);
            return Poll::Pending;
        }
        if chunk.len() as u64 > room {
            // `room` is below the chunk's length, so it fits in usize.
            this.held = Some(chunk.split_off(room as usize));
        }
        state.read += chunk.len() as u64;
        Poll::Ready(Some(Ok(chunk)))
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use futures::StreamExt as _;

    use super::*;

    #[tokio::test]
    async fn yields_at_most_the_budget_then_resumes_when_it_grows() {
        let chunks = futures::stream::iter(
            [&b"hello "[..], b"world", b"!"].map(|chunk| Ok::<_, Infallible>(Bytes::from(chunk))),
        );
        let meter = Meter::new(8);
        let mut body = MeteredBody::new(chunks, Arc::clone(&meter));
        let mut read = Vec::new();
        while let Some(chunk) = meter.bounded(body.next()).await.flatten() {
            read.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(read, b"hello wo");
        assert!(meter.exhausted());

        meter.set_budget(100);
        assert!(!meter.exhausted());
        while let Some(chunk) = meter.bounded(body.next()).await.flatten() {
            read.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(read, b"hello world!");
        assert!(!meter.exhausted());
    }
}
