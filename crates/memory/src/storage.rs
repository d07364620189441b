//! [`MemoryStorage`]: the handle, its in-process redemption of presigned tokens, and its
//! [`ObjectStorage`] implementation.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use stowage_core::sigv4::{SigningTime, Verifier};
use stowage_core::transfer::{
    CompletedPart, MultipartStore, PendingUpload, TransferSettings, UploadId, UploadedPart,
    check_part, check_upload_mode, copy_in_parts, upload,
};
use stowage_core::{
    Clock, CopyOptions, DeleteFailure, DeleteReport, Error, GetOptions, GetOutcome, ListOptions,
    ListPage, ListResult, ListToken, ObjectMeta, ObjectStorage, PartUrlRequest, Payload,
    PostPolicyParams, PostPolicyRequest, PostPolicySigner, PresignedPost, PresignedUrl, PutMode,
    PutOptions, PutResult, Result, S3Path, SigningCredentials, SystemClock, TtlLimits, span,
};
use tracing::Instrument;

use crate::errors;
use crate::errors::HttpRejection;
use crate::limits::Limits;
use crate::list_page::Listing;
use crate::object::StoredObject;
use crate::presign_part::PartUrl;
use crate::store::Store;
use crate::uploads::Uploads;
use crate::{auth, list_token, post_form, presign_get, presign_part, read};
/// Region the fake signs for.
const REGION: &str = "us-east-1";
/// Name used in spans, logs and `Unsupported` errors.
pub(crate) const BACKEND: &str = "memory";

/// An in-process object store with S3 semantics. Cheap to clone: clones share the data.
///
/// See the [crate documentation](crate) for the S3 rules it follows. Encryption and storage
/// class options are accepted and not stored: there is nothing to encrypt at rest in a
/// process, and only one class of storage.
#[derive(Clone)]
pub struct MemoryStorage {
    /// The state every clone shares.
    pub(crate) inner: Arc<Inner>,
}

/// The state behind a [`MemoryStorage`].
pub(crate) struct Inner {
    /// Buckets and objects.
    pub(crate) store: Store,
    /// Multipart uploads started and neither completed nor aborted.
    pub(crate) uploads: Uploads,
    /// S3's size rules for one request and for parts.
    pub(crate) limits: Limits,
    /// When puts and copies go in parts, and how.
    transfer: TransferSettings,
    /// Where time comes from: signing dates, expiry checks, modification times.
    pub(crate) clock: Arc<dyn Clock>,
    /// The credentials this store signs and checks its tokens with.
    credentials: SigningCredentials,
    /// TTL ceilings for presigned URLs and POST policies.
    ttl_limits: TtlLimits,
    /// Signs POST policies.
    signer: PostPolicySigner,
    /// Base URL of minted URLs and forms: a placeholder host, or the HTTP server's address.
    endpoint: RwLock<Arc<str>>,
}

impl Inner {
    /// The credentials this store signs and checks with.
    pub(crate) fn credentials(&self) -> &SigningCredentials {
        &self.credentials
    }

    /// Checks signatures with this store's credentials, region and clock.
    pub(crate) fn verifier(&self) -> Verifier<'_> {
        Verifier {
            credentials: &self.credentials,
            region: REGION,
            now: self.clock.now(),
            keys: self.signer.signing_keys(),
        }
    }
}

impl std::fmt::Debug for MemoryStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStorage")
            .field("clock", &self.inner.clock)
            .field("ttl_limits", &self.inner.ttl_limits)
            .field("transfer", &self.inner.transfer)
            .field("limits", &self.inner.limits)
            .finish_non_exhaustive()
    }
}

impl Default for MemoryStorage {
    fn default() -> Self {
        Self::with_settings(Settings {
            clock: Arc::new(SystemClock),
            ttl_limits: TtlLimits::default(),
            credentials: auth::generate_credentials(),
            transfer: TransferSettings::default(),
            limits: Limits::default(),
        })
    }
}

/// Everything a new store is configured with.
pub(crate) struct Settings {
    /// Where time comes from.
    pub(crate) clock: Arc<dyn Clock>,
    /// TTL ceilings for presigned URLs and POST policies.
    pub(crate) ttl_limits: TtlLimits,
    /// The credentials tokens are signed and checked with.
    pub(crate) credentials: SigningCredentials,
    /// When puts and copies go in parts, and how.
    pub(crate) transfer: TransferSettings,
    /// S3's size rules for one request and for parts.
    pub(crate) limits: Limits,
}

