//! The canonical request and the string to sign, as SigV4 defines them for S3.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use sha2::{Digest, Sha256};

use crate::uri::encode_query_value;

/// A query string as (name, value) pairs, percent-decoded, in URL order. `+` is kept as
/// `+` (SigV4 clients encode a space as `%20`).
pub fn query_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// A query name or value encoded as SigV4 signs it; borrowed when nothing needs encoding.
pub(crate) fn encoded(text: &str) -> Cow<'_, str> {
    Cow::from(encode_query_value(text))
}

/// The canonical query of encoded pairs: sorted by name then value, `&`-joined.
pub(crate) fn canonical_query(mut pairs: Vec<(&str, &str)>) -> String {
    pairs.sort_unstable();
    let mut query = String::with_capacity(pairs.iter().map(|(n, v)| n.len() + v.len() + 2).sum());
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            query.push('&');
        }
        query.push_str(name);
        query.push('=');
        query.push_str(value);
    }
    query
}

/// A header value as SigV4 signs it: trimmed, runs of spaces collapsed to one.
pub(crate) fn canonical_header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split_ascii_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The lowercase hex SHA-256 of the canonical request, in a buffer of its own.
///
/// `headers` are the signed headers, names lowercase and sorted, values canonical;
/// `path` is the URL path exactly as sent (S3 does not normalise it).
pub(crate) fn hashed_canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    signed_headers: &str,
    payload_hash: &str,
) -> [u8; 64] {
    let mut hasher = Sha256::new();
    for part in [method, "\n", path, "\n", query, "\n"] {
        hasher.update(part.as_bytes());
    }
    for (name, value) in headers {
        for part in [*name, ":", *value, "\n"] {
            hasher.update(part.as_bytes());
        }
    }
    for part in ["\n", signed_headers, "\n", payload_hash] {
        hasher.update(part.as_bytes());
    }
    let mut hex = [0u8; 64];
    hex::encode_to_slice(hasher.finalize(), &mut hex).expect("64 hex digits for 32 bytes");
    hex
}

/// A header to sign, as the canonical request holds it: the name lowercase, the value
/// canonical.
pub(crate) fn canonical_header(name: &str, value: &str) -> (String, String) {
    (name.to_ascii_lowercase(), canonical_header_value(value))
}

/// The headers a request signs, sorted by name: `fixed` (host, the SigV4 headers) and the
/// caller's `extra` ones, already canonical.
pub(crate) fn sorted_headers<'a>(
    fixed: &[(&'a str, &'a str)],
    extra: &'a [(String, String)],
) -> Vec<(&'a str, &'a str)> {
    let mut headers = Vec::with_capacity(fixed.len() + extra.len());
    headers.extend_from_slice(fixed);
    headers.extend(
        extra
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    headers.sort_unstable();
    headers
}

/// `host;range;x-amz-date`: the signed headers' names, `;`-joined.
pub(crate) fn signed_header_names(headers: &[(&str, &str)]) -> String {
    let mut names = String::with_capacity(headers.iter().map(|(name, _)| name.len() + 1).sum());
    for (i, (name, _)) in headers.iter().enumerate() {
        if i > 0 {
            names.push(';');
        }
        names.push_str(name);
    }
    names
}

/// `YYYYMMDD/region/s3/aws4_request`.
pub(crate) fn scope(date: &str, region: &str) -> String {
    let mut scope = String::with_capacity(date.len() + region.len() + 20);
    for part in [date, "/", region, "/", super::SERVICE, "/aws4_request"] {
        scope.push_str(part);
    }
    scope
}

/// The string to sign: algorithm, time, scope, hashed canonical request.
pub(crate) fn string_to_sign(amz_date: &str, scope: &str, hashed_request: &[u8; 64]) -> Vec<u8> {
    let mut text = Vec::with_capacity(super::ALGORITHM.len() + amz_date.len() + scope.len() + 67);
    for part in [super::ALGORITHM, "\n", amz_date, "\n", scope, "\n"] {
        text.extend_from_slice(part.as_bytes());
    }
    text.extend_from_slice(hashed_request);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_and_canonicalise() {
        let pairs = query_pairs("b=2&a=x%2Fy&a=1&empty&plus=a+b");
        assert_eq!(
            pairs,
            [
                ("b".into(), "2".into()),
                ("a".into(), "x/y".into()),
                ("a".into(), "1".into()),
                ("empty".into(), "".into()),
                ("plus".into(), "a+b".into()),
            ]
        );
        let encoded_pairs: Vec<_> = pairs
            .iter()
            .map(|(n, v)| (encoded(n), encoded(v)))
            .collect();
        let query = canonical_query(
            encoded_pairs
                .iter()
                .map(|(n, v)| (n.as_ref(), v.as_ref()))
                .collect(),
        );
        assert_eq!(query, "a=1&a=x%2Fy&b=2&empty=&plus=a%2Bb");
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        assert_eq!(canonical_header_value("  a   b c "), "a b c");
    }
}
