//! [`S3StorageBuilder`]: an [`S3Storage`] from explicit settings.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_credential_types::Credentials;
use aws_sdk_s3::config::Region;
use stowage_core::transfer::TransferSettings;
use stowage_core::{Clock, Encryption, Result, SystemClock, TtlLimits};

use crate::endpoint::custom_endpoint;
use crate::storage::S3Storage;
use crate::timeouts::Timeouts;

/// Builds an [`S3Storage`]: region, endpoint, addressing style, credentials, retries,
/// timeouts, TTL ceilings, clock, conditional writes, write defaults and transfer settings.
///
/// Anything not set comes from the AWS default chains (`AWS_REGION`, `~/.aws/config`,
/// `AWS_ACCESS_KEY_ID`, instance metadata, ...), as with [`S3Storage::from_env`].
///
/// `Debug` never shows the credentials or the endpoint URL.
#[must_use]
pub struct S3StorageBuilder {
    region: Option<String>,
    endpoint_url: Option<String>,
    force_path_style: Option<bool>,
    credentials: Option<StaticCredentials>,
    max_attempts: Option<u32>,
    timeouts: Timeouts,
    ttl_limits: TtlLimits,
    clock: Arc<dyn Clock>,
    sdk_debug_logs: bool,
    lean_requests: bool,
    conditional_writes: Option<bool>,
    default_encryption: Option<Encryption>,
    default_storage_class: Option<String>,
    transfer: TransferSettings,
}

/// Credentials given to the builder, handed to `aws-config` as a static provider.
#[derive(Clone)]
struct StaticCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl Default for S3StorageBuilder {
    fn default() -> Self {
        Self {
            region: None,
            endpoint_url: None,
            force_path_style: None,
            credentials: None,
            max_attempts: None,
            timeouts: Timeouts::default(),
            ttl_limits: TtlLimits::default(),
            clock: Arc::new(SystemClock),
            sdk_debug_logs: false,
            lean_requests: true,
            conditional_writes: None,
            default_encryption: None,
            default_storage_class: None,
            transfer: TransferSettings::default(),
        }
    }
}

impl S3StorageBuilder {
    /// A builder with nothing set: every setting comes from the AWS default chains.
    pub fn new() -> Self {
        Self::default()
    }

    /// The region requests are signed for (`garage` for a default Garage, `us-east-1` for
    /// most S3-compatible servers).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// A custom endpoint, for S3-compatible servers (`http://127.0.0.1:3900`).
    pub fn endpoint_url(mut self, endpoint_url: impl Into<String>) -> Self {
        self.endpoint_url = Some(endpoint_url.into());
        self
    }

    /// Path-style addressing (`endpoint/bucket/key`) instead of virtual-hosted
    /// (`bucket.endpoint/key`); most S3-compatible servers need it.
    pub fn force_path_style(mut self, force_path_style: bool) -> Self {
        self.force_path_style = Some(force_path_style);
        self
    }

