//! Presigned UploadPart URLs: minted with the part's length signed and checked by core's
//! SigV4 module, redeemable in-process and over HTTP.

use std::time::Duration;

use stowage_core::sigv4::{Presign, SignedRequest, SigningKeyCache, SigningTime, Verifier};
use stowage_core::transfer::UploadId;
use stowage_core::{S3Path, SigningCredentials, uri};

use crate::auth::{host_of, path_of, signed_url_parts};
use crate::errors::HttpRejection;

/// What a URL for one part is minted from.
pub(crate) struct PartUrl<'a> {
    /// The store's base URL.
    pub(crate) endpoint: &'a str,
    /// The object the upload creates.
    pub(crate) path: &'a S3Path,
    /// The upload.
    pub(crate) upload: &'a UploadId,
    /// The part's number.
    pub(crate) number: u32,
    /// The part's exact length, signed.
    pub(crate) content_length: u64,
    /// How long the URL lives.
    pub(crate) ttl: Duration,
}

/// What a redeemed part URL grants: one part of one upload, of one length.
#[derive(Debug)]
pub(crate) struct GrantedPart {
    /// The object the upload creates.
    pub(crate) path: S3Path,
    /// The upload.
    pub(crate) upload: UploadId,
    /// The part's number.
    pub(crate) number: u32,
}

impl PartUrl<'_> {
    /// The URL, in the parameter order the AWS SDK's presigner uses.
    pub(crate) fn mint(
        &self,
        credentials: &SigningCredentials,
        region: &str,
        now: &SigningTime,
        keys: &SigningKeyCache,
    ) -> stowage_core::Result<String> {
        let url = format!(
            "{}/{}/{}",
            self.endpoint,
            self.path.bucket(),
            uri::encode_path(self.path.key())
        );
        let number = self.number.to_string();
        Presign::new("PUT", &url, region)
            .query("x-id", "UploadPart")
            .query("partNumber", &number)
            .query("uploadId", self.upload.as_str())
            .header("content-length", &self.content_length.to_string())
            .expires(self.ttl)
            .sign(credentials, now, keys)
    }
}

/// Checks a part URL (signature, credential, expiry, and the body's `content_length`
/// against the signed one) and returns the part it grants.
///
/// A URL whose signature does not cover `content-length` is refused: this store only
/// takes parts whose length the signer fixed.
pub(crate) fn verify(
    endpoint: &str,
    url: &str,
    content_length: u64,
    verifier: &Verifier<'_>,
) -> Result<GrantedPart, HttpRejection> {
    let (url_path, query) = signed_url_parts(endpoint, url)?;
    let length = content_length.to_string();
    let headers = [
        ("content-length", length.as_str()),
        ("host", host_of(endpoint)),
    ];
    let verified = verifier.presigned(&SignedRequest {
        method: "PUT",
        path: url_path,
        query,
        headers: &headers,
    })?;
    if !verified
        .signed_headers
        .iter()
        .any(|name| name == "content-length")
    {
        return Err(HttpRejection::new(
            403,
            "AccessDenied",
            "a part URL must sign the part's content-length",
        ));
    }
    let mut number = None;
    let mut upload = None;
    for (name, value) in stowage_core::sigv4::query_pairs(query) {
        match name.as_str() {
            "partNumber" => number = value.parse::<u32>().ok(),
            "uploadId" => upload = Some(UploadId::new(value)),
            _ => {}
        }
    }
    let (Some(number), Some(upload)) = (number, upload) else {
        return Err(HttpRejection::new(
            400,
            "InvalidRequest",
            "a part upload needs partNumber and uploadId",
        ));
    };
    Ok(GrantedPart {
        path: path_of(url_path)?,
        upload,
        number,
    })
}
