//! [`CredentialsCache`]: the credentials provider presigned URLs and POST policies are signed
//! with, and its last answer.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use stowage_core::{Result, S3Path, SigningCredentials};

use crate::errors::from_credentials;
use crate::logging::SdkLogs;

/// How long before their expiry temporary credentials are refreshed.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A credentials provider with the credentials last resolved from it.
pub(crate) struct CredentialsCache {
    provider: SharedCredentialsProvider,
    last: Mutex<Option<CachedCredentials>>,
}

/// Credentials as resolved, ready to sign with.
struct CachedCredentials {
    signing: Arc<SigningCredentials>,
    /// When the provider says they stop working; `None` for long-term keys.
    expiry: Option<SystemTime>,
}

impl CredentialsCache {
    /// A cache in front of `provider`, empty until the first signature.
    pub(crate) fn new(provider: impl ProvideCredentials + 'static) -> Self {
        Self {
            provider: SharedCredentialsProvider::new(provider),
            last: Mutex::new(None),
        }
    }

    /// The provider's credentials, reused until five minutes before they expire.
    pub(crate) async fn resolve(
        &self,
        logs: &SdkLogs,
        path: &S3Path,
    ) -> Result<Arc<SigningCredentials>> {
        // Long-term keys never expire: only temporary ones pay for reading the clock.
        if let Some(cached) = self.lock().as_ref()
            && cached
                .expiry
                .is_none_or(|expiry| expiry > SystemTime::now() + REFRESH_MARGIN)
        {
            return Ok(Arc::clone(&cached.signing));
        }
        // Boxed: only a refresh pays for the provider's future.
        Box::pin(self.refresh(logs, path)).await
    }

    /// Asks the provider again and caches its answer.
    async fn refresh(&self, logs: &SdkLogs, path: &S3Path) -> Result<Arc<SigningCredentials>> {
        let credentials = logs
            .run(self.provider.provide_credentials())
            .await
            .map_err(|e| from_credentials(&e, path))?;
        let mut signing =
            SigningCredentials::new(credentials.access_key_id(), credentials.secret_access_key());
        if let Some(token) = credentials.session_token() {
            signing = signing.with_session_token(token);
        }
        let signing = Arc::new(signing);
        *self.lock() = Some(CachedCredentials {
            signing: Arc::clone(&signing),
            expiry: credentials.expiry(),
        });
        Ok(signing)
    }

    /// The cache, even after a panic elsewhere poisoned its lock.
    fn lock(&self) -> MutexGuard<'_, Option<CachedCredentials>> {
        self.last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
