//! Writes with modes: create-only and compare-and-swap puts and copies, and races.
//!
//! A store enforces a mode or refuses it with `Error::Unsupported`, writing nothing: a
//! conditional write that overwrites is the worst bug a storage layer can have.

use bytes::Bytes;
use futures::future::join_all;
use stowage_core::{CopyOptions, Error, PutMode, PutOptions, Result, S3Path};

use crate::Fixture;

/// An ETag no object has.
const OTHER_ETAG: &str = "\"00000000000000000000000000000000\"";

async fn body(f: &Fixture<'_>, path: &S3Path) -> Bytes {
    f.storage
        .get_object(path)
        .await
        .expect("get")
        .body
        .bytes()
        .await
        .expect("body")
}

async fn put(
    f: &Fixture<'_>,
    path: &S3Path,
    bytes: &'static str,
    mode: PutMode,
) -> Result<Option<String>> {
    f.storage
        .put_object(path, bytes.into(), PutOptions::new().mode(mode))
        .await
        .map(|put| put.etag)
}

async fn copy(f: &Fixture<'_>, from: &S3Path, to: &S3Path, mode: PutMode) -> Result<()> {
    f.storage
        .copy_object_with(from, to, &CopyOptions::new().mode(mode))
        .await
}

fn assert_unsupported<T: std::fmt::Debug>(what: &str, result: &Result<T>) {
    assert!(
        matches!(result, Err(Error::Unsupported { .. })),
        "{what}: a mode the store cannot enforce is Unsupported, got {result:?}"
    );
}

fn assert_lost<T: std::fmt::Debug>(what: &str, result: &Result<T>) {
    assert!(
        matches!(result, Err(Error::PreconditionFailed { .. })),
        "{what}: PreconditionFailed, got {result:?}"
    );
}

/// Create-only and If-Match puts: the condition holds or nothing is written. A store that
/// cannot enforce a mode refuses it, never overwriting.
pub async fn conditional_puts(f: &Fixture<'_>) {
    let base = f.fresh_prefix("conditional-puts");
    let path = base.join("object").unwrap();
    let fresh = base.join("fresh").unwrap();
    let etag1 = put(f, &path, "v1", PutMode::Overwrite)
        .await
        .expect("put")
        .expect("an ETag");

    let result = put(f, &path, "v2", PutMode::Create).await;
    let created = put(f, &fresh, "new", PutMode::Create).await;
    if f.capabilities.create_only_writes {
        assert_lost("create-only on an existing key", &result);
        created.expect("create-only on a fresh key");
        assert_eq!(body(f, &fresh).await, "new");
    } else {
        assert_unsupported("create-only", &result);
        assert_unsupported("create-only on a fresh key", &created);
        assert!(
            !f.storage.object_exists(&fresh).await.expect("exists"),
            "a refused create creates nothing"
        );
    }
    assert_eq!(
        body(f, &path).await,
        "v1",
        "a failed or refused create overwrites nothing"
    );

    let result = put(f, &path, "v2", PutMode::IfMatch(OTHER_ETAG.into())).await;
    if !f.capabilities.compare_and_swap_writes {
        assert_unsupported("If-Match", &result);
        let result = put(f, &path, "v2", PutMode::IfMatch(etag1)).await;
        assert_unsupported("If-Match with the current ETag", &result);
        assert_eq!(
            body(f, &path).await,
            "v1",
            "a refused compare-and-swap overwrites nothing"
        );
        return;
    }
    assert_lost("If-Match with another ETag", &result);
    assert_eq!(body(f, &path).await, "v1");
    let etag2 = put(f, &path, "v2", PutMode::IfMatch(etag1.clone()))
        .await
        .expect("compare-and-swap");
    assert_ne!(etag2.as_deref(), Some(etag1.as_str()));
    assert_eq!(body(f, &path).await, "v2");
    let result = put(f, &path, "v3", PutMode::IfMatch(etag1)).await;
    assert_lost("a stale ETag", &result);
    assert_eq!(body(f, &path).await, "v2");

    let missing = base.join("missing").unwrap();
    let result = put(
        f,
        &missing,
        "x",
        PutMode::IfMatch(etag2.unwrap_or_default()),
    )
    .await;
    assert!(
        matches!(
            result,
            Err(Error::NotFound { .. } | Error::PreconditionFailed { .. })
        ),
        "If-Match on a missing key writes nothing: {result:?}"
    );
    assert!(!f.storage.object_exists(&missing).await.expect("exists"));

    let result = put(f, &path, "x", PutMode::IfMatch(String::new())).await;
    assert!(
        matches!(result, Err(Error::InvalidArgument { .. })),
        "an empty ETag: {result:?}"
    );
}

/// Concurrent create-only puts of one key: exactly one wins, the others fail typed, and the
/// object holds the winner's bytes.
pub async fn concurrent_creates(f: &Fixture<'_>) {
    const BODIES: [&str; 8] = ["w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7"];
    let path = f.fresh_prefix("concurrent-creates").join("lock").unwrap();
    let results = join_all(
        BODIES
            .iter()
            .map(|&bytes| put(f, &path, bytes, PutMode::Create)),
    )
    .await;
    if !f.capabilities.create_only_writes {
        for result in &results {
            assert_unsupported("create-only", result);
        }
        assert!(!f.storage.object_exists(&path).await.expect("exists"));
        return;
    }
    let winners: Vec<usize> = (0..BODIES.len()).filter(|&i| results[i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "exactly one create wins: {results:?}");
    for (i, result) in results.iter().enumerate() {
        if i != winners[0] {
            assert_lost("a lost race", result);
        }
    }
    assert_eq!(
        body(f, &path).await,
        BODIES[winners[0]],
        "the winner's bytes are stored"
    );
}

/// The same modes on a copy's destination.
pub async fn conditional_copies(f: &Fixture<'_>) {
    let base = f.fresh_prefix("conditional-copies");
    let source = base.join("source").unwrap();
    let target = base.join("target").unwrap();
    let fresh = base.join("fresh").unwrap();
    put(f, &source, "source", PutMode::Overwrite)
        .await
        .expect("put");
    let target_etag = put(f, &target, "target", PutMode::Overwrite)
        .await
        .expect("put")
        .expect("ETag");

    let result = copy(f, &source, &target, PutMode::Create).await;
    let created = copy(f, &source, &fresh, PutMode::Create).await;
    if f.capabilities.create_only_copies {
        assert_lost("create-only copy onto an object", &result);
        created.expect("create-only copy to a fresh key");
        assert_eq!(body(f, &fresh).await, "source");
    } else {
        assert_unsupported("create-only copy", &result);
        assert_unsupported("create-only copy to a fresh key", &created);
        assert!(
            !f.storage.object_exists(&fresh).await.expect("exists"),
            "a refused copy creates nothing"
        );
    }
    assert_eq!(
        body(f, &target).await,
        "target",
        "a failed or refused copy overwrites nothing"
    );

    let result = copy(f, &source, &target, PutMode::IfMatch(OTHER_ETAG.into())).await;
    if !f.capabilities.compare_and_swap_copies {
        assert_unsupported("If-Match copy", &result);
        let result = copy(f, &source, &target, PutMode::IfMatch(target_etag)).await;
        assert_unsupported("If-Match copy with the current ETag", &result);
        assert_eq!(body(f, &target).await, "target");
        return;
    }
    assert_lost("If-Match copy with another ETag", &result);
    assert_eq!(body(f, &target).await, "target");
    copy(f, &source, &target, PutMode::IfMatch(target_etag))
        .await
        .expect("copy over the ETag it names");
    assert_eq!(body(f, &target).await, "source");
}
