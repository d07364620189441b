//! Signing a POST policy with SigV4.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

use super::PostPolicyRequest;
use super::form::PresignedPost;
use super::json::push_python_json_string;
use crate::error::{Error, Result};
use crate::path::S3Path;

/// The SigV4 algorithm name, as it appears in the form and the policy.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The service name in the credential scope.
const SERVICE: &str = "s3";

/// Static credentials used to sign a policy.
///
/// `Debug` redacts all three parts.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl SigningCredentials {
    /// Long-term credentials: an access key id and its secret.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
        }
    }

    /// Adds the session token of temporary (STS) credentials; it becomes a policy
    /// condition and a form field, as S3 requires.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token, for temporary credentials.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }
}

impl fmt::Debug for SigningCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningCredentials")
            .field("access_key_id", &"<redacted>")
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Everything a policy signature depends on.
#[derive(Debug, Clone, Copy)]
pub struct PostPolicyParams<'a> {
    /// The URL the form posts to.
    pub url: &'a str,
    /// The object the form uploads; its key must not be empty.
    pub path: &'a S3Path,
    /// Size cap and Content-Type lock.
    pub request: &'a PostPolicyRequest,
    /// The lifetime, already checked against the ceiling ([`crate::TtlLimits::post_ttl`]).
    pub ttl: Duration,
    /// Who signs.
    pub credentials: &'a SigningCredentials,
    /// The bucket's region (part of the credential scope).
    pub region: &'a str,
    /// The signing instant: the one clock reading the whole policy uses.
    pub now: SystemTime,
}

/// Signs POST policies, caching the SigV4 signing key.
///
/// The signing key depends only on the secret, the UTC date, the region and the service, so
/// it is derived once a day per region; a policy then costs one HMAC, a base64 encoding and
/// a JSON serialization.
#[derive(Default)]
pub struct PostPolicySigner {
    cached_key: Mutex<Option<CachedSigningKey>>,
}

/// HMAC-SHA256, as SigV4 uses it.
type HmacSha256 = Hmac<Sha256>;

struct CachedSigningKey {
    secret_access_key: String,
    date: String,
    region: String,
    /// HMAC state already keyed with the day's signing key.
    keyed: HmacSha256,
}

impl fmt::Debug for PostPolicySigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostPolicySigner").finish_non_exhaustive()
    }
}

impl PostPolicySigner {
    /// A signer with an empty key cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds and signs the policy: conditions, expiry, base64 policy, signature and form fields.
    ///
    /// Conditions and fields match boto3's `generate_presigned_post` for the reference's call:
    /// `content-length-range` (0 to `max_bytes` + 16 KiB), `Content-Type` when locked,
    /// `bucket`, `key`, then the `x-amz-*` signing fields.
    pub fn sign(&self, params: &PostPolicyParams<'_>) -> Result<PresignedPost> {
        let key = params.path.object_key()?;
        let now = whole_second_utc(params.now)?;
        let expires = params
            .now
            .checked_add(params.ttl)
            .ok_or_else(|| Error::invalid_argument("the policy expiry is out of range"))
            .and_then(whole_second_utc)?;
        let date = format!(
            "{:04}{:02}{:02}",
            now.year(),
            u8::from(now.month()),
            now.day()
        );
        let amz_date = format!(
            "{date}T{:02}{:02}{:02}Z",
            now.hour(),
            now.minute(),
            now.second()
        );
        let expiration = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            expires.year(),
            u8::from(expires.month()),
            expires.day(),
            expires.hour(),
            expires.minute(),
            expires.second()
        );
        let credentials = params.credentials;
        let credential = format!(
            "{}/{date}/{}/{SERVICE}/aws4_request",
            credentials.access_key_id, params.region
        );

        let mut fields: Vec<(String, String)> = Vec::with_capacity(8);
        if let Some(content_type) = &params.request.content_type {
            fields.push(("Content-Type".into(), content_type.clone()));
        }
        fields.push(("key".into(), key.to_owned()));
        fields.push(("x-amz-algorithm".into(), ALGORITHM.to_owned()));
        fields.push(("x-amz-credential".into(), credential));
        fields.push(("x-amz-date".into(), amz_date));
        if let Some(token) = credentials.session_token() {
            fields.push(("x-amz-security-token".into(), token.to_owned()));
        }

        let document = policy_json(
            &expiration,
            params.request.content_length_upper_bound(),
            params.path.bucket(),
            &fields,
        );
        let policy = BASE64.encode(document);
        let signature = self.signature(credentials, &date, params.region, params.now, &policy);
        fields.push(("policy".into(), policy));
        fields.push(("x-amz-signature".into(), signature));
        let expires_at = SystemTime::UNIX_EPOCH
            + Duration::from_secs(u64::try_from(expires.unix_timestamp()).unwrap_or(0));
        Ok(PresignedPost::new(
            params.url.to_owned(),
            fields,
            expires_at,
        ))
    }

    /// Hex HMAC-SHA256 of the base64 policy under the (cached) signing key.
    fn signature(
        &self,
        credentials: &SigningCredentials,
        date: &str,
        region: &str,
        now: SystemTime,
        policy: &str,
    ) -> String {
        let mut cache = self
            .cached_key
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let fresh = cache.as_ref().is_some_and(|cached| {
            cached.date == date
                && cached.region == region
                && cached.secret_access_key == credentials.secret_access_key
        });
        if !fresh {
            let key = aws_sigv4::sign::v4::generate_signing_key(
                &credentials.secret_access_key,
                now,
                region,
                SERVICE,
            );
            let keyed =
                HmacSha256::new_from_slice(key.as_ref()).expect("HMAC accepts keys of any length");
            *cache = Some(CachedSigningKey {
                secret_access_key: credentials.secret_access_key.clone(),
                date: date.to_owned(),
                region: region.to_owned(),
                keyed,
            });
        }
        // Cloning the keyed state skips re-hashing the key pads on every signature.
        let mut mac = cache.as_ref().expect("filled above").keyed.clone();
        drop(cache);
        mac.update(policy.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The policy document as Python's `json.dumps` would write it for boto3's conditions:
/// `content-length-range`, then one exact-match condition per form field, with `bucket`
/// inserted before `key`.
fn policy_json(
    expiration: &str,
    max_length: u64,
    bucket: &str,
    fields: &[(String, String)],
) -> String {
    let mut json = String::with_capacity(
        256 + fields
            .iter()
            .map(|(n, v)| n.len() + v.len() + 8)
            .sum::<usize>(),
    );
    json.push_str("{\"expiration\": ");
    push_python_json_string(&mut json, expiration);
    json.push_str(", \"conditions\": [[\"content-length-range\", 0, ");
    json.push_str(&max_length.to_string());
    json.push(']');
    for (name, value) in fields {
        if name == "key" {
            json.push_str(", {\"bucket\": ");
            push_python_json_string(&mut json, bucket);
            json.push('}');
        }
        json.push_str(", {");
        push_python_json_string(&mut json, name);
        json.push_str(": ");
        push_python_json_string(&mut json, value);
        json.push('}');
    }
    json.push_str("]}");
    json
}

/// The instant truncated to whole seconds, as a UTC date-time; out-of-range instants are errors.
fn whole_second_utc(instant: SystemTime) -> Result<OffsetDateTime> {
    let secs = instant
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|_| Error::invalid_argument("the signing time is before 1970"))?
        .as_secs();
    let secs = i64::try_from(secs)
        .map_err(|_| Error::invalid_argument("the signing time is out of range"))?;
    OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|_| Error::invalid_argument("the signing time is out of range"))
}
