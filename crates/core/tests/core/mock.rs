//! The trait through its mockall mock: application code tested without a backend.

use std::sync::Arc;

use mockall::Sequence;
use mockall::predicate::eq;
use stowage_core::{
    Error, GetOptions, GetOutcome, MockObjectStorage, NotModified, ObjectStorage, PathError,
    PutMode, PutOptions, PutResult, Result, S3Path,
};

/// Application code under test: moves a report aside, on whatever backend it is given.
async fn archive(storage: Arc<dyn ObjectStorage>, report: &S3Path) -> Result<bool> {
    let archived = report.join(".archived")?;
    if !storage.object_exists(report).await? {
        return Ok(false);
    }
    storage.copy_object(report, &archived).await?;
    storage.delete_object(report).await?;
    Ok(true)
}

fn report() -> S3Path {
    S3Path::parse("s3://reports/2026/q1.pdf").unwrap()
}

fn archived() -> S3Path {
    S3Path::parse("s3://reports/2026/q1.pdf.archived").unwrap()
}

#[tokio::test]
async fn archive_copies_then_deletes() {
    let mut storage = MockObjectStorage::new();
    let mut order = Sequence::new();
    storage
        .expect_object_exists()
        .with(eq(report()))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(true));
    storage
        .expect_copy_object()
        .with(eq(report()), eq(archived()))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _| Ok(()));
    storage
        .expect_delete_object()
        .with(eq(report()))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(()));
    let storage: Arc<dyn ObjectStorage> = Arc::new(storage);
    assert!(archive(Arc::clone(&storage), &report()).await.unwrap());
    assert!(format!("{storage:?}").contains("MockObjectStorage"));
}

#[tokio::test]
async fn archive_of_a_missing_report_touches_nothing() {
    let mut storage = MockObjectStorage::new();
    storage
        .expect_object_exists()
        .times(1)
        .returning(|_| Ok(false));
    storage.expect_copy_object().times(0);
    storage.expect_delete_object().times(0);
    assert!(!archive(Arc::new(storage), &report()).await.unwrap());
}

#[tokio::test]
async fn archive_stops_when_copy_is_denied() {
    let mut storage = MockObjectStorage::new();
    storage
        .expect_object_exists()
        .times(1)
        .returning(|_| Ok(true));
    storage.expect_copy_object().times(1).returning(|from, _| {
        Err(Error::AccessDenied {
            path: Some(from.clone()),
        })
    });
    storage.expect_delete_object().times(0);
    let error = archive(Arc::new(storage), &report()).await.unwrap_err();
    assert!(
        matches!(&error, Error::AccessDenied { path: Some(p) } if *p == report()),
        "{error:?}"
    );
    assert!(!error.to_string().contains("q1.pdf"), "{error}");
}

#[tokio::test]
async fn archive_propagates_a_failed_existence_check() {
    let mut storage = MockObjectStorage::new();
    storage.expect_object_exists().times(1).returning(|_| {
        Err(Error::Unreachable {
            message: "connection refused".into(),
        })
    });
    storage.expect_copy_object().times(0);
    storage.expect_delete_object().times(0);
    let error = archive(Arc::new(storage), &report()).await.unwrap_err();
    assert_eq!(error.kind_name(), "unreachable");
}

#[tokio::test]
async fn archive_rejects_an_over_long_key_before_any_call() {
    let storage = MockObjectStorage::new(); // any call would panic
    let report = S3Path::new("reports", "r".repeat(1020)).unwrap();
    let error = archive(Arc::new(storage), &report).await.unwrap_err();
    assert!(matches!(
        error,
        Error::InvalidPath(PathError::KeyTooLong { len: 1029 })
    ));
}

/// Application code under test: refreshes a cached manifest only when it changed.
async fn refresh(
    storage: &dyn ObjectStorage,
    manifest: &S3Path,
    cached_etag: &str,
) -> Result<Option<Vec<u8>>> {
    let options = GetOptions::new().if_none_match(cached_etag);
    match storage.get_object_with(manifest, &options).await? {
        GetOutcome::Found(output) => Ok(Some(output.body.bytes().await?.to_vec())),
        GetOutcome::NotModified(_) => Ok(None),
    }
}

/// Application code under test: takes a lock object, or reports that someone else holds it.
async fn take_lock(storage: &dyn ObjectStorage, lock: &S3Path) -> Result<bool> {
    let options = PutOptions::new().mode(PutMode::Create);
    match storage.put_object(lock, "owner-1".into(), options).await {
        Ok(_) => Ok(true),
        Err(Error::PreconditionFailed { .. }) => Ok(false),
        Err(error) => Err(error),
    }
}

#[tokio::test]
async fn a_not_modified_manifest_is_not_downloaded_again() {
    let mut storage = MockObjectStorage::new();
    storage
        .expect_get_object_with()
        .withf(|path, options| {
            *path == report() && options.if_none_match.as_deref() == Some("\"e1\"")
        })
        .times(1)
        .returning(|path, _| {
            Ok(GetOutcome::NotModified(NotModified {
                path: path.clone(),
                etag: Some("\"e1\"".into()),
                last_modified: None,
            }))
        });
    assert_eq!(refresh(&storage, &report(), "\"e1\"").await.unwrap(), None);
}

#[tokio::test]
async fn a_lost_create_race_is_told_apart_from_a_failure() {
    let mut storage = MockObjectStorage::new();
    storage
        .expect_put_object()
        .withf(|_, _, options| options.mode == PutMode::Create)
        .times(2)
        .returning({
            let mut calls = 0;
            move |path, _, _| {
                calls += 1;
                if calls == 1 {
                    Ok(PutResult {
                        etag: Some("\"e1\"".into()),
                    })
                } else {
                    Err(Error::PreconditionFailed { path: path.clone() })
                }
            }
        });
    assert!(
        take_lock(&storage, &report()).await.unwrap(),
        "the first caller takes the lock"
    );
    assert!(
        !take_lock(&storage, &report()).await.unwrap(),
        "the second sees it taken"
    );
}
