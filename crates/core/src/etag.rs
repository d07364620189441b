//! Entity tags in conditions: their syntax, and whether a condition names an ETag.

use crate::error::{Error, Result};

/// [`Error::InvalidArgument`] unless `etag` is `*` or a non-empty run of visible ASCII,
/// optionally quoted.
pub fn validate_etag(etag: &str) -> Result<()> {
    let inner = etag
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(etag);
    let visible = |c: char| c.is_ascii_graphic() && c != '"';
    if inner.is_empty() || !inner.chars().all(visible) {
        return Err(Error::invalid_argument(
            "an ETag condition must be `*` or a quoted or bare run of visible ASCII",
        ));
    }
    Ok(())
}

/// True when the condition `wanted` (`*`, quoted or bare) names the ETag `actual`.
pub fn etag_matches(wanted: &str, actual: &str) -> bool {
    wanted == "*" || unquoted(wanted) == unquoted(actual)
}

fn unquoted(etag: &str) -> &str {
    let etag = etag.strip_prefix("W/").unwrap_or(etag);
    etag.strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(etag)
}
