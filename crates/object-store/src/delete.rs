//! Batch delete through `ObjectStore::delete_stream`, every path reported exactly once.

use std::collections::{BTreeMap, HashSet};

use futures::stream::{self, StreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use stowage_core::{DeleteFailure, DeleteReport, Error, Result, S3Path};

use crate::adapter::ObjectStoreAdapter;
use crate::errors::{Access, map_error};
use crate::keys;

/// Paths handed to one `delete_stream` call, as S3 takes at most 1000 keys per request.
const BATCH: usize = 1000;

/// Deletes every path; see [`stowage::ObjectStorage::delete_objects`].
///
/// [`stowage::ObjectStorage::delete_objects`]: stowage_core::ObjectStorage::delete_objects
pub(crate) async fn delete_objects(
    adapter: &ObjectStoreAdapter,
    paths: &[S3Path],
) -> Result<DeleteReport> {
    for path in paths {
        path.object_key()?;
    }
    let mut by_bucket: BTreeMap<&str, Vec<&S3Path>> = BTreeMap::new();
    for path in paths {
        by_bucket.entry(path.bucket()).or_default().push(path);
    }
    let mut report = DeleteReport::default();
    for (_, paths) in by_bucket {
        let store = match adapter.bucket(paths[0]) {
            Ok(bucket) => bucket.store.clone(),
            Err(error) => {
                for path in paths {
                    fail(&mut report, path, &error);
                }
                continue;
            }
        };
        let mut mapped = Vec::with_capacity(paths.len());
        for path in paths {
            match keys::to_path(path.key()) {
                Ok(location) => mapped.push((path, location)),
                // Not a path: the store cannot hold it, so it is already absent.
                Err(_) => report.deleted.push(path.clone()),
            }
        }
        for batch in mapped.chunks(BATCH) {
            delete_batch(store.as_ref(), batch, &mut report).await;
        }
    }
    Ok(report)
}

/// One `delete_stream` call. Its successes name their paths; its errors do not (and a
/// store that deletes in bulk may report one error for a whole request), so every path
/// not confirmed deleted is deleted again on its own, which is safe because deleting is
/// idempotent, and reported with its own outcome.
async fn delete_batch(
    store: &dyn ObjectStore,
    batch: &[(&S3Path, Path)],
    report: &mut DeleteReport,
) {
    let locations: Vec<_> = batch
        .iter()
        .map(|(_, location)| Ok(location.clone()))
        .collect();
    let locations = stream::iter(locations).boxed();
    let results: Vec<_> = store.delete_stream(locations).collect().await;
    let confirmed: HashSet<Path> = results.into_iter().filter_map(|r| r.ok()).collect();
    for (path, location) in batch {
        if confirmed.contains(location) {
            report.deleted.push((*path).clone());
            continue;
        }
        match store.delete(location).await {
            Ok(()) => report.deleted.push((*path).clone()),
            Err(error) => match map_error(error, path, Access::Read, "delete_objects") {
                Error::NotFound { .. } => report.deleted.push((*path).clone()),
                error => fail(report, path, &error),
            },
        }
    }
}

/// Records `path` as not deleted, for `error`.
fn fail(report: &mut DeleteReport, path: &S3Path, error: &Error) {
    report.failed.push(DeleteFailure {
        path: path.clone(),
        code: error.kind_name().to_owned(),
        message: error.to_string(),
    });
}
