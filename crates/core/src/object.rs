//! Values passed to and returned by [`crate::ObjectStorage`] operations.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use futures::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};

use crate::error::{Error, Result};
use crate::path::S3Path;
use crate::write::{Encryption, PutMode};

/// What is known about a stored object without reading its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// Where the object lives.
    pub path: S3Path,
    /// Size of the whole body in bytes (also when only a range of it was read).
    pub size: u64,
    /// The entity tag, with its quotes, as S3 returns it (quoted MD5 hex for single-part puts).
    pub etag: Option<String>,
    /// When the object was last written, to the second.
    pub last_modified: Option<SystemTime>,
    /// The Content-Type stored with the object, if any.
    pub content_type: Option<String>,
    /// The `Cache-Control` stored with the object, if any.
    pub cache_control: Option<String>,
    /// The `Content-Disposition` stored with the object, if any.
    pub content_disposition: Option<String>,
    /// The `Content-Encoding` stored with the object, if any.
    pub content_encoding: Option<String>,
    /// The `Content-Language` stored with the object, if any.
    pub content_language: Option<String>,
    /// User metadata (`x-amz-meta-*`), with lowercased names as S3 returns them.
    pub metadata: BTreeMap<String, String>,
}

impl ObjectMeta {
    /// An object of `size` bytes at `path` with nothing else known; fill in the rest with
    /// struct update syntax (`ObjectMeta { etag, ..ObjectMeta::new(path, size) }`).
    pub fn new(path: S3Path, size: u64) -> Self {
        Self {
            path,
            size,
            etag: None,
            last_modified: None,
            content_type: None,
            cache_control: None,
            content_disposition: None,
            content_encoding: None,
            content_language: None,
            metadata: BTreeMap::new(),
        }
    }
}

/// Options for [`crate::ObjectStorage::put_object`]: the object's attributes and metadata,
/// the write's mode, and where the store supports them, encryption and storage class.
///
/// ```
/// use stowage_core::{PutMode, PutOptions};
/// let options = PutOptions::new()
///     .content_type("application/gzip")
///     .content_disposition("attachment; filename=\"scan.nii.gz\"")
///     .metadata("owner", "imaging-team")
///     .mode(PutMode::Create);
/// assert_eq!(options.content_type.as_deref(), Some("application/gzip"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutOptions {
    /// Content-Type to store with the object.
    pub content_type: Option<String>,
    /// `Cache-Control` to store and serve with the object.
    pub cache_control: Option<String>,
    /// `Content-Disposition` to store and serve with the object.
    pub content_disposition: Option<String>,
    /// `Content-Encoding` to store and serve with the object.
    pub content_encoding: Option<String>,
    /// `Content-Language` to store and serve with the object.
    pub content_language: Option<String>,
    /// User metadata to store with the object. S3 lowercases the names.
    pub metadata: BTreeMap<String, String>,
    /// When the write may replace an existing object.
    pub mode: PutMode,
    /// Server-side encryption (S3 backend; others answer [`Error::Unsupported`] unless they
    /// encrypt anyway).
    pub encryption: Option<Encryption>,
    /// Storage class (`STANDARD`, `STANDARD_IA`, `GLACIER_IR`, ...).
    pub storage_class: Option<String>,
}

impl PutOptions {
    /// No attributes, no metadata, overwrite.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the Content-Type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets `Cache-Control`.
    pub fn cache_control(mut self, value: impl Into<String>) -> Self {
        self.cache_control = Some(value.into());
        self
    }

    /// Sets `Content-Disposition`.
    pub fn content_disposition(mut self, value: impl Into<String>) -> Self {
        self.content_disposition = Some(value.into());
        self
    }

    /// Sets `Content-Encoding`.
    pub fn content_encoding(mut self, value: impl Into<String>) -> Self {
        self.content_encoding = Some(value.into());
        self
    }

    /// Sets `Content-Language`.
    pub fn content_language(mut self, value: impl Into<String>) -> Self {
        self.content_language = Some(value.into());
        self
    }

    /// Adds one user metadata entry.
    pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(name.into(), value.into());
        self
    }

    /// Sets when the write may replace an existing object.
    pub fn mode(mut self, mode: PutMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets server-side encryption.
    pub fn encryption(mut self, encryption: Encryption) -> Self {
        self.encryption = Some(encryption);
        self
    }

    /// Sets the storage class.
    pub fn storage_class(mut self, storage_class: impl Into<String>) -> Self {
        self.storage_class = Some(storage_class.into());
        self
    }

    /// The attribute and metadata fields of `meta`, as a copy keeps them.
    pub fn attributes_of(meta: &ObjectMeta) -> Self {
        Self {
            content_type: meta.content_type.clone(),
            cache_control: meta.cache_control.clone(),
            content_disposition: meta.content_disposition.clone(),
            content_encoding: meta.content_encoding.clone(),
            content_language: meta.content_language.clone(),
            metadata: meta.metadata.clone(),
            ..Self::default()
        }
    }
}

