//! `get_opts`: ranges, conditions and `head` as stowage reads.

use std::time::SystemTime;

use futures::{StreamExt, TryStreamExt, stream};
use object_store::path::Path;
use object_store::{GetRange, GetResult, GetResultPayload};
use stowage_core::{ByteRange, GetOutcome, ObjectStorage, Precondition};

use crate::bridge::attributes::read_meta;
use crate::bridge::errors::{Intent, generic, not_implemented, to_object_store};
use crate::bridge::locations::Locations;

/// Reads `location` under `options`: the object's body (a range of it) as a stream, or,
/// with `head`, its metadata alone.
///
/// Conditions follow S3's order: a failed `If-Match` or `If-Unmodified-Since` is
/// `Precondition`, a holding `If-None-Match` or `If-Modified-Since` is `NotModified`. A
/// range past the end is an error; a bounded range past the end is cut at the end.
pub(crate) async fn get(
    storage: &dyn ObjectStorage,
    locations: &Locations,
    location: &Path,
    options: object_store::GetOptions,
) -> object_store::Result<GetResult> {
    if options.version.is_some() {
        return Err(not_implemented(
            "get_opts of an object version",
            "object_store bridge",
        ));
    }
    let path = locations.object(location)?;
    let mut conditions = stowage_core::GetOptions::new();
    conditions.if_match = options.if_match;
    conditions.if_none_match = options.if_none_match;
    conditions.if_modified_since = options.if_modified_since.map(SystemTime::from);
    conditions.if_unmodified_since = options.if_unmodified_since.map(SystemTime::from);
    conditions
        .validate()
        .map_err(|error| to_object_store(error, location, Intent::Plain))?;
    if options.head {
        return head(storage, &path, location, &conditions).await;
    }
    conditions.range = options.range.map(byte_range).transpose()?;
    let outcome = storage
        .get_object_with(&path, &conditions)
        .await
        .map_err(|error| to_object_store(error, location, Intent::Plain))?;
    let output = match outcome {
        GetOutcome::Found(output) => output,
        GetOutcome::NotModified(_) => return Err(not_modified(location)),
    };
    // A failure of the body names the location by the key it was read at, past the
    // prefix: no copy of the location unless one fails. Fused: `object_store` polls a body
    // again after its end (`GetResult::bytes` of an empty object does), which a backend's
    // stream need not allow.
    let prefix = locations.base().len();
    let body = output
        .body
        .map_err(move |error| to_object_store(error, &path.key()[prefix..], Intent::Plain))
        .fuse()
        .boxed();
    let (meta, attributes) = read_meta(location.clone(), output.meta);
    Ok(GetResult {
        payload: GetResultPayload::Stream(body),
        attributes,
        meta,
        range: output.range,
        extensions: Default::default(),
    })
}

/// `head`: a HeadObject, its conditions evaluated as S3 evaluates them on a HEAD.
async fn head(
    storage: &dyn ObjectStorage,
    path: &stowage_core::S3Path,
    location: &Path,
    conditions: &stowage_core::GetOptions,
) -> object_store::Result<GetResult> {
    let meta = storage
        .head_object(path)
        .await
        .map_err(|error| to_object_store(error, location, Intent::Plain))?;
    let etag = meta.etag.as_deref().unwrap_or_default();
    let modified = meta.last_modified.unwrap_or(SystemTime::UNIX_EPOCH);
    match conditions.evaluate(etag, modified) {
        Precondition::Proceed => {}
        Precondition::NotModified => return Err(not_modified(location)),
        Precondition::Failed => {
            return Err(object_store::Error::Precondition {
                path: location.to_string(),
                source: "a condition of the read did not hold".into(),
            });
        }
    }
    let range = 0..meta.size;
    let (meta, attributes) = read_meta(location.clone(), meta);
    Ok(GetResult {
        payload: GetResultPayload::Stream(stream::empty().boxed()),
        attributes,
        range,
        meta,
        extensions: Default::default(),
    })
}

/// `object_store`'s ranges as S3's: `start..end` is bytes `start` to `end - 1`.
fn byte_range(range: GetRange) -> object_store::Result<ByteRange> {
    match range {
        GetRange::Bounded(range) if range.start < range.end => {
            Ok(ByteRange::inclusive(range.start, range.end - 1))
        }
        GetRange::Bounded(range) => Err(generic(stowage_core::Error::invalid_argument(format!(
            "the range {}..{} is empty or reversed",
            range.start, range.end
        )))),
        GetRange::Offset(offset) => Ok(ByteRange::from_offset(offset)),
        GetRange::Suffix(length) => Ok(ByteRange::suffix(length)),
    }
}

fn not_modified(location: &Path) -> object_store::Error {
    object_store::Error::NotModified {
        path: location.to_string(),
        source: "the object matches the read's If-None-Match or If-Modified-Since".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_map_to_s3_byte_ranges() {
        assert_eq!(
            byte_range(GetRange::Bounded(2..5)).unwrap(),
            ByteRange::inclusive(2, 4)
        );
        assert_eq!(
            byte_range(GetRange::Offset(3)).unwrap(),
            ByteRange::from_offset(3)
        );
        assert_eq!(
            byte_range(GetRange::Suffix(2)).unwrap(),
            ByteRange::suffix(2)
        );
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = GetRange::Bounded(5..2);
        assert!(matches!(
            byte_range(reversed),
            Err(object_store::Error::Generic { .. })
        ));
    }
}
