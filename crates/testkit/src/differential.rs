//! Differential testing: the same random operation sequence on two backends must be
//! observably identical.
//!
//! [`operations`] is a proptest strategy over put / copy / delete / batch delete / list
//! (with and without delimiter) / head / exists, on keys drawn from a tiny alphabet that
//! includes `/` (so delimiters, empty segments and shared prefixes come up constantly).
//! [`run`] plays a sequence on a backend under a prefix and records what a caller can
//! observe; two backends agree when their [`Observation`] lists are equal.

use std::fmt;

use bytes::Bytes;
use proptest::prelude::*;
use stowage_core::{Error, ObjectStorage, PutOptions, S3Path};

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
    /// Head: size, ETag, Content-Type.
    Meta(u64, Option<String>, Option<String>),
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

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (key(), proptest::sample::select(vec!["", "x", "hello"]), proptest::option::of(Just("text/plain")))
            .prop_map(|(key, body, content_type)| Op::Put { key, body, content_type }),
        1 => (key(), key()).prop_map(|(from, to)| Op::Copy { from, to }),
        1 => key().prop_map(|key| Op::Delete { key }),
        1 => proptest::collection::vec(key(), 0..4).prop_map(|keys| Op::DeleteMany { keys }),
        2 => (prefix(), any::<bool>()).prop_map(|(prefix, delimited)| Op::List { prefix, delimited }),
        1 => key().prop_map(|key| Op::Head { key }),
        1 => key().prop_map(|key| Op::Exists { key }),
    ]
}

/// Sequences of 1 to `max_len` operations.
pub fn operations(max_len: usize) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(), 1..=max_len)
}

fn failed(error: Error) -> Observation {
    Observation::Failed(error.kind_name())
}

fn relative<'a>(base: &S3Path, path: &'a S3Path) -> &'a str {
    &path.key()[base.key().len()..]
}

/// Plays `ops` on `storage` under `base` (a prefix no other test writes to) and returns
/// one observation per operation. Objects left behind are deleted at the end.
pub async fn run(storage: &dyn ObjectStorage, base: &S3Path, ops: &[Op]) -> Vec<Observation> {
    let at = |key: &str| base.join(key).expect("short keys stay valid");
    let mut observations = Vec::with_capacity(ops.len());
    for op in ops {
        let observation = match op {
            Op::Put {
                key,
                body,
                content_type,
            } => {
                let mut options = PutOptions::new();
                options.content_type = content_type.map(str::to_owned);
                match storage
                    .put_object(
                        &at(key),
                        Bytes::from_static(body.as_bytes()).into(),
                        options,
                    )
                    .await
                {
                    Ok(_) => Observation::Done,
                    Err(error) => failed(error),
                }
            }
            Op::Copy { from, to } => match storage.copy_object(&at(from), &at(to)).await {
                Ok(()) => Observation::Done,
                Err(error) => failed(error),
            },
            Op::Delete { key } => match storage.delete_object(&at(key)).await {
                Ok(()) => Observation::Done,
                Err(error) => failed(error),
            },
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
                Ok(meta) => Observation::Meta(meta.size, meta.etag, meta.content_type),
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
