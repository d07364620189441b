//! [`S3Storage`] and its [`ObjectStorage`] implementation.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_s3::Client;
use bytes::Bytes;
use stowage_core::transfer::{
    CompletedPart, PendingUpload, TransferSettings, UploadId, UploadedPart, upload,
};
use stowage_core::{
    Clock, CopyOptions, DeleteReport, Encryption, GetOptions, GetOutcome, ListOptions, ListPage,
    ListToken, ObjectMeta, ObjectStorage, PartUrlRequest, Payload, PostPolicyRequest,
    PresignedPost, PresignedUrl, PutOptions, PutResult, Result, S3Path, TtlLimits, span,
};
use tracing::Instrument;

use crate::builder::S3StorageBuilder;
use crate::client_parts;
use crate::copy::Copier;
use crate::delete::delete_objects;
use crate::endpoint::custom_endpoint;
use crate::errors::failure;
use crate::get::get_object_with;
use crate::head::head_object;
use crate::lean::{self, Lean};
use crate::list::list_page;
use crate::logging::SdkLogs;
use crate::multipart::S3Multipart;
use crate::post::presigned_post;
use crate::presign::{presigned_get, presigned_part};
use crate::signing::Signing;
use crate::uploads::{abort_multipart_upload, list_multipart_uploads};
use crate::write::WriteSettings;

/// The backend name in every span and [`stowage::Error::Unsupported`].
///
/// [`stowage::Error::Unsupported`]: stowage_core::Error::Unsupported
pub(crate) const BACKEND: &str = "s3";

/// An [`ObjectStorage`] on Amazon S3 or an S3-compatible server, through `aws-sdk-s3`.
///
/// Cheap to share: hold it in an `Arc<dyn ObjectStorage>`. `Debug` shows no credentials.
pub struct S3Storage {
    client: Client,
    /// Whether GetObject, HeadObject, PutObject and DeleteObject may take the lean path.
    lean_requests: bool,
    /// The lean path, made at the first request that may take it.
    lean: OnceLock<Option<Arc<Lean>>>,
    signing: Signing,
    delete_concurrency: usize,
    sdk_debug_logs: bool,
    writes: WriteSettings,
    transfer: TransferSettings,
}

/// Logs a failed operation (the error's `Display` names keys only by hash).
fn logged<T>(result: Result<T>) -> Result<T> {
    if let Err(error) = &result {
        tracing::debug!(kind = error.kind_name(), error = %error, "operation failed");
    }
    result
}

impl S3Storage {
    /// A builder for explicit settings (endpoint, path-style, credentials, timeouts, ...).
    pub fn builder() -> S3StorageBuilder {
        S3StorageBuilder::new()
    }

    /// Everything from the AWS default chains: environment, profile files, instance metadata,
    /// with stowage's default timeouts ([`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT),
    /// [`DEFAULT_READ_TIMEOUT`](crate::DEFAULT_READ_TIMEOUT)).
    ///
    /// Conditional writes are on unless the chains configure a custom endpoint URL
    /// (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3`, a profile's `endpoint_url`); see
    /// [`S3StorageBuilder::conditional_writes`].
    pub async fn from_env() -> Self {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .timeout_config(crate::timeouts::Timeouts::default().config())
            .load()
            .await;
        Self::from_sdk_config(&config)
    }

    /// A client built from an `aws-config` [`SdkConfig`](aws_config::SdkConfig), whose
    /// credentials provider also signs POST policies.
    ///
    /// Conditional writes are on when the config names no custom endpoint URL (AWS) and off
    /// when it does; see [`S3StorageBuilder::conditional_writes`].
    ///
    /// GetObject, HeadObject, PutObject and DeleteObject take the lean path (see
    /// [`S3StorageBuilder::lean_requests`]) unless the config names an HTTP client of its
    /// own, which only the SDK's requests would go through.
    pub fn from_sdk_config(config: &aws_config::SdkConfig) -> Self {
        let storage = Self::from_client(Client::new(config))
            .with_conditional_writes(!custom_endpoint(config))
            .with_lean_requests(config.http_client().is_none());
        match config.credentials_provider() {
            Some(provider) => storage.with_credentials_provider(provider),
            None => storage,
        }
    }

