//! Tracing: every operation of every backend opens the same span shape.
//!
//! One filter and one dashboard must serve every backend, so each operation runs inside a
//! span named `stowage` (target `stowage`) with the fields `backend`, `op`, `bucket` and
//! `key_hash`, and a key appears only as its hash.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stowage_core::{PostPolicyRequest, PutOptions, S3Path};
use tracing::Dispatch;
use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber;
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::Registry;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::Fixture;

/// The fields every operation span declares.
const SHAPE: [&str; 4] = ["backend", "op", "bucket", "key_hash"];

/// What one `stowage` span said about itself.
#[derive(Debug, Clone, Default)]
struct SpanSeen {
    target: String,
    fields: BTreeSet<String>,
    values: Vec<(String, String)>,
}

impl SpanSeen {
    fn value(&self, field: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(name, _)| name == field)
            .map(|(_, value)| value.as_str())
    }
}

impl Visit for SpanSeen {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.values
            .push((field.name().to_owned(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.values
            .push((field.name().to_owned(), format!("{value:?}")));
    }
}

/// Keeps every span named `stowage`, with its recorded values, in creation order.
#[derive(Clone, Default)]
struct SpanLog(Arc<Mutex<Vec<(Id, SpanSeen)>>>);

impl SpanLog {
    fn take(&self) -> Vec<SpanSeen> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
            .into_iter()
            .map(|(_, seen)| seen)
            .collect()
    }
}

impl<S: tracing::Subscriber> Layer<S> for SpanLog {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let metadata = attrs.metadata();
        if metadata.name() != "stowage" {
            return;
        }
        let mut seen = SpanSeen {
            target: metadata.target().to_owned(),
            fields: metadata
                .fields()
                .iter()
                .map(|f| f.name().to_owned())
                .collect(),
            values: Vec::new(),
        };
        attrs.record(&mut seen);
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((id.clone(), seen));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, seen)) = log.iter_mut().find(|(seen_id, _)| seen_id == id) {
            values.record(seen);
        }
    }
}

/// Runs `operation` with a subscriber of its own and returns the `stowage` spans it opened.
async fn spans_of<F: Future>(log: &SpanLog, dispatch: &Dispatch, operation: F) -> Vec<SpanSeen> {
    log.take();
    let _ = operation.with_subscriber(dispatch.clone()).await;
    log.take()
}

/// Every trait method opens a `stowage` span with the shared fields, the method's name as
/// `op` (or that of the method a provided one is built on: `head_object` for
/// `object_exists`, `get_object_with`, `copy_object_with`, `list_page`), one backend name
/// throughout, and
/// the bucket and key hash of the object it works on.
pub async fn same_shape_for_every_operation(f: &Fixture<'_>) {
    let log = SpanLog::default();
    let dispatch = Dispatch::new(Registry::default().with(log.clone()));
    let base = f.fresh_prefix("spans");
    let path = base.join("secret-object.txt").unwrap();
    let copy = base.join("secret-copy.txt").unwrap();
    let storage = f.storage;
    let post = PostPolicyRequest::new(1024);

    let mut backends = BTreeSet::new();
    let mut check = |op: &str, also: &[&str], target: Option<&S3Path>, spans: Vec<SpanSeen>| {
        let span = spans
            .iter()
            .find(|span| {
                span.value("op")
                    .is_some_and(|v| v == op || also.contains(&v))
            })
            .unwrap_or_else(|| panic!("{op} opened no `stowage` span with op={op}: {spans:?}"));
        assert_eq!(span.target, "stowage", "{op}: the span's target");
        for field in SHAPE {
            assert!(
                span.fields.contains(field),
                "{op}: the span declares `{field}`: {span:?}"
            );
        }
        let backend = span
            .value("backend")
            .unwrap_or_else(|| panic!("{op}: no backend: {span:?}"));
        backends.insert(backend.to_owned());
        if let Some(target) = target {
            assert_eq!(span.value("bucket"), Some(target.bucket()), "{op}: bucket");
            let hash = target.key_hash().to_string();
            assert_eq!(
                span.value("key_hash"),
                Some(hash.as_str()),
                "{op}: key hash"
            );
        }
        for span in &spans {
            for (_, value) in &span.values {
                assert!(
                    !value.contains("secret-"),
                    "{op}: a span carries a raw key: {span:?}"
                );
            }
        }
    };

    check(
        "put_object",
        &[],
        Some(&path),
        spans_of(
            &log,
            &dispatch,
            storage.put_object(&path, "x".into(), PutOptions::new()),
        )
        .await,
    );
    check(
        "get_object",
        &["get_object_with"],
        Some(&path),
        spans_of(&log, &dispatch, storage.get_object(&path)).await,
    );
    check(
        "head_object",
        &[],
        Some(&path),
        spans_of(&log, &dispatch, storage.head_object(&path)).await,
    );
    check(
        "object_exists",
        &["head_object"],
        Some(&path),
        spans_of(&log, &dispatch, storage.object_exists(&path)).await,
    );
    check(
        "copy_object",
        &["copy_object_with"],
        Some(&path),
        spans_of(&log, &dispatch, storage.copy_object(&path, &copy)).await,
    );
    check(
        "list_objects",
        &["list_page"],
        Some(&base),
        spans_of(&log, &dispatch, storage.list_objects(&base, Some("/"))).await,
    );
    check(
        "presigned_get_url",
        &[],
        Some(&path),
        spans_of(
            &log,
            &dispatch,
            storage.presigned_get_url(&path, Duration::from_secs(60)),
        )
        .await,
    );
    check(
        "presigned_post",
        &[],
        Some(&path),
        spans_of(&log, &dispatch, storage.presigned_post(&path, &post)).await,
    );
    check(
        "delete_object",
        &[],
        Some(&copy),
        spans_of(&log, &dispatch, storage.delete_object(&copy)).await,
    );
    let batch = [path.clone(), copy.clone()];
    let spans = spans_of(&log, &dispatch, storage.delete_objects(&batch)).await;
    let batch_span = spans
        .iter()
        .find(|span| span.value("op") == Some("delete_objects"))
        .cloned();
    check("delete_objects", &[], None, spans);
    let batch_span = batch_span.expect("checked above");
    assert_eq!(
        batch_span.value("bucket"),
        Some(path.bucket()),
        "delete_objects: one bucket is recorded"
    );

    assert_eq!(
        backends.len(),
        1,
        "one backend name on every span: {backends:?}"
    );
}
