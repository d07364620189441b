//! The `ObjectStorage` trait: one interface, any backend.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

use crate::delete::DeleteReport;
use crate::error::{Error, Result};
use crate::list::ListResult;
#[cfg(doc)]
use crate::list::ListStreamExt;
use crate::list::{ListOptions, ListPage, ListToken};
use crate::meta::ObjectMeta;
use crate::part_url::PartUrlRequest;
use crate::path::S3Path;
use crate::payload::Payload;
use crate::policy::{PostPolicyRequest, PresignedPost};
use crate::presigned_url::PresignedUrl;
use crate::read::GetObjectOutput;
use crate::read::{GetOptions, GetOutcome};
use crate::transfer::{CompletedPart, PendingUpload, UploadId, UploadedPart};
use crate::write::CopyOptions;
#[cfg(doc)]
use crate::write::PutMode;
use crate::write::{PutOptions, PutResult};

/// An object store with S3 semantics.
///
/// Application code holds an `Arc<dyn ObjectStorage>` and does not care which backend is
/// behind it: S3 or an S3-compatible server in production, the in-memory fake or a
/// [`MockObjectStorage`](crate::MockObjectStorage) (feature `mock`) in tests.
///
/// Every method validates its paths first (an empty key is [`crate::PathError::EmptyKey`]
/// for object operations) and reports failures as [`crate::Error`] kinds that mean the same
/// on every backend. No method logs or returns a raw key in an error message.
///
/// ```
/// use std::sync::Arc;
/// use stowage::{ObjectStorage, S3Path, Result};
///
/// /// Application code: it works with any backend.
/// async fn archive(storage: Arc<dyn ObjectStorage>, report: &S3Path) -> Result<bool> {
///     let archived = report.join(".archived")?;
///     if storage.object_exists(report).await? {
///         storage.copy_object(report, &archived).await?;
///         storage.delete_object(report).await?;
///         return Ok(true);
///     }
///     Ok(false)
/// }
/// ```
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ObjectStorage: Send + Sync + Debug {
    /// Stores `payload` at `path` with the options' attributes and metadata.
    ///
    /// By default the write replaces any object there; [`PutMode::Create`] and
    /// [`PutMode::IfMatch`] make it conditional, failing with
    /// [`Error::PreconditionFailed`] when the condition does not hold. A backend that cannot
    /// enforce a mode, encryption or storage class answers [`Error::Unsupported`] and
    /// writes nothing.
    async fn put_object(
        &self,
        path: &S3Path,
        payload: Payload,
        options: PutOptions,
    ) -> Result<PutResult>;

    /// Downloads an object: metadata at once, the body as a stream.
    ///
    /// A missing key is [`Error::NotFound`]; a missing bucket is [`Error::NoSuchBucket`].
    /// Provided as [`get_object_with`](Self::get_object_with) without options.
    async fn get_object(&self, path: &S3Path) -> Result<GetObjectOutput> {
        match self.get_object_with(path, &GetOptions::new()).await? {
            GetOutcome::Found(output) => Ok(output),
            GetOutcome::NotModified(_) => Err(Error::Service {
                code: "NotModified".into(),
                status: 304,
                message: "the store answered 304 to an unconditional read".into(),
                path: Some(path.clone()),
            }),
        }
    }

    /// Downloads an object, or a byte range of it, if the conditions hold.
    ///
    /// [`GetOptions::validate`] runs first: a malformed range or ETag is
    /// [`Error::InvalidArgument`] before any request. Then, in S3's order: a failed
    /// `If-Match` or `If-Unmodified-Since` is [`Error::PreconditionFailed`]; a holding
    /// `If-None-Match` or `If-Modified-Since` is [`GetOutcome::NotModified`]; a range that
    /// starts past the end is [`Error::RangeNotSatisfiable`].
    /// [`GetObjectOutput::range`] says which bytes the body holds and
    /// [`ObjectMeta::size`] the object's total size.
    async fn get_object_with(&self, path: &S3Path, options: &GetOptions) -> Result<GetOutcome>;

    /// Reads an object's metadata: size, ETag, last-modified, Content-Type, user metadata.
    async fn head_object(&self, path: &S3Path) -> Result<ObjectMeta>;

    /// True when the object exists, false when it does not.
    ///
    /// Only "not found" means false: access denied, an unreachable endpoint and every other
    /// failure is an error, so a permissions problem is never mistaken for absence.
    ///
    /// Provided as [`head_object`](Self::head_object) with [`Error::NotFound`] read as
    /// false, which is what S3 itself offers; a backend overrides it only where it has a
    /// cheaper existence check.
    async fn object_exists(&self, path: &S3Path) -> Result<bool> {
        match self.head_object(path).await {
            Ok(_) => Ok(true),
            Err(Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Copies an object server-side (across buckets too), with its Content-Type, attributes
    /// and metadata, replacing what is at `to`.
    ///
    /// Provided as [`copy_object_with`](Self::copy_object_with) without options.
    async fn copy_object(&self, from: &S3Path, to: &S3Path) -> Result<()> {
        self.copy_object_with(from, to, &CopyOptions::new()).await
    }

    /// Copies an object server-side, keeping or replacing its attributes and metadata, under
    /// the options' mode for the destination (as [`put_object`](Self::put_object)).
    async fn copy_object_with(
        &self,
        from: &S3Path,
        to: &S3Path,
        options: &CopyOptions,
    ) -> Result<()>;

    /// Deletes an object. Deleting a missing key succeeds, as in S3.
    async fn delete_object(&self, path: &S3Path) -> Result<()>;

    /// Deletes many objects, across buckets, in batches of at most 1000 keys per request.
    ///
    /// The report accounts for every input path exactly once: deleted, or failed with its
    /// error code. A request that fails as a whole marks each of its keys failed; the call
    /// itself fails only for invalid input.
    async fn delete_objects(&self, paths: &[S3Path]) -> Result<DeleteReport>;

    /// Lists every object whose key starts with `prefix`'s key, reading every page.
    ///
    /// With a `delimiter`, keys containing it after the prefix are rolled up into
    /// [`ListResult::common_prefixes`], as S3 does. Holds the whole listing in memory: for
    /// large listings, stream the pages with [`ListStreamExt::list_pages`] instead.
    /// Provided on top of [`list_page`](Self::list_page).
    async fn list_objects<'a>(
        &self,
        prefix: &S3Path,
        delimiter: Option<&'a str>,
    ) -> Result<ListResult> {
        let mut options = ListOptions::new();
        options.delimiter = delimiter.map(str::to_owned);
        let mut result = ListResult::default();
        let mut token = None;
        loop {
            let page = self.list_page(prefix, &options, token.as_ref()).await?;
            result.objects.extend(page.objects);
            result.common_prefixes.extend(page.common_prefixes);
            match page.next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        result.common_prefixes.sort();
        result.common_prefixes.dedup();
        Ok(result)
    }

    /// One page of a listing: the first when `token` is `None`, else the page `token` (from
    /// [`ListPage::next`]) points at.
    ///
    /// A listing resumed from a token continues after the last entry of the page before:
    /// keys added or removed meanwhile are listed or not, but no key is listed twice and none
    /// that existed throughout is skipped.
    async fn list_page<'a>(
        &self,
        prefix: &S3Path,
        options: &ListOptions,
        token: Option<&'a ListToken>,
    ) -> Result<ListPage>;

    /// The multipart uploads under `prefix` that were started and neither completed nor
    /// aborted: what a crashed process left behind, still billed for its parts.
    ///
    /// Provided as [`Error::Unsupported`] for backends without multipart uploads.
    async fn list_multipart_uploads(&self, prefix: &S3Path) -> Result<Vec<PendingUpload>> {
        let _ = prefix;
        Err(Error::Unsupported {
            operation: "list_multipart_uploads",
            backend: "current",
        })
    }

    /// Aborts a multipart upload listed by
    /// [`list_multipart_uploads`](Self::list_multipart_uploads): its parts are discarded.
    ///
    /// Provided as [`Error::Unsupported`] for backends without multipart uploads.
    async fn abort_multipart_upload(&self, path: &S3Path, id: &UploadId) -> Result<()> {
        let _ = (path, id);
        Err(Error::Unsupported {
            operation: "abort_multipart_upload",
            backend: "current",
        })
    }

    /// Starts a multipart upload whose parts another client sends, through
    /// [`presigned_upload_part`](Self::presigned_upload_part) URLs: a browser upload of any
    /// size. The upload takes the options' Content-Type, attributes and metadata; their mode
    /// must be the default (overwrite).
    ///
    /// [`crate::resumable`] builds browser uploads on this and the three calls after it.
    /// Provided as [`Error::Unsupported`] for backends without multipart uploads.
    async fn create_multipart_upload(
        &self,
        path: &S3Path,
        options: &PutOptions,
    ) -> Result<UploadId> {
        let _ = (path, options);
        Err(Error::Unsupported {
            operation: "create_multipart_upload",
            backend: "current",
        })
    }

    /// A URL that uploads one part of `upload` with a plain HTTP PUT until it expires, for a
    /// body of exactly the request's length: the length is signed, so the store refuses any
    /// other.
    ///
    /// A TTL above the upload ceiling (600 s by default) is clamped with a warning.
    /// Provided as [`Error::Unsupported`] for backends that cannot mint such URLs.
    async fn presigned_upload_part(
        &self,
        path: &S3Path,
        upload: &UploadId,
        request: &PartUrlRequest,
    ) -> Result<PresignedUrl> {
        let _ = (path, upload, request);
        Err(Error::Unsupported {
            operation: "presigned_upload_part",
            backend: "current",
        })
    }

    /// Sends part `number` (1 to 10,000) of an upload started by
    /// [`create_multipart_upload`](Self::create_multipart_upload) from this process
    /// (UploadPart), for a caller that drives the upload part by part, as `object_store`'s
    /// `MultipartStore` does. Parts may be sent in any order and concurrently; every part but
    /// the last must hold at least 5 MiB, which completing the upload checks.
    ///
    /// The part carries its `Content-MD5` and no other checksum: the store refuses a body
    /// changed on the way, and an upload started without a checksum algorithm takes it.
    /// A part number outside 1 to 10,000 is [`Error::InvalidArgument`], before any request;
    /// an upload that was completed, aborted or never started is a `NoSuchUpload` service
    /// error (404). Provided as [`Error::Unsupported`] for backends without multipart
    /// uploads.
    async fn upload_part(
        &self,
        path: &S3Path,
        upload: &UploadId,
        number: u32,
        body: Bytes,
    ) -> Result<CompletedPart> {
        let _ = (path, upload, number, body);
        Err(Error::Unsupported {
            operation: "upload_part",
            backend: "current",
        })
    }

    /// The parts the store holds for `upload`, in part order, every page read (ListParts).
    ///
    /// An upload that was completed, aborted or never started is a `NoSuchUpload` service
    /// error (404). Provided as [`Error::Unsupported`] for backends without multipart
    /// uploads.
    async fn list_parts(&self, path: &S3Path, upload: &UploadId) -> Result<Vec<UploadedPart>> {
        let _ = (path, upload);
        Err(Error::Unsupported {
            operation: "list_parts",
            backend: "current",
        })
    }

    /// Completes `upload` with `parts`, in ascending part order (CompleteMultipartUpload).
    ///
    /// With `object_size`, the request carries `x-amz-mp-object-size` and a store that reads
    /// it refuses a different total; not every store reads it (Garage 2.5 does not), so a
    /// caller that must bound the size checks [`list_parts`](Self::list_parts) first, as
    /// [`crate::resumable`] does. Provided as [`Error::Unsupported`] for backends without
    /// multipart uploads.
    async fn complete_multipart_upload(
        &self,
        path: &S3Path,
        upload: &UploadId,
        parts: Vec<CompletedPart>,
        object_size: Option<u64>,
    ) -> Result<PutResult> {
        let _ = (path, upload, parts, object_size);
        Err(Error::Unsupported {
            operation: "complete_multipart_upload",
            backend: "current",
        })
    }

    /// A URL that downloads the object with a plain HTTP GET until it expires.
    ///
    /// A TTL above 7 days (the SigV4 maximum) is an error; above the backend's lower
    /// ceiling, if one is configured, it is clamped with a warning.
    async fn presigned_get_url(&self, path: &S3Path, ttl: Duration) -> Result<PresignedUrl>;

    /// A browser upload form for exactly this key, with a size cap and an optional
    /// Content-Type lock enforced by the store.
    ///
    /// A TTL above the ceiling (600 s by default) is clamped with a warning, never an error.
    async fn presigned_post(
        &self,
        path: &S3Path,
        request: &PostPolicyRequest,
    ) -> Result<PresignedPost>;
}
