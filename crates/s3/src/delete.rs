//! Batch deletes: grouped by bucket, at most 1000 keys per request, several in flight,
//! every input path reported exactly once.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use futures::stream::{self, StreamExt};
use stowage_core::{DeleteFailure, DeleteReport, Error, Result, S3Path, hash_s3_key};

use crate::errors::failure;
use crate::keys::redact_message;
use crate::logging::SdkLogs;

/// S3's limit on keys per DeleteObjects request.
const MAX_KEYS_PER_REQUEST: usize = 1000;

/// The outcome for one key of one bucket: `None` deleted, `Some((code, message))` failed.
type Outcome = Option<(String, String)>;

/// Deletes `paths` with at most `concurrency` DeleteObjects requests in flight.
pub(crate) async fn delete_objects(
    client: &Client,
    logs: &SdkLogs,
    concurrency: usize,
    paths: &[S3Path],
) -> Result<DeleteReport> {
    // Invalid input fails the whole call before anything is deleted.
    for path in paths {
        path.object_key()?;
    }
    // Distinct keys per bucket, in input order; duplicates are sent once, reported per input.
    let mut by_bucket: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut seen: HashMap<(&str, &str), ()> = HashMap::new();
    for path in paths {
        if seen.insert((path.bucket(), path.key()), ()).is_none() {
            by_bucket.entry(path.bucket()).or_default().push(path.key());
        }
    }
    let chunks: Vec<(String, Vec<String>)> = by_bucket
        .iter()
        .flat_map(|(bucket, keys)| {
            keys.chunks(MAX_KEYS_PER_REQUEST).map(move |chunk| {
                (
                    (*bucket).to_owned(),
                    chunk.iter().map(|key| (*key).to_owned()).collect(),
                )
            })
        })
        .collect();
    tracing::debug!(
        buckets = by_bucket.len(),
        requests = chunks.len(),
        "deleting in batches"
    );

    let results: Vec<Vec<(String, String, Outcome)>> = stream::iter(chunks)
        .map(|(bucket, keys)| delete_chunk(client, logs, bucket, keys))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut outcomes: HashMap<(String, String), Outcome> = HashMap::new();
    for (bucket, key, outcome) in results.into_iter().flatten() {
        outcomes.insert((bucket, key), outcome);
    }

    let mut report = DeleteReport::default();
    for path in paths {
        match outcomes.get(&(path.bucket().to_owned(), path.key().to_owned())) {
            Some(Some((code, message))) => report.failed.push(DeleteFailure {
                path: path.clone(),
                code: code.clone(),
                message: message.clone(),
            }),
            Some(None) => report.deleted.push(path.clone()),
            None => report.failed.push(DeleteFailure {
                path: path.clone(),
                code: "internal".into(),
                message: "no outcome was recorded for this key".into(),
            }),
        }
    }
    tracing::debug!(
        deleted = report.deleted.len(),
        failed = report.failed.len(),
        "batch delete finished"
    );
    Ok(report)
}

/// One DeleteObjects request in quiet mode: only failures come back.
async fn delete_chunk(
    client: &Client,
    logs: &SdkLogs,
    bucket: String,
    keys: Vec<String>,
) -> Vec<(String, String, Outcome)> {
    let fail_all = |code: &str, message: &str| -> Vec<(String, String, Outcome)> {
        keys.iter()
            .map(|key| {
                (
                    bucket.clone(),
                    key.clone(),
                    Some((code.to_owned(), message.to_owned())),
                )
            })
            .collect()
    };
    let objects: std::result::Result<Vec<ObjectIdentifier>, _> = keys
        .iter()
        .map(|key| ObjectIdentifier::builder().key(key).build())
        .collect();
    let delete = objects.and_then(|objects| {
        Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
    });
    let delete = match delete {
        Ok(delete) => delete,
        Err(_) => {
            return fail_all("invalid_argument", "the request could not be built");
        }
    };
    let bucket_path = match S3Path::bucket_root(bucket.as_str()) {
        Ok(path) => path,
        Err(error) => return fail_all("invalid_path", &error.to_string()),
    };
    let sent = logs
        .run(
            client
                .delete_objects()
                .bucket(&bucket)
                .delete(delete)
                .send(),
        )
        .await;
    match sent {
        Ok(output) => {
            let mut failed: HashMap<&str, (String, String)> = HashMap::new();
            for error in output.errors() {
                let Some(key) = error.key() else { continue };
                let code = error.code().unwrap_or("Unknown").to_owned();
                let message = redact_message(error.message().unwrap_or_default(), key);
                tracing::debug!(
                    bucket = %bucket,
                    key_hash = %hash_s3_key(key),
                    code = %code,
                    "key not deleted"
                );
                failed.insert(key, (code, message));
            }
            keys.iter()
                .map(|key| (bucket.clone(), key.clone(), failed.remove(key.as_str())))
                .collect()
        }
        Err(error) => {
            let error: Error = failure(error, &bucket_path);
            tracing::debug!(
                bucket = %bucket,
                keys = keys.len(),
                kind = error.kind_name(),
                "batch request failed; every key in it is reported failed"
            );
            fail_all(error.kind_name(), &error.to_string())
        }
    }
}
