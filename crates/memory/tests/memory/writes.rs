//! Writes with options: create-only and compare-and-swap puts (also under concurrency),
//! the HTTP attributes, and the options the fake accepts without storing.

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::future::join_all;
use stowage_core::{Encryption, Error, ObjectStorage, Payload, PutMode, PutOptions};

use crate::support::{body, etag, path, storage};

#[tokio::test]
async fn create_writes_only_where_nothing_is() {
    let storage = storage();
    let p = path("s3://bucket/create");
    let create = || PutOptions::new().mode(PutMode::Create);
    let put = storage.put_object(&p, "first".into(), create()).await;
    assert_eq!(
        put.unwrap().etag,
        Some(etag(&storage, &p).await),
        "the put's ETag is the stored one"
    );
    let again = storage.put_object(&p, "second".into(), create()).await;
    assert!(matches!(again, Err(Error::PreconditionFailed { ref path }) if *path == p));
    assert_eq!(body(&storage, &p).await, "first", "nothing written");

    storage.delete_object(&p).await.unwrap();
    storage
        .put_object(&p, "third".into(), create())
        .await
        .unwrap();
    assert_eq!(
        body(&storage, &p).await,
        "third",
        "free again after a delete"
    );

    let missing_bucket = storage
        .put_object(&path("s3://nope/key"), "x".into(), create())
        .await;
    assert!(matches!(missing_bucket, Err(Error::NoSuchBucket { .. })));
}

#[tokio::test]
async fn if_match_swaps_only_the_expected_object() {
    let storage = storage();
    let p = path("s3://bucket/cas");
    storage
        .put_object(&p, "v1".into(), PutOptions::new())
        .await
        .unwrap();
    let v1 = etag(&storage, &p).await;

    let stale = PutOptions::new().mode(PutMode::IfMatch("\"0123\"".into()));
    let refused = storage.put_object(&p, "lost".into(), stale).await;
    assert!(matches!(refused, Err(Error::PreconditionFailed { ref path }) if *path == p));
    assert_eq!(body(&storage, &p).await, "v1");

    let current = PutOptions::new().mode(PutMode::IfMatch(v1.clone()));
    storage.put_object(&p, "v2".into(), current).await.unwrap();
    assert_eq!(body(&storage, &p).await, "v2");

    // A bare ETag names the same object as the quoted one.
    let v2 = etag(&storage, &p).await;
    let bare = PutOptions::new().mode(PutMode::IfMatch(v2.trim_matches('"').into()));
    storage.put_object(&p, "v3".into(), bare).await.unwrap();
    assert_eq!(body(&storage, &p).await, "v3");

    // The ETag of v1 no longer matches.
    let old = PutOptions::new().mode(PutMode::IfMatch(v1));
    let refused = storage.put_object(&p, "lost".into(), old).await;
    assert!(matches!(refused, Err(Error::PreconditionFailed { .. })));
}

#[tokio::test]
async fn if_match_on_a_missing_key_is_not_found_and_writes_nothing() {
    let storage = storage();
    let p = path("s3://bucket/never-written");
    let options = PutOptions::new().mode(PutMode::IfMatch("\"abc\"".into()));
    let put = storage.put_object(&p, "x".into(), options).await;
    assert!(matches!(put, Err(Error::NotFound { ref path }) if *path == p));
    assert!(!storage.object_exists(&p).await.unwrap());
}

