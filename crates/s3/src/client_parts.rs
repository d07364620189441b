//! Multipart uploads whose parts the caller sends, from another client (a browser, through
//! presigned part URLs) or part by part from this process: CreateMultipartUpload without a
//! checksum algorithm, UploadPart with its `Content-MD5`, ListParts with every page read,
//! and CompleteMultipartUpload with the expected object size.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Builder as ConfigBuilder, RequestChecksumCalculation};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart as SdkPart};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use md5::{Digest as _, Md5};
use stowage_core::transfer::{
    CompletedPart, UploadId, UploadedPart, check_part, check_upload_mode,
};
use stowage_core::{Error, PutOptions, PutResult, Result, S3Path};

use crate::errors::failure;
use crate::logging::SdkLogs;
use crate::multipart::required_etag;
use crate::write::{WriteSettings, with_object_fields};

/// The Content-Type of an upload started without one, as a put's.
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// CreateMultipartUpload for parts sent by another client.
///
/// No checksum algorithm is declared: a browser's part PUT carries none, and a store that
/// was told to expect one would refuse it. The part's integrity rests on its signed length
/// and the ETag the store computes.
pub(crate) async fn create(
    client: &Client,
    logs: &SdkLogs,
    writes: &WriteSettings,
    path: &S3Path,
    options: &PutOptions,
) -> Result<UploadId> {
    check_upload_mode(&options.mode)?;
    let storage = writes.storage_fields(
        options.encryption.as_ref(),
        options.storage_class.as_deref(),
    )?;
    let key = path.object_key()?;
    let request = client
        .create_multipart_upload()
        .bucket(path.bucket())
        .key(key)
        .content_type(
            options
                .content_type
                .as_deref()
                .unwrap_or(DEFAULT_CONTENT_TYPE),
        );
    let request = with_object_fields!(request, options, storage);
    let output = logs
        .run(request.send())
        .await
        .map_err(|e| failure(e, path))?;
    output
        .upload_id()
        .map(UploadId::new)
        .ok_or_else(|| Error::Service {
            code: "MissingUploadId".into(),
            status: 200,
            message: "CreateMultipartUpload answered without an upload id".into(),
            path: Some(path.clone()),
        })
}

/// UploadPart of a part this process sends to an upload [`create`] started.
///
/// The body carries its `Content-MD5`, which every S3 server checks, and no flexible
/// checksum: the SDK would add a CRC32 by default, and a store may refuse a checksum type
/// the upload did not declare. The payload is not signed; the MD5 covers it.
pub(crate) async fn upload(
    client: &Client,
    logs: &SdkLogs,
    path: &S3Path,
    upload: &UploadId,
    number: u32,
    body: Bytes,
) -> Result<CompletedPart> {
    let length = body.len() as u64;
    check_part(number, length)?;
    let key = path.object_key()?;
    let no_flexible_checksum = ConfigBuilder::default()
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired);
    let request = client
        .upload_part()
        .bucket(path.bucket())
        .key(key)
        .upload_id(upload.as_str())
        .part_number(number as i32)
        .content_length(length as i64)
        .content_md5(STANDARD.encode(Md5::digest(&body)))
        .body(ByteStream::from(body))
        .customize()
        .config_override(no_flexible_checksum)
        .disable_payload_signing();
    let output = logs
        .run(request.send())
        .await
        .map_err(|e| failure(e, path))?;
    Ok(CompletedPart {
        number,
        etag: required_etag(output.e_tag(), path)?,
        checksum_crc32: None,
    })
}

/// ListParts of `upload`, every page, in part order.
pub(crate) async fn list(
    client: &Client,
    logs: &SdkLogs,
    path: &S3Path,
    upload: &UploadId,
) -> Result<Vec<UploadedPart>> {
    let key = path.object_key()?;
    let mut parts = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let request = client
            .list_parts()
            .bucket(path.bucket())
            .key(key)
            .upload_id(upload.as_str())
            .set_part_number_marker(marker.take());
        let page = logs
            .run(request.send())
            .await
            .map_err(|e| failure(e, path))?;
        for part in page.parts() {
            let (Some(number), Some(etag), Some(size)) =
                (part.part_number(), part.e_tag(), part.size())
            else {
                return Err(Error::Service {
                    code: "MalformedListParts".into(),
                    status: 200,
                    message: "ListParts answered a part without its number, ETag or size".into(),
                    path: Some(path.clone()),
                });
            };
            let (Ok(number), Ok(size)) = (u32::try_from(number), u64::try_from(size)) else {
                return Err(Error::Service {
                    code: "MalformedListParts".into(),
                    status: 200,
                    message: "ListParts answered a negative part number or size".into(),
                    path: Some(path.clone()),
                });
            };
            parts.push(UploadedPart {
                number,
                etag: etag.to_owned(),
                size,
            });
        }
        if page.is_truncated() != Some(true) {
            break;
        }
        marker = page.next_part_number_marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    parts.sort_by_key(|part| part.number);
    Ok(parts)
}

/// CompleteMultipartUpload of `parts`, with `x-amz-mp-object-size` when `object_size` is
/// given.
pub(crate) async fn complete(
    client: &Client,
    logs: &SdkLogs,
    path: &S3Path,
    upload: &UploadId,
    parts: Vec<CompletedPart>,
    object_size: Option<u64>,
) -> Result<PutResult> {
    let key = path.object_key()?;
    let parts = parts
        .into_iter()
        .map(|part| {
            let number = i32::try_from(part.number).map_err(|_| {
                Error::invalid_argument(format!("part number {} is out of range", part.number))
            })?;
            Ok(SdkPart::builder()
                .part_number(number)
                .e_tag(part.etag)
                .set_checksum_crc32(part.checksum_crc32)
                .build())
        })
        .collect::<Result<Vec<_>>>()?;
    let object_size = object_size
        .map(i64::try_from)
        .transpose()
        .map_err(|_| Error::invalid_argument("the object size is out of range"))?;
    let request = client
        .complete_multipart_upload()
        .bucket(path.bucket())
        .key(key)
        .upload_id(upload.as_str())
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .set_mpu_object_size(object_size);
    let output = logs
        .run(request.send())
        .await
        .map_err(|e| failure(e, path))?;
    Ok(PutResult {
        etag: output.e_tag().map(str::to_owned),
    })
}
