//! Browser upload policies (presigned POST) signed with the client's own credentials.

use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_s3::presigning::PresigningConfig;
use std::time::{Duration, SystemTime};
use stowage_core::{
    Error, PostPolicyParams, PostPolicyRequest, PresignedPost, Result, S3Path, SigningCredentials,
};

use crate::errors::{failure, from_credentials};
use crate::storage::S3Storage;

pub(crate) async fn presigned_post(
    storage: &S3Storage,
    path: &S3Path,
    request: &PostPolicyRequest,
) -> Result<PresignedPost> {
    path.object_key()?;
    let ttl = storage.ttl_limits.post_ttl(request.ttl, path)?;
    let config = storage.client().config();
    let region = config
        .region()
        .ok_or_else(|| Error::invalid_argument("no region is configured; a POST policy needs one"))?
        .as_ref()
        .to_owned();
    let credentials = resolve_credentials(storage, path).await?;
    let mut signing =
        SigningCredentials::new(credentials.access_key_id(), credentials.secret_access_key());
    if let Some(token) = credentials.session_token() {
        signing = signing.with_session_token(token);
    }
    let now = storage.clock.now();
    let url = post_url(storage, path.bucket(), now).await?;
    storage.signer.sign(&PostPolicyParams {
        url: &url,
        path,
        request,
        ttl,
        credentials: &signing,
        region: &region,
        now,
    })
}

/// The form's action URL for `bucket`, following the client's endpoint and addressing style.
///
/// Found once per bucket by presigning a request for a placeholder key and taking its URL
/// apart: path-style gives `{endpoint}/{bucket}`, virtual-hosted `{scheme}://{bucket}.{host}/`
/// (`https://{bucket}.s3.{region}.amazonaws.com/` on AWS).
pub(crate) async fn post_url(storage: &S3Storage, bucket: &str, now: SystemTime) -> Result<String> {
    if let Some(url) = lock(storage).get(bucket) {
        return Ok(url.clone());
    }
    const PLACEHOLDER: &str = "x";
    let config = PresigningConfig::builder()
        .start_time(now)
        .expires_in(Duration::from_secs(60))
        .build()
        .map_err(|_| Error::invalid_argument("the signing time is out of range"))?;
    let placeholder = S3Path::new(bucket, PLACEHOLDER)?;
    let presigned = storage
        .sdk_logs()
        .run(
            storage
                .client()
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
    let url = match base.strip_suffix('/') {
        Some(stripped) if stripped.ends_with(&format!("/{bucket}")) => stripped.to_owned(),
        _ => base.to_owned(),
    };
    lock(storage).insert(bucket.to_owned(), url.clone());
    Ok(url)
}

/// The provider's credentials, reused until five minutes before they expire.
pub(crate) async fn resolve_credentials(storage: &S3Storage, path: &S3Path) -> Result<Credentials> {
    let provider = storage.credentials.as_ref().ok_or_else(|| {
        Error::invalid_argument(
            "no credentials provider for POST policies: build the storage with the builder, \
             from_env or from_sdk_config, or call with_credentials_provider",
        )
    })?;
    let fresh_until = SystemTime::now() + Duration::from_secs(300);
    {
        let cache = storage
            .credentials_cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(cached) = cache.as_ref()
            && cached.expiry().is_none_or(|expiry| expiry > fresh_until)
        {
            return Ok(cached.clone());
        }
    }
    let credentials = storage
        .sdk_logs()
        .run(provider.provide_credentials())
        .await
        .map_err(|e| from_credentials(&e, path))?;
    *storage
        .credentials_cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(credentials.clone());
    Ok(credentials)
}

fn lock(
    storage: &S3Storage,
) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, String>> {
    storage
        .post_urls
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
