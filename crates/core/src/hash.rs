//! The key hash used in logs and error messages instead of raw keys.

use sha2::{Digest, Sha256};

/// Number of hex characters kept from the SHA-256 digest.
const KEY_HASH_HEX_LEN: usize = 16;

/// Returns the first 16 lowercase hex characters of the SHA-256 digest of `key`'s UTF-8 bytes.
///
/// Object keys often carry personal data (patient ids, file names), so stowage never logs
/// them. This hash stands in for the key in every log line and error message. It is stable,
/// so a request can be followed across services, and identical to the hash the Python
/// `s3_client` logs, so logs correlate across services written in either language.
///
/// ```
/// assert_eq!(stowage::hash_s3_key(""), "e3b0c44298fc1c14");
/// ```
pub fn hash_s3_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut hex = [0u8; KEY_HASH_HEX_LEN];
    hex::encode_to_slice(&digest[..KEY_HASH_HEX_LEN / 2], &mut hex)
        .expect("the buffer holds two hex digits per byte");
    // Hex digits are ASCII, so this never fails; it keeps the function free of `unsafe`.
    String::from_utf8(hex.to_vec()).expect("hex digits are ASCII")
}

#[cfg(test)]
mod tests {
    use super::hash_s3_key;

    #[test]
    fn matches_known_sha256_prefixes() {
        let vectors = [
            ("", "e3b0c44298fc1c14"),
            ("hello", "2cf24dba5fb0a30e"),
            ("abc", "ba7816bf8f01cfea"),
            ("data/patient-001/scan.nii.gz", "bcc59e386f58e278"),
            ("été", "bd010c64132bf5ca"),
            ("reports/scan #1?.nii.gz", "969cb0715ed1fd83"),
        ];
        for (key, expected) in vectors {
            assert_eq!(hash_s3_key(key), expected, "hash of {key:?}");
        }
    }

    #[test]
    fn is_sixteen_lowercase_hex_chars() {
        for key in ["a", "a/b/c", "ключ", "?#% "] {
            let hash = hash_s3_key(key);
            assert_eq!(hash.len(), 16);
            assert!(
                hash.chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            );
        }
    }
}
