//! The multipart family: CreateMultipartUpload, UploadPart, UploadPartCopy, ListParts,
//! CompleteMultipartUpload, AbortMultipartUpload and ListMultipartUploads.

use std::time::SystemTime;

use s3s::dto::{
    AbortMultipartUploadInput, AbortMultipartUploadOutput, CommonPrefix,
    CompleteMultipartUploadInput, CompleteMultipartUploadOutput, CopyPartResult,
    CreateMultipartUploadInput, CreateMultipartUploadOutput, Initiator, ListMultipartUploadsInput,
    ListMultipartUploadsOutput, ListPartsInput, ListPartsOutput, MultipartUpload, Part,
    StorageClass, UploadPartCopyInput, UploadPartCopyOutput, UploadPartInput, UploadPartOutput,
};
use s3s::{S3Request, S3Response, S3Result};
use stowage_core::transfer::{CompletedPart, MultipartStore, PendingUpload, UploadId};
use stowage_core::{ObjectStorage as _, PutMode};

use super::body;
use super::checksums::Checksums;
use super::convert::{self, Attributes};
use super::errors::{bucket_root, invalid_argument, object_path, s3_error};
use super::listing::owner;
use super::objects::{SourceConditions, copy_range, source_path};
use crate::storage::MemoryStorage;

/// S3's part numbers.
const PART_NUMBERS: std::ops::RangeInclusive<i32> = 1..=10_000;
/// S3's most parts or uploads per listing page, and the default.
const MAX_PAGE: i32 = 1000;

/// CreateMultipartUpload: the object's attributes are kept until completion.
pub(super) async fn create(
    storage: &MemoryStorage,
    checksums: &Checksums,
    request: S3Request<CreateMultipartUploadInput>,
) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
    let input = request.input;
    let path = object_path(&input.bucket, &input.key)?;
    let options = Attributes {
        content_type: input.content_type,
        cache_control: input.cache_control,
        content_disposition: input.content_disposition,
        content_encoding: input.content_encoding,
        content_language: input.content_language,
        metadata: input.metadata,
    }
    .into_put_options(PutMode::Overwrite)?;
    let upload = storage
        .create_upload(&path, &options)
        .await
        .map_err(s3_error)?;
    let checksum_type = input
        .checksum_algorithm
        .clone()
        .map(|algorithm| checksums.start_upload(upload.as_str(), algorithm, input.checksum_type));
    Ok(S3Response::new(CreateMultipartUploadOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        upload_id: Some(upload.as_str().to_owned()),
        checksum_algorithm: input.checksum_algorithm,
        checksum_type,
        ..Default::default()
    }))
}

/// UploadPart: the body read whole and checked, kept as part `partNumber`.
pub(super) async fn upload_part(
    storage: &MemoryStorage,
    checksums: &Checksums,
    request: S3Request<UploadPartInput>,
) -> S3Result<S3Response<UploadPartOutput>> {
    let S3Request {
        input,
        headers,
        trailing_headers,
        ..
    } = request;
    let path = object_path(&input.bucket, &input.key)?;
    let number = part_number(input.part_number)?;
    let claims = body::claims_of!(input);
    let body = body::read_checked(input.body, claims, &headers, trailing_headers.as_ref()).await?;
    let part = MultipartStore::upload_part(
        storage,
        &path,
        &UploadId::new(input.upload_id.clone()),
        number,
        body.bytes,
    )
    .await
    .map_err(s3_error)?;
    checksums.record_part(&input.upload_id, number, &body.checksums);
    let checksums = body.checksums;
    Ok(S3Response::new(UploadPartOutput {
        e_tag: Some(convert::etag(&part.etag)),
        checksum_crc32: checksums.checksum_crc32,
        checksum_crc32c: checksums.checksum_crc32c,
        checksum_crc64nvme: checksums.checksum_crc64nvme,
        checksum_sha1: checksums.checksum_sha1,
        checksum_sha256: checksums.checksum_sha256,
        ..Default::default()
    }))
}

