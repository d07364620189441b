//! [`Presign`]: a presigned URL for any S3 request (method, operation parameters, signed
//! headers), in the SDK presigner's own layout.

use std::borrow::Cow;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::policy::SigningCredentials;
use crate::sigv4::canonical::{
    canonical_header, canonical_query, encoded, hashed_canonical_request, scope,
    signed_header_names, sorted_headers, string_to_sign,
};
use crate::sigv4::key::SigningKeyCache;
use crate::sigv4::time::SigningTime;
use crate::sigv4::{ALGORITHM, MAX_EXPIRES_SECONDS, UNSIGNED_PAYLOAD};

/// A presigned URL to be minted: the request it grants, and for how long.
///
/// The URL carries the operation's parameters first, in the order given, then the `X-Amz-*`
/// parameters sorted by name, the signature, and the session token last: the layout of
/// `aws-sdk-s3`'s presigner, byte for byte. `host` is always signed; [`Presign::header`]
/// binds more headers, which the request must then send with exactly these values (a
/// signed `content-length` makes a part URL accept a body of that length only).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use stowage::backend::SigningCredentials;
/// use stowage::backend::sigv4::{Presign, SigningKeyCache, SigningTime};
///
/// let credentials = SigningCredentials::new("AKIDEXAMPLE", "secret");
/// let time = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))?;
/// let url = Presign::new("PUT", "https://bucket.s3.eu-west-1.amazonaws.com/weights.bin", "eu-west-1")
///     .query("partNumber", "3")
///     .query("uploadId", "abc")
///     .header("content-length", "5242880")
///     .expires(Duration::from_secs(600))
///     .sign(&credentials, &time, &SigningKeyCache::new())?;
/// assert!(url.contains("X-Amz-SignedHeaders=content-length%3Bhost"));
/// # Ok::<(), stowage::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Presign<'a> {
    method: &'a str,
    url: &'a str,
    region: &'a str,
    query: Vec<(&'a str, &'a str)>,
    headers: Vec<(String, String)>,
    expires: Duration,
}

impl<'a> Presign<'a> {
    /// A URL for `method` on `url` (scheme, authority and the path exactly as it will be
    /// sent, percent-encoded; no query), signed for `region`, valid for an hour unless
    /// [`Presign::expires`] says otherwise.
    pub fn new(method: &'a str, url: &'a str, region: &'a str) -> Self {
        Self {
            method,
            url,
            region,
            query: Vec::new(),
            headers: Vec::new(),
            expires: Duration::from_secs(3600),
        }
    }

    /// An operation parameter (`x-id`, `partNumber`, `uploadId`), unencoded.
    pub fn query(mut self, name: &'a str, value: &'a str) -> Self {
        self.query.push((name, value));
        self
    }

    /// A header the request must send with this value, signed with the URL.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push(canonical_header(name, value));
        self
    }

    /// How long the URL is valid: 1 second to 7 days (SigV4's limit).
    pub fn expires(mut self, expires: Duration) -> Self {
        self.expires = expires;
        self
    }

    /// The URL, signed with `credentials` at `time`.
    ///
    /// A URL without a scheme and authority, or an expiry outside 1 s to 7 days, is
    /// [`Error::InvalidArgument`].
    pub fn sign(
        &self,
        credentials: &SigningCredentials,
        time: &SigningTime,
        keys: &SigningKeyCache,
    ) -> Result<String> {
        let expires = self.expires.as_secs();
        if !(1..=MAX_EXPIRES_SECONDS).contains(&expires) {
            return Err(Error::invalid_argument(
                "a presigned URL lasts 1 second to 7 days",
            ));
        }
        let (host, path) = split_url(self.url)?;
        let scope = scope(time.date(), self.region);
        let access_key_id = credentials.access_key_id();
        let mut credential = String::with_capacity(access_key_id.len() + 1 + scope.len());
        credential.push_str(access_key_id);
        credential.push('/');
        credential.push_str(&scope);
        let expires = expires.to_string();
        let headers = sorted_headers(&[("host", host)], &self.headers);
        let signed_headers = signed_header_names(&headers);

        // Every parameter but the signature, encoded once, in the URL's order.
        let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::with_capacity(self.query.len() + 6);
        pairs.extend(
            self.query
                .iter()
                .map(|&(name, value)| (encoded(name), encoded(value))),
        );
        for (name, value) in [
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", credential.as_str()),
            ("X-Amz-Date", time.amz_date()),
            ("X-Amz-Expires", expires.as_str()),
            ("X-Amz-SignedHeaders", signed_headers.as_str()),
        ] {
            pairs.push((Cow::Borrowed(name), encoded(value)));
        }
        let token = credentials
            .session_token()
            .map(|token| (Cow::Borrowed("X-Amz-Security-Token"), encoded(token)));
        let signed_query = canonical_query(
            pairs
                .iter()
                .chain(token.as_ref())
                .map(|(name, value)| (name.as_ref(), value.as_ref()))
                .collect(),
        );
        let hashed = hashed_canonical_request(
            self.method,
            path,
            &signed_query,
            &headers,
            &signed_headers,
            UNSIGNED_PAYLOAD,
        );
        let signature = keys.signature(
            credentials.secret_access_key(),
            time,
            self.region,
            &string_to_sign(time.amz_date(), &scope, &hashed),
        );

        // The SDK's layout: the parameters, the signature, then the session token.
        let mut url = String::with_capacity(self.url.len() + signed_query.len() + 96);
        url.push_str(self.url);
        let signature = (
            Cow::Borrowed("X-Amz-Signature"),
            Cow::Borrowed(signature.as_str()),
        );
        for (i, (name, value)) in pairs
            .iter()
            .chain(std::iter::once(&signature))
            .chain(token.as_ref())
            .enumerate()
        {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            url.push_str(value);
        }
        Ok(url)
    }
}

/// The `host` header value (the authority without the scheme's default port) and the path
/// of `url`.
pub(crate) fn split_url(url: &str) -> Result<(&str, &str)> {
    let shape = || Error::invalid_argument("a presigned URL needs `scheme://host/path`");
    let (scheme, rest) = url.split_once("://").ok_or_else(shape)?;
    if rest.contains('?') {
        return Err(Error::invalid_argument(
            "the URL to presign carries a query; pass its parameters with `Presign::query`",
        ));
    }
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(shape());
    }
    let default_port = match scheme {
        "https" => ":443",
        _ => ":80",
    };
    Ok((
        authority.strip_suffix(default_port).unwrap_or(authority),
        path,
    ))
}
