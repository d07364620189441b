//! Writes: a single put up to 8 MiB, a multipart stream above, with attributes and a mode.

use bytes::BytesMut;
use futures::StreamExt;
use object_store::path::Path;
use object_store::{
    Attributes, ObjectStore, PutMode, PutMultipartOptions, UpdateVersion, WriteMultipart,
};
use stowage_core::{ByteStream, Encryption, PutOptions, PutResult, Result, S3Path};

use crate::adapter::ObjectStoreAdapter;
use crate::convert::{attributes, condition_etag, quoted_etag};
use crate::errors::{Access, map_error, unsupported};

/// Bodies up to this size are written with one `put`; larger ones stream as a multipart
/// upload, so no more than this is ever held in memory.
const SINGLE_PUT_MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Part size of a streamed upload.
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts in flight during a streamed upload.
const PARTS_IN_FLIGHT: usize = 4;

/// What a write stores besides its bytes, and how its refusals are named.
pub(crate) struct Write {
    /// Content-Type, HTTP attributes and user metadata.
    pub(crate) attributes: Attributes,
    /// When the write may replace what is at the key.
    pub(crate) mode: PutMode,
    /// The operation named when the store refuses the write as unsupported.
    pub(crate) operation: &'static str,
}

/// Stores `length` bytes of `stream` at `path`; see
/// [`stowage_core::ObjectStorage::put_object`].
pub(crate) async fn put_object(
    adapter: &ObjectStoreAdapter,
    path: &S3Path,
    length: u64,
    stream: ByteStream,
    options: &PutOptions,
) -> Result<PutResult> {
    let (store, location) = adapter.write_target(path)?;
    options.mode.validate()?;
    refuse_store_settings(
        &options.encryption,
        &options.storage_class,
        [
            "put_object with server-side encryption",
            "put_object with a storage class",
        ],
    )?;
    let attributes = attributes(options);
    let spec = Write {
        mode: put_mode(&options.mode)?,
        operation: put_operation(&options.mode, &attributes),
        attributes,
    };
    write(store, &location, path, spec, length, stream).await
}

/// An unsupported-operation error, named by `operations`, for server-side encryption or a
/// storage class: `object_store` configures both per store, not per write.
pub(crate) fn refuse_store_settings(
    encryption: &Option<Encryption>,
    storage_class: &Option<String>,
    operations: [&'static str; 2],
) -> Result<()> {
    match (encryption, storage_class) {
        (Some(_), _) => Err(unsupported(operations[0])),
        (None, Some(_)) => Err(unsupported(operations[1])),
        (None, None) => Ok(()),
    }
}

/// The `object_store` mode of a core mode; a mode newer than this adapter is unsupported.
fn put_mode(mode: &stowage_core::PutMode) -> Result<PutMode> {
    match mode {
        stowage_core::PutMode::Overwrite => Ok(PutMode::Overwrite),
        stowage_core::PutMode::Create => Ok(PutMode::Create),
        stowage_core::PutMode::IfMatch(etag) => Ok(PutMode::Update(UpdateVersion {
            e_tag: Some(condition_etag(etag)),
            version: None,
        })),
        _ => Err(unsupported("put_object with this PutMode")),
    }
}

/// What a put a store cannot perform is called in the unsupported-operation error: its
/// mode, else its attributes (the order in which `LocalFileSystem` refuses them).
fn put_operation(mode: &stowage_core::PutMode, attributes: &Attributes) -> &'static str {
    match mode {
        stowage_core::PutMode::IfMatch(_) => "put_object with PutMode::IfMatch",
        _ if !attributes.is_empty() => {
            "put_object with Content-Type, HTTP attributes or user metadata"
        }
        stowage_core::PutMode::Create => "put_object with PutMode::Create",
        _ => "put_object",
    }
}

/// Writes `length` bytes from `stream` to `location` in `store` (the object at `path`) as
/// `spec` says.
///
/// A conditional write above [`SINGLE_PUT_MAX_BYTES`] is unsupported, refused before
/// anything is written: `object_store`'s multipart uploads have no mode.
pub(crate) async fn write(
    store: &dyn ObjectStore,
    location: &Path,
    path: &S3Path,
    spec: Write,
    length: u64,
    mut stream: ByteStream,
) -> Result<PutResult> {
    let fail = |error| map_error(error, path, Access::Write, spec.operation);
    let result = if length <= SINGLE_PUT_MAX_BYTES {
        let mut buffer = BytesMut::with_capacity(usize::try_from(length).unwrap_or(0));
        while let Some(chunk) = stream.next().await {
            buffer.extend_from_slice(&chunk?);
        }
        let options = object_store::PutOptions {
            mode: spec.mode.clone(),
            attributes: spec.attributes,
            ..Default::default()
        };
        store
            .put_opts(location, buffer.freeze().into(), options)
            .await
            .map_err(fail)?
    } else {
        if spec.mode != PutMode::Overwrite {
            return Err(unsupported("conditional write of more than 8 MiB"));
        }
        let options = PutMultipartOptions {
            attributes: spec.attributes,
            ..Default::default()
        };
        let upload = store
            .put_multipart_opts(location, options)
            .await
            .map_err(fail)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        while let Some(chunk) = stream.next().await {
            let ready = match chunk {
                Ok(chunk) => writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map(|()| chunk)
                    .map_err(fail),
                Err(error) => Err(error),
            };
            match ready {
                Ok(chunk) => writer.put(chunk),
                Err(error) => {
                    // Best effort: the upload failed either way.
                    let _ = writer.abort().await;
                    return Err(error);
                }
            }
        }
        // `finish` aborts the upload itself when a part or the completion fails.
        writer.finish().await.map_err(fail)?
    };
    Ok(PutResult {
        etag: quoted_etag(result.e_tag),
    })
}

#[cfg(test)]
mod tests {
    use stowage_core::Error;

    use super::*;

    #[test]
    fn modes_map_onto_object_store_modes() {
        assert_eq!(
            put_mode(&stowage_core::PutMode::Overwrite).unwrap(),
            PutMode::Overwrite
        );
        assert_eq!(
            put_mode(&stowage_core::PutMode::Create).unwrap(),
            PutMode::Create
        );
        let update = put_mode(&stowage_core::PutMode::IfMatch("abc".into())).unwrap();
        assert_eq!(
            update,
            PutMode::Update(UpdateVersion {
                e_tag: Some("\"abc\"".into()),
                version: None
            })
        );
    }

    #[test]
    fn store_settings_are_unsupported() {
        let names = ["encryption", "class"];
        let refused = refuse_store_settings(&Some(Encryption::S3Managed), &None, names);
        assert!(matches!(
            refused,
            Err(Error::Unsupported {
                operation: "encryption",
                ..
            })
        ));
        let refused = refuse_store_settings(&None, &Some("GLACIER".into()), names);
        assert!(matches!(
            refused,
            Err(Error::Unsupported {
                operation: "class",
                ..
            })
        ));
        refuse_store_settings(&None, &None, names).unwrap();
    }
}
