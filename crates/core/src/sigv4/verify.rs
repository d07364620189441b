//! [`Verifier`]: S3's checks of a SigV4 signature, for every way a request carries one: an
//! `Authorization` header, a presigned URL's query, a POST form's policy.

use std::time::{Duration, SystemTime};

use crate::policy::SigningCredentials;
use crate::sigv4::canonical::{
    canonical_header_value, canonical_query, encoded, hashed_canonical_request, query_pairs,
    signed_header_names, string_to_sign,
};
use crate::sigv4::key::SigningKeyCache;
use crate::sigv4::time::SigningTime;
use crate::sigv4::{ALGORITHM, CLOCK_SKEW, MAX_EXPIRES_SECONDS, SERVICE};

/// Why S3 refuses a request's signature; [`Rejection::status`] and [`Rejection::code`] give
/// S3's answer. Messages never contain a signature, a credential or a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// No `Authorization` header and no `X-Amz-Signature` parameter.
    #[error("the request is not signed")]
    Unsigned,
    /// A SigV4 field is missing or malformed; says which.
    #[error("malformed signature fields: {0}")]
    Malformed(&'static str),
    /// The access key id is not this server's.
    #[error("The AWS Access Key Id you provided does not exist in our records.")]
    UnknownAccessKey,
    /// The signature does not match the request (or its scope names another region,
    /// service or day).
    #[error("The request signature we calculated does not match the signature you provided")]
    SignatureMismatch,
    /// A presigned URL or policy past its expiry.
    #[error("Request has expired")]
    Expired,
    /// A presigned URL dated more than 15 minutes ahead of the server's clock.
    #[error("Request is not valid yet")]
    NotYetValid,
    /// `X-Amz-Expires` above 7 days.
    #[error("X-Amz-Expires must be less than a week (in seconds); that is, 604800")]
    ExpiresTooLong,
    /// A header-signed request more than 15 minutes from the server's clock.
    #[error("The difference between the request time and the current time is too large.")]
    TooSkewed,
}

impl Rejection {
    /// The HTTP status S3 answers with.
    pub fn status(&self) -> u16 {
        match self {
            Rejection::Malformed(_) | Rejection::ExpiresTooLong => 400,
            _ => 403,
        }
    }

    /// The S3 error code.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Unsigned | Rejection::Expired | Rejection::NotYetValid => "AccessDenied",
            Rejection::Malformed(_) | Rejection::ExpiresTooLong => {
                "AuthorizationQueryParametersError"
            }
            Rejection::UnknownAccessKey => "InvalidAccessKeyId",
            Rejection::SignatureMismatch => "SignatureDoesNotMatch",
            Rejection::TooSkewed => "RequestTimeTooSkewed",
        }
    }
}

/// A request as it arrived: the parts a signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// `GET`, `PUT`, ...
    pub method: &'a str,
    /// The URL path exactly as sent, percent-encoded.
    pub path: &'a str,
    /// The raw query string, without `?` (empty when there is none).
    pub query: &'a str,
    /// Every header, names in any case.
    pub headers: &'a [(&'a str, &'a str)],
}

impl SignedRequest<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }
}

/// What a verified signature granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// When the request, URL or policy was signed.
    pub signed_at: SystemTime,
    /// When a presigned URL stops being valid; `None` for a header-signed request.
    pub expires_at: Option<SystemTime>,
    /// The headers the signature covers, lowercase, `host` included.
    pub signed_headers: Vec<String>,
    /// The payload hash the signature covers (`x-amz-content-sha256`, or
    /// `UNSIGNED-PAYLOAD`): checking the body against it is the caller's job.
    pub payload_hash: String,
}

/// Checks signatures made with one access key for one region at one instant, as S3 does:
/// the scope, the clock (15 minutes of skew; a presigned URL's expiry, at most 7 days), and
/// the signature itself, compared in constant time.
#[derive(Debug, Clone, Copy)]
pub struct Verifier<'a> {
    /// The access key the server knows.
    pub credentials: &'a SigningCredentials,
    /// The region it serves.
    pub region: &'a str,
    /// The server's clock.
    pub now: SystemTime,
    /// Signing keys, derived once a day.
    pub keys: &'a SigningKeyCache,
}

