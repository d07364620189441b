//! [`Authorize`]: the `Authorization` header of a request signed in its headers, the way
//! the AWS SDKs send most requests.

use std::borrow::Cow;

use crate::error::Result;
use crate::policy::SigningCredentials;
use crate::sigv4::canonical::{
    canonical_header, canonical_query, encoded, hashed_canonical_request, scope,
    signed_header_names, sorted_headers, string_to_sign,
};
use crate::sigv4::key::SigningKeyCache;
use crate::sigv4::presign::split_url;
use crate::sigv4::time::SigningTime;
use crate::sigv4::{ALGORITHM, UNSIGNED_PAYLOAD};

/// A request to be signed in its headers: method, URL, query, headers and payload hash.
///
/// [`Authorize::sign`] answers the headers to send: `authorization`, `x-amz-date`,
/// `x-amz-content-sha256` and, with a session token, `x-amz-security-token`. `host`,
/// `x-amz-date`, `x-amz-content-sha256` and every header given with [`Authorize::header`]
/// are signed. A signature costs one SHA-256 of the canonical request and one HMAC under
/// the cached signing key.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use stowage::backend::SigningCredentials;
/// use stowage::backend::sigv4::{Authorize, SigningKeyCache, SigningTime};
///
/// let credentials = SigningCredentials::new("AKIDEXAMPLE", "secret");
/// let time = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))?;
/// let headers = Authorize::new("HEAD", "http://127.0.0.1:3900/bucket/key", "garage")
///     .sign(&credentials, &time, &SigningKeyCache::new())?;
/// assert_eq!(headers[0].0, "authorization");
/// assert!(headers[0].1.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date"));
/// # Ok::<(), stowage::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Authorize<'a> {
    method: &'a str,
    url: &'a str,
    region: &'a str,
    query: Vec<(&'a str, &'a str)>,
    headers: Vec<(String, String)>,
    payload_hash: &'a str,
}

impl<'a> Authorize<'a> {
    /// A `method` request on `url` (scheme, authority and the path exactly as it will be
    /// sent, percent-encoded; no query), signed for `region`, its body unsigned
    /// (`UNSIGNED-PAYLOAD`) unless [`Authorize::payload_hash`] says otherwise.
    pub fn new(method: &'a str, url: &'a str, region: &'a str) -> Self {
        Self {
            method,
            url,
            region,
            query: Vec::new(),
            headers: Vec::new(),
            payload_hash: UNSIGNED_PAYLOAD,
        }
    }

    /// Adds a query parameter, decoded; the request must send it encoded as SigV4 encodes.
    pub fn query(mut self, name: &'a str, value: &'a str) -> Self {
        self.query.push((name, value));
        self
    }

    /// Signs one more header, which the request must send with exactly this value.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push(canonical_header(name, value));
        self
    }

    /// The hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    pub fn payload_hash(mut self, hash: &'a str) -> Self {
        self.payload_hash = hash;
        self
    }

    /// The headers to add to the request, `authorization` first, signed with
    /// `credentials` at `time`.
    ///
    /// A URL without a scheme and authority is [`crate::Error::InvalidArgument`].
    pub fn sign(
        &self,
        credentials: &SigningCredentials,
        time: &SigningTime,
        keys: &SigningKeyCache,
    ) -> Result<Vec<(&'static str, String)>> {
        let (host, path) = split_url(self.url)?;
        let scope = scope(time.date(), self.region);
        let mut fixed = vec![
            ("host", host),
            ("x-amz-content-sha256", self.payload_hash),
            ("x-amz-date", time.amz_date()),
        ];
        if let Some(token) = credentials.session_token() {
            fixed.push(("x-amz-security-token", token));
        }
        let headers = sorted_headers(&fixed, &self.headers);
        let signed_headers = signed_header_names(&headers);
        let pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = self
            .query
            .iter()
            .map(|&(name, value)| (encoded(name), encoded(value)))
            .collect();
        let query = canonical_query(
            pairs
                .iter()
                .map(|(name, value)| (name.as_ref(), value.as_ref()))
                .collect(),
        );
        let hashed = hashed_canonical_request(
            self.method,
            path,
            &query,
            &headers,
            &signed_headers,
            self.payload_hash,
        );
        let signature = keys.signature(
            credentials.secret_access_key(),
            time,
            self.region,
            &string_to_sign(time.amz_date(), &scope, &hashed),
        );
        let authorization = format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            credentials.access_key_id()
        );
        let mut answer = vec![
            ("authorization", authorization),
            ("x-amz-content-sha256", self.payload_hash.to_owned()),
            ("x-amz-date", time.amz_date().to_owned()),
        ];
        if let Some(token) = credentials.session_token() {
            answer.push(("x-amz-security-token", token.to_owned()));
        }
        Ok(answer)
    }
}
