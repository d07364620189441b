//! Batch deletes: grouped by bucket, at most 1000 keys per request, several in flight,
//! keys that fail transiently sent again, every input path reported exactly once.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use futures::stream::{self, StreamExt};
use stowage_core::{DeleteFailure, DeleteReport, Error, Result, S3Path, hash_s3_key};

use crate::errors::failure;
use crate::keys::redact_message;
use crate::logging::SdkLogs;
use crate::retry_policy::RetryPolicy;
use crate::timeouts::{DELETE_READ_TIMEOUT_PER_KEY, patient_override};

/// S3's limit on keys per DeleteObjects request.
const MAX_KEYS_PER_REQUEST: usize = 1000;

/// The outcome for one key of one bucket: `None` deleted, `Some((code, message))` failed.
type Outcome = Option<(String, String)>;

/// Deletes `paths` with at most `concurrency` DeleteObjects requests in flight; keys that fail
/// transiently are sent again within the client's retry settings.
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

    let retries = RetryPolicy::from_config(client.config().retry_config());
    let results: Vec<Vec<(String, String, Outcome)>> = stream::iter(chunks)
        .map(|(bucket, keys)| delete_chunk(client, logs, &retries, bucket, keys))
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

/// A chunk's keys, sent again while their failures are transient: DeleteObjects answers 200
/// with a per-key error (`InternalError`, `SlowDown`, ...) that the SDK's retries never see.
async fn delete_chunk(
    client: &Client,
    logs: &SdkLogs,
    retries: &RetryPolicy,
    bucket: String,
    keys: Vec<String>,
) -> Vec<(String, String, Outcome)> {
    let mut outcomes: Vec<(String, String, Outcome)> = Vec::with_capacity(keys.len());
    let mut pending = keys;
    let mut attempt = 1;
    loop {
        let failed = match send_chunk(client, logs, &bucket, &pending).await {
            Ok(failed) => failed,
            Err(failure) => {
                // The SDK has already retried the request as a whole.
                outcomes.extend(
                    pending
                        .into_iter()
                        .map(|key| (bucket.clone(), key, Some(failure.clone()))),
                );
                return outcomes;
            }
        };
        let mut again = Vec::new();
        for key in pending {
            match failed.get(key.as_str()) {
                Some((code, _)) if is_transient(code) && retries.allows_another(attempt) => {
                    again.push(key);
                }
                outcome => {
                    let outcome = outcome.cloned();
                    outcomes.push((bucket.clone(), key, outcome));
                }
            }
        }
        if again.is_empty() {
            return outcomes;
        }
        let pause = retries.backoff(attempt);
        tracing::debug!(
            bucket = %bucket,
            keys = again.len(),
            attempt,
            pause_ms = pause.as_millis() as u64,
            "keys failed transiently; sending them again"
        );
        tokio::time::sleep(pause).await;
        pending = again;
        attempt += 1;
    }
}

/// One DeleteObjects request in quiet mode: only failures come back, as code and message by
/// key. A request that fails as a whole is its error's kind and description.
async fn send_chunk(
    client: &Client,
    logs: &SdkLogs,
    bucket: &str,
    keys: &[String],
) -> std::result::Result<HashMap<String, (String, String)>, (String, String)> {
    let objects: std::result::Result<Vec<ObjectIdentifier>, _> = keys
        .iter()
        .map(|key| ObjectIdentifier::builder().key(key).build())
        .collect();
    let delete = objects
        .and_then(|objects| {
            Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
        })
        .map_err(|_| {
            (
                "invalid_argument".to_owned(),
                "the request could not be built".to_owned(),
            )
        })?;
    let bucket_path = S3Path::bucket_root(bucket)
        .map_err(|error| ("invalid_path".to_owned(), error.to_string()))?;
    let keys_in_request = u32::try_from(keys.len()).unwrap_or(u32::MAX);
    let patience = DELETE_READ_TIMEOUT_PER_KEY.saturating_mul(keys_in_request);
    let sent = logs
        .run(
            client
                .delete_objects()
                .bucket(bucket)
                .delete(delete)
                .customize()
                .config_override(patient_override(client, patience))
                .send(),
        )
        .await;
    match sent {
        Ok(output) => {
            let mut failed = HashMap::new();
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
                failed.insert(key.to_owned(), (code, message));
            }
            Ok(failed)
        }
        Err(error) => {
            let error: Error = failure(error, &bucket_path);
            tracing::debug!(
                bucket = %bucket,
                keys = keys.len(),
                kind = error.kind_name(),
                "batch request failed; every key in it is reported failed"
            );
            Err((error.kind_name().to_owned(), error.to_string()))
        }
    }
}

/// Per-key error codes that a later attempt may not meet: the server was busy or briefly
/// without a quorum, not refusing the key.
fn is_transient(code: &str) -> bool {
    matches!(
        code,
        "InternalError" | "ServiceUnavailable" | "SlowDown" | "RequestTimeout" | "Throttling"
    )
}
