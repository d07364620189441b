//! [`MultipartStore`]: the multipart requests a backend offers the transfer engine.

use std::fmt;
use std::ops::Range;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;

use crate::error::Result;
use crate::path::S3Path;
use crate::write::PutMode;
use crate::write::{PutOptions, PutResult};

/// The id a store gives a multipart upload when it starts.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UploadId(String);

impl UploadId {
    /// Wraps the id a store returned.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as the store knows it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UploadId {
    /// Upload ids are bearer-like handles: shown only by length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UploadId(<{} chars>)", self.0.len())
    }
}

/// A part the store accepted: what completing the upload must name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    /// The part's number, 1 to 10,000.
    pub number: u32,
    /// The part's entity tag, with its quotes.
    pub etag: String,
    /// The part's checksum as the store was sent it (base64 CRC32), where one was.
    pub checksum_crc32: Option<String>,
}

/// A part the store holds for a pending upload, as ListParts reports it.
///
/// What a service that lets another client send the parts (a browser, through
/// [`ObjectStorage::presigned_upload_part`](crate::ObjectStorage::presigned_upload_part))
/// checks before it completes the upload: the store's own account of each part, never the
/// client's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedPart {
    /// The part's number, 1 to 10,000.
    pub number: u32,
    /// The part's entity tag, with its quotes.
    pub etag: String,
    /// The part's size in bytes.
    pub size: u64,
}

impl From<&UploadedPart> for CompletedPart {
    fn from(part: &UploadedPart) -> Self {
        Self {
            number: part.number,
            etag: part.etag.clone(),
            checksum_crc32: None,
        }
    }
}

/// A multipart upload that was started and neither completed nor aborted, as
/// [`ObjectStorage::list_multipart_uploads`](crate::ObjectStorage::list_multipart_uploads)
/// reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    /// The object the upload will create.
    pub path: S3Path,
    /// The upload's id, for [`ObjectStorage::abort_multipart_upload`](crate::ObjectStorage::abort_multipart_upload).
    pub id: UploadId,
    /// When it was started, when the store says.
    pub initiated: Option<SystemTime>,
}

/// The multipart requests of a store, as S3 names them, for the transfer engine
/// ([`upload`](crate::transfer::upload), [`copy_in_parts`](crate::transfer::copy_in_parts)).
///
/// A backend implements these and calls the engine from its
/// [`ObjectStorage::put_object`](crate::ObjectStorage::put_object) and
/// [`ObjectStorage::copy_object_with`](crate::ObjectStorage::copy_object_with); the engine
/// decides between one request and parts, runs parts concurrently, and aborts uploads that
/// fail or are dropped. Cloning must be cheap: the engine moves clones into the tasks that
/// send parts and into the abort of a dropped upload.
#[async_trait]
pub trait MultipartStore: Clone + Send + Sync + 'static {
    /// One PutObject of a body held in memory, under `options`.
    async fn put_single(
        &self,
        path: &S3Path,
        body: Bytes,
        options: &PutOptions,
    ) -> Result<PutResult>;

    /// CreateMultipartUpload with the object's attributes, metadata, encryption and
    /// storage class from `options` (its mode applies when completing).
    async fn create_upload(&self, path: &S3Path, options: &PutOptions) -> Result<UploadId>;

    /// UploadPart: part `number` of the upload, held in memory so a retry can resend it.
    async fn upload_part(
        &self,
        path: &S3Path,
        upload: &UploadId,
        number: u32,
        body: Bytes,
    ) -> Result<CompletedPart>;

    /// UploadPartCopy: bytes `range` of `source`, only while its ETag is `source_etag`.
    ///
    /// A changed source is [`crate::Error::PreconditionFailed`] naming `source`.
    async fn copy_part(
        &self,
        source: &S3Path,
        source_etag: Option<&str>,
        range: Range<u64>,
        path: &S3Path,
        upload: &UploadId,
        number: u32,
    ) -> Result<CompletedPart>;

    /// CompleteMultipartUpload of `parts`, in part order, under `mode`.
    async fn complete_upload(
        &self,
        path: &S3Path,
        upload: &UploadId,
        parts: Vec<CompletedPart>,
        mode: &PutMode,
    ) -> Result<PutResult>;

    /// AbortMultipartUpload: the parts are discarded and the upload id becomes invalid.
    async fn abort_upload(&self, path: &S3Path, upload: &UploadId) -> Result<()>;
}
