//! Large objects as S3 stores them: multipart puts and copies with S3's ETag, the size
//! rules and errors of the multipart requests, unknown lengths, failed and dropped uploads
//! that leave nothing behind, and the settings' validation.

use std::time::Duration;

use bytes::Bytes;
use futures::stream::{self, StreamExt};
use md5::{Digest, Md5};
use stowage_core::transfer::{
    CompletedPart, MultipartStore, TransferSettings, UploadId, copy_in_parts, upload,
};
use stowage_core::{
    CopyOptions, Error, ObjectMeta, ObjectStorage, Payload, PutMode, PutOptions, S3Path,
};
use stowage_memory::MemoryStorage;
use stowage_testkit::support::{multipart_etag, pattern};

use crate::support::{body, etag, path};

const MIB: usize = 1024 * 1024;

/// Parts of 5 MiB (S3's smallest) above 5 MiB, for puts and copies, 3 in flight.
fn small_parts() -> TransferSettings {
    let five = 5 * MIB as u64;
    TransferSettings::new()
        .multipart_threshold(five)
        .copy_threshold(five)
        .part_size(five)
        .concurrency(3)
}

/// A store with the buckets `bucket` and `other` that puts and copies in 5 MiB parts.
fn multipart_storage() -> MemoryStorage {
    MemoryStorage::builder()
        .bucket("bucket")
        .bucket("other")
        .transfer_settings(small_parts())
        .build()
}

/// The quoted MD5 of `data`: a single put's ETag.
fn plain_etag(data: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Md5::digest(data)))
}

/// `data` as a stream of `chunk`-byte chunks whose length is not declared.
fn unsized_payload(data: Bytes, chunk: usize) -> Payload {
    let chunks: Vec<std::io::Result<Bytes>> = (0..data.len())
        .step_by(chunk)
        .map(|start| Ok(data.slice(start..data.len().min(start + chunk))))
        .collect();
    Payload::from_unsized_stream(stream::iter(chunks))
}

/// The pending uploads of the whole bucket `bucket`.
async fn pending(storage: &MemoryStorage) -> usize {
    storage
        .list_multipart_uploads(&S3Path::bucket_root("bucket").unwrap())
        .await
        .expect("list uploads")
        .len()
}

/// Asserts `result` is the S3 service error `code` with `status`.
fn assert_service<T: std::fmt::Debug>(result: &Result<T, Error>, code: &str, status: u16) {
    assert!(
        matches!(result, Err(Error::Service { code: c, status: s, .. }) if c == code && *s == status),
        "expected {code} ({status}), got {result:?}"
    );
}

#[tokio::test]
async fn a_large_put_is_a_multipart_upload_with_s3s_etag() {
    let storage = multipart_storage();
    let p = path("s3://bucket/large");
    let data = pattern((12 * MIB) as u64, 1);
    let options = PutOptions::new()
        .content_type("application/x-model")
        .cache_control("no-store")
        .metadata("Owner", "imaging");
    let put = storage
        .put_object(&p, data.clone().into(), options)
        .await
        .expect("put");

    let expected = multipart_etag(&data, 5 * MIB);
    assert!(expected.ends_with("-3\""), "{expected}");
    assert_eq!(put.etag.as_deref(), Some(expected.as_str()));
    assert_eq!(etag(&storage, &p).await, expected);
    assert_eq!(body(&storage, &p).await, data);
    let head = storage.head_object(&p).await.unwrap();
    assert_eq!(head.size, data.len() as u64);
    assert_eq!(head.content_type.as_deref(), Some("application/x-model"));
    assert_eq!(head.cache_control.as_deref(), Some("no-store"));
    assert_eq!(
        head.metadata.get("owner").map(String::as_str),
        Some("imaging")
    );
    assert_eq!(
        pending(&storage).await,
        0,
        "a completed upload is not pending"
    );

    let untyped = path("s3://bucket/untyped");
    storage
        .put_object(&untyped, data.into(), PutOptions::new())
        .await
        .unwrap();
    let head = storage.head_object(&untyped).await.unwrap();
    assert_eq!(
        head.content_type.as_deref(),
        Some("application/octet-stream"),
        "the same default type as a single put"
    );
}

