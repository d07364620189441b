//! The policy document: its conditions and its JSON form.

use std::io;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};

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
        let mut out = Vec::with_capacity(512);
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonJsonFormatter);
        self.serialize(&mut serializer)
            .expect("a policy document of strings and integers always serializes");
        String::from_utf8(out).expect("the formatter writes ASCII only")
    }
}

/// A `serde_json` formatter that mimics Python's `json.dumps` defaults.
struct PythonJsonFormatter;

impl serde_json::ser::Formatter for PythonJsonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    /// Escapes everything outside printable ASCII as `\uXXXX` (UTF-16), as `ensure_ascii` does.
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (index, ch) in fragment.char_indices() {
            if (' '..='~').contains(&ch) {
                continue;
            }
            w.write_all(&fragment.as_bytes()[start..index])?;
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            start = index + ch.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
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
