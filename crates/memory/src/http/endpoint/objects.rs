//! Object operations: PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects and
//! CopyObject.

use std::time::SystemTime;

use http::{HeaderMap, StatusCode};
use s3s::dto::{
    CopyObjectInput, CopyObjectOutput, CopyObjectResult, CopySource, DeleteObjectInput,
    DeleteObjectOutput, DeleteObjectsInput, DeleteObjectsOutput, DeletedObject, GetObjectInput,
    GetObjectOutput, HeadObjectInput, HeadObjectOutput, MetadataDirective, PutObjectInput,
    PutObjectOutput, Range, StreamingBlob,
};
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};
use stowage_core::transfer::MultipartStore as _;
use stowage_core::{
    ByteRange, CopyOptions, GetOptions, GetOutcome, ObjectMeta, ObjectStorage as _, Precondition,
    PutMode, S3Path,
};

use super::body;
use super::checksums::Checksums;
use super::convert::{self, Attributes};
use super::errors::{coded, invalid_argument, not_implemented, object_path, s3_error};
use crate::storage::MemoryStorage;

/// A GetObject or HeadObject output (`$output`): the `$meta`'s attributes, its checksum
/// and checksum type, and the `{ .. }` fields particular to the operation.
macro_rules! object_output {
    ($output:ident, $meta:ident, $checksum:ident, $checksum_type:ident, { $($field:ident: $value:expr),* $(,)? }) => {
        $output {
            $($field: $value,)*
            accept_ranges: Some("bytes".to_owned()),
            checksum_crc32: $checksum.checksum_crc32,
            checksum_crc32c: $checksum.checksum_crc32c,
            checksum_crc64nvme: $checksum.checksum_crc64nvme,
            checksum_sha1: $checksum.checksum_sha1,
            checksum_sha256: $checksum.checksum_sha256,
            checksum_type: $checksum_type,
            e_tag: $meta.etag.as_deref().map(convert::etag),
            last_modified: $meta.last_modified.map(convert::timestamp),
            metadata: convert::metadata(&$meta),
            content_type: $meta.content_type,
            cache_control: $meta.cache_control,
            content_disposition: $meta.content_disposition,
            content_encoding: $meta.content_encoding,
            content_language: $meta.content_language,
            ..Default::default()
        }
    };
}

/// PutObject: the body read whole and checked, stored in one piece under the request's
/// attributes and conditions.
pub(super) async fn put(
    storage: &MemoryStorage,
    checksums: &Checksums,
    request: S3Request<PutObjectInput>,
) -> S3Result<S3Response<PutObjectOutput>> {
    let S3Request {
        input,
        headers,
        trailing_headers,
        ..
    } = request;
    let path = object_path(&input.bucket, &input.key)?;
    let mode = convert::write_mode(input.if_none_match.as_ref(), input.if_match.as_ref())?;
    let claims = body::claims_of!(input);
    let body = body::read_checked(input.body, claims, &headers, trailing_headers.as_ref()).await?;
    let size = body.bytes.len() as i64;
    let options = Attributes {
        content_type: input.content_type,
        cache_control: input.cache_control,
        content_disposition: input.content_disposition,
        content_encoding: input.content_encoding,
        content_language: input.content_language,
        metadata: input.metadata,
    }
    .into_put_options(mode)?;
    let result = storage
        .put_single(&path, body.bytes, &options)
        .await
        .map_err(s3_error)?;
    checksums.record(&path, result.etag.as_deref(), &body.checksums);
    let checksums = body.checksums;
    Ok(S3Response::new(PutObjectOutput {
        e_tag: result.etag.as_deref().map(convert::etag),
        checksum_crc32: checksums.checksum_crc32,
        checksum_crc32c: checksums.checksum_crc32c,
        checksum_crc64nvme: checksums.checksum_crc64nvme,
        checksum_sha1: checksums.checksum_sha1,
        checksum_sha256: checksums.checksum_sha256,
        size: Some(size),
        ..Default::default()
    }))
}