impl MemoryStorage {
    /// An empty store on the system clock, with no buckets.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store configured by `settings`.
    pub(crate) fn with_settings(settings: Settings) -> Self {
        let Settings {
            clock,
            ttl_limits,
            credentials,
            transfer,
            limits,
        } = settings;
        Self {
            inner: Arc::new(Inner {
                store: Store::default(),
                uploads: Uploads::default(),
                limits,
                transfer,
                clock,
                credentials,
                ttl_limits,
                signer: PostPolicySigner::new(),
                endpoint: RwLock::new(Arc::from(auth::ENDPOINT)),
            }),
        }
    }

    /// Creates a bucket; creating an existing one is a no-op.
    pub fn create_bucket(&self, bucket: &str) -> Result<()> {
        S3Path::bucket_root(bucket)?;
        self.inner
            .store
            .create_bucket(bucket, self.inner.clock.now());
        Ok(())
    }

    /// The key pair this store signs its URLs and forms with and checks signatures against:
    /// the one given to [`MemoryStorageBuilder::credentials`](crate::MemoryStorageBuilder::credentials),
    /// or a random one. Clients of [`HttpServer`](crate::HttpServer) sign with it.
    pub fn credentials(&self) -> &SigningCredentials {
        self.inner.credentials()
    }

    /// Every bucket's name and creation time, in name order (ListBuckets).
    pub fn buckets(&self) -> Vec<(String, Option<std::time::SystemTime>)> {
        self.inner.store.buckets()
    }

    /// Deletes an empty bucket (DeleteBucket): a missing one is [`Error::NoSuchBucket`], one
    /// that holds objects is S3's `BucketNotEmpty` ([`Error::Service`], 409).
    pub fn delete_bucket(&self, bucket: &str) -> Result<()> {
        self.inner.store.delete_bucket(bucket)
    }

