//! The one span shape every backend emits for an operation.
//!
//! Every span is named `stowage`, has the target `stowage`, and carries the fields
//! `backend`, `op`, `bucket` and `key_hash`, so one filter and one dashboard serve every
//! backend. A key appears only as its [`hash_s3_key`](crate::hash_s3_key).

use tracing::Span;
use tracing::field::Empty;

use crate::path::S3Path;

/// The span of an operation on one object (or one listing prefix).
pub fn operation(backend: &'static str, op: &'static str, path: &S3Path) -> Span {
    tracing::debug_span!(
        target: "stowage",
        "stowage",
        backend,
        op,
        bucket = path.bucket(),
        key_hash = %path.key_hash(),
        paths = Empty,
    )
}

/// The span of an operation on many objects, such as a batch delete.
///
/// `bucket` is recorded when every path is in one bucket; `key_hash` stays empty;
/// `paths` counts the inputs.
pub fn batch(backend: &'static str, op: &'static str, paths: &[S3Path]) -> Span {
    let span = tracing::debug_span!(
        target: "stowage",
        "stowage",
        backend,
        op,
        bucket = Empty,
        key_hash = Empty,
        paths = paths.len(),
    );
    if let Some(first) = paths.first()
        && paths.iter().all(|path| path.bucket() == first.bucket())
    {
        span.record("bucket", first.bucket());
    }
    span
}
