//! Whether a write may replace what is at its key: S3's `If-None-Match: *` and `If-Match`.

#[cfg(doc)]
use stowage_core::Error;
use stowage_core::{PutMode, Result, S3Path, etag_matches};

use crate::errors;
use crate::errors::not_found;
use crate::object::StoredObject;

/// Whether a write under `mode` may go to `path`, where `existing` gives what is stored
/// now: looked up only for a mode that depends on it, so a plain overwrite finds its key
/// once, in the write itself.
///
/// Called under the store's write lock, so the check and the write are one step: of two
/// concurrent create-only writes of one key, exactly one wins.
///
/// - [`PutMode::Create`] over an object: [`Error::PreconditionFailed`].
/// - [`PutMode::IfMatch`] over an object with another ETag: [`Error::PreconditionFailed`];
///   with no object there, [`Error::NotFound`], as AWS answers `NoSuchKey` (404).
/// - A mode this backend does not know: [`Error::Unsupported`] for `operation`, never an
///   overwrite.
pub(crate) fn check<'o>(
    mode: &PutMode,
    existing: impl FnOnce() -> Option<&'o StoredObject>,
    path: &S3Path,
    operation: &'static str,
) -> Result<()> {
    let allowed = match mode {
        PutMode::Overwrite => true,
        PutMode::Create => existing().is_none(),
        PutMode::IfMatch(etag) => {
            let current = existing().ok_or_else(|| not_found(path))?;
            etag_matches(etag, current.etag_text().as_str())
        }
        _ => {
            return Err(errors::unsupported(operation));
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(errors::precondition_failed(path))
    }
}