/// What [`crate::ObjectStorage::put_object`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutResult {
    /// The new object's entity tag, with its quotes.
    pub etag: Option<String>,
}

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

async fn collect_stream(mut stream: ByteStream, capacity: usize) -> Result<Bytes> {
    let mut buffer = BytesMut::with_capacity(capacity);
    while let Some(chunk) = stream.next().await {
        buffer.extend_from_slice(&chunk?);
    }
    Ok(buffer.freeze())
}

/// The streamed body of a downloaded object.
///
/// It is a [`Stream`] of [`Bytes`] chunks: nothing is buffered beyond the chunk in flight
/// unless the caller asks for the whole body with [`ObjectBody::bytes`].
pub struct ObjectBody {
    stream: ByteStream,
}

impl ObjectBody {
    /// Wraps a chunk stream.
    pub fn new(stream: impl Stream<Item = Result<Bytes>> + Send + 'static) -> Self {
        Self {
            stream: stream.boxed(),
        }
    }

    /// A body that is already in memory.
    pub fn from_bytes(bytes: Bytes) -> Self {
        Self::new(stream::once(async move { Ok(bytes) }))
    }

    /// Reads the whole body into memory.
    pub async fn bytes(self) -> Result<Bytes> {
        collect_stream(self.stream, 0).await
    }

    /// The body as a `futures::io::AsyncRead`, for code that wants a reader.
    pub fn into_async_read(self) -> impl futures::io::AsyncRead + Send + Unpin {
        self.stream
            .map_err(|e| std::io::Error::other(e.to_string()))
            .into_async_read()
    }
}

impl Stream for ObjectBody {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for ObjectBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectBody").finish_non_exhaustive()
    }
}

/// A downloaded object: its metadata, available at once, and its body, streamed.
#[derive(Debug)]
pub struct GetObjectOutput {
    /// Size (of the whole object), ETag, Content-Type, attributes, user metadata.
    pub meta: ObjectMeta,
    /// The bytes the body holds, as a half-open span of the object, when a range was asked
    /// for (`0..meta.size` otherwise).
    pub range: Range<u64>,
    /// The body, read chunk by chunk.
    pub body: ObjectBody,
}

/// One object in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSummary {
    /// Where the object lives.
    pub path: S3Path,
    /// Size of the body in bytes.
    pub size: u64,
    /// The entity tag, with its quotes.
    pub etag: Option<String>,
    /// When the object was last written.
    pub last_modified: Option<SystemTime>,
}

/// A complete listing: every page has been read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListResult {
    /// The objects, in S3's order (ascending UTF-8 bytes of the key).
    pub objects: Vec<ObjectSummary>,
    /// With a delimiter, the distinct key prefixes up to and including the delimiter, sorted.
    pub common_prefixes: Vec<S3Path>,
}

impl ListResult {
    /// The objects' paths, in listing order.
    pub fn paths(&self) -> impl Iterator<Item = &S3Path> {
        self.objects.iter().map(|object| &object.path)
    }
}

/// The outcome of [`crate::ObjectStorage::delete_objects`]: every input path, exactly once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteReport {
    /// Paths deleted (or already absent, which S3 counts as deleted).
    pub deleted: Vec<S3Path>,
    /// Paths that could not be deleted, each with the reason.
    pub failed: Vec<DeleteFailure>,
}

impl DeleteReport {
    /// True when every path was deleted.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
    }
}

/// One path that a batch delete could not delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteFailure {
    /// The path that is still there.
    pub path: S3Path,
    /// The S3 error code (e.g. `AccessDenied`), or the error kind when the whole request failed.
    pub code: String,
    /// A description, with the key redacted.
    pub message: String,
}

/// A presigned URL: a bearer token for one object until it expires.
///
/// `Debug` shows only the expiry, never the URL: whoever holds the URL can read the object.
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedUrl {
    url: String,
    expires_at: SystemTime,
}

impl PresignedUrl {
    /// Wraps a signed URL that stops working at `expires_at`.
    pub fn new(url: String, expires_at: SystemTime) -> Self {
        Self { url, expires_at }
    }

    /// The URL, to hand to the client that will fetch the object.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The URL as an owned string.
    pub fn into_string(self) -> String {
        self.url
    }

    /// When the URL stops working.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }
}

impl fmt::Debug for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignedUrl")
            .field("url", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}
