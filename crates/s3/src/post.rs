//! Browser upload policies (presigned POST) signed with the client's own credentials.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::presigning::PresigningConfig;
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
    let region = storage
        .client()
        .config()
        .region()
        .ok_or_else(|| Error::invalid_argument("no region is configured; a POST policy needs one"))?
        .as_ref();
    let credentials = resolve_credentials(storage, path).await?;
    let now = storage.clock.now();
    let url = post_url(storage, path.bucket(), now).await?;
    storage.signer.sign(&PostPolicyParams {
        url: &url,
        path,
        request,
        ttl,
        credentials: &credentials,
        region,
        now,
    })
}

/// Form action URLs by bucket; see [`post_url`].
#[derive(Debug, Default)]
pub(crate) struct PostUrls(Mutex<HashMap<String, Arc<str>>>);

impl PostUrls {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<str>>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The credentials the signers use, as last resolved from the provider.
#[derive(Default)]
pub(crate) struct CredentialsCache(Mutex<Option<CachedCredentials>>);

struct CachedCredentials {
    signing: Arc<SigningCredentials>,
    /// When the provider says they stop working; `None` for long-term keys.
    expiry: Option<SystemTime>,
}

impl CredentialsCache {
    fn lock(&self) -> MutexGuard<'_, Option<CachedCredentials>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl std::fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsCache").finish_non_exhaustive()
    }
}

/// The form's action URL for `bucket`, following the client's endpoint and addressing style.
///
/// Found once per bucket by presigning a request for a placeholder key and taking its URL
/// apart: path-style gives `{endpoint}/{bucket}`, virtual-hosted `{scheme}://{bucket}.{host}/`
/// (`https://{bucket}.s3.{region}.amazonaws.com/` on AWS).
pub(crate) async fn post_url(
    storage: &S3Storage,
    bucket: &str,
    now: SystemTime,
) -> Result<Arc<str>> {
    if let Some(url) = storage.post_urls.lock().get(bucket) {
        return Ok(Arc::clone(url));
    }
    // Boxed: the SDK's presigning future is large, and every call would otherwise carry it.
    Box::pin(discover_post_url(storage, bucket, now)).await
}

async fn discover_post_url(storage: &S3Storage, bucket: &str, now: SystemTime) -> Result<Arc<str>> {
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
    let url: Arc<str> = match base.strip_suffix('/') {
        Some(stripped) if stripped.ends_with(&format!("/{bucket}")) => stripped.into(),
        _ => base.into(),
    };
    storage
        .post_urls
        .lock()
        .insert(bucket.to_owned(), Arc::clone(&url));
    Ok(url)
}

/// The provider's credentials, reused until five minutes before they expire.
pub(crate) async fn resolve_credentials(
    storage: &S3Storage,
    path: &S3Path,
) -> Result<Arc<SigningCredentials>> {
    let provider = storage.credentials.as_ref().ok_or_else(|| {
        Error::invalid_argument(
            "no credentials provider for POST policies: build the storage with the builder, \
             from_env or from_sdk_config, or call with_credentials_provider",
        )
    })?;
    // Long-term keys never expire: only temporary ones pay for reading the clock.
    if let Some(cached) = storage.credentials_cache.lock().as_ref()
        && cached
            .expiry
            .is_none_or(|expiry| expiry > SystemTime::now() + Duration::from_secs(300))
    {
        return Ok(Arc::clone(&cached.signing));
    }
    // Boxed, like the URL discovery: only a refresh pays for the provider's future.
    Box::pin(refresh_credentials(storage, provider, path)).await
}

async fn refresh_credentials(
    storage: &S3Storage,
    provider: &SharedCredentialsProvider,
    path: &S3Path,
) -> Result<Arc<SigningCredentials>> {
    let credentials = storage
        .sdk_logs()
        .run(provider.provide_credentials())
        .await
        .map_err(|e| from_credentials(&e, path))?;
    let mut signing =
        SigningCredentials::new(credentials.access_key_id(), credentials.secret_access_key());
    if let Some(token) = credentials.session_token() {
        signing = signing.with_session_token(token);
    }
    let signing = Arc::new(signing);
    *storage.credentials_cache.lock() = Some(CachedCredentials {
        signing: Arc::clone(&signing),
        expiry: credentials.expiry(),
    });
    Ok(signing)
}
