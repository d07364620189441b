//! [`S3Storage`] and its [`ObjectStorage`] implementation.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::RequestChecksumCalculation;
use stowage_core::{
    Clock, DeleteReport, Error, GetObjectOutput, ListResult, ObjectBody, ObjectMeta, ObjectStorage,
    Payload, PostPolicyRequest, PresignedPost, PresignedUrl, PutOptions, PutResult, Result, S3Path,
    TtlLimits, span,
};
use tracing::Instrument;

use crate::body::{body_stream, payload_body};
use crate::builder::S3StorageBuilder;
use crate::delete::delete_objects;
use crate::errors::failure;
use crate::keys::copy_source;
use crate::logging::SdkLogs;
use crate::meta::{object_meta, object_summary};
use crate::post::presigned_post;
use crate::presign_get::presigned_get;
use crate::signing::Signing;

/// The backend name in every span.
const BACKEND: &str = "s3";

/// An [`ObjectStorage`] on Amazon S3 or an S3-compatible server, through `aws-sdk-s3`.
///
/// Cheap to share: hold it in an `Arc<dyn ObjectStorage>`. `Debug` shows no credentials.
pub struct S3Storage {
    client: Client,
    signing: Signing,
    delete_concurrency: usize,
    sdk_debug_logs: bool,
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

    /// Everything from the AWS default chains: environment, profile files, instance metadata.
    pub async fn from_env() -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::from_sdk_config(&config)
    }

    /// A client built from an `aws-config` [`SdkConfig`](aws_config::SdkConfig), whose
    /// credentials provider also signs POST policies.
    pub fn from_sdk_config(config: &aws_config::SdkConfig) -> Self {
        let storage = Self::from_client(Client::new(config));
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
    pub fn from_client(client: Client) -> Self {
        Self {
            client,
            signing: Signing::default(),
            delete_concurrency: 8,
            sdk_debug_logs: false,
        }
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
        self
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

    /// The SDK log guard for one operation.
    fn sdk_logs(&self) -> SdkLogs {
        SdkLogs::new(self.sdk_debug_logs)
    }

    /// PutObject: bytes in one request body, a stream with no request checksum.
    async fn put(&self, path: &S3Path, payload: Payload, options: PutOptions) -> Result<PutResult> {
        let key = path.object_key()?;
        let length = payload.len();
        let (body, streamed) = payload_body(payload).await?;
        let mut request = self
            .client
            .put_object()
            .bucket(path.bucket())
            .key(key)
            .body(body)
            .content_length(i64::try_from(length).map_err(|_| {
                Error::invalid_argument("the payload is too large for one PutObject")
            })?)
            .set_content_type(options.content_type);
        if !options.metadata.is_empty() {
            request = request.set_metadata(Some(options.metadata.into_iter().collect()));
        }
        let logs = self.sdk_logs();
        let sent = if streamed {
            // A stream cannot be hashed up front; the SDK's default then is an aws-chunked
            // body with a trailing checksum, which S3-compatible servers do not all accept
            // (Garage 2.5 rejects its signature). Send it with no request checksum instead.
            let checksum = aws_sdk_s3::config::Builder::default()
                .request_checksum_calculation(RequestChecksumCalculation::WhenRequired);
            logs.run(request.customize().config_override(checksum).send())
                .await
        } else {
            logs.run(request.send()).await
        };
        let output = sent.map_err(|e| failure(e, path))?;
        Ok(PutResult {
            etag: output.e_tag().map(str::to_owned),
        })
    }

    /// GetObject: metadata at once, the body as a stream read on demand.
    async fn get(&self, path: &S3Path) -> Result<GetObjectOutput> {
        let key = path.object_key()?;
        let logs = self.sdk_logs();
        let output = logs
            .run(
                self.client
                    .get_object()
                    .bucket(path.bucket())
                    .key(key)
                    .send(),
            )
            .await
            .map_err(|e| failure(e, path))?;
        let meta = object_meta(path, &output);
        Ok(GetObjectOutput {
            meta,
            body: ObjectBody::new(body_stream(output.body, logs)),
        })
    }

    /// HeadObject.
    async fn head(&self, path: &S3Path) -> Result<ObjectMeta> {
        let key = path.object_key()?;
        let output = self
            .sdk_logs()
            .run(
                self.client
                    .head_object()
                    .bucket(path.bucket())
                    .key(key)
                    .send(),
            )
            .await
            .map_err(|e| failure(e, path))?;
        Ok(object_meta(path, &output))
    }

    /// CopyObject, server-side.
    async fn copy(&self, from: &S3Path, to: &S3Path) -> Result<()> {
        let source_key = from.object_key()?;
        let key = to.object_key()?;
        let source = copy_source(from.bucket(), source_key);
        self.sdk_logs()
            .run(
                self.client
                    .copy_object()
                    .copy_source(source)
                    .bucket(to.bucket())
                    .key(key)
                    .send(),
            )
            .await
            .map_err(|e| failure(e, from))?;
        Ok(())
    }

    /// DeleteObject.
    async fn delete(&self, path: &S3Path) -> Result<()> {
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

    /// ListObjectsV2, every page.
    async fn list(&self, prefix: &S3Path, delimiter: Option<&str>) -> Result<ListResult> {
        let logs = self.sdk_logs();
        let mut request = self.client.list_objects_v2().bucket(prefix.bucket());
        if !prefix.key().is_empty() {
            request = request.prefix(prefix.key());
        }
        if let Some(delimiter) = delimiter {
            request = request.delimiter(delimiter);
        }
        let mut pages = request.into_paginator().send();
        let mut result = ListResult::default();
        let mut pages_read = 0_u32;
        while let Some(page) = logs.run(pages.next()).await {
            let page = page.map_err(|e| failure(e, prefix))?;
            pages_read += 1;
            for object in page.contents() {
                if let Some(summary) = object_summary(prefix.bucket(), object)? {
                    result.objects.push(summary);
                }
            }
            for common in page.common_prefixes() {
                if let Some(common) = common.prefix() {
                    result
                        .common_prefixes
                        .push(S3Path::new(prefix.bucket(), common)?);
                }
            }
        }
        result.common_prefixes.sort();
        result.common_prefixes.dedup();
        tracing::debug!(
            pages = pages_read,
            objects = result.objects.len(),
            common_prefixes = result.common_prefixes.len(),
            "listed"
        );
        Ok(result)
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
        async { logged(self.put(path, payload, options).await) }
            .instrument(span::operation(BACKEND, "put_object", path))
            .await
    }

    async fn get_object(&self, path: &S3Path) -> Result<GetObjectOutput> {
        async { logged(self.get(path).await) }
            .instrument(span::operation(BACKEND, "get_object", path))
            .await
    }

    async fn head_object(&self, path: &S3Path) -> Result<ObjectMeta> {
        async { logged(self.head(path).await) }
            .instrument(span::operation(BACKEND, "head_object", path))
            .await
    }

    async fn copy_object(&self, from: &S3Path, to: &S3Path) -> Result<()> {
        let span = span::operation(BACKEND, "copy_object", from);
        async {
            tracing::debug!(
                to_bucket = to.bucket(),
                to_key_hash = %to.key_hash(),
                "copying"
            );
            logged(self.copy(from, to).await)
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

    async fn list_objects<'a>(
        &self,
        prefix: &S3Path,
        delimiter: Option<&'a str>,
    ) -> Result<ListResult> {
        async { logged(self.list(prefix, delimiter).await) }
            .instrument(span::operation(BACKEND, "list_objects", prefix))
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
