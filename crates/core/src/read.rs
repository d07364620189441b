//! Reads with options: byte ranges and conditional requests, with S3's rules.

use std::fmt;
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::stream::{self, Stream, StreamExt, TryStreamExt};

use crate::error::{Error, Result};
use crate::etag::{etag_matches, validate_etag};
use crate::meta::ObjectMeta;
use crate::path::S3Path;
use crate::payload::{ByteStream, collect_stream};

/// A byte range of an object, as an HTTP `Range` header names one.
///
/// ```
/// use stowage::ByteRange;
/// assert_eq!(ByteRange::inclusive(0, 99).to_header(), "bytes=0-99");
/// assert_eq!(ByteRange::from_offset(100).resolve(150), Some(100..150));
/// assert_eq!(ByteRange::suffix(500).resolve(150), Some(0..150));
/// assert_eq!(ByteRange::from_offset(150).resolve(150), None); // unsatisfiable
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteRange {
    /// Bytes `first` to `last`, both included (`bytes=first-last`).
    Inclusive {
        /// The first byte.
        first: u64,
        /// The last byte, included; past the end means "to the end".
        last: u64,
    },
    /// From `offset` to the end (`bytes=offset-`).
    From(u64),
    /// The last `n` bytes, or the whole object when it is shorter (`bytes=-n`).
    Suffix(u64),
}

impl ByteRange {
    /// Bytes `first..=last`.
    pub fn inclusive(first: u64, last: u64) -> Self {
        Self::Inclusive { first, last }
    }

    /// From `offset` to the end.
    pub fn from_offset(offset: u64) -> Self {
        Self::From(offset)
    }

    /// The last `n` bytes.
    pub fn suffix(n: u64) -> Self {
        Self::Suffix(n)
    }

    /// [`Error::InvalidArgument`] for a range no object can satisfy by its shape: the last
    /// byte before the first, or an empty suffix.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Self::Inclusive { first, last } if last < first => Err(Error::invalid_argument(
                format!("byte range {first}-{last} ends before it starts"),
            )),
            Self::Suffix(0) => Err(Error::invalid_argument(
                "a suffix byte range needs at least one byte",
            )),
            _ => Ok(()),
        }
    }

    /// The `Range` header value.
    pub fn to_header(&self) -> String {
        match *self {
            Self::Inclusive { first, last } => format!("bytes={first}-{last}"),
            Self::From(offset) => format!("bytes={offset}-"),
            Self::Suffix(n) => format!("bytes=-{n}"),
        }
    }

    /// The half-open span of an object of `size` bytes this range selects, or `None` when
    /// S3 answers 416 (it starts at or past the end; any range of an empty object).
    pub fn resolve(&self, size: u64) -> Option<Range<u64>> {
        match *self {
            Self::Inclusive { first, last } if first < size => Some(first..last.min(size - 1) + 1),
            Self::From(offset) if offset < size => Some(offset..size),
            Self::Suffix(n) if n > 0 && size > 0 => Some(size.saturating_sub(n)..size),
            _ => None,
        }
    }
}

/// Options for [`ObjectStorage::get_object_with`](crate::ObjectStorage::get_object_with):
/// a byte range and the four HTTP conditions.
///
/// ```
/// use stowage::{ByteRange, GetOptions};
/// let options = GetOptions::new()
///     .range(ByteRange::suffix(8))
///     .if_match("\"5d41402abc4b2a76b9719d911017c592\"");
/// assert!(options.validate().is_ok());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetOptions {
    /// Only these bytes of the object.
    pub range: Option<ByteRange>,
    /// Only if the object's ETag is this one (or `*`: any object); else
    /// [`Error::PreconditionFailed`].
    pub if_match: Option<String>,
    /// Only if the object's ETag is not this one (`*`: no object); else
    /// [`GetOutcome::NotModified`].
    pub if_none_match: Option<String>,
    /// Only if the object changed after this instant (to the second); else
    /// [`GetOutcome::NotModified`]. Ignored when `if_none_match` is set.
    pub if_modified_since: Option<SystemTime>,
    /// Only if the object did not change after this instant; else
    /// [`Error::PreconditionFailed`]. Ignored when `if_match` is set.
    pub if_unmodified_since: Option<SystemTime>,
}

impl GetOptions {
    /// The whole object, unconditionally.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only these bytes.
    pub fn range(mut self, range: ByteRange) -> Self {
        self.range = Some(range);
        self
    }

    /// Sets `If-Match`.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }

    /// Sets `If-None-Match`.
    pub fn if_none_match(mut self, etag: impl Into<String>) -> Self {
        self.if_none_match = Some(etag.into());
        self
    }

    /// Sets `If-Modified-Since`.
    pub fn if_modified_since(mut self, instant: SystemTime) -> Self {
        self.if_modified_since = Some(instant);
        self
    }

    /// Sets `If-Unmodified-Since`.
    pub fn if_unmodified_since(mut self, instant: SystemTime) -> Self {
        self.if_unmodified_since = Some(instant);
        self
    }

    /// [`Error::InvalidArgument`] for a malformed range or ETag, before any request.
    pub fn validate(&self) -> Result<()> {
        if let Some(range) = &self.range {
            range.validate()?;
        }
        for etag in [&self.if_match, &self.if_none_match].into_iter().flatten() {
            validate_etag(etag)?;
        }
        Ok(())
    }