/// UploadPartCopy: a range of another object (all of it by default) as a part, under the
/// source's conditions.
pub(super) async fn upload_part_copy(
    storage: &MemoryStorage,
    request: S3Request<UploadPartCopyInput>,
) -> S3Result<S3Response<UploadPartCopyOutput>> {
    let input = request.input;
    let path = object_path(&input.bucket, &input.key)?;
    let number = part_number(input.part_number)?;
    let source = source_path(&input.copy_source)?;
    let meta = storage.head_object(&source).await.map_err(s3_error)?;
    SourceConditions {
        if_match: input.copy_source_if_match.as_ref().map(convert::condition),
        if_none_match: input
            .copy_source_if_none_match
            .as_ref()
            .map(convert::condition),
        if_modified_since: input
            .copy_source_if_modified_since
            .map(convert::system_time),
        if_unmodified_since: input
            .copy_source_if_unmodified_since
            .map(convert::system_time),
    }
    .check(&meta)?;
    let range = match input.copy_source_range.as_deref() {
        Some(header) => copy_range(header, meta.size)?,
        None => 0..meta.size,
    };
    let part = storage
        .copy_part(
            &source,
            meta.etag.as_deref(),
            range,
            &path,
            &UploadId::new(input.upload_id),
            number,
        )
        .await
        .map_err(s3_error)?;
    Ok(S3Response::new(UploadPartCopyOutput {
        copy_part_result: Some(CopyPartResult {
            e_tag: Some(convert::etag(&part.etag)),
            last_modified: Some(convert::timestamp(SystemTime::now())),
            ..Default::default()
        }),
        ..Default::default()
    }))
}

/// ListParts: the upload's parts in order, a page at a time after `part-number-marker`.
pub(super) async fn list_parts(
    storage: &MemoryStorage,
    checksums: &Checksums,
    request: S3Request<ListPartsInput>,
) -> S3Result<S3Response<ListPartsOutput>> {
    let input = request.input;
    let path = object_path(&input.bucket, &input.key)?;
    let upload = UploadId::new(input.upload_id.clone());
    let max_parts = page_size(input.max_parts, "max-parts")?;
    let marker = u32::try_from(input.part_number_marker.unwrap_or(0))
        .map_err(|_| invalid_argument("part-number-marker must be a non-negative integer"))?;
    let mut parts = storage.list_parts(&path, &upload).await.map_err(s3_error)?;
    parts.sort_by_key(|part| part.number);
    let mut after: Vec<_> = parts
        .into_iter()
        .filter(|part| part.number > marker)
        .collect();
    let truncated = after.len() > max_parts as usize;
    after.truncate(max_parts as usize);
    let next_marker = truncated
        .then(|| after.last().map(|part| part.number as i32))
        .flatten();
    Ok(S3Response::new(ListPartsOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        checksum_algorithm: checksums.upload_algorithm(&input.upload_id),
        upload_id: Some(input.upload_id.clone()),
        max_parts: Some(max_parts),
        part_number_marker: input.part_number_marker,
        next_part_number_marker: next_marker,
        is_truncated: Some(truncated),
        owner: Some(owner()),
        initiator: Some(initiator()),
        storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
        parts: Some(
            after
                .into_iter()
                .map(|part| {
                    let checksum = checksums.part(&input.upload_id, part.number);
                    Part {
                        part_number: Some(part.number as i32),
                        e_tag: Some(convert::etag(&part.etag)),
                        size: Some(part.size as i64),
                        checksum_crc32: checksum.checksum_crc32,
                        checksum_crc32c: checksum.checksum_crc32c,
                        checksum_crc64nvme: checksum.checksum_crc64nvme,
                        checksum_sha1: checksum.checksum_sha1,
                        checksum_sha256: checksum.checksum_sha256,
                        ..Default::default()
                    }
                })
                .collect(),
        ),
        ..Default::default()
    }))
}

