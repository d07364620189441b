//! Reads with options: byte ranges and conditional requests, with S3's statuses.

use std::time::Duration;

use bytes::Bytes;
use stowage_core::{ByteRange, Error, GetOptions, GetOutcome, PutOptions, S3Path};

use crate::Fixture;

/// Reads `path` with `options`, expecting the object: its bytes, served span and total size.
async fn found(
    f: &Fixture<'_>,
    path: &S3Path,
    options: GetOptions,
) -> (Bytes, std::ops::Range<u64>, u64) {
    match f.storage.get_object_with(path, &options).await {
        Ok(GetOutcome::Found(output)) => {
            let range = output.range.clone();
            let size = output.meta.size;
            (output.body.bytes().await.expect("body"), range, size)
        }
        other => panic!("{options:?}: expected the object, got {other:?}"),
    }
}

/// One byte, spans clipped at the end, offsets, suffixes longer than the object, ranges past
/// the end and of an empty object (416), malformed ranges rejected before any request.
pub async fn ranges(f: &Fixture<'_>) {
    let base = f.fresh_prefix("ranges");
    let digits = base.join("digits.txt").unwrap();
    let empty = base.join("empty").unwrap();
    f.storage
        .put_object(&digits, "0123456789".into(), PutOptions::new())
        .await
        .expect("put");
    f.storage
        .put_object(&empty, Bytes::new().into(), PutOptions::new())
        .await
        .expect("put");

    let cases: [(ByteRange, &str, std::ops::Range<u64>); 7] = [
        (ByteRange::inclusive(0, 0), "0", 0..1),
        (ByteRange::inclusive(2, 5), "2345", 2..6),
        (ByteRange::inclusive(8, 100), "89", 8..10),
        (ByteRange::from_offset(7), "789", 7..10),
        (ByteRange::from_offset(0), "0123456789", 0..10),
        (ByteRange::suffix(3), "789", 7..10),
        (ByteRange::suffix(30), "0123456789", 0..10),
    ];
    for (range, bytes, span) in cases {
        let (body, served, size) = found(f, &digits, GetOptions::new().range(range)).await;
        assert_eq!(body, bytes.as_bytes(), "{range:?}: the bytes");
        assert_eq!(served, span, "{range:?}: the served span");
        assert_eq!(size, 10, "{range:?}: the object's total size");
    }
    let (_, whole, _) = found(f, &digits, GetOptions::new()).await;
    assert_eq!(whole, 0..10, "without a range the whole object is served");

    for range in [ByteRange::inclusive(10, 12), ByteRange::from_offset(10)] {
        let result = f
            .storage
            .get_object_with(&digits, &GetOptions::new().range(range))
            .await;
        assert!(
            matches!(&result, Err(Error::RangeNotSatisfiable { path, .. }) if *path == digits),
            "{range:?} past the end is RangeNotSatisfiable, got {result:?}"
        );
    }
    for range in [ByteRange::inclusive(0, 0), ByteRange::suffix(1)] {
        let result = f
            .storage
            .get_object_with(&empty, &GetOptions::new().range(range))
            .await;
        assert!(
            matches!(result, Err(Error::RangeNotSatisfiable { .. })),
            "{range:?} of an empty object is RangeNotSatisfiable, got {result:?}"
        );
    }

    let missing = base.join("missing").unwrap();
    for range in [ByteRange::inclusive(5, 4), ByteRange::suffix(0)] {
        let result = f
            .storage
            .get_object_with(&missing, &GetOptions::new().range(range))
            .await;
        assert!(
            matches!(result, Err(Error::InvalidArgument { .. })),
            "{range:?} is malformed: InvalidArgument before any lookup, got {result:?}"
        );
    }
}

