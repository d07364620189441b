//! A stowage backend over any [`object_store::ObjectStore`]: the local filesystem, an
//! in-memory store, GCS, Azure and every other store the `object_store` crate offers.
//!
//! [`ObjectStoreAdapter`] maps S3 bucket names to stores and implements
//! [`stowage_core::ObjectStorage`] with S3 semantics where the store allows:
//!
//! - a bucket that was not configured is [`Error::NoSuchBucket`](stowage_core::Error);
//! - downloads stream the store's chunks (split at 64 KiB, never copied or buffered);
//!   uploads above 8 MiB stream as a multipart upload;
//! - listings are complete, in UTF-8 byte order, with S3's *string* prefixes (see
//!   below) and any delimiter;
//! - deleting a missing key succeeds; a batch delete goes through
//!   `ObjectStore::delete_stream` and reports every path exactly once;
//! - a copy within a bucket is the store's own copy; across buckets it streams the
//!   source into the target, with its Content-Type and metadata;
//! - presigned GET URLs come from an `object_store::signer::Signer` given with
//!   [`ObjectStoreAdapterBuilder::bucket_with_signer`] (feature `signer`, on by default);
//!   without one, and always for POST policies, the answer is
//!   [`Error::Unsupported`](stowage_core::Error).
//!
//! Errors map onto the core kinds in one place; no log line or error message contains a
//! raw key (keys appear as their hash).
//!
//! # Differences from S3
//!
//! Found by running the `stowage-testkit` conformance suite against `LocalFileSystem` and
//! `InMemory`. None of them is silent: where a store cannot do what S3 does, the call
//! fails with a typed error.
//!
//! 1. **Keys that are not paths.** A key maps to the `object_store` path with the same
//!    text, so other tools see the names S3 clients wrote. Keys with an empty segment
//!    (`a//b`, a leading `/`, a trailing `/` such as a `folder/` marker), a `.` or `..`
//!    segment, or an ASCII control character are not paths: writing one is
//!    `Error::InvalidArgument`; since no such object can exist, reading one is
//!    `Error::NotFound`, deleting it succeeds and listings never contain it. Such keys are
//!    not encoded into other names: `object_store` drops empty segments, so `a//b` and
//!    `a/b` would collide, and encoded names would differ from what other clients of a
//!    cloud bucket see.
//! 2. **A key cannot be both an object and a folder on `LocalFileSystem`.** With `p/x`
//!    stored, writing `p` fails with `Error::InvalidArgument` (and the other way round); on
//!    a filesystem `p` is a directory or a file, not both. Reading `p` is `NotFound`.
//! 3. **`LocalFileSystem` reserves file names ending in `#` and digits** (`part#1`) for
//!    uploads in progress: writing such a key is `Error::InvalidArgument`.
//! 4. **`LocalFileSystem` keeps no Content-Type or user metadata.** A put that carries
//!    either is `Error::Unsupported` (operation `put_object with Content-Type or user
//!    metadata`) instead of dropping them; a put without them works. `InMemory` and the
//!    cloud stores keep both (names lowercased, as S3 does).
//! 5. **ETags are the store's, not MD5.** `LocalFileSystem` derives them from inode,
//!    modification time and size, `InMemory` from a counter; they are quoted like S3's and
//!    change when the object changes, but a client cannot check a body against them.
//!    A copy within a `LocalFileSystem` bucket is a hard link and keeps the ETag.
//! 6. **Long keys on a filesystem.** A path segment is one file name, which most
//!    filesystems cap at 255 bytes; a longer segment fails (`ObjectStoreError`, HTTP 500).
//! 7. **No POST policies, and presigned GET only with a signer.** `LocalFileSystem` and
//!    `InMemory` have no signer, so both presign operations are `Error::Unsupported`.
//! 8. **Listing by a prefix reads its whole directory.** The store lists by whole path
//!    segments, so the adapter lists the directory that holds the prefix's last segment
//!    and keeps keys that start with the prefix; a prefix without `/` reads the whole
//!    bucket. Results are the same as S3's; the cost is higher in a large directory.
//! 9. **A failed batch delete is retried key by key.** `delete_stream` does not say which
//!    path an error belongs to, so each path not confirmed deleted is deleted again on
//!    its own (deleting is idempotent) to report its own outcome.

mod adapter;
mod convert;
mod delete;
mod errors;
mod keys;
mod listing;
mod storage;

pub use adapter::{ObjectStoreAdapter, ObjectStoreAdapterBuilder};
pub use object_store;
