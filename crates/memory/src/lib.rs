//! An in-process [`ObjectStorage`] with S3 semantics, for unit tests and local runs.
//!
//! [`MemoryStorage`] behaves like S3 where a test can tell the difference:
//!
//! - buckets must exist ([`Error::NoSuchBucket`] otherwise); create them with
//!   [`MemoryStorage::create_bucket`] or [`MemoryStorageBuilder::bucket`];
//! - keys list in UTF-8 byte order, a delimiter rolls keys up into common prefixes, and
//!   every listing is complete;
//! - ETags are the quoted MD5 hex of the body; user metadata names come back lowercased;
//! - deleting a missing key succeeds; a copy keeps Content-Type and metadata;
//! - an object put without a Content-Type gets `application/octet-stream`: the AWS SDK
//!   for Rust sends that header for every PutObject body, so it is what the S3 backend
//!   stores on every server (AWS, Garage, MinIO), and the fake answers the same. An upload
//!   form without a Content-Type field stores none, as Garage does.
//!
//! Its presigned GET URLs and POST policies are real SigV4 tokens, signed with credentials
//! unique to the store, and can be redeemed in-process with
//! [`MemoryStorage::fetch_presigned`] and [`MemoryStorage::submit_post`]: a test sees the
//! same accept/reject decisions S3 makes (size range, Content-Type, key, expiry,
//! signature), and nothing is stored on rejection. Time comes from an injectable
//! [`Clock`].
//!
//! ```
//! use bytes::Bytes;
//! use stowage_core::{ObjectStorage, PostPolicyRequest, PutOptions, S3Path};
//! use stowage_memory::MemoryStorage;
//!
//! # futures::executor::block_on(async {
//! let storage = MemoryStorage::builder().bucket("uploads").build();
//! let path = S3Path::parse("s3://uploads/avatar.png")?;
//!
//! let form = storage.presigned_post(&path, &PostPolicyRequest::new(1024).content_type("image/png")).await?;
//! let accepted = storage.submit_post(form.url(), form.fields(), Bytes::from_static(b"\x89PNG"));
//! assert!(accepted.is_ok());
//! assert_eq!(storage.head_object(&path).await?.size, 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod auth;
mod bucket;
mod post_form;
mod presign_get;
mod rejection;
mod store;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream;
use stowage_core::sigv4::SigningTime;
use stowage_core::{
    Clock, DeleteFailure, DeleteReport, Error, GetObjectOutput, ListResult, ObjectBody, ObjectMeta,
    ObjectStorage, Payload, PostPolicyParams, PostPolicyRequest, PostPolicySigner, PresignedPost,
    PresignedUrl, PutOptions, PutResult, Result, S3Path, SigningCredentials, SystemClock,
    TtlLimits,
};
use tracing::Instrument;

pub use rejection::HttpRejection;

use store::{Store, StoredObject};

/// Size of the chunks a download is streamed in.
const DOWNLOAD_CHUNK_BYTES: usize = 64 * 1024;
/// Content-Type stored by `put_object` when none is given: what the AWS SDK sends.
const DEFAULT_PUT_CONTENT_TYPE: &str = "application/octet-stream";
/// Region the fake signs for.
const REGION: &str = "us-east-1";
/// Name used in `Unsupported` errors and logs.
const BACKEND: &str = "memory";

/// An in-process object store with S3 semantics. Cheap to clone: clones share the data.
#[derive(Clone)]
pub struct MemoryStorage {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    credentials: SigningCredentials,
    ttl_limits: TtlLimits,
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
        Self::builder().build()
    }
}

/// Configures a [`MemoryStorage`]: buckets, clock, TTL ceilings.
#[derive(Debug, Default)]
pub struct MemoryStorageBuilder {
    buckets: Vec<String>,
    clock: Option<Arc<dyn Clock>>,
    ttl_limits: TtlLimits,
}

impl MemoryStorageBuilder {
    /// Creates `bucket` when the store is built.
    ///
    /// # Panics
    ///
    /// [`MemoryStorageBuilder::build`] panics if a name breaks S3's bucket naming rules;
    /// use [`MemoryStorage::create_bucket`] to handle that as an error instead.
    pub fn bucket(mut self, bucket: impl Into<String>) -> Self {
        self.buckets.push(bucket.into());
        self
    }

    /// Reads time from `clock` (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Sets the TTL ceilings for presigned URLs and POST policies.
    pub fn ttl_limits(mut self, limits: TtlLimits) -> Self {
        self.ttl_limits = limits;
        self
    }

    /// Builds the store.
    pub fn build(self) -> MemoryStorage {
        let storage = MemoryStorage {
            inner: Arc::new(Inner {
                store: Store::default(),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                credentials: auth::generate_credentials(),
                ttl_limits: self.ttl_limits,
                signer: PostPolicySigner::new(),
            }),
        };
        for bucket in self.buckets {
            if let Err(error) = storage.create_bucket(&bucket) {
                panic!("MemoryStorageBuilder::bucket: {error}");
            }
        }
        storage
    }
}

impl MemoryStorage {
    /// An empty store on the system clock, with no buckets.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder for buckets, clock and TTL ceilings.
    pub fn builder() -> MemoryStorageBuilder {
        MemoryStorageBuilder::default()
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

/// One span per operation: bucket and key hash, never the key.
fn span(op: &'static str, path: &S3Path) -> tracing::Span {
    tracing::debug_span!("stowage", backend = BACKEND, op, bucket = path.bucket(), key_hash = %path.key_hash())
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
                // A missing bucket still wins over a failed body, as before.
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
        .instrument(span("put_object", path))
        .await
    }

    async fn get_object(&self, path: &S3Path) -> Result<GetObjectOutput> {
        let _span = span("get_object", path).entered();
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
        let _span = span("head_object", path).entered();
        self.inner.store.head(path, |object| object.meta(path))
    }

    async fn object_exists(&self, path: &S3Path) -> Result<bool> {
        let _span = span("object_exists", path).entered();
        match self.inner.store.head(path, |_| ()) {
            Ok(_) => Ok(true),
            Err(Error::NotFound { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    async fn copy_object(&self, from: &S3Path, to: &S3Path) -> Result<()> {
        let _span = span("copy_object", from).entered();
        to.object_key()?;
        let mut object = self.inner.store.get(from, StoredObject::clone)?;
        object.last_modified =
            StoredObject::new(Bytes::new(), PutOptions::new(), self.inner.clock.now())
                .last_modified;
        self.inner.store.put(to, object)
    }

    async fn delete_object(&self, path: &S3Path) -> Result<()> {
        let _span = span("delete_object", path).entered();
        self.inner.store.delete(path)
    }

    async fn delete_objects(&self, paths: &[S3Path]) -> Result<DeleteReport> {
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
        let _span = span("list_objects", prefix).entered();
        self.inner.store.list(prefix, delimiter)
    }

    async fn presigned_get_url(&self, path: &S3Path, ttl: Duration) -> Result<PresignedUrl> {
        let _span = span("presigned_get_url", path).entered();
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
        let _span = span("presigned_post", path).entered();
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
