//! Single-object operations: put, get, head, exists, copy, delete.

use bytes::Bytes;
use futures::StreamExt;
use md5::{Digest, Md5};
use stowage_core::{Error, PutOptions};

use crate::Fixture;

/// Put then get and head: body, quoted-MD5 ETag, Content-Type, lowercased metadata.
pub async fn put_get_head(f: &Fixture<'_>) {
    let path = f.fresh_prefix("put-get-head").join("object.txt").unwrap();
    let options = PutOptions::new()
        .content_type("text/plain")
        .metadata("Owner", "Imaging Team");
    let put = if f.capabilities.object_metadata {
        f.storage
            .put_object(&path, "hello".into(), options)
            .await
            .expect("put")
    } else {
        let refused = f.storage.put_object(&path, "hello".into(), options).await;
        assert!(
            matches!(refused, Err(Error::Unsupported { .. })),
            "no metadata: a put carrying it is Unsupported, got {refused:?}"
        );
        assert!(
            !f.storage.object_exists(&path).await.expect("exists"),
            "a refused put stores nothing"
        );
        f.storage
            .put_object(&path, "hello".into(), PutOptions::new())
            .await
            .expect("put")
    };
    if f.capabilities.md5_etags {
        assert_eq!(
            put.etag.as_deref(),
            Some("\"5d41402abc4b2a76b9719d911017c592\""),
            "ETag of a put is the quoted MD5"
        );
    } else {
        let etag = put.etag.as_deref().expect("a put returns an ETag");
        assert!(
            etag.len() > 2 && etag.starts_with('"') && etag.ends_with('"'),
            "ETags are quoted"
        );
    }

    let head = f.storage.head_object(&path).await.expect("head");
    assert_eq!(head.path, path);
    assert_eq!(head.size, 5);
    assert_eq!(head.etag, put.etag);
    if f.capabilities.object_metadata {
        assert_eq!(head.content_type.as_deref(), Some("text/plain"));
        assert_eq!(
            head.metadata.get("owner").map(String::as_str),
            Some("Imaging Team"),
            "metadata names come back lowercased"
        );
    } else {
        assert_eq!(head.content_type, None);
        assert!(head.metadata.is_empty());
    }
    assert!(head.last_modified.is_some());

    let got = f.storage.get_object(&path).await.expect("get");
    assert_eq!(got.meta.size, 5);
    assert_eq!(got.meta.etag, head.etag);
    assert_eq!(got.meta.content_type, head.content_type);
    assert_eq!(got.meta.metadata, head.metadata);
    assert_eq!(
        got.body.bytes().await.expect("body"),
        Bytes::from_static(b"hello")
    );

    // Overwrite replaces body and metadata; an empty object has the MD5 of nothing.
    let overwrite = f
        .storage
        .put_object(&path, Bytes::new().into(), PutOptions::new())
        .await
        .expect("overwrite");
    let head = f.storage.head_object(&path).await.expect("head");
    assert_eq!(head.size, 0);
    if f.capabilities.md5_etags {
        assert_eq!(
            head.etag.as_deref(),
            Some("\"d41d8cd98f00b204e9800998ecf8427e\"")
        );
    } else {
        assert_eq!(head.etag, overwrite.etag);
        assert_ne!(head.etag, put.etag, "an overwrite changes the ETag");
    }
    assert!(
        head.metadata.is_empty(),
        "an overwrite drops the old metadata"
    );
    f.storage.delete_object(&path).await.expect("delete");
}

/// A multi-megabyte body arrives in several chunks with the right content.
pub async fn streaming_get(f: &Fixture<'_>) {
    let path = f.fresh_prefix("streaming").join("big.bin").unwrap();
    let data: Vec<u8> = (0..(3 * 1024 * 1024u32))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let expected = hex::encode(Md5::digest(&data));
    f.storage
        .put_object(&path, data.into(), PutOptions::new())
        .await
        .expect("put");
    let mut body = f.storage.get_object(&path).await.expect("get").body;
    let (mut hasher, mut size, mut chunks) = (Md5::new(), 0usize, 0usize);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.expect("chunk");
        hasher.update(&chunk);
        size += chunk.len();
        chunks += 1;
    }
    assert_eq!(size, 3 * 1024 * 1024);
    assert_eq!(hex::encode(hasher.finalize()), expected);
    assert!(
        chunks > 1,
        "a 3 MiB body is streamed in chunks, not delivered whole"
    );
    f.storage.delete_object(&path).await.expect("delete");
}

/// `object_exists` is true for an object, false for a missing key and for a missing bucket.
pub async fn exists(f: &Fixture<'_>) {
    let prefix = f.fresh_prefix("exists");
    let path = prefix.join("here").unwrap();
    f.storage
        .put_object(&path, "x".into(), PutOptions::new())
        .await
        .expect("put");
    assert!(f.storage.object_exists(&path).await.expect("exists"));
    assert!(
        !f.storage
            .object_exists(&prefix.join("absent").unwrap())
            .await
            .expect("exists")
    );
    assert!(
        !f.storage
            .object_exists(&prefix.join("her").unwrap())
            .await
            .expect("a key's prefix is not the key")
    );
    f.storage.delete_object(&path).await.expect("delete");
    assert!(!f.storage.object_exists(&path).await.expect("exists"));
}

/// A copy, across buckets too, keeps body, Content-Type and metadata.
pub async fn copy(f: &Fixture<'_>) {
    let prefix = f.fresh_prefix("copy");
    let source = prefix.join("source").unwrap();
    let options = if f.capabilities.object_metadata {
        PutOptions::new()
            .content_type("application/x-test")
            .metadata("k", "v")
    } else {
        PutOptions::new()
    };
    f.storage
        .put_object(&source, "copy me".into(), options)
        .await
        .expect("put");
    let original = f.storage.head_object(&source).await.expect("head");
    for target in [
        prefix.join("same-bucket").unwrap(),
        f.in_bucket2(&prefix.join("other-bucket").unwrap()),
    ] {
        f.storage.copy_object(&source, &target).await.expect("copy");
        let copied = f.storage.head_object(&target).await.expect("head copy");
        assert_eq!(copied.size, original.size);
        if f.capabilities.md5_etags {
            assert_eq!(copied.etag, original.etag);
        }
        assert_eq!(copied.content_type, original.content_type);
        assert_eq!(copied.metadata, original.metadata);
        let body = f
            .storage
            .get_object(&target)
            .await
            .expect("get copy")
            .body
            .bytes()
            .await
            .expect("body");
        assert_eq!(body, Bytes::from_static(b"copy me"));
        f.storage.delete_object(&target).await.expect("delete copy");
    }
    let missing = prefix.join("missing").unwrap();
    match f
        .storage
        .copy_object(&missing, &prefix.join("t").unwrap())
        .await
    {
        Err(Error::NotFound { path }) => assert_eq!(path, missing),
        other => panic!("copying a missing source must be NotFound, got {other:?}"),
    }
    f.storage.delete_object(&source).await.expect("delete");
}

/// Delete removes the object; deleting it again (or any missing key) succeeds.
pub async fn delete(f: &Fixture<'_>) {
    let path = f.fresh_prefix("delete").join("gone").unwrap();
    f.storage
        .put_object(&path, "x".into(), PutOptions::new())
        .await
        .expect("put");
    f.storage.delete_object(&path).await.expect("delete");
    assert!(matches!(
        f.storage.get_object(&path).await,
        Err(Error::NotFound { .. })
    ));
    f.storage
        .delete_object(&path)
        .await
        .expect("deleting a missing key succeeds, as in S3");
}
