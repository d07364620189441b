//! Redeeming a browser upload form against its POST policy, with S3's accept/reject rules.

use std::collections::BTreeMap;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use stowage_core::sigv4::{ALGORITHM, Verifier};
use stowage_core::{Condition, PolicyDocument, PutOptions, S3Path};
use time::OffsetDateTime;
use time::format_description::well_known::Iso8601;

use crate::errors::HttpRejection;

/// Form fields that S3 never requires a condition for.
const UNCONDITIONED_FIELDS: [&str; 3] = ["policy", "x-amz-signature", "file"];

/// What a verified form asks to store.
#[derive(Debug)]
pub(crate) struct AcceptedUpload {
    /// Where the file goes: the form URL's bucket and the form's `key`.
    pub(crate) path: S3Path,
    /// The form's Content-Type and `x-amz-meta-*` fields.
    pub(crate) options: PutOptions,
    /// The largest file the policy's `content-length-range` allows, if it has one.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) max_size: Option<u64>,
}

/// Checks a posted form as S3 does: signature, expiry, every condition, no unconditioned
/// field, file size within `content-length-range`. Returns what to store.
///
/// With `file_size` `None` (the file not read yet), every check but the size runs; the
/// caller reads at most [`AcceptedUpload::max_size`] bytes and checks again with the size.
pub(crate) fn verify<N: AsRef<str>, V: AsRef<str>>(
    endpoint: &str,
    url: &str,
    fields: &[(N, V)],
    file_size: Option<u64>,
    verifier: &Verifier<'_>,
) -> Result<AcceptedUpload, HttpRejection> {
    let bucket = url
        .strip_prefix(endpoint)
        .and_then(|rest| rest.strip_prefix('/'))
        .map(|rest| rest.trim_end_matches('/'))
        .filter(|bucket| !bucket.is_empty() && !bucket.contains('/'))
        .ok_or_else(|| {
            HttpRejection::bad_request("the form URL does not name a bucket of this store")
        })?;
    // S3 matches form field names case-insensitively.
    let form: BTreeMap<String, &str> = fields
        .iter()
        .map(|(name, value)| (name.as_ref().to_ascii_lowercase(), value.as_ref()))
        .collect();
    let field = |name: &str| {
        form.get(name)
            .copied()
            .ok_or_else(|| HttpRejection::bad_request(format!("the form has no {name} field")))
    };

    check_signature(&field, verifier)?;
    let document = decode_policy(field("policy")?)?;
    check_expiry(&document, verifier.now)?;
    let (covered, max_size) = check_conditions(&document, &form, bucket, file_size)?;
    if let Some(extra) = form.keys().find(|name| {
        !covered.contains(name.as_str())
            && !UNCONDITIONED_FIELDS.contains(&name.as_str())
            && !name.starts_with("x-ignore-")
    }) {
        return Err(HttpRejection::policy_failed(format!(
            "Extra input fields: {extra}"
        )));
    }

    let path = S3Path::new(bucket, field("key")?)
        .map_err(|e| HttpRejection::bad_request(e.to_string()))?;
    path.object_key()
        .map_err(|e| HttpRejection::bad_request(e.to_string()))?;
    let mut options = PutOptions::new();
    options.content_type = form.get("content-type").map(|value| (*value).to_owned());
    for (name, value) in &form {
        if let Some(meta) = name.strip_prefix("x-amz-meta-") {
            options
                .metadata
                .insert(meta.to_owned(), (*value).to_owned());
        }
    }
    Ok(AcceptedUpload {
        path,
        options,
        max_size,
    })
}

/// Checks the algorithm, the credential scope and the signature over the policy.
fn check_signature<'f>(
    field: &impl Fn(&str) -> Result<&'f str, HttpRejection>,
    verifier: &Verifier<'_>,
) -> Result<(), HttpRejection> {
    if field("x-amz-algorithm")? != ALGORITHM {
        return Err(HttpRejection::bad_request("unsupported signing algorithm"));
    }
    verifier.post_policy(
        field("policy")?,
        field("x-amz-credential")?,
        field("x-amz-date")?,
        field("x-amz-signature")?,
    )?;
    Ok(())
}

