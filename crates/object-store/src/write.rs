//! Writes: one `put_opts` up to the transfer settings' multipart threshold, an
//! `object_store` multipart upload above it, with attributes and a mode.

use bytes::Bytes;
use futures::StreamExt;
use object_store::path::Path;
use object_store::{Attributes, ObjectStore, PutMode, PutPayload, UpdateVersion};
use stowage_core::transfer::{PartPlan, TransferSettings};
use stowage_core::{ByteStream, Encryption, PutOptions, PutResult, Result, S3Path};

use crate::adapter::ObjectStoreAdapter;
use crate::convert::{attributes, condition_etag, quoted_etag};
use crate::errors::{Access, map_error, unsupported};
use crate::multipart;

/// What a write stores besides its bytes, and how its refusals are named.
pub(crate) struct Write {
    /// Content-Type, HTTP attributes and user metadata.
    pub(crate) attributes: Attributes,
    /// When the write may replace what is at the key.
    pub(crate) mode: PutMode,
    /// The operation named when the store refuses the write as unsupported.
    pub(crate) operation: &'static str,
}

/// Stores `stream` at `path`, `length` bytes when known; see
/// [`stowage::ObjectStorage::put_object`](stowage_core::ObjectStorage::put_object).
pub(crate) async fn put_object(
    adapter: &ObjectStoreAdapter,
    path: &S3Path,
    length: Option<u64>,
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
    let body = Body { length, stream };
    write(store, &location, path, spec, body, &adapter.transfer).await
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

/// The bytes of a write: a stream, of known length or not.
pub(crate) struct Body {
    /// How many bytes `stream` yields, when known up front.
    pub(crate) length: Option<u64>,
    /// The bytes.
    pub(crate) stream: ByteStream,
}

/// Writes `body` to `location` in `store` (the object at `path`) as `spec` says: one
/// `put_opts` up to `settings.multipart_threshold`, a multipart upload above it (or for a
/// body of unknown length that turns out larger).
///
/// A conditional write above the threshold is unsupported, refused before anything is
/// written: `object_store`'s multipart uploads have no mode.
pub(crate) async fn write(
    store: &dyn ObjectStore,
    location: &Path,
    path: &S3Path,
    spec: Write,
    body: Body,
    settings: &TransferSettings,
) -> Result<PutResult> {
    let Body { length, mut stream } = body;
    let threshold = settings.multipart_threshold;
    let mut head = Vec::new();
    if length.is_none_or(|length| length <= threshold) {
        head = read_up_to(&mut stream, threshold.saturating_add(1)).await?;
        if total(&head) <= threshold {
            return put_once(store, location, path, spec, head).await;
        }
    }
    if spec.mode != PutMode::Overwrite {
        return Err(unsupported(
            "conditional write above the multipart threshold",
        ));
    }
    let part_size = match length {
        Some(length) => PartPlan::for_length(length, settings.part_size)?.part_size(1),
        None => settings.part_size,
    };
    let upload = multipart::Upload {
        part_size: usize::try_from(part_size).unwrap_or(usize::MAX),
        concurrency: settings.concurrency,
    };
    let stream = futures::stream::iter(head.into_iter().map(Ok)).chain(stream);
    upload.run(store, location, path, spec, stream).await
}

/// One `put_opts` of `chunks`, which are not copied into one buffer.
async fn put_once(
    store: &dyn ObjectStore,
    location: &Path,
    path: &S3Path,
    spec: Write,
    chunks: Vec<Bytes>,
) -> Result<PutResult> {
    let options = object_store::PutOptions {
        mode: spec.mode,
        attributes: spec.attributes,
        ..Default::default()
    };
    let result = store
        .put_opts(location, PutPayload::from_iter(chunks), options)
        .await
        .map_err(|error| map_error(error, path, Access::Write, spec.operation))?;
    Ok(PutResult {
        etag: quoted_etag(result.e_tag),
    })
}

/// The chunks of `stream` until at least `limit` bytes arrived or it ended.
async fn read_up_to(stream: &mut ByteStream, limit: u64) -> Result<Vec<Bytes>> {
    let mut chunks = Vec::new();
    let mut read = 0;
    while read < limit {
        let Some(chunk) = stream.next().await else {
            break;
        };
        let chunk = chunk?;
        read += chunk.len() as u64;
        chunks.push(chunk);
    }
    Ok(chunks)
}

/// How many bytes `chunks` hold.
fn total(chunks: &[Bytes]) -> u64 {
    chunks.iter().map(|chunk| chunk.len() as u64).sum()
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