    /// Static long-term credentials.
    pub fn credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        self.credentials = Some(StaticCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
        });
        self
    }

    /// Static temporary (STS) credentials: key id, secret and session token.
    pub fn session_credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: impl Into<String>,
    ) -> Self {
        self.credentials = Some(StaticCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: Some(session_token.into()),
        });
        self
    }

    /// Total attempts per request, first one included (the SDK's standard retry mode;
    /// 1 disables retries).
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = Some(max_attempts.max(1));
        self
    }

    /// How long establishing a connection may take (default
    /// [`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT), 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = Some(timeout);
        self
    }

    /// How long the first byte of a response may take, from the start of the request, its
    /// body included (default [`DEFAULT_READ_TIMEOUT`](crate::DEFAULT_READ_TIMEOUT), 30 s),
    /// and how long a streamed object body may send nothing.
    ///
    /// This is what ends a request to a server that accepted the connection and never
    /// answers, or stalls in the middle of a body; each retried attempt gets it again. Raise
    /// it for large parts on slow links. Requests the server answers only once its work is
    /// done wait longer: a CopyObject at least [`COPY_READ_TIMEOUT`](crate::COPY_READ_TIMEOUT),
    /// a DeleteObjects at least
    /// [`DELETE_READ_TIMEOUT_PER_KEY`](crate::DELETE_READ_TIMEOUT_PER_KEY) per key.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.read = Some(timeout);
        self
    }

    /// How long a whole operation, retries included, may take (no limit by default: a
    /// streamed body of any size must be able to finish).
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.operation = Some(timeout);
        self
    }

    /// How long a single attempt may take, until its answer is read (by default twice the
    /// read timeout; a streamed GetObject body is not part of the attempt, so a download of
    /// any size can finish).
    pub fn operation_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.attempt = Some(timeout);
        self
    }

    /// TTL ceilings for presigned GET URLs and POST policies.
    pub fn ttl_limits(mut self, limits: TtlLimits) -> Self {
        self.ttl_limits = limits;
        self
    }

    /// The clock presigned URLs and POST policies are signed with.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Lets the SDK's own DEBUG and TRACE events through while an operation runs.
    ///
    /// Off by default, because those events contain raw keys, presigned URLs and
    /// strings-to-sign. Turn it on only to debug the SDK, never in production.
    pub fn sdk_debug_logs(mut self, enabled: bool) -> Self {
        self.sdk_debug_logs = enabled;
        self
    }

    /// Whether GetObject, HeadObject, PutObject (of one part) and DeleteObject take the lean
    /// path (on by default): signed by stowage's SigV4 module with its cached signing key
    /// and sent over a pooled hyper client, outside the SDK's per-request pipeline. On small
    /// objects that spends about half the client CPU of an SDK request.
    ///
    /// The SDK still provides the credentials (its whole provider chain, refreshed), the
    /// region, each bucket's URL (its endpoint rules and addressing style), the retry and
    /// timeout settings, and every other operation; the lean path keeps the same timeouts,
    /// retries with the same backoff on the same answers, the CRC32 on every body sent, the
    /// check of the whole object's checksum on every body read, and errors of the same
    /// kinds. It stays off without a region or with the adaptive retry mode, for S3 Express
    /// directory buckets, and for a put whose attributes or metadata are not ASCII. Turn it
    /// off to send every request through the SDK.
    pub fn lean_requests(mut self, enabled: bool) -> Self {
        self.lean_requests = enabled;
        self
    }

    /// Whether the store enforces `If-None-Match: *` and `If-Match` on PutObject (and
    /// CopyObject): with `false`, a [`PutMode::Create`] or [`PutMode::IfMatch`] write
    /// answers [`Error::Unsupported`] before any request instead of overwriting.
    ///
    /// When unset: on for AWS (no custom endpoint URL, from the builder, `AWS_ENDPOINT_URL`,
    /// `AWS_ENDPOINT_URL_S3` or the profile), off for any custom endpoint, since some
    /// S3-compatible servers (Garage 2.5) accept the headers and overwrite anyway. Turn it
    /// on for a server whose documentation says it enforces them (moto 5.2 does).
    ///
    /// [`PutMode::Create`]: stowage_core::PutMode::Create
    /// [`PutMode::IfMatch`]: stowage_core::PutMode::IfMatch
    /// [`Error::Unsupported`]: stowage_core::Error::Unsupported
    pub fn conditional_writes(mut self, enforced: bool) -> Self {
        self.conditional_writes = Some(enforced);
        self
    }

    /// Server-side encryption of every put and copy that names none.
    pub fn default_encryption(mut self, encryption: Encryption) -> Self {
        self.default_encryption = Some(encryption);
        self
    }

    /// Storage class of every put and copy that names none (`STANDARD_IA`, ...).
    pub fn default_storage_class(mut self, storage_class: impl Into<String>) -> Self {
        self.default_storage_class = Some(storage_class.into());
        self
    }

    /// When puts and copies go in parts, the part size and how many parts are in flight.
    ///
    /// The defaults ([`TransferSettings::default`]): payloads above 16 MiB, or of unknown
    /// length, go as 16 MiB parts, 8 in flight (at most 128 MiB in memory per upload);
    /// copies go in parts only above S3's 5 GiB CopyObject limit. Invalid settings make
    /// [`build`](Self::build) fail with [`Error::InvalidArgument`].
    ///
    /// [`Error::InvalidArgument`]: stowage_core::Error::InvalidArgument
    pub fn transfer_settings(mut self, settings: TransferSettings) -> Self {
        self.transfer = settings;
        self
    }

    /// Resolves the remaining settings from the AWS default chains and builds the storage.
    pub async fn build(self) -> Result<S3Storage> {
        self.transfer.validate()?;
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(endpoint_url) = &self.endpoint_url {
            loader = loader.endpoint_url(endpoint_url.clone());
        }
        if let Some(credentials) = &self.credentials {
            loader = loader.credentials_provider(Credentials::new(
                credentials.access_key_id.clone(),
                credentials.secret_access_key.clone(),
                credentials.session_token.clone(),
                None,
                "stowage-static",
            ));
        }
        if let Some(max_attempts) = self.max_attempts {
            loader = loader.retry_config(RetryConfig::standard().with_max_attempts(max_attempts));
        }
        loader = loader.timeout_config(self.timeouts.config());
        let sdk_config = loader.load().await;
        let mut config = aws_sdk_s3::config::Builder::from(&sdk_config);
        if let Some(force_path_style) = self.force_path_style {
            config = config.force_path_style(force_path_style);
        }
        let client = aws_sdk_s3::Client::from_conf(config.build());
        let conditional_writes = self
            .conditional_writes
            .unwrap_or(!custom_endpoint(&sdk_config));
        let mut storage =
            S3Storage::from_client(client).with_conditional_writes(conditional_writes);
        if let Some(provider) = sdk_config.credentials_provider() {
            storage = storage.with_credentials_provider(provider);
        }
        if let Some(encryption) = self.default_encryption {
            storage = storage.with_default_encryption(encryption);
        }
        if let Some(storage_class) = self.default_storage_class {
            storage = storage.with_default_storage_class(storage_class);
        }
        Ok(storage
            .with_ttl_limits(self.ttl_limits)
            .with_clock(self.clock)
            .with_sdk_debug_logs(self.sdk_debug_logs)
            .with_lean_requests(self.lean_requests)
            .with_transfer_settings(self.transfer))
    }
}

impl fmt::Debug for S3StorageBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3StorageBuilder")
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url.as_ref().map(|_| "<set>"))
            .field("force_path_style", &self.force_path_style)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .field("max_attempts", &self.max_attempts)
            .field("timeouts", &self.timeouts)
            .field("ttl_limits", &self.ttl_limits)
            .field("clock", &self.clock)
            .field("sdk_debug_logs", &self.sdk_debug_logs)
            .field("lean_requests", &self.lean_requests)
            .field("conditional_writes", &self.conditional_writes)
            .field("default_encryption", &self.default_encryption)
            .field("default_storage_class", &self.default_storage_class)
            .field("transfer", &self.transfer)
            .finish()
    }
}
