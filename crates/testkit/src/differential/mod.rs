//! Differential testing: the same random operation sequence on two backends must be
//! observably identical.
//!
//! [`operations`] is a proptest strategy over put (with and without attributes) / copy /
//! delete / batch delete / list (with and without delimiter) / head / exists / ranged and
//! conditional reads, large puts that go in parts and whole-object downloads as parallel
//! ranged reads (under [`small_parts`], which both backends
//! must be built with; a copy of a large object then goes in parts too), on keys drawn from
//! a tiny alphabet that includes `/` (so delimiters, empty segments and shared prefixes come
//! up constantly). [`conditional_operations`] adds
//! create-only and compare-and-swap puts, for stores that enforce them.
//! [`run`] plays a sequence on a backend under a prefix and records what a caller can
//! observe; two backends agree when their [`Observation`] lists are equal.

use std::fmt;
use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use md5::{Digest, Md5};
use proptest::prelude::*;
use stowage_core::transfer::download;
use stowage_core::{
    ByteRange, Error, GetOptions, GetOutcome, ObjectStorage, PutMode, PutOptions, S3Path,
};

use crate::areas::transfers::small_parts;

/// The bodies puts draw from; conditions name objects by the ETag of one of them.
const BODIES: [&str; 3] = ["", "x", "hello"];

/// The smallest large body: one byte above the multipart threshold of
/// [`small_parts`], so it goes as two parts.
const LARGE_BASE: usize = 5 * 1024 * 1024 + 1;
/// How much longer than [`LARGE_BASE`] a large body may be.
const LARGE_EXTRA: [usize; 3] = [0, 1000, 64 * 1024];
/// Reads longer than this are observed by their MD5, so a counter-example stays readable.
const SHOWN_BYTES: usize = 64;

/// The bytes large puts take a prefix of.
static LARGE: LazyLock<Bytes> = LazyLock::new(|| {
    (0..LARGE_BASE + LARGE_EXTRA[2])
        .map(|i| (i % 251) as u8 ^ (i / 4096) as u8)
        .collect::<Vec<u8>>()
        .into()
});

/// Key characters: enough to form `a/b`, `a//`, `/a`, `ab`, `b/a/`.
const KEY_ALPHABET: [char; 3] = ['a', 'b', '/'];

/// One operation, on keys relative to the sequence's prefix.
#[derive(Clone, PartialEq, Eq)]
pub enum Op {
    /// Put `body` (one of a few small bodies) with an optional Content-Type.
    Put {
        /// Relative key.
        key: String,
        /// Body.
        body: &'static str,
        /// Content-Type.
        content_type: Option<&'static str>,
    },
    /// Put with a `Cache-Control` and a `Content-Disposition`.
    PutWithAttributes {
        /// Relative key.
        key: String,
        /// Body.
        body: &'static str,
        /// `Cache-Control`.
        cache_control: &'static str,
        /// `Content-Disposition`.
        content_disposition: &'static str,
    },
    /// A put of a body above the multipart threshold, which goes in parts.
    PutLarge {
        /// Relative key.
        key: String,
        /// Bytes beyond the smallest large body (5 MiB and one byte).
        extra: usize,
    },
    /// A whole-object download as parallel ranged reads pinned to the object's ETag.
    Download {
        /// Relative key.
        key: String,
    },
    /// Create-only or compare-and-swap put; `if_match` names the ETag of one of the bodies.
    PutIf {
        /// Relative key.
        key: String,
        /// Body.
        body: &'static str,
        /// `None`: create-only; `Some(b)`: only over an object whose ETag is that of `b`.
        if_match: Option<&'static str>,
    },
    /// Ranged read.
    GetRange {
        /// Relative key.
        key: String,
        /// The range.
        range: ByteRange,
    },
    /// Conditional read; conditions name the ETag of one of the bodies.
    GetIf {
        /// Relative key.
        key: String,
        /// `If-Match` the ETag of this body.
        if_match: Option<&'static str>,
        /// `If-None-Match` the ETag of this body.
        if_none_match: Option<&'static str>,
    },
    /// Server-side copy.
    Copy {
        /// Relative source key.
        from: String,
        /// Relative target key.
        to: String,
    },
    /// Single delete.
    Delete {
        /// Relative key.
        key: String,
    },
    /// Batch delete.
    DeleteMany {
        /// Relative keys.
        keys: Vec<String>,
    },
    /// Listing under a relative prefix, optionally with `/` as delimiter.
    List {
        /// Relative prefix.
        prefix: String,
        /// Whether `/` is the delimiter.
        delimited: bool,
    },
    /// Metadata read.
    Head {
        /// Relative key.
        key: String,
    },
    /// Existence check.
    Exists {
        /// Relative key.
        key: String,
    },
}

