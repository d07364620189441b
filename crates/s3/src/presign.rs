//! Presigned GET and UploadPart URLs.
//!
//! With a credentials provider, a URL is minted by core's SigV4 module
//! ([`stowage::backend::sigv4::Presign`](Presign)), byte-identical to the SDK presigner's
//! URLs (same parameters, same order, same encoding) at a fraction of the cost: the SDK
//! runs its whole request orchestration for each URL, while here a URL is one string, one
//! SHA-256 and one HMAC under a signing key derived once a day. Without one, the SDK
//! presigns with the client's own credentials.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use stowage_core::sigv4::{Presign, SigningTime};
use stowage_core::transfer::UploadId;
use stowage_core::uri::encode_path;
use stowage_core::{Error, PartUrlRequest, PresignedUrl, Result, S3Path};

use crate::credentials::CredentialsCache;
use crate::errors::failure;
use crate::logging::SdkLogs;
use crate::signing::Signing;

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
        let request = Minted {
            method: "GET",
            query: &[("x-id", "GetObject")],
            content_length: None,
        };
        return signed_url(client, signing, credentials, logs, path, ttl, now, &request).await;
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

/// A presigned UploadPart URL for part `request.number` of `upload`, with the part's
/// length signed (`X-Amz-SignedHeaders=content-length;host`), valid for the request's TTL
/// clamped to the upload ceiling.
pub(crate) async fn presigned_part(
    client: &Client,
    signing: &Signing,
    logs: &SdkLogs,
    path: &S3Path,
    upload: &UploadId,
    request: &PartUrlRequest,
) -> Result<PresignedUrl> {
    let key = path.object_key()?;
    request.validate()?;
    let ttl = signing.ttl_limits().part_url_ttl(request.ttl, path)?;
    let now = signing.now();
    let length = i64::try_from(request.content_length)
        .map_err(|_| Error::invalid_argument("the part is too large"))?;
    if let Some(credentials) = signing.credentials() {
        let number = request.number.to_string();
        let minted = Minted {
            method: "PUT",
            query: &[
                ("x-id", "UploadPart"),
                ("partNumber", &number),
                ("uploadId", upload.as_str()),
            ],
            content_length: Some(request.content_length),
        };
        return signed_url(client, signing, credentials, logs, path, ttl, now, &minted).await;
    }
    let config = PresigningConfig::builder()
        .start_time(now)
        .expires_in(ttl)
        .build()
        .map_err(|_| Error::invalid_argument("the part URL TTL is out of range"))?;
    let number = i32::try_from(request.number)
        .map_err(|_| Error::invalid_argument("the part number is out of range"))?;
    let presigned = logs
        .run(
            client
                .upload_part()
                .bucket(path.bucket())
                .key(key)
                .upload_id(upload.as_str())
                .part_number(number)
                .content_length(length)
                .presigned(config),
        )
        .await
        .map_err(|e| failure(e, path))?;
    Ok(PresignedUrl::new(presigned.uri().to_owned(), now + ttl))
}

/// The request a URL is minted for, beyond its path.
struct Minted<'a> {
    /// The HTTP method.
    method: &'a str,
    /// The operation's own query parameters, in the SDK presigner's order.
    query: &'a [(&'a str, &'a str)],
    /// The body length to sign, for uploads.
    content_length: Option<u64>,
}

/// The URL of `minted` for `path` (key checked) signed here with `credentials`, for `ttl`
/// from `now`.
#[allow(clippy::too_many_arguments)]
async fn signed_url(
    client: &Client,
    signing: &Signing,
    credentials: &CredentialsCache,
    logs: &SdkLogs,
    path: &S3Path,
    ttl: Duration,
    now: SystemTime,
    minted: &Minted<'_>,
) -> Result<PresignedUrl> {
    let region = client
        .config()
        .region()
        .ok_or_else(|| {
            Error::invalid_argument("no region is configured; a presigned URL needs one")
        })?
        .as_ref();
    let credentials = credentials.resolve(logs, path).await?;
    let base = signing.bucket_url(client, logs, path.bucket(), now).await?;
    let mut url = String::with_capacity(base.len() + path.key().len() * 3 + 1);
    url.push_str(&base);
    if !base.ends_with('/') {
        url.push('/');
    }
    url.extend(encode_path(path.key()));
    let mut presign = Presign::new(minted.method, &url, region);
    for (name, value) in minted.query {
        presign = presign.query(name, value);
    }
    let length = minted.content_length.map(|length| length.to_string());
    if let Some(length) = &length {
        presign = presign.header("content-length", length);
    }
    let signed = presign.expires(ttl).sign(
        &credentials,
        &SigningTime::new(now)?,
        signing.signer().signing_keys(),
    )?;
    Ok(PresignedUrl::new(signed, now + ttl))
}
