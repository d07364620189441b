//! Request bodies read whole and checked as S3 checks them: the `Content-MD5` and every
//! `x-amz-checksum-*` the client sent, in a header or in an `aws-chunked` trailer.
//!
//! `s3s` has already decoded `aws-chunked` framing and verified chunk signatures and a
//! signed payload's SHA-256 while the stream is read; its failures surface here as stream
//! errors and become S3's codes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::{Bytes, BytesMut};
use futures::StreamExt as _;
use http::{HeaderMap, StatusCode};
use md5::Digest as _;
use s3s::checksum::ChecksumHasher;
use s3s::crypto::Checksum as _;
use s3s::dto::{Checksum, StreamingBlob};
use s3s::{S3Error, S3ErrorCode, S3Result, TrailingHeaders};

use super::errors::coded;

/// The largest body one request may carry: S3's 5 GiB for a PutObject or an UploadPart.
pub(super) const MAX_BODY_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// What the client claims about a body: its MD5 and its checksums, each base64.
#[derive(Debug, Default)]
pub(super) struct Claims {
    /// `Content-MD5`.
    pub(super) md5: Option<String>,
    /// `x-amz-checksum-*` headers, or trailers once the body is read.
    pub(super) checksums: Checksum,
}

/// The [`Claims`] of an upload's input (PutObject, UploadPart): its `content_md5` and
/// `checksum_*` fields.
macro_rules! claims_of {
    ($input:ident) => {
        $crate::http::endpoint::body::Claims {
            md5: $input.content_md5,
            checksums: s3s::dto::Checksum {
                checksum_crc32: $input.checksum_crc32,
                checksum_crc32c: $input.checksum_crc32c,
                checksum_crc64nvme: $input.checksum_crc64nvme,
                checksum_sha1: $input.checksum_sha1,
                checksum_sha256: $input.checksum_sha256,
                ..Default::default()
            },
        }
    };
}
pub(super) use claims_of;

/// A body that passed every check, and the checksums it was checked against, to echo.
#[derive(Debug)]
pub(super) struct CheckedBody {
    /// The bytes.
    pub(super) bytes: Bytes,
    /// The checksums the client sent, each verified.
    pub(super) checksums: Checksum,
}

/// Reads `body` (at most [`MAX_BODY_BYTES`]), adds the checksums of `trailers` to
/// `claims`, and verifies each claim: a mismatch is `400 BadDigest`, a malformed MD5
/// `400 InvalidDigest`, a bad chunk signature `403 SignatureDoesNotMatch`, a body that ends
/// early or differs from its `x-amz-decoded-content-length` `400 IncompleteBody`, a trailer
/// `x-amz-trailer` announced and never sent `400 MalformedTrailerError`, a client idle for
/// 20 s `400 RequestTimeout`. `headers` are the request's.
pub(super) async fn read_checked(
    body: Option<StreamingBlob>,
    mut claims: Claims,
    headers: &HeaderMap,
    trailers: Option<&TrailingHeaders>,
) -> S3Result<CheckedBody> {
    let bytes = read(body).await?;
    if let Some(declared) = headers.get("x-amz-decoded-content-length")
        && declared.to_str().ok().and_then(|n| n.parse::<u64>().ok()) != Some(bytes.len() as u64)
    {
        return Err(incomplete_body());
    }
    if let Some(trailers) = trailers.and_then(TrailingHeaders::take) {
        add_trailers(&mut claims.checksums, &trailers);
    }
    if let Some(announced) = headers.get("x-amz-trailer")
        && !announced_was_sent(announced.as_bytes(), &claims.checksums)
    {
        return Err(coded(
            S3ErrorCode::Custom("MalformedTrailerError".into()),
            StatusCode::BAD_REQUEST,
            "The request contained trailing data that was not well-formed or did not conform \
             to our published schema.",
        ));
    }
    if let Some(md5) = &claims.md5 {
        check_md5(md5, &bytes)?;
    }
    check_checksums(&claims.checksums, &bytes)?;
    Ok(CheckedBody {
        bytes,
        checksums: claims.checksums,
    })
}

/// The whole body; a missing body is empty.
async fn read(body: Option<StreamingBlob>) -> S3Result<Bytes> {
    let Some(mut body) = body else {
        return Ok(Bytes::new());
    };
    let mut collected = BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| stream_error(&error.to_string()))?;
        if (collected.len() + chunk.len()) as u64 > MAX_BODY_BYTES {
            return Err(coded(
                S3ErrorCode::EntityTooLarge,
                StatusCode::BAD_REQUEST,
                "Your proposed upload exceeds the maximum allowed size",
            ));
        }
        collected.extend_from_slice(&chunk);
    }
    Ok(collected.freeze())
}