#[tokio::test]
async fn payloads_up_to_the_threshold_stay_one_put() {
    let storage = multipart_storage();
    for (len, name) in [(0, "empty"), (1, "one"), (5 * MIB, "at-threshold")] {
        let p = path(&format!("s3://bucket/{name}"));
        let data = pattern(len as u64, 2);
        let put = storage
            .put_object(&p, data.clone().into(), PutOptions::new())
            .await
            .unwrap();
        assert_eq!(put.etag, Some(plain_etag(&data)), "{name}");
        assert_eq!(body(&storage, &p).await, data, "{name}");
    }
    let above = pattern((5 * MIB + 1) as u64, 2);
    let put = storage
        .put_object(
            &path("s3://bucket/above"),
            above.clone().into(),
            PutOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(put.etag, Some(multipart_etag(&above, 5 * MIB)));
}

#[tokio::test]
async fn payloads_of_unknown_length_go_by_what_they_turn_out_to_be() {
    let storage = multipart_storage();
    let small = pattern((3 * MIB) as u64, 3);
    let p = path("s3://bucket/unsized-small");
    let put = storage
        .put_object(
            &p,
            unsized_payload(small.clone(), 256 * 1024),
            PutOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(put.etag, Some(plain_etag(&small)), "one PutObject");
    assert_eq!(body(&storage, &p).await, small);

    let large = pattern((12 * MIB + 17) as u64, 4);
    let p = path("s3://bucket/unsized-large");
    let put = storage
        .put_object(
            &p,
            unsized_payload(large.clone(), 1_000_003),
            PutOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        put.etag,
        Some(multipart_etag(&large, 5 * MIB)),
        "three parts"
    );
    assert_eq!(body(&storage, &p).await, large);
    assert_eq!(pending(&storage).await, 0);
}

#[tokio::test]
async fn a_source_failing_midway_fails_the_put_and_leaves_nothing() {
    let storage = multipart_storage();
    for (name, before) in [("early", 1024), ("after-a-part", 7 * MIB)] {
        let p = path(&format!("s3://bucket/broken-{name}"));
        let chunks: Vec<std::io::Result<Bytes>> = vec![
            Ok(pattern(before as u64, 5)),
            Err(std::io::Error::other("the disk went away")),
            Ok(pattern((8 * MIB) as u64, 6)),
        ];
        let put = storage
            .put_object(
                &p,
                Payload::from_unsized_stream(stream::iter(chunks)),
                PutOptions::new(),
            )
            .await;
        assert!(
            matches!(&put, Err(Error::Io { message }) if message.contains("the disk went away")),
            "{name}: the source's error, got {put:?}"
        );
        assert!(
            !storage.object_exists(&p).await.unwrap(),
            "{name}: no object"
        );
        assert_eq!(pending(&storage).await, 0, "{name}: no pending upload");
    }
}

#[tokio::test]
async fn a_dropped_upload_is_aborted() {
    let storage = multipart_storage();
    let p = path("s3://bucket/dropped");
    // One part's worth and more, then a source that never ends.
    let first = stream::iter([Ok::<_, std::io::Error>(pattern((6 * MIB) as u64, 7))]);
    let payload = Payload::from_unsized_stream(first.chain(stream::pending()));
    let put = {
        let (storage, p) = (storage.clone(), p.clone());
        tokio::spawn(async move { storage.put_object(&p, payload, PutOptions::new()).await })
    };
    wait_for(
        || async { pending(&storage).await == 1 },
        "the upload to start",
    )
    .await;
    put.abort();
    assert!(put.await.unwrap_err().is_cancelled());
    wait_for(
        || async { pending(&storage).await == 0 },
        "the upload to be aborted",
    )
    .await;
    assert!(!storage.object_exists(&p).await.unwrap());
}

/// Polls `done` until it holds, failing after five seconds.
async fn wait_for<F, Fut>(done: F, what: &str)
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_copy_above_the_threshold_goes_in_parts() {
    let storage = multipart_storage();
    let from = path("s3://bucket/copy-source");
    let data = pattern((12 * MIB) as u64, 8);
    let options = PutOptions::new()
        .content_type("application/x-model")
        .content_disposition("attachment")
        .content_language("de")
        .metadata("team", "imaging");
    storage
        .put_object(&from, data.clone().into(), options)
        .await
        .unwrap();
    let source = storage.head_object(&from).await.unwrap();

    for to in [path("s3://bucket/copy"), path("s3://other/copy")] {
        storage.copy_object(&from, &to).await.expect("copy");
        assert_eq!(body(&storage, &to).await, data, "{to}");
        let copied = storage.head_object(&to).await.unwrap();
        assert_eq!(
            copied,
            ObjectMeta {
                path: to.clone(),
                last_modified: copied.last_modified,
                ..source.clone()
            },
            "same size, multipart ETag of the same part ranges, attributes and metadata"
        );
    }
    assert_eq!(
        source.etag,
        Some(multipart_etag(&data, 5 * MIB)),
        "the source's ETag"
    );

    let replaced = path("s3://bucket/copy-replaced");
    let replace = CopyOptions::new().replace_attributes(PutOptions::new().content_type("text/csv"));
    storage
        .copy_object_with(&from, &replaced, &replace)
        .await
        .unwrap();
    let head = storage.head_object(&replaced).await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("text/csv"));
    assert!(head.metadata.is_empty() && head.content_language.is_none());

    let create = CopyOptions::new().mode(PutMode::Create);
    let refused = storage.copy_object_with(&from, &replaced, &create).await;
    assert!(
        matches!(refused, Err(Error::PreconditionFailed { .. })),
        "{refused:?}"
    );
    assert_eq!(
        pending(&storage).await,
        0,
        "a refused completion is aborted"
    );
}

#[tokio::test]
async fn a_source_replaced_during_a_copy_in_parts_is_object_changed() {
    let storage = multipart_storage();
    let from = path("s3://bucket/moving");
    let to = path("s3://bucket/moved");
    storage
        .put_object(
            &from,
            pattern((12 * MIB) as u64, 9).into(),
            PutOptions::new(),
        )
        .await
        .unwrap();
    let stale = storage.head_object(&from).await.unwrap();
    storage
        .put_object(
            &from,
            pattern((12 * MIB) as u64, 10).into(),
            PutOptions::new(),
        )
        .await
        .unwrap();
    let copied = copy_in_parts(
        &storage,
        &from,
        &stale,
        &to,
        &CopyOptions::new(),
        &small_parts(),
    )
    .await;
    assert!(
        matches!(&copied, Err(Error::ObjectChanged { path }) if *path == from),
        "{copied:?}"
    );
    assert!(!storage.object_exists(&to).await.unwrap());
    assert_eq!(pending(&storage).await, 0);

    let id = storage
        .create_upload(&to, &PutOptions::new())
        .await
        .unwrap();
    let part = storage
        .copy_part(&from, stale.etag.as_deref(), 0..10, &to, &id, 1)
        .await;
    assert!(
        matches!(&part, Err(Error::PreconditionFailed { path }) if *path == from),
        "UploadPartCopy names the source: {part:?}"
    );
    let past_end = storage
        .copy_part(&from, None, 0..(12 * MIB as u64 + 1), &to, &id, 1)
        .await;
    assert!(
        matches!(past_end, Err(Error::RangeNotSatisfiable { .. })),
        "{past_end:?}"
    );
}

#[tokio::test]
async fn part_numbers_and_upload_ids_follow_s3() {
    let storage = multipart_storage();
    let p = path("s3://bucket/parts");
    let id = storage.create_upload(&p, &PutOptions::new()).await.unwrap();
    for number in [0, 10_001] {
        let part =
            MultipartStore::upload_part(&storage, &p, &id, number, Bytes::from_static(b"x")).await;
        assert_service(&part, "InvalidArgument", 400);
    }
    MultipartStore::upload_part(&storage, &p, &id, 10_000, Bytes::from_static(b"x"))
        .await
        .expect("part 10,000 is the last allowed");

    let unknown = UploadId::new("no-such-upload");
    let other_key = path("s3://bucket/other-key");
    for (target, id) in [(&p, &unknown), (&other_key, &id)] {
        let part =
            MultipartStore::upload_part(&storage, target, id, 1, Bytes::from_static(b"x")).await;
        assert_service(&part, "NoSuchUpload", 404);
        let done = storage
            .complete_upload(target, id, Vec::new(), &PutMode::Overwrite)
            .await;
        assert_service(&done, "NoSuchUpload", 404);
        let aborted = storage.abort_upload(target, id).await;
        assert_service(&aborted, "NoSuchUpload", 404);
    }
    let missing_bucket = storage
        .create_upload(&path("s3://nope/x"), &PutOptions::new())
        .await;
    assert!(matches!(missing_bucket, Err(Error::NoSuchBucket { .. })));

    storage
        .abort_multipart_upload(&p, &id)
        .await
        .expect("abort");
    assert_eq!(pending(&storage).await, 0);
    let part = MultipartStore::upload_part(&storage, &p, &id, 1, Bytes::from_static(b"x")).await;
    assert_service(&part, "NoSuchUpload", 404);
    let again = storage.abort_multipart_upload(&p, &id).await;
    assert_service(&again, "NoSuchUpload", 404);
}

#[tokio::test]
async fn completion_checks_the_parts_as_s3_does() {
    let storage = MemoryStorage::builder()
        .bucket("bucket")
        .min_part_size(1024)
        .build();
    let p = path("s3://bucket/completed");
    let id = storage
        .create_upload(
            &p,
            &PutOptions::new()
                .content_type("text/plain")
                .metadata("K", "v"),
        )
        .await
        .unwrap();
    let one = pattern(1024, 11);
    let two = pattern(1024, 12);
    let three = pattern(10, 13);
    let mut parts = Vec::new();
    for (number, data) in [(1, &one), (2, &two), (3, &three)] {
        let part = MultipartStore::upload_part(&storage, &p, &id, number, data.clone())
            .await
            .unwrap();
        assert_eq!(part.etag, plain_etag(data), "a part's ETag is its MD5");
        parts.push(part);
    }
    let complete =
        |parts: Vec<CompletedPart>| storage.complete_upload(&p, &id, parts, &PutMode::Overwrite);

    assert_service(&complete(Vec::new()).await, "MalformedXML", 400);
    let reversed = vec![parts[1].clone(), parts[0].clone()];
    assert_service(&complete(reversed).await, "InvalidPartOrder", 400);
    let repeated = vec![parts[0].clone(), parts[0].clone()];
    assert_service(&complete(repeated).await, "InvalidPartOrder", 400);
    let mut wrong_etag = parts.clone();
    wrong_etag[1].etag = plain_etag(b"something else");
    assert_service(&complete(wrong_etag).await, "InvalidPart", 400);
    let mut unknown_number = parts.clone();
    unknown_number[2].number = 4;
    assert_service(&complete(unknown_number).await, "InvalidPart", 400);
    // Part 3 is too small to be followed by another.
    let five = MultipartStore::upload_part(&storage, &p, &id, 5, three.clone())
        .await
        .unwrap();
    let small_then_more = vec![parts[2].clone(), five];
    assert_service(&complete(small_then_more).await, "EntityTooSmall", 400);
    let if_match = PutMode::IfMatch("\"abc\"".into());
    let swapped = storage
        .complete_upload(&p, &id, parts.clone(), &if_match)
        .await;
    assert!(
        matches!(swapped, Err(Error::NotFound { .. })),
        "If-Match on a missing key: {swapped:?}"
    );
    assert_eq!(
        pending(&storage).await,
        1,
        "failed completions leave the upload pending"
    );

    let mut bare = parts.clone();
    bare[0].etag = bare[0].etag.trim_matches('"').to_owned();
    let done = complete(bare).await.expect("complete");
    let all: Vec<u8> = [&one[..], &two[..], &three[..]].concat();
    let expected = {
        let digests: Vec<u8> = [&one, &two, &three].iter().flat_map(Md5::digest).collect();
        format!("\"{}-3\"", hex::encode(Md5::digest(&digests)))
    };
    assert_eq!(done.etag.as_deref(), Some(expected.as_str()));
    assert_eq!(body(&storage, &p).await, all);
    let head = storage.head_object(&p).await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("text/plain"));
    assert_eq!(head.metadata.get("k").map(String::as_str), Some("v"));
    assert_eq!(pending(&storage).await, 0);
    assert_service(&complete(parts).await, "NoSuchUpload", 404);
}

