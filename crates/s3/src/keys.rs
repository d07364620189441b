//! How object keys appear in S3 requests and service messages: URL-path encoded with
//! [`stowage::backend::uri::PATH`](uri::PATH), and redacted wherever a message repeats them.

use std::borrow::Cow;

use stowage_core::{redact_key, uri};

/// The `CopySource` of a CopyObject request: `bucket/key`, the key encoded as a URL path.
pub(crate) fn copy_source(bucket: &str, key: &str) -> String {
    format!("{bucket}/{}", uri::encode_path(key))
}

/// Replaces the key, raw and URL-encoded, in a service message.
pub(crate) fn redact_message(message: &str, key: &str) -> String {
    let message = redact_key(message, key);
    let encoded = Cow::from(uri::encode_path(key));
    if encoded == key {
        message
    } else {
        redact_key(&message, &encoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_encodes_the_key_as_a_path() {
        assert_eq!(copy_source("b", "a b/c?d"), "b/a%20b/c%3Fd");
    }

    #[test]
    fn redact_message_removes_raw_and_encoded_key() {
        let message = redact_message("no a b/c here, nor a%20b/c", "a b/c");
        assert!(!message.contains("a b/c"), "{message}");
        assert!(!message.contains("a%20b/c"), "{message}");
    }

    #[test]
    fn redact_message_removes_a_key_encoded_as_one_escape() {
        let message = redact_message("key ? is %3F", "?");
        assert!(!message.contains('?'), "{message}");
        assert!(!message.contains("%3F"), "{message}");
    }
}
