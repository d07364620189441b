//! The lean request path: GetObject, HeadObject, PutObject and DeleteObject signed by core's
//! SigV4 module ([`Authorize`](stowage_core::sigv4::Authorize), with its cached signing
//! key) and sent over a pooled hyper client, outside the SDK's per-request pipeline
//! (orchestrator, interceptors, endpoint rules, signing from scratch), which costs about
//! twice the client CPU of the request itself on small objects.
//!
//! The SDK still provides everything else: the credentials (its whole provider chain,
//! reused until five minutes before they expire, `crate::credentials`), the region, each
//! bucket's base URL as its endpoint rules and addressing style make it
//! (`crate::bucket_url`), the retry and timeout configuration, and every other operation.
//! The path keeps the SDK's guarantees: the same timeouts, retries with the same backoff on
//! the same answers, signatures dated by the server's clock once an answer showed the local
//! one off, a CRC32 the server checks on every body sent, the whole object's checksum and
//! length checked on every body read, errors of the same kinds, no key in any log.

mod answer;
mod body;
mod checksum;
mod clock;
mod connector;
mod exchange;
mod objects;
mod retry;

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_s3::Client;
use stowage_core::sigv4::SigningKeyCache;

use crate::bucket_url::BucketUrls;
use crate::credentials::CredentialsCache;
use crate::retry_policy::RetryPolicy;
use crate::signing::Signing;
use crate::timeouts::DEFAULT_CONNECT_TIMEOUT;

pub(crate) use objects::{delete_object, get_object_with, head_object, put_object, sends_put};

/// The suffix of S3 Express One Zone (directory) bucket names, whose requests the SDK signs
/// with session credentials of their own: they stay on the SDK.
const DIRECTORY_BUCKET_SUFFIX: &str = "--x-s3";

/// Everything a lean request needs, shared by the operations of one storage.
pub(crate) struct Lean {
    http: connector::HttpClient,
    client: Client,
    region: String,
    credentials: Arc<CredentialsCache>,
    bucket_urls: Arc<BucketUrls>,
    keys: SigningKeyCache,
    clock: clock::ServerClock,
    retry: RetryPolicy,
    timeouts: LeanTimeouts,
}

/// The client's timeouts, as the lean path applies them.
#[derive(Debug, Clone, Copy)]
struct LeanTimeouts {
    /// Until the head of the answer, from the start of the request.
    read: Option<Duration>,
    /// One attempt, until its answer is read (the head only, for a streamed body).
    attempt: Option<Duration>,
    /// Every attempt and backoff of one operation.
    operation: Option<Duration>,
}

impl Lean {
    /// The lean path for `client`, signing with the credentials of `signing`.
    ///
    /// `None` when it cannot keep the SDK's behaviour: no credentials provider or region is
    /// known, the retry mode is adaptive, or the system's root certificates cannot be read.
    pub(crate) fn new(client: &Client, signing: &Signing) -> Option<Self> {
        let config = client.config();
        let credentials = Arc::clone(signing.credentials()?);
        let region = config.region()?.as_ref().to_owned();
        let retry = RetryPolicy::from_config(config.retry_config());
        if !retry.is_standard() {
            return None;
        }
        let timeouts = config.timeout_config();
        let connect = timeouts
            .and_then(|timeouts| timeouts.connect_timeout())
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        Some(Self {
            http: connector::http_client(connect)?,
            client: client.clone(),
            region,
            credentials,
            bucket_urls: Arc::clone(signing.bucket_urls()),
            keys: SigningKeyCache::new(),
            clock: clock::ServerClock::default(),
            retry,
            timeouts: LeanTimeouts {
                read: timeouts.and_then(|timeouts| timeouts.read_timeout()),
                attempt: timeouts.and_then(|timeouts| timeouts.operation_attempt_timeout()),
                operation: timeouts.and_then(|timeouts| timeouts.operation_timeout()),
            },
        })
    }

    /// Whether requests to `bucket` may take the lean path.
    pub(crate) fn serves(bucket: &str) -> bool {
        !bucket.ends_with(DIRECTORY_BUCKET_SUFFIX)
    }

    /// How long a streamed body may send nothing.
    pub(crate) fn idle_timeout(&self) -> Option<Duration> {
        self.timeouts.read
    }
}

impl std::fmt::Debug for Lean {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lean")
            .field("region", &self.region)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}
