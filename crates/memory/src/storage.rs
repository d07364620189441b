//! [`MemoryStorage`]: the handle, its in-process redemption of presigned tokens, and its
//! [`ObjectStorage`] implementation.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream;
use stowage_core::sigv4::SigningTime;
use stowage_core::{
    Clock, DeleteFailure, DeleteReport, GetObjectOutput, ListResult, ObjectBody, ObjectMeta,
    ObjectStorage, Payload, PostPolicyParams, PostPolicyRequest, PostPolicySigner, PresignedPost,
    PresignedUrl, PutOptions, PutResult, Result, S3Path, SigningCredentials, SystemClock,
    TtlLimits, span,
};
use tracing::Instrument;

use crate::object::StoredObject;
use crate::rejection::HttpRejection;
use crate::store::{self, Store};
use crate::{auth, post_form, presign_get};

/// Size of the chunks a download is streamed in.
const DOWNLOAD_CHUNK_BYTES: usize = 64 * 1024;
/// Content-Type stored by `put_object` when none is given: what the AWS SDK sends.
const DEFAULT_PUT_CONTENT_TYPE: &str = "application/octet-stream";
/// Region the fake signs for.
const REGION: &str = "us-east-1";
/// Name used in spans and logs.
const BACKEND: &str = "memory";

/// An in-process object store with S3 semantics. Cheap to clone: clones share the data.
#[derive(Clone)]
pub struct MemoryStorage {
    /// The state every clone shares.
    inner: Arc<Inner>,
}

/// The state behind a [`MemoryStorage`].
struct Inner {
    /// Buckets and objects.
    store: Store,
    /// Where time comes from: signing dates, expiry checks, modification times.
    clock: Arc<dyn Clock>,
    /// The credentials this store signs and checks its tokens with.
    credentials: SigningCredentials,
    /// TTL ceilings for presigned URLs and POST policies.
    ttl_limits: TtlLimits,
    /// Signs POST policies.
    signer: PostPolicySigner,
}

impl std::fmt::Debug for MemoryStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStorage")
            .field("clock", &self.inner.clock)
            .field("ttl_limits", &self.inner.ttl_limits)
            .finish_non_exhaustive()
    }
}

impl Default for MemoryStorage {
    fn default() -> Self {
        Self::with_settings(Arc::new(SystemClock), TtlLimits::default())
    }
}

impl MemoryStorage {
    /// An empty store on the system clock, with no buckets.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store reading time from `clock`, with fresh credentials.
    pub(crate) fn with_settings(clock: Arc<dyn Clock>, ttl_limits: TtlLimits) -> Self {
        Self {
            inner: Arc::new(Inner {
                store: Store::default(),
                clock,
                credentials: auth::generate_credentials(),
                ttl_limits,
                signer: PostPolicySigner::new(),
            }),
        }
    }

    /// Creates a bucket; creating an existing one is a no-op.
    pub fn create_bucket(&self, bucket: &str) -> Result<()> {
        S3Path::bucket_root(bucket)?;
        self.inner.store.create_bucket(bucket);
        Ok(())
    }

    /// Downloads through a presigned URL this store minted, as an HTTP client would.
    ///
    /// A tampered URL, a URL from another store or an expired one is refused with the
    /// status S3 gives (403); a missing object is a 404.
    pub fn fetch_presigned(&self, url: &str) -> std::result::Result<Bytes, HttpRejection> {
        let inner = &self.inner;
        let path = presign_get::verify(url, &inner.credentials, REGION, inner.clock.now())?;
        Ok(inner.store.get(&path, |object| object.data.clone())?)
    }

    /// Submits a browser upload form (its fields, then the file) to the form's URL, as a
    /// browser would post it to S3.
    ///
    /// The form is checked exactly as S3 checks it: the signature over the policy, the
    /// expiry, every condition (exact `Content-Type`, `key`, `bucket`, the file size within
    /// `content-length-range`) and no field the policy does not cover. On success the file
    /// is stored with the form's Content-Type and `x-amz-meta-*` fields; on rejection
    /// nothing is stored.
    ///
    /// `fields` are name/value pairs in form order: a form's own
    /// [`fields`](stowage_core::PresignedPost::fields), or any altered copy of them.
    pub fn submit_post<N: AsRef<str>, V: AsRef<str>>(
        &self,
        url: &str,
        fields: &[(N, V)],
        file: Bytes,
    ) -> std::result::Result<PutResult, HttpRejection> {
        let inner = &self.inner;
        let upload = post_form::verify(
            url,
            fields,
            &file,
            &inner.credentials,
            REGION,
            inner.clock.now(),
        )?;
        let object = StoredObject::new(file, upload.options, inner.clock.now());
        let etag = object.etag();
        inner.store.put(&upload.path, object)?;
        tracing::debug!(op = "submit_post", bucket = upload.path.bucket(), key_hash = %upload.path.key_hash(), "stored upload");
        Ok(PutResult { etag: Some(etag) })
    }
}

