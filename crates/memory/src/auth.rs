//! The fake's own credentials and endpoint; signing and checking is core's SigV4 module.

use std::time::SystemTime;

use sha2::{Digest, Sha256};
use stowage_core::SigningCredentials;

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