    /// What S3 does with these conditions for an object with this ETag and modification
    /// time, in S3's order: `If-Match`, else `If-Unmodified-Since` (412); then
    /// `If-None-Match`, else `If-Modified-Since` (304).
    ///
    /// For backends that evaluate conditions themselves; S3 does it server-side.
    pub fn evaluate(&self, etag: &str, last_modified: SystemTime) -> Precondition {
        let modified = whole_seconds(last_modified);
        let failed = match (&self.if_match, self.if_unmodified_since) {
            (Some(wanted), _) => !etag_matches(wanted, etag),
            (None, Some(since)) => modified > whole_seconds(since),
            (None, None) => false,
        };
        if failed {
            return Precondition::Failed;
        }
        let not_modified = match (&self.if_none_match, self.if_modified_since) {
            (Some(unwanted), _) => etag_matches(unwanted, etag),
            (None, Some(since)) => modified <= whole_seconds(since),
            (None, None) => false,
        };
        if not_modified {
            Precondition::NotModified
        } else {
            Precondition::Proceed
        }
    }
}

/// The verdict of [`GetOptions::evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Serve the object.
    Proceed,
    /// 304: the caller's copy is current.
    NotModified,
    /// 412: [`Error::PreconditionFailed`].
    Failed,
}

fn whole_seconds(instant: SystemTime) -> u64 {
    instant
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// What [`ObjectStorage::get_object_with`](crate::ObjectStorage::get_object_with) found.
#[derive(Debug)]
pub enum GetOutcome {
    /// The object (or the requested range of it).
    Found(GetObjectOutput),
    /// `If-None-Match` or `If-Modified-Since` held: the caller's copy is current (HTTP 304).
    NotModified(NotModified),
}

impl GetOutcome {
    /// The object, or `None` when the caller's copy is current.
    pub fn into_found(self) -> Option<GetObjectOutput> {
        match self {
            Self::Found(output) => Some(output),
            Self::NotModified(_) => None,
        }
    }
}

/// The answer to a conditional read whose copy is current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotModified {
    /// The object asked for.
    pub path: S3Path,
    /// Its current ETag, when the store says.
    pub etag: Option<String>,
    /// When it was last written, when the store says.
    pub last_modified: Option<SystemTime>,
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn ranges_resolve_like_s3() {
        assert_eq!(ByteRange::inclusive(0, 0).resolve(10), Some(0..1));
        assert_eq!(ByteRange::inclusive(5, 100).resolve(10), Some(5..10));
        assert_eq!(ByteRange::inclusive(10, 12).resolve(10), None);
        assert_eq!(ByteRange::from_offset(9).resolve(10), Some(9..10));
        assert_eq!(ByteRange::suffix(3).resolve(10), Some(7..10));
        assert_eq!(ByteRange::suffix(30).resolve(10), Some(0..10));
        assert_eq!(ByteRange::suffix(1).resolve(0), None);
        assert_eq!(ByteRange::inclusive(0, 0).resolve(0), None);
    }

    #[test]
    fn malformed_ranges_and_etags_are_invalid_arguments() {
        assert!(ByteRange::inclusive(5, 4).validate().is_err());
        assert!(ByteRange::suffix(0).validate().is_err());
        assert!(ByteRange::inclusive(4, 4).validate().is_ok());
        for bad in ["", "\"\"", "a b", "\"a\"b\"", "é"] {
            let error = GetOptions::new().if_match(bad).validate().unwrap_err();
            assert!(matches!(error, Error::InvalidArgument { .. }), "{bad:?}");
        }
        for good in ["*", "abc", "\"abc\"", "\"abc-2\""] {
            GetOptions::new().if_none_match(good).validate().unwrap();
        }
    }

    #[test]
    fn conditions_follow_s3_precedence() {
        let at = UNIX_EPOCH + Duration::from_secs(1_000);
        let before = at - Duration::from_secs(10);
        let after = at + Duration::from_secs(10);
        let etag = "\"e1\"";
        let eval = |options: GetOptions| options.evaluate(etag, at);
        assert_eq!(eval(GetOptions::new()), Precondition::Proceed);
        assert_eq!(
            eval(GetOptions::new().if_match("e1")),
            Precondition::Proceed
        );
        assert_eq!(
            eval(GetOptions::new().if_match("\"e2\"")),
            Precondition::Failed
        );
        // If-Match holds, so If-Unmodified-Since is not consulted.
        let matched = GetOptions::new().if_match("*").if_unmodified_since(before);
        assert_eq!(eval(matched), Precondition::Proceed);
        assert_eq!(
            eval(GetOptions::new().if_unmodified_since(before)),
            Precondition::Failed
        );
        assert_eq!(
            eval(GetOptions::new().if_unmodified_since(at)),
            Precondition::Proceed
        );
        assert_eq!(
            eval(GetOptions::new().if_none_match(etag)),
            Precondition::NotModified
        );
        // If-None-Match does not hold (other ETag), so If-Modified-Since is not consulted.
        let other = GetOptions::new()
            .if_none_match("\"e2\"")
            .if_modified_since(after);
        assert_eq!(eval(other), Precondition::Proceed);
        assert_eq!(
            eval(GetOptions::new().if_modified_since(at)),
            Precondition::NotModified
        );
        assert_eq!(
            eval(GetOptions::new().if_modified_since(before)),
            Precondition::Proceed
        );
        // A failed If-Match wins over a matching If-None-Match.
        let both = GetOptions::new().if_match("\"e2\"").if_none_match(etag);
        assert_eq!(eval(both), Precondition::Failed);
    }
}