    /// Wraps an existing client, keeping its endpoint, addressing style, credentials,
    /// retries and timeouts; default TTL ceilings and the system clock.
    ///
    /// The SDK offers no way to read a client's credentials back, so POST policies need the
    /// same credentials given through [`S3Storage::with_credentials_provider`]; without them
    /// [`presigned_post`](ObjectStorage::presigned_post) is an
    /// [`Error::InvalidArgument`]. Every other operation works as is.
    ///
    /// The SDK does not say which endpoint a client talks to either, so conditional writes
    /// start off: a create-only or compare-and-swap write is [`Error::Unsupported`] until
    /// [`S3Storage::with_conditional_writes`] says the store enforces them (AWS does).
    ///
    /// Every request goes through the client, which may carry an HTTP client, interceptors
    /// or a retry classifier of its own: the lean path stays off until
    /// [`S3Storage::with_lean_requests`] turns it on.
    ///
    /// [`Error::InvalidArgument`]: stowage_core::Error::InvalidArgument
    /// [`Error::Unsupported`]: stowage_core::Error::Unsupported
    pub fn from_client(client: Client) -> Self {
        Self {
            client,
            lean_requests: false,
            lean: OnceLock::new(),
            signing: Signing::default(),
            delete_concurrency: 8,
            sdk_debug_logs: false,
            writes: WriteSettings::default(),
            transfer: TransferSettings::default(),
        }
    }

    /// Whether the store enforces `If-None-Match: *` and `If-Match` on writes; see
    /// [`S3StorageBuilder::conditional_writes`].
    #[must_use]
    pub fn with_conditional_writes(mut self, enforced: bool) -> Self {
        self.writes.conditional_writes = enforced;
        self
    }

    /// Encryption of every put and copy that names none.
    #[must_use]
    pub fn with_default_encryption(mut self, encryption: Encryption) -> Self {
        self.writes.encryption = Some(encryption);
        self
    }

    /// Storage class of every put and copy that names none.
    #[must_use]
    pub fn with_default_storage_class(mut self, storage_class: impl Into<String>) -> Self {
        self.writes.storage_class = Some(storage_class.into());
        self
    }

    /// When puts and copies go in parts, how large the parts are and how many are in
    /// flight; see [`S3StorageBuilder::transfer_settings`].
    #[must_use]
    pub fn with_transfer_settings(mut self, settings: TransferSettings) -> Self {
        self.transfer = settings;
        self
    }

    /// The transfer settings in force.
    pub fn transfer_settings(&self) -> &TransferSettings {
        &self.transfer
    }

    /// Replaces the TTL ceilings.
    #[must_use]
    pub fn with_ttl_limits(mut self, limits: TtlLimits) -> Self {
        self.signing.set_ttl_limits(limits);
        self
    }

