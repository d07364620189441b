//! Value parsers: a malformed flag value is a usage error (exit 2) naming the rule, before
//! any request.

use stowage_core::{ByteRange, MAX_PAGE_SIZE, PutMode, validate_etag};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Parses an RFC 3339 timestamp (`--signing-time`, `--if-modified-since`, ...).
pub(super) fn parse_rfc3339(value: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(value, &Rfc3339)
        .map_err(|_| "expected an RFC 3339 timestamp, e.g. 2026-01-02T03:04:05Z".to_owned())
}

/// Parses `--range`: `FIRST-LAST`, `FIRST-` or `-N`, optionally after `bytes=`.
pub(super) fn parse_range(value: &str) -> Result<ByteRange, String> {
    /// The three forms, for every message.
    const FORMS: &str = "a range is FIRST-LAST, FIRST- or -N with decimal byte offsets \
                         (e.g. 0-99, 100-, -500)";
    let spec = value.strip_prefix("bytes=").unwrap_or(value);
    if spec.is_empty() {
        return Err(format!("the range is empty; {FORMS}"));
    }
    if spec.contains(',') {
        return Err(format!("only one range is supported; {FORMS}"));
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Err(format!("the range has no `-`; {FORMS}"));
    };
    let range = match (first, last) {
        ("", "") => return Err(format!("`-` alone is no range; {FORMS}")),
        ("", n) => ByteRange::suffix(offset(n, FORMS)?),
        (first, "") => ByteRange::from_offset(offset(first, FORMS)?),
        (first, last) => ByteRange::inclusive(offset(first, FORMS)?, offset(last, FORMS)?),
    };
    range.validate().map_err(|_| match range {
        ByteRange::Suffix(_) => format!("-0 selects no byte; {FORMS}"),
        _ => format!("the range ends before it starts; {FORMS}"),
    })?;
    Ok(range)
}

/// One decimal byte offset of a range: ASCII digits only (no sign, no spaces).
fn offset(digits: &str, forms: &str) -> Result<u64, String> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{digits:?} is not a byte offset; {forms}"));
    }
    digits
        .parse()
        .map_err(|_| format!("{digits} is too large for a byte offset"))
}

/// Parses `get --if-match` / `--if-none-match`: an ETag, quoted or bare, or `*`.
pub(super) fn parse_read_etag(value: &str) -> Result<String, String> {
    validate_etag(value).map_err(|_| etag_rule())?;
    Ok(quoted(value))
}

/// Parses `put`/`cp --if-match`: an ETag, quoted or bare, not `*`.
pub(super) fn parse_write_etag(value: &str) -> Result<String, String> {
    if value == "*" {
        return Err(
            "a compare-and-swap write needs the ETag to replace, not `*` \
                    (--no-clobber is the create-only write)"
                .to_owned(),
        );
    }
    PutMode::IfMatch(value.to_owned())
        .validate()
        .map_err(|_| etag_rule())?;
    Ok(quoted(value))
}

/// A valid ETag condition as HTTP spells it: `*`, or the entity tag in double quotes (a
/// bare one, as scripts often strip the quotes, gets them back; servers differ in whether
/// they accept it bare).
fn quoted(etag: &str) -> String {
    if etag == "*" || etag.starts_with('"') {
        etag.to_owned()
    } else {
        format!("\"{etag}\"")
    }
}

/// What an ETag looks like.
fn etag_rule() -> String {
    "an ETag is a quoted or bare run of visible ASCII, as `stowage head` prints it \
     (e.g. \"5d41402abc4b2a76b9719d911017c592\")"
        .to_owned()
}

/// Parses an attribute value sent as an HTTP header: no control characters.
pub(super) fn parse_header_value(value: &str) -> Result<String, String> {
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err("the value must not contain control characters (newlines, ...)".to_owned());
    }
    Ok(value.to_owned())
}

/// Parses `--metadata NAME=VALUE`.
pub(super) fn parse_metadata(value: &str) -> Result<(String, String), String> {
    let Some((name, value)) = value.split_once('=') else {
        return Err("metadata is NAME=VALUE, e.g. owner=imaging-team".to_owned());
    };
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err(format!(
            "the metadata name {name:?} must be a non-empty HTTP token: letters, digits and \
             !#$%&'*+-.^_`|~"
        ));
    }
    Ok((name.to_owned(), parse_header_value(value)?))
}

/// True for the bytes of an HTTP token (RFC 9110 `tchar`).
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Parses `--storage-class`: a non-empty run of visible ASCII.
pub(super) fn parse_storage_class(value: &str) -> Result<String, String> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("a storage class is a name such as STANDARD or STANDARD_IA".to_owned());
    }
    Ok(value.to_owned())
}

/// Parses `ls --limit`: at least 1.
pub(super) fn parse_limit(value: &str) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(limit) if limit >= 1 => Ok(limit),
        _ => Err("the limit is a whole number of lines, at least 1".to_owned()),
    }
}

/// Parses `ls --page-size`: 1 to 1000.
pub(super) fn parse_page_size(value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(size @ 1..=MAX_PAGE_SIZE) => Ok(size),
        _ => Err(format!(
            "a page holds 1 to {MAX_PAGE_SIZE} entries (a whole number)"
        )),
    }
}

