//! Objects: buckets, put/get/head round trips, streaming, empty keys, copy, deletes.

use bytes::Bytes;
use futures::StreamExt;
use stowage_core::{Error, ObjectStorage, PathError, Payload, PostPolicyRequest, PutOptions};

use crate::support::{path, storage};

#[tokio::test]
async fn missing_bucket_is_no_such_bucket() {
    let storage = storage();
    let missing = path("s3://nope/key");
    let put = storage
        .put_object(&missing, "x".into(), PutOptions::new())
        .await;
    assert!(matches!(put, Err(Error::NoSuchBucket { ref bucket }) if bucket == "nope"));
    assert!(matches!(
        storage.get_object(&missing).await,
        Err(Error::NoSuchBucket { .. })
    ));
    assert!(matches!(
        storage.list_objects(&path("s3://nope"), None).await,
        Err(Error::NoSuchBucket { .. })
    ));
    // HeadObject cannot tell a missing bucket from a missing key on S3 (bodiless 404).
    assert!(matches!(
        storage.head_object(&missing).await,
        Err(Error::NotFound { .. })
    ));
    assert!(!storage.object_exists(&missing).await.unwrap());
}

#[tokio::test]
async fn put_get_head_round_trip_with_s3_etag_and_metadata() {
    let storage = storage();
    let p = path("s3://bucket/dir a/ünï ?x=1#frag %20.txt");
    let options = PutOptions::new()
        .content_type("text/plain")
        .metadata("Owner", "Imaging Team");
    let put = storage
        .put_object(&p, "hello".into(), options)
        .await
        .unwrap();
    assert_eq!(
        put.etag.as_deref(),
        Some("\"5d41402abc4b2a76b9719d911017c592\"")
    );
    let head = storage.head_object(&p).await.unwrap();
    assert_eq!(head.size, 5);
    assert_eq!(head.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        head.metadata.get("owner").map(String::as_str),
        Some("Imaging Team")
    );
    assert!(head.last_modified.is_some());
    let got = storage.get_object(&p).await.unwrap();
    assert_eq!(got.meta, head);
    assert_eq!(
        got.body.bytes().await.unwrap(),
        Bytes::from_static(b"hello")
    );

    let empty = path("s3://bucket/empty");
    storage
        .put_object(&empty, Bytes::new().into(), PutOptions::new())
        .await
        .unwrap();
    let head = storage.head_object(&empty).await.unwrap();
    assert_eq!(
        head.etag.as_deref(),
        Some("\"d41d8cd98f00b204e9800998ecf8427e\"")
    );
    assert_eq!(
        head.content_type.as_deref(),
        Some("application/octet-stream"),
        "no Content-Type given: the AWS SDK's default, as the S3 backend stores"
    );
}

#[tokio::test]
async fn get_streams_in_chunks() {
    let storage = storage();
    let p = path("s3://bucket/big");
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    storage
        .put_object(&p, data.clone().into(), PutOptions::new())
        .await
        .unwrap();
    let mut body = storage.get_object(&p).await.unwrap().body;
    let mut chunks = 0;
    let mut received = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        assert!(chunk.len() <= 64 * 1024);
        received.extend_from_slice(&chunk);
        chunks += 1;
    }
    assert!(chunks > 1, "a 1 MB body arrives in several chunks");
    assert_eq!(received, data);
}

#[tokio::test]
async fn streamed_payload_is_stored_and_length_is_checked() {
    let storage = storage();
    let p = path("s3://bucket/streamed");
    let chunks = || {
        futures::stream::iter(
            [b"ab", b"cd"].map(|c| Ok::<_, std::io::Error>(Bytes::from_static(c))),
        )
    };
    let payload = Payload::from_stream(chunks(), 4);
    storage
        .put_object(&p, payload, PutOptions::new())
        .await
        .unwrap();
    assert_eq!(storage.head_object(&p).await.unwrap().size, 4);

    let short = Payload::from_stream(chunks(), 5);
    let other = path("s3://bucket/short");
    assert!(matches!(
        storage.put_object(&other, short, PutOptions::new()).await,
        Err(Error::Io { .. })
    ));
    assert!(!storage.object_exists(&other).await.unwrap());
}

#[tokio::test]
async fn object_operations_reject_an_empty_key() {
    let storage = storage();
    let root = path("s3://bucket/");
    assert!(matches!(
        storage.get_object(&root).await,
        Err(Error::InvalidPath(PathError::EmptyKey))
    ));
    assert!(matches!(
        storage.delete_objects(std::slice::from_ref(&root)).await,
        Err(Error::InvalidPath(PathError::EmptyKey))
    ));
    assert!(matches!(
        storage
            .presigned_post(&root, &PostPolicyRequest::new(1))
            .await,
        Err(Error::InvalidPath(PathError::EmptyKey))
    ));
}

#[tokio::test]
async fn delete_is_idempotent_and_copy_keeps_metadata() {
    let storage = storage();
    let source = path("s3://bucket/source");
    storage
        .put_object(
            &source,
            "data".into(),
            PutOptions::new()
                .content_type("application/x-test")
                .metadata("k", "v"),
        )
        .await
        .unwrap();
    let target = path("s3://other/target");
    storage.copy_object(&source, &target).await.unwrap();
    let copied = storage.head_object(&target).await.unwrap();
    let original = storage.head_object(&source).await.unwrap();
    assert_eq!(copied.content_type, original.content_type);
    assert_eq!(copied.metadata, original.metadata);
    assert_eq!(copied.etag, original.etag);

    assert!(matches!(
        storage
            .copy_object(&path("s3://bucket/missing"), &target)
            .await,
        Err(Error::NotFound { .. })
    ));
    storage.delete_object(&source).await.unwrap();
    storage.delete_object(&source).await.unwrap();
    assert!(!storage.object_exists(&source).await.unwrap());
}

#[tokio::test]
async fn batch_delete_reports_every_path() {
    let storage = storage();
    let mut paths = Vec::new();
    for i in 0..2500 {
        let bucket = if i % 2 == 0 { "bucket" } else { "other" };
        let p = path(&format!("s3://{bucket}/batch/{i}"));
        storage
            .put_object(&p, Bytes::new().into(), PutOptions::new())
            .await
            .unwrap();
        paths.push(p);
    }
    paths.push(path("s3://bucket/batch/never-existed"));
    paths.push(path("s3://missing-bucket/batch/a"));
    let report = storage.delete_objects(&paths).await.unwrap();
    assert_eq!(report.deleted.len(), 2501);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].path, path("s3://missing-bucket/batch/a"));
    assert_eq!(report.failed[0].code, "no_such_bucket");
    assert!(!report.is_success());
    let left = storage
        .list_objects(&path("s3://bucket/batch/"), None)
        .await
        .unwrap();
    assert!(left.objects.is_empty());
}
