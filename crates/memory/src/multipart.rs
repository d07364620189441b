//! The store's S3 requests for large objects ([`MultipartStore`]): PutObject,
//! CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload and
//! AbortMultipartUpload, with S3's size rules and errors.

use std::borrow::Cow;
use std::ops::Range;

use async_trait::async_trait;
use bytes::Bytes;
#[cfg(doc)]
use stowage_core::Error;
use stowage_core::transfer::{CompletedPart, MultipartStore, UploadId};
use stowage_core::{PutMode, PutOptions, PutResult, Result, S3Path, etag_matches, span};

use crate::errors;
use crate::limits::check_part_number;
use crate::object::StoredObject;
use crate::storage::{BACKEND, MemoryStorage};
use crate::uploads::Completion;

/// Content-Type stored by a put or an upload that gives none: what the AWS SDK sends with
/// every PutObject body, so the S3 backend stores it on every server.
const DEFAULT_PUT_CONTENT_TYPE: &str = "application/octet-stream";

/// The requests the transfer engine ([`stowage::transfer`](stowage_core::transfer)) sends:
/// `put_object` and `copy_object_with` run on them. Each answers as S3 does:
///
/// - `put_single` (PutObject) and `upload_part` (UploadPart) above the single-request limit
///   (5 GiB, [`MemoryStorageBuilder::single_request_limit`](crate::MemoryStorageBuilder::single_request_limit)):
///   `Error::Service { code: "EntityTooLarge", status: 400 }`;
/// - `copy_part` (UploadPartCopy) of a range above that limit: `InvalidRequest` (400), as is
///   a single CopyObject of a source above it; a source whose ETag is no longer the one
///   named: [`Error::PreconditionFailed`] naming the source; a range outside the source:
///   [`Error::RangeNotSatisfiable`];
/// - a part number outside 1..=10,000: `InvalidArgument` (400); an upload id that is not
///   pending for that key: `NoSuchUpload` (404);
/// - `complete_upload`: `MalformedXML`, `InvalidPartOrder`, `InvalidPart` and
///   `EntityTooSmall` (all 400) for parts that are missing, out of order, unknown or
///   smaller than the minimum part size (5 MiB,
///   [`MemoryStorageBuilder::min_part_size`](crate::MemoryStorageBuilder::min_part_size))
///   but for the last; then the mode, exactly as a put's; the object gets the multipart
///   ETag (`"<md5 of the parts' md5s>-<parts>"`) and the attributes and metadata the upload
///   was created with.
///
/// Uploads and parts live in the store until completed or aborted; the engine aborts every
/// upload that fails or is dropped.
#[async_trait]
impl MultipartStore for MemoryStorage {
    async fn put_single(
        &self,
        path: &S3Path,
        body: Bytes,
        options: &PutOptions,
    ) -> Result<PutResult> {
        let _span = span::operation(BACKEND, "put_single", path).entered();
        options.mode.validate()?;
        path.object_key()?;
        self.inner.limits.check_upload(body.len() as u64, path)?;
        let mut object = StoredObject::new(body, options.clone(), self.inner.clock.now());
        object
            .content_type
            .get_or_insert(Cow::Borrowed(DEFAULT_PUT_CONTENT_TYPE));
        let etag = object.etag();
        // One write lock: it answers `NoSuchBucket` and checks the mode itself.
        self.inner
            .store
            .put(path, object, &options.mode, "put_object")?;
        Ok(PutResult { etag: Some(etag) })
    }

    async fn create_upload(&self, path: &S3Path, options: &PutOptions) -> Result<UploadId> {
        let _span = span::operation(BACKEND, "create_upload", path).entered();
        options.mode.validate()?;
        path.object_key()?;
        if !self.inner.store.bucket_exists(path.bucket()) {
            return Err(errors::no_such_bucket(path));
        }
        let mut options = options.clone();
        options
            .content_type
            .get_or_insert_with(|| DEFAULT_PUT_CONTENT_TYPE.to_owned());
        let now = self.inner.clock.now();
        Ok(self.inner.uploads.start(path, options, now))
    }

    async fn upload_part(
        &self,
        path: &S3Path,
        upload: &UploadId,
        number: u32,
        body: Bytes,
    ) -> Result<CompletedPart> {
        let _span = span::operation(BACKEND, "upload_part", path).entered();
        path.object_key()?;
        check_part_number(number, path)?;
        self.inner.limits.check_upload(body.len() as u64, path)?;
        self.inner.uploads.add_part(path, upload, number, body)
    }

    async fn copy_part(
        &self,
        source: &S3Path,
        source_etag: Option<&str>,
        range: Range<u64>,
        path: &S3Path,
        upload: &UploadId,
        number: u32,
    ) -> Result<CompletedPart> {
        let _span = span::operation(BACKEND, "copy_part", path).entered();
        path.object_key()?;
        check_part_number(number, path)?;
        self.inner
            .limits
            .check_copy(range.end.saturating_sub(range.start), source)?;
        let bytes = self.inner.store.get(source, |object| {
            read_range(object, source, source_etag, &range)
        })??;
        self.inner.uploads.add_part(path, upload, number, bytes)
    }

    async fn complete_upload(
        &self,
        path: &S3Path,
        upload: &UploadId,
        parts: Vec<CompletedPart>,
        mode: &PutMode,
    ) -> Result<PutResult> {
        let _span = span::operation(BACKEND, "complete_upload", path).entered();
        complete(self, path, upload, &parts, None, mode)
    }

    async fn abort_upload(&self, path: &S3Path, upload: &UploadId) -> Result<()> {
        let _span = span::operation(BACKEND, "abort_upload", path).entered();
        abort(self, path, upload)
    }
}

/// AbortMultipartUpload: `NoSuchBucket` for a missing bucket, `NoSuchUpload` for an id that
/// is not pending for `path`.
pub(crate) fn abort(storage: &MemoryStorage, path: &S3Path, id: &UploadId) -> Result<()> {
    path.object_key()?;
    if !storage.inner.store.bucket_exists(path.bucket()) {
        return Err(errors::no_such_bucket(path));
    }
    storage.inner.uploads.abort(path, id)
}

/// CompleteMultipartUpload of `parts` under `mode`, the parts' total checked against
/// `object_size` when one is given.
pub(crate) fn complete(
    storage: &MemoryStorage,
    path: &S3Path,
    upload: &UploadId,
    parts: &[CompletedPart],
    object_size: Option<u64>,
    mode: &PutMode,
) -> Result<PutResult> {
    mode.validate()?;
    path.object_key()?;
    let inner = &storage.inner;
    let completion = Completion { parts, object_size };
    let etag = inner.uploads.complete(
        path,
        upload,
        completion,
        &inner.limits,
        inner.clock.now(),
        |object| inner.store.put(path, object, mode, "complete_upload"),
    )?;
    Ok(PutResult {
        etag: Some(etag.text().as_str().to_owned()),
    })
}

/// Bytes `range` of `object` (the source at `source`) while its ETag is `etag`.
fn read_range(
    object: &StoredObject,
    source: &S3Path,
    etag: Option<&str>,
    range: &Range<u64>,
) -> Result<Bytes> {
    if let Some(etag) = etag
        && !etag_matches(etag, object.etag_text().as_str())
    {
        return Err(errors::precondition_failed(source));
    }
    let size = object.data.len() as u64;
    if range.is_empty() || range.end > size {
        return Err(errors::range_not_satisfiable(source, size));
    }
    // Within `0..size`, which fits in `usize`.
    Ok(object.data.slice(range.start as usize..range.end as usize))
}