#[tokio::test]
async fn a_malformed_mode_is_invalid_before_anything_else() {
    let storage = storage();
    for etag in ["*", "", "a b"] {
        for target in ["s3://bucket/key", "s3://nope/key", "s3://bucket/"] {
            let options = PutOptions::new().mode(PutMode::IfMatch(etag.into()));
            let put = storage.put_object(&path(target), "x".into(), options).await;
            assert!(
                matches!(put, Err(Error::InvalidArgument { .. })),
                "{etag:?} at {target}: {put:?}"
            );
        }
    }
    assert!(
        !storage
            .object_exists(&path("s3://bucket/key"))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_missing_bucket_wins_over_a_failed_body_under_any_mode() {
    let storage = storage();
    for mode in [PutMode::Overwrite, PutMode::Create] {
        let short = Payload::from_stream(
            futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"ab"))]),
            5,
        );
        let options = PutOptions::new().mode(mode.clone());
        let put = storage
            .put_object(&path("s3://nope/key"), short, options)
            .await;
        assert!(matches!(put, Err(Error::NoSuchBucket { .. })), "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_many_concurrent_creates_exactly_one_wins() {
    let storage = storage();
    for round in 0..20 {
        let p = path(&format!("s3://bucket/race/{round}"));
        let tasks = (0..16).map(|task| {
            let storage = storage.clone();
            let p = p.clone();
            tokio::spawn(async move {
                let options = PutOptions::new().mode(PutMode::Create);
                let body = Bytes::from(format!("task {task}"));
                (task, storage.put_object(&p, body.into(), options).await)
            })
        });
        let mut winners = Vec::new();
        for outcome in join_all(tasks).await {
            match outcome.unwrap() {
                (task, Ok(_)) => winners.push(task),
                (_, Err(Error::PreconditionFailed { .. })) => {}
                (_, Err(error)) => panic!("unexpected {error:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        let stored = body(&storage, &p).await;
        assert_eq!(stored, format!("task {}", winners[0]), "the winner's body");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_and_swap_loses_no_update() {
    let storage = storage();
    let p = path("s3://bucket/counter");
    storage
        .put_object(&p, "0".into(), PutOptions::new())
        .await
        .unwrap();
    let (tasks, increments) = (8, 25);
    let workers = (0..tasks).map(|_| {
        let storage = storage.clone();
        let p = p.clone();
        tokio::spawn(async move {
            for _ in 0..increments {
                loop {
                    let current = storage.get_object(&p).await.unwrap();
                    let etag = current.meta.etag.clone().unwrap();
                    let text = current.body.bytes().await.unwrap();
                    let value: u32 = std::str::from_utf8(&text).unwrap().parse().unwrap();
                    let options = PutOptions::new().mode(PutMode::IfMatch(etag));
                    let next = (value + 1).to_string();
                    match storage.put_object(&p, next.into(), options).await {
                        Ok(_) => break,
                        // Another task wrote first: read again and retry.
                        Err(Error::PreconditionFailed { .. }) => {}
                        Err(error) => panic!("unexpected {error:?}"),
                    }
                    tokio::task::yield_now().await;
                }
            }
        })
    });
    for worker in join_all(workers).await {
        worker.unwrap();
    }
    let total = body(&storage, &p).await;
    assert_eq!(
        total,
        (tasks * increments).to_string(),
        "every increment landed"
    );
}

#[tokio::test]
async fn http_attributes_round_trip_through_put_get_and_head() {
    let storage = storage();
    let p = path("s3://bucket/report.csv.gz");
    let options = PutOptions::new()
        .content_type("text/csv")
        .cache_control("max-age=60, private")
        .content_disposition("attachment; filename=\"report.csv\"")
        .content_encoding("gzip")
        .content_language("fr-CH")
        .metadata("Owner", "Imaging Team");
    storage.put_object(&p, "x".into(), options).await.unwrap();

    let head = storage.head_object(&p).await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("text/csv"));
    assert_eq!(head.cache_control.as_deref(), Some("max-age=60, private"));
    assert_eq!(
        head.content_disposition.as_deref(),
        Some("attachment; filename=\"report.csv\"")
    );
    assert_eq!(head.content_encoding.as_deref(), Some("gzip"));
    assert_eq!(head.content_language.as_deref(), Some("fr-CH"));
    assert_eq!(
        head.metadata,
        BTreeMap::from([("owner".to_owned(), "Imaging Team".to_owned())])
    );
    assert_eq!(storage.get_object(&p).await.unwrap().meta, head);

    // One attribute alone; the others stay unset.
    let q = path("s3://bucket/one-attribute");
    let options = PutOptions::new().content_language("en");
    storage.put_object(&q, "x".into(), options).await.unwrap();
    let head = storage.head_object(&q).await.unwrap();
    assert_eq!(head.content_language.as_deref(), Some("en"));
    assert_eq!(
        (
            head.cache_control,
            head.content_disposition,
            head.content_encoding
        ),
        (None, None, None)
    );

    // An overwrite without attributes drops them.
    storage
        .put_object(&p, "y".into(), PutOptions::new())
        .await
        .unwrap();
    let head = storage.head_object(&p).await.unwrap();
    assert_eq!(head.cache_control, None);
    assert_eq!(head.content_encoding, None);
    assert!(head.metadata.is_empty());
}

#[tokio::test]
async fn encryption_and_storage_class_are_accepted() {
    let storage = storage();
    let p = path("s3://bucket/encrypted");
    let options = PutOptions::new()
        .encryption(Encryption::Kms {
            key_id: Some("alias/test".into()),
        })
        .storage_class("STANDARD_IA");
    storage.put_object(&p, "x".into(), options).await.unwrap();
    assert_eq!(body(&storage, &p).await, "x");
    let options = PutOptions::new().encryption(Encryption::S3Managed);
    storage.put_object(&p, "y".into(), options).await.unwrap();
    assert_eq!(body(&storage, &p).await, "y");
}
