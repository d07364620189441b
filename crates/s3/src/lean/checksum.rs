//! The checksum a GetObject answer carries for the whole object, checked as its body
//! streams, as the SDK checks it.

use aws_smithy_checksums::ChecksumAlgorithm;
use aws_smithy_checksums::http::{CHECKSUM_ALGORITHMS_IN_PRIORITY_ORDER, HttpChecksum};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;

use crate::lean::answer::header;

/// A running checksum and the value the server announced for the whole body.
pub(crate) struct BodyChecksum {
    running: Box<dyn HttpChecksum>,
    expected: Vec<u8>,
    algorithm: &'static str,
}

impl BodyChecksum {
    /// The checksum of the fastest algorithm the answer carries a full-object value for;
    /// `None` when it carries none, or only the checksum of a multipart object's parts
    /// (`…-N`), which no client can recompute from the body.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Self> {
        CHECKSUM_ALGORITHMS_IN_PRIORITY_ORDER
            .iter()
            .find_map(|name| {
                let algorithm: ChecksumAlgorithm = name.parse().ok()?;
                let running = algorithm.into_impl();
                let value = header(headers, running.header_name())?;
                if is_part_level(value) {
                    return None;
                }
                let expected = STANDARD.decode(value).ok()?;
                Some(Self {
                    running,
                    expected,
                    algorithm: algorithm.as_str(),
                })
            })
    }

    /// Adds the next bytes of the body.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.running.update(bytes);
    }

    /// Compares the body's checksum with the announced one; the message names the algorithm.
    pub(crate) fn finish(self) -> Result<(), String> {
        let Self {
            running,
            expected,
            algorithm,
        } = self;
        if running.finalize()[..] == expected[..] {
            Ok(())
        } else {
            Err(format!(
                "the body's {algorithm} checksum differs from the one the server sent"
            ))
        }
    }
}

/// A checksum of checksums, `<base64>-<parts>`.
fn is_part_level(value: &str) -> bool {
    value
        .rsplit_once('-')
        .is_some_and(|(_, parts)| !parts.is_empty() && parts.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &str, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
        headers
    }

    #[test]
    fn a_matching_body_passes_a_corrupted_one_fails() {
        let crc = STANDARD.encode(crc32fast::hash(b"hello world").to_be_bytes());
        let answer = headers("x-amz-checksum-crc32", &crc);
        let mut whole = BodyChecksum::from_headers(&answer).unwrap();
        whole.update(b"hello ");
        whole.update(b"world");
        assert_eq!(whole.finish(), Ok(()));
        let mut corrupted = BodyChecksum::from_headers(&answer).unwrap();
        corrupted.update(b"hello w0rld");
        assert!(corrupted.finish().unwrap_err().contains("crc32"));
    }

    #[test]
    fn part_level_and_missing_checksums_are_not_checked() {
        assert!(
            BodyChecksum::from_headers(&headers("x-amz-checksum-crc32", "AAAAAA==-3")).is_none()
        );
        assert!(BodyChecksum::from_headers(&HeaderMap::new()).is_none());
    }
}
