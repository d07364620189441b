//! SigV4 building blocks shared by every signer in stowage: the POST-policy signer here and
//! the presigned GET URLs of `stowage-s3`.
//!
//! Signing one policy or URL is cheap (one HMAC-SHA256 over a few hundred bytes); the cost
//! lies around it: deriving the signing key (four HMACs) and formatting dates.
//! [`SigningKeyCache`] derives the key (with `aws-sigv4`) once per secret, UTC day and
//! region, and [`SigningTime`] formats the timestamps without going through `format!`.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

use crate::error::{Error, Result};

/// HMAC-SHA256, as SigV4 uses it.
type HmacSha256 = Hmac<Sha256>;

/// A UTC instant, truncated to whole seconds, in the two shapes SigV4 writes it.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use stowage_core::sigv4::SigningTime;
///
/// let time = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))?;
/// assert_eq!(time.amz_date(), "20231114T221320Z");
/// assert_eq!(time.date(), "20231114");
/// assert_eq!(time.iso8601(), "2023-11-14T22:13:20Z");
/// # Ok::<(), stowage_core::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SigningTime {
    /// The instant, truncated to whole seconds.
    instant: SystemTime,
    /// `YYYYMMDDTHHMMSSZ`.
    amz_date: [u8; 16],
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    iso8601: [u8; 20],
}

impl SigningTime {
    /// The instant, truncated to whole seconds; instants before 1970 or after year 9999 are
    /// [`Error::InvalidArgument`], since SigV4 has no way to write them.
    pub fn new(instant: SystemTime) -> Result<Self> {
        let out_of_range = || Error::invalid_argument("the signing time is out of range");
        let secs = instant
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| out_of_range())?
            .as_secs();
        let utc = i64::try_from(secs)
            .ok()
            .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
            .filter(|utc| (0..=9999).contains(&utc.year()))
            .ok_or_else(out_of_range)?;
        let year = utc.year().unsigned_abs();
        let parts = [
            u32::from(u8::from(utc.month())),
            u32::from(utc.day()),
            u32::from(utc.hour()),
            u32::from(utc.minute()),
            u32::from(utc.second()),
        ];

        let mut amz_date = *b"00000000T000000Z";
        write_digits(&mut amz_date[0..4], year);
        for (part, at) in parts.iter().zip([4, 6, 9, 11, 13]) {
            write_digits(&mut amz_date[at..at + 2], *part);
        }
        let mut iso8601 = *b"0000-00-00T00:00:00Z";
        write_digits(&mut iso8601[0..4], year);
        for (part, at) in parts.iter().zip([5, 8, 11, 14, 17]) {
            write_digits(&mut iso8601[at..at + 2], *part);
        }
        Ok(Self {
            instant: SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
            amz_date,
            iso8601,
        })
    }

    /// The instant, truncated to whole seconds.
    pub fn instant(&self) -> SystemTime {
        self.instant
    }

    /// `YYYYMMDDTHHMMSSZ`, the `X-Amz-Date` value.
    pub fn amz_date(&self) -> &str {
        ascii(&self.amz_date)
    }

    /// `YYYYMMDD`, the date of the credential scope.
    pub fn date(&self) -> &str {
        &self.amz_date()[..8]
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, the shape of a POST policy's `expiration`.
    pub fn iso8601(&self) -> &str {
        ascii(&self.iso8601)
    }
}

impl fmt::Debug for SigningTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SigningTime").field(&self.iso8601()).finish()
    }
}

/// Timestamps and hex digits are ASCII; this reads them as `str` without `unsafe`.
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("ASCII by construction")
}

/// Writes `value` as zero-padded decimal filling `out`.
fn write_digits(out: &mut [u8], mut value: u32) {
    for byte in out.iter_mut().rev() {
        *byte = b'0' + (value % 10) as u8;
        value /= 10;
    }
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
        let date: [u8; 8] = time.amz_date[..8].try_into().expect("eight date digits");
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
            let key = aws_sigv4::sign::v4::generate_signing_key(
                secret_access_key,
                time.instant,
                region,
                "s3",
            );
            *cache = Some(CachedKey {
                secret_access_key: secret_access_key.to_owned(),
                date,
                region: region.to_owned(),
                keyed: HmacSha256::new_from_slice(key.as_ref())
                    .expect("HMAC accepts keys of any length"),
            });
        }
        // Cloning the keyed state skips re-hashing the key pads on every signature.
        let mut mac = cache.as_ref().expect("filled above").keyed.clone();
        drop(cache);
        mac.update(string_to_sign);
        let mut hex = [0u8; 64];
        hex::encode_to_slice(mac.finalize().into_bytes(), &mut hex)
            .expect("64 hex digits for 32 bytes");
        ascii(&hex).to_owned()
    }
}

impl fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeyCache").finish_non_exhaustive()
    }
}