    /// The base URL of the URLs and forms this store mints: `http://stowage-memory.invalid`
    /// (never resolvable), or the address of the HTTP server serving the store.
    pub fn endpoint(&self) -> Arc<str> {
        Arc::clone(
            &self
                .inner
                .endpoint
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Mints URLs and forms under `endpoint` from now on; earlier ones stop verifying.
    #[cfg(feature = "http")]
    pub(crate) fn set_endpoint(&self, endpoint: &str) {
        *self
            .inner
            .endpoint
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::from(endpoint);
    }

    /// Checks an upload form's fields before its file is read: everything but the size.
    /// Returns the largest file the policy allows, if it limits the size.
    #[cfg(feature = "http")]
    pub(crate) fn check_post_fields<N: AsRef<str>, V: AsRef<str>>(
        &self,
        url: &str,
        fields: &[(N, V)],
    ) -> std::result::Result<Option<u64>, HttpRejection> {
        let inner = &self.inner;
        let upload = post_form::verify(&self.endpoint(), url, fields, None, &inner.verifier())?;
        Ok(upload.max_size)
    }

    /// Downloads through a presigned URL this store minted, as an HTTP client would.
    ///
    /// A tampered URL, a URL from another store or an expired one is refused with the
    /// status S3 gives (403); a missing object is a 404.
    pub fn fetch_presigned(&self, url: &str) -> std::result::Result<Bytes, HttpRejection> {
        let path = self.verify_presigned_get(url)?;
        Ok(self.inner.store.get(&path, |object| object.data.clone())?)
    }

    /// The object a presigned GET URL of this store grants, once its signature, credential
    /// and expiry are checked.
    pub(crate) fn verify_presigned_get(
        &self,
        url: &str,
    ) -> std::result::Result<S3Path, HttpRejection> {
        presign_get::verify(&self.endpoint(), url, &self.inner.verifier())
    }

    /// Uploads `body` as the part a presigned UploadPart URL
    /// ([`ObjectStorage::presigned_upload_part`]) grants, as a client would PUT it to S3,
    /// and returns the part's ETag.
    ///
    /// The URL is checked as S3 checks it: signature, credential, expiry, and the body's
    /// length against the signed `content-length` (a body of another length is
    /// `403 SignatureDoesNotMatch`); then the part goes to the upload as UploadPart takes it
    /// (`NoSuchUpload` once the upload is completed or aborted). Nothing is stored on a
    /// refusal.
    ///
    /// ```
    /// use stowage::{ObjectStorage, PartUrlRequest, PutOptions, S3Path};
    /// use stowage::memory::MemoryStorage;
    ///
    /// # futures::executor::block_on(async {
    /// let storage = MemoryStorage::builder().bucket("uploads").build();
    /// let path = S3Path::new("uploads", "weights.bin")?;
    /// let upload = storage.create_multipart_upload(&path, &PutOptions::new()).await?;
    /// let url = storage
    ///     .presigned_upload_part(&path, &upload, &PartUrlRequest::new(1, 5))
    ///     .await?;
    /// assert!(storage.put_presigned_part(url.as_str(), "too long").is_err());
    /// let etag = storage.put_presigned_part(url.as_str(), "exact").unwrap();
    /// assert_eq!(storage.list_parts(&path, &upload).await?[0].etag, etag);
    /// # Ok::<(), stowage::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn put_presigned_part(
        &self,
        url: &str,
        body: impl Into<Bytes>,
    ) -> std::result::Result<String, HttpRejection> {
        let body = body.into();
        let part = self.check_presigned_part(url, body.len() as u64)?;
        self.store_granted_part(&part, body)
    }

    /// Stores `body` as the part `part` names, which a part URL granted for exactly its
    /// length, as UploadPart takes it.
    pub(crate) fn store_granted_part(
        &self,
        part: &presign_part::GrantedPart,
        body: Bytes,
    ) -> std::result::Result<String, HttpRejection> {
        let _span = span::operation(BACKEND, "put_presigned_part", &part.path).entered();
        let inner = &self.inner;
        crate::limits::check_part_number(part.number, &part.path)?;
        inner.limits.check_upload(body.len() as u64, &part.path)?;
        let stored = inner
            .uploads
            .add_part(&part.path, &part.upload, part.number, body)?;
        Ok(stored.etag)
    }

    /// What a part URL grants a body of `content_length` bytes, or why it is refused.
    pub(crate) fn check_presigned_part(
        &self,
        url: &str,
        content_length: u64,
    ) -> std::result::Result<presign_part::GrantedPart, HttpRejection> {
        presign_part::verify(
            &self.endpoint(),
            url,
            content_length,
            &self.inner.verifier(),
        )
    }

    /// Redeems a form as it was handed out (or read back from its JSON), with `file` as the
    /// file part: [`submit_post`](Self::submit_post) with the form's own URL and fields.
    ///
    /// ```
    /// use stowage::{ObjectStorage, PostPolicyRequest, S3Path};
    /// use stowage::memory::MemoryStorage;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let storage = MemoryStorage::builder().bucket("uploads").build();
    /// let path = S3Path::parse("s3://uploads/users/alice/scan.dcm")?;
    /// let form = storage.presigned_post(&path, &PostPolicyRequest::new(1024)).await?;
    /// storage.redeem_post(&form, "dicom bytes")?;
    /// let too_big = storage.redeem_post(&form, vec![0u8; 1024 + 16384 + 1]).unwrap_err();
    /// assert_eq!(too_big.status, 400);
    /// # Ok(())
    /// # }
    /// ```
    pub fn redeem_post(
        &self,
        form: &PresignedPost,
        file: impl Into<Bytes>,
    ) -> std::result::Result<PutResult, HttpRejection> {
        self.submit_post(form.url(), form.fields(), file.into())
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
    /// [`fields`](PresignedPost::fields), or any altered copy of them.
    pub fn submit_post<N: AsRef<str>, V: AsRef<str>>(
        &self,
        url: &str,
        fields: &[(N, V)],
        file: Bytes,
    ) -> std::result::Result<PutResult, HttpRejection> {
        let inner = &self.inner;
        let upload = post_form::verify(
            &self.endpoint(),
            url,
            fields,
            Some(file.len() as u64),
            &inner.verifier(),
        )?;
        let object = StoredObject::new(file, upload.options, inner.clock.now());
        let etag = object.etag();
        inner
            .store
            .put(&upload.path, object, &PutMode::Overwrite, "submit_post")?;
        tracing::debug!(op = "submit_post", bucket = upload.path.bucket(), key_hash = %upload.path.key_hash(), "stored upload");
        Ok(PutResult { etag: Some(etag) })
    }
}

#[async_trait]
impl ObjectStorage for MemoryStorage {
    /// Up to the transfer settings' multipart threshold one PutObject, above it (or for a
    /// payload of unknown length that turns out larger) a multipart upload, both under
    /// S3's size rules ([`MultipartStore`]).
    async fn put_object(
        &self,
        path: &S3Path,
        payload: Payload,
        options: PutOptions,
    ) -> Result<PutResult> {
        async {
            options.mode.validate()?;
            path.object_key()?;
            match upload(self, path, payload, options, &self.inner.transfer).await {
                // A missing bucket takes precedence over a failed body.
                Err(Error::Io { .. }) if !self.inner.store.bucket_exists(path.bucket()) => {
                    Err(errors::no_such_bucket(path))
                }
                stored => stored,
            }
        }
        .instrument(span::operation(BACKEND, "put_object", path))
        .await
    }

    async fn get_object_with(&self, path: &S3Path, options: &GetOptions) -> Result<GetOutcome> {
        let _span = span::operation(BACKEND, "get_object_with", path).entered();
        options.validate()?;
        self.inner
            .store
            .get(path, |object| read::serve(object, path, options))?
    }

    async fn head_object(&self, path: &S3Path) -> Result<ObjectMeta> {
        let _span = span::operation(BACKEND, "head_object", path).entered();
        self.inner.store.head(path, |object| object.meta(path))
    }

    /// Up to the transfer settings' copy threshold one CopyObject (refused as S3 refuses
    /// one above the single-request limit), above it ranged part copies pinned to the
    /// source's ETag.
    async fn copy_object_with(
        &self,
        from: &S3Path,
        to: &S3Path,
        options: &CopyOptions,
    ) -> Result<()> {
        async {
            options.mode.validate()?;
            from.object_key()?;
            to.object_key()?;
            let settings = &self.inner.transfer;
            settings.validate()?;
            let source = self.inner.store.get(from, |object| object.meta(from))?;
            if source.size > settings.copy_threshold {
                copy_in_parts(self, from, &source, to, options, settings).await?;
                return Ok(());
            }
            let now = self.inner.clock.now();
            let replace = options.replace.as_ref();
            let limits = self.inner.limits;
            self.inner
                .store
                .copy(from, to, &options.mode, "copy_object_with", |source| {
                    limits.check_copy(source.data.len() as u64, from)?;
                    Ok(source.copied(replace, now))
                })
        }
        .instrument(span::operation(BACKEND, "copy_object_with", from))
        .await
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

    /// One pass over the bucket under one read lock: the same result as the provided
    /// page-by-page listing, without a token and a page buffer per 1000 entries.
    async fn list_objects<'a>(
        &self,
        prefix: &S3Path,
        delimiter: Option<&'a str>,
    ) -> Result<ListResult> {
        let _span = span::operation(BACKEND, "list_objects", prefix).entered();
        let listing = Listing::new(prefix, delimiter, None);
        self.inner
            .store
            .in_bucket(prefix, |bucket| listing.all(bucket))
    }

    async fn list_page<'a>(
        &self,
        prefix: &S3Path,
        options: &ListOptions,
        token: Option<&'a ListToken>,
    ) -> Result<ListPage> {
        let _span = span::operation(BACKEND, "list_page", prefix).entered();
        let page_size = options.effective_page_size()? as usize;
        let resume = token
            .map(|token| list_token::decode(token, prefix.key()))
            .transpose()?;
        let after = match &resume {
            Some(entry) => Some(entry.as_str()),
            None => options.start_after.as_deref(),
        };
        let listing = Listing::new(prefix, options.delimiter.as_deref(), after);
        self.inner
            .store
            .in_bucket(prefix, |bucket| listing.page(bucket, page_size))
    }
    async fn list_multipart_uploads(&self, prefix: &S3Path) -> Result<Vec<PendingUpload>> {
        let _span = span::operation(BACKEND, "list_multipart_uploads", prefix).entered();
        if !self.inner.store.bucket_exists(prefix.bucket()) {
            return Err(errors::no_such_bucket(prefix));
        }
        Ok(self.inner.uploads.list(prefix))
    }

    async fn abort_multipart_upload(&self, path: &S3Path, id: &UploadId) -> Result<()> {
        let _span = span::operation(BACKEND, "abort_multipart_upload", path).entered();
        crate::multipart::abort(self, path, id)
    }

    /// As a put's upload: the options' mode must be the default.
    async fn create_multipart_upload(
        &self,
        path: &S3Path,
        options: &PutOptions,
    ) -> Result<UploadId> {
        check_upload_mode(&options.mode)?;
        self.create_upload(path, options).await
    }

    /// A URL under [`MemoryStorage::endpoint`] that [`MemoryStorage::put_presigned_part`]
    /// (and the HTTP server's `PUT`) accepts until it expires, for a body of exactly the
    /// signed length. The upload must be pending: S3 would take the URL and refuse the PUT
    /// with `NoSuchUpload`; refusing it here fails earlier for the same reason.
    async fn presigned_upload_part(
        &self,
        path: &S3Path,
        upload: &UploadId,
        request: &PartUrlRequest,
    ) -> Result<PresignedUrl> {
        let _span = span::operation(BACKEND, "presigned_upload_part", path).entered();
        path.object_key()?;
        request.validate()?;
        let inner = &self.inner;
        inner.uploads.check_pending(path, upload)?;
        let ttl = inner.ttl_limits.part_url_ttl(request.ttl, path)?;
        let signed_at = SigningTime::new(inner.clock.now())?;
        let endpoint = self.endpoint();
        let url = PartUrl {
            endpoint: &endpoint,
            path,
            upload,
            number: request.number,
            content_length: request.content_length,
            ttl,
        }
        .mint(
            &inner.credentials,
            REGION,
            &signed_at,
            inner.signer.signing_keys(),
        )?;
        Ok(PresignedUrl::new(url, signed_at.instant() + ttl))
    }

    /// As the transfer engine's parts, after S3's limits for one part.
    async fn upload_part(
        &self,
        path: &S3Path,
        upload: &UploadId,
        number: u32,
        body: Bytes,
    ) -> Result<CompletedPart> {
        check_part(number, body.len() as u64)?;
        MultipartStore::upload_part(self, path, upload, number, body).await
    }

    async fn list_parts(&self, path: &S3Path, upload: &UploadId) -> Result<Vec<UploadedPart>> {
        let _span = span::operation(BACKEND, "list_parts", path).entered();
        path.object_key()?;
        if !self.inner.store.bucket_exists(path.bucket()) {
            return Err(errors::no_such_bucket(path));
        }
        self.inner.uploads.parts(path, upload)
    }

    async fn complete_multipart_upload(
        &self,
        path: &S3Path,
        upload: &UploadId,
        parts: Vec<CompletedPart>,
        object_size: Option<u64>,
    ) -> Result<PutResult> {
        let _span = span::operation(BACKEND, "complete_multipart_upload", path).entered();
        crate::multipart::complete(self, path, upload, &parts, object_size, &PutMode::Overwrite)
    }

    async fn presigned_get_url(&self, path: &S3Path, ttl: Duration) -> Result<PresignedUrl> {
        let _span = span::operation(BACKEND, "presigned_get_url", path).entered();
        path.object_key()?;
        let ttl = self.inner.ttl_limits.get_ttl(ttl, path)?;
        let now = self.inner.clock.now();
        let signed_at = SigningTime::new(now)?;
        let url = presign_get::mint(
            &self.endpoint(),
            path,
            ttl,
            &self.inner.credentials,
            REGION,
            &signed_at,
            self.inner.signer.signing_keys(),
        )?;
        Ok(PresignedUrl::new(url, signed_at.instant() + ttl))
    }

    async fn presigned_post(
        &self,
        path: &S3Path,
        request: &PostPolicyRequest,
    ) -> Result<PresignedPost> {
        let _span = span::operation(BACKEND, "presigned_post", path).entered();
        let ttl = self.inner.ttl_limits.post_ttl(request.ttl, path)?;
        let url = format!("{}/{}", self.endpoint(), path.bucket());
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
