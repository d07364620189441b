//! [`UploadGrant`] and [`GrantKey`]: what a client holds between the steps of an upload,
//! MACed so that any replica of the service can trust it without shared state.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::path::S3Path;
use crate::resumable::error::ResumableError;
use crate::resumable::plan::UploadPlan;
use crate::transfer::UploadId;

/// What the MAC covers before the payload, so a grant cannot be mistaken for any other
/// value the same key might ever MAC.
const DOMAIN: &[u8] = b"stowage resumable upload grant v1\n";
/// The shortest secret a [`GrantKey`] takes: 256 bits.
pub const MIN_GRANT_KEY_BYTES: usize = 32;
/// The longest token [`GrantKey::open`] reads; anything longer is refused unread.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The service's secret for MACing grants (HMAC-SHA256). Every replica of a service holds
/// the same key; rotating it invalidates the grants of uploads in flight.
///
/// `Debug` shows nothing of the secret.
#[derive(Clone)]
pub struct GrantKey {
    secret: Vec<u8>,
}

impl fmt::Debug for GrantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GrantKey(<redacted>)")
    }
}

impl GrantKey {
    /// A key from a secret of at least 32 bytes (from the service's secret store); a
    /// shorter one is [`crate::Error::InvalidArgument`].
    pub fn new(secret: impl Into<Vec<u8>>) -> crate::Result<Self> {
        let secret = secret.into();
        if secret.len() < MIN_GRANT_KEY_BYTES {
            return Err(crate::Error::invalid_argument(format!(
                "a grant key needs at least {MIN_GRANT_KEY_BYTES} bytes of secret"
            )));
        }
        Ok(Self { secret })
    }

    /// A fresh random key from the operating system: for a single process, or a test.
    /// Replicas of one service must share a key instead ([`GrantKey::new`]).
    pub fn random() -> crate::Result<Self> {
        let mut secret = vec![0; MIN_GRANT_KEY_BYTES];
        getrandom::fill(&mut secret).map_err(|error| crate::Error::Io {
            message: format!("no randomness from the operating system: {error}"),
        })?;
        Ok(Self { secret })
    }

    /// The MAC of `payload`.
    fn mac(&self) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(DOMAIN);
        mac
    }

    /// The token of `grant`: its fields and their MAC, URL-safe.
    pub(crate) fn seal(&self, grant: &UploadGrant) -> String {
        let fields = GrantFields::from(grant);
        // Serializing plain strings and integers cannot fail.
        let payload = serde_json::to_vec(&fields).unwrap_or_default();
        let mut mac = self.mac();
        mac.update(&payload);
        let tag = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The grant `token` carries, when its MAC is this key's (compared in constant time).
    pub(crate) fn open(&self, token: &str) -> Result<UploadGrant, ResumableError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(ResumableError::InvalidGrant);
        }
        let (payload, tag) = token.split_once('.').ok_or(ResumableError::InvalidGrant)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| ResumableError::InvalidGrant)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| ResumableError::InvalidGrant)?;
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_slice(&tag)
            .map_err(|_| ResumableError::InvalidGrant)?;
        let fields: GrantFields =
            serde_json::from_slice(&payload).map_err(|_| ResumableError::InvalidGrant)?;
        fields.into_grant()
    }
}

/// One upload as the service started it: who may continue it, which object, which store
/// upload, which plan, until when.
///
/// A grant is only ever obtained from
/// [`ResumableUploads::start`](crate::resumable::ResumableUploads::start) or, with its MAC,
/// owner and key checked, from
/// [`ResumableUploads::open`](crate::resumable::ResumableUploads::open); the operations
/// on an upload take one, so none can run on a forged id. `Debug` shows the key as a hash.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadGrant {
    /// The user the upload belongs to, as the service names them.
    pub(crate) owner: String,
    /// The object the upload creates.
    pub(crate) path: S3Path,
    /// The store's id of the upload.
    pub(crate) upload: UploadId,
    /// The parts.
    pub(crate) plan: UploadPlan,
    /// The object's Content-Type, set when the upload was created.
    pub(crate) content_type: String,
    /// When the grant stops entitling anything but an abort.
    pub(crate) expires_at: SystemTime,
}

