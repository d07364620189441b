//! The behaviour suite every stowage backend runs.
//!
//! Each public function checks one area of S3 semantics through `&dyn ObjectStorage` and
//! panics with a readable message when the backend answers differently from S3. The same
//! expectations run against the memory backend and a real S3-compatible server, so a
//! backend that passes can stand in for S3.
//!
//! Run it against your own backend in a few lines:
//!
//! ```no_run
//! use stowage_testkit::{Capabilities, Fixture, MemoryRedeemer};
//!
//! # async fn example() {
//! let storage = stowage_memory::MemoryStorage::builder().bucket("b1").bucket("b2").build();
//! let redeemer = MemoryRedeemer::new(storage.clone());
//! let fixture = Fixture::new(&storage, "b1", "b2", &redeemer, Capabilities::full());
//! stowage_testkit::run_all(&fixture).await;
//! # }
//! ```
//!
//! Each area can also run on its own (`stowage_testkit::listing::pagination(&fixture)`), so a
//! test binary can give each its own `#[tokio::test]`. Every function works under a fresh,
//! unique key prefix, so areas can run concurrently on shared buckets.

pub mod batch_delete;
pub mod differential;
pub mod errors;
pub mod keys;
pub mod listing;
pub mod objects;
pub mod presign;
mod redeem;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use stowage_core::{ObjectStorage, S3Path};

#[cfg(feature = "http")]
pub use redeem::HttpRedeemer;
pub use redeem::{MemoryRedeemer, Redeemer};

/// What a backend claims to support; the suite checks the claim either way.
///
/// An operation marked unsupported must fail with `Error::Unsupported`: the suite asserts
/// that instead of skipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// `presigned_get_url` produces URLs an HTTP GET can redeem.
    pub presigned_get: bool,
    /// `presigned_post` produces forms the store enforces.
    pub post_policy: bool,
    /// Keys of up to 1024 bytes, whatever their segments (filesystems cap a name at 255).
    pub long_keys: bool,
    /// Every key S3 accepts, including keys that are not filesystem-like paths: empty
    /// segments (`a//b`, `folder/`), `.`/`..` segments, a key that is also a folder of
    /// other keys (`p` and `p/x`), store-reserved names. Without it, such a key may be
    /// refused with `Error::InvalidArgument` or `Error::Unsupported`, never stored under
    /// another name; the suite checks that every key it accepts round-trips verbatim.
    pub s3_key_syntax: bool,
    /// Content-Type and user metadata are stored with an object. Without it, a put that
    /// carries them must fail with `Error::Unsupported` rather than drop them.
    pub object_metadata: bool,
    /// ETags are the quoted MD5 of the body (single-part puts) and a copy keeps its source's.
    /// Without it, ETags must still be present, quoted, and agree between put and head.
    pub md5_etags: bool,
}

impl Capabilities {
    /// Everything S3 supports.
    pub fn full() -> Self {
        Self {
            presigned_get: true,
            post_policy: true,
            long_keys: true,
            s3_key_syntax: true,
            object_metadata: true,
            md5_etags: true,
        }
    }
}

/// The backend under test and where it may write.
#[derive(Debug)]
pub struct Fixture<'a> {
    /// The backend.
    pub storage: &'a dyn ObjectStorage,
    /// A bucket the suite may write to.
    pub bucket: String,
    /// A second bucket, for cross-bucket copies and batch deletes.
    pub bucket2: String,
    /// Redeems presigned URLs and posts upload forms.
    pub redeemer: &'a dyn Redeemer,
    /// What the backend claims to support.
    pub capabilities: Capabilities,
}

impl<'a> Fixture<'a> {
    /// A fixture over two existing buckets.
    pub fn new(
        storage: &'a dyn ObjectStorage,
        bucket: &str,
        bucket2: &str,
        redeemer: &'a dyn Redeemer,
        capabilities: Capabilities,
    ) -> Self {
        Self {
            storage,
            bucket: bucket.to_owned(),
            bucket2: bucket2.to_owned(),
            redeemer,
            capabilities,
        }
    }

    /// A fresh prefix in the first bucket, unique within this process and across runs.
    pub fn fresh_prefix(&self, area: &str) -> S3Path {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        S3Path::new(&self.bucket, format!("conformance/{area}-{nanos:x}-{n}/"))
            .expect("a short ASCII prefix is a valid key")
    }

    /// The same key under the second bucket.
    pub fn in_bucket2(&self, path: &S3Path) -> S3Path {
        S3Path::new(&self.bucket2, path.key()).expect("same key, valid bucket")
    }
}

/// Runs every area of the suite, one after the other.
pub async fn run_all(fixture: &Fixture<'_>) {
    keys::odd_keys_round_trip(fixture).await;
    objects::put_get_head(fixture).await;
    objects::streaming_get(fixture).await;
    objects::exists(fixture).await;
    objects::copy(fixture).await;
    objects::delete(fixture).await;
    batch_delete::every_path_reported(fixture).await;
    listing::delimiter_and_prefixes(fixture).await;
    listing::pagination(fixture).await;
    presign::presigned_get(fixture).await;
    presign::post_policy(fixture).await;
    errors::error_kinds(fixture).await;
}
