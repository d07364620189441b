//! One stored object: its body, the ETag S3 gives it, its timestamp and its metadata.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use stowage_core::{ObjectMeta, PutOptions, S3Path};

use crate::attributes::HttpAttributes;
use crate::etag::{EntityTag, EtagText};

/// One stored object, held in its bucket's slab.
#[derive(Debug, Clone)]
pub(crate) struct StoredObject {
    /// The body.
    pub(crate) data: Bytes,
    /// The ETag: of the body for a single put, of the parts for a multipart upload.
    etag: EntityTag,
    /// When the object was written, to the whole second.
    pub(crate) last_modified: SystemTime,
    /// Borrowed for the default type, so most objects carry no allocation for it.
    pub(crate) content_type: Option<Cow<'static, str>>,
    /// `Cache-Control` and the other HTTP attributes, boxed, when any is set.
    attributes: Option<Box<HttpAttributes>>,
    /// User metadata, names lowercased.
    metadata: BTreeMap<String, String>,
}

impl StoredObject {
    /// A freshly written object: quoted MD5 ETag, whole-second timestamp, the options'
    /// Content-Type and attributes, lowercased metadata names.
    ///
    /// The options' mode, encryption and storage class are not stored.
    pub(crate) fn new(data: Bytes, options: PutOptions, now: SystemTime) -> Self {
        let etag = EntityTag::of_body(&data);
        Self::described(data, etag, options, now)
    }

    /// An object with this body and ETag (a completed multipart upload's), described by
    /// `options` as [`StoredObject::new`] describes one, written at `now`.
    pub(crate) fn described(
        data: Bytes,
        etag: EntityTag,
        options: PutOptions,
        now: SystemTime,
    ) -> Self {
        let PutOptions {
            content_type,
            cache_control,
            content_disposition,
            content_encoding,
            content_language,
            metadata,
            ..
        } = options;
        let metadata = metadata
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .collect();
        Self {
            data,
            etag,
            last_modified: whole_seconds(now),
            content_type: content_type.map(Cow::Owned),
            attributes: HttpAttributes::boxed(
                cache_control,
                content_disposition,
                content_encoding,
                content_language,
            ),
            metadata,
        }
    }

    /// A server-side copy written at `now`: same body and ETag; the Content-Type,
    /// attributes and metadata of `replace` when given (metadata names lowercased, as on
    /// a put), else this object's.
    pub(crate) fn copied(&self, replace: Option<&PutOptions>, now: SystemTime) -> Self {
        match replace {
            Some(options) => Self::described(self.data.clone(), self.etag, options.clone(), now),
            None => Self {
                last_modified: whole_seconds(now),
                ..self.clone()
            },
        }
    }

    /// The ETag as S3 returns it: the quoted MD5 hex of the body, or of the parts' MD5s
    /// with the part count for a multipart upload.
    pub(crate) fn etag(&self) -> String {
        self.etag_text().as_str().to_owned()
    }

    /// The ETag without a heap allocation, for comparisons under the store's lock.
    pub(crate) fn etag_text(&self) -> EtagText {
        self.etag.text()
    }

    /// What HeadObject reports for this object stored at `path`.
    pub(crate) fn meta(&self, path: &S3Path) -> ObjectMeta {
        let mut meta = ObjectMeta {
            etag: Some(self.etag()),
            last_modified: Some(self.last_modified),
            content_type: self.content_type.as_deref().map(str::to_owned),
            metadata: self.metadata.clone(),
            ..ObjectMeta::new(path.clone(), self.data.len() as u64)
        };
        if let Some(attributes) = &self.attributes {
            attributes.fill(&mut meta);
        }
        meta
    }
}

/// S3 reports modification times to the second.
fn whole_seconds(instant: SystemTime) -> SystemTime {
    let secs = instant
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    UNIX_EPOCH + Duration::from_secs(secs)
}
