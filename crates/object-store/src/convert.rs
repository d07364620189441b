//! `object_store` values as core values: metadata, ETags, attributes, bodies.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::stream::{self, TryStreamExt};
use object_store::{Attribute, AttributeValue, Attributes};
use stowage_core::{ObjectBody, ObjectMeta, ObjectSummary, PutOptions, S3Path};

use crate::errors::{Access, map_error};

/// Largest chunk a download yields; bigger chunks are split without copying.
pub(crate) const MAX_CHUNK_BYTES: usize = 64 * 1024;

/// An ETag as S3 shows it: in double quotes.
pub(crate) fn quoted_etag(etag: Option<String>) -> Option<String> {
    etag.map(|etag| {
        if etag.starts_with('"') || etag.starts_with("W/\"") {
            etag
        } else {
            format!("\"{etag}\"")
        }
    })
}

/// A modification time truncated to the second, as S3 reports it.
pub(crate) fn whole_seconds(time: SystemTime) -> SystemTime {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) => UNIX_EPOCH + Duration::from_secs(since.as_secs()),
        Err(_) => time,
    }
}

/// Content-Type and user metadata (names lowercased, as S3 stores them) as attributes.
pub(crate) fn attributes(options: PutOptions) -> Attributes {
    let mut attributes = Attributes::new();
    if let Some(content_type) = options.content_type {
        attributes.insert(Attribute::ContentType, AttributeValue::from(content_type));
    }
    for (name, value) in options.metadata {
        attributes.insert(
            Attribute::Metadata(name.to_lowercase().into()),
            AttributeValue::from(value),
        );
    }
    attributes
}

/// Core metadata from an `object_store` head or get.
pub(crate) fn object_meta(
    path: &S3Path,
    meta: &object_store::ObjectMeta,
    attributes: &Attributes,
) -> ObjectMeta {
    let mut content_type = None;
    let mut metadata = BTreeMap::new();
    for (attribute, value) in attributes {
        match attribute {
            Attribute::ContentType => content_type = Some(value.as_ref().to_owned()),
            Attribute::Metadata(name) => {
                metadata.insert(name.to_lowercase(), value.as_ref().to_owned());
            }
            _ => {}
        }
    }
    ObjectMeta {
        path: path.clone(),
        size: meta.size,
        etag: quoted_etag(meta.e_tag.clone()),
        last_modified: Some(whole_seconds(meta.last_modified.into())),
        content_type,
        metadata,
    }
}

/// A listing entry.
pub(crate) fn summary(path: S3Path, meta: &object_store::ObjectMeta) -> ObjectSummary {
    ObjectSummary {
        path,
        size: meta.size,
        etag: quoted_etag(meta.e_tag.clone()),
        last_modified: Some(whole_seconds(meta.last_modified.into())),
    }
}

/// The body of a get, streamed chunk by chunk; chunks above [`MAX_CHUNK_BYTES`] (an
/// in-memory store hands out the whole object as one) are sliced, not copied.
pub(crate) fn body(path: &S3Path, result: object_store::GetResult) -> ObjectBody {
    let path = path.clone();
    let chunks = result
        .into_stream()
        .map_err(move |error| map_error(error, &path, Access::Read, "get_object"))
        .map_ok(|chunk| stream::iter(split(chunk).into_iter().map(Ok)))
        .try_flatten();
    ObjectBody::new(chunks)
}

fn split(chunk: Bytes) -> Vec<Bytes> {
    (0..chunk.len())
        .step_by(MAX_CHUNK_BYTES)
        .map(|start| chunk.slice(start..chunk.len().min(start + MAX_CHUNK_BYTES)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_quoted_once() {
        assert_eq!(quoted_etag(Some("abc".into())).as_deref(), Some("\"abc\""));
        assert_eq!(
            quoted_etag(Some("\"abc\"".into())).as_deref(),
            Some("\"abc\"")
        );
        assert_eq!(quoted_etag(None), None);
    }

    #[test]
    fn big_chunks_are_sliced() {
        let sizes: Vec<usize> = split(Bytes::from(vec![0u8; MAX_CHUNK_BYTES * 2 + 1]))
            .iter()
            .map(Bytes::len)
            .collect();
        assert_eq!(sizes, [MAX_CHUNK_BYTES, MAX_CHUNK_BYTES, 1]);
        assert!(split(Bytes::new()).is_empty());
    }
}
