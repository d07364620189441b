//! `MultipartStore`: `object_store`'s part-level uploads as the backend's multipart calls
//! (`create_multipart_upload`, `upload_part`, `complete_multipart_upload`,
//! `abort_multipart_upload`).
//!
//! `object_store` numbers parts from 0 and S3 from 1: part `i` is S3's part `i + 1`, and
//! a part's `content_id` is its ETag. An upload completed without a part gets one empty
//! part first, as S3 completes no upload of none.

use bytes::Bytes;
use object_store::path::Path;
use object_store::{MultipartId, PutMultipartOptions, PutPayload, PutResult};
use stowage_core::transfer::{CompletedPart, UploadId};
use stowage_core::{Error, ObjectStorage};

use crate::bridge::attributes::put_options;
use crate::bridge::errors::{Intent, generic, to_object_store};
use crate::bridge::locations::Locations;

/// Starts an upload to `location` with `options`' attributes (tags are ignored, as
/// `object_store` allows); the id is the backend's upload id.
pub(crate) async fn create(
    storage: &dyn ObjectStorage,
    locations: &Locations,
    location: &Path,
    options: PutMultipartOptions,
) -> object_store::Result<MultipartId> {
    let path = locations.object(location)?;
    let options = put_options(&options.attributes)?;
    let upload = storage
        .create_multipart_upload(&path, &options)
        .await
        .map_err(|error| to_object_store(error, location, Intent::Plain))?;
    Ok(upload.as_str().to_owned())
}

/// Sends part `index` (from 0) of upload `id`; its chunks are joined into one body.
pub(crate) async fn put(
    storage: &dyn ObjectStorage,
    locations: &Locations,
    location: &Path,
    id: &MultipartId,
    index: usize,
    data: PutPayload,
) -> object_store::Result<object_store::multipart::PartId> {
    let path = locations.object(location)?;
    let number = part_number(index)?;
    let part = storage
        .upload_part(&path, &UploadId::new(id.as_str()), number, data.into())
        .await
        .map_err(|error| to_object_store(error, location, Intent::Plain))?;
    Ok(object_store::multipart::PartId {
        content_id: part.etag,
    })
}

/// Completes upload `id` with `parts`, the `i`th being part `i`.
pub(crate) async fn complete(
    storage: &dyn ObjectStorage,
    locations: &Locations,
    location: &Path,
    id: &MultipartId,
    parts: Vec<object_store::multipart::PartId>,
) -> object_store::Result<PutResult> {
    let path = locations.object(location)?;
    let upload = UploadId::new(id.as_str());
    let parts = if parts.is_empty() {
        let empty = storage
            .upload_part(&path, &upload, 1, Bytes::new())
            .await
            .map_err(|error| to_object_store(error, location, Intent::Plain))?;
        vec![empty]
    } else {
        parts
            .into_iter()
            .enumerate()
            .map(|(index, part)| {
                Ok(CompletedPart {
                    number: part_number(index)?,
                    etag: part.content_id,
                    checksum_crc32: None,
                })
            })
            .collect::<object_store::Result<_>>()?
    };
    let result = storage
        .complete_multipart_upload(&path, &upload, parts, None)
        .await
        .map_err(|error| to_object_store(error, location, Intent::Plain))?;
    Ok(PutResult {
        e_tag: result.etag,
        version: None,
        extensions: Default::default(),
    })
}

/// Aborts upload `id`: its parts are discarded.
pub(crate) async fn abort(
    storage: &dyn ObjectStorage,
    locations: &Locations,
    location: &Path,
    id: &MultipartId,
) -> object_store::Result<()> {
    let path = locations.object(location)?;
    storage
        .abort_multipart_upload(&path, &UploadId::new(id.as_str()))
        .await
        .map_err(|error| to_object_store(error, location, Intent::Plain))
}

/// S3's number of `object_store`'s part `index`; one past S3's 10,000 parts is refused by
/// the backend, one past `u32` here.
fn part_number(index: usize) -> object_store::Result<u32> {
    index
        .checked_add(1)
        .and_then(|number| u32::try_from(number).ok())
        .ok_or_else(|| {
            generic(Error::invalid_argument(format!(
                "part index {index} is past S3's 10,000 parts"
            )))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_numbered_from_one() {
        assert_eq!(part_number(0).unwrap(), 1);
        assert_eq!(part_number(9_999).unwrap(), 10_000);
        assert!(matches!(
            part_number(usize::MAX),
            Err(object_store::Error::Generic { .. })
        ));
    }
}