/// Whether the checksum trailer `announced` in `x-amz-trailer` arrived.
fn announced_was_sent(announced: &[u8], checksums: &Checksum) -> bool {
    let value = match announced.to_ascii_lowercase().as_slice() {
        b"x-amz-checksum-crc32" => &checksums.checksum_crc32,
        b"x-amz-checksum-crc32c" => &checksums.checksum_crc32c,
        b"x-amz-checksum-crc64nvme" => &checksums.checksum_crc64nvme,
        b"x-amz-checksum-sha1" => &checksums.checksum_sha1,
        b"x-amz-checksum-sha256" => &checksums.checksum_sha256,
        _ => return false,
    };
    value.is_some()
}

/// `400 IncompleteBody`.
fn incomplete_body() -> S3Error {
    coded(
        S3ErrorCode::IncompleteBody,
        StatusCode::BAD_REQUEST,
        "You did not provide the number of bytes specified by the Content-Length HTTP header.",
    )
}

/// A failure reported while the body was read: by `s3s` (its error types are private: only
/// their text tells a bad chunk signature from a bad payload hash or a cut body), or by the
/// server's own reading (`RequestTimeout`, framing).
fn stream_error(text: &str) -> S3Error {
    if text.contains("RequestTimeout") {
        coded(
            S3ErrorCode::RequestTimeout,
            StatusCode::BAD_REQUEST,
            "Your socket connection to the server was not read from or written to within the \
             timeout period. Idle connections will be closed.",
        )
    } else if text.contains("SignatureMismatch") {
        coded(
            S3ErrorCode::SignatureDoesNotMatch,
            StatusCode::FORBIDDEN,
            "The request signature we calculated does not match the signature you provided.",
        )
    } else if text.contains("Sha256Mismatch") {
        coded(
            S3ErrorCode::Custom("XAmzContentSHA256Mismatch".into()),
            StatusCode::BAD_REQUEST,
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )
    } else {
        incomplete_body()
    }
}

