//! Multipart uploads whose parts another client sends (a browser, through presigned part
//! URLs): CreateMultipartUpload without a checksum algorithm, ListParts with every page
//! read, and CompleteMultipartUpload with the expected object size.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart as SdkPart};
use stowage_core::transfer::{CompletedPart, UploadId, UploadedPart};
use stowage_core::{Error, PutMode, PutOptions, PutResult, Result, S3Path};

use crate::errors::failure;
use crate::logging::SdkLogs;
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
    if options.mode != PutMode::Overwrite {
        return Err(Error::invalid_argument(
            "an upload whose parts a client sends is completed without a mode",
        ));
    }
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
