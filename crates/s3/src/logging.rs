//! Keeps the SDK's verbose events, which carry raw keys, URLs and signing material, out of
//! the application's logs.

use std::future::Future;
use std::sync::OnceLock;

use tracing::instrument::WithSubscriber;
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Level, Metadata, Subscriber, span};

/// Forwards everything to `inner` except DEBUG and TRACE events and spans of other crates.
///
/// The SDK logs requests (with the object key in the URI), canonical requests and
/// strings-to-sign at those levels; INFO and above, and everything of stowage's own, passes.
struct SdkLogGuard {
    inner: Dispatch,
}

/// Whether an event or span passes: stowage's own always, others at INFO and above.
fn allowed(metadata: &Metadata<'_>) -> bool {
    metadata.target().starts_with("stowage") || *metadata.level() <= Level::INFO
}

impl Subscriber for SdkLogGuard {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if allowed(metadata) {
            self.inner.register_callsite(metadata)
        } else {
            Interest::never()
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        None
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        allowed(metadata) && self.inner.enabled(metadata)
    }

    fn new_span(&self, span: &span::Attributes<'_>) -> span::Id {
        self.inner.new_span(span)
    }

    fn record(&self, span: &span::Id, values: &span::Record<'_>) {
        self.inner.record(span, values);
    }

    fn record_follows_from(&self, span: &span::Id, follows: &span::Id) {
        self.inner.record_follows_from(span, follows);
    }

    fn event_enabled(&self, event: &Event<'_>) -> bool {
        allowed(event.metadata())
    }

    fn event(&self, event: &Event<'_>) {
        if allowed(event.metadata()) {
            self.inner.event(event);
        }
    }

    fn enter(&self, span: &span::Id) {
        self.inner.enter(span);
    }

    fn exit(&self, span: &span::Id) {
        self.inner.exit(span);
    }

    fn clone_span(&self, id: &span::Id) -> span::Id {
        self.inner.clone_span(id)
    }

    fn try_close(&self, id: span::Id) -> bool {
        self.inner.try_close(id)
    }

    fn current_span(&self) -> tracing_core::span::Current {
        self.inner.current_span()
    }
}

/// Decides once per operation, at its first SDK call, whether SDK calls need the guard.
///
/// Creating one costs nothing: the current dispatcher is read only when an SDK call runs,
/// so an operation that never reaches the SDK (a presigned URL from cached credentials)
/// never pays for the guard.
#[derive(Clone)]
pub(crate) struct SdkLogs {
    sdk_debug_logs: bool,
    guard: OnceLock<Option<Dispatch>>,
}

impl SdkLogs {
    /// Logs for one operation; `sdk_debug_logs` lets the SDK's DEBUG and TRACE events pass.
    pub(crate) fn new(sdk_debug_logs: bool) -> Self {
        Self {
            sdk_debug_logs,
            guard: OnceLock::new(),
        }
    }

    /// Runs an SDK future under the guard.
    pub(crate) async fn run<F: Future>(&self, future: F) -> F::Output {
        match self.guard.get_or_init(|| guard(self.sdk_debug_logs)) {
            Some(guard) => future.with_subscriber(guard.clone()).await,
            None => future.await,
        }
    }
}

/// The guard for the current dispatcher, or none when it is not needed: SDK debug logs were
/// asked for, or nothing below INFO is enabled anywhere.
fn guard(sdk_debug_logs: bool) -> Option<Dispatch> {
    if sdk_debug_logs || LevelFilter::current() < LevelFilter::DEBUG {
        return None;
    }
    let inner = tracing::dispatcher::get_default(Dispatch::clone);
    Some(Dispatch::new(SdkLogGuard { inner }))
}
