//! Reads with options: byte ranges, the four conditions and their precedence, and the order
//! of errors.

use std::ops::Range;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use stowage_core::{
    ByteRange, Error, GetObjectOutput, GetOptions, GetOutcome, ObjectStorage, PutOptions, S3Path,
};
use stowage_memory::MemoryStorage;

use crate::support::{clocked, path, start, storage};

/// A store holding `0123456789` at `s3://bucket/digits`, written at [`start`].
async fn digits() -> (MemoryStorage, S3Path) {
    let (storage, _clock) = clocked(start());
    let p = path("s3://bucket/digits");
    storage
        .put_object(&p, "0123456789".into(), PutOptions::new())
        .await
        .unwrap();
    (storage, p)
}

/// The object found by a read with `options`; panics on `NotModified`.
async fn found(storage: &MemoryStorage, p: &S3Path, options: GetOptions) -> GetObjectOutput {
    match storage.get_object_with(p, &options).await.unwrap() {
        GetOutcome::Found(output) => output,
        GetOutcome::NotModified(_) => panic!("expected the object, got NotModified"),
    }
}

/// The span served and the body read with `range`, checking that `meta.size` stays the
/// whole object's size.
async fn ranged(storage: &MemoryStorage, p: &S3Path, range: ByteRange) -> (Range<u64>, Bytes) {
    let output = found(storage, p, GetOptions::new().range(range)).await;
    let size = storage.head_object(p).await.unwrap().size;
    assert_eq!(output.meta.size, size, "meta.size is the total size");
    (output.range, output.body.bytes().await.unwrap())
}

/// The error of a read with `options`.
async fn failure(storage: &MemoryStorage, p: &S3Path, options: GetOptions) -> Error {
    match storage.get_object_with(p, &options).await {
        Ok(outcome) => panic!("expected an error, got {outcome:?}"),
        Err(error) => error,
    }
}

/// True when the read with `options` answers `NotModified`.
async fn not_modified(storage: &MemoryStorage, p: &S3Path, options: GetOptions) -> bool {
    let outcome = storage.get_object_with(p, &options).await.unwrap();
    matches!(outcome, GetOutcome::NotModified(_))
}

#[tokio::test]
async fn ranges_serve_exactly_the_slice() {
    let (storage, p) = digits().await;
    let cases = [
        (ByteRange::inclusive(3, 3), 3..4, "3"),
        (ByteRange::inclusive(0, 9), 0..10, "0123456789"),
        (ByteRange::inclusive(5, 100), 5..10, "56789"),
        (ByteRange::from_offset(7), 7..10, "789"),
        (ByteRange::from_offset(0), 0..10, "0123456789"),
        (ByteRange::suffix(3), 7..10, "789"),
        (ByteRange::suffix(100), 0..10, "0123456789"),
    ];
    for (range, span, body) in cases {
        assert_eq!(
            ranged(&storage, &p, range).await,
            (span, Bytes::from_static(body.as_bytes())),
            "{range:?}"
        );
    }
    let whole = found(&storage, &p, GetOptions::new()).await;
    assert_eq!(whole.range, 0..10, "no range: the whole object");
    assert_eq!(storage.get_object(&p).await.unwrap().range, 0..10);
}

#[tokio::test]
async fn a_range_of_a_large_object_streams_in_chunks() {
    let storage = storage();
    let p = path("s3://bucket/large");
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    storage
        .put_object(&p, data.clone().into(), PutOptions::new())
        .await
        .unwrap();
    let options = GetOptions::new().range(ByteRange::inclusive(100_000, 899_999));
    let output = found(&storage, &p, options).await;
    assert_eq!(output.range, 100_000..900_000);
    assert_eq!(output.meta.size, 1_000_000);
    let mut body = output.body;
    let mut received = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        assert!(chunk.len() <= 64 * 1024);
        received.extend_from_slice(&chunk);
    }
    assert_eq!(received, data[100_000..900_000]);
}

