//! The signed form a browser posts.

use std::borrow::Cow;
use std::fmt;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::policy::PolicyDocument;

/// One form field: its name (static for every field stowage writes, so naming it costs no
/// allocation) and its value.
pub type FormField = (Cow<'static, str>, String);

/// A signed upload form: the URL to POST to and the fields to send before the file.
///
/// It serializes as `{"url": ..., "fields": {...}}`, the shape boto3's
/// `generate_presigned_post` returns, so a front end written for boto3 works unchanged, and
/// deserializes from it (the expiry read back from the policy), so a form that travelled
/// as JSON is the same form again.
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

impl<'de> Deserialize<'de> for PresignedPost {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            url: String,
            fields: OwnedFields,
        }
        let wire = Wire::deserialize(deserializer)?;
        let fields = wire.fields.0;
        let policy = fields
            .iter()
            .find(|(name, _)| name == "policy")
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| de::Error::custom("the form has no policy field"))?;
        let expires_at = policy_expiry(policy).ok_or_else(|| {
            de::Error::custom("the form's policy is not a base64 JSON policy with an expiration")
        })?;
        Ok(Self::new(wire.url, fields, expires_at))
    }
}

/// The `expiration` of a base64 policy document.
fn policy_expiry(policy: &str) -> Option<SystemTime> {
    let json = BASE64.decode(policy).ok()?;
    let document: PolicyDocument = serde_json::from_slice(&json).ok()?;
    OffsetDateTime::parse(&document.expiration, &Rfc3339)
        .ok()
        .map(SystemTime::from)
}

/// A JSON object of fields, read in order.
struct OwnedFields(Vec<FormField>);

impl<'de> Deserialize<'de> for OwnedFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = OwnedFields;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of form fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OwnedFields, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((name, value)) = map.next_entry::<String, String>()? {
                    fields.push((Cow::Owned(name), value));
                }
                Ok(OwnedFields(fields))
            }
        }
        deserializer.deserialize_map(InOrder)
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
