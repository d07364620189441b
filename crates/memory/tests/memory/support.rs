//! Helpers shared by the areas: paths, stores, puts, listing views.

use std::sync::Arc;
use std::time::SystemTime;

use stowage_core::{ListResult, ManualClock, ObjectStorage, PutOptions, S3Path};
use stowage_memory::MemoryStorage;

/// The path `s`, which must be valid.
pub(crate) fn path(s: &str) -> S3Path {
    S3Path::parse(s).expect("test paths are valid")
}

/// From the first store on, no event of this binary may carry a signature or a policy.
fn forbid_signing_material_in_logs() {
    stowage_testkit::logs::forbid::<&str>([]);
}

/// A store with the buckets `bucket` and `other`.
pub(crate) fn storage() -> MemoryStorage {
    forbid_signing_material_in_logs();
    MemoryStorage::builder()
        .bucket("bucket")
        .bucket("other")
        .build()
}

/// A store with the bucket `bucket` on a manual clock starting at `start`.
pub(crate) fn clocked(start: SystemTime) -> (MemoryStorage, Arc<ManualClock>) {
    forbid_signing_material_in_logs();
    let clock = Arc::new(ManualClock::new(start));
    let storage = MemoryStorage::builder()
        .bucket("bucket")
        .clock(clock.clone())
        .build();
    (storage, clock)
}

/// Stores `body` at `p`.
pub(crate) async fn put(storage: &MemoryStorage, p: &str, body: &'static str) {
    storage
        .put_object(&path(p), body.into(), PutOptions::new())
        .await
        .expect("put");
}

/// The keys of a listing's objects.
pub(crate) fn keys(listing: &ListResult) -> Vec<&str> {
    listing.objects.iter().map(|o| o.path.key()).collect()
}

/// The keys of a listing's common prefixes.
pub(crate) fn prefixes(listing: &ListResult) -> Vec<&str> {
    listing.common_prefixes.iter().map(|p| p.key()).collect()
}

/// The moment the clocked stores start at: 2026-01-02T03:04:05Z.
pub(crate) fn start() -> SystemTime {
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_767_323_045)
}

/// The whole body stored at `p`.
pub(crate) async fn body(storage: &MemoryStorage, p: &S3Path) -> bytes::Bytes {
    let got = storage.get_object(p).await.expect("get");
    got.body.bytes().await.expect("body")
}

/// The ETag stored at `p`.
pub(crate) async fn etag(storage: &MemoryStorage, p: &S3Path) -> String {
    let head = storage.head_object(p).await.expect("head");
    head.etag.expect("the memory backend always has an ETag")
}
