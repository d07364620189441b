//! stowage and [`object_store`], both ways.
//!
//! - [`ObjectStoreAdapter`]: a stowage backend over any [`object_store::ObjectStore`]: the
//!   local filesystem, an in-memory store, GCS, Azure and every other store the
//!   `object_store` crate offers (below).
//! - [`ObjectStoreBridge`]: any stowage backend (S3, the memory fake that enforces S3's
//!   rules, your own) as an [`object_store::ObjectStore`], for the crates that take
//!   `Arc<dyn ObjectStore>`: DataFusion, parquet, delta-rs, Lance. It serves object_store
//!   0.14 (the version this crate re-exports as [`object_store`]) and passes
//!   object_store's own integration suite; see its docs for how each call maps.
//!
//! A DataFusion user registers the bridge as any other store, under the URL its tables
//! name: `ctx.register_object_store(&Url::parse("s3://lake")?, Arc::new(bridge))` (the
//! DataFusion releases built on object_store 0.14).
//!
//! # The adapter
//!
//! [`ObjectStoreAdapter`] maps S3 bucket names to stores and implements
//! [`stowage::ObjectStorage`](stowage_core::ObjectStorage) with S3 semantics where the store
//! allows:
//!
//! - a bucket that was not configured is [`Error::NoSuchBucket`](stowage_core::Error);
//! - downloads stream the store's chunks (split at 64 KiB, never copied or buffered);
//!   uploads above the [transfer settings'](ObjectStoreAdapterBuilder::transfer_settings)
//!   multipart threshold (16 MiB by default), and uploads of unknown length that turn out
//!   larger, stream as an `object_store` multipart upload with parts in flight
//!   concurrently; one whose body fails, or whose future is dropped, is aborted;
//! - reads take a byte range (`GetRange`) and the four HTTP conditions, with S3's answers:
//!   a range past the end, or any range of an empty object, is
//!   [`Error::RangeNotSatisfiable`](stowage_core::Error) with the object's size, a holding
//!   `If-None-Match` or `If-Modified-Since` is
//!   [`GetOutcome::NotModified`](stowage_core::GetOutcome), and modification times compare
//!   to the second;
//! - puts carry Content-Type, `Cache-Control`, `Content-Disposition`, `Content-Encoding`,
//!   `Content-Language` and user metadata as `object_store` attributes, and a mode:
//!   overwrite, create-only (`PutMode::Create`) or compare-and-swap (`PutMode::Update`);
//! - listings, whole or a page at a time, are in UTF-8 byte order, with S3's *string*
//!   prefixes (see below), any delimiter, start-after, and tokens that resume a listing
//!   after the last entry of a page;
//! - deleting a missing key succeeds; a batch delete goes through
//!   `ObjectStore::delete_stream` and reports every path exactly once;
//! - a copy within a bucket is the store's own copy (create-only: `copy_if_not_exists`);
//!   across buckets it streams the source into the target, with its attributes;
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
//! fails with a typed error, before anything is written.
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
//! 4. **`LocalFileSystem` keeps no attributes or user metadata.** A put that carries a
//!    Content-Type, another HTTP attribute or user metadata is `Error::Unsupported`
//!    (operation `put_object with Content-Type, HTTP attributes or user metadata`) instead
//!    of dropping them; a put without them works. `InMemory` and the cloud stores keep them
//!    all (metadata names lowercased, as S3 does).
//! 5. **ETags are the store's, not MD5.** `LocalFileSystem` derives them from inode,
//!    modification time and size, `InMemory` from a counter; they are quoted like S3's and
//!    change when the object changes, but a client cannot check a body against them.
//!    A copy within a `LocalFileSystem` bucket is a hard link and keeps the ETag.
//! 6. **Long keys on a filesystem.** A path segment is one file name, which most
//!    filesystems cap at 255 bytes; a longer segment fails (`ObjectStoreError`, HTTP 500).
//! 7. **No POST policies, and presigned GET only with a signer.** `LocalFileSystem` and
//!    `InMemory` have no signer, so both presign operations are `Error::Unsupported`.
//! 8. **Conditional writes as far as the store goes.** Create-only puts and copies work on
//!    both stores (a hard link on `LocalFileSystem`); compare-and-swap puts
//!    (`PutMode::IfMatch`) work on `InMemory` and are `Error::Unsupported` on
//!    `LocalFileSystem`. `object_store`'s multipart uploads have no mode, so a conditional
//!    put (or cross-bucket copy) above the multipart threshold is `Error::Unsupported`,
//!    refused before anything is written (for a payload of unknown length, once it has
//!    turned out larger than the threshold). A cloud store answers as it is configured
//!    (`AmazonS3` needs a copy-if-not-exists setting for create-only copies) and enforces
//!    a mode only as far as its server does.
//! 9. **Copies cannot change what they copy.** `object_store`'s copy keeps the source's
//!    attributes and has no `If-Match`: a copy that replaces attributes, a compare-and-swap
//!    copy, and per-request encryption or storage class (of puts too; `object_store` sets
//!    them per store) are `Error::Unsupported`.
//! 10. **A listing reads every key under its prefix's directory.** The store lists by
//!     whole path segments and in no promised order, so the adapter lists the directory
//!     that holds the prefix's last segment, recursively (also with a `/` delimiter), and
//!     keeps keys that start with the prefix; a prefix without `/` reads the whole bucket.
//!     `list_objects` does that once; each page of `list_page` does it from its starting
//!     point on (pushed down with `list_with_offset`), holding one page in memory, so
//!     paging through N keys reads about N²/(2 × page size) keys. Results are the same
//!     as S3's; empty directories left on a filesystem are never common prefixes.
//! 11. **A failed batch delete is retried key by key.** `delete_stream` does not say which
//!     path an error belongs to, so each path not confirmed deleted is deleted again on
//!     its own (deleting is idempotent) to report its own outcome.
//! 12. **No pending uploads to list, no copies in parts.** `object_store` cannot list the
//!     multipart uploads a store holds, nor the parts of one, so `list_multipart_uploads`,
//!     `list_parts` and `presigned_upload_part` are `Error::Unsupported` (the adapter aborts
//!     its own failed and dropped uploads). The calls of an upload a caller drives part by
//!     part (`create_multipart_upload`, `upload_part`, `complete_multipart_upload`,
//!     `abort_multipart_upload`) work on a bucket given an `object_store::MultipartStore`
//!     ([`ObjectStoreAdapterBuilder::multipart_store`]), with parts numbered 1 to N in
//!     order, and are `Error::Unsupported` on others. `object_store` has no part copy
//!     (UploadPartCopy), so a copy is the store's own copy at any size, or across buckets a
//!     put of the source's bytes.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod adapter;
mod bridge;
mod caller_uploads;
mod convert;
mod copy;
mod delete;
mod errors;
mod keys;
mod listing;
mod multipart;
mod read;
mod storage;
mod write;

pub use adapter::{ObjectStoreAdapter, ObjectStoreAdapterBuilder};
pub use bridge::ObjectStoreBridge;
pub use object_store;
