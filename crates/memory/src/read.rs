//! Serving a read: the conditions in S3's order, then the byte range, then the body in
//! chunks.

use bytes::Bytes;
use futures::stream;
use stowage_core::{
    GetObjectOutput, GetOptions, GetOutcome, NotModified, ObjectBody, Precondition, Result, S3Path,
};

use crate::errors;
use crate::object::StoredObject;

/// Size of the chunks a download is streamed in.
const DOWNLOAD_CHUNK_BYTES: usize = 64 * 1024;

/// What a read of `object` at `path` with `options` (already validated) gets: a failed
/// `If-Match`/`If-Unmodified-Since` is `PreconditionFailed`, a holding
/// `If-None-Match`/`If-Modified-Since` is `NotModified`, a range the object cannot satisfy
/// is `RangeNotSatisfiable`; otherwise the requested bytes, with the whole object's
/// metadata.
///
/// Runs under the store's read lock: the body is shared, not copied.
pub(crate) fn serve(
    object: &StoredObject,
    path: &S3Path,
    options: &GetOptions,
) -> Result<GetOutcome> {
    let etag = object.etag_text();
    match options.evaluate(etag.as_str(), object.last_modified) {
        Precondition::Proceed => {}
        Precondition::NotModified => {
            return Ok(GetOutcome::NotModified(NotModified {
                path: path.clone(),
                etag: Some(etag.as_str().to_owned()),
                last_modified: Some(object.last_modified),
            }));
        }
        Precondition::Failed => return Err(errors::precondition_failed(path)),
    }
    let size = object.data.len() as u64;
    let range = match &options.range {
        None => 0..size,
        Some(range) => range
            .resolve(size)
            .ok_or_else(|| errors::range_not_satisfiable(path, size))?,
    };
    // `resolve` keeps the span within `0..size`, which fits in `usize`.
    let data = object.data.slice(range.start as usize..range.end as usize);
    Ok(GetOutcome::Found(GetObjectOutput {
        meta: object.meta(path),
        range,
        body: chunked(data),
    }))
}

/// The body in chunks of at most [`DOWNLOAD_CHUNK_BYTES`], sliced lazily as they are read.
fn chunked(data: Bytes) -> ObjectBody {
    if data.len() <= DOWNLOAD_CHUNK_BYTES {
        let chunk = (!data.is_empty()).then_some(Ok(data));
        return ObjectBody::new(stream::iter(chunk));
    }
    let len = data.len();
    ObjectBody::new(stream::iter((0..len).step_by(DOWNLOAD_CHUNK_BYTES).map(
        move |start| Ok(data.slice(start..len.min(start + DOWNLOAD_CHUNK_BYTES))),
    )))
}
