//! Copies with options: attributes kept or replaced, the destination's mode (also under
//! concurrency), and the errors of a missing source.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use futures::future::join_all;
use stowage_core::{
    CopyOptions, Encryption, Error, ObjectMeta, ObjectStorage, PutMode, PutOptions, S3Path,
};
use stowage_memory::MemoryStorage;

use crate::support::{body, clocked, etag, path, start, storage};

/// Every attribute, two metadata entries.
fn described() -> PutOptions {
    PutOptions::new()
        .content_type("application/x-test")
        .cache_control("no-cache")
        .content_disposition("inline")
        .content_encoding("identity")
        .content_language("de")
        .metadata("K", "v")
        .metadata("Team", "imaging")
}

/// Stores `data` at `p` with every attribute.
async fn source(storage: &MemoryStorage, p: &S3Path, data: &'static str) -> ObjectMeta {
    storage
        .put_object(p, data.into(), described())
        .await
        .unwrap();
    storage.head_object(p).await.unwrap()
}

#[tokio::test]
async fn a_copy_keeps_the_attributes_and_metadata() {
    let (storage, clock) = clocked(start());
    storage.create_bucket("other").unwrap();
    let from = path("s3://bucket/source");
    let original = source(&storage, &from, "data").await;
    clock.advance(Duration::from_secs(30));

    for (to, options) in [
        (path("s3://other/provided"), None),
        (path("s3://other/with"), Some(CopyOptions::new())),
    ] {
        match options {
            None => storage.copy_object(&from, &to).await.unwrap(),
            Some(options) => storage
                .copy_object_with(&from, &to, &options)
                .await
                .unwrap(),
        }
        let copied = storage.head_object(&to).await.unwrap();
        assert_eq!(
            copied,
            ObjectMeta {
                path: to.clone(),
                last_modified: Some(start() + Duration::from_secs(30)),
                ..original.clone()
            },
            "same size, ETag, Content-Type, attributes and metadata; written now"
        );
        assert_eq!(body(&storage, &to).await, "data");
    }
}

#[tokio::test]
async fn a_copy_can_replace_the_attributes_and_metadata() {
    let storage = storage();
    let from = path("s3://bucket/source");
    let original = source(&storage, &from, "data").await;
    let to = path("s3://bucket/replaced");
    let replacement = PutOptions::new()
        .content_type("text/csv")
        .cache_control("no-store")
        .metadata("New-Name", "value")
        // Only attributes and metadata of the replacement count, not its mode.
        .mode(PutMode::Create);
    let options = CopyOptions::new().replace_attributes(replacement);
    storage
        .copy_object_with(&from, &to, &options)
        .await
        .unwrap();
    storage
        .copy_object_with(&from, &to, &options)
        .await
        .unwrap();

    let copied = storage.head_object(&to).await.unwrap();
    assert_eq!(
        copied.etag, original.etag,
        "the body and its ETag are the source's"
    );
    assert_eq!(copied.content_type.as_deref(), Some("text/csv"));
    assert_eq!(copied.cache_control.as_deref(), Some("no-store"));
    assert_eq!(
        (
            copied.content_disposition,
            copied.content_encoding,
            copied.content_language
        ),
        (None, None, None),
        "exactly the replacement's attributes"
    );
    assert_eq!(
        copied.metadata,
        BTreeMap::from([("new-name".to_owned(), "value".to_owned())]),
        "exactly the replacement's metadata, names lowercased"
    );
    assert_eq!(body(&storage, &to).await, "data");
    assert_eq!(
        storage.head_object(&from).await.unwrap(),
        original,
        "the source is untouched"
    );

    // An empty replacement leaves nothing.
    let bare = path("s3://bucket/bare");
    let options = CopyOptions::new().replace_attributes(PutOptions::new());
    storage
        .copy_object_with(&from, &bare, &options)
        .await
        .unwrap();
    let copied = storage.head_object(&bare).await.unwrap();
    assert_eq!(copied.content_type, None);
    assert_eq!(copied.cache_control, None);
    assert!(copied.metadata.is_empty());
}