#[tokio::test]
async fn a_part_sent_again_replaces_the_first() {
    let storage = MemoryStorage::builder().bucket("bucket").build();
    let p = path("s3://bucket/resent");
    let id = storage.create_upload(&p, &PutOptions::new()).await.unwrap();
    MultipartStore::upload_part(&storage, &p, &id, 1, Bytes::from_static(b"first"))
        .await
        .unwrap();
    let part = MultipartStore::upload_part(&storage, &p, &id, 1, Bytes::from_static(b"second"))
        .await
        .unwrap();
    storage
        .complete_upload(&p, &id, vec![part], &PutMode::Overwrite)
        .await
        .unwrap();
    assert_eq!(body(&storage, &p).await, "second");
}

#[tokio::test]
async fn pending_uploads_are_listed_by_prefix_in_key_order() {
    let storage = MemoryStorage::builder()
        .bucket("bucket")
        .bucket("other")
        .build();
    let mut started = Vec::new();
    for key in ["b/2", "a/1", "b/1", "b/1"] {
        let p = path(&format!("s3://bucket/{key}"));
        started.push((
            storage.create_upload(&p, &PutOptions::new()).await.unwrap(),
            p,
        ));
    }
    storage
        .create_upload(&path("s3://other/b/3"), &PutOptions::new())
        .await
        .unwrap();
    let listed = storage
        .list_multipart_uploads(&path("s3://bucket/b/"))
        .await
        .unwrap();
    let keys: Vec<&str> = listed.iter().map(|upload| upload.path.key()).collect();
    assert_eq!(keys, ["b/1", "b/1", "b/2"]);
    assert!(listed.iter().all(|upload| upload.initiated.is_some()));
    assert!(
        !format!("{listed:?}").contains("memory-upload"),
        "ids are not shown by Debug"
    );

    for upload in &listed {
        storage
            .abort_multipart_upload(&upload.path, &upload.id)
            .await
            .unwrap();
    }
    assert_eq!(pending(&storage).await, 1, "a/1 is left");
    let missing = storage
        .list_multipart_uploads(&S3Path::bucket_root("nope").unwrap())
        .await;
    assert!(matches!(missing, Err(Error::NoSuchBucket { .. })));
}