/// Parses `--part-size`: bytes, or a number with a K/M/G (or KiB/MiB/GiB, powers of 1024)
/// suffix. The range is checked with the other transfer settings.
pub(super) fn parse_size(value: &str) -> Result<u64, String> {
    let message =
        || "a size is a whole number of bytes, or one with a suffix: 16MiB, 64M, 1G".to_owned();
    let trimmed = value.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);
    let number: u64 = number.parse().map_err(|_| message())?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" | "kb" => 1 << 10,
        "m" | "mib" | "mb" => 1 << 20,
        "g" | "gib" | "gb" => 1 << 30,
        _ => return Err(message()),
    };
    number.checked_mul(multiplier).ok_or_else(message)
}

/// Parses `--concurrency`: at least 1.
pub(super) fn parse_concurrency(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(parts) if parts >= 1 => Ok(parts),
        _ => Err("the concurrency is a whole number of parts in flight, at least 1".to_owned()),
    }
}

/// Parses a timeout in seconds: a positive number, fractions allowed (`0.5`), at most a day.
pub(super) fn parse_seconds(value: &str) -> Result<std::time::Duration, String> {
    const DAY: f64 = 86_400.0;
    match value.trim().parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= DAY => {
            Ok(std::time::Duration::from_secs_f64(seconds))
        }
        _ => Err(format!(
            "a timeout is a number of seconds above 0 and at most {DAY}"
        )),
    }
}

/// Parses `uploads abort --older-than`: a number and a unit (`30m`, `24h`, `7d`, `0s`,
/// `1.5h`, or several, `1h 30m`), as `humantime` reads them.
pub(super) fn parse_age(value: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(value.trim()).map_err(|error| {
        format!("an age is a number and a unit, e.g. 30m, 24h, 7d or 0s ({error})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three forms parse; everything else is refused with a reason.
    #[test]
    fn ranges_parse_like_http() {
        assert_eq!(parse_range("0-99"), Ok(ByteRange::inclusive(0, 99)));
        assert_eq!(parse_range("5-5"), Ok(ByteRange::inclusive(5, 5)));
        assert_eq!(parse_range("100-"), Ok(ByteRange::from_offset(100)));
        assert_eq!(parse_range("-500"), Ok(ByteRange::suffix(500)));
        assert_eq!(parse_range("bytes=1-2"), Ok(ByteRange::inclusive(1, 2)));
        for bad in [
            "",
            "-",
            "5",
            "a-b",
            "1-a",
            "+1-2",
            " 1-2",
            "1-2,4-5",
            "5-4",
            "-0",
            "1--2",
            "99999999999999999999-",
        ] {
            assert!(parse_range(bad).is_err(), "{bad:?}");
        }
        assert!(
            parse_range("5-4")
                .unwrap_err()
                .contains("ends before it starts")
        );
    }

    /// ETags get their quotes; metadata, page sizes, limits and classes are checked.
    #[test]
    fn etags_metadata_and_sizes_are_checked() {
        assert_eq!(parse_read_etag("*").as_deref(), Ok("*"));
        assert_eq!(parse_read_etag("\"abc\"").as_deref(), Ok("\"abc\""));
        assert_eq!(parse_read_etag("abc-2").as_deref(), Ok("\"abc-2\""));
        assert_eq!(parse_write_etag("abc").as_deref(), Ok("\"abc\""));
        assert!(parse_read_etag("a b").is_err());
        assert!(parse_write_etag("*").is_err());
        assert!(parse_write_etag("abc").is_ok());
        assert_eq!(
            parse_metadata("Owner=a=b"),
            Ok(("Owner".to_owned(), "a=b".to_owned()))
        );
        assert_eq!(
            parse_metadata("empty="),
            Ok(("empty".to_owned(), String::new()))
        );
        for bad in ["novalue", "=x", "a b=c", "a=line\nbreak"] {
            assert!(parse_metadata(bad).is_err(), "{bad:?}");
        }
        assert!(parse_page_size("0").is_err());
        assert!(parse_page_size("1001").is_err());
        assert_eq!(parse_page_size("1000"), Ok(1000));
        assert!(parse_limit("0").is_err());
        assert!(parse_storage_class("").is_err());
    }

    /// Sizes take binary suffixes; a concurrency of 0 is refused.
    #[test]
    fn sizes_and_concurrency_are_checked() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(parse_size("8 KiB"), Ok(8 << 10));
        for bad in ["", "M", "1.5M", "5T", "-1", "99999999999999999999G"] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_concurrency("4"), Ok(4));
        assert!(parse_concurrency("0").is_err());
        assert!(parse_concurrency("x").is_err());
    }

    /// Timeouts are positive seconds, fractions allowed.
    #[test]
    fn seconds_are_checked() {
        use std::time::Duration;
        assert_eq!(parse_seconds("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_seconds("0.5"), Ok(Duration::from_millis(500)));
        for bad in ["", "0", "-1", "ten", "NaN", "inf", "86401"] {
            assert!(parse_seconds(bad).is_err(), "{bad:?}");
        }
    }

    /// Ages take a unit; malformed ones are refused with the expected form.
    #[test]
    fn ages_are_checked() {
        use std::time::Duration;
        assert_eq!(parse_age("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_age("30m"), Ok(Duration::from_secs(30 * 60)));
        assert_eq!(parse_age("24h"), Ok(Duration::from_secs(24 * 3600)));
        assert_eq!(parse_age("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_age("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_age("1.5h"), Ok(Duration::from_secs(5400)));
        for bad in ["", "h", "24", "24x", "-1h", "yesterday"] {
            let error = parse_age(bad).unwrap_err();
            assert!(
                error.contains("e.g. 30m, 24h, 7d or 0s"),
                "{bad:?}: {error}"
            );
        }
    }
}