/// CompleteMultipartUpload: the listed parts, in order, become the object, under
/// `If-None-Match: *` or `If-Match` and `x-amz-mp-object-size` when sent.
pub(super) async fn complete(
    storage: &MemoryStorage,
    checksums: &Checksums,
    request: S3Request<CompleteMultipartUploadInput>,
) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
    let input = request.input;
    let path = object_path(&input.bucket, &input.key)?;
    let upload = UploadId::new(input.upload_id.clone());
    let mode = convert::write_mode(input.if_none_match.as_ref(), input.if_match.as_ref())?;
    let parts = input
        .multipart_upload
        .and_then(|upload| upload.parts)
        .unwrap_or_default()
        .into_iter()
        .map(|part| {
            let number = part
                .part_number
                .ok_or_else(|| invalid_argument("every Part needs a PartNumber"))?;
            let etag = part
                .e_tag
                .ok_or_else(|| invalid_argument("every Part needs an ETag"))?;
            Ok(CompletedPart {
                number: part_number(number)?,
                etag: convert::quoted(&etag),
                checksum_crc32: None,
            })
        })
        .collect::<S3Result<Vec<_>>>()?;
    if parts.is_empty() {
        return Err(s3_error(stowage_core::Error::Service {
            code: "MalformedXML".to_owned(),
            status: 400,
            message: "The XML you provided was not well-formed or did not validate against our \
                      published schema"
                .to_owned(),
            path: None,
        }));
    }
    let object_size = input
        .mpu_object_size
        .map(|size| u64::try_from(size).map_err(|_| invalid_argument("x-amz-mp-object-size")))
        .transpose()?;
    let numbers: Vec<u32> = parts.iter().map(|part| part.number).collect();
    let result = if mode == PutMode::Overwrite {
        storage
            .complete_multipart_upload(&path, &upload, parts, object_size)
            .await
    } else {
        storage.complete_upload(&path, &upload, parts, &mode).await
    }
    .map_err(s3_error)?;
    let whole = if checksums.wants_whole(&input.upload_id) {
        let object = storage.get_object(&path).await.map_err(s3_error)?;
        Some(object.body.bytes().await.map_err(s3_error)?)
    } else {
        None
    };
    let finished = checksums.finish_upload(&input.upload_id, &numbers, whole);
    if let (Some(finished), Some(etag)) = (&finished, result.etag.as_deref()) {
        checksums.record_finished(&path, etag, finished);
    }
    let (checksum, checksum_type) =
        finished.map_or_else(Default::default, |done| (done.checksum, Some(done.kind)));
    Ok(S3Response::new(CompleteMultipartUploadOutput {
        bucket: Some(input.bucket),
        key: Some(input.key.clone()),
        location: Some(format!("/{}/{}", path.bucket(), input.key)),
        e_tag: result.etag.as_deref().map(convert::etag),
        checksum_crc32: checksum.checksum_crc32,
        checksum_crc32c: checksum.checksum_crc32c,
        checksum_crc64nvme: checksum.checksum_crc64nvme,
        checksum_sha1: checksum.checksum_sha1,
        checksum_sha256: checksum.checksum_sha256,
        checksum_type,
        ..Default::default()
    }))
}

/// AbortMultipartUpload: the parts are dropped; an unknown upload is `404 NoSuchUpload`.
pub(super) async fn abort(
    storage: &MemoryStorage,
    checksums: &Checksums,
    request: S3Request<AbortMultipartUploadInput>,
) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
    let input = request.input;
    let path = object_path(&input.bucket, &input.key)?;
    storage
        .abort_upload(&path, &UploadId::new(input.upload_id.clone()))
        .await
        .map_err(s3_error)?;
    checksums.abort_upload(&input.upload_id);
    Ok(S3Response::new(AbortMultipartUploadOutput::default()))
}

/// ListMultipartUploads: uploads in key order (then by start), rolled up at a delimiter,
/// a page at a time after `key-marker` and `upload-id-marker`.
pub(super) async fn list_uploads(
    storage: &MemoryStorage,
    request: S3Request<ListMultipartUploadsInput>,
) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
    let input = request.input;
    let max_uploads = page_size(input.max_uploads, "max-uploads")?;
    let prefix = input.prefix.clone().unwrap_or_default();
    bucket_root(&input.bucket)?;
    let root = object_path(&input.bucket, &prefix)?;
    let mut uploads = storage
        .list_multipart_uploads(&root)
        .await
        .map_err(s3_error)?;
    uploads.sort_by(|a, b| {
        (a.path.key(), a.initiated, a.id.as_str()).cmp(&(b.path.key(), b.initiated, b.id.as_str()))
    });
    let page = UploadsPage::collect(
        uploads,
        &prefix,
        input.delimiter.as_deref().filter(|d| !d.is_empty()),
        input.key_marker.as_deref(),
        input.upload_id_marker.as_deref(),
        max_uploads as usize,
    );
    Ok(S3Response::new(ListMultipartUploadsOutput {
        bucket: Some(input.bucket),
        prefix: input.prefix,
        delimiter: input.delimiter,
        key_marker: input.key_marker,
        upload_id_marker: input.upload_id_marker,
        max_uploads: Some(max_uploads),
        is_truncated: Some(page.truncated),
        next_key_marker: page.next_key_marker,
        next_upload_id_marker: page.next_upload_id_marker,
        uploads: Some(
            page.uploads
                .into_iter()
                .map(|upload| MultipartUpload {
                    key: Some(upload.path.key().to_owned()),
                    upload_id: Some(upload.id.as_str().to_owned()),
                    initiated: upload.initiated.map(convert::timestamp),
                    owner: Some(owner()),
                    initiator: Some(initiator()),
                    storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
                    ..Default::default()
                })
                .collect(),
        ),
        common_prefixes: (!page.common_prefixes.is_empty()).then(|| {
            page.common_prefixes
                .into_iter()
                .map(|prefix| CommonPrefix {
                    prefix: Some(prefix),
                })
                .collect()
        }),
        ..Default::default()
    }))
}

