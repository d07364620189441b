//! [`Limits`]: S3's server-side size rules for one request and for parts, and the errors
//! S3 answers when a request breaks them.

use crate::errors::service;
use stowage_core::transfer::{MAX_PARTS, MAX_SINGLE_REQUEST_SIZE, MIN_PART_SIZE};
use stowage_core::{Error, Result, S3Path};

/// The size rules the store enforces, S3's by default; tests lower them to reach the
/// multipart paths with small objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// The most bytes one PutObject, UploadPart, CopyObject or UploadPartCopy may carry.
    pub(crate) single_request: u64,
    /// The smallest part a completed upload may have, except its last.
    pub(crate) min_part_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            single_request: MAX_SINGLE_REQUEST_SIZE,
            min_part_size: MIN_PART_SIZE,
        }
    }
}

impl Limits {
    /// A PutObject or UploadPart body of `size` bytes: above the limit, S3 answers
    /// `EntityTooLarge` (400) without storing anything.
    pub(crate) fn check_upload(&self, size: u64, path: &S3Path) -> Result<()> {
        if size <= self.single_request {
            return Ok(());
        }
        Err(service(
            "EntityTooLarge",
            400,
            format!(
                "Your proposed upload of {size} bytes exceeds the maximum allowed size of {} \
                 bytes for one request",
                self.single_request
            ),
            path,
        ))
    }

    /// A CopyObject of a `size`-byte source, or an UploadPartCopy of a `size`-byte range:
    /// above the limit, S3 answers `InvalidRequest` (400), since the request itself is
    /// small and it is the copy source that is too large.
    pub(crate) fn check_copy(&self, size: u64, source: &S3Path) -> Result<()> {
        if size <= self.single_request {
            return Ok(());
        }
        Err(service(
            "InvalidRequest",
            400,
            format!(
                "The specified copy source is larger than the maximum allowable size for a \
                 copy source: {}",
                self.single_request
            ),
            source,
        ))
    }

    /// A part that is not its upload's last, of `size` bytes: below the minimum, completing
    /// the upload fails with `EntityTooSmall` (400).
    pub(crate) fn check_part(&self, size: u64, number: u32, path: &S3Path) -> Result<()> {
        if size >= self.min_part_size {
            return Ok(());
        }
        Err(service(
            "EntityTooSmall",
            400,
            format!(
                "Part {number} has {size} bytes, below the minimum allowed size of {} bytes",
                self.min_part_size
            ),
            path,
        ))
    }
}

/// A part number outside 1..=10,000 is `InvalidArgument` (400), as S3 answers it.
pub(crate) fn check_part_number(number: u32, path: &S3Path) -> Result<()> {
    if (1..=MAX_PARTS).contains(&number) {
        return Ok(());
    }
    Err(service(
        "InvalidArgument",
        400,
        format!("Part number must be an integer between 1 and {MAX_PARTS}, inclusive"),
        path,
    ))
}

/// An upload id the store does not know, or one of another key: `NoSuchUpload` (404).
pub(crate) fn no_such_upload(path: &S3Path) -> Error {
    service(
        "NoSuchUpload",
        404,
        "The specified multipart upload does not exist. The upload ID may be invalid, or the \
         upload may have been aborted or completed."
            .into(),
        path,
    )
}

/// A completion naming a part that was not uploaded, or with another ETag: `InvalidPart`
/// (400).
pub(crate) fn invalid_part(number: u32, path: &S3Path) -> Error {
    service(
        "InvalidPart",
        400,
        format!("Part {number} could not be found, or its entity tag does not match the part's"),
        path,
    )
}

/// A completion whose parts are not in strictly ascending order: `InvalidPartOrder` (400).
pub(crate) fn invalid_part_order(path: &S3Path) -> Error {
    service(
        "InvalidPartOrder",
        400,
        "The list of parts was not in ascending order; parts must be ordered by part number".into(),
        path,
    )
}

/// A completion naming no part at all: `MalformedXML` (400), as S3 answers an empty
/// `CompleteMultipartUpload` element.
pub(crate) fn no_parts(path: &S3Path) -> Error {
    service(
        "MalformedXML",
        400,
        "The XML you provided was not well-formed or did not validate against our published \
         schema: a completion needs at least one part"
            .into(),
        path,
    )
}

/// A completion whose `x-amz-mp-object-size` is not the parts' total: `InvalidRequest`
/// (400), as S3 answers it.
pub(crate) fn object_size_mismatch(expected: u64, actual: u64, path: &S3Path) -> Error {
    service(
        "InvalidRequest",
        400,
        format!(
            "The object size {expected} given does not match the parts' total of {actual} bytes"
        ),
        path,
    )
}