    /// Replaces the clock presigned URLs and policies are signed with.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.signing.set_clock(clock);
        self
    }

    /// The credentials presigned GET URLs and POST policies are signed with (use the
    /// client's own provider).
    #[must_use]
    pub fn with_credentials_provider(
        mut self,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        self.signing.set_credentials_provider(provider);
        self.lean = OnceLock::new();
        self
    }

    /// Whether GetObject, HeadObject, PutObject and DeleteObject take the lean path; see
    /// [`S3StorageBuilder::lean_requests`].
    #[must_use]
    pub fn with_lean_requests(mut self, enabled: bool) -> Self {
        self.lean_requests = enabled;
        self.lean = OnceLock::new();
        self
    }

    /// True when GetObject, HeadObject, PutObject and DeleteObject take the lean path: it
    /// is on, and the storage has what it needs (a credentials provider, a region, the
    /// standard retry mode).
    pub fn lean_requests(&self) -> bool {
        self.lean().is_some()
    }

    /// How many DeleteObjects requests a batch delete keeps in flight (default 8).
    #[must_use]
    pub fn with_delete_concurrency(mut self, requests: usize) -> Self {
        self.delete_concurrency = requests.max(1);
        self
    }

    /// See [`S3StorageBuilder::sdk_debug_logs`].
    #[must_use]
    pub fn with_sdk_debug_logs(mut self, enabled: bool) -> Self {
        self.sdk_debug_logs = enabled;
        self
    }

    /// The underlying SDK client, for operations the trait does not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The TTL ceilings in force.
    pub fn ttl_limits(&self) -> TtlLimits {
        self.signing.ttl_limits()
    }

    /// True when create-only and compare-and-swap writes are sent to the store, false when
    /// they answer [`Unsupported`](stowage_core::Error::Unsupported).
    pub fn conditional_writes(&self) -> bool {
        self.writes.conditional_writes
    }

    /// The SDK log guard for one operation.
    fn sdk_logs(&self) -> SdkLogs {
        SdkLogs::new(self.sdk_debug_logs)
    }

    /// The lean path, when it is on and can serve this storage.
    fn lean(&self) -> Option<&Arc<Lean>> {
        if !self.lean_requests {
            return None;
        }
        self.lean
            .get_or_init(|| Lean::new(&self.client, &self.signing).map(Arc::new))
            .as_ref()
    }

    /// The lean path for a request on `path`, when it takes it.
    fn lean_for(&self, path: &S3Path) -> Option<&Lean> {
        self.lean()
            .filter(|_| Lean::serves(path.bucket()))
            .map(AsRef::as_ref)
    }

    /// The multipart requests of one operation.
    fn multipart(&self, logs: SdkLogs) -> S3Multipart {
        S3Multipart::new(
            self.client.clone(),
            self.lean().cloned(),
            logs,
            self.writes.clone(),
        )
    }

    /// GetObject, on the lean path when it takes it.
    async fn get(&self, path: &S3Path, options: &GetOptions) -> Result<GetOutcome> {
        let logs = self.sdk_logs();
        match self.lean_for(path) {
            Some(lean) => lean::get_object_with(lean, &logs, path, options).await,
            None => get_object_with(&self.client, logs, path, options).await,
        }
    }

    /// HeadObject, on the lean path when it takes it.
    async fn head(&self, path: &S3Path) -> Result<ObjectMeta> {
        let logs = self.sdk_logs();
        match self.lean_for(path) {
            Some(lean) => lean::head_object(lean, &logs, path).await,
            None => head_object(&self.client, &logs, path).await,
        }
    }

    /// DeleteObject, on the lean path when it takes it.
    async fn delete(&self, path: &S3Path) -> Result<()> {
        if let Some(lean) = self.lean_for(path) {
            return lean::delete_object(lean, &self.sdk_logs(), path).await;
        }
        let key = path.object_key()?;
        self.sdk_logs()
            .run(
                self.client
                    .delete_object()
                    .bucket(path.bucket())
                    .key(key)
                    .send(),
            )
            .await
            .map_err(|e| failure(e, path))?;
        Ok(())
    }

    /// DeleteObjects in batches; see [`delete_objects`].
    async fn delete_many(&self, paths: &[S3Path]) -> Result<DeleteReport> {
        let logs = self.sdk_logs();
        delete_objects(&self.client, &logs, self.delete_concurrency, paths).await
    }

    /// A presigned GET URL; see [`presigned_get`].
    async fn presign_get(&self, path: &S3Path, ttl: Duration) -> Result<PresignedUrl> {
        let logs = self.sdk_logs();
        presigned_get(&self.client, &self.signing, &logs, path, ttl).await
    }

    /// A browser upload policy; see [`presigned_post`].
    async fn presign_post(
        &self,
        path: &S3Path,
        request: &PostPolicyRequest,
    ) -> Result<PresignedPost> {
        let logs = self.sdk_logs();
        presigned_post(&self.client, &self.signing, &logs, path, request).await
    }
}

