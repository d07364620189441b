//! [`TransferSettings`]: when uploads, copies and downloads go in parts, how large the parts
//! are and how many are in flight; S3's multipart limits.

use crate::error::{Error, Result};

/// 1 MiB.
const MIB: u64 = 1024 * 1024;

/// The smallest part S3 accepts, except for the last part of an upload.
pub const MIN_PART_SIZE: u64 = 5 * MIB;
/// The largest part S3 accepts.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * MIB;
/// The most parts one multipart upload may have.
pub const MAX_PARTS: u32 = 10_000;
/// The largest object S3 stores.
pub const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * MIB;
/// The largest object one PutObject or one CopyObject may write.
pub const MAX_SINGLE_REQUEST_SIZE: u64 = 5 * 1024 * MIB;

/// How uploads, copies and downloads are split into parts.
///
/// - An upload larger than [`multipart_threshold`](Self::multipart_threshold) (or of
///   unknown length and larger) goes as a multipart upload; a smaller one is one PutObject.
/// - A copy of an object larger than [`copy_threshold`](Self::copy_threshold) goes as
///   ranged part copies; a smaller one is one CopyObject.
/// - A download of an object larger than the multipart threshold goes as ranged GETs.
///
/// Parts are [`part_size`](Self::part_size) bytes, grown where needed so that the object
/// fits in S3's 10,000 parts, with at most [`concurrency`](Self::concurrency) in flight: an
/// upload or download holds at most `part_size x concurrency` bytes in memory.
///
/// ```
/// use stowage::transfer::TransferSettings;
/// let settings = TransferSettings::default()
///     .part_size(32 * 1024 * 1024)
///     .concurrency(4);
/// assert!(settings.validate().is_ok());
/// assert!(TransferSettings::default().concurrency(0).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransferSettings {
    /// Payloads and objects larger than this go in parts (default 16 MiB).
    pub multipart_threshold: u64,
    /// Objects larger than this are copied in parts (default 5 GiB, S3's CopyObject limit).
    pub copy_threshold: u64,
    /// The size of each part before growth (default 16 MiB; 5 MiB to 5 GiB).
    pub part_size: u64,
    /// Parts in flight at once, per transfer (default 8).
    pub concurrency: usize,
    /// How many times one ranged read whose body breaks is resumed from the last byte
    /// received (default 5).
    pub body_resumes: u32,
}

impl Default for TransferSettings {
    fn default() -> Self {
        Self {
            multipart_threshold: 16 * MIB,
            copy_threshold: MAX_SINGLE_REQUEST_SIZE,
            part_size: 16 * MIB,
            concurrency: 8,
            body_resumes: 5,
        }
    }
}

impl TransferSettings {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`multipart_threshold`](Self::multipart_threshold).
    #[must_use]
    pub fn multipart_threshold(mut self, bytes: u64) -> Self {
        self.multipart_threshold = bytes;
        self
    }

    /// Sets [`copy_threshold`](Self::copy_threshold).
    #[must_use]
    pub fn copy_threshold(mut self, bytes: u64) -> Self {
        self.copy_threshold = bytes;
        self
    }

    /// Sets [`part_size`](Self::part_size).
    #[must_use]
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes;
        self
    }

    /// Sets [`concurrency`](Self::concurrency).
    #[must_use]
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency = parts;
        self
    }

    /// Sets [`body_resumes`](Self::body_resumes).
    #[must_use]
    pub fn body_resumes(mut self, resumes: u32) -> Self {
        self.body_resumes = resumes;
        self
    }

    /// [`Error::InvalidArgument`] for settings S3 would refuse or that cannot make progress:
    /// a part size outside 5 MiB..=5 GiB, a concurrency of 0, a threshold above what one
    /// request may carry.
    pub fn validate(&self) -> Result<()> {
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&self.part_size) {
            return Err(Error::invalid_argument(format!(
                "part size {} is outside S3's limits ({MIN_PART_SIZE} to {MAX_PART_SIZE} bytes)",
                self.part_size
            )));
        }
        if self.concurrency == 0 {
            return Err(Error::invalid_argument(
                "a transfer needs at least one part in flight (concurrency 0)",
            ));
        }
        if self.multipart_threshold > MAX_SINGLE_REQUEST_SIZE {
            return Err(Error::invalid_argument(format!(
                "multipart threshold {} is above the {MAX_SINGLE_REQUEST_SIZE} bytes one \
                 PutObject may carry",
                self.multipart_threshold
            )));
        }
        if self.copy_threshold > MAX_SINGLE_REQUEST_SIZE {
            return Err(Error::invalid_argument(format!(
                "copy threshold {} is above the {MAX_SINGLE_REQUEST_SIZE} bytes one CopyObject \
                 may copy",
                self.copy_threshold
            )));
        }
        Ok(())
    }
}
