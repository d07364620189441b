//! Signing a POST policy with SigV4.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use time::OffsetDateTime;
use time::macros::format_description;

use super::PostPolicyRequest;
use super::document::{Condition, PolicyDocument};
use super::form::PresignedPost;
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

struct CachedSigningKey {
    secret_access_key: String,
    date: String,
    region: String,
    key: Vec<u8>,
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
        let date = now
            .format(format_description!("[year][month][day]"))
            .map_err(time_error)?;
        let amz_date = now
            .format(format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .map_err(time_error)?;
        let expiration = expires
            .format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .map_err(time_error)?;
        let credentials = params.credentials;
        let credential = format!(
            "{}/{date}/{}/{SERVICE}/aws4_request",
            credentials.access_key_id, params.region
        );

        let mut fields: Vec<(String, String)> = Vec::with_capacity(8);
        let mut conditions = vec![Condition::content_length_range(
            0,
            params.request.content_length_upper_bound(),
        )];
        if let Some(content_type) = &params.request.content_type {
            conditions.push(Condition::exact("Content-Type", content_type.as_str()));
            fields.push(("Content-Type".into(), content_type.clone()));
        }
        conditions.push(Condition::exact("bucket", params.path.bucket()));
        conditions.push(Condition::exact("key", key));
        fields.push(("key".into(), key.to_owned()));
        let mut signing_fields = vec![
            ("x-amz-algorithm", ALGORITHM.to_owned()),
            ("x-amz-credential", credential),
            ("x-amz-date", amz_date),
        ];
        if let Some(token) = credentials.session_token() {
            signing_fields.push(("x-amz-security-token", token.to_owned()));
        }
        for (name, value) in signing_fields {
            conditions.push(Condition::exact(name, value.as_str()));
            fields.push((name.into(), value));
        }

        let document = PolicyDocument {
            expiration,
            conditions,
        };
        let policy = BASE64.encode(document.to_json());
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
            *cache = Some(CachedSigningKey {
                secret_access_key: credentials.secret_access_key.clone(),
                date: date.to_owned(),
                region: region.to_owned(),
                key: key.as_ref().to_vec(),
            });
        }
        let key = &cache.as_ref().expect("filled above").key;
        aws_sigv4::sign::v4::calculate_signature(key, policy.as_bytes())
    }
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

fn time_error(error: time::error::Format) -> Error {
    Error::invalid_argument(format!("the signing time cannot be formatted: {error}"))
}
