//! The fake's own credentials, and the SigV4 pieces it signs and checks with.

use std::time::SystemTime;

use sha2::{Digest, Sha256};
use stowage_core::SigningCredentials;
use time::OffsetDateTime;
use time::macros::format_description;

/// Default base of the fake's URLs; `.invalid` can never resolve, so they cannot leak anywhere.
pub(crate) const ENDPOINT: &str = "http://stowage-memory.invalid";

/// The `host[:port]` of an endpoint URL such as `http://127.0.0.1:9000`, as the canonical
/// request signs it.
pub(crate) fn host_of(endpoint: &str) -> &str {
    let rest = endpoint
        .strip_prefix("http://")
        .or_else(|| endpoint.strip_prefix("https://"))
        .unwrap_or(endpoint);
    rest.split('/').next().unwrap_or(rest)
}
/// The SigV4 algorithm name.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Credentials unique to one store, so a token minted by one store is refused by another.
pub(crate) fn generate_credentials() -> SigningCredentials {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = format!(
        "{:?}-{}-{}",
        SystemTime::now(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let secret = hex::encode(Sha256::digest(seed.as_bytes()));
    let id = format!("STOWAGEMEM{}", &secret[..10].to_ascii_uppercase());
    SigningCredentials::new(id, secret)
}

/// Parses `YYYYMMDDTHHMMSSZ`.
pub(crate) fn parse_amz_date(text: &str) -> Option<OffsetDateTime> {
    time::PrimitiveDateTime::parse(
        text,
        format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .ok()
    .map(|date| date.assume_utc())
}

/// Hex HMAC-SHA256 of `string_to_sign` under the SigV4 key for (secret, day, region, s3).
pub(crate) fn sign(secret: &str, day: SystemTime, region: &str, string_to_sign: &str) -> String {
    let key = aws_sigv4::sign::v4::generate_signing_key(secret, day, region, "s3");
    aws_sigv4::sign::v4::calculate_signature(key, string_to_sign.as_bytes())
}

/// Constant-time comparison of two signatures.
pub(crate) fn signatures_match(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}
