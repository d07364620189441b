//! `object_store` values as core values: metadata, ETags, attributes, bodies.

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

/// An ETag condition (`*`, quoted or bare) as stores compare it: `*`, or quoted.
pub(crate) fn condition_etag(etag: &str) -> String {
    if etag == "*" {
        return etag.to_owned();
    }
    let bare = etag
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(etag);
    format!("\"{bare}\"")
}

/// A modification time truncated to the second, as S3 reports it.
pub(crate) fn whole_seconds(time: SystemTime) -> SystemTime {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) => UNIX_EPOCH + Duration::from_secs(since.as_secs()),
        Err(_) => time,
    }
}

/// The HTTP attributes of a put, in the order `object_store` names them.
const HTTP_ATTRIBUTES: [Attribute; 5] = [
    Attribute::ContentType,
    Attribute::CacheControl,
    Attribute::ContentDisposition,
    Attribute::ContentEncoding,
    Attribute::ContentLanguage,
];

/// Content-Type, the other HTTP attributes and user metadata (names lowercased, as S3
/// stores them) as `object_store` attributes.
pub(crate) fn attributes(options: &PutOptions) -> Attributes {
    let values = [
        &options.content_type,
        &options.cache_control,
        &options.content_disposition,
        &options.content_encoding,
        &options.content_language,
    ];
    let mut attributes = Attributes::new();
    for (attribute, value) in HTTP_ATTRIBUTES.into_iter().zip(values) {
        if let Some(value) = value {
            attributes.insert(attribute, AttributeValue::from(value.clone()));
        }
    }
    for (name, value) in &options.metadata {
        attributes.insert(
            Attribute::Metadata(name.to_lowercase().into()),
            AttributeValue::from(value.clone()),
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
    let mut object = ObjectMeta {
        etag: quoted_etag(meta.e_tag.clone()),
        last_modified: Some(whole_seconds(meta.last_modified.into())),
        ..ObjectMeta::new(path.clone(), meta.size)
    };
    for (attribute, value) in attributes {
        let value = value.as_ref().to_owned();
        match attribute {
            Attribute::ContentType => object.content_type = Some(value),
            Attribute::CacheControl => object.cache_control = Some(value),
            Attribute::ContentDisposition => object.content_disposition = Some(value),
            Attribute::ContentEncoding => object.content_encoding = Some(value),
            Attribute::ContentLanguage => object.content_language = Some(value),
            Attribute::Metadata(name) => {
                object.metadata.insert(name.to_lowercase(), value);
            }
            // The storage class, and attributes newer than this adapter, have no field.
            _ => {}
        }
    }
    object
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
/// in-memory store hands out the whole object as one) are sliced, not copied. A failure
/// midway is reported as one of `operation`.
pub(crate) fn body(
    path: &S3Path,
    result: object_store::GetResult,
    operation: &'static str,
) -> ObjectBody {
    let path = path.clone();
    let chunks = result
        .into_stream()
        .map_err(move |error| map_error(error, &path, Access::Read, operation))
        .map_ok(|chunk| stream::iter(split(chunk).into_iter().map(Ok)))
        .try_flatten();
    ObjectBody::new(chunks)
}

/// `chunk` as slices of at most [`MAX_CHUNK_BYTES`], sharing its memory.
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
    fn etag_conditions_are_quoted_once() {
        assert_eq!(condition_etag("*"), "*");
        assert_eq!(condition_etag("abc"), "\"abc\"");
        assert_eq!(condition_etag("\"abc\""), "\"abc\"");
    }

    #[test]
    fn every_attribute_round_trips() {
        let options = PutOptions::new()
            .content_type("text/csv")
            .cache_control("no-store")
            .content_disposition("inline")
            .content_encoding("gzip")
            .content_language("de")
            .metadata("Owner", "x");
        let path = S3Path::new("bucket", "key").unwrap();
        let meta = object_store::ObjectMeta {
            location: object_store::path::Path::from("key"),
            last_modified: UNIX_EPOCH.into(),
            size: 3,
            e_tag: Some("\"1\"".into()),
            version: None,
        };
        let back = object_meta(&path, &meta, &attributes(&options));
        let fields = [
            back.content_type.as_deref(),
            back.cache_control.as_deref(),
            back.content_disposition.as_deref(),
            back.content_encoding.as_deref(),
            back.content_language.as_deref(),
        ];
        assert_eq!(
            fields,
            [
                Some("text/csv"),
                Some("no-store"),
                Some("inline"),
                Some("gzip"),
                Some("de")
            ]
        );
        assert_eq!(back.metadata.get("owner").map(String::as_str), Some("x"));
        assert_eq!(back.etag.as_deref(), Some("\"1\""));
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
