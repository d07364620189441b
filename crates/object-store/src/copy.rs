//! Copies: the store's own copy within a bucket, a streamed write across buckets.

use futures::StreamExt;
use object_store::{CopyMode, CopyOptions, ObjectStoreExt};
use stowage_core::{Error, ObjectStorage, PutMode, Result, S3Path};

/// `object_store`'s put modes, for the streamed copy across buckets.
type StorePutMode = object_store::PutMode;

use crate::adapter::ObjectStoreAdapter;
use crate::convert::body;
use crate::errors::{Access, map_error, unsupported};
use crate::write::{Body, Write, refuse_store_settings, write};

/// The operation copies report in errors and spans.
const OPERATION: &str = "copy_object_with";

/// Copies `from` to `to`; see [`stowage::ObjectStorage::copy_object_with`].
///
/// `object_store` copies keep the source's attributes and know two modes, overwrite and
/// create-only: replacing attributes, `If-Match` on the target, encryption and storage
/// class are [`Error::Unsupported`] before anything is read or written.
///
/// [`stowage::ObjectStorage::copy_object_with`]: ObjectStorage::copy_object_with
pub(crate) async fn copy_object_with(
    adapter: &ObjectStoreAdapter,
    from: &S3Path,
    to: &S3Path,
    options: &stowage_core::CopyOptions,
) -> Result<()> {
    let (source_store, source) = adapter.read_target(from)?;
    let (target_store, target) = adapter.write_target(to)?;
    options.mode.validate()?;
    if options.replace.is_some() {
        return Err(unsupported("copy_object_with replacing attributes"));
    }
    refuse_store_settings(
        &options.encryption,
        &options.storage_class,
        [
            "copy_object_with server-side encryption",
            "copy_object_with a storage class",
        ],
    )?;
    let (copy_mode, put_mode, operation) = match options.mode {
        PutMode::Overwrite => (CopyMode::Overwrite, StorePutMode::Overwrite, OPERATION),
        PutMode::Create => (
            CopyMode::Create,
            StorePutMode::Create,
            "copy_object_with PutMode::Create",
        ),
        PutMode::IfMatch(_) => return Err(unsupported("copy_object_with PutMode::IfMatch")),
        _ => return Err(unsupported("copy_object_with this PutMode")),
    };

    if from.bucket() == to.bucket() {
        let options = CopyOptions::new().with_mode(copy_mode);
        let Err(error) = target_store.copy_opts(&source, &target, options).await else {
            return Ok(());
        };
        // Tell a missing source from a target the store cannot write.
        if !adapter.object_exists(from).await? {
            return Err(Error::NotFound { path: from.clone() });
        }
        return Err(map_error(error, to, Access::Write, operation));
    }

    // Across stores: stream the source into the target, with its attributes.
    let mut result = source_store
        .get(&source)
        .await
        .map_err(|e| map_error(e, from, Access::Read, operation))?;
    let spec = Write {
        attributes: std::mem::take(&mut result.attributes),
        mode: put_mode,
        operation,
    };
    let length = Some(result.meta.size);
    let stream = body(from, result, operation).boxed();
    let body = Body { length, stream };
    write(target_store, &target, to, spec, body, &adapter.transfer)
        .await
        .map(|_| ())
}
