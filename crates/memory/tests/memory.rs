//! The memory backend: S3 semantics and in-process redemption of presigned URLs and forms.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::StreamExt;
use stowage_core::{
    Clock, Error, FormField, ListResult, ManualClock, ObjectStorage, PathError, Payload,
    PostPolicyRequest, PresignedPost, PutOptions, S3Path,
};
use stowage_memory::MemoryStorage;

/// The path `s`, which must be valid.
fn path(s: &str) -> S3Path {
    S3Path::parse(s).expect("test paths are valid")
}

/// A store with the buckets `bucket` and `other`.
fn storage() -> MemoryStorage {
    MemoryStorage::builder()
        .bucket("bucket")
        .bucket("other")
        .build()
}

/// A store with the bucket `bucket` on a manual clock starting at `start`.
fn clocked(start: SystemTime) -> (MemoryStorage, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(start));
    let storage = MemoryStorage::builder()
        .bucket("bucket")
        .clock(clock.clone())
        .build();
    (storage, clock)
}

/// Stores `body` at `p`.
async fn put(storage: &MemoryStorage, p: &str, body: &'static str) {
    storage
        .put_object(&path(p), body.into(), PutOptions::new())
        .await
        .expect("put");
}

/// The keys of a listing's objects.
fn keys(listing: &ListResult) -> Vec<&str> {
    listing.objects.iter().map(|o| o.path.key()).collect()
}

/// The keys of a listing's common prefixes.
fn prefixes(listing: &ListResult) -> Vec<&str> {
    listing.common_prefixes.iter().map(|p| p.key()).collect()
}

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
async fn listing_sorts_by_bytes_and_rolls_up_common_prefixes() {
    let storage = storage();
    for key in ["p/", "p/x", "p/y/z", "p//w", "p", "pa", "é", "z", "Z"] {
        put(&storage, &format!("s3://bucket/{key}"), "x").await;
    }
    let all = storage
        .list_objects(&path("s3://bucket"), None)
        .await
        .unwrap();
    assert_eq!(
        keys(&all),
        ["Z", "p", "p/", "p//w", "p/x", "p/y/z", "pa", "z", "é"]
    );

    let listing = storage
        .list_objects(&path("s3://bucket/p/"), Some("/"))
        .await
        .unwrap();
    assert_eq!(keys(&listing), ["p/", "p/x"]);
    assert_eq!(prefixes(&listing), ["p//", "p/y/"]);

    let listing = storage
        .list_objects(&path("s3://bucket/p"), Some("/"))
        .await
        .unwrap();
    assert_eq!(keys(&listing), ["p", "pa"]);
    assert_eq!(prefixes(&listing), ["p/"]);
}

