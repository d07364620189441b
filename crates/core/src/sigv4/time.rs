//! [`SigningTime`]: the instant a request is signed at, in the shapes SigV4 writes it.

use std::fmt;
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;

use crate::error::{Error, Result};

/// A UTC instant, truncated to whole seconds, in the two shapes SigV4 writes it.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use stowage::backend::sigv4::SigningTime;
///
/// let time = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))?;
/// assert_eq!(time.amz_date(), "20231114T221320Z");
/// assert_eq!(time.date(), "20231114");
/// assert_eq!(time.iso8601(), "2023-11-14T22:13:20Z");
/// # Ok::<(), stowage::Error>(())
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

    /// Reads an `X-Amz-Date` value (`YYYYMMDDTHHMMSSZ`); `None` unless it is exactly that
    /// shape and a real instant.
    pub fn parse_amz_date(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            let digits = text.get(range)?;
            digits
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| digits.parse().ok())?
        };
        let month = time::Month::try_from(u8::try_from(number(4..6)?).ok()?).ok()?;
        let date = time::Date::from_calendar_date(
            i32::try_from(number(0..4)?).ok()?,
            month,
            u8::try_from(number(6..8)?).ok()?,
        )
        .ok()?;
        let clock = time::Time::from_hms(
            u8::try_from(number(9..11)?).ok()?,
            u8::try_from(number(11..13)?).ok()?,
            u8::try_from(number(13..15)?).ok()?,
        )
        .ok()?;
        let secs = date.with_time(clock).assume_utc().unix_timestamp();
        let secs = u64::try_from(secs).ok()?;
        Self::new(SystemTime::UNIX_EPOCH + Duration::from_secs(secs)).ok()
    }
}

impl fmt::Debug for SigningTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SigningTime").field(&self.iso8601()).finish()
    }
}

/// Timestamps are ASCII; this reads them as `str` without `unsafe`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_parse_back() {
        let time =
            SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_369_353_600)).unwrap();
        assert_eq!(time.amz_date(), "20130524T000000Z");
        assert_eq!(SigningTime::parse_amz_date("20130524T000000Z"), Some(time));
        for bad in [
            "20130524T000000",
            "2013052AT000000Z",
            "20131324T000000Z",
            "20130524 000000Z",
            "",
        ] {
            assert_eq!(SigningTime::parse_amz_date(bad), None, "{bad}");
        }
    }
}
