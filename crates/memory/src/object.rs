//! One stored object: its body, the ETag S3 gives it, its timestamp and its metadata.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use md5::{Digest, Md5};
use stowage_core::{ObjectMeta, PutOptions, S3Path};

use crate::attributes::HttpAttributes;

/// One stored object, held in its bucket's slab.
#[derive(Debug, Clone)]
pub(crate) struct StoredObject {
    /// The body.
    pub(crate) data: Bytes,
    /// MD5 of the body; the ETag is its quoted hex.
    md5: [u8; 16],
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
        let md5 = Md5::digest(&data).into();
        Self::described(data, md5, options, now)
    }

    /// An object with this body and MD5, described by `options`, written at `now`.
    fn described(data: Bytes, md5: [u8; 16], options: PutOptions, now: SystemTime) -> Self {
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
            md5,
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
            Some(options) => Self::described(self.data.clone(), self.md5, options.clone(), now),
            None => Self {
                last_modified: whole_seconds(now),
                ..self.clone()
            },
        }
    }

    /// The ETag as S3 returns it: the quoted MD5 hex of the body.
    pub(crate) fn etag(&self) -> String {
        self.etag_text().as_str().to_owned()
    }

    /// The ETag without a heap allocation, for comparisons under the store's lock.
    pub(crate) fn etag_text(&self) -> EtagText {
        let mut etag = [b'"'; 34];
        hex::encode_to_slice(self.md5, &mut etag[1..33]).expect("32 hex digits for 16 bytes");
        EtagText(etag)
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

/// A quoted MD5 hex ETag, held on the stack.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EtagText([u8; 34]);

impl EtagText {
    /// The ETag, quotes included.
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("quotes and hex digits are ASCII")
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