/// GetObject: a range, the four conditions, and the object's attributes; `s3s` applies
/// the `response-*` overrides.
pub(super) async fn get(
    storage: &MemoryStorage,
    checksums: &Checksums,
    request: S3Request<GetObjectInput>,
) -> S3Result<S3Response<GetObjectOutput>> {
    let input = request.input;
    if input.part_number.is_some() {
        return Err(not_implemented("GetObject of one part (partNumber)"));
    }
    let checksum_mode = enabled(input.checksum_mode.as_ref());
    if input.version_id.is_some() {
        return Err(not_implemented("GetObject of a version (versionId)"));
    }
    let path = object_path(&input.bucket, &input.key)?;
    let mut options = GetOptions::new();
    options.range = input.range.map(byte_range);
    options.if_match = input.if_match.as_ref().map(convert::condition);
    options.if_none_match = input.if_none_match.as_ref().map(convert::condition);
    options.if_modified_since = input.if_modified_since.map(convert::system_time);
    options.if_unmodified_since = input.if_unmodified_since.map(convert::system_time);
    let output = match storage
        .get_object_with(&path, &options)
        .await
        .map_err(s3_error)?
    {
        GetOutcome::Found(output) => output,
        GetOutcome::NotModified(not_modified) => {
            return Err(self::not_modified(
                not_modified.etag.as_deref(),
                not_modified.last_modified,
            ));
        }
    };
    let meta = output.meta;
    let range = output.range;
    // The store's bodies are in memory: the whole range is one shared slice.
    let data = output.body.bytes().await.map_err(s3_error)?;
    // S3 gives an object's checksum with a whole object only.
    let (checksum, checksum_type) = checksum_of(
        checksums,
        checksum_mode && options.range.is_none(),
        &path,
        &meta,
    );
    let content_range = options.range.is_some().then(|| {
        format!(
            "bytes {}-{}/{}",
            range.start,
            range.end.saturating_sub(1),
            meta.size
        )
    });
    Ok(S3Response::new(object_output!(
        GetObjectOutput,
        meta,
        checksum,
        checksum_type,
        {
            body: Some(StreamingBlob::from(s3s::Body::from(data))),
            content_length: Some((range.end - range.start) as i64),
            content_range: content_range,
        }
    )))
}

/// HeadObject: the object's attributes under the four conditions, evaluated as S3
/// evaluates them on a HEAD.
pub(super) async fn head(
    storage: &MemoryStorage,
    checksums: &Checksums,
    request: S3Request<HeadObjectInput>,
) -> S3Result<S3Response<HeadObjectOutput>> {
    let input = request.input;
    if input.part_number.is_some() {
        return Err(not_implemented("HeadObject of one part (partNumber)"));
    }
    let path = object_path(&input.bucket, &input.key)?;
    let meta = storage.head_object(&path).await.map_err(s3_error)?;
    let mut conditions = GetOptions::new();
    conditions.if_match = input.if_match.as_ref().map(convert::condition);
    conditions.if_none_match = input.if_none_match.as_ref().map(convert::condition);
    conditions.if_modified_since = input.if_modified_since.map(convert::system_time);
    conditions.if_unmodified_since = input.if_unmodified_since.map(convert::system_time);
    check_conditions(&conditions, &meta)?;
    let (checksum, checksum_type) = checksum_of(
        checksums,
        enabled(input.checksum_mode.as_ref()),
        &path,
        &meta,
    );
    Ok(S3Response::new(object_output!(
        HeadObjectOutput,
        meta,
        checksum,
        checksum_type,
        { content_length: Some(meta.size as i64) }
    )))
}

/// DeleteObject: idempotent, as S3's.
pub(super) async fn delete(
    storage: &MemoryStorage,
    checksums: &Checksums,
    request: S3Request<DeleteObjectInput>,
) -> S3Result<S3Response<DeleteObjectOutput>> {
    let input = request.input;
    if input.if_match.is_some() || input.if_match_size.is_some() {
        return Err(not_implemented("a conditional DeleteObject"));
    }
    let path = object_path(&input.bucket, &input.key)?;
    storage.delete_object(&path).await.map_err(s3_error)?;
    checksums.forget(&path);
    Ok(S3Response::new(DeleteObjectOutput::default()))
}

/// DeleteObjects: every key reported, deleted or failed with its code.
pub(super) async fn delete_many(
    storage: &MemoryStorage,
    checksums: &Checksums,
    request: S3Request<DeleteObjectsInput>,
) -> S3Result<S3Response<DeleteObjectsOutput>> {
    let input = request.input;
    if input.delete.objects.len() > 1000 {
        return Err(coded(
            S3ErrorCode::MalformedXML,
            StatusCode::BAD_REQUEST,
            "A DeleteObjects request names at most 1000 keys.",
        ));
    }
    let paths = input
        .delete
        .objects
        .iter()
        .map(|object| object_path(&input.bucket, &object.key))
        .collect::<S3Result<Vec<S3Path>>>()?;
    let report = storage.delete_objects(&paths).await.map_err(s3_error)?;
    for path in &report.deleted {
        checksums.forget(path);
    }
    let quiet = input.delete.quiet.unwrap_or(false);
    let deleted = (!quiet).then(|| {
        report
            .deleted
            .iter()
            .map(|path| DeletedObject {
                key: Some(path.key().to_owned()),
                ..Default::default()
            })
            .collect()
    });
    let errors = report
        .failed
        .into_iter()
        .map(|failure| s3s::dto::Error {
            code: Some(failure.code),
            key: Some(failure.path.key().to_owned()),
            message: Some(failure.message),
            version_id: None,
        })
        .collect::<Vec<_>>();
    Ok(S3Response::new(DeleteObjectsOutput {
        deleted,
        errors: (!errors.is_empty()).then_some(errors),
        ..Default::default()
    }))
}

