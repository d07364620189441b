//! Signing a POST policy with SigV4.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::PostPolicyRequest;
use super::form::{FormField, PresignedPost};
use super::json::push_python_json_string;
use crate::error::{Error, Result};
use crate::path::S3Path;
use crate::sigv4::{SigningKeyCache, SigningTime};

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
#[derive(Debug, Default)]
pub struct PostPolicySigner {
    signing_key: SigningKeyCache,
}

impl PostPolicySigner {
    /// A signer with an empty key cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The signer's signing-key cache, for other SigV4 signatures made with the same
    /// credentials (the S3 backend signs its presigned GET URLs with it), so the day's key
    /// is derived once for both.
    pub fn signing_keys(&self) -> &SigningKeyCache {
        &self.signing_key
    }

    /// Builds and signs the policy: conditions, expiry, base64 policy, signature and form fields.
    ///
    /// Conditions and fields match what boto3's `generate_presigned_post` writes for the same
    /// request: `content-length-range` (0 to `max_bytes` + 16 KiB), `Content-Type` when
    /// locked, `bucket`, `key`, then the `x-amz-*` signing fields.
    pub fn sign(&self, params: &PostPolicyParams<'_>) -> Result<PresignedPost> {
        let key = params.path.object_key()?;
        let now = SigningTime::new(params.now)?;
        let expires = params
            .now
            .checked_add(params.ttl)
            .ok_or_else(|| Error::invalid_argument("the policy expiry is out of range"))
            .and_then(SigningTime::new)?;
        let credentials = params.credentials;
        let mut credential =
            String::with_capacity(credentials.access_key_id.len() + params.region.len() + 32);
        for part in [
            credentials.access_key_id.as_str(),
            "/",
            now.date(),
            "/",
            params.region,
            "/",
            SERVICE,
            "/aws4_request",
        ] {
            credential.push_str(part);
        }

        let mut fields: Vec<FormField> = Vec::with_capacity(8);
        if let Some(content_type) = &params.request.content_type {
            fields.push((Cow::Borrowed("Content-Type"), content_type.clone()));
        }
        fields.push((Cow::Borrowed("key"), key.to_owned()));
        fields.push((Cow::Borrowed("x-amz-algorithm"), ALGORITHM.to_owned()));
        fields.push((Cow::Borrowed("x-amz-credential"), credential));
        fields.push((Cow::Borrowed("x-amz-date"), now.amz_date().to_owned()));
        if let Some(token) = credentials.session_token() {
            fields.push((Cow::Borrowed("x-amz-security-token"), token.to_owned()));
        }

        let document = policy_json(
            expires.iso8601(),
            params.request.content_length_upper_bound(),
            params.path.bucket(),
            &fields,
        );
        let policy = BASE64.encode(document);
        let signature = self.signing_key.signature(
            &credentials.secret_access_key,
            &now,
            params.region,
            policy.as_bytes(),
        );
        fields.push((Cow::Borrowed("policy"), policy));
        fields.push((Cow::Borrowed("x-amz-signature"), signature));
        Ok(PresignedPost::new(
            params.url.to_owned(),
            fields,
            expires.instant(),
        ))
    }
}

/// The policy document as Python's `json.dumps` would write it for boto3's conditions:
/// `content-length-range`, then one exact-match condition per form field, with `bucket`
/// inserted before `key`.
fn policy_json(expiration: &str, max_length: u64, bucket: &str, fields: &[FormField]) -> String {
    let mut json = String::with_capacity(
        256 + fields
            .iter()
            .map(|(n, v)| n.len() + v.len() + 8)
            .sum::<usize>(),
    );
    json.push_str("{\"expiration\": ");
    push_python_json_string(&mut json, expiration);
    json.push_str(", \"conditions\": [[\"content-length-range\", 0, ");
    json.push_str(itoa::Buffer::new().format(max_length));
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

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::policy_json;
    use crate::policy::{Condition, FormField, PolicyDocument};

    fn field(name: &'static str, value: &str) -> FormField {
        (Cow::Borrowed(name), value.to_owned())
    }

    fn exact(name: &str, value: &str) -> Condition {
        Condition::Exact([(name.to_owned(), value.to_owned())].into())
    }

    #[test]
    fn serializes_like_python_json_dumps() {
        let json = policy_json(
            "2026-01-02T03:14:05Z",
            16384,
            "b",
            &[field("key", "été/😀 \"q\"\\\u{7f}\n")],
        );
        assert_eq!(
            json,
            r#"{"expiration": "2026-01-02T03:14:05Z", "conditions": [["content-length-range", 0, 16384], {"bucket": "b"}, {"key": "\u00e9t\u00e9/\ud83d\ude00 \"q\"\\\u007f\n"}]}"#
        );
    }

    #[test]
    fn parses_back() {
        let json = policy_json(
            "2026-01-02T03:14:05Z",
            10,
            "b",
            &[field("Content-Type", "image/png"), field("key", "k")],
        );
        let parsed: PolicyDocument = serde_json::from_str(&json).unwrap();
        assert_eq!(
            parsed,
            PolicyDocument {
                expiration: "2026-01-02T03:14:05Z".into(),
                conditions: vec![
                    Condition::Array(vec!["content-length-range".into(), 0.into(), 10.into()]),
                    exact("Content-Type", "image/png"),
                    exact("bucket", "b"),
                    exact("key", "k"),
                ],
            }
        );
    }
}