/// The policy document in the form's base64 `policy` field.
fn decode_policy(policy: &str) -> Result<PolicyDocument, HttpRejection> {
    let json = BASE64.decode(policy).map_err(|_| {
        HttpRejection::new(400, "InvalidPolicyDocument", "the policy is not base64")
    })?;
    serde_json::from_slice(&json).map_err(|_| {
        HttpRejection::new(
            400,
            "InvalidPolicyDocument",
            "the policy is not a valid policy document",
        )
    })
}

/// Refuses a policy whose expiration has passed.
fn check_expiry(document: &PolicyDocument, now: SystemTime) -> Result<(), HttpRejection> {
    let expiration =
        OffsetDateTime::parse(&document.expiration, &Iso8601::DEFAULT).map_err(|_| {
            HttpRejection::new(
                400,
                "InvalidPolicyDocument",
                "the policy expiration is malformed",
            )
        })?;
    if OffsetDateTime::from(now) > expiration {
        return Err(HttpRejection::policy_failed("Policy expired."));
    }
    Ok(())
}

/// Checks every condition (the size ones only when `file_size` is known); returns the
/// (lowercased) names of the fields they cover and the `content-length-range` maximum.
fn check_conditions(
    document: &PolicyDocument,
    form: &BTreeMap<String, &str>,
    bucket: &str,
    file_size: Option<u64>,
) -> Result<(std::collections::BTreeSet<String>, Option<u64>), HttpRejection> {
    let mut covered = std::collections::BTreeSet::new();
    let mut max_size: Option<u64> = None;
    let value_of = |name: &str| -> Option<&str> {
        if name == "bucket" {
            Some(bucket)
        } else {
            form.get(name).copied()
        }
    };
    let failed = |name: &str| {
        HttpRejection::policy_failed(format!("Policy Condition failed: [\"eq\", \"${name}\"]"))
    };
    for condition in &document.conditions {
        match condition {
            Condition::Exact(entries) => {
                for (name, expected) in entries {
                    let name = name.to_ascii_lowercase();
                    if value_of(&name) != Some(expected.as_str()) {
                        return Err(failed(&name));
                    }
                    covered.insert(name);
                }
            }
            Condition::Array(items) => match items.as_slice() {
                [op, min, max] if op == "content-length-range" => {
                    let (min, max) = (min.as_u64().unwrap_or(0), max.as_u64().unwrap_or(0));
                    max_size = Some(max_size.map_or(max, |known| known.min(max)));
                    let Some(file_size) = file_size else {
                        continue;
                    };
                    if file_size > max {
                        return Err(HttpRejection::new(
                            400,
                            "EntityTooLarge",
                            "Your proposed upload exceeds the maximum allowed size",
                        ));
                    }
                    if file_size < min {
                        return Err(HttpRejection::new(
                            400,
                            "EntityTooSmall",
                            "Your proposed upload is smaller than the minimum allowed size",
                        ));
                    }
                }
                [op, name, operand] => {
                    let name = name
                        .as_str()
                        .unwrap_or_default()
                        .trim_start_matches('$')
                        .to_ascii_lowercase();
                    let operand = operand.as_str().unwrap_or_default();
                    let value = value_of(&name).ok_or_else(|| failed(&name))?;
                    let holds = match op.as_str() {
                        Some("eq") => value == operand,
                        Some("starts-with") => value.starts_with(operand),
                        _ => false,
                    };
                    if !holds {
                        return Err(failed(&name));
                    }
                    covered.insert(name);
                }
                _ => {
                    return Err(HttpRejection::new(
                        400,
                        "InvalidPolicyDocument",
                        "unknown policy condition",
                    ));
                }
            },
        }
    }
    Ok((covered, max_size))
}
