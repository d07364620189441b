//! [`S3Storage`] and its [`ObjectStorage`] implementation.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::{ByteStream as SdkByteStream, DateTime};
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use futures::stream::{self, StreamExt};
use http_body::{Body, Frame, SizeHint};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use stowage_core::{
    ByteStream, Clock, DeleteReport, Error, GetObjectOutput, ListResult, ObjectBody, ObjectMeta,
    ObjectStorage, ObjectSummary, Payload, PostPolicyRequest, PostPolicySigner, PresignedPost,
    PresignedUrl, PutOptions, PutResult, Result, S3Path, SystemClock, TtlLimits,
};
use tracing::Instrument;

use crate::builder::S3StorageBuilder;
use crate::errors::failure;
use crate::logging::SdkLogs;
use crate::post::{CredentialsCache, PostUrls};
use crate::presign_get::presigned_get;

/// An [`ObjectStorage`] on Amazon S3 or an S3-compatible server, through `aws-sdk-s3`.
///
/// Cheap to share: hold it in an `Arc<dyn ObjectStorage>`. `Debug` shows no credentials.
pub struct S3Storage {
    client: Client,
    pub(crate) signer: PostPolicySigner,
    pub(crate) ttl_limits: TtlLimits,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) post_urls: PostUrls,
    pub(crate) delete_concurrency: usize,
    pub(crate) credentials: Option<SharedCredentialsProvider>,
    pub(crate) credentials_cache: CredentialsCache,
    sdk_debug_logs: bool,
}

/// Characters percent-encoded in a `CopySource`: everything but unreserved ones and `/`.
const COPY_SOURCE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// The key percent-encoded as in a URL path (`/` kept).
pub(crate) fn encode_key(key: &str) -> String {
    utf8_percent_encode(key, COPY_SOURCE).to_string()
}

/// One span per operation: `op`, `bucket`, `key_hash`; never the key.
pub(crate) fn op_span(op: &'static str, path: &S3Path) -> tracing::Span {
    tracing::debug_span!(
        "stowage_s3",
        op,
        bucket = path.bucket(),
        key_hash = %path.key_hash()
    )
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
            signer: PostPolicySigner::new(),
            ttl_limits: TtlLimits::default(),
            clock: Arc::new(SystemClock),
            post_urls: PostUrls::default(),
            delete_concurrency: 8,
            credentials: None,
            credentials_cache: CredentialsCache::default(),
            sdk_debug_logs: false,
        }
    }

    /// Replaces the TTL ceilings.
    #[must_use]
    pub fn with_ttl_limits(mut self, limits: TtlLimits) -> Self {
        self.ttl_limits = limits;
        self
    }

    /// Replaces the clock presigned URLs and policies are signed with.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The credentials POST policies are signed with (use the client's own provider).
    #[must_use]
    pub fn with_credentials_provider(
        mut self,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        self.credentials = Some(SharedCredentialsProvider::new(provider));
        self.credentials_cache = CredentialsCache::default();
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
        self.ttl_limits
    }

    pub(crate) fn sdk_logs(&self) -> SdkLogs {
        SdkLogs::new(self.sdk_debug_logs)
    }

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
        let meta = ObjectMeta {
            path: path.clone(),
            size: non_negative(output.content_length()),
            etag: output.e_tag().map(str::to_owned),
            last_modified: system_time(output.last_modified()),
            content_type: output.content_type().map(str::to_owned),
            metadata: metadata(output.metadata()),
        };
        Ok(GetObjectOutput {
            meta,
            body: ObjectBody::new(body_stream(output.body, logs)),
        })
    }

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
        Ok(ObjectMeta {
            path: path.clone(),
            size: non_negative(output.content_length()),
            etag: output.e_tag().map(str::to_owned),
            last_modified: system_time(output.last_modified()),
            content_type: output.content_type().map(str::to_owned),
            metadata: metadata(output.metadata()),
        })
    }

    async fn copy(&self, from: &S3Path, to: &S3Path) -> Result<()> {
        let source_key = from.object_key()?;
        let key = to.object_key()?;
        let source = format!("{}/{}", from.bucket(), encode_key(source_key));
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
                let Some(key) = object.key() else { continue };
                result.objects.push(ObjectSummary {
                    path: S3Path::new(prefix.bucket(), key)?,
                    size: non_negative(object.size()),
                    etag: object.e_tag().map(str::to_owned),
                    last_modified: system_time(object.last_modified()),
                });
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

    async fn presign_get(&self, path: &S3Path, ttl: Duration) -> Result<PresignedUrl> {
        let key = path.object_key()?;
        let ttl = self.ttl_limits.get_ttl(ttl, path)?;
        let now = self.clock.now();
        if self.credentials.is_some() {
            return presigned_get(self, path, key, ttl, now).await;
        }
        // Without a credentials provider (`from_client` alone) the SDK signs with the
        // client's own credentials.
        let config = PresigningConfig::builder()
            .start_time(now)
            .expires_in(ttl)
            .build()
            .map_err(|_| Error::invalid_argument("the presigned URL TTL is out of range"))?;
        let request = self
            .sdk_logs()
            .run(
                self.client
                    .get_object()
                    .bucket(path.bucket())
                    .key(key)
                    .presigned(config),
            )
            .await
            .map_err(|e| failure(e, path))?;
        Ok(PresignedUrl::new(request.uri().to_owned(), now + ttl))
    }
}

