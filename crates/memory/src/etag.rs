//! [`EntityTag`]: the ETag S3 gives an object, for a single put or a multipart upload.

use std::io::Write as _;

use md5::{Digest, Md5};

/// Longest ETag text: quotes, 32 hex digits, `-` and the digits of any `u32` part count.
const MAX_ETAG_BYTES: usize = 45;

/// What an object's ETag is made of: an MD5 and, for a multipart upload, its part count.
///
/// A single put's ETag is the quoted MD5 hex of the body. A multipart upload's is the MD5
/// of the concatenated 16-byte MD5s of its parts, then `-` and the number of parts: a
/// client that knows the part size can check a download against it, and one that does not
/// can still tell it is no plain MD5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntityTag {
    /// The body's MD5, or the MD5 of the parts' MD5s.
    digest: [u8; 16],
    /// The number of parts of a multipart upload; `None` for a single put.
    parts: Option<u32>,
}

impl EntityTag {
    /// The ETag of a body stored by one request.
    pub(crate) fn of_body(body: &[u8]) -> Self {
        Self {
            digest: Md5::digest(body).into(),
            parts: None,
        }
    }

    /// The ETag of a multipart upload whose parts have these MD5s, in part order.
    pub(crate) fn of_parts<'a>(part_digests: impl ExactSizeIterator<Item = &'a [u8; 16]>) -> Self {
        let parts = u32::try_from(part_digests.len()).unwrap_or(u32::MAX);
        let mut md5 = Md5::new();
        for digest in part_digests {
            md5.update(digest);
        }
        Self {
            digest: md5.finalize().into(),
            parts: Some(parts),
        }
    }

    /// The body's MD5: the digest of a single put, which is also what a part contributes to
    /// its upload's ETag.
    pub(crate) fn digest(&self) -> &[u8; 16] {
        &self.digest
    }

    /// The ETag as S3 returns it, quotes included, without a heap allocation: reads compare
    /// it under the store's lock.
    pub(crate) fn text(&self) -> EtagText {
        let mut bytes = [0; MAX_ETAG_BYTES];
        bytes[0] = b'"';
        hex::encode_to_slice(self.digest, &mut bytes[1..33]).expect("32 hex digits for 16 bytes");
        let mut rest = &mut bytes[33..];
        if let Some(parts) = self.parts {
            write!(rest, "-{parts}").expect("a u32 fits in the buffer");
        }
        rest.write_all(b"\"")
            .expect("the closing quote fits in the buffer");
        let len = MAX_ETAG_BYTES - rest.len();
        EtagText { bytes, len }
    }
}

/// A quoted ETag, held on the stack.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EtagText {
    /// The text, in the first `len` bytes.
    bytes: [u8; MAX_ETAG_BYTES],
    /// How many bytes are the text.
    len: usize,
}

impl EtagText {
    /// The ETag, quotes included.
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len])
            .expect("quotes, hex digits and digits are ASCII")
    }
}
