//! Listing tokens: the last entry of a page, versioned and encoded.
//!
//! A token is `m1:` followed by the URL-safe base64 (no padding) of the UTF-8 bytes of the
//! last key or common prefix of the page it ends. Resuming lists strictly after that
//! entry, so a token stays valid whatever is written or deleted between pages.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use stowage_core::{Error, ListToken, MAX_KEY_BYTES, Result};

/// Names this encoding, so a later one can be told apart.
const VERSION: &str = "m1:";

/// The token of a page whose last entry is `entry`.
pub(crate) fn encode(entry: &str) -> ListToken {
    let mut token = String::with_capacity(VERSION.len() + entry.len().div_ceil(3) * 4);
    token.push_str(VERSION);
    URL_SAFE_NO_PAD.encode_string(entry, &mut token);
    ListToken::new(token)
}

/// The entry `token` ends after, or [`Error::InvalidArgument`] for a token this backend
/// did not mint for a listing of `prefix`.
pub(crate) fn decode(token: &ListToken, prefix: &str) -> Result<String> {
    let malformed = || Error::invalid_argument("malformed listing token");
    let encoded = token.as_str().strip_prefix(VERSION).ok_or_else(malformed)?;
    let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| malformed())?;
    let entry = String::from_utf8(bytes).map_err(|_| malformed())?;
    if entry.is_empty() || entry.len() > MAX_KEY_BYTES {
        return Err(malformed());
    }
    if !entry.starts_with(prefix) {
        return Err(Error::invalid_argument(
            "the listing token belongs to a listing of another prefix",
        ));
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use stowage_core::{Error, ListToken};

    use super::{decode, encode};

    #[test]
    fn round_trips_any_key() {
        for entry in ["a", "p/y/", "dir a/ünï ?x=1#frag %20.txt", "~~~~>>>?"] {
            let token = encode(entry);
            assert!(token.as_str().starts_with("m1:"));
            assert_eq!(decode(&token, "").unwrap(), entry);
        }
        assert_eq!(decode(&encode("p/x"), "p/").unwrap(), "p/x");
    }

    #[test]
    fn refuses_what_it_did_not_mint() {
        let invalid = |token: &str, prefix: &str| {
            matches!(
                decode(&ListToken::new(token), prefix),
                Err(Error::InvalidArgument { .. })
            )
        };
        assert!(invalid("", ""));
        assert!(invalid("m1:", ""));
        assert!(invalid("m2:YQ", ""));
        assert!(invalid("YQ", ""));
        assert!(invalid("m1:!!", ""));
        assert!(invalid("m1:_w", ""), "not UTF-8");
        assert!(invalid(encode("q/x").as_str(), "p/"), "another prefix");
        assert!(invalid(encode(&"k".repeat(1025)).as_str(), ""), "too long");
    }
}
