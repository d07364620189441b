//! Reads with options: byte ranges and the four conditions, with S3's answers.
//!
//! The options map onto `object_store`'s own. What stores report differently is settled
//! here: an unsatisfiable range (a generic error, or an empty slice of an empty object) is
//! [`Error::RangeNotSatisfiable`] as on S3, and the conditions are checked again against
//! the metadata served, so a store that ignores one cannot turn a conditional read into
//! an unconditional one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use object_store::{GetRange, ObjectStoreExt};
use stowage_core::{
    ByteRange, Error, GetObjectOutput, GetOptions, GetOutcome, NotModified, Precondition, Result,
    S3Path,
};

use crate::adapter::ObjectStoreAdapter;
use crate::convert::{body, condition_etag, object_meta};
use crate::errors::{Access, map_error, unsupported};

/// The operation reads report in errors and spans.
const OPERATION: &str = "get_object_with";

/// Reads `path`; see [`stowage::ObjectStorage::get_object_with`].
///
/// [`stowage::ObjectStorage::get_object_with`]: stowage_core::ObjectStorage::get_object_with
pub(crate) async fn get_object_with(
    adapter: &ObjectStoreAdapter,
    path: &S3Path,
    options: &GetOptions,
) -> Result<GetOutcome> {
    options.validate()?;
    let (store, location) = adapter.read_target(path)?;
    let result = match store.get_opts(&location, store_options(options)).await {
        Ok(result) => result,
        Err(object_store::Error::NotModified { .. }) => {
            return Ok(GetOutcome::NotModified(NotModified {
                path: path.clone(),
                // A 304 to If-None-Match means the current ETag is the one named.
                etag: options
                    .if_none_match
                    .as_deref()
                    .filter(|etag| *etag != "*")
                    .map(condition_etag),
                last_modified: None,
            }));
        }
        Err(error) => {
            let error = map_error(error, path, Access::Read, OPERATION);
            if let (Some(range), Error::Service { .. }) = (options.range, &error) {
                // Stores report an unsatisfiable range as a generic error, if at all: the
                // object's size tells.
                if let Ok(meta) = store.head(&location).await
                    && range.resolve(meta.size).is_none()
                {
                    return Err(not_satisfiable(path, meta.size));
                }
            }
            return Err(error);
        }
    };
    let meta = object_meta(path, &result.meta, &result.attributes);
    match recheck(options, &meta)? {
        Precondition::Proceed => {}
        Precondition::Failed => return Err(Error::PreconditionFailed { path: path.clone() }),
        Precondition::NotModified => {
            return Ok(GetOutcome::NotModified(NotModified {
                path: path.clone(),
                etag: meta.etag,
                last_modified: meta.last_modified,
            }));
        }
    }
    if let Some(range) = options.range
        && range.resolve(meta.size).is_none()
    {
        // `object_store` serves an empty slice of an empty object; S3 answers 416.
        return Err(not_satisfiable(path, meta.size));
    }
    let range = result.range.clone();
    Ok(GetOutcome::Found(GetObjectOutput {
        meta,
        range,
        body: body(path, result, OPERATION),
    }))
}

/// `object_store`'s options for ours: the same range, the ETags quoted as stores compare
/// them, and the instants moved to the last nanosecond of their second.
///
/// S3 compares modification times to the second; `object_store`'s in-process stores
/// compare to the nanosecond. "Modified after `t`" to the second is "modified after the
/// last nanosecond of `t`'s second"; HTTP stores send whole seconds, so they see `t`'s.
fn store_options(options: &GetOptions) -> object_store::GetOptions {
    let etag = |etag: &Option<String>| etag.as_deref().map(condition_etag);
    object_store::GetOptions::new()
        .with_range(options.range.map(get_range))
        .with_if_match(etag(&options.if_match))
        .with_if_none_match(etag(&options.if_none_match))
        .with_if_modified_since(options.if_modified_since.map(end_of_second))
        .with_if_unmodified_since(options.if_unmodified_since.map(end_of_second))
}

