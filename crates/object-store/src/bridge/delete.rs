//! `delete_stream`: paths deleted in batches of up to 1000 keys, every path answered in
//! the order it came.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};
use object_store::path::Path;
use stowage_core::{DeleteFailure, DeleteReport, ObjectStorage, S3Path};

use crate::bridge::errors::{delete_failure, generic};
use crate::bridge::locations::Locations;

/// Keys per batch: S3's DeleteObjects limit, so the backend sends one request per batch.
const BATCH: usize = 1000;
/// Batches in flight at once.
const BATCHES_IN_FLIGHT: usize = 4;

/// Deletes every path of `locations` as it arrives, a batch at a time; yields each path, or
/// its error, in input order. Deleting a missing object succeeds, as on S3.
pub(crate) fn delete_stream(
    storage: Arc<dyn ObjectStorage>,
    locations: Locations,
    input: BoxStream<'static, object_store::Result<Path>>,
) -> BoxStream<'static, object_store::Result<Path>> {
    input
        .chunks(BATCH)
        .map(move |batch| {
            let storage = Arc::clone(&storage);
            let locations = locations.clone();
            async move { delete_batch(&*storage, &locations, batch).await }
        })
        .buffered(BATCHES_IN_FLIGHT)
        .flat_map(stream::iter)
        .boxed()
}

/// One entry of a batch: settled before any request, or sent as this key.
enum Entry {
    Settled(object_store::Result<Path>),
    Sent(Path, String),
}

async fn delete_batch(
    storage: &dyn ObjectStorage,
    locations: &Locations,
    batch: Vec<object_store::Result<Path>>,
) -> Vec<object_store::Result<Path>> {
    let mut paths: Vec<S3Path> = Vec::with_capacity(batch.len());
    let entries: Vec<Entry> = batch
        .into_iter()
        .map(
            |item| match item.and_then(|location| Ok((locations.object(&location)?, location))) {
                Ok((path, location)) => {
                    let key = path.key().to_owned();
                    paths.push(path);
                    Entry::Sent(location, key)
                }
                Err(error) => Entry::Settled(Err(error)),
            },
        )
        .collect();
    let mut outcomes: HashMap<String, VecDeque<Option<DeleteFailure>>> = HashMap::new();
    // A batch of nothing but settled entries sends no request.
    let report = if paths.is_empty() {
        Ok(DeleteReport::default())
    } else {
        storage.delete_objects(&paths).await
    };
    let request_error = match report {
        Ok(report) => {
            for path in report.deleted {
                let (_, key) = path.into_parts();
                outcomes.entry(key).or_default().push_back(None);
            }
            for failure in report.failed {
                let key = failure.path.key().to_owned();
                outcomes.entry(key).or_default().push_back(Some(failure));
            }
            None
        }
        Err(error) => Some(error.to_string()),
    };
    entries
        .into_iter()
        .map(|entry| match entry {
            Entry::Settled(result) => result,
            Entry::Sent(location, key) => {
                if let Some(message) = &request_error {
                    return Err(generic(BatchError(message.clone())));
                }
                match outcomes.get_mut(&key).and_then(VecDeque::pop_front) {
                    Some(None) => Ok(location),
                    Some(Some(failure)) => Err(delete_failure(&failure, &location)),
                    None => Err(generic(BatchError(
                        "the backend's report did not account for this path".into(),
                    ))),
                }
            }
        })
        .collect()
}

/// A batch that failed as a whole, or a report that missed a path.
#[derive(Debug, thiserror::Error)]
#[error("batch delete failed: {0}")]
struct BatchError(String);