#[tokio::test]
async fn single_requests_above_the_limit_are_refused_as_s3_refuses_them() {
    let storage = MemoryStorage::builder()
        .bucket("bucket")
        .single_request_limit(6 * MIB as u64)
        .build();
    let p = path("s3://bucket/too-large");
    let put = storage
        .put_object(&p, pattern((7 * MIB) as u64, 14).into(), PutOptions::new())
        .await;
    assert_service(&put, "EntityTooLarge", 400);
    assert!(!storage.object_exists(&p).await.unwrap());

    // In 5 MiB parts, the same store takes a larger object.
    let large = path("s3://bucket/large");
    let data = pattern((12 * MIB) as u64, 15);
    upload(
        &storage,
        &large,
        data.clone().into(),
        PutOptions::new(),
        &small_parts(),
    )
    .await
    .expect("parts under the limit");
    assert_eq!(body(&storage, &large).await, data);

    let copy = storage.copy_object(&large, &p).await;
    assert_service(&copy, "InvalidRequest", 400);
    assert!(!storage.object_exists(&p).await.unwrap());
    let id = storage.create_upload(&p, &PutOptions::new()).await.unwrap();
    let part = storage
        .copy_part(&large, None, 0..(7 * MIB as u64), &p, &id, 1)
        .await;
    assert_service(&part, "InvalidRequest", 400);
    let part =
        MultipartStore::upload_part(&storage, &p, &id, 1, pattern((7 * MIB) as u64, 16)).await;
    assert_service(&part, "EntityTooLarge", 400);
}

#[tokio::test]
async fn settings_s3_would_refuse_are_invalid_arguments() {
    for settings in [
        TransferSettings::new().part_size(5 * MIB as u64 - 1),
        TransferSettings::new().concurrency(0),
    ] {
        let storage = MemoryStorage::builder()
            .bucket("bucket")
            .transfer_settings(settings.clone())
            .build();
        let p = path("s3://bucket/never");
        let put = storage
            .put_object(&p, "small".into(), PutOptions::new())
            .await;
        assert!(
            matches!(put, Err(Error::InvalidArgument { .. })),
            "{settings:?}: {put:?}"
        );
        assert!(!storage.object_exists(&p).await.unwrap());
        let copy = storage.copy_object(&p, &path("s3://bucket/copy")).await;
        assert!(
            matches!(copy, Err(Error::InvalidArgument { .. })),
            "{settings:?}: {copy:?}"
        );
    }
}