impl fmt::Debug for Op {
    // Readable counter-examples: `put "a/b" = "xy"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Put {
                key,
                body,
                content_type,
            } => write!(f, "put {key:?} = {body:?} ({content_type:?})"),
            Op::PutWithAttributes {
                key,
                body,
                cache_control,
                content_disposition,
            } => write!(
                f,
                "put {key:?} = {body:?} (cache-control {cache_control:?}, disposition {content_disposition:?})"
            ),
            Op::PutIf {
                key,
                body,
                if_match,
            } => match if_match {
                None => write!(f, "create {key:?} = {body:?}"),
                Some(old) => write!(f, "put {key:?} = {body:?} if it holds {old:?}"),
            },
            Op::PutLarge { key, extra } => {
                write!(f, "put {key:?} = {} large bytes", LARGE_BASE + extra)
            }
            Op::Download { key } => write!(f, "download {key:?}"),
            Op::GetRange { key, range } => write!(f, "get {key:?} {}", range.to_header()),
            Op::GetIf {
                key,
                if_match,
                if_none_match,
            } => write!(
                f,
                "get {key:?} if-match {if_match:?} if-none-match {if_none_match:?}"
            ),
            Op::Copy { from, to } => write!(f, "copy {from:?} -> {to:?}"),
            Op::Delete { key } => write!(f, "delete {key:?}"),
            Op::DeleteMany { keys } => write!(f, "delete_many {keys:?}"),
            Op::List { prefix, delimited } => write!(f, "list {prefix:?} delimiter={delimited}"),
            Op::Head { key } => write!(f, "head {key:?}"),
            Op::Exists { key } => write!(f, "exists {key:?}"),
        }
    }
}

/// What a caller can observe of one operation (timestamps excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// The operation succeeded with nothing to report.
    Done,
    /// The operation failed with this error kind.
    Failed(&'static str),
    /// Head: size, ETag, Content-Type, `Cache-Control`, `Content-Disposition`.
    Meta(
        u64,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ),
    /// A read: the bytes (as text when short, as length and MD5 when long), the span served
    /// and the object's size.
    Read(String, std::ops::Range<u64>, u64),
    /// A conditional read answered "not modified".
    NotModified,
    /// Exists.
    Exists(bool),
    /// Listing: relative keys and relative common prefixes.
    Listing(Vec<String>, Vec<String>),
    /// Batch delete: relative keys deleted, relative keys failed.
    Deleted(Vec<String>, Vec<String>),
}

fn key() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(KEY_ALPHABET.to_vec()), 1..4)
        .prop_map(|chars| chars.into_iter().collect())
}

fn prefix() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(KEY_ALPHABET.to_vec()), 0..3)
        .prop_map(|chars| chars.into_iter().collect())
}

fn body() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(BODIES.to_vec())
}

