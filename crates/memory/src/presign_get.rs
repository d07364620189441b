//! Presigned GET URLs: minted as SigV4 query-string tokens and redeemable in-process.

use std::time::{Duration, SystemTime};

use percent_encoding::percent_decode_str;
use sha2::{Digest, Sha256};
use stowage_core::sigv4::SigningTime;
use stowage_core::{S3Path, SigningCredentials, uri};

use crate::auth::{ALGORITHM, host_of, parse_amz_date, sign, signatures_match};
use crate::rejection::HttpRejection;

/// The signed parameters of a presigned URL, in canonical (sorted) order.
struct QueryParams {
    /// `X-Amz-Credential`: access key id and scope, unencoded.
    credential: String,
    /// `X-Amz-Date`, as `YYYYMMDDTHHMMSSZ`.
    date: String,
    /// `X-Amz-Expires`, in seconds.
    expires: u64,
}

impl QueryParams {
    /// The canonical query string: every parameter but the signature, encoded.
    fn canonical_query(&self) -> String {
        format!(
            "X-Amz-Algorithm={ALGORITHM}&X-Amz-Credential={}&X-Amz-Date={}&X-Amz-Expires={}&X-Amz-SignedHeaders=host",
            uri::encode_query_value(&self.credential),
            self.date,
            self.expires
        )
    }
}

/// The URL path of the object: `/bucket/key`, the key encoded.
fn encoded_path(bucket: &str, key: &str) -> String {
    format!("/{bucket}/{}", uri::encode_path(key))
}

/// The SigV4 string to sign for a GET of `path` (already encoded) with the canonical query
/// `query`, signed at `date` (`YYYYMMDDTHHMMSSZ`).
fn string_to_sign(host: &str, path: &str, query: &str, date: &str, scope: &str) -> String {
    let canonical_request = format!("GET\n{path}\n{query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD");
    format!(
        "{ALGORITHM}\n{date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// The canonical query of a presented URL: every parameter but the signature, names and
/// values encoded, sorted. A URL this store minted gives back
/// [`QueryParams::canonical_query`]; one minted by an S3 client with the store's
/// credentials (which adds e.g. `x-id=GetObject`) verifies too, and any parameter added,
/// changed or repeated after signing breaks the signature.
fn canonical_query_of(pairs: &[(String, String)]) -> String {
    let mut encoded: Vec<String> = pairs
        .iter()
        .filter(|(name, _)| name != "X-Amz-Signature")
        .map(|(name, value)| {
            format!(
                "{}={}",
                uri::encode_query_value(name),
                uri::encode_query_value(value)
            )
        })
        .collect();
    encoded.sort_unstable();
    encoded.join("&")
}

/// A URL under `endpoint` that [`crate::MemoryStorage::fetch_presigned`] accepts until
/// `now + ttl`.
pub(crate) fn mint(
    endpoint: &str,
    path: &S3Path,
    ttl: Duration,
    credentials: &SigningCredentials,
    region: &str,
    now: &SigningTime,
) -> String {
    let scope = format!("{}/{region}/s3/aws4_request", now.date());
    let params = QueryParams {
        credential: format!("{}/{scope}", credentials.access_key_id()),
        date: now.amz_date().to_owned(),
        expires: ttl.as_secs(),
    };
    let url_path = encoded_path(path.bucket(), path.key());
    let signature = sign(
        credentials.secret_access_key(),
        now.instant(),
        region,
        &string_to_sign(
            host_of(endpoint),
            &url_path,
            &params.canonical_query(),
            &params.date,
            &scope,
        ),
    );
    format!(
        "{endpoint}{url_path}?{}&X-Amz-Signature={signature}",
        params.canonical_query()
    )
}

/// Checks a presigned URL (signature, credential, expiry) and returns the path it grants.
pub(crate) fn verify(
    endpoint: &str,
    url: &str,
    credentials: &SigningCredentials,
    region: &str,
    now: SystemTime,
) -> Result<S3Path, HttpRejection> {
    let rest = url
        .strip_prefix(endpoint)
        .ok_or_else(|| HttpRejection::bad_request("the URL does not point at this store"))?;
    let (url_path, query) = rest
        .split_once('?')
        .ok_or_else(|| HttpRejection::new(403, "AccessDenied", "the URL carries no signature"))?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let fields: std::collections::BTreeMap<&str, &String> = pairs
        .iter()
        .map(|(name, value)| (name.as_str(), value))
        .collect();
    let field = |name: &str| {
        fields
            .get(name)
            .map(|value| (*value).clone())
            .ok_or_else(|| {
                HttpRejection::new(
                    403,
                    "AccessDenied",
                    format!("missing query parameter {name}"),
                )
            })
    };
    if field("X-Amz-Algorithm")? != ALGORITHM {
        return Err(HttpRejection::bad_request("unsupported signing algorithm"));
    }
    let credential = field("X-Amz-Credential")?;
    let date = field("X-Amz-Date")?;
    let expires: u64 = field("X-Amz-Expires")?
        .parse()
        .map_err(|_| HttpRejection::bad_request("X-Amz-Expires is not a number"))?;
    let signature = field("X-Amz-Signature")?;
    let signed_at = parse_amz_date(&date)
        .ok_or_else(|| HttpRejection::bad_request("X-Amz-Date is malformed"))?;
    let (access_key_id, scope) = credential
        .split_once('/')
        .ok_or_else(|| HttpRejection::bad_request("X-Amz-Credential is malformed"))?;
    if access_key_id != credentials.access_key_id() {
        return Err(HttpRejection::new(
            403,
            "InvalidAccessKeyId",
            "the access key id is unknown",
        ));
    }
    let expected = sign(
        credentials.secret_access_key(),
        signed_at.into(),
        region,
        &string_to_sign(
            host_of(endpoint),
            url_path,
            &canonical_query_of(&pairs),
            &date,
            scope,
        ),
    );
    if !scope.ends_with(&format!("/{region}/s3/aws4_request"))
        || !signatures_match(&expected, &signature)
    {
        return Err(HttpRejection::signature_mismatch());
    }
    let expiry = SystemTime::from(signed_at) + Duration::from_secs(expires);
    if now > expiry {
        return Err(HttpRejection::new(
            403,
            "AccessDenied",
            "Request has expired",
        ));
    }
    let decoded = percent_decode_str(url_path.trim_start_matches('/'))
        .decode_utf8()
        .map_err(|_| HttpRejection::bad_request("the URL path is not UTF-8"))?;
    let (bucket, key) = decoded.split_once('/').unwrap_or((&decoded, ""));
    S3Path::new(bucket, key).map_err(|error| HttpRejection::bad_request(error.to_string()))
}
