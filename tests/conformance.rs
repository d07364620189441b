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

/// The same suite against the S3-compatible server `scripts/test.sh` starts, and the
/// differential test: random operation sequences must give identical observations on the
/// memory backend and on the server.
#[cfg(feature = "s3")]
mod s3_backend {
    use std::sync::OnceLock;

    use proptest::prelude::*;
    use stowage::S3Path;
    use stowage::s3::S3Storage;
    use stowage_testkit::differential;
    use stowage_testkit::{Capabilities, Fixture, HttpRedeemer};

    use super::memory;

    const HOW_TO_START: &str =
        "start Garage with scripts/test.sh (or scripts/garage.sh start DIR and source DIR/env)";

    /// Connection settings of the test server, from the environment.
    struct Server {
        endpoint: String,
        region: String,
        access_key_id: String,
        secret_access_key: String,
        bucket: String,
        bucket2: String,
    }

    fn var(name: &str) -> String {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: {HOW_TO_START}"))
    }

    fn server() -> &'static Server {
        static SERVER: OnceLock<Server> = OnceLock::new();
        SERVER.get_or_init(|| Server {
            endpoint: var("STOWAGE_TEST_S3_ENDPOINT"),
            region: var("STOWAGE_TEST_S3_REGION"),
            access_key_id: var("STOWAGE_TEST_S3_ACCESS_KEY_ID"),
            secret_access_key: var("STOWAGE_TEST_S3_SECRET_ACCESS_KEY"),
            bucket: var("STOWAGE_TEST_S3_BUCKET"),
            bucket2: var("STOWAGE_TEST_S3_BUCKET2"),
        })
    }

    async fn storage() -> S3Storage {
        let server = server();
        S3Storage::builder()
            .region(&server.region)
            .endpoint_url(&server.endpoint)
            .force_path_style(true)
            .credentials(&server.access_key_id, &server.secret_access_key)
            .build()
            .await
            .expect("the S3 backend builds from the test server's settings")
    }

    macro_rules! s3_suite {
        ($($area:ident :: $test:ident),* $(,)?) => {
            $(
                #[tokio::test]
                async fn $test() {
                    let storage = storage().await;
                    let redeemer = HttpRedeemer::new();
                    let server = server();
                    let fixture = Fixture::new(&storage, &server.bucket, &server.bucket2, &redeemer, Capabilities::full());
                    stowage_testkit::$area::$test(&fixture).await;
                }
            )*
        };
    }

    s3_suite!(
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

    /// Sequences per run: at least 200, more with `PROPTEST_CASES`.
    fn cases() -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(200)
            .max(200)
    }

    #[test]
    fn memory_and_server_agree_on_random_sequences() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server_storage = runtime.block_on(storage());
        let bucket = server().bucket.clone();
        let config = ProptestConfig {
            cases: cases(),
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        proptest!(config, |(ops in differential::operations(12))| {
            let (memory_storage, _) = memory();
            let sequence = format!("differential/{:x}/", rand_suffix());
            let on_memory = runtime.block_on(differential::run(&memory_storage, &S3Path::new("stowage-test", &sequence).unwrap(), &ops));
            let on_server = runtime.block_on(differential::run(&server_storage, &S3Path::new(&bucket, &sequence).unwrap(), &ops));
            prop_assert_eq!(on_memory, on_server, "operations: {:?}", ops);
        });
    }

    /// A per-sequence suffix so shrinking runs never see each other's objects.
    fn rand_suffix() -> u128 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        nanos ^ u128::from(COUNTER.fetch_add(1, Ordering::Relaxed)) << 100
    }
}
