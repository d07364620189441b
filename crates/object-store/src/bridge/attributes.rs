//! Attributes both ways: `object_store`'s [`Attributes`] as stowage put options, and an
//! object's stowage metadata as `object_store` attributes and metadata.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use object_store::path::Path;
use object_store::{Attribute, AttributeValue, Attributes};
use stowage_core::{ObjectMeta, ObjectSummary, PutOptions};

use crate::bridge::errors::not_implemented;

/// The put options that carry `attributes`: the five HTTP attributes, the storage class
/// and user metadata. An attribute newer than this bridge is `NotImplemented`, never
/// dropped.
pub(crate) fn put_options(attributes: &Attributes) -> object_store::Result<PutOptions> {
    let mut options = PutOptions::new();
    for (attribute, value) in attributes {
        let value = value.as_ref().to_owned();
        match attribute {
            Attribute::ContentType => options.content_type = Some(value),
            Attribute::CacheControl => options.cache_control = Some(value),
            Attribute::ContentDisposition => options.content_disposition = Some(value),
            Attribute::ContentEncoding => options.content_encoding = Some(value),
            Attribute::ContentLanguage => options.content_language = Some(value),
            Attribute::StorageClass => options.storage_class = Some(value),
            Attribute::Metadata(name) => {
                options.metadata.insert(name.to_string(), value);
            }
            other => {
                return Err(not_implemented(
                    &format!("a put with the attribute {other:?}"),
                    "object_store bridge",
                ));
            }
        }
    }
    Ok(options)
}

/// An object's metadata as `object_store` reports it on a read: its `ObjectMeta` at
/// `location` and its attributes (the HTTP ones and user metadata), the strings moved, not
/// copied.
pub(crate) fn read_meta(
    location: Path,
    meta: ObjectMeta,
) -> (object_store::ObjectMeta, Attributes) {
    let ObjectMeta {
        size,
        etag,
        last_modified,
        content_type,
        cache_control,
        content_disposition,
        content_encoding,
        content_language,
        metadata,
        ..
    } = meta;
    let fields = [
        (Attribute::ContentType, content_type),
        (Attribute::CacheControl, cache_control),
        (Attribute::ContentDisposition, content_disposition),
        (Attribute::ContentEncoding, content_encoding),
        (Attribute::ContentLanguage, content_language),
    ];
    let mut attributes = Attributes::new();
    for (attribute, value) in fields {
        if let Some(value) = value {
            attributes.insert(attribute, AttributeValue::from(value));
        }
    }
    for (name, value) in metadata {
        attributes.insert(
            Attribute::Metadata(name.into()),
            AttributeValue::from(value),
        );
    }
    let meta = object_store::ObjectMeta {
        location,
        last_modified: timestamp(last_modified),
        size,
        e_tag: etag,
        version: None,
    };
    (meta, attributes)
}

/// A listing entry's `object_store` metadata.
pub(crate) fn summary_meta(location: Path, summary: ObjectSummary) -> object_store::ObjectMeta {
    object_store::ObjectMeta {
        location,
        last_modified: timestamp(summary.last_modified),
        size: summary.size,
        e_tag: summary.etag,
        version: None,
    }
}

/// A modification time; a store that gives none is reported at the epoch, as
/// `object_store` needs one.
fn timestamp(time: Option<SystemTime>) -> DateTime<Utc> {
    time.unwrap_or(UNIX_EPOCH).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use stowage_core::S3Path;

    #[test]
    fn attributes_round_trip_through_put_options_and_metadata() {
        let attributes = Attributes::from_iter([
            (Attribute::CacheControl, "max-age=604800"),
            (Attribute::ContentDisposition, "attachment"),
            (Attribute::ContentEncoding, "gzip"),
            (Attribute::ContentLanguage, "en-US"),
            (Attribute::ContentType, "text/html"),
            (Attribute::Metadata("owner".into()), "x"),
        ]);
        let options = put_options(&attributes).unwrap();
        let meta = ObjectMeta {
            content_type: options.content_type.clone(),
            cache_control: options.cache_control.clone(),
            content_disposition: options.content_disposition.clone(),
            content_encoding: options.content_encoding.clone(),
            content_language: options.content_language.clone(),
            metadata: options.metadata.clone(),
            ..ObjectMeta::new(S3Path::new("bucket", "key").unwrap(), 3)
        };
        assert_eq!(read_meta(Path::from("key"), meta).1, attributes);
    }

    #[test]
    fn the_storage_class_is_a_put_option() {
        let attributes = Attributes::from_iter([(Attribute::StorageClass, "STANDARD_IA")]);
        let options = put_options(&attributes).unwrap();
        assert_eq!(options.storage_class.as_deref(), Some("STANDARD_IA"));
    }
}
