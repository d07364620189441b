//! [`SigningKeyCache`] and [`signing_key`]: the day's SigV4 signing key, derived once.

use std::fmt;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::sigv4::time::SigningTime;

/// HMAC-SHA256, as SigV4 uses it.
type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of `data` under `key`.
fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The SigV4 signing key of `secret_access_key` for `date` (`YYYYMMDD`), `region` and
/// `service`: four chained HMACs, as AWS documents them.
///
/// ```
/// use stowage::backend::sigv4::signing_key;
/// // AWS's documented example ("Examples of how to derive a signing key").
/// let key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
/// assert_eq!(
///     hex::encode(key),
///     "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
/// );
/// ```
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let mut secret = Vec::with_capacity(4 + secret_access_key.len());
    secret.extend_from_slice(b"AWS4");
    secret.extend_from_slice(secret_access_key.as_bytes());
    let k_date = hmac(&secret, date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// Computes SigV4 signatures, keeping the signing key of the last secret, day and region.
///
/// The signing key (four chained HMACs of the secret) changes once a day per region, so it
/// is derived on the first signature of the day and kept as HMAC state already keyed with
/// it; a signature then costs one HMAC over the string to sign. Safe to share between tasks.
///
/// `Debug` shows nothing of the cached key or secret.
#[derive(Default)]
pub struct SigningKeyCache {
    cached: Mutex<Option<CachedKey>>,
}

struct CachedKey {
    secret_access_key: String,
    date: [u8; 8],
    region: String,
    /// HMAC state already keyed with the day's signing key.
    keyed: HmacSha256,
}

impl SigningKeyCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The lowercase hex SigV4 signature of `string_to_sign` for service `s3`, under the key
    /// of `secret_access_key` on `time`'s UTC day in `region`.
    pub fn signature(
        &self,
        secret_access_key: &str,
        time: &SigningTime,
        region: &str,
        string_to_sign: &[u8],
    ) -> String {
        let date: [u8; 8] = time
            .date()
            .as_bytes()
            .try_into()
            .expect("eight date digits");
        let mut cache = self
            .cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let fresh = cache.as_ref().is_some_and(|cached| {
            cached.date == date
                && cached.region == region
                && cached.secret_access_key == secret_access_key
        });
        if !fresh {
            let key = signing_key(secret_access_key, time.date(), region, "s3");
            *cache = Some(CachedKey {
                secret_access_key: secret_access_key.to_owned(),
                date,
                region: region.to_owned(),
                keyed: HmacSha256::new_from_slice(&key).expect("HMAC accepts keys of any length"),
            });
        }
        // Cloning the keyed state skips re-hashing the key pads on every signature.
        let mut mac = cache.as_ref().expect("filled above").keyed.clone();
        drop(cache);
        mac.update(string_to_sign);
        let mut hex = [0u8; 64];
        hex::encode_to_slice(mac.finalize().into_bytes(), &mut hex)
            .expect("64 hex digits for 32 bytes");
        std::str::from_utf8(&hex).expect("hex is ASCII").to_owned()
    }
}

impl fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeyCache").finish_non_exhaustive()
    }
}
