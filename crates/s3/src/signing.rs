//! [`Signing`]: everything presigned GET URLs and POST policies are signed with.

use std::sync::Arc;
use std::time::SystemTime;

use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_s3::Client;
use stowage_core::{Clock, PostPolicySigner, Result, SystemClock, TtlLimits};

use crate::bucket_url::BucketUrls;
use crate::credentials::CredentialsCache;
use crate::logging::SdkLogs;

/// The signing state of an [`S3Storage`](crate::S3Storage): signer and its key cache,
/// clock, TTL ceilings, credentials and bucket URLs.
pub(crate) struct Signing {
    signer: PostPolicySigner,
    clock: Arc<dyn Clock>,
    ttl_limits: TtlLimits,
    credentials: Option<Arc<CredentialsCache>>,
    bucket_urls: Arc<BucketUrls>,
}

impl Default for Signing {
    /// Default TTL ceilings, the system clock, no credentials provider.
    fn default() -> Self {
        Self {
            signer: PostPolicySigner::new(),
            clock: Arc::new(SystemClock),
            ttl_limits: TtlLimits::default(),
            credentials: None,
            bucket_urls: Arc::default(),
        }
    }
}

impl Signing {
    /// Replaces the TTL ceilings.
    pub(crate) fn set_ttl_limits(&mut self, limits: TtlLimits) {
        self.ttl_limits = limits;
    }

    /// Replaces the clock.
    pub(crate) fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    /// Replaces the credentials provider, forgetting credentials resolved from the old one.
    pub(crate) fn set_credentials_provider(&mut self, provider: impl ProvideCredentials + 'static) {
        self.credentials = Some(Arc::new(CredentialsCache::new(provider)));
    }

    /// The TTL ceilings in force.
    pub(crate) fn ttl_limits(&self) -> TtlLimits {
        self.ttl_limits
    }

    /// The clock signatures are dated with.
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// One reading of the clock.
    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// The POST policy signer, whose signing keys presigned GET URLs share.
    pub(crate) fn signer(&self) -> &PostPolicySigner {
        &self.signer
    }

    /// The credentials to sign with; `None` without a credentials provider.
    pub(crate) fn credentials(&self) -> Option<&Arc<CredentialsCache>> {
        self.credentials.as_ref()
    }

    /// The bucket URLs found so far, shared with the lean request path.
    pub(crate) fn bucket_urls(&self) -> &Arc<BucketUrls> {
        &self.bucket_urls
    }

    /// The base URL of `bucket`; see [`BucketUrls::get`].
    pub(crate) async fn bucket_url(
        &self,
        client: &Client,
        logs: &SdkLogs,
        bucket: &str,
        now: SystemTime,
    ) -> Result<Arc<str>> {
        self.bucket_urls.get(client, logs, bucket, now).await
    }
}