impl Verifier<'_> {
    /// Verifies `request` by its `Authorization` header, else by its presigned query.
    pub fn verify(&self, request: &SignedRequest<'_>) -> Result<Verified, Rejection> {
        if request.header("authorization").is_some() {
            self.authorization(request)
        } else if query_pairs(request.query)
            .iter()
            .any(|(name, _)| name == "X-Amz-Signature")
        {
            self.presigned(request)
        } else {
            Err(Rejection::Unsigned)
        }
    }

    /// Verifies a presigned URL: `X-Amz-*` query parameters, `UNSIGNED-PAYLOAD`.
    pub fn presigned(&self, request: &SignedRequest<'_>) -> Result<Verified, Rejection> {
        let pairs = query_pairs(request.query);
        let field = |name: &'static str| {
            let mut values = pairs.iter().filter(|(n, _)| n == name);
            match (values.next(), values.next()) {
                (Some((_, value)), None) => Ok(value.as_str()),
                (None, _) => Err(Rejection::Malformed(name)),
                (Some(_), Some(_)) => Err(Rejection::Malformed(name)),
            }
        };
        if field("X-Amz-Algorithm")? != ALGORITHM {
            return Err(Rejection::Malformed("X-Amz-Algorithm"));
        }
        let time = SigningTime::parse_amz_date(field("X-Amz-Date")?)
            .ok_or(Rejection::Malformed("X-Amz-Date"))?;
        let scope = self.credential_scope(field("X-Amz-Credential")?, &time)?;
        let expires: u64 = field("X-Amz-Expires")?
            .parse()
            .map_err(|_| Rejection::Malformed("X-Amz-Expires"))?;
        if expires > MAX_EXPIRES_SECONDS {
            return Err(Rejection::ExpiresTooLong);
        }
        let signed_headers = field("X-Amz-SignedHeaders")?;
        let signature = field("X-Amz-Signature")?;
        let query = signed_query(pairs.iter().filter(|(name, _)| name != "X-Amz-Signature"));
        let headers = self.signed_headers(request, signed_headers)?;
        let hashed = hash_request(request, &query, &headers, super::UNSIGNED_PAYLOAD);
        self.check_signature(&time, scope, &hashed, signature)?;
        let signed_at = time.instant();
        if self.now + CLOCK_SKEW < signed_at {
            return Err(Rejection::NotYetValid);
        }
        let expires_at = signed_at + Duration::from_secs(expires);
        if self.now > expires_at {
            return Err(Rejection::Expired);
        }
        Ok(Verified {
            signed_at,
            expires_at: Some(expires_at),
            signed_headers: headers.into_iter().map(|(name, _)| name).collect(),
            payload_hash: super::UNSIGNED_PAYLOAD.to_owned(),
        })
    }

    /// Verifies an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
    /// Signature=…` header, with `x-amz-date` and `x-amz-content-sha256`.
    pub fn authorization(&self, request: &SignedRequest<'_>) -> Result<Verified, Rejection> {
        let header = request.header("authorization").ok_or(Rejection::Unsigned)?;
        let fields = header
            .strip_prefix(ALGORITHM)
            .filter(|rest| rest.starts_with(' '))
            .ok_or(Rejection::Malformed("Authorization"))?;
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for part in fields.split(',') {
            let (name, value) = part
                .trim()
                .split_once('=')
                .ok_or(Rejection::Malformed("Authorization"))?;
            let slot = match name {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => return Err(Rejection::Malformed("Authorization")),
            };
            if slot.replace(value).is_some() {
                return Err(Rejection::Malformed("Authorization"));
            }
        }
        let (Some(credential), Some(signed_headers), Some(signature)) =
            (credential, signed_headers, signature)
        else {
            return Err(Rejection::Malformed("Authorization"));
        };
        let time = request
            .header("x-amz-date")
            .and_then(SigningTime::parse_amz_date)
            .ok_or(Rejection::Malformed("x-amz-date"))?;
        let payload_hash = request
            .header("x-amz-content-sha256")
            .ok_or(Rejection::Malformed("x-amz-content-sha256"))?;
        let scope = self.credential_scope(credential, &time)?;
        let query = signed_query(query_pairs(request.query).iter());
        let headers = self.signed_headers(request, signed_headers)?;
        let hashed = hash_request(request, &query, &headers, payload_hash);
        self.check_signature(&time, scope, &hashed, signature)?;
        let signed_at = time.instant();
        let skew = match self.now.duration_since(signed_at) {
            Ok(behind) => behind,
            Err(ahead) => ahead.duration(),
        };
        if skew > CLOCK_SKEW {
            return Err(Rejection::TooSkewed);
        }
        Ok(Verified {
            signed_at,
            expires_at: None,
            signed_headers: headers.into_iter().map(|(name, _)| name).collect(),
            payload_hash: payload_hash.to_owned(),
        })
    }

    /// Verifies a POST form's signature: `x-amz-signature` is the HMAC of the base64
    /// `policy` under the key of `x-amz-credential`'s scope, dated `x-amz-date`. The
    /// policy's own expiry and conditions are the caller's to check.
    pub fn post_policy(
        &self,
        policy_base64: &str,
        credential: &str,
        amz_date: &str,
        signature: &str,
    ) -> Result<SystemTime, Rejection> {
        let time =
            SigningTime::parse_amz_date(amz_date).ok_or(Rejection::Malformed("x-amz-date"))?;
        self.credential_scope(credential, &time)?;
        let expected = self.keys.signature(
            self.credentials.secret_access_key(),
            &time,
            self.region,
            policy_base64.as_bytes(),
        );
        if !constant_time_eq(&expected, signature) {
            return Err(Rejection::SignatureMismatch);
        }
        Ok(time.instant())
    }

    /// Checks `AKID/YYYYMMDD/region/s3/aws4_request` against this server and `time`;
    /// returns the scope.
    fn credential_scope<'c>(
        &self,
        credential: &'c str,
        time: &SigningTime,
    ) -> Result<&'c str, Rejection> {
        let (access_key_id, scope) = credential
            .split_once('/')
            .ok_or(Rejection::Malformed("X-Amz-Credential"))?;
        if access_key_id != self.credentials.access_key_id() {
            return Err(Rejection::UnknownAccessKey);
        }
        let mut parts = scope.split('/');
        let (Some(date), Some(region), Some(service), Some("aws4_request"), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(Rejection::Malformed("X-Amz-Credential"));
        };
        if date != time.date() || region != self.region || service != SERVICE {
            return Err(Rejection::SignatureMismatch);
        }
        Ok(scope)
    }

    /// The signed headers' canonical names and values, from the request; `host` must be
    /// among them and every one must be present.
    fn signed_headers(
        &self,
        request: &SignedRequest<'_>,
        names: &str,
    ) -> Result<Vec<(String, String)>, Rejection> {
        let mut headers = Vec::new();
        for name in names.split(';') {
            let value = request.header(name).ok_or(Rejection::SignatureMismatch)?;
            headers.push((name.to_ascii_lowercase(), canonical_header_value(value)));
        }
        if !headers.iter().any(|(name, _)| name == "host") {
            return Err(Rejection::Malformed("X-Amz-SignedHeaders"));
        }
        let sorted = headers.windows(2).all(|pair| pair[0].0 < pair[1].0);
        if !sorted {
            return Err(Rejection::Malformed("X-Amz-SignedHeaders"));
        }
        Ok(headers)
    }

    fn check_signature(
        &self,
        time: &SigningTime,
        scope: &str,
        hashed_request: &[u8; 64],
        signature: &str,
    ) -> Result<(), Rejection> {
        let expected = self.keys.signature(
            self.credentials.secret_access_key(),
            time,
            self.region,
            &string_to_sign(time.amz_date(), scope, hashed_request),
        );
        if constant_time_eq(&expected, signature) {
            Ok(())
        } else {
            Err(Rejection::SignatureMismatch)
        }
    }
}

/// The canonical query of decoded `pairs`: each encoded as SigV4 signs it, then sorted.
fn signed_query<'p>(pairs: impl Iterator<Item = &'p (String, String)>) -> String {
    let encoded_pairs: Vec<_> = pairs
        .map(|(name, value)| (encoded(name), encoded(value)))
        .collect();
    canonical_query(
        encoded_pairs
            .iter()
            .map(|(name, value)| (name.as_ref(), value.as_ref()))
            .collect(),
    )
}

/// The hashed canonical request of `request` with its canonical `query` and signed
/// `headers`.
fn hash_request(
    request: &SignedRequest<'_>,
    query: &str,
    headers: &[(String, String)],
    payload_hash: &str,
) -> [u8; 64] {
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    hashed_canonical_request(
        request.method,
        request.path,
        query,
        &headers,
        &signed_header_names(&headers),
        payload_hash,
    )
}

/// Compares two signatures without an early exit.
fn constant_time_eq(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}