/// `If-Match`, `If-None-Match`, `If-Modified-Since`, `If-Unmodified-Since` and S3's
/// precedence between them; "not modified" is an outcome, a failed precondition an error.
pub async fn conditional_reads(f: &Fixture<'_>) {
    let base = f.fresh_prefix("conditional-reads");
    let path = base.join("object").unwrap();
    f.storage
        .put_object(&path, "hello".into(), PutOptions::new())
        .await
        .expect("put");
    let head = f.storage.head_object(&path).await.expect("head");
    let etag = head.etag.clone().expect("an ETag");
    let modified = head.last_modified.expect("a modification time");
    let hour = Duration::from_secs(3600);
    let other = "\"00000000000000000000000000000000\"";

    if !f.capabilities.conditional_reads {
        let result = f
            .storage
            .get_object_with(&path, &GetOptions::new().if_match(&etag))
            .await;
        assert!(
            matches!(result, Err(Error::Unsupported { .. })),
            "no conditional reads: a condition is Unsupported, never ignored; got {result:?}"
        );
        return;
    }

    let target = &path;
    let read =
        |options: GetOptions| async move { f.storage.get_object_with(target, &options).await };
    let is_found =
        |outcome: &stowage_core::Result<GetOutcome>| matches!(outcome, Ok(GetOutcome::Found(_)));
    let is_failed = |outcome: &stowage_core::Result<GetOutcome>| {
        matches!(outcome, Err(Error::PreconditionFailed { .. }))
    };

    assert!(
        is_found(&read(GetOptions::new().if_match(&etag)).await),
        "If-Match with the ETag"
    );
    assert!(
        is_failed(&read(GetOptions::new().if_match(other)).await),
        "If-Match with another ETag: 412"
    );
    match read(GetOptions::new().if_none_match(&etag)).await {
        Ok(GetOutcome::NotModified(not_modified)) => {
            assert_eq!(not_modified.path, path);
            if let Some(current) = &not_modified.etag {
                assert_eq!(current, &etag, "a 304 names the current ETag");
            }
        }
        other => panic!("If-None-Match with the ETag is NotModified, got {other:?}"),
    }
    assert!(
        is_found(&read(GetOptions::new().if_none_match(other)).await),
        "If-None-Match with another ETag"
    );
    assert!(
        matches!(
            read(GetOptions::new().if_modified_since(modified + hour)).await,
            Ok(GetOutcome::NotModified(_))
        ),
        "not modified since a later instant: 304"
    );
    assert!(
        is_found(&read(GetOptions::new().if_modified_since(modified - hour)).await),
        "modified since an earlier instant"
    );
    assert!(
        is_failed(&read(GetOptions::new().if_unmodified_since(modified - hour)).await),
        "modified after: 412"
    );
    assert!(
        is_found(&read(GetOptions::new().if_unmodified_since(modified + hour)).await),
        "unmodified since a later instant"
    );

    // S3's precedence: a holding If-Match overrides a failing If-Unmodified-Since; a failing
    // If-None-Match (other ETag) overrides a holding If-Modified-Since; 412 beats 304.
    let matched = GetOptions::new()
        .if_match(&etag)
        .if_unmodified_since(modified - hour);
    assert!(
        is_found(&read(matched).await),
        "If-Match wins over If-Unmodified-Since"
    );
    let changed = GetOptions::new()
        .if_none_match(other)
        .if_modified_since(modified + hour);
    assert!(
        is_found(&read(changed).await),
        "If-None-Match wins over If-Modified-Since"
    );
    let both = GetOptions::new().if_match(other).if_none_match(&etag);
    assert!(
        is_failed(&read(both).await),
        "a failed If-Match is 412 even when If-None-Match holds"
    );

    let (body, span, _) = found(
        f,
        &path,
        GetOptions::new()
            .if_match(&etag)
            .range(ByteRange::inclusive(1, 2)),
    )
    .await;
    assert_eq!(
        (body.as_ref(), span),
        (&b"el"[..], 1..3),
        "a condition and a range together"
    );

    let malformed = read(GetOptions::new().if_match("")).await;
    assert!(
        matches!(malformed, Err(Error::InvalidArgument { .. })),
        "an empty ETag: {malformed:?}"
    );
    let missing = base.join("missing").unwrap();
    let result = f
        .storage
        .get_object_with(&missing, &GetOptions::new().if_match(&etag))
        .await;
    assert!(
        matches!(result, Err(Error::NotFound { .. })),
        "a missing key stays NotFound: {result:?}"
    );
}
