//! The signed form a browser posts.

use std::borrow::Cow;
use std::fmt;
use std::time::SystemTime;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

/// One form field: its name (static for every field stowage writes, so naming it costs no
/// allocation) and its value.
pub type FormField = (Cow<'static, str>, String);

/// A signed upload form: the URL to POST to and the fields to send before the file.
///
/// It serializes as `{"url": ..., "fields": {...}}`, the shape boto3's
/// `generate_presigned_post` returns, so a front end written for boto3 works unchanged.
/// The browser sends every field, in order, then the file as the last part (named `file`).
///
/// `Debug` lists the field names only: the values include the policy, the signature and
/// the credential scope, which must not end up in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedPost {
    url: String,
    fields: Vec<FormField>,
    expires_at: SystemTime,
}

impl PresignedPost {
    /// Assembles a form from its URL, its ordered fields and the policy's expiry.
    pub fn new(url: String, fields: Vec<FormField>, expires_at: SystemTime) -> Self {
        Self {
            url,
            fields,
            expires_at,
        }
    }

    /// The URL the form is posted to (the bucket's endpoint).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The form fields, in the order they should be sent.
    pub fn fields(&self) -> &[FormField] {
        &self.fields
    }

    /// The value of one field, e.g. `"policy"` or `"key"`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// When the policy stops being accepted.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// `{"url": ..., "fields": {...}}` as a JSON string.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("strings always serialize")
    }
}

impl Serialize for PresignedPost {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut form = serializer.serialize_struct("PresignedPost", 2)?;
        form.serialize_field("url", &self.url)?;
        form.serialize_field("fields", &OrderedFields(&self.fields))?;
        form.end()
    }
}

/// Serializes the field pairs as a JSON object, keeping their order.
struct OrderedFields<'a>(&'a [FormField]);

impl Serialize for OrderedFields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name.as_ref(), value)?;
        }
        map.end()
    }
}

impl fmt::Debug for PresignedPost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.fields.iter().map(|(name, _)| name.as_ref()).collect();
        f.debug_struct("PresignedPost")
            .field("fields", &names)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}