fn byte_range() -> impl Strategy<Value = ByteRange> {
    prop_oneof![
        (0..7u64, 0..7u64).prop_map(|(a, b)| ByteRange::inclusive(a.min(b), a.max(b))),
        (0..7u64).prop_map(ByteRange::from_offset),
        (1..8u64).prop_map(ByteRange::suffix),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (key(), body(), proptest::option::of(Just("text/plain")))
            .prop_map(|(key, body, content_type)| Op::Put { key, body, content_type }),
        1 => (key(), body(), proptest::sample::select(vec!["no-store", "max-age=60"]), proptest::sample::select(vec!["inline", "attachment; filename=\"a.txt\""]))
            .prop_map(|(key, body, cache_control, content_disposition)| Op::PutWithAttributes { key, body, cache_control, content_disposition }),
        1 => (key(), key()).prop_map(|(from, to)| Op::Copy { from, to }),
        1 => key().prop_map(|key| Op::Delete { key }),
        1 => proptest::collection::vec(key(), 0..4).prop_map(|keys| Op::DeleteMany { keys }),
        2 => (prefix(), any::<bool>()).prop_map(|(prefix, delimited)| Op::List { prefix, delimited }),
        1 => key().prop_map(|key| Op::Head { key }),
        1 => key().prop_map(|key| Op::Exists { key }),
        1 => (key(), proptest::sample::select(LARGE_EXTRA.to_vec()))
            .prop_map(|(key, extra)| Op::PutLarge { key, extra }),
        1 => key().prop_map(|key| Op::Download { key }),
        2 => (key(), byte_range()).prop_map(|(key, range)| Op::GetRange { key, range }),
        2 => (key(), proptest::option::of(body()), proptest::option::of(body()))
            .prop_map(|(key, if_match, if_none_match)| Op::GetIf { key, if_match, if_none_match }),
    ]
}

fn conditional_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (key(), body(), proptest::option::of(body()))
            .prop_map(|(key, body, if_match)| Op::PutIf { key, body, if_match }),
        2 => (key(), body(), proptest::option::of(Just("text/plain")))
            .prop_map(|(key, body, content_type)| Op::Put { key, body, content_type }),
        1 => key().prop_map(|key| Op::Delete { key }),
        1 => key().prop_map(|key| Op::Head { key }),
        1 => (key(), proptest::option::of(body()), proptest::option::of(body()))
            .prop_map(|(key, if_match, if_none_match)| Op::GetIf { key, if_match, if_none_match }),
    ]
}

/// Sequences of 1 to `max_len` operations.
pub fn operations(max_len: usize) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(), 1..=max_len)
}

/// Sequences of 1 to `max_len` operations centred on create-only and compare-and-swap puts.
pub fn conditional_operations(max_len: usize) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(conditional_op(), 1..=max_len)
}

/// The quoted MD5 ETag a single-part put of `body` gets.
fn etag_of(body: &str) -> String {
    format!("\"{}\"", hex::encode(Md5::digest(body.as_bytes())))
}

/// The options a put-like operation writes with.
fn put_options(op: &Op) -> PutOptions {
    match op {
        Op::Put { content_type, .. } => {
            let mut options = PutOptions::new();
            options.content_type = content_type.map(str::to_owned);
            options
        }
        Op::PutWithAttributes {
            cache_control,
            content_disposition,
            ..
        } => PutOptions::new()
            .cache_control(*cache_control)
            .content_disposition(*content_disposition),
        Op::PutIf { if_match, .. } => PutOptions::new().mode(match if_match {
            None => PutMode::Create,
            Some(old) => PutMode::IfMatch(etag_of(old)),
        }),
        _ => PutOptions::new(),
    }
}

/// `Done`, or the error's kind.
fn done<T>(result: stowage_core::Result<T>) -> Observation {
    match result {
        Ok(_) => Observation::Done,
        Err(error) => failed(error),
    }
}

/// What a read returned: the bytes and spans, "not modified", or the error kind.
async fn observe_read(result: stowage_core::Result<GetOutcome>) -> Observation {
    match result {
        Ok(GetOutcome::Found(output)) => {
            let span = output.range.clone();
            let size = output.meta.size;
            match output.body.bytes().await {
                Ok(bytes) => Observation::Read(shown(&bytes), span, size),
                Err(error) => failed(error),
            }
        }
        Ok(GetOutcome::NotModified(_)) => Observation::NotModified,
        Err(error) => failed(error),
    }
}

/// Short bodies as text, longer ones as their length and MD5.
fn shown(bytes: &[u8]) -> String {
    if bytes.len() <= SHOWN_BYTES {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        format!(
            "{} bytes, md5 {}",
            bytes.len(),
            hex::encode(Md5::digest(bytes))
        )
    }
}

fn failed(error: Error) -> Observation {
    Observation::Failed(error.kind_name())
}

