//! [`S3Multipart`]: the requests the transfer engine runs against S3: one PutObject of a
//! body in memory, and the multipart upload calls, each body carrying a CRC32 the server
//! checks.

use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream as SdkByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart as SdkPart};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use stowage_core::transfer::{CompletedPart, MultipartStore, UploadId};
use stowage_core::{Error, PutMode, PutOptions, PutResult, Result, S3Path};

use crate::errors::failure;
use crate::keys::copy_source;
use crate::lean::{self, Lean};
use crate::logging::SdkLogs;
use crate::uploads::abort_multipart_upload;
use crate::write::{WriteSettings, with_object_fields};

/// What every request of one put or copy needs; cheap to clone into part tasks.
#[derive(Clone)]
pub(crate) struct S3Multipart {
    client: Client,
    lean: Option<Arc<Lean>>,
    logs: SdkLogs,
    writes: WriteSettings,
}

impl S3Multipart {
    /// Requests through `client` (a single PutObject through `lean` when given) under
    /// `writes`, SDK events filtered by `logs`.
    pub(crate) fn new(
        client: Client,
        lean: Option<Arc<Lean>>,
        logs: SdkLogs,
        writes: WriteSettings,
    ) -> Self {
        Self {
            client,
            lean,
            logs,
            writes,
        }
    }
}

/// The Content-Type of an object put without one. The SDK sends it with every PutObject
/// body, so a multipart upload names it too: an object's type does not depend on its size.
pub(crate) const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// The base64 CRC32 of `body`, as `x-amz-checksum-crc32` carries it.
///
/// Sent with every body instead of a signed payload hash: the server rejects a body whose
/// CRC32 differs (a byte corrupted in transit) and the client skips hashing it with SHA-256.
pub(crate) fn crc32(body: &[u8]) -> String {
    STANDARD.encode(crc32fast::hash(body).to_be_bytes())
}

fn length(body: &Bytes) -> Result<i64> {
    i64::try_from(body.len()).map_err(|_| Error::invalid_argument("the body is too large"))
}

#[async_trait]
impl MultipartStore for S3Multipart {
    async fn put_single(
        &self,
        path: &S3Path,
        body: Bytes,
        options: &PutOptions,
    ) -> Result<PutResult> {
        if let Some(lean) = &self.lean
            && Lean::serves(path.bucket())
            && lean::sends_put(options)
        {
            return lean::put_object(lean, &self.logs, &self.writes, path, body, options).await;
        }
        let conditions = self
            .writes
            .conditions(&options.mode, "conditional put_object")?;
        let storage = self.writes.storage_fields(
            options.encryption.as_ref(),
            options.storage_class.as_deref(),
        )?;
        let key = path.object_key()?;
        let request = self
            .client
            .put_object()
            .bucket(path.bucket())
            .key(key)
            .content_length(length(&body)?)
            .checksum_crc32(crc32(&body))
            .body(SdkByteStream::from(body))
            .set_content_type(options.content_type.clone())
            .set_if_match(conditions.if_match)
            .set_if_none_match(conditions.if_none_match);
        let request = with_object_fields!(request, options, storage);
        let output = self
            .logs
            .run(request.customize().disable_payload_signing().send())
            .await
            .map_err(|e| failure(e, path))?;
        Ok(PutResult {
            etag: output.e_tag().map(str::to_owned),
        })
    }

    async fn create_upload(&self, path: &S3Path, options: &PutOptions) -> Result<UploadId> {
        // The mode is applied when completing, but an unenforced one must fail before a
        // single part is sent.
        self.writes
            .conditions(&options.mode, "conditional put_object")?;
        let storage = self.writes.storage_fields(
            options.encryption.as_ref(),
            options.storage_class.as_deref(),
        )?;
        let key = path.object_key()?;
        let request = self
            .client
            .create_multipart_upload()
            .bucket(path.bucket())
            .key(key)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .content_type(
                options
                    .content_type
                    .as_deref()
                    .unwrap_or(DEFAULT_CONTENT_TYPE),
            );
        let request = with_object_fields!(request, options, storage);
        let output = self
            .logs
            .run(request.send())
            .await
            .map_err(|e| failure(e, path))?;
        let id = output.upload_id().ok_or_else(|| Error::Service {
            code: "MissingUploadId".into(),
            status: 200,
            message: "CreateMultipartUpload answered without an upload id".into(),
            path: Some(path.clone()),
        })?;
        Ok(UploadId::new(id))
    }

