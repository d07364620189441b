//! The policy document a browser form carries, read back from its JSON.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One condition of a POST policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Condition {
    /// `{"field": "value"}`: the form field must equal the value exactly.
    Exact(BTreeMap<String, String>),
    /// `["content-length-range", min, max]`, or another three-element array condition
    /// such as `["starts-with", "$key", "uploads/"]`.
    Array(Vec<serde_json::Value>),
}

/// A POST policy document: an expiry and the conditions the form must meet.
///
/// The JSON of a submitted form's `policy` field (once base64-decoded) deserializes into
/// this, so a store that accepts browser uploads can check the form against it.
/// [`PostPolicySigner`](crate::PostPolicySigner) writes the JSON itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PolicyDocument {
    /// ISO-8601 UTC instant with whole seconds and `Z`, e.g. `2026-01-02T03:14:05Z`.
    pub expiration: String,
    /// The conditions, in order.
    pub conditions: Vec<Condition>,
}