fn relative<'a>(base: &S3Path, path: &'a S3Path) -> &'a str {
    &path.key()[base.key().len()..]
}

/// Plays `ops` on `storage` under `base` (a prefix no other test writes to) and returns
/// one observation per operation. Objects left behind are deleted at the end.
///
/// The backend must be built with [`small_parts`], the
/// settings downloads run with here.
pub async fn run<S>(storage: &Arc<S>, base: &S3Path, ops: &[Op]) -> Vec<Observation>
where
    S: ObjectStorage + 'static,
{
    let at = |key: &str| base.join(key).expect("short keys stay valid");
    let mut observations = Vec::with_capacity(ops.len());
    for op in ops {
        let observation = match op {
            Op::Put { key, body, .. }
            | Op::PutWithAttributes { key, body, .. }
            | Op::PutIf { key, body, .. } => done(
                storage
                    .put_object(
                        &at(key),
                        Bytes::from_static(body.as_bytes()).into(),
                        put_options(op),
                    )
                    .await,
            ),
            Op::PutLarge { key, extra } => done(
                storage
                    .put_object(
                        &at(key),
                        LARGE.slice(..LARGE_BASE + extra).into(),
                        PutOptions::new(),
                    )
                    .await,
            ),
            Op::Download { key } => {
                let output = download(Arc::clone(storage), &at(key), &small_parts()).await;
                observe_read(output.map(GetOutcome::Found)).await
            }
            Op::GetRange { key, range } => {
                observe_read(
                    storage
                        .get_object_with(&at(key), &GetOptions::new().range(*range))
                        .await,
                )
                .await
            }
            Op::GetIf {
                key,
                if_match,
                if_none_match,
            } => {
                let mut options = GetOptions::new();
                if let Some(body) = if_match {
                    options = options.if_match(etag_of(body));
                }
                if let Some(body) = if_none_match {
                    options = options.if_none_match(etag_of(body));
                }
                observe_read(storage.get_object_with(&at(key), &options).await).await
            }
            Op::Copy { from, to } => done(storage.copy_object(&at(from), &at(to)).await),
            Op::Delete { key } => done(storage.delete_object(&at(key)).await),
            Op::DeleteMany { keys } => {
                let paths: Vec<S3Path> = keys.iter().map(|key| at(key)).collect();
                match storage.delete_objects(&paths).await {
                    Ok(report) => {
                        let mut deleted: Vec<String> = report
                            .deleted
                            .iter()
                            .map(|p| relative(base, p).to_owned())
                            .collect();
                        let mut failed: Vec<String> = report
                            .failed
                            .iter()
                            .map(|f| relative(base, &f.path).to_owned())
                            .collect();
                        deleted.sort();
                        failed.sort();
                        Observation::Deleted(deleted, failed)
                    }
                    Err(error) => failed(error),
                }
            }
            Op::List { prefix, delimited } => {
                let delimiter = delimited.then_some("/");
                match storage.list_objects(&at(prefix), delimiter).await {
                    Ok(listing) => Observation::Listing(
                        listing
                            .objects
                            .iter()
                            .map(|o| relative(base, &o.path).to_owned())
                            .collect(),
                        listing
                            .common_prefixes
                            .iter()
                            .map(|p| relative(base, p).to_owned())
                            .collect(),
                    ),
                    Err(error) => failed(error),
                }
            }
            Op::Head { key } => match storage.head_object(&at(key)).await {
                Ok(meta) => Observation::Meta(
                    meta.size,
                    meta.etag,
                    meta.content_type,
                    meta.cache_control,
                    meta.content_disposition,
                ),
                Err(error) => failed(error),
            },
            Op::Exists { key } => match storage.object_exists(&at(key)).await {
                Ok(exists) => Observation::Exists(exists),
                Err(error) => failed(error),
            },
        };
        observations.push(observation);
    }
    if let Ok(listing) = storage.list_objects(base, None).await {
        let leftovers: Vec<S3Path> = listing.objects.into_iter().map(|o| o.path).collect();
        let _ = storage.delete_objects(&leftovers).await;
    }
    observations
}