#[tokio::test]
async fn listing_is_complete_over_many_keys() {
    let storage = storage();
    for i in 0..5000 {
        let key = format!("s3://bucket/many/{i:05}");
        storage
            .put_object(&path(&key), Bytes::new().into(), PutOptions::new())
            .await
            .unwrap();
    }
    let listing = storage
        .list_objects(&path("s3://bucket/many/"), None)
        .await
        .unwrap();
    assert_eq!(listing.objects.len(), 5000);
    assert_eq!(listing.objects[4999].path.key(), "many/04999");
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

#[tokio::test]
async fn presigned_get_is_redeemable_until_expiry_and_tamper_proof() {
    let (storage, clock) = clocked(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045));
    let p = path("s3://bucket/reports/été 2026/scan #1?.nii");
    storage
        .put_object(&p, "secret body".into(), PutOptions::new())
        .await
        .unwrap();
    let url = storage
        .presigned_get_url(&p, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(!format!("{url:?}").contains("X-Amz-Signature"));
    assert_eq!(
        storage.fetch_presigned(url.as_str()).unwrap(),
        Bytes::from_static(b"secret body")
    );

    let tampered = url.as_str().replace("X-Amz-Expires=60", "X-Amz-Expires=99");
    assert_eq!(storage.fetch_presigned(&tampered).unwrap_err().status, 403);
    let other_key = url.as_str().replace("scan", "scam");
    assert_eq!(storage.fetch_presigned(&other_key).unwrap_err().status, 403);
    let foreign = storage_with_same_data_but_other_credentials(&p).await;
    assert_eq!(
        foreign.fetch_presigned(url.as_str()).unwrap_err().status,
        403
    );

    clock.advance(Duration::from_secs(61));
    let expired = storage.fetch_presigned(url.as_str()).unwrap_err();
    assert_eq!((expired.status, expired.code), (403, "AccessDenied"));

    assert!(matches!(
        storage
            .presigned_get_url(&p, Duration::from_secs(8 * 24 * 3600))
            .await,
        Err(Error::InvalidArgument { .. })
    ));
}

/// Another store holding the same object at `p`, with its own credentials.
async fn storage_with_same_data_but_other_credentials(p: &S3Path) -> MemoryStorage {
    let other = storage();
    other
        .put_object(p, "secret body".into(), PutOptions::new())
        .await
        .unwrap();
    other
}

/// A form and file, posted against `storage`; returns the HTTP status.
fn submit(
    storage: &MemoryStorage,
    form: &PresignedPost,
    fields: Vec<FormField>,
    size: usize,
) -> u16 {
    match storage.submit_post(form.url(), &fields, Bytes::from(vec![b'x'; size])) {
        Ok(_) => 204,
        Err(rejection) => rejection.status,
    }
}

/// The form's fields with `name` set to `value`.
fn with_field(form: &PresignedPost, name: &str, value: &str) -> Vec<FormField> {
    form.fields()
        .iter()
        .map(|(n, v)| {
            if n == name {
                (n.clone(), value.to_owned())
            } else {
                (n.clone(), v.clone())
            }
        })
        .collect()
}

#[tokio::test]
async fn post_policy_is_enforced_like_s3() {
    let (storage, clock) = clocked(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045));
    let p = path("s3://bucket/uploads/scan 1.nii");
    let max = 1000u64;
    let form = storage
        .presigned_post(
            &p,
            &PostPolicyRequest::new(max)
                .content_type("application/octet-stream")
                .ttl(Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    let fields = form.fields().to_vec();
    let cap = (max + 16384) as usize;

    assert_eq!(
        form.expires_at(),
        clock.now() + Duration::from_secs(600),
        "TTL clamped to 600 s"
    );
    // Over the policy's upper bound.
    assert_eq!(submit(&storage, &form, fields.clone(), cap + 1), 400);
    // Wrong Content-Type.
    assert_eq!(
        submit(
            &storage,
            &form,
            with_field(&form, "Content-Type", "text/html"),
            10
        ),
        403
    );
    // Another key.
    assert_eq!(
        submit(
            &storage,
            &form,
            with_field(&form, "key", "uploads/other"),
            10
        ),
        403
    );
    // Tampered policy and tampered signature.
    let policy = form.field("policy").unwrap();
    let tampered_policy = format!("{}A", &policy[..policy.len() - 1]);
    assert_eq!(
        submit(
            &storage,
            &form,
            with_field(&form, "policy", &tampered_policy),
            10
        ),
        403
    );
    let signature = form.field("x-amz-signature").unwrap();
    let flipped = if signature.starts_with('0') { "1" } else { "0" };
    let tampered_signature = format!("{flipped}{}", &signature[1..]);
    assert_eq!(
        submit(
            &storage,
            &form,
            with_field(&form, "x-amz-signature", &tampered_signature),
            10
        ),
        403
    );
    // A field the policy does not cover.
    let mut extra = fields.clone();
    extra.insert(0, ("success_action_status".into(), "201".into()));
    assert_eq!(submit(&storage, &form, extra, 10), 403);
    assert!(
        !storage.object_exists(&p).await.unwrap(),
        "rejections store nothing"
    );

    // Exactly the cap the policy allows is accepted, and readable.
    assert_eq!(submit(&storage, &form, fields.clone(), cap), 204);
    let head = storage.head_object(&p).await.unwrap();
    assert_eq!(head.size, cap as u64);
    assert_eq!(
        head.content_type.as_deref(),
        Some("application/octet-stream")
    );
    storage.delete_object(&p).await.unwrap();

    // Expired.
    clock.advance(Duration::from_secs(601));
    assert_eq!(submit(&storage, &form, fields, 10), 403);
    assert!(!storage.object_exists(&p).await.unwrap());
}

#[tokio::test]
async fn post_policy_without_content_type_accepts_any() {
    let storage = storage();
    let p = path("s3://bucket/any-type");
    let form = storage
        .presigned_post(&p, &PostPolicyRequest::new(10))
        .await
        .unwrap();
    assert!(form.field("Content-Type").is_none());
    assert_eq!(submit(&storage, &form, form.fields().to_vec(), 10), 204);
    assert_eq!(storage.head_object(&p).await.unwrap().size, 10);
}
