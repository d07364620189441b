//! [`PartPlan`]: how large each part of a transfer is, so that any object up to 5 TiB fits
//! in S3's 10,000 parts.

use std::ops::Range;

use crate::error::{Error, Result};
use crate::transfer::settings::{
    MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MAX_SINGLE_REQUEST_SIZE,
};
use crate::write::PutMode;

/// Parts are rounded up to whole mebibytes when they grow.
const ROUNDING: u64 = 1024 * 1024;

/// Parts of an upload of unknown length double in size every this many parts, which lets
/// 10,000 parts starting at 5 MiB hold more than 5 TiB.
const GROWTH_INTERVAL: u32 = 625;

/// Checks one part against S3's limits before it is sent or a URL is minted for it:
/// [`Error::InvalidArgument`] for a part number outside 1..=10,000 or a part larger than
/// 5 GiB.
///
/// ```
/// use stowage::transfer::check_part;
/// assert!(check_part(1, 5 * 1024 * 1024).is_ok());
/// assert!(check_part(0, 1).is_err());
/// assert!(check_part(10_001, 1).is_err());
/// ```
pub fn check_part(number: u32, length: u64) -> Result<()> {
    if !(1..=MAX_PARTS).contains(&number) {
        return Err(Error::invalid_argument(format!(
            "part number {number} is outside 1..={MAX_PARTS}"
        )));
    }
    if length > MAX_SINGLE_REQUEST_SIZE {
        return Err(Error::invalid_argument(format!(
            "a part of {length} bytes is larger than S3's largest part \
             ({MAX_SINGLE_REQUEST_SIZE} bytes)"
        )));
    }
    Ok(())
}

/// Checks the mode of an upload a caller drives (`create_multipart_upload`): its
/// completion carries no condition, so any mode but the default overwrite is
/// [`Error::InvalidArgument`].
///
/// ```
/// use stowage::PutMode;
/// use stowage::transfer::check_upload_mode;
/// assert!(check_upload_mode(&PutMode::Overwrite).is_ok());
/// assert!(check_upload_mode(&PutMode::Create).is_err());
/// ```
pub fn check_upload_mode(mode: &PutMode) -> Result<()> {
    if *mode == PutMode::Overwrite {
        return Ok(());
    }
    Err(Error::invalid_argument(
        "an upload whose parts a client sends is completed without a mode",
    ))
}

/// The size of every part of one transfer.
///
/// With a known length every part but the last has the same size: the configured one, or
/// the length divided by 10,000 when that is larger. With an unknown length parts start at
/// the configured size and double every 625 parts, up to 5 GiB.
///
/// ```
/// use stowage::transfer::PartPlan;
/// let plan = PartPlan::for_length(5 * 1024u64.pow(4), 8 * 1024 * 1024).unwrap();
/// assert!(plan.part_size(1) * 10_000 >= 5 * 1024u64.pow(4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPlan {
    base: u64,
    growing: bool,
}

impl PartPlan {
    /// Equal parts for an object of `length` bytes, at least `part_size` each.
    ///
    /// [`Error::InvalidArgument`] above 5 TiB, S3's largest object.
    pub fn for_length(length: u64, part_size: u64) -> Result<Self> {
        if length > MAX_OBJECT_SIZE {
            return Err(Error::invalid_argument(format!(
                "{length} bytes is larger than S3's largest object ({MAX_OBJECT_SIZE} bytes)"
            )));
        }
        let needed = length.div_ceil(u64::from(MAX_PARTS)).div_ceil(ROUNDING) * ROUNDING;
        Ok(Self {
            base: part_size.max(needed).min(MAX_PART_SIZE),
            growing: false,
        })
    }

    /// Growing parts for a payload whose length is not known, starting at `part_size`.
    pub fn for_unknown_length(part_size: u64) -> Self {
        Self {
            base: part_size,
            growing: true,
        }
    }

    /// The size of part `number` (1-based): the last part of an upload may be shorter.
    pub fn part_size(&self, number: u32) -> u64 {
        if !self.growing {
            return self.base;
        }
        let doublings = (number.saturating_sub(1) / GROWTH_INTERVAL).min(32);
        self.base
            .saturating_mul(1u64 << doublings)
            .min(MAX_PART_SIZE)
    }

    /// The byte ranges of the parts of an object of `length` bytes, in order.
    ///
    /// An empty object has no parts.
    pub fn ranges(&self, length: u64) -> impl Iterator<Item = (u32, Range<u64>)> + '_ {
        let mut start = 0;
        (1..=MAX_PARTS).map_while(move |number| {
            if start >= length {
                return None;
            }
            let end = length.min(start + self.part_size(number));
            let range = start..end;
            start = end;
            Some((number, range))
        })
    }
}