/// CopyObject: the source's conditions, the target's (`If-None-Match: *`, `If-Match`),
/// and the metadata directive. A copy onto itself succeeds, as in process and on Garage
/// (S3 refuses one that changes nothing): the endpoint answers what the store decides.
pub(super) async fn copy(
    storage: &MemoryStorage,
    checksums: &Checksums,
    request: S3Request<CopyObjectInput>,
) -> S3Result<S3Response<CopyObjectOutput>> {
    let S3Request { input, headers, .. } = request;
    let source = source_path(&input.copy_source)?;
    let target = object_path(&input.bucket, &input.key)?;
    let replace = input
        .metadata_directive
        .as_ref()
        .is_some_and(|directive| directive.as_str() == MetadataDirective::REPLACE);
    let source_conditions = SourceConditions {
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
    };
    let source_meta = storage.head_object(&source).await.map_err(s3_error)?;
    source_conditions.check(&source_meta)?;
    let mut options = CopyOptions::new().mode(target_mode(&headers)?);
    if replace {
        let attributes = Attributes {
            content_type: input.content_type,
            cache_control: input.cache_control,
            content_disposition: input.content_disposition,
            content_encoding: input.content_encoding,
            content_language: input.content_language,
            metadata: input.metadata,
        };
        options = options.replace_attributes(attributes.into_put_options(PutMode::Overwrite)?);
    }
    storage
        .copy_object_with(&source, &target, &options)
        .await
        .map_err(s3_error)?;
    let copied = storage.head_object(&target).await.map_err(s3_error)?;
    checksums.copy(
        &source,
        source_meta.etag.as_deref(),
        &target,
        copied.etag.as_deref(),
    );
    Ok(S3Response::new(CopyObjectOutput {
        copy_object_result: Some(CopyObjectResult {
            e_tag: copied.etag.as_deref().map(convert::etag),
            last_modified: copied.last_modified.map(convert::timestamp),
            ..Default::default()
        }),
        ..Default::default()
    }))
}

/// Whether `x-amz-checksum-mode` asks for the object's checksum.
fn enabled(mode: Option<&s3s::dto::ChecksumMode>) -> bool {
    mode.is_some_and(|mode| mode.as_str() == s3s::dto::ChecksumMode::ENABLED)
}

/// The checksum the object at `path` was uploaded with, when `wanted` and known.
fn checksum_of(
    checksums: &Checksums,
    wanted: bool,
    path: &S3Path,
    meta: &ObjectMeta,
) -> (s3s::dto::Checksum, Option<s3s::dto::ChecksumType>) {
    wanted
        .then(|| checksums.lookup(path, meta.etag.as_deref()?))
        .flatten()
        .map_or_else(Default::default, |(checksum, kind)| (checksum, Some(kind)))
}

/// The object an `x-amz-copy-source` names; versions and access points are not kept here.
pub(super) fn source_path(source: &CopySource) -> S3Result<S3Path> {
    match source {
        CopySource::Bucket {
            bucket,
            key,
            version_id,
        } => {
            if version_id
                .as_deref()
                .is_some_and(|version| version != "null")
            {
                return Err(not_implemented("a copy from an object version"));
            }
            object_path(bucket, key)
        }
        _ => Err(not_implemented("a copy from an access point or an outpost")),
    }
}

/// The target's condition of a copy, sent as raw headers (`s3s` 0.14 does not parse them
/// for CopyObject).
fn target_mode(headers: &HeaderMap) -> S3Result<PutMode> {
    convert::write_mode_of_headers(headers)
}

/// `x-amz-copy-source-if-*`: a copy whose source fails one is `412 PreconditionFailed`,
/// whichever it is (S3 sends no 304 for a copy).
#[derive(Debug)]
pub(super) struct SourceConditions {
    /// `x-amz-copy-source-if-match`.
    pub(super) if_match: Option<String>,
    /// `x-amz-copy-source-if-none-match`.
    pub(super) if_none_match: Option<String>,
    /// `x-amz-copy-source-if-modified-since`.
    pub(super) if_modified_since: Option<SystemTime>,
    /// `x-amz-copy-source-if-unmodified-since`.
    pub(super) if_unmodified_since: Option<SystemTime>,
}

