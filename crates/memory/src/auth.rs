//! The fake's own credentials and endpoint, and the parts of a presigned URL; signing and
//! checking is core's SigV4 module.

use std::time::SystemTime;

use percent_encoding::percent_decode_str;
use sha2::{Digest, Sha256};
use stowage_core::{S3Path, SigningCredentials};

use crate::errors::HttpRejection;

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

/// The path and query of a presigned `url` under `endpoint`: `400` for a URL that points
/// elsewhere, `403 AccessDenied` for one that carries no signature at all (one with a
/// partial signature goes on, for the verifier to say what is missing).
pub(crate) fn signed_url_parts<'a>(
    endpoint: &str,
    url: &'a str,
) -> Result<(&'a str, &'a str), HttpRejection> {
    url.strip_prefix(endpoint)
        .ok_or_else(|| HttpRejection::bad_request("the URL does not point at this store"))?
        .split_once('?')
        .filter(|(_, query)| {
            query.contains("X-Amz-Algorithm=") || query.contains("X-Amz-Signature=")
        })
        .ok_or_else(|| HttpRejection::new(403, "AccessDenied", "the URL carries no signature"))
}

/// The object a URL path (`/bucket/key`, percent-encoded) names.
pub(crate) fn path_of(url_path: &str) -> Result<S3Path, HttpRejection> {
    let decoded = percent_decode_str(url_path.trim_start_matches('/'))
        .decode_utf8()
        .map_err(|_| HttpRejection::bad_request("the URL path is not UTF-8"))?;
    let (bucket, key) = decoded.split_once('/').unwrap_or((&decoded, ""));
    S3Path::new(bucket, key).map_err(|error| HttpRejection::bad_request(error.to_string()))
}
