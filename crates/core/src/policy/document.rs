//! The policy document: its conditions and its JSON form.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};

use super::json::push_python_json_string;

/// One condition of a POST policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Condition {
    /// `{"field": "value"}`: the form field must equal the value exactly.
    Exact(std::collections::BTreeMap<String, String>),
    /// `["content-length-range", min, max]`, or another three-element array condition
    /// such as `["starts-with", "$key", "uploads/"]`.
    Array(Vec<serde_json::Value>),
}

impl Condition {
    /// `{"name": "value"}`.
    pub fn exact(name: impl Into<String>, value: impl Into<String>) -> Self {
        Condition::Exact([(name.into(), value.into())].into_iter().collect())
    }

    /// `["content-length-range", min, max]`.
    pub fn content_length_range(min: u64, max: u64) -> Self {
        Condition::Array(vec!["content-length-range".into(), min.into(), max.into()])
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Condition::Exact(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (name, value) in entries {
                    map.serialize_entry(name, value)?;
                }
                map.end()
            }
            Condition::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

/// A POST policy document: an expiry and the conditions the form must meet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocument {
    /// ISO-8601 UTC instant with whole seconds and `Z`, e.g. `2026-01-02T03:14:05Z`.
    pub expiration: String,
    /// The conditions, in order.
    pub conditions: Vec<Condition>,
}

impl PolicyDocument {
    /// The document as JSON, serialized exactly as Python's `json.dumps` does
    /// (`", "` and `": "` separators, non-ASCII escaped as `\uXXXX`), so that a policy
    /// built here is byte-identical to boto3's for the same inputs.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(512);
        out.push_str("{\"expiration\": ");
        push_python_json_string(&mut out, &self.expiration);
        out.push_str(", \"conditions\": [");
        for (index, condition) in self.conditions.iter().enumerate() {
            if index > 0 {
                out.push_str(", ");
            }
            match condition {
                Condition::Exact(entries) => {
                    out.push('{');
                    for (entry, (name, value)) in entries.iter().enumerate() {
                        if entry > 0 {
                            out.push_str(", ");
                        }
                        push_python_json_string(&mut out, name);
                        out.push_str(": ");
                        push_python_json_string(&mut out, value);
                    }
                    out.push('}');
                }
                Condition::Array(items) => {
                    out.push('[');
                    for (item_index, item) in items.iter().enumerate() {
                        if item_index > 0 {
                            out.push_str(", ");
                        }
                        match item {
                            serde_json::Value::String(text) => {
                                push_python_json_string(&mut out, text)
                            }
                            // Numbers, booleans and null print the same in Python and Rust.
                            other => out.push_str(&other.to_string()),
                        }
                    }
                    out.push(']');
                }
            }
        }
        out.push_str("]}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_like_python_json_dumps() {
        let document = PolicyDocument {
            expiration: "2026-01-02T03:14:05Z".into(),
            conditions: vec![
                Condition::content_length_range(0, 16384),
                Condition::exact("key", "été/😀 \"q\"\\\u{7f}\n"),
            ],
        };
        assert_eq!(
            document.to_json(),
            r#"{"expiration": "2026-01-02T03:14:05Z", "conditions": [["content-length-range", 0, 16384], {"key": "\u00e9t\u00e9/\ud83d\ude00 \"q\"\\\u007f\n"}]}"#
        );
    }

    #[test]
    fn parses_back() {
        let document = PolicyDocument {
            expiration: "2026-01-02T03:14:05Z".into(),
            conditions: vec![
                Condition::content_length_range(0, 10),
                Condition::exact("bucket", "b"),
            ],
        };
        let parsed: PolicyDocument = serde_json::from_str(&document.to_json()).unwrap();
        assert_eq!(parsed, document);
    }
}
