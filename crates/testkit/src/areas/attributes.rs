//! Object attributes: Content-Type, `Cache-Control`, `Content-Disposition`,
//! `Content-Encoding`, `Content-Language` and user metadata, on put, head, get and copy.

use stowage_core::{CopyOptions, Error, ObjectMeta, PutOptions};

use crate::Fixture;

fn attributes(meta: &ObjectMeta) -> [Option<&str>; 5] {
    [
        meta.content_type.as_deref(),
        meta.cache_control.as_deref(),
        meta.content_disposition.as_deref(),
        meta.content_encoding.as_deref(),
        meta.content_language.as_deref(),
    ]
}

/// Attributes come back from head and get; a copy keeps them, or replaces them all when
/// asked.
pub async fn round_trip(f: &Fixture<'_>) {
    let base = f.fresh_prefix("attributes");
    let path = base.join("report.csv").unwrap();
    let options = PutOptions::new()
        .content_type("text/csv")
        .cache_control("max-age=60")
        .content_disposition("attachment; filename=\"report.csv\"")
        .content_encoding("identity")
        .content_language("en-GB")
        .metadata("Owner", "Imaging Team");
    let wanted = [
        Some("text/csv"),
        Some("max-age=60"),
        Some("attachment; filename=\"report.csv\""),
        Some("identity"),
        Some("en-GB"),
    ];

    if !f.capabilities.http_attributes {
        let result = f.storage.put_object(&path, "a,b".into(), options).await;
        assert!(
            matches!(result, Err(Error::Unsupported { .. })),
            "attributes it cannot keep: {result:?}"
        );
        assert!(
            !f.storage.object_exists(&path).await.expect("exists"),
            "a refused put stores nothing"
        );
        return;
    }

    f.storage
        .put_object(&path, "a,b".into(), options)
        .await
        .expect("put");
    let head = f.storage.head_object(&path).await.expect("head");
    assert_eq!(attributes(&head), wanted, "head returns the attributes");
    assert_eq!(
        head.metadata.get("owner").map(String::as_str),
        Some("Imaging Team")
    );
    let get = f.storage.get_object(&path).await.expect("get");
    assert_eq!(attributes(&get.meta), wanted, "get returns the attributes");

    let kept = base.join("kept.csv").unwrap();
    f.storage.copy_object(&path, &kept).await.expect("copy");
    let copied = f.storage.head_object(&kept).await.expect("head");
    assert_eq!(attributes(&copied), wanted, "a copy keeps the attributes");
    assert_eq!(copied.metadata, head.metadata, "and the metadata");

    let replaced = base.join("replaced.csv").unwrap();
    let replacement = PutOptions::new()
        .content_type("text/plain")
        .cache_control("no-store")
        .metadata("Reviewed", "yes");
    let result = f
        .storage
        .copy_object_with(
            &path,
            &replaced,
            &CopyOptions::new().replace_attributes(replacement),
        )
        .await;
    if !f.capabilities.replace_on_copy {
        assert!(
            matches!(result, Err(Error::Unsupported { .. })),
            "{result:?}"
        );
        assert!(!f.storage.object_exists(&replaced).await.expect("exists"));
        return;
    }
    result.expect("copy replacing the attributes");
    let copy = f.storage.head_object(&replaced).await.expect("head");
    assert_eq!(
        attributes(&copy),
        [Some("text/plain"), Some("no-store"), None, None, None],
        "a replacing copy has exactly the new attributes"
    );
    assert_eq!(
        copy.metadata.into_iter().collect::<Vec<_>>(),
        [("reviewed".to_owned(), "yes".to_owned())],
        "and exactly the new metadata"
    );
}
