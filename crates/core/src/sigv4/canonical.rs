//! The canonical request and the string to sign, as SigV4 defines them for S3.

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

/// The canonical query: every pair encoded, sorted by name then value, `&`-joined.
pub(crate) fn canonical_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut encoded: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(name, value)| {
            (
                encode_query_value(name).to_string(),
                encode_query_value(value).to_string(),
            )
        })
        .collect();
    encoded.sort_unstable();
    let mut query = String::with_capacity(encoded.iter().map(|(n, v)| n.len() + v.len() + 2).sum());
    for (i, (name, value)) in encoded.iter().enumerate() {
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

/// The lowercase hex SHA-256 of the canonical request.
///
/// `headers` are the signed headers, names lowercase and sorted, values canonical;
/// `path` is the URL path exactly as sent (S3 does not normalise it).
pub(crate) fn hashed_canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    payload_hash: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update(b"\n");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(query.as_bytes());
    hasher.update(b"\n");
    for (name, value) in headers {
        hasher.update(name.as_bytes());
        hasher.update(b":");
        hasher.update(value.as_bytes());
        hasher.update(b"\n");
    }
    hasher.update(b"\n");
    hasher.update(signed_header_names(headers).as_bytes());
    hasher.update(b"\n");
    hasher.update(payload_hash.as_bytes());
    hex::encode(hasher.finalize())
}

/// `host;range;x-amz-date`: the signed headers' names, `;`-joined.
pub(crate) fn signed_header_names(headers: &[(String, String)]) -> String {
    let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
    names.join(";")
}

/// `YYYYMMDD/region/s3/aws4_request`.
pub(crate) fn scope(date: &str, region: &str) -> String {
    format!("{date}/{region}/{}/aws4_request", super::SERVICE)
}

/// The string to sign: algorithm, time, scope, hashed canonical request.
pub(crate) fn string_to_sign(amz_date: &str, scope: &str, hashed_request: &str) -> String {
    format!(
        "{}\n{amz_date}\n{scope}\n{hashed_request}",
        super::ALGORITHM
    )
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
        let query = canonical_query(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        assert_eq!(query, "a=1&a=x%2Fy&b=2&empty=&plus=a%2Bb");
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        assert_eq!(canonical_header_value("  a   b c "), "a b c");
    }
}