#[tokio::test]
async fn a_range_past_the_end_is_not_satisfiable_with_the_size() {
    let (storage, p) = digits().await;
    for range in [
        ByteRange::from_offset(10),
        ByteRange::from_offset(11),
        ByteRange::inclusive(10, 20),
    ] {
        let error = failure(&storage, &p, GetOptions::new().range(range)).await;
        assert!(
            matches!(error, Error::RangeNotSatisfiable { ref path, size: Some(10) } if *path == p),
            "{range:?}: {error:?}"
        );
    }

    let empty = path("s3://bucket/empty");
    storage
        .put_object(&empty, Bytes::new().into(), PutOptions::new())
        .await
        .unwrap();
    for range in [
        ByteRange::inclusive(0, 0),
        ByteRange::from_offset(0),
        ByteRange::suffix(1),
    ] {
        let error = failure(&storage, &empty, GetOptions::new().range(range)).await;
        assert!(
            matches!(error, Error::RangeNotSatisfiable { size: Some(0), .. }),
            "any range of an empty object: {range:?}: {error:?}"
        );
    }
    let whole = found(&storage, &empty, GetOptions::new()).await;
    assert_eq!(whole.range, 0..0);
    assert!(whole.body.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn malformed_options_are_invalid_before_anything_else() {
    let (storage, p) = digits().await;
    let missing_key = path("s3://bucket/missing");
    let missing_bucket = path("s3://nope/key");
    let malformed = [
        GetOptions::new().range(ByteRange::inclusive(5, 4)),
        GetOptions::new().range(ByteRange::suffix(0)),
        GetOptions::new().if_match(""),
        GetOptions::new().if_none_match("a b"),
    ];
    for options in malformed {
        for target in [&p, &missing_key, &missing_bucket] {
            let error = failure(&storage, target, options.clone()).await;
            assert!(
                matches!(error, Error::InvalidArgument { .. }),
                "{options:?}: {error:?}"
            );
        }
    }
    let error = failure(&storage, &path("s3://bucket/"), GetOptions::new()).await;
    assert!(matches!(error, Error::InvalidPath(_)));
}

#[tokio::test]
async fn a_missing_object_is_reported_before_conditions_and_ranges() {
    let (storage, _) = digits().await;
    let options = GetOptions::new()
        .if_match("\"other\"")
        .range(ByteRange::from_offset(1_000));
    let missing = path("s3://bucket/missing");
    let error = failure(&storage, &missing, options.clone()).await;
    assert!(matches!(error, Error::NotFound { ref path } if *path == missing));
    let error = failure(&storage, &path("s3://nope/key"), options).await;
    assert!(matches!(error, Error::NoSuchBucket { ref bucket } if bucket == "nope"));
}

#[tokio::test]
async fn etag_conditions() {
    let (storage, p) = digits().await;
    let etag = storage.head_object(&p).await.unwrap().etag.unwrap();
    let bare = etag.trim_matches('"').to_owned();

    for wanted in [etag.as_str(), bare.as_str(), "*"] {
        let output = found(&storage, &p, GetOptions::new().if_match(wanted)).await;
        assert_eq!(output.body.bytes().await.unwrap(), "0123456789");
    }
    let error = failure(&storage, &p, GetOptions::new().if_match("\"other\"")).await;
    assert!(matches!(error, Error::PreconditionFailed { ref path } if *path == p));

    for unwanted in [etag.as_str(), bare.as_str(), "*"] {
        let options = GetOptions::new().if_none_match(unwanted);
        assert!(not_modified(&storage, &p, options).await, "{unwanted}");
    }
    let options = GetOptions::new().if_none_match("\"other\"");
    assert_eq!(found(&storage, &p, options).await.range, 0..10);
}

#[tokio::test]
async fn not_modified_carries_the_current_etag_and_time() {
    let (storage, p) = digits().await;
    let head = storage.head_object(&p).await.unwrap();
    let options = GetOptions::new().if_none_match(head.etag.clone().unwrap());
    match storage.get_object_with(&p, &options).await.unwrap() {
        GetOutcome::NotModified(answer) => {
            assert_eq!(answer.path, p);
            assert_eq!(answer.etag, head.etag);
            assert_eq!(answer.last_modified, head.last_modified);
        }
        GetOutcome::Found(_) => panic!("the caller's copy is current"),
    }
}

#[tokio::test]
async fn time_conditions_compare_whole_seconds() {
    let (storage, p) = digits().await;
    let written = storage
        .head_object(&p)
        .await
        .unwrap()
        .last_modified
        .unwrap();
    let second = Duration::from_secs(1);

    // If-Modified-Since: not modified at or after the write.
    for since in [
        written,
        written + Duration::from_millis(999),
        written + second,
    ] {
        let options = GetOptions::new().if_modified_since(since);
        assert!(not_modified(&storage, &p, options).await, "{since:?}");
    }
    let options = GetOptions::new().if_modified_since(written - second);
    assert_eq!(found(&storage, &p, options).await.range, 0..10);

    // If-Unmodified-Since: fails when written after it.
    let error = failure(
        &storage,
        &p,
        GetOptions::new().if_unmodified_since(written - second),
    )
    .await;
    assert!(matches!(error, Error::PreconditionFailed { .. }));
    for since in [written, written + second] {
        let options = GetOptions::new().if_unmodified_since(since);
        assert_eq!(found(&storage, &p, options).await.range, 0..10);
    }
}

#[tokio::test]
async fn conditions_follow_s3_precedence() {
    let (storage, p) = digits().await;
    let etag = storage.head_object(&p).await.unwrap().etag.unwrap();
    let written = storage
        .head_object(&p)
        .await
        .unwrap()
        .last_modified
        .unwrap();
    let (before, after) = (
        written - Duration::from_secs(10),
        written + Duration::from_secs(10),
    );

    // A holding If-Match wins over a failing If-Unmodified-Since.
    let options = GetOptions::new()
        .if_match(etag.clone())
        .if_unmodified_since(before);
    assert_eq!(found(&storage, &p, options).await.range, 0..10);
    // A failing If-Match wins over a holding If-None-Match.
    let options = GetOptions::new()
        .if_match("\"other\"")
        .if_none_match(etag.clone());
    let error = failure(&storage, &p, options).await;
    assert!(matches!(error, Error::PreconditionFailed { .. }));
    // A failing If-Unmodified-Since wins over a holding If-Modified-Since.
    let options = GetOptions::new()
        .if_unmodified_since(before)
        .if_modified_since(after);
    let error = failure(&storage, &p, options).await;
    assert!(matches!(error, Error::PreconditionFailed { .. }));
    // An If-None-Match that does not hold overrides If-Modified-Since.
    let options = GetOptions::new()
        .if_none_match("\"other\"")
        .if_modified_since(after);
    assert_eq!(found(&storage, &p, options).await.range, 0..10);
    // A holding If-None-Match answers NotModified whatever If-Modified-Since says.
    let options = GetOptions::new()
        .if_none_match(etag.clone())
        .if_modified_since(before);
    assert!(not_modified(&storage, &p, options).await);
}

#[tokio::test]
async fn conditions_are_evaluated_before_the_range() {
    let (storage, p) = digits().await;
    let etag = storage.head_object(&p).await.unwrap().etag.unwrap();
    let past_the_end = ByteRange::from_offset(100);

    let options = GetOptions::new().if_match("\"other\"").range(past_the_end);
    let error = failure(&storage, &p, options).await;
    assert!(matches!(error, Error::PreconditionFailed { .. }));
    let options = GetOptions::new()
        .if_none_match(etag.clone())
        .range(past_the_end);
    assert!(not_modified(&storage, &p, options).await);
    // Conditions that hold, then a range: the slice.
    let options = GetOptions::new().if_match(etag).range(ByteRange::suffix(2));
    let output = found(&storage, &p, options).await;
    assert_eq!(output.range, 8..10);
    assert_eq!(output.body.bytes().await.unwrap(), "89");
}

#[tokio::test]
async fn a_rewrite_changes_what_conditions_see() {
    let (storage, clock) = clocked(start());
    let p = path("s3://bucket/changing");
    storage
        .put_object(&p, "one".into(), PutOptions::new())
        .await
        .unwrap();
    let first = storage.head_object(&p).await.unwrap();
    clock.advance(Duration::from_secs(5));
    storage
        .put_object(&p, "two".into(), PutOptions::new())
        .await
        .unwrap();

    let stale = GetOptions::new().if_none_match(first.etag.clone().unwrap());
    assert_eq!(
        found(&storage, &p, stale).await.body.bytes().await.unwrap(),
        "two"
    );
    let since = GetOptions::new().if_modified_since(first.last_modified.unwrap());
    assert_eq!(found(&storage, &p, since).await.range, 0..3);
    let error = failure(
        &storage,
        &p,
        GetOptions::new().if_match(first.etag.unwrap()),
    )
    .await;
    assert!(matches!(error, Error::PreconditionFailed { .. }));
}
