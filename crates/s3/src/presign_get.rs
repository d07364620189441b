//! Presigned GET URLs.
//!
//! With a credentials provider, a URL is signed directly with SigV4 query parameters,
//! byte-identical to the SDK presigner's URLs (same parameters, same order, same encoding)
//! at a fraction of the cost: the SDK runs its whole request orchestration for each URL,
//! while here a URL is one string, one SHA-256 and one HMAC under a signing key derived once
//! a day. Without one, the SDK presigns with the client's own credentials.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use sha2::{Digest, Sha256};
use stowage_core::sigv4::SigningTime;
use stowage_core::uri::{encode_path, encode_query_value};
use stowage_core::{Error, PresignedUrl, Result, S3Path};

use crate::credentials::CredentialsCache;
use crate::errors::failure;
use crate::logging::SdkLogs;
use crate::signing::Signing;

/// The SigV4 service name S3 signs for.
const SERVICE: &str = "s3";

/// A presigned GET URL for `path`, valid for `ttl` (an error above the ceiling).
pub(crate) async fn presigned_get(
    client: &Client,
    signing: &Signing,
    logs: &SdkLogs,
    path: &S3Path,
    ttl: Duration,
) -> Result<PresignedUrl> {
    let key = path.object_key()?;
    let ttl = signing.ttl_limits().get_ttl(ttl, path)?;
    let now = signing.now();
    if let Some(credentials) = signing.credentials() {
        return signed_url(client, signing, credentials, logs, path, ttl, now).await;
    }
    // Without a credentials provider (`from_client` alone) the SDK signs with the
    // client's own credentials.
    let config = PresigningConfig::builder()
        .start_time(now)
        .expires_in(ttl)
        .build()
        .map_err(|_| Error::invalid_argument("the presigned URL TTL is out of range"))?;
    let request = logs
        .run(
            client
                .get_object()
                .bucket(path.bucket())
                .key(key)
                .presigned(config),
        )
        .await
        .map_err(|e| failure(e, path))?;
    Ok(PresignedUrl::new(request.uri().to_owned(), now + ttl))
}

/// The URL for `path` (key checked) signed here with `credentials`, for `ttl` from `now`.
async fn signed_url(
    client: &Client,
    signing: &Signing,
    credentials: &CredentialsCache,
    logs: &SdkLogs,
    path: &S3Path,
    ttl: Duration,
    now: SystemTime,
) -> Result<PresignedUrl> {
    let key = path.key();
    let region = client
        .config()
        .region()
        .ok_or_else(|| {
            Error::invalid_argument("no region is configured; a presigned URL needs one")
        })?
        .as_ref();
    let credentials = credentials.resolve(logs, path).await?;
    let base = signing.bucket_url(client, logs, path.bucket(), now).await?;

    let time = SigningTime::new(now)?;
    let amz_date_str = time.amz_date();
    let date_str = time.date();

    // The URL up to and including the signed query; the signature is appended last.
    let token = credentials.session_token();
    let mut url = String::with_capacity(
        base.len()
            + key.len() * 3
            + 320
            + credentials.access_key_id().len()
            + region.len()
            + token.map_or(0, |t| t.len() * 3 + 24),
    );
    url.push_str(&base);
    if !base.ends_with('/') {
        url.push('/');
    }
    url.extend(encode_path(key));
    let path_start = url
        .find("://")
        .map(|scheme| scheme + 3)
        .and_then(|authority| url[authority..].find('/').map(|p| authority + p))
        .ok_or_else(|| Error::invalid_argument("the endpoint URL has an unexpected shape"))?;
    let host_start = url.find("://").expect("checked above") + 3;
    let path_end = url.len();

    // The SDK's order: `x-id` first, then the `X-Amz-*` parameters sorted by name. In the
    // canonical query `x-id` sorts last (lowercase after uppercase), so it is hashed apart.
    url.push_str("?x-id=GetObject&");
    let amz_start = url.len();
    url.push_str("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=");
    url.extend(encode_query_value(credentials.access_key_id()));
    let _ = write!(
        url,
        "%2F{date_str}%2F{}%2F{SERVICE}%2Faws4_request&X-Amz-Date={amz_date_str}\
         &X-Amz-Expires={}",
        encode_query_value(region),
        ttl.as_secs()
    );
    url.push_str("&X-Amz-SignedHeaders=host");

    let host = canonical_host(&url[..path_start], &url[host_start..path_start]);
    let mut hasher = Sha256::new();
    hasher.update(b"GET\n");
    hasher.update(&url[path_start..path_end]);
    hasher.update(b"\n");
    // The SDK signs the session token in canonical order but puts it after the signature.
    let signed_headers_start = url.len() - "&X-Amz-SignedHeaders=host".len();
    hasher.update(&url[amz_start..signed_headers_start]);
    if let Some(token) = token {
        hasher.update(b"&X-Amz-Security-Token=");
        for chunk in encode_query_value(token) {
            hasher.update(chunk);
        }
    }
    hasher.update(&url[signed_headers_start..]);
    hasher.update(b"&x-id=GetObject\nhost:");
    hasher.update(host);
    hasher.update(b"\n\nhost\nUNSIGNED-PAYLOAD");
    let digest = hasher.finalize();

    let mut string_to_sign = String::with_capacity(160 + region.len());
    string_to_sign.push_str("AWS4-HMAC-SHA256\n");
    string_to_sign.push_str(amz_date_str);
    string_to_sign.push('\n');
    string_to_sign.push_str(date_str);
    string_to_sign.push('/');
    string_to_sign.push_str(region);
    string_to_sign.push_str("/s3/aws4_request\n");
    push_hex(&mut string_to_sign, &digest);

    let signature = signing.signer().signing_keys().signature(
        credentials.secret_access_key(),
        &time,
        region,
        string_to_sign.as_bytes(),
    );
    url.push_str("&X-Amz-Signature=");
    url.push_str(&signature);
    if let Some(token) = token {
        url.push_str("&X-Amz-Security-Token=");
        url.extend(encode_query_value(token));
    }
    Ok(PresignedUrl::new(url, now + ttl))
}

/// The `host` header value: the authority, without a port that is the scheme's default.
fn canonical_host<'a>(scheme_and_authority: &str, authority: &'a str) -> &'a str {
    let default_port = if scheme_and_authority.starts_with("https://") {
        ":443"
    } else {
        ":80"
    };
    authority.strip_suffix(default_port).unwrap_or(authority)
}

/// Appends `bytes` as lowercase hex.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
}
