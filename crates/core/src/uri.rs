//! Percent-encoding for SigV4 and S3 URLs: the one definition of each character set.
//!
//! SigV4 encodes every byte but the unreserved characters (`A-Z a-z 0-9 - . _ ~`); an object
//! key in a URL path also keeps its `/` separators. Every backend, signer and verifier uses
//! these sets, so a URL minted by one is canonicalised the same way by another.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, PercentEncode, utf8_percent_encode};

/// What SigV4 leaves unencoded in a query value: the unreserved characters only.
pub const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What S3 leaves unencoded in a URL path or a `CopySource`: unreserved characters and `/`.
pub const PATH: &AsciiSet = &QUERY_VALUE.remove(b'/');

/// `key` encoded for a URL path (`a b/c` becomes `a%20b/c`).
///
/// The result is a [`Display`](std::fmt::Display) and an iterator of `&str` pieces, so it
/// can be written into an existing buffer without an intermediate `String`.
pub fn encode_path(key: &str) -> PercentEncode<'_> {
    utf8_percent_encode(key, PATH)
}

/// `value` encoded for a SigV4 query string (`/` becomes `%2F`).
pub fn encode_query_value(value: &str) -> PercentEncode<'_> {
    utf8_percent_encode(value, QUERY_VALUE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_keeps_slashes_and_unreserved_characters() {
        assert_eq!(
            encode_path("a b/c~d-e_f.g?#%é").to_string(),
            "a%20b/c~d-e_f.g%3F%23%25%C3%A9"
        );
    }

    #[test]
    fn query_value_encodes_slashes() {
        assert_eq!(
            encode_query_value("AKID/20260102/us-east-1/s3/aws4_request").to_string(),
            "AKID%2F20260102%2Fus-east-1%2Fs3%2Faws4_request"
        );
    }
}
