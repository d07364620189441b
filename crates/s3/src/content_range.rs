//! The `Content-Range` header of ranged reads: which bytes a 206 answer holds, and the
//! object's size a 416 answer names.

use std::ops::Range;

/// What a `Content-Range: bytes first-last/total` header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContentRange {
    /// The bytes the body holds, as a half-open span of the object.
    pub(crate) range: Range<u64>,
    /// The object's total size.
    pub(crate) total: u64,
}

/// Parses `bytes first-last/total`; `None` for any other shape (an unknown `*` total too).
pub(crate) fn parse(header: &str) -> Option<ContentRange> {
    let (span, total) = unit_value(header)?.split_once('/')?;
    let (first, last) = span.split_once('-')?;
    let (first, last, total) = (number(first)?, number(last)?, number(total)?);
    if last < first || last >= total {
        return None;
    }
    Some(ContentRange {
        range: first..last + 1,
        total,
    })
}

/// The total of any `bytes .../total` header, satisfied or not.
pub(crate) fn total(header: &str) -> Option<u64> {
    number(unit_value(header)?.rsplit_once('/')?.1)
}

/// The size in `bytes */total`, as a 416 answer carries it.
pub(crate) fn unsatisfied_total(header: &str) -> Option<u64> {
    number(unit_value(header)?.strip_prefix("*/")?)
}

/// The value after the `bytes` unit.
fn unit_value(header: &str) -> Option<&str> {
    let rest = header.trim().strip_prefix("bytes")?;
    rest.strip_prefix(' ').map(str::trim_start)
}

/// A decimal number of bytes, digits only.
fn number(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_total_of_any_shape() {
        assert_eq!(total("bytes 0-18446744073709551615/0"), Some(0));
        assert_eq!(total("bytes */150"), Some(150));
        assert_eq!(total("bytes 0-9/10"), Some(10));
        assert_eq!(total("bytes 0-9/*"), None);
    }

    #[test]
    fn parses_a_satisfied_range() {
        assert_eq!(
            parse("bytes 0-99/1000"),
            Some(ContentRange {
                range: 0..100,
                total: 1000
            })
        );
        assert_eq!(
            parse("bytes 999-999/1000").map(|c| c.range),
            Some(999..1000)
        );
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "bytes",
            "bytes 0-99/*",
            "bytes */1000",
            "bytes 5-4/10",
            "bytes 0-10/10",
            "bytes -1-3/10",
            "items 0-1/10",
            "bytes=0-1/10",
            "bytes +0-1/10",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn reads_the_total_of_an_unsatisfied_range() {
        assert_eq!(unsatisfied_total("bytes */150"), Some(150));
        assert_eq!(unsatisfied_total("bytes 0-1/150"), None);
        assert_eq!(unsatisfied_total("bytes */*"), None);
    }
}