    async fn upload_part(
        &self,
        path: &S3Path,
        upload: &UploadId,
        number: u32,
        body: Bytes,
    ) -> Result<CompletedPart> {
        let key = path.object_key()?;
        let checksum = crc32(&body);
        let request = self
            .client
            .upload_part()
            .bucket(path.bucket())
            .key(key)
            .upload_id(upload.as_str())
            .part_number(part_number(number)?)
            .content_length(length(&body)?)
            .checksum_crc32(checksum.clone())
            .body(SdkByteStream::from(body));
        let output = self
            .logs
            .run(request.customize().disable_payload_signing().send())
            .await
            .map_err(|e| failure(e, path))?;
        Ok(CompletedPart {
            number,
            etag: required_etag(output.e_tag(), path)?,
            checksum_crc32: Some(checksum),
        })
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
        let source_key = source.object_key()?;
        let key = path.object_key()?;
        let last = range
            .end
            .checked_sub(1)
            .filter(|last| *last >= range.start)
            .ok_or_else(|| Error::invalid_argument("a part copy needs at least one byte"))?;
        let request = self
            .client
            .upload_part_copy()
            .bucket(path.bucket())
            .key(key)
            .upload_id(upload.as_str())
            .part_number(part_number(number)?)
            .copy_source(copy_source(source.bucket(), source_key))
            .copy_source_range(format!("bytes={}-{last}", range.start))
            .set_copy_source_if_match(source_etag.map(str::to_owned));
        let output = self
            .logs
            .run(request.send())
            .await
            .map_err(|e| failure(e, source))?;
        let result = output.copy_part_result();
        Ok(CompletedPart {
            number,
            etag: required_etag(result.and_then(|r| r.e_tag()), path)?,
            checksum_crc32: result.and_then(|r| r.checksum_crc32()).map(str::to_owned),
        })
    }

    async fn complete_upload(
        &self,
        path: &S3Path,
        upload: &UploadId,
        parts: Vec<CompletedPart>,
        mode: &PutMode,
    ) -> Result<PutResult> {
        let conditions = self.writes.conditions(mode, "conditional put_object")?;
        let key = path.object_key()?;
        let parts = parts
            .into_iter()
            .map(|part| {
                Ok(SdkPart::builder()
                    .part_number(part_number(part.number)?)
                    .e_tag(part.etag)
                    .set_checksum_crc32(part.checksum_crc32)
                    .build())
            })
            .collect::<Result<Vec<_>>>()?;
        let request = self
            .client
            .complete_multipart_upload()
            .bucket(path.bucket())
            .key(key)
            .upload_id(upload.as_str())
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .set_if_match(conditions.if_match)
            .set_if_none_match(conditions.if_none_match);
        let output = self
            .logs
            .run(request.send())
            .await
            .map_err(|e| failure(e, path))?;
        Ok(PutResult {
            etag: output.e_tag().map(str::to_owned),
        })
    }

    async fn abort_upload(&self, path: &S3Path, upload: &UploadId) -> Result<()> {
        abort_multipart_upload(&self.client, &self.logs, path, upload).await
    }
}

fn part_number(number: u32) -> Result<i32> {
    i32::try_from(number)
        .map_err(|_| Error::invalid_argument(format!("part number {number} is out of range")))
}

/// The ETag a store answered a part with; a part without one cannot be completed.
pub(crate) fn required_etag(etag: Option<&str>, path: &S3Path) -> Result<String> {
    etag.map(str::to_owned).ok_or_else(|| Error::Service {
        code: "MissingETag".into(),
        status: 200,
        message: "the store accepted a part without an ETag".into(),
        path: Some(path.clone()),
    })
}
