//! Batch delete: more keys than one request takes, across buckets, every path reported.

use std::collections::BTreeSet;

use bytes::Bytes;
use futures::stream::{self, StreamExt};
use stowage_core::{ObjectStorage, PutOptions, S3Path};

use crate::Fixture;

/// How many uploads run at once while seeding.
const SEED_CONCURRENCY: usize = 32;

/// Writes empty objects at every path, concurrently.
pub async fn seed(storage: &dyn ObjectStorage, paths: &[S3Path]) {
    stream::iter(paths)
        .for_each_concurrent(SEED_CONCURRENCY, |path| async move {
            storage
                .put_object(path, Bytes::new().into(), PutOptions::new())
                .await
                .unwrap_or_else(|e| panic!("seeding failed: {e}"));
        })
        .await;
}

/// 2500 keys over two buckets plus a missing key and a missing bucket: every input path is
/// reported exactly once; existing and missing keys count as deleted, the missing bucket's
/// key as failed; nothing is left behind.
pub async fn every_path_reported(f: &Fixture<'_>) {
    let prefix = f.fresh_prefix("batch");
    let mut paths = Vec::new();
    for i in 0..2500 {
        let path = prefix.join(&format!("{i:04}")).unwrap();
        paths.push(if i % 2 == 0 {
            path
        } else {
            f.in_bucket2(&path)
        });
    }
    seed(f.storage, &paths).await;
    let never_existed = prefix.join("never-existed").unwrap();
    let missing_bucket = S3Path::new(
        "stowage-no-such-bucket-4f1c",
        prefix.join("x").unwrap().key(),
    )
    .unwrap();
    paths.push(never_existed.clone());
    paths.push(missing_bucket.clone());

    let report = f
        .storage
        .delete_objects(&paths)
        .await
        .expect("batch delete");
    assert_eq!(
        report.deleted.len() + report.failed.len(),
        paths.len(),
        "every path is reported"
    );
    let reported: BTreeSet<&S3Path> = report
        .deleted
        .iter()
        .chain(report.failed.iter().map(|fail| &fail.path))
        .collect();
    assert_eq!(reported.len(), paths.len(), "no path is reported twice");
    assert!(
        report.deleted.contains(&never_existed),
        "a missing key counts as deleted"
    );
    assert_eq!(
        report.failed.len(),
        1,
        "only the missing bucket's key fails: {:?}",
        report.failed
    );
    assert_eq!(report.failed[0].path, missing_bucket);
    assert_eq!(report.failed[0].code, "no_such_bucket");

    for bucket_prefix in [prefix.clone(), f.in_bucket2(&prefix)] {
        let left = f
            .storage
            .list_objects(&bucket_prefix, None)
            .await
            .expect("list");
        assert!(
            left.objects.is_empty(),
            "batch delete left {} objects",
            left.objects.len()
        );
    }
}
