//! Multipart uploads a caller drives part by part, on a bucket given an
//! `object_store::MultipartStore`
//! ([`ObjectStoreAdapterBuilder::multipart_store`](crate::ObjectStoreAdapterBuilder::multipart_store)).
//!
//! S3 numbers parts from 1 and `object_store` from 0: part `n` is `object_store`'s part
//! `n - 1`, and its ETag is the `PartId`'s `content_id`. `object_store` completes parts
//! `0..N` in order, so a completion names parts 1 to N, each once, in order. An upload the
//! store no longer knows (`NotFound` from `object_store`) is S3's `NoSuchUpload`.

use object_store::multipart::PartId;
use object_store::{MultipartId, PutMultipartOptions};
use stowage_core::transfer::{CompletedPart, UploadId, check_part, check_upload_mode};
use stowage_core::{Error, PutOptions, PutResult, Result, S3Path};

use crate::adapter::ObjectStoreAdapter;
use crate::convert::{attributes, quoted_etag};
use crate::errors::{Access, map_error};
use crate::write::refuse_store_settings;

/// Starts an upload at `path` with `options`' Content-Type, HTTP attributes and metadata;
/// the mode must be the default (overwrite), as S3 completes an upload without one.
pub(crate) async fn create(
    adapter: &ObjectStoreAdapter,
    path: &S3Path,
    options: &PutOptions,
) -> Result<UploadId> {
    const OPERATION: &str = "create_multipart_upload";
    let (parts, location) = adapter.parts_target(path, OPERATION)?;
    check_upload_mode(&options.mode)?;
    refuse_store_settings(
        &options.encryption,
        &options.storage_class,
        [
            "create_multipart_upload with server-side encryption",
            "create_multipart_upload with a storage class",
        ],
    )?;
    let options = PutMultipartOptions {
        attributes: attributes(options),
        ..Default::default()
    };
    let id = parts
        .create_multipart_opts(&location, options)
        .await
        .map_err(|error| map_error(error, path, Access::Write, OPERATION))?;
    Ok(UploadId::new(id))
}

/// Sends part `number` of `upload`.
pub(crate) async fn upload_part(
    adapter: &ObjectStoreAdapter,
    path: &S3Path,
    upload: &UploadId,
    number: u32,
    body: bytes::Bytes,
) -> Result<CompletedPart> {
    const OPERATION: &str = "upload_part";
    let (parts, location) = adapter.parts_target(path, OPERATION)?;
    check_part(number, body.len() as u64)?;
    let index = number as usize - 1;
    let part = parts
        .put_part(&location, &id(upload), index, body.into())
        .await
        .map_err(|error| map_error(error, path, Access::Upload, OPERATION))?;
    Ok(CompletedPart {
        number,
        etag: part.content_id,
        checksum_crc32: None,
    })
}

/// Completes `upload` with `parts`, numbered 1 to N in order.
pub(crate) async fn complete(
    adapter: &ObjectStoreAdapter,
    path: &S3Path,
    upload: &UploadId,
    parts: Vec<CompletedPart>,
) -> Result<PutResult> {
    const OPERATION: &str = "complete_multipart_upload";
    let (store, location) = adapter.parts_target(path, OPERATION)?;
    let ids = parts
        .into_iter()
        .enumerate()
        .map(|(index, part)| {
            if part.number as usize != index + 1 {
                return Err(Error::invalid_argument(
                    "object_store completes parts numbered 1 to N, each once, in order",
                ));
            }
            Ok(PartId {
                content_id: part.etag,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let result = store
        .complete_multipart(&location, &id(upload), ids)
        .await
        .map_err(|error| map_error(error, path, Access::Upload, OPERATION))?;
    Ok(PutResult {
        etag: quoted_etag(result.e_tag),
    })
}

/// Aborts `upload`: its parts are discarded.
pub(crate) async fn abort(
    adapter: &ObjectStoreAdapter,
    path: &S3Path,
    upload: &UploadId,
) -> Result<()> {
    const OPERATION: &str = "abort_multipart_upload";
    let (store, location) = adapter.parts_target(path, OPERATION)?;
    store
        .abort_multipart(&location, &id(upload))
        .await
        .map_err(|error| map_error(error, path, Access::Upload, OPERATION))
}

fn id(upload: &UploadId) -> MultipartId {
    upload.as_str().to_owned()
}
