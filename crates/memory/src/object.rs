//! One stored object: its body, the ETag S3 gives it, its timestamp and its metadata.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use md5::{Digest, Md5};
use stowage_core::{ObjectMeta, PutOptions, S3Path};

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
    /// User metadata, names lowercased.
    pub(crate) metadata: BTreeMap<String, String>,
}

impl StoredObject {
    /// A freshly written object: quoted MD5 ETag, whole-second timestamp, lowercased metadata names.
    pub(crate) fn new(data: Bytes, options: PutOptions, now: SystemTime) -> Self {
        let md5 = Md5::digest(&data).into();
        let metadata = options
            .metadata
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .collect();
        Self {
            data,
            md5,
            last_modified: whole_seconds(now),
            content_type: options.content_type.map(Cow::Owned),
            metadata,
        }
    }

    /// A server-side copy written at `now`: same body, ETag, Content-Type and metadata.
    pub(crate) fn copied(&self, now: SystemTime) -> Self {
        Self {
            last_modified: whole_seconds(now),
            ..self.clone()
        }
    }

    /// The ETag as S3 returns it: the quoted MD5 hex of the body.
    pub(crate) fn etag(&self) -> String {
        let mut etag = [b'"'; 34];
        hex::encode_to_slice(self.md5, &mut etag[1..33]).expect("32 hex digits for 16 bytes");
        String::from_utf8(etag.to_vec()).expect("quotes and hex digits are ASCII")
    }

    /// What HeadObject reports for this object stored at `path`.
    pub(crate) fn meta(&self, path: &S3Path) -> ObjectMeta {
        ObjectMeta {
            path: path.clone(),
            size: self.data.len() as u64,
            etag: Some(self.etag()),
            last_modified: Some(self.last_modified),
            content_type: self.content_type.as_deref().map(str::to_owned),
            metadata: self.metadata.clone(),
        }
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