impl SourceConditions {
    /// Checks the conditions against the source's `meta`.
    pub(super) fn check(&self, meta: &ObjectMeta) -> S3Result<()> {
        let mut options = GetOptions::new();
        options.if_match = self.if_match.clone();
        options.if_none_match = self.if_none_match.clone();
        options.if_modified_since = self.if_modified_since;
        options.if_unmodified_since = self.if_unmodified_since;
        let etag = meta.etag.as_deref().unwrap_or_default();
        let modified = meta.last_modified.unwrap_or(SystemTime::UNIX_EPOCH);
        match options.evaluate(etag, modified) {
            Precondition::Proceed => Ok(()),
            Precondition::NotModified | Precondition::Failed => Err(precondition_failed()),
        }
    }
}

/// Conditions of a read evaluated against `meta`: `304` or `412` as S3 answers.
fn check_conditions(conditions: &GetOptions, meta: &ObjectMeta) -> S3Result<()> {
    conditions.validate().map_err(s3_error)?;
    let etag = meta.etag.as_deref().unwrap_or_default();
    let modified = meta.last_modified.unwrap_or(SystemTime::UNIX_EPOCH);
    match conditions.evaluate(etag, modified) {
        Precondition::Proceed => Ok(()),
        Precondition::NotModified => Err(not_modified(meta.etag.as_deref(), meta.last_modified)),
        Precondition::Failed => Err(precondition_failed()),
    }
}

fn precondition_failed() -> S3Error {
    coded(
        S3ErrorCode::PreconditionFailed,
        StatusCode::PRECONDITION_FAILED,
        "At least one of the pre-conditions you specified did not hold",
    )
}

/// `304 Not Modified`, with the ETag and Last-Modified S3 sends with it.
fn not_modified(etag: Option<&str>, last_modified: Option<SystemTime>) -> S3Error {
    let mut error = coded(
        S3ErrorCode::NotModified,
        StatusCode::NOT_MODIFIED,
        "Not Modified",
    );
    let mut headers = HeaderMap::new();
    if let Some(value) = etag.and_then(|etag| etag.parse().ok()) {
        headers.insert(http::header::ETAG, value);
    }
    if let Some(value) = last_modified
        .map(crate::http::dates::format)
        .and_then(|date| date.parse().ok())
    {
        headers.insert(http::header::LAST_MODIFIED, value);
    }
    error.set_headers(headers);
    error
}

/// S3's byte range as the store's.
fn byte_range(range: Range) -> ByteRange {
    match range {
        Range::Int {
            first,
            last: Some(last),
        } => ByteRange::inclusive(first, last),
        Range::Int { first, last: None } => ByteRange::from_offset(first),
        Range::Suffix { length } => ByteRange::suffix(length),
    }
}

/// The parts of a bounded `bytes=first-last` copy range as a half-open range within an
/// object of `size` bytes.
pub(super) fn copy_range(header: &str, size: u64) -> S3Result<std::ops::Range<u64>> {
    let invalid = || {
        invalid_argument(format!(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where \
             first and last are the zero-based offsets of the first and last bytes to copy, \
             within an object of {size} bytes"
        ))
    };
    let (first, last) = header
        .strip_prefix("bytes=")
        .and_then(|range| range.split_once('-'))
        .ok_or_else(invalid)?;
    let first: u64 = first.parse().map_err(|_| invalid())?;
    let last: u64 = last.parse().map_err(|_| invalid())?;
    if first > last || last >= size {
        return Err(invalid());
    }
    Ok(first..last + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_map_to_the_stores() {
        assert_eq!(
            byte_range(Range::Int {
                first: 2,
                last: Some(4)
            }),
            ByteRange::inclusive(2, 4)
        );
        assert_eq!(
            byte_range(Range::Int {
                first: 3,
                last: None
            }),
            ByteRange::from_offset(3)
        );
        assert_eq!(
            byte_range(Range::Suffix { length: 5 }),
            ByteRange::suffix(5)
        );
    }

    #[test]
    fn copy_ranges_must_lie_within_the_source() {
        assert_eq!(copy_range("bytes=0-9", 10).unwrap(), 0..10);
        assert!(copy_range("bytes=0-10", 10).is_err());
        assert!(copy_range("bytes=5-4", 10).is_err());
        assert!(copy_range("0-4", 10).is_err());
    }

    #[test]
    fn not_modified_carries_the_validators() {
        let error = not_modified(Some("\"abc\""), Some(SystemTime::UNIX_EPOCH));
        assert_eq!(error.status_code(), Some(StatusCode::NOT_MODIFIED));
        let headers = error.headers().unwrap();
        assert_eq!(headers[http::header::ETAG], "\"abc\"");
        assert_eq!(
            headers[http::header::LAST_MODIFIED],
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
    }
}
