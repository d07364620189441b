//! Every request body, as the server reads it: a client that stops sending for
//! [`IDLE_TIMEOUT`] is cut off (S3's `RequestTimeout`), and an `aws-chunked` body must be
//! framed exactly as the format says, its last chunk included.
//!
//! `s3s` decodes `aws-chunked` bodies and checks their signatures, but it reads a chunk
//! size from the leading hex digits of its line, and a body that stops at a chunk boundary
//! ends its stream quietly: a cut upload would be stored. [`Framing`] follows the raw
//! bytes alongside and fails the body where the framing is wrong or ends early.

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use http::HeaderMap;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::time::{Instant, Sleep};

/// How long a client may send nothing while the server waits for its body (S3 cuts idle
/// uploads after about 20 s).
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(20);

/// The longest chunk-header or trailer line accepted.
const MAX_LINE: usize = 4096;

/// Why a body failed. The codes lead the text: that is how the S3 operations, which see
/// the error through `s3s`, answer with the right one.
#[derive(Debug, thiserror::Error)]
pub(super) enum BodyError {
    /// The client sent nothing for [`IDLE_TIMEOUT`].
    #[error("RequestTimeout: the client sent no body data for {} s", IDLE_TIMEOUT.as_secs())]
    Idle,
    /// An `aws-chunked` body broke its framing or ended before its last chunk.
    #[error("IncompleteBody: aws-chunked framing: {0}")]
    Framing(&'static str),
    /// The connection failed.
    #[error("IncompleteBody: {0}")]
    Connection(#[from] hyper::Error),
}

/// A request's body under the idle timeout and, for `aws-chunked`, the framing check.
pub(super) struct RequestBody {
    /// What the connection delivers.
    inner: Incoming,
    /// Fires when the client has been idle for [`IDLE_TIMEOUT`].
    idle: Pin<Box<Sleep>>,
    /// The framing followed, for an `aws-chunked` body.
    framing: Option<Framing>,
    /// Set once the body failed or ended, so it is not polled further.
    done: bool,
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBody")
            .field("framing", &self.framing)
            .finish_non_exhaustive()
    }
}

impl RequestBody {
    /// `inner`, checked as `headers` announce it: `aws-chunked` when its
    /// `x-amz-content-sha256` is one of the `STREAMING-` values.
    pub(super) fn new(inner: Incoming, headers: &HeaderMap) -> Self {
        let streaming = headers
            .get("x-amz-content-sha256")
            .is_some_and(|value| value.as_bytes().starts_with(b"STREAMING-"));
        Self {
            inner,
            idle: Box::pin(tokio::time::sleep(IDLE_TIMEOUT)),
            framing: streaming.then(Framing::default),
            done: false,
        }
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        let Poll::Ready(next) = polled else {
            if this.idle.as_mut().poll(cx).is_ready() {
                this.done = true;
                return Poll::Ready(Some(Err(BodyError::Idle)));
            }
            return Poll::Pending;
        };
        this.idle.as_mut().reset(Instant::now() + IDLE_TIMEOUT);
        let outcome = match next {
            None => this
                .framing
                .as_ref()
                .and_then(Framing::check_end)
                .map(|problem| Err(BodyError::Framing(problem))),
            Some(Err(error)) => Some(Err(BodyError::Connection(error))),
            Some(Ok(frame)) => match (&mut this.framing, frame.data_ref()) {
                (Some(framing), Some(data)) => match framing.feed(data.clone()) {
                    Ok(()) => Some(Ok(frame)),
                    Err(problem) => Some(Err(BodyError::Framing(problem))),
                },
                _ => Some(Ok(frame)),
            },
        };
        if !matches!(outcome, Some(Ok(_))) {
            this.done = true;
        }
        Poll::Ready(outcome)
    }

    fn is_end_stream(&self) -> bool {
        self.done || (self.inner.is_end_stream() && self.framing.is_none())
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Where the reader is in an `aws-chunked` body.
#[derive(Debug, Default)]
pub(super) struct Framing {
    /// What is expected next.
    state: State,
    /// The part of a line read so far.
    line: Vec<u8>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A chunk's header line: `hex-size[;chunk-signature=sig]`.
    #[default]
    ChunkHeader,
    /// This many data bytes of the current chunk.
    Data(u64),
    /// The CRLF after a chunk's data.
    DataEnd,
    /// Trailer lines after the last chunk, until an empty line.
    Trailers,
    /// After the empty line that ends the body: nothing more may come.
    Done,
}

impl Framing {
    /// Follows `data`, the next raw bytes of the body.
    pub(super) fn feed(&mut self, mut data: Bytes) -> Result<(), &'static str> {
        while data.has_remaining() {
            match self.state {
                State::Data(left) => {
                    let taken = left.min(data.len() as u64);
                    data.advance(taken as usize);
                    self.state = if taken == left {
                        State::DataEnd
                    } else {
                        State::Data(left - taken)
                    };
                }
                State::Done => return Err("bytes after the end of the body"),
                State::ChunkHeader | State::DataEnd | State::Trailers => {
                    let Some(at) = data.iter().position(|&b| b == b'\n') else {
                        self.extend_line(&data)?;
                        return Ok(());
                    };
                    self.extend_line(&data[..=at])?;
                    data.advance(at + 1);
                    let line = std::mem::take(&mut self.line);
                    let line = line
                        .strip_suffix(b"\r\n")
                        .ok_or("a line that does not end with CRLF")?;
                    self.state = next_state(self.state, line)?;
                }
            }
        }
        Ok(())
    }

    /// `None` when the body ended where it may, else what is missing.
    pub(super) fn check_end(&self) -> Option<&'static str> {
        (self.state != State::Done).then_some("the body ended before its last chunk")
    }