/// Checksums sent as trailers, where no header carried them.
fn add_trailers(checksums: &mut Checksum, trailers: &HeaderMap) {
    let value = |name: &str| {
        trailers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let slots = [
        (&mut checksums.checksum_crc32, "x-amz-checksum-crc32"),
        (&mut checksums.checksum_crc32c, "x-amz-checksum-crc32c"),
        (
            &mut checksums.checksum_crc64nvme,
            "x-amz-checksum-crc64nvme",
        ),
        (&mut checksums.checksum_sha1, "x-amz-checksum-sha1"),
        (&mut checksums.checksum_sha256, "x-amz-checksum-sha256"),
    ];
    for (slot, name) in slots {
        if slot.is_none() {
            *slot = value(name);
        }
    }
}

fn check_md5(claimed: &str, bytes: &[u8]) -> S3Result<()> {
    let decoded = STANDARD
        .decode(claimed)
        .ok()
        .filter(|digest| digest.len() == 16)
        .ok_or_else(|| {
            coded(
                S3ErrorCode::InvalidDigest,
                StatusCode::BAD_REQUEST,
                "The Content-MD5 you specified was invalid.",
            )
        })?;
    if decoded.as_slice() != md5::Md5::digest(bytes).as_slice() {
        return Err(coded(
            S3ErrorCode::BadDigest,
            StatusCode::BAD_REQUEST,
            "The Content-MD5 you specified did not match what we received.",
        ));
    }
    Ok(())
}

/// Computes each claimed algorithm over `bytes` and compares.
fn check_checksums(claimed: &Checksum, bytes: &[u8]) -> S3Result<()> {
    let mut hasher = ChecksumHasher::default();
    if claimed.checksum_crc32.is_some() {
        hasher.crc32 = Some(s3s::crypto::Crc32::new());
    }
    if claimed.checksum_crc32c.is_some() {
        hasher.crc32c = Some(s3s::crypto::Crc32c::new());
    }
    if claimed.checksum_crc64nvme.is_some() {
        hasher.crc64nvme = Some(s3s::crypto::Crc64Nvme::new());
    }
    if claimed.checksum_sha1.is_some() {
        hasher.sha1 = Some(s3s::crypto::Sha1::new());
    }
    if claimed.checksum_sha256.is_some() {
        hasher.sha256 = Some(s3s::crypto::Sha256::new());
    }
    hasher.update(bytes);
    let computed = hasher.finalize();
    let pairs = [
        ("CRC32", &claimed.checksum_crc32, &computed.checksum_crc32),
        (
            "CRC32C",
            &claimed.checksum_crc32c,
            &computed.checksum_crc32c,
        ),
        (
            "CRC64NVME",
            &claimed.checksum_crc64nvme,
            &computed.checksum_crc64nvme,
        ),
        ("SHA1", &claimed.checksum_sha1, &computed.checksum_sha1),
        (
            "SHA256",
            &claimed.checksum_sha256,
            &computed.checksum_sha256,
        ),
    ];
    for (algorithm, claimed, computed) in pairs {
        if claimed.is_some() && claimed != computed {
            return Err(coded(
                S3ErrorCode::BadDigest,
                StatusCode::BAD_REQUEST,
                format!("The {algorithm} you specified did not match the calculated checksum."),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(data: &'static [u8]) -> Option<StreamingBlob> {
        Some(StreamingBlob::from(s3s::Body::from(Bytes::from_static(
            data,
        ))))
    }

    fn crc32_of(data: &[u8]) -> String {
        STANDARD.encode(crc32fast::hash(data).to_be_bytes())
    }

    #[tokio::test]
    async fn a_body_matching_its_claims_is_returned_with_them() {
        let claims = Claims {
            md5: Some(STANDARD.encode(md5::Md5::digest(b"hello"))),
            checksums: Checksum {
                checksum_crc32: Some(crc32_of(b"hello")),
                ..Checksum::default()
            },
        };
        let body = read_checked(blob(b"hello"), claims, &HeaderMap::new(), None)
            .await
            .unwrap();
        assert_eq!(body.bytes, "hello");
        assert_eq!(body.checksums.checksum_crc32, Some(crc32_of(b"hello")));
    }

    #[tokio::test]
    async fn a_wrong_checksum_or_md5_is_bad_digest() {
        let claims = Claims {
            md5: None,
            checksums: Checksum {
                checksum_crc32: Some(crc32_of(b"other")),
                ..Checksum::default()
            },
        };
        let error = read_checked(blob(b"hello"), claims, &HeaderMap::new(), None)
            .await
            .unwrap_err();
        assert_eq!(error.code(), &S3ErrorCode::BadDigest);

        let sha = Claims {
            md5: None,
            checksums: Checksum {
                checksum_sha256: Some(STANDARD.encode([0u8; 32])),
                ..Checksum::default()
            },
        };
        let error = read_checked(blob(b"hello"), sha, &HeaderMap::new(), None)
            .await
            .unwrap_err();
        assert_eq!(error.code(), &S3ErrorCode::BadDigest);

        let md5 = Claims {
            md5: Some(STANDARD.encode(md5::Md5::digest(b"other"))),
            checksums: Checksum::default(),
        };
        let error = read_checked(blob(b"hello"), md5, &HeaderMap::new(), None)
            .await
            .unwrap_err();
        assert_eq!(error.code(), &S3ErrorCode::BadDigest);

        let malformed = Claims {
            md5: Some("not base64!".into()),
            checksums: Checksum::default(),
        };
        let error = read_checked(blob(b"hello"), malformed, &HeaderMap::new(), None)
            .await
            .unwrap_err();
        assert_eq!(error.code(), &S3ErrorCode::InvalidDigest);
    }

    #[tokio::test]
    async fn a_body_unlike_its_declared_length_or_without_its_trailer_is_refused() {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-decoded-content-length", "6".parse().unwrap());
        let error = read_checked(blob(b"hello"), Claims::default(), &headers, None)
            .await
            .unwrap_err();
        assert_eq!(error.code(), &S3ErrorCode::IncompleteBody);

        let mut headers = HeaderMap::new();
        headers.insert("x-amz-trailer", "x-amz-checksum-crc32".parse().unwrap());
        let error = read_checked(blob(b"hello"), Claims::default(), &headers, None)
            .await
            .unwrap_err();
        assert_eq!(error.code().as_str(), "MalformedTrailerError");
        assert_eq!(
            stream_error("RequestTimeout: idle").code(),
            &S3ErrorCode::RequestTimeout
        );
    }

    #[test]
    fn trailers_fill_only_the_checksums_headers_did_not_carry() {
        let mut checksums = Checksum {
            checksum_crc32: Some("header".into()),
            ..Checksum::default()
        };
        let mut trailers = HeaderMap::new();
        trailers.insert("x-amz-checksum-crc32", "trailer".parse().unwrap());
        trailers.insert("x-amz-checksum-crc32c", "trailer-c".parse().unwrap());
        add_trailers(&mut checksums, &trailers);
        assert_eq!(checksums.checksum_crc32.as_deref(), Some("header"));
        assert_eq!(checksums.checksum_crc32c.as_deref(), Some("trailer-c"));
    }

    #[test]
    fn stream_failures_keep_their_s3_codes() {
        assert_eq!(
            stream_error("AwsChunkedStreamError: SignatureMismatch").code(),
            &S3ErrorCode::SignatureDoesNotMatch
        );
        assert_eq!(
            stream_error("Sha256Mismatch").code().as_str(),
            "XAmzContentSHA256Mismatch"
        );
        assert_eq!(
            stream_error("unexpected eof").code(),
            &S3ErrorCode::IncompleteBody
        );
    }
}
