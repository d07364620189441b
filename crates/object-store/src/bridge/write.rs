//! `put_opts` and `copy_opts`: every `object_store` mode as a stowage mode, or refused.

use bytes::Bytes;
use futures::stream;
use object_store::path::Path;
use object_store::{CopyMode, CopyOptions, PutPayload, PutResult, UpdateVersion};
use stowage_core::{ObjectStorage, Payload, PutMode};

use crate::bridge::attributes::put_options;
use crate::bridge::errors::{Intent, generic, to_object_store};
use crate::bridge::locations::Locations;

/// Stores `payload` at `location` with `options`' attributes under its mode.
///
/// A backend that cannot enforce the mode answers `NotImplemented` and writes nothing; a
/// create-only write that finds an object is `AlreadyExists`, an update whose ETag no
/// longer matches (or whose object is gone) is `Precondition`.
pub(crate) async fn put(
    storage: &dyn ObjectStorage,
    locations: &Locations,
    location: &Path,
    payload: PutPayload,
    options: object_store::PutOptions,
) -> object_store::Result<PutResult> {
    let path = locations.object(location)?;
    let (mode, intent) = put_mode(&options.mode)?;
    let mut put = put_options(&options.attributes)?;
    put.mode = mode;
    let result = storage
        .put_object(&path, payload_of(payload), put)
        .await
        .map_err(|error| to_object_store(error, location, intent))?;
    Ok(PutResult {
        e_tag: result.etag,
        version: None,
        extensions: Default::default(),
    })
}

/// Copies `from` to `to` server-side; create-only where the backend enforces it.
pub(crate) async fn copy(
    storage: &dyn ObjectStorage,
    locations: &Locations,
    from: &Path,
    to: &Path,
    options: CopyOptions,
) -> object_store::Result<()> {
    let source = locations.object(from)?;
    let target = locations.object(to)?;
    let (mode, intent) = match options.mode {
        CopyMode::Overwrite => (PutMode::Overwrite, Intent::Plain),
        CopyMode::Create => (PutMode::Create, Intent::Create),
    };
    let copy = stowage_core::CopyOptions::new().mode(mode);
    storage
        .copy_object_with(&source, &target, &copy)
        .await
        .map_err(|error| match error {
            // S3 answers NoSuchKey for a missing source: `object_store` names the source.
            stowage_core::Error::NotFound { .. } => to_object_store(error, from, Intent::Plain),
            other => to_object_store(other, to, intent),
        })
}

/// `object_store`'s put mode as stowage's: an update compares ETags.
pub(crate) fn put_mode(mode: &object_store::PutMode) -> object_store::Result<(PutMode, Intent)> {
    match mode {
        object_store::PutMode::Overwrite => Ok((PutMode::Overwrite, Intent::Plain)),
        object_store::PutMode::Create => Ok((PutMode::Create, Intent::Create)),
        object_store::PutMode::Update(UpdateVersion {
            e_tag: Some(etag), ..
        }) => Ok((PutMode::IfMatch(etag.clone()), Intent::Update)),
        object_store::PutMode::Update(UpdateVersion { e_tag: None, .. }) => {
            Err(generic(stowage_core::Error::invalid_argument(
                "PutMode::Update needs the ETag to replace: stowage backends compare ETags, \
                 not versions",
            )))
        }
    }
}

/// The payload's chunks as a stowage payload of known length, without copying them.
pub(crate) fn payload_of(payload: PutPayload) -> Payload {
    match payload.as_ref() {
        [] => Payload::from(Bytes::new()),
        [single] => Payload::from(single.clone()),
        _ => {
            let length = payload.content_length() as u64;
            Payload::from_stream(stream::iter(payload.into_iter().map(Ok)), length)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_map_to_stowage_modes() {
        assert_eq!(
            put_mode(&object_store::PutMode::Create).unwrap(),
            (PutMode::Create, Intent::Create)
        );
        let update = object_store::PutMode::Update(UpdateVersion {
            e_tag: Some("\"abc\"".into()),
            version: None,
        });
        assert_eq!(
            put_mode(&update).unwrap(),
            (PutMode::IfMatch("\"abc\"".into()), Intent::Update)
        );
        let by_version = object_store::PutMode::Update(UpdateVersion {
            e_tag: None,
            version: Some("3".into()),
        });
        assert!(put_mode(&by_version).is_err());
    }

    #[tokio::test]
    async fn payloads_keep_their_chunks_and_length() {
        let payload = PutPayload::from_iter([Bytes::from("ab"), Bytes::from("cde")]);
        let payload = payload_of(payload);
        assert_eq!(payload.length(), Some(5));
        assert_eq!(payload.into_bytes().await.unwrap(), Bytes::from("abcde"));
    }
}