fn non_negative(value: Option<i64>) -> u64 {
    value.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

fn system_time(value: Option<&DateTime>) -> Option<SystemTime> {
    value.and_then(|t| SystemTime::try_from(*t).ok())
}

fn metadata(value: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    value
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The SDK body as core's chunk stream: chunk by chunk, never collected.
fn body_stream(body: SdkByteStream, logs: SdkLogs) -> impl futures::Stream<Item = Result<Bytes>> {
    stream::unfold(Some((body, logs)), |state| async move {
        let (mut body, logs) = state?;
        match logs.run(body.next()).await {
            Some(Ok(chunk)) => Some((Ok(chunk), Some((body, logs)))),
            Some(Err(error)) => Some((
                Err(Error::Io {
                    message: format!("reading the object body failed: {error}"),
                }),
                None,
            )),
            None => None,
        }
    })
}

/// The upload body: in-memory bytes stay retryable; a stream becomes a body of known length.
async fn payload_body(payload: Payload) -> Result<(SdkByteStream, bool)> {
    let length = payload.len();
    let mut chunks = payload.into_stream();
    let first = match chunks.next().await {
        Some(first) => first?,
        None => Bytes::new(),
    };
    if first.len() as u64 == length {
        // Everything is already in memory (always the case for a `Bytes` payload):
        // confirm the stream is done, so a stream yielding too much still fails.
        if let Some(extra) = chunks.next().await {
            extra?;
            return Err(Error::Io {
                message: format!("payload declared {length} bytes but yielded more"),
            });
        }
        return Ok((SdkByteStream::from(first), false));
    }
    let rest: ByteStream = stream::once(async move { Ok(first) }).chain(chunks).boxed();
    let body = LengthBody {
        stream: Mutex::new(rest),
        remaining: length,
    };
    Ok((SdkByteStream::new(SdkBody::from_body_1_x(body)), true))
}

/// An `http_body` over a chunk stream whose total length is known.
struct LengthBody {
    // A Mutex only to make the body `Sync`, as the SDK requires; never contended.
    stream: Mutex<ByteStream>,
    remaining: u64,
}

impl Body for LengthBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = self.get_mut();
        let stream = this
            .stream
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match stream.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.remaining = this.remaining.saturating_sub(chunk.len() as u64);
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
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
            .field("ttl_limits", &self.ttl_limits)
            .field("clock", &self.clock)
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
            .instrument(op_span("put_object", path))
            .await
    }

    async fn get_object(&self, path: &S3Path) -> Result<GetObjectOutput> {
        async { logged(self.get(path).await) }
            .instrument(op_span("get_object", path))
            .await
    }

    async fn head_object(&self, path: &S3Path) -> Result<ObjectMeta> {
        async { logged(self.head(path).await) }
            .instrument(op_span("head_object", path))
            .await
    }

    async fn object_exists(&self, path: &S3Path) -> Result<bool> {
        async {
            match self.head(path).await {
                Ok(_) => Ok(true),
                Err(Error::NotFound { .. }) => Ok(false),
                Err(error) => logged(Err(error)),
            }
        }
        .instrument(op_span("object_exists", path))
        .await
    }

    async fn copy_object(&self, from: &S3Path, to: &S3Path) -> Result<()> {
        let span = op_span("copy_object", from);
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
            .instrument(op_span("delete_object", path))
            .await
    }

    async fn delete_objects(&self, paths: &[S3Path]) -> Result<DeleteReport> {
        let span = tracing::debug_span!("stowage_s3", op = "delete_objects", paths = paths.len());
        async { logged(crate::delete::delete_objects(self, paths).await) }
            .instrument(span)
            .await
    }

    async fn list_objects<'a>(
        &self,
        prefix: &S3Path,
        delimiter: Option<&'a str>,
    ) -> Result<ListResult> {
        async { logged(self.list(prefix, delimiter).await) }
            .instrument(op_span("list_objects", prefix))
            .await
    }

    async fn presigned_get_url(&self, path: &S3Path, ttl: Duration) -> Result<PresignedUrl> {
        async { logged(self.presign_get(path, ttl).await) }
            .instrument(op_span("presigned_get_url", path))
            .await
    }

    async fn presigned_post(
        &self,
        path: &S3Path,
        request: &PostPolicyRequest,
    ) -> Result<PresignedPost> {
        async { logged(crate::post::presigned_post(self, path, request).await) }
            .instrument(op_span("presigned_post", path))
            .await
    }
}
