//! Reads with options: ranges and conditions, on Garage.

use stowage_testkit::support::pattern;

use super::*;

/// The object, or a panic naming `what` when the answer is a 304.
fn found(outcome: GetOutcome, what: &str) -> GetObjectOutput {
    match outcome {
        GetOutcome::Found(output) => output,
        GetOutcome::NotModified(_) => panic!("{what}: 304 where the object was expected"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ranged_reads_return_the_slice_and_the_total_size() {
    let env = env();
    let storage = env.s3_storage().await;
    let p = path(&env.bucket, &format!("{}ranged.bin", prefix("range")));
    let bytes = pattern(1000, 0);
    storage
        .put_object(&p, Payload::from(bytes.clone()), PutOptions::new())
        .await
        .unwrap();

    let whole = storage.get_object(&p).await.unwrap();
    assert_eq!((whole.range.clone(), whole.meta.size), (0..1000, 1000));
    assert_eq!(whole.body.bytes().await.unwrap(), bytes);

    let cases = [
        (ByteRange::inclusive(100, 199), 100..200),
        (ByteRange::inclusive(0, 0), 0..1),
        (ByteRange::inclusive(990, 5000), 990..1000),
        (ByteRange::from_offset(999), 999..1000),
        (ByteRange::suffix(10), 990..1000),
        (ByteRange::suffix(5000), 0..1000),
    ];
    for (range, expected) in cases {
        let options = GetOptions::new().range(range);
        let output = found(
            storage.get_object_with(&p, &options).await.unwrap(),
            "range",
        );
        assert_eq!(output.range, expected, "{range:?}");
        assert_eq!(output.meta.size, 1000, "{range:?}: the total size");
        assert!(output.meta.etag.is_some(), "{range:?}");
        let body = output.body.bytes().await.unwrap();
        let (start, end) = (expected.start as usize, expected.end as usize);
        assert_eq!(body, bytes.slice(start..end), "{range:?}");
    }

    for range in [
        ByteRange::from_offset(1000),
        ByteRange::inclusive(2000, 2100),
    ] {
        let error = storage
            .get_object_with(&p, &GetOptions::new().range(range))
            .await
            .unwrap_err();
        // Garage names the size in `Content-Range: bytes */1000`, as the 416 of AWS may.
        assert!(
            matches!(&error, Error::RangeNotSatisfiable { path, size: Some(1000) } if path == &p),
            "{range:?}: {error:?}"
        );
        assert!(!error.to_string().contains(p.key()), "{error}");
    }

    // Malformed: an invalid argument before any request (nothing listens there).
    let offline = nowhere(true).await;
    for range in [ByteRange::inclusive(5, 4), ByteRange::suffix(0)] {
        let error = offline
            .get_object_with(&p, &GetOptions::new().range(range))
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidArgument { .. }),
            "{range:?}: {error:?}"
        );
    }
    let error = offline
        .get_object_with(&p, &GetOptions::new().if_match("a b"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn conditional_reads_follow_s3() {
    let env = env();
    let storage = env.s3_storage().await;
    let p = path(&env.bucket, &format!("{}cond.txt", prefix("condread")));
    put(&storage, &p, "hello").await;
    let meta = storage.head_object(&p).await.unwrap();
    let etag = meta.etag.clone().unwrap();
    let modified = meta.last_modified.unwrap();
    let before = modified - Duration::from_secs(60);
    let after = modified + Duration::from_secs(60);
    let get = |options: GetOptions| {
        let storage = &storage;
        let p = &p;
        async move { storage.get_object_with(p, &options).await }
    };

    // If-None-Match with the current ETag (quoted or bare): 304 naming the current version.
    for current in [etag.clone(), etag.trim_matches('"').to_owned()] {
        match get(GetOptions::new().if_none_match(current.clone())).await {
            Ok(GetOutcome::NotModified(not_modified)) => {
                assert_eq!(not_modified.path, p);
                assert_eq!(not_modified.etag.as_deref(), Some(etag.as_str()));
                // Garage's 304 carries the ETag but no Last-Modified; AWS sends both.
                assert!(
                    not_modified.last_modified.is_none_or(|at| at == modified),
                    "{not_modified:?}"
                );
            }
            other => panic!("If-None-Match {current}: {other:?}"),
        }
    }
    let other = get(GetOptions::new().if_none_match("\"0123\""))
        .await
        .unwrap();
    let body = found(other, "If-None-Match other").body.bytes().await;
    assert_eq!(body.unwrap(), "hello".as_bytes());

    // If-Match: the current ETag reads, another is a failed precondition.
    let matched = get(GetOptions::new().if_match(etag.clone())).await.unwrap();
    found(matched, "If-Match current");
    let error = get(GetOptions::new().if_match("\"0123\""))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::PreconditionFailed { path } if path == &p),
        "If-Match other: {error:?}"
    );

    // If-Modified-Since: not since the write is a 304, since an earlier instant reads.
    for since in [modified, after] {
        let outcome = get(GetOptions::new().if_modified_since(since))
            .await
            .unwrap();
        assert!(
            matches!(outcome, GetOutcome::NotModified(_)),
            "If-Modified-Since {since:?}: {outcome:?}"
        );
    }
    let outcome = get(GetOptions::new().if_modified_since(before))
        .await
        .unwrap();
    found(outcome, "If-Modified-Since before");

    // If-Unmodified-Since: an earlier instant fails, the write's own or a later one reads.
    let error = get(GetOptions::new().if_unmodified_since(before))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::PreconditionFailed { .. }),
        "If-Unmodified-Since before: {error:?}"
    );
    for since in [modified, after] {
        let outcome = get(GetOptions::new().if_unmodified_since(since)).await;
        found(outcome.unwrap(), "If-Unmodified-Since");
    }

    // A range and a condition together.
    let options = GetOptions::new()
        .range(ByteRange::suffix(3))
        .if_match(etag.clone());
    let output = found(get(options).await.unwrap(), "range and If-Match");
    assert_eq!((output.range.clone(), output.meta.size), (2..5, 5));
    assert_eq!(output.body.bytes().await.unwrap(), "llo".as_bytes());
}