impl fmt::Debug for UploadGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadGrant")
            .field("owner", &self.owner)
            .field("path", &self.path)
            .field("upload", &self.upload)
            .field("plan", &self.plan)
            .field("content_type", &self.content_type)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl UploadGrant {
    /// The user the upload belongs to.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The object the upload creates.
    pub fn path(&self) -> &S3Path {
        &self.path
    }

    /// The store's id of the upload.
    pub fn upload_id(&self) -> &UploadId {
        &self.upload
    }

    /// The parts the file is cut into.
    pub fn plan(&self) -> &UploadPlan {
        &self.plan
    }

    /// The object's Content-Type.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// When the grant stops entitling part URLs, listings and completion.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// [`ResumableError::Expired`] at or after the expiry.
    pub(crate) fn check_live(&self, now: SystemTime) -> Result<Duration, ResumableError> {
        self.expires_at
            .duration_since(now)
            .ok()
            .filter(|left| !left.is_zero())
            .ok_or(ResumableError::Expired)
    }
}

/// A grant as its token carries it.
#[derive(Serialize, Deserialize)]
struct GrantFields {
    /// Owner.
    o: String,
    /// Bucket.
    b: String,
    /// Key.
    k: String,
    /// Store upload id.
    u: String,
    /// Declared size.
    s: u64,
    /// Part size.
    p: u64,
    /// Content-Type.
    t: String,
    /// Expiry, seconds since the Unix epoch.
    e: u64,
}

impl From<&UploadGrant> for GrantFields {
    fn from(grant: &UploadGrant) -> Self {
        Self {
            o: grant.owner.clone(),
            b: grant.path.bucket().to_owned(),
            k: grant.path.key().to_owned(),
            u: grant.upload.as_str().to_owned(),
            s: grant.plan.size,
            p: grant.plan.part_size,
            t: grant.content_type.clone(),
            e: grant
                .expires_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs()),
        }
    }
}

impl GrantFields {
    /// The grant, its plan recomputed from the MACed size and part size.
    fn into_grant(self) -> Result<UploadGrant, ResumableError> {
        let path = S3Path::new(self.b, self.k).map_err(|_| ResumableError::InvalidGrant)?;
        let plan = UploadPlan::new(self.s, self.p).map_err(|_| ResumableError::InvalidGrant)?;
        if plan.part_size != self.p {
            return Err(ResumableError::InvalidGrant);
        }
        Ok(UploadGrant {
            owner: self.o,
            path,
            upload: UploadId::new(self.u),
            plan,
            content_type: self.t,
            expires_at: UNIX_EPOCH + Duration::from_secs(self.e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> UploadGrant {
        UploadGrant {
            owner: "alice".into(),
            path: S3Path::new("uploads", "users/alice/scan.dcm").unwrap(),
            upload: UploadId::new("2~abc/def+=="),
            plan: UploadPlan::new(12 * 1024 * 1024, 5 * 1024 * 1024).unwrap(),
            content_type: "application/dicom".into(),
            expires_at: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        }
    }

    #[test]
    fn a_sealed_grant_opens_to_itself() {
        let key = GrantKey::random().unwrap();
        let token = key.seal(&grant());
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
        assert_eq!(key.open(&token).unwrap(), grant());
    }

    #[test]
    fn another_key_or_any_changed_byte_is_refused() {
        let key = GrantKey::random().unwrap();
        let token = key.seal(&grant());
        let other = GrantKey::random().unwrap();
        assert!(matches!(
            other.open(&token),
            Err(ResumableError::InvalidGrant)
        ));
        for index in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[index] = if bytes[index] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            if tampered != token {
                assert!(key.open(&tampered).is_err(), "byte {index}");
            }
        }
        assert!(key.open("").is_err());
        assert!(key.open(&"a".repeat(MAX_TOKEN_BYTES + 1)).is_err());
    }

    #[test]
    fn short_secrets_are_refused_and_debug_shows_no_secret() {
        assert!(GrantKey::new(vec![7; MIN_GRANT_KEY_BYTES - 1]).is_err());
        let key = GrantKey::new(b"0123456789abcdef0123456789abcdef".to_vec()).unwrap();
        assert_eq!(format!("{key:?}"), "GrantKey(<redacted>)");
        let shown = format!("{:?}", grant());
        assert!(!shown.contains("scan.dcm") && !shown.contains("abc/def"));
    }
}