impl fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Storage")
            .field(
                "region",
                &self.client.config().region().map(|r| r.as_ref().to_owned()),
            )
            .field("credentials", &"<redacted>")
            .field("ttl_limits", &self.signing.ttl_limits())
            .field("clock", self.signing.clock())
            .field("delete_concurrency", &self.delete_concurrency)
            .field("sdk_debug_logs", &self.sdk_debug_logs)
            .field("lean_requests", &self.lean_requests)
            .field("conditional_writes", &self.writes.conditional_writes)
            .field("default_encryption", &self.writes.encryption)
            .field("default_storage_class", &self.writes.storage_class)
            .field("transfer", &self.transfer)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl ObjectStorage for S3Storage {
    async fn put_object(
        &self,
        path: &S3Path,
        payload: Payload,
        options: PutOptions,
    ) -> Result<PutResult> {
        async {
            let store = self.multipart(self.sdk_logs());
            logged(upload(&store, path, payload, options, &self.transfer).await)
        }
        .instrument(span::operation(BACKEND, "put_object", path))
        .await
    }

    async fn get_object_with(&self, path: &S3Path, options: &GetOptions) -> Result<GetOutcome> {
        async { logged(self.get(path, options).await) }
            .instrument(span::operation(BACKEND, "get_object_with", path))
            .await
    }

    async fn head_object(&self, path: &S3Path) -> Result<ObjectMeta> {
        async { logged(self.head(path).await) }
            .instrument(span::operation(BACKEND, "head_object", path))
            .await
    }

    async fn copy_object_with(
        &self,
        from: &S3Path,
        to: &S3Path,
        options: &CopyOptions,
    ) -> Result<()> {
        let span = span::operation(BACKEND, "copy_object_with", from);
        async {
            tracing::debug!(
                to_bucket = to.bucket(),
                to_key_hash = %to.key_hash(),
                "copying"
            );
            let logs = self.sdk_logs();
            let copier = Copier {
                client: &self.client,
                logs: &logs,
                writes: &self.writes,
                transfer: &self.transfer,
            };
            logged(copier.copy(from, to, options).await)
        }
        .instrument(span)
        .await
    }

    async fn delete_object(&self, path: &S3Path) -> Result<()> {
        async { logged(self.delete(path).await) }
            .instrument(span::operation(BACKEND, "delete_object", path))
            .await
    }

    async fn delete_objects(&self, paths: &[S3Path]) -> Result<DeleteReport> {
        async { logged(self.delete_many(paths).await) }
            .instrument(span::batch(BACKEND, "delete_objects", paths))
            .await
    }

    async fn list_page<'a>(
        &self,
        prefix: &S3Path,
        options: &ListOptions,
        token: Option<&'a ListToken>,
    ) -> Result<ListPage> {
        async {
            let logs = self.sdk_logs();
            logged(list_page(&self.client, &logs, prefix, options, token).await)
        }
        .instrument(span::operation(BACKEND, "list_page", prefix))
        .await
    }

    async fn list_multipart_uploads(&self, prefix: &S3Path) -> Result<Vec<PendingUpload>> {
        async {
            let logs = self.sdk_logs();
            logged(list_multipart_uploads(&self.client, &logs, prefix).await)
        }
        .instrument(span::operation(BACKEND, "list_multipart_uploads", prefix))
        .await
    }

    async fn abort_multipart_upload(&self, path: &S3Path, id: &UploadId) -> Result<()> {
        async {
            let logs = self.sdk_logs();
            logged(abort_multipart_upload(&self.client, &logs, path, id).await)
        }
        .instrument(span::operation(BACKEND, "abort_multipart_upload", path))
        .await
    }

    /// CreateMultipartUpload without a checksum algorithm: a browser's part PUT carries
    /// none.
    async fn create_multipart_upload(
        &self,
        path: &S3Path,
        options: &PutOptions,
    ) -> Result<UploadId> {
        async {
            let logs = self.sdk_logs();
            logged(client_parts::create(&self.client, &logs, &self.writes, path, options).await)
        }
        .instrument(span::operation(BACKEND, "create_multipart_upload", path))
        .await
    }

    /// Minted by core's SigV4 module when the storage has a credentials provider (the
    /// parameters and encoding of the SDK presigner's URL), else by the SDK presigner.
    async fn presigned_upload_part(
        &self,
        path: &S3Path,
        upload: &UploadId,
        request: &PartUrlRequest,
    ) -> Result<PresignedUrl> {
        async {
            let logs = self.sdk_logs();
            logged(presigned_part(&self.client, &self.signing, &logs, path, upload, request).await)
        }
        .instrument(span::operation(BACKEND, "presigned_upload_part", path))
        .await
    }

    async fn upload_part(
        &self,
        path: &S3Path,
        upload: &UploadId,
        number: u32,
        body: Bytes,
    ) -> Result<CompletedPart> {
        async {
            let logs = self.sdk_logs();
            logged(client_parts::upload(&self.client, &logs, path, upload, number, body).await)
        }
        .instrument(span::operation(BACKEND, "upload_part", path))
        .await
    }

    async fn list_parts(&self, path: &S3Path, upload: &UploadId) -> Result<Vec<UploadedPart>> {
        async {
            let logs = self.sdk_logs();
            logged(client_parts::list(&self.client, &logs, path, upload).await)
        }
        .instrument(span::operation(BACKEND, "list_parts", path))
        .await
    }

    async fn complete_multipart_upload(
        &self,
        path: &S3Path,
        upload: &UploadId,
        parts: Vec<CompletedPart>,
        object_size: Option<u64>,
    ) -> Result<PutResult> {
        async {
            let logs = self.sdk_logs();
            logged(
                client_parts::complete(&self.client, &logs, path, upload, parts, object_size).await,
            )
        }
        .instrument(span::operation(BACKEND, "complete_multipart_upload", path))
        .await
    }

    async fn presigned_get_url(&self, path: &S3Path, ttl: Duration) -> Result<PresignedUrl> {
        async { logged(self.presign_get(path, ttl).await) }
            .instrument(span::operation(BACKEND, "presigned_get_url", path))
            .await
    }

    async fn presigned_post(
        &self,
        path: &S3Path,
        request: &PostPolicyRequest,
    ) -> Result<PresignedPost> {
        async { logged(self.presign_post(path, request).await) }
            .instrument(span::operation(BACKEND, "presigned_post", path))
            .await
    }
}
