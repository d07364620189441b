//! Presigned GET URLs: minted and checked by core's SigV4 module, redeemable in-process.

use std::time::Duration;

use percent_encoding::percent_decode_str;
use stowage_core::sigv4::{Presign, SignedRequest, SigningKeyCache, SigningTime, Verifier};
use stowage_core::{S3Path, SigningCredentials, uri};

use crate::auth::host_of;
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
    let rest = url
        .strip_prefix(endpoint)
        .ok_or_else(|| HttpRejection::bad_request("the URL does not point at this store"))?;
    let (url_path, query) = rest
        .split_once('?')
        .filter(|(_, query)| {
            query.contains("X-Amz-Algorithm=") || query.contains("X-Amz-Signature=")
        })
        .ok_or_else(|| HttpRejection::new(403, "AccessDenied", "the URL carries no signature"))?;
    let headers = [("host", host_of(endpoint))];
    verifier.presigned(&SignedRequest {
        method: "GET",
        path: url_path,
        query,
        headers: &headers,
    })?;
    let decoded = percent_decode_str(url_path.trim_start_matches('/'))
        .decode_utf8()
        .map_err(|_| HttpRejection::bad_request("the URL path is not UTF-8"))?;
    let (bucket, key) = decoded.split_once('/').unwrap_or((&decoded, ""));
    S3Path::new(bucket, key).map_err(|error| HttpRejection::bad_request(error.to_string()))
}
