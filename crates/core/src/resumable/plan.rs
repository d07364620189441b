//! [`UploadPlan`]: how a file of a declared size is cut into parts.

use serde::{Deserialize, Serialize};

use crate::resumable::error::ResumableError;
use crate::transfer::{MAX_OBJECT_SIZE, MIN_PART_SIZE, PartPlan};

/// The parts of one upload: every part `part_size` bytes but the last, which holds the
/// rest. The service signs each part's URL for exactly its planned length, and completes
/// only when the store holds exactly these parts.
///
/// The part size is the service's configured one, or the size divided by 10,000 rounded up
/// to a whole MiB when that is larger (S3 takes at most 10,000 parts), at most 5 GiB.
///
/// ```
/// use stowage::resumable::UploadPlan;
///
/// let plan = UploadPlan::new(12 * 1024 * 1024 + 1, 5 * 1024 * 1024)?;
/// assert_eq!(plan.part_count, 3);
/// assert_eq!(plan.part_length(3), Some(2 * 1024 * 1024 + 1));
/// assert_eq!(plan.part_length(4), None);
/// # Ok::<(), stowage::resumable::ResumableError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadPlan {
    /// The file's declared size in bytes.
    pub size: u64,
    /// The size of every part but the last.
    pub part_size: u64,
    /// How many parts the file is cut into.
    pub part_count: u32,
}

impl UploadPlan {
    /// The plan for a file of `size` bytes in parts of at least `part_size` bytes.
    ///
    /// [`ResumableError::Unplannable`] for an empty file (it has no parts: it goes through
    /// a POST policy), a file above 5 TiB, or a part size below S3's 5 MiB minimum.
    pub fn new(size: u64, part_size: u64) -> Result<Self, ResumableError> {
        if size == 0 {
            return Err(ResumableError::Unplannable(
                "an empty file has no parts; upload it with a POST policy".into(),
            ));
        }
        if size > MAX_OBJECT_SIZE {
            return Err(ResumableError::Unplannable(format!(
                "{size} bytes is larger than S3's largest object ({MAX_OBJECT_SIZE} bytes)"
            )));
        }
        if part_size < MIN_PART_SIZE {
            return Err(ResumableError::Unplannable(format!(
                "parts of {part_size} bytes are below S3's minimum of {MIN_PART_SIZE}"
            )));
        }
        let part_size = PartPlan::for_length(size, part_size)
            .map_err(|error| ResumableError::Unplannable(error.to_string()))?
            .part_size(1);
        let part_count = u32::try_from(size.div_ceil(part_size)).map_err(|_| {
            ResumableError::Unplannable("the file needs more parts than S3 takes".into())
        })?;
        Ok(Self {
            size,
            part_size,
            part_count,
        })
    }

    /// The exact length of part `number`, or `None` outside `1..=part_count`.
    pub fn part_length(&self, number: u32) -> Option<u64> {
        if number == 0 || number > self.part_count {
            return None;
        }
        let start = u64::from(number - 1) * self.part_size;
        Some((self.size - start).min(self.part_size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::{MAX_PART_SIZE, MAX_PARTS};

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn parts_add_up_to_the_size() {
        for size in [1, 5 * MIB - 1, 5 * MIB, 5 * MIB + 1, 123 * MIB + 7] {
            let plan = UploadPlan::new(size, 5 * MIB).unwrap();
            let total: u64 = (1..=plan.part_count)
                .map(|n| plan.part_length(n).unwrap())
                .sum();
            assert_eq!(total, size);
            assert!(plan.part_length(plan.part_count + 1).is_none());
        }
    }

    #[test]
    fn the_largest_object_fits_in_ten_thousand_parts() {
        let plan = UploadPlan::new(MAX_OBJECT_SIZE, 5 * MIB).unwrap();
        assert!(plan.part_count <= MAX_PARTS);
        assert!(plan.part_size <= MAX_PART_SIZE);
        assert_eq!(plan.part_size % MIB, 0);
    }

    #[test]
    fn impossible_plans_are_refused() {
        assert!(UploadPlan::new(0, 5 * MIB).is_err());
        assert!(UploadPlan::new(MAX_OBJECT_SIZE + 1, 5 * MIB).is_err());
        assert!(UploadPlan::new(MIB, MIB).is_err());
    }
}
