//! [`Payload`]: the body of an upload, in memory or streamed, of known or unknown length.

use std::fmt;
use std::task::Poll;

use bytes::{Bytes, BytesMut};
use futures::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};

use crate::error::{Error, Result};

/// A chunked byte stream, as object bodies travel.
pub type ByteStream = BoxStream<'static, Result<Bytes>>;

/// The body of an upload: bytes in memory, a stream of known length, or a stream or reader
/// whose length is not known until it ends.
///
/// Streams let a large file be uploaded without holding it in memory. Backends send a
/// payload up to their multipart threshold as one request and a larger one, or one of
/// unknown length that turns out larger, in parts (see [`crate::transfer`]).
pub struct Payload {
    inner: PayloadInner,
}

enum PayloadInner {
    Bytes(Bytes),
    Stream {
        stream: ByteStream,
        length: Option<u64>,
    },
}

/// The chunk size [`Payload::from_reader`] reads with.
const READER_CHUNK_BYTES: usize = 256 * 1024;

impl Payload {
    /// A payload streamed from `stream`, which must yield exactly `length` bytes.
    ///
    /// A stream that yields more or fewer bytes fails the upload with [`Error::Io`].
    pub fn from_stream(
        stream: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
        length: u64,
    ) -> Self {
        Self::streamed(stream, Some(length))
    }

    /// A payload streamed from `stream` until it ends, its length unknown up front
    /// (standard input, an archive being generated).
    pub fn from_unsized_stream(
        stream: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    ) -> Self {
        Self::streamed(stream, None)
    }

    /// A payload read from `reader` until end of file, its length unknown up front.
    pub fn from_reader(reader: impl tokio::io::AsyncRead + Send + 'static) -> Self {
        Self::from_unsized_stream(tokio_util::io::ReaderStream::with_capacity(
            reader,
            READER_CHUNK_BYTES,
        ))
    }

    fn streamed(
        stream: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
        length: Option<u64>,
    ) -> Self {
        let stream = stream
            .map_err(|e| Error::Io {
                message: e.to_string(),
            })
            .boxed();
        Self {
            inner: PayloadInner::Stream { stream, length },
        }
    }

    /// The number of bytes this payload will yield, when known up front.
    pub fn length(&self) -> Option<u64> {
        match &self.inner {
            PayloadInner::Bytes(bytes) => Some(bytes.len() as u64),
            PayloadInner::Stream { length, .. } => *length,
        }
    }

    /// The payload as a stream of chunks, checked against the declared length if any.
    pub fn into_stream(self) -> ByteStream {
        match self.inner {
            PayloadInner::Bytes(bytes) => stream::once(async move { Ok(bytes) }).boxed(),
            PayloadInner::Stream {
                stream,
                length: Some(length),
            } => checked_length(stream, length),
            PayloadInner::Stream {
                stream,
                length: None,
            } => stream,
        }
    }

    /// The bytes of a payload already held whole in memory, or the payload back untouched:
    /// an upload of a small in-memory body skips reading it as a stream.
    pub(crate) fn into_whole(self) -> std::result::Result<Bytes, Self> {
        match self.inner {
            PayloadInner::Bytes(bytes) => Ok(bytes),
            inner => Err(Self { inner }),
        }
    }

    /// Collects the whole payload into memory.
    pub async fn into_bytes(self) -> Result<Bytes> {
        match self.inner {
            PayloadInner::Bytes(bytes) => Ok(bytes),
            PayloadInner::Stream { stream, length } => {
                // Reserve at most a bounded amount up front: the declared length is not
                // trusted until the stream has actually yielded that many bytes.
                let capacity =
                    usize::try_from(length.unwrap_or(0).min(MAX_PREALLOCATED_BYTES)).unwrap_or(0);
                let stream = match length {
                    Some(length) => checked_length(stream, length),
                    None => stream,
                };
                collect_stream(stream, capacity).await
            }
        }
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.inner {
            PayloadInner::Bytes(_) => "bytes",
            PayloadInner::Stream { .. } => "stream",
        };
        f.debug_struct("Payload")
            .field("kind", &kind)
            .field("length", &self.length())
            .finish()
    }
}

impl From<Bytes> for Payload {
    fn from(bytes: Bytes) -> Self {
        Self {
            inner: PayloadInner::Bytes(bytes),
        }
    }
}

impl From<Vec<u8>> for Payload {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for Payload {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static [u8]> for Payload {
    fn from(bytes: &'static [u8]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

impl From<&'static str> for Payload {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

/// Largest buffer [`Payload::into_bytes`] reserves before any byte has arrived.
const MAX_PREALLOCATED_BYTES: u64 = 8 * 1024 * 1024;

/// Fails the stream with [`Error::Io`] when it yields more or fewer than `length` bytes.
fn checked_length(stream: ByteStream, length: u64) -> ByteStream {
    let mut seen: u64 = 0;
    let mut inner = stream;
    let mut finished = false;
    stream::poll_fn(move |cx| {
        if finished {
            return Poll::Ready(None);
        }
        match inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                seen += chunk.len() as u64;
                if seen > length {
                    finished = true;
                    return Poll::Ready(Some(Err(length_mismatch(length, seen))));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) if seen != length => {
                finished = true;
                Poll::Ready(Some(Err(length_mismatch(length, seen))))
            }
            other => other,
        }
    })
    .boxed()
}

fn length_mismatch(declared: u64, seen: u64) -> Error {
    Error::Io {
        message: format!("payload declared {declared} bytes but yielded at least {seen}"),
    }
}

pub(crate) async fn collect_stream(mut stream: ByteStream, capacity: usize) -> Result<Bytes> {
    let mut buffer = BytesMut::with_capacity(capacity);
    while let Some(chunk) = stream.next().await {
        buffer.extend_from_slice(&chunk?);
    }
    Ok(buffer.freeze())
}