/// The body in chunks of at most [`DOWNLOAD_CHUNK_BYTES`], sliced lazily as they are read.
fn chunked(data: Bytes) -> ObjectBody {
    if data.len() <= DOWNLOAD_CHUNK_BYTES {
        let chunk = (!data.is_empty()).then_some(Ok(data));
        return ObjectBody::new(stream::iter(chunk));
    }
    let len = data.len();
    ObjectBody::new(stream::iter((0..len).step_by(DOWNLOAD_CHUNK_BYTES).map(
        move |start| Ok(data.slice(start..len.min(start + DOWNLOAD_CHUNK_BYTES))),
    )))
}

#[async_trait]
impl ObjectStorage for MemoryStorage {
    async fn put_object(
        &self,
        path: &S3Path,
        payload: Payload,
        options: PutOptions,
    ) -> Result<PutResult> {
        async {
            path.object_key()?;
            let data = match payload.into_bytes().await {
                Ok(data) => data,
                // A missing bucket takes precedence over a failed body.
                Err(_) if !self.inner.store.bucket_exists(path.bucket()) => {
                    return Err(store::no_such_bucket(path));
                }
                Err(error) => return Err(error),
            };
            let mut object = StoredObject::new(data, options, self.inner.clock.now());
            object
                .content_type
                .get_or_insert(Cow::Borrowed(DEFAULT_PUT_CONTENT_TYPE));
            let etag = object.etag();
            // One write lock: it answers `NoSuchBucket` itself.
            self.inner.store.put(path, object)?;
            Ok(PutResult { etag: Some(etag) })
        }
        .instrument(span::operation(BACKEND, "put_object", path))
        .await
    }

    async fn get_object(&self, path: &S3Path) -> Result<GetObjectOutput> {
        let _span = span::operation(BACKEND, "get_object", path).entered();
        let (meta, data) = self
            .inner
            .store
            .get(path, |object| (object.meta(path), object.data.clone()))?;
        Ok(GetObjectOutput {
            meta,
            body: chunked(data),
        })
    }

    async fn head_object(&self, path: &S3Path) -> Result<ObjectMeta> {
        let _span = span::operation(BACKEND, "head_object", path).entered();
        self.inner.store.head(path, |object| object.meta(path))
    }

    async fn copy_object(&self, from: &S3Path, to: &S3Path) -> Result<()> {
        let _span = span::operation(BACKEND, "copy_object", from).entered();
        to.object_key()?;
        let now = self.inner.clock.now();
        let object = self.inner.store.get(from, |object| object.copied(now))?;
        self.inner.store.put(to, object)
    }

    async fn delete_object(&self, path: &S3Path) -> Result<()> {
        let _span = span::operation(BACKEND, "delete_object", path).entered();
        self.inner.store.delete(path)
    }

    async fn delete_objects(&self, paths: &[S3Path]) -> Result<DeleteReport> {
        let _span = span::batch(BACKEND, "delete_objects", paths).entered();
        for path in paths {
            path.object_key()?;
        }
        let mut report = DeleteReport::default();
        for path in paths {
            match self.inner.store.delete(path) {
                Ok(()) => report.deleted.push(path.clone()),
                Err(error) => report.failed.push(DeleteFailure {
                    path: path.clone(),
                    code: error.kind_name().to_owned(),
                    message: error.to_string(),
                }),
            }
        }
        Ok(report)
    }

    async fn list_objects<'a>(
        &self,
        prefix: &S3Path,
        delimiter: Option<&'a str>,
    ) -> Result<ListResult> {
        let _span = span::operation(BACKEND, "list_objects", prefix).entered();
        self.inner.store.list(prefix, delimiter)
    }

    async fn presigned_get_url(&self, path: &S3Path, ttl: Duration) -> Result<PresignedUrl> {
        let _span = span::operation(BACKEND, "presigned_get_url", path).entered();
        path.object_key()?;
        let ttl = self.inner.ttl_limits.get_ttl(ttl, path)?;
        let now = self.inner.clock.now();
        let signed_at = SigningTime::new(now)?;
        let url = presign_get::mint(path, ttl, &self.inner.credentials, REGION, &signed_at);
        Ok(PresignedUrl::new(url, signed_at.instant() + ttl))
    }

    async fn presigned_post(
        &self,
        path: &S3Path,
        request: &PostPolicyRequest,
    ) -> Result<PresignedPost> {
        let _span = span::operation(BACKEND, "presigned_post", path).entered();
        let ttl = self.inner.ttl_limits.post_ttl(request.ttl, path)?;
        let url = format!("{}/{}", auth::ENDPOINT, path.bucket());
        self.inner.signer.sign(&PostPolicyParams {
            url: &url,
            path,
            request,
            ttl,
            credentials: &self.inner.credentials,
            region: REGION,
            now: self.inner.clock.now(),
        })
    }
}