/// One page of ListMultipartUploads.
#[derive(Debug, Default)]
struct UploadsPage {
    /// The uploads listed.
    uploads: Vec<PendingUpload>,
    /// Prefixes the uploads beyond the delimiter rolled up into.
    common_prefixes: Vec<String>,
    /// Whether more follow.
    truncated: bool,
    /// Where the next page starts: the last key (or prefix) listed.
    next_key_marker: Option<String>,
    /// With the key marker: the last upload id listed.
    next_upload_id_marker: Option<String>,
}

impl UploadsPage {
    /// The page of `uploads` (sorted) after the markers, at most `max` entries.
    fn collect(
        uploads: Vec<PendingUpload>,
        prefix: &str,
        delimiter: Option<&str>,
        key_marker: Option<&str>,
        upload_id_marker: Option<&str>,
        max: usize,
    ) -> Self {
        let mut page = Self::default();
        let mut entries = 0;
        for upload in uploads {
            let key = upload.path.key();
            let after_markers = match (key_marker, upload_id_marker) {
                (None, _) => true,
                (Some(marker), None) => key > marker,
                (Some(marker), Some(id)) => {
                    key > marker || (key == marker && upload.id.as_str() > id)
                }
            };
            if !after_markers {
                continue;
            }
            let rolled = delimiter.and_then(|delimiter| {
                key[prefix.len().min(key.len())..]
                    .find(delimiter)
                    .map(|at| key[..prefix.len() + at + delimiter.len()].to_owned())
            });
            if let Some(common) = &rolled
                && page.common_prefixes.last() == Some(common)
            {
                continue;
            }
            if entries == max {
                page.truncated = true;
                break;
            }
            entries += 1;
            match rolled {
                Some(common) => {
                    page.next_key_marker = Some(common.clone());
                    page.next_upload_id_marker = None;
                    page.common_prefixes.push(common);
                }
                None => {
                    page.next_key_marker = Some(key.to_owned());
                    page.next_upload_id_marker = Some(upload.id.as_str().to_owned());
                    page.uploads.push(upload);
                }
            }
        }
        if !page.truncated {
            page.next_key_marker = None;
            page.next_upload_id_marker = None;
        }
        page
    }
}

fn initiator() -> Initiator {
    let owner = owner();
    Initiator {
        display_name: owner.display_name,
        id: owner.id,
    }
}

/// A part number within S3's 1 to 10,000.
fn part_number(number: i32) -> S3Result<u32> {
    if PART_NUMBERS.contains(&number) {
        Ok(number as u32)
    } else {
        Err(invalid_argument(
            "Part number must be an integer between 1 and 10000, inclusive",
        ))
    }
}

/// A page size within S3's bounds: negative is refused, above 1000 is 1000.
fn page_size(requested: Option<i32>, name: &str) -> S3Result<i32> {
    match requested {
        None => Ok(MAX_PAGE),
        Some(n) if n < 0 => Err(invalid_argument(format!(
            "{name} must be a non-negative integer"
        ))),
        Some(n) => Ok(n.min(MAX_PAGE)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stowage_core::S3Path;

    fn pending(key: &str, id: &str) -> PendingUpload {
        PendingUpload {
            path: S3Path::new("bucket", key).unwrap(),
            id: UploadId::new(id),
            initiated: None,
        }
    }

    #[test]
    fn part_numbers_are_one_to_ten_thousand() {
        assert_eq!(part_number(1).unwrap(), 1);
        assert_eq!(part_number(10_000).unwrap(), 10_000);
        assert!(part_number(0).is_err());
        assert!(part_number(10_001).is_err());
    }

    #[test]
    fn upload_pages_follow_the_markers_and_roll_up_at_the_delimiter() {
        let uploads = vec![
            pending("a/1", "u1"),
            pending("a/2", "u2"),
            pending("b", "u3"),
            pending("b", "u4"),
            pending("c", "u5"),
        ];
        let page = UploadsPage::collect(uploads.clone(), "", Some("/"), None, None, 2);
        assert_eq!(page.common_prefixes, ["a/"]);
        assert_eq!(page.uploads.len(), 1);
        assert!(page.truncated);
        assert_eq!(page.next_key_marker.as_deref(), Some("b"));
        assert_eq!(page.next_upload_id_marker.as_deref(), Some("u3"));

        let next = UploadsPage::collect(uploads, "", Some("/"), Some("b"), Some("u3"), 2);
        let ids: Vec<&str> = next.uploads.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["u4", "u5"]);
        assert!(!next.truncated);
        assert_eq!(next.next_key_marker, None);
    }
}
