//! Keeps the SDK's verbose events, which carry raw keys, URLs and signing material, out of
//! the application's logs.

use std::future::Future;

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

/// Decides once per operation whether SDK calls need the guard.
#[derive(Clone)]
pub(crate) struct SdkLogs {
    guard: Option<Dispatch>,
}

impl SdkLogs {
    /// The guard for the current dispatcher, or none when it is not needed: SDK debug logs
    /// were asked for, or nothing below INFO is enabled anywhere.
    pub(crate) fn new(sdk_debug_logs: bool) -> Self {
        if sdk_debug_logs || LevelFilter::current() < LevelFilter::DEBUG {
            return Self { guard: None };
        }
        let inner = tracing::dispatcher::get_default(Dispatch::clone);
        Self {
            guard: Some(Dispatch::new(SdkLogGuard { inner })),
        }
    }

    /// Runs an SDK future under the guard.
    pub(crate) async fn run<F: Future>(&self, future: F) -> F::Output {
        match &self.guard {
            Some(guard) => future.with_subscriber(guard.clone()).await,
            None => future.await,
        }
    }
}
