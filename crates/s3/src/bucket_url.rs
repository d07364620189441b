//! [`BucketUrls`]: the base URL of each bucket, as the client addresses it, for presigned
//! GET URLs and POST form actions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use stowage_core::{Error, Result, S3Path};

use crate::errors::failure;
use crate::logging::SdkLogs;

/// Bucket base URLs by bucket name, each found once.
#[derive(Default)]
pub(crate) struct BucketUrls(Mutex<HashMap<String, Arc<str>>>);

impl BucketUrls {
    /// The base URL of `bucket`, following the client's endpoint and addressing style:
    /// `{endpoint}/{bucket}` path-style, `{scheme}://{bucket}.{host}/` virtual-hosted
    /// (`https://{bucket}.s3.{region}.amazonaws.com/` on AWS).
    pub(crate) async fn get(
        &self,
        client: &Client,
        logs: &SdkLogs,
        bucket: &str,
        now: SystemTime,
    ) -> Result<Arc<str>> {
        if let Some(url) = self.lock().get(bucket) {
            return Ok(Arc::clone(url));
        }
        // Boxed: the SDK's presigning future is large, and every call would otherwise carry it.
        Box::pin(self.discover(client, logs, bucket, now)).await
    }

    /// Finds the URL by presigning a HEAD of a placeholder key and taking the URL apart,
    /// then caches it.
    async fn discover(
        &self,
        client: &Client,
        logs: &SdkLogs,
        bucket: &str,
        now: SystemTime,
    ) -> Result<Arc<str>> {
        const PLACEHOLDER: &str = "x";
        let config = PresigningConfig::builder()
            .start_time(now)
            .expires_in(Duration::from_secs(60))
            .build()
            .map_err(|_| Error::invalid_argument("the signing time is out of range"))?;
        let placeholder = S3Path::new(bucket, PLACEHOLDER)?;
        let presigned = logs
            .run(
                client
                    .head_object()
                    .bucket(bucket)
                    .key(PLACEHOLDER)
                    .presigned(config),
            )
            .await
            .map_err(|e| failure(e, &placeholder))?;
        let uri = presigned.uri();
        let without_query = uri.split_once('?').map_or(uri, |(base, _)| base);
        let base = without_query
            .strip_suffix(PLACEHOLDER)
            .ok_or_else(|| Error::invalid_argument("the endpoint URL has an unexpected shape"))?;
        let url: Arc<str> = match base.strip_suffix('/') {
            Some(stripped) if stripped.ends_with(&format!("/{bucket}")) => stripped.into(),
            _ => base.into(),
        };
        self.lock().insert(bucket.to_owned(), Arc::clone(&url));
        Ok(url)
    }

    /// The cache, even after a panic elsewhere poisoned its lock.
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<str>>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
