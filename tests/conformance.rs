//! The conformance suite (`stowage-testkit`) against every backend in the workspace.
//!
//! The memory backend always runs; with feature `s3`, the same suite runs against the
//! S3-compatible server that `scripts/test.sh` starts.

use stowage::memory::MemoryStorage;
use stowage_testkit::{Capabilities, Fixture, MemoryRedeemer};

/// One memory store with the two buckets the suite writes to.
fn memory() -> (MemoryStorage, MemoryRedeemer) {
    let storage = MemoryStorage::builder()
        .bucket("stowage-test")
        .bucket("stowage-test-2")
        .build();
    let redeemer = MemoryRedeemer::new(storage.clone());
    (storage, redeemer)
}

macro_rules! memory_suite {
    ($($area:ident :: $test:ident),* $(,)?) => {
        mod memory_backend {
            use super::*;
            $(
                #[tokio::test]
                async fn $test() {
                    let (storage, redeemer) = memory();
                    let fixture = Fixture::new(&storage, "stowage-test", "stowage-test-2", &redeemer, Capabilities::full());
                    stowage_testkit::$area::$test(&fixture).await;
                }
            )*
        }
    };
}

memory_suite!(
    keys::odd_keys_round_trip,
    objects::put_get_head,
    objects::streaming_get,
    objects::exists,
    objects::copy,
    objects::delete,
    batch_delete::every_path_reported,
    listing::delimiter_and_prefixes,
    listing::pagination,
    presign::presigned_get,
    presign::post_policy,
    errors::error_kinds,
);