    fn extend_line(&mut self, part: &[u8]) -> Result<(), &'static str> {
        if self.line.len() + part.len() > MAX_LINE {
            return Err("a chunk header or trailer line too long");
        }
        self.line.extend_from_slice(part);
        Ok(())
    }
}

/// The state after a complete `line` (without its CRLF) read in `state`.
fn next_state(state: State, line: &[u8]) -> Result<State, &'static str> {
    match state {
        State::DataEnd if line.is_empty() => Ok(State::ChunkHeader),
        State::DataEnd => Err("chunk data longer than its size"),
        State::ChunkHeader => {
            let (size, extension) = match line.iter().position(|&b| b == b';') {
                Some(at) => (&line[..at], Some(&line[at + 1..])),
                None => (line, None),
            };
            if size.is_empty() || size.len() > 16 || !size.iter().all(u8::is_ascii_hexdigit) {
                return Err("a chunk size that is not hexadecimal");
            }
            if let Some(extension) = extension
                && !is_chunk_signature(extension)
            {
                return Err("a chunk extension other than chunk-signature");
            }
            let size = std::str::from_utf8(size)
                .ok()
                .and_then(|hex| u64::from_str_radix(hex, 16).ok())
                .ok_or("a chunk size that is not hexadecimal")?;
            Ok(if size == 0 {
                State::Trailers
            } else {
                State::Data(size)
            })
        }
        State::Trailers if line.is_empty() => Ok(State::Done),
        State::Trailers if line.contains(&b':') => Ok(State::Trailers),
        State::Trailers => Err("a trailer that is not `name:value`"),
        State::Data(_) | State::Done => Err("unexpected framing"),
    }
}

/// `chunk-signature=` and 64 hex digits.
fn is_chunk_signature(extension: &[u8]) -> bool {
    extension
        .strip_prefix(b"chunk-signature=")
        .is_some_and(|signature| {
            signature.len() == 64 && signature.iter().all(u8::is_ascii_hexdigit)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing_of(parts: &[&[u8]]) -> Result<Framing, &'static str> {
        let mut framing = Framing::default();
        for part in parts {
            framing.feed(Bytes::copy_from_slice(part))?;
        }
        Ok(framing)
    }

    const SIG: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn whole_bodies_end_where_they_may_in_any_split() {
        let unsigned = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n".to_vec();
        let signed = format!("5;chunk-signature={SIG}\r\nhello\r\n0;chunk-signature={SIG}\r\n\r\n")
            .into_bytes();
        for body in [unsigned, signed] {
            for cut in 0..=body.len() {
                let framing = framing_of(&[&body[..cut], &body[cut..]]).unwrap();
                assert_eq!(framing.check_end(), None, "cut at {cut}");
            }
        }
    }

    #[test]
    fn cut_or_malformed_bodies_fail() {
        let cut = framing_of(&[b"5\r\nhello\r\n"]).unwrap();
        assert!(cut.check_end().is_some(), "no last chunk");
        assert!(framing_of(&[b"5\r\nhel"]).unwrap().check_end().is_some());
        assert!(framing_of(&[b"5zz\r\nhello\r\n"]).is_err());
        assert!(framing_of(&[b"5 \r\nhello\r\n"]).is_err());
        assert!(framing_of(&[b"5;chunk-signature=00\r\nhello\r\n"]).is_err());
        assert!(
            framing_of(&[b"5\r\nhello!\r\n"]).is_err(),
            "data over its size"
        );
        assert!(
            framing_of(&[b"0\r\n\r\nmore"]).is_err(),
            "bytes after the end"
        );
        assert!(framing_of(&[b"0\r\nnot a trailer\r\n"]).is_err());
        assert!(framing_of(&[&[b'1'; MAX_LINE + 1]]).is_err());
    }
}
