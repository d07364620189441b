//! Presigned GET URLs: minted and checked by core's SigV4 module, redeemable in-process.

use std::time::Duration;

use stowage_core::sigv4::{Presign, SignedRequest, SigningKeyCache, SigningTime, Verifier};
use stowage_core::{S3Path, SigningCredentials, uri};

use crate::auth::{host_of, path_of, signed_url_parts};
use crate::errors::HttpRejection;

/// A URL under `endpoint` that [`crate::MemoryStorage::fetch_presigned`] accepts until
/// `now + ttl`.
pub(crate) fn mint(
    endpoint: &str,
    path: &S3Path,
    ttl: Duration,
    credentials: &SigningCredentials,
    region: &str,
    now: &SigningTime,
    keys: &SigningKeyCache,
) -> stowage_core::Result<String> {
    let url = format!(
        "{endpoint}/{}/{}",
        path.bucket(),
        uri::encode_path(path.key())
    );
    Presign::new("GET", &url, region)
        .expires(ttl)
        .sign(credentials, now, keys)
}

/// Checks a presigned URL (signature, credential, expiry) and returns the path it grants.
///
/// A URL minted by an S3 client with the store's credentials (which adds e.g.
/// `x-id=GetObject`) verifies too; any parameter added, changed or repeated after signing
/// breaks the signature.
pub(crate) fn verify(
    endpoint: &str,
    url: &str,
    verifier: &Verifier<'_>,
) -> Result<S3Path, HttpRejection> {
    let (url_path, query) = signed_url_parts(endpoint, url)?;
    let headers = [("host", host_of(endpoint))];
    verifier.presigned(&SignedRequest {
        method: "GET",
        path: url_path,
        query,
        headers: &headers,
    })?;
    path_of(url_path)
}