#[tokio::test]
async fn the_mode_applies_to_the_destination() {
    let storage = storage();
    let from = path("s3://bucket/source");
    source(&storage, &from, "new").await;
    let to = path("s3://bucket/destination");
    let create = CopyOptions::new().mode(PutMode::Create);

    storage.copy_object_with(&from, &to, &create).await.unwrap();
    assert_eq!(body(&storage, &to).await, "new");
    storage
        .put_object(&to, "existing".into(), PutOptions::new())
        .await
        .unwrap();
    let refused = storage.copy_object_with(&from, &to, &create).await;
    assert!(matches!(refused, Err(Error::PreconditionFailed { ref path }) if *path == to));
    assert_eq!(body(&storage, &to).await, "existing", "nothing written");
    let onto_itself = storage.copy_object_with(&from, &from, &create).await;
    assert!(matches!(onto_itself, Err(Error::PreconditionFailed { .. })));

    let stale = CopyOptions::new().mode(PutMode::IfMatch("\"0123\"".into()));
    let refused = storage.copy_object_with(&from, &to, &stale).await;
    assert!(matches!(refused, Err(Error::PreconditionFailed { .. })));
    assert_eq!(body(&storage, &to).await, "existing");

    let current = CopyOptions::new().mode(PutMode::IfMatch(etag(&storage, &to).await));
    storage
        .copy_object_with(&from, &to, &current)
        .await
        .unwrap();
    assert_eq!(body(&storage, &to).await, "new");

    let absent = path("s3://bucket/absent");
    let if_match = CopyOptions::new().mode(PutMode::IfMatch("\"0123\"".into()));
    let refused = storage.copy_object_with(&from, &absent, &if_match).await;
    assert!(matches!(refused, Err(Error::NotFound { ref path }) if *path == absent));
    assert!(!storage.object_exists(&absent).await.unwrap());

    let malformed = CopyOptions::new().mode(PutMode::IfMatch("*".into()));
    let refused = storage.copy_object_with(&from, &to, &malformed).await;
    assert!(matches!(refused, Err(Error::InvalidArgument { .. })));
}

#[tokio::test]
async fn a_missing_source_or_bucket_is_reported() {
    let storage = storage();
    let from = path("s3://bucket/source");
    source(&storage, &from, "data").await;
    let missing = path("s3://bucket/missing");
    let to = path("s3://other/target");
    for options in [CopyOptions::new(), CopyOptions::new().mode(PutMode::Create)] {
        let copy = storage.copy_object_with(&missing, &to, &options).await;
        assert!(matches!(copy, Err(Error::NotFound { ref path }) if *path == missing));
    }
    assert!(!storage.object_exists(&to).await.unwrap());
    let copy = storage.copy_object(&path("s3://nope/key"), &to).await;
    assert!(matches!(copy, Err(Error::NoSuchBucket { ref bucket }) if bucket == "nope"));
    let copy = storage.copy_object(&from, &path("s3://nope/key")).await;
    assert!(matches!(copy, Err(Error::NoSuchBucket { ref bucket }) if bucket == "nope"));
    let copy = storage.copy_object(&from, &path("s3://other/")).await;
    assert!(matches!(copy, Err(Error::InvalidPath(_))));
}

#[tokio::test]
async fn encryption_and_storage_class_are_accepted_on_a_copy() {
    let storage = storage();
    let from = path("s3://bucket/source");
    source(&storage, &from, "data").await;
    let to = path("s3://bucket/encrypted");
    let options = CopyOptions::new()
        .encryption(Encryption::S3Managed)
        .storage_class("GLACIER_IR");
    storage
        .copy_object_with(&from, &to, &options)
        .await
        .unwrap();
    assert_eq!(body(&storage, &to).await, "data");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_many_concurrent_create_copies_exactly_one_wins() {
    let storage = storage();
    let sources: Vec<S3Path> = (0..16)
        .map(|i| path(&format!("s3://bucket/sources/{i}")))
        .collect();
    for (i, from) in sources.iter().enumerate() {
        let data = Bytes::from(format!("source {i}"));
        storage
            .put_object(from, data.into(), PutOptions::new())
            .await
            .unwrap();
    }
    for round in 0..20 {
        let to = path(&format!("s3://other/race/{round}"));
        let tasks = sources.iter().cloned().enumerate().map(|(i, from)| {
            let storage = storage.clone();
            let to = to.clone();
            tokio::spawn(async move {
                let options = CopyOptions::new().mode(PutMode::Create);
                (i, storage.copy_object_with(&from, &to, &options).await)
            })
        });
        let mut winners = Vec::new();
        for outcome in join_all(tasks).await {
            match outcome.unwrap() {
                (i, Ok(())) => winners.push(i),
                (_, Err(Error::PreconditionFailed { .. })) => {}
                (_, Err(error)) => panic!("unexpected {error:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        assert_eq!(body(&storage, &to).await, format!("source {}", winners[0]));
    }
}