/// The `object_store` range of a byte range.
fn get_range(range: ByteRange) -> GetRange {
    match range {
        ByteRange::Inclusive { first, last } => GetRange::Bounded(first..last.saturating_add(1)),
        ByteRange::From(offset) => GetRange::Offset(offset),
        ByteRange::Suffix(n) => GetRange::Suffix(n),
    }
}

/// The last nanosecond of `instant`'s second (of the epoch's first second before it, as
/// S3 counts no earlier time).
fn end_of_second(instant: SystemTime) -> SystemTime {
    let seconds = instant
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_nanos(999_999_999)
}

/// The conditions evaluated again on the metadata served, with S3's rules.
///
/// An ETag condition on a store that reports no ETags cannot be evaluated, so it is
/// [`Error::Unsupported`] rather than ignored.
fn recheck(options: &GetOptions, meta: &stowage_core::ObjectMeta) -> Result<Precondition> {
    let has_etag_condition = options.if_match.is_some() || options.if_none_match.is_some();
    let has_condition = has_etag_condition
        || options.if_modified_since.is_some()
        || options.if_unmodified_since.is_some();
    if !has_condition {
        return Ok(Precondition::Proceed);
    }
    let etag = match (&meta.etag, has_etag_condition) {
        (Some(etag), _) => etag.as_str(),
        (None, false) => "",
        (None, true) => return Err(unsupported("get_object_with an ETag condition")),
    };
    let modified = meta.last_modified.unwrap_or(UNIX_EPOCH);
    Ok(options.evaluate(etag, modified))
}

/// S3's 416.
fn not_satisfiable(path: &S3Path, size: u64) -> Error {
    Error::RangeNotSatisfiable {
        path: path.clone(),
        size: Some(size),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_map_onto_object_store_ranges() {
        assert_eq!(
            get_range(ByteRange::inclusive(2, 5)),
            GetRange::Bounded(2..6)
        );
        assert_eq!(
            get_range(ByteRange::inclusive(0, u64::MAX)),
            GetRange::Bounded(0..u64::MAX)
        );
        assert_eq!(get_range(ByteRange::from_offset(7)), GetRange::Offset(7));
        assert_eq!(get_range(ByteRange::suffix(3)), GetRange::Suffix(3));
    }

    #[test]
    fn instants_move_to_the_end_of_their_second() {
        let at = UNIX_EPOCH + Duration::from_millis(5_250);
        let end = UNIX_EPOCH + Duration::from_nanos(5_999_999_999);
        assert_eq!(end_of_second(at), end);
        assert_eq!(end_of_second(end), end);
        let before_epoch = UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(
            end_of_second(before_epoch),
            UNIX_EPOCH + Duration::from_nanos(999_999_999)
        );
    }

    #[test]
    fn conditions_are_quoted_for_the_store() {
        let options = store_options(
            &GetOptions::new()
                .if_match("abc")
                .if_none_match("*")
                .range(ByteRange::suffix(1)),
        );
        assert_eq!(options.if_match.as_deref(), Some("\"abc\""));
        assert_eq!(options.if_none_match.as_deref(), Some("*"));
        assert_eq!(options.range, Some(GetRange::Suffix(1)));
    }

    #[test]
    fn an_etag_condition_without_etags_is_unsupported() {
        let path = S3Path::new("bucket", "key").unwrap();
        let meta = stowage_core::ObjectMeta::new(path, 1);
        let error = recheck(&GetOptions::new().if_match("abc"), &meta).unwrap_err();
        assert!(matches!(error, Error::Unsupported { .. }), "{error:?}");
        let later = UNIX_EPOCH + Duration::from_secs(10);
        let verdict = recheck(&GetOptions::new().if_modified_since(later), &meta).unwrap();
        assert_eq!(verdict, Precondition::NotModified);
        let plain = recheck(&GetOptions::new(), &meta).unwrap();
        assert_eq!(plain, Precondition::Proceed);
    }
}
