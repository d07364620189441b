//! Writes with options: attributes, encryption and storage class, conditional writes a custom endpoint cannot enforce.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn attributes_round_trip_through_put_head_get_and_copy() {
    let env = env();
    let storage = env.s3_storage().await;
    let prefix = prefix("attrs");
    let p = path(&env.bucket, &format!("{prefix}scan ü.nii.gz"));
    storage
        .put_object(&p, Payload::from("zipped"), attributes())
        .await
        .unwrap();
    let check = |meta: &stowage_core::ObjectMeta, what: &str| {
        assert_eq!(
            meta.content_type.as_deref(),
            Some("application/gzip"),
            "{what}"
        );
        assert_eq!(
            meta.cache_control.as_deref(),
            Some("max-age=60, private"),
            "{what}"
        );
        assert_eq!(
            meta.content_disposition.as_deref(),
            Some("attachment; filename=\"scan.nii.gz\""),
            "{what}"
        );
        assert_eq!(meta.content_encoding.as_deref(), Some("gzip"), "{what}");
        assert_eq!(meta.content_language.as_deref(), Some("de-CH"), "{what}");
        assert_eq!(
            meta.metadata.get("owner").map(String::as_str),
            Some("imaging"),
            "{what}"
        );
    };
    check(&storage.head_object(&p).await.unwrap(), "head");
    let got = storage.get_object(&p).await.unwrap();
    check(&got.meta, "get");
    // Content-Encoding is stored, not applied: the body comes back as written.
    assert_eq!(got.body.bytes().await.unwrap(), "zipped".as_bytes());

    // A plain copy keeps every attribute.
    let kept = path(&env.bucket2, &format!("{prefix}kept"));
    storage.copy_object(&p, &kept).await.unwrap();
    check(&storage.head_object(&kept).await.unwrap(), "copy");

    // A copy that replaces them keeps none of the source's.
    let replaced = path(&env.bucket, &format!("{prefix}replaced"));
    let replacement = PutOptions::new()
        .content_type("text/plain")
        .content_language("fr")
        .metadata("reviewer", "bob");
    let options = CopyOptions::new().replace_attributes(replacement);
    storage
        .copy_object_with(&p, &replaced, &options)
        .await
        .unwrap();
    let meta = storage.head_object(&replaced).await.unwrap();
    assert_eq!(meta.content_type.as_deref(), Some("text/plain"));
    assert_eq!(meta.content_language.as_deref(), Some("fr"));
    assert_eq!(meta.cache_control, None);
    assert_eq!(meta.content_disposition, None);
    assert_eq!(meta.content_encoding, None);
    assert_eq!(
        meta.metadata.into_iter().collect::<Vec<_>>(),
        [("reviewer".to_owned(), "bob".to_owned())]
    );
    assert_eq!(read_all(&storage, &replaced).await, "zipped".as_bytes());
}

#[tokio::test(flavor = "multi_thread")]
async fn encryption_and_storage_class_are_sent_and_accepted() {
    let env = env();
    let prefix = prefix("sse");
    let storage = env.s3_storage().await;
    let p = path(&env.bucket, &format!("{prefix}aes"));
    let options = PutOptions::new()
        .encryption(Encryption::S3Managed)
        .storage_class("STANDARD");
    storage
        .put_object(&p, Payload::from("secret"), options)
        .await
        .expect("SSE-S3 and STANDARD on put");
    assert_eq!(read_all(&storage, &p).await, "secret".as_bytes());
    let copy = path(&env.bucket, &format!("{prefix}aes-copy"));
    let options = CopyOptions::new()
        .encryption(Encryption::S3Managed)
        .storage_class("STANDARD");
    storage
        .copy_object_with(&p, &copy, &options)
        .await
        .expect("SSE-S3 and STANDARD on copy");
    assert_eq!(read_all(&storage, &copy).await, "secret".as_bytes());

    // The builder's defaults apply to writes that name none.
    let defaults = env
        .s3_builder()
        .default_encryption(Encryption::S3Managed)
        .default_storage_class("STANDARD")
        .build()
        .await
        .unwrap();
    let p = path(&env.bucket, &format!("{prefix}defaults"));
    put(&defaults, &p, "by default").await;
    assert_eq!(read_all(&defaults, &p).await, "by default".as_bytes());
}

#[tokio::test(flavor = "multi_thread")]
async fn conditional_writes_on_a_custom_endpoint_are_unsupported_and_overwrite_nothing() {
    let env = env();
    let storage = env.s3_storage().await;
    assert!(!storage.conditional_writes(), "off for a custom endpoint");
    let prefix = prefix("condoff");
    let p = path(&env.bucket, &format!("{prefix}kept"));
    let etag = storage
        .put_object(&p, Payload::from("old"), PutOptions::new())
        .await
        .unwrap()
        .etag
        .unwrap();
    let unsupported = |error: Error, operation: &str| {
        assert!(
            matches!(
                &error,
                Error::Unsupported { operation: op, backend: "s3" } if *op == operation
            ),
            "{operation}: {error:?}"
        );
    };
    for mode in [PutMode::Create, PutMode::IfMatch(etag.clone())] {
        let options = PutOptions::new().mode(mode);
        let error = storage
            .put_object(&p, Payload::from("new"), options)
            .await
            .unwrap_err();
        unsupported(error, "conditional put_object");
    }
    let copied = path(&env.bucket, &format!("{prefix}copied"));
    for mode in [PutMode::Create, PutMode::IfMatch(etag.clone())] {
        let error = storage
            .copy_object_with(&p, &copied, &CopyOptions::new().mode(mode))
            .await
            .unwrap_err();
        unsupported(error, "conditional copy_object");
    }
    assert_eq!(
        read_all(&storage, &p).await,
        "old".as_bytes(),
        "overwritten"
    );
    assert!(!storage.object_exists(&copied).await.unwrap(), "copied");

    // Refused before any request: nothing listens there, yet the answer is Unsupported.
    let offline = nowhere(false).await;
    let options = PutOptions::new().mode(PutMode::Create);
    let error = offline
        .put_object(&p, Payload::from("new"), options)
        .await
        .unwrap_err();
    unsupported(error, "conditional put_object");
    // A malformed ETag is an invalid argument first, whatever the setting.
    let options = PutOptions::new().mode(PutMode::IfMatch("*".into()));
    let error = offline
        .put_object(&p, Payload::from("new"), options)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
}
