//! Error kinds: the same failure is the same `Error` variant on every backend.

use stowage_core::{Error, PathError, PostPolicyRequest, PutOptions, S3Path};

use crate::Fixture;

/// Missing keys, missing buckets and empty keys give the documented kinds.
pub async fn error_kinds(f: &Fixture<'_>) {
    let prefix = f.fresh_prefix("errors");
    let missing = prefix.join("missing").unwrap();
    match f.storage.get_object(&missing).await {
        Err(Error::NotFound { path }) => assert_eq!(path, missing),
        other => panic!("get of a missing key must be NotFound, got {other:?}"),
    }
    assert!(matches!(
        f.storage.head_object(&missing).await,
        Err(Error::NotFound { .. })
    ));

    let no_bucket = S3Path::new("stowage-no-such-bucket-4f1c", "k").unwrap();
    assert!(
        matches!(f.storage.get_object(&no_bucket).await, Err(Error::NoSuchBucket { ref bucket }) if bucket == no_bucket.bucket()),
        "get from a missing bucket must be NoSuchBucket"
    );
    assert!(matches!(
        f.storage
            .list_objects(&S3Path::bucket_root(no_bucket.bucket()).unwrap(), None)
            .await,
        Err(Error::NoSuchBucket { .. })
    ));
    assert!(matches!(
        f.storage
            .put_object(&no_bucket, "x".into(), PutOptions::new())
            .await,
        Err(Error::NoSuchBucket { .. })
    ));

    let root = S3Path::bucket_root(&f.bucket).unwrap();
    assert!(matches!(
        f.storage.get_object(&root).await,
        Err(Error::InvalidPath(PathError::EmptyKey))
    ));
    assert!(matches!(
        f.storage
            .put_object(&root, "x".into(), PutOptions::new())
            .await,
        Err(Error::InvalidPath(PathError::EmptyKey))
    ));
    assert!(matches!(
        f.storage.delete_object(&root).await,
        Err(Error::InvalidPath(PathError::EmptyKey))
    ));
    assert!(matches!(
        f.storage.copy_object(&missing, &root).await,
        Err(Error::InvalidPath(PathError::EmptyKey))
    ));
    assert!(matches!(
        f.storage
            .presigned_post(&root, &PostPolicyRequest::new(1))
            .await,
        Err(Error::InvalidPath(PathError::EmptyKey)) | Err(Error::Unsupported { .. })
    ));
}
