//! The conformance suite (`stowage-testkit`) against every backend in the workspace.
//!
//! The suite runs on the memory backend, on the S3-compatible test server
//! (`STOWAGE_TEST_S3_*`, or a private Garage this binary starts) twice (GetObject,
//! HeadObject, PutObject and DeleteObject on the lean path, then every request through the
//! SDK) and on the memory backend
//! served as an S3 endpoint (every signature checked, conditional writes enforced), followed
//! by the differential test of the memory backend against that server. Conditional
//! writes, which Garage ignores, are proven on moto (`stowage_testkit::servers::moto`): the suite's
//! write areas, and a differential test of conditional operations memory vs moto.

stowage_testkit::conformance_tests!(memory_backend, stowage_testkit::backends::memory());

stowage_testkit::conformance_tests!(s3_backend, stowage_testkit::backends::s3());

stowage_testkit::conformance_tests!(
    s3_backend_through_the_sdk_alone,
    stowage_testkit::backends::s3_sdk_only()
);

stowage_testkit::conformance_tests!(
    s3_backend_on_memory_endpoint,
    stowage_testkit::backends::memory_endpoint()
);

/// Random operation sequences must give identical observations on the memory backend and
/// on the server.
mod differential {
    use std::sync::Arc;

    use proptest::prelude::*;
    use stowage::S3Path;
    use stowage_testkit::TestServer;
    use stowage_testkit::backends::{BUCKETS, memory_storage, s3_storage};

    /// Sequences per run: at least 200, more with `PROPTEST_CASES`.
    pub(super) fn cases() -> u32 {
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
        let server = TestServer::get();
        // No event may name a sequence's key, a signature, a policy or the secret.
        stowage_testkit::logs::forbid(["differential/", server.secret_access_key.as_str()]);
        let server_storage = Arc::new(runtime.block_on(s3_storage()));
        let config = ProptestConfig {
            cases: cases(),
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        proptest!(config, |(ops in stowage_testkit::differential::operations(12))| {
            let memory = Arc::new(memory_storage());
            let sequence = format!("differential/{:x}/", rand_suffix());
            let on_memory = runtime.block_on(stowage_testkit::differential::run(&memory, &S3Path::new(BUCKETS[0], &sequence).unwrap(), &ops));
            let on_server = runtime.block_on(stowage_testkit::differential::run(&server_storage, &S3Path::new(&server.bucket, &sequence).unwrap(), &ops));
            prop_assert_eq!(on_memory, on_server, "operations: {:?}", ops);
        });
    }

    /// The same random sequences, conditional writes included, in process and over HTTP
    /// through the S3 backend on the memory endpoint: the endpoint loses nothing the store
    /// says, and adds nothing.
    #[test]
    fn memory_and_its_s3_endpoint_agree_on_random_sequences() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let endpoint = stowage_testkit::servers::memory_endpoint::MemoryEndpoint::get();
        stowage_testkit::logs::forbid([
            "endpoint-differential/",
            stowage_testkit::servers::memory_endpoint::CREDENTIALS.1,
        ]);
        let over_http = Arc::new(
            runtime
                .block_on(
                    endpoint
                        .s3_builder()
                        .transfer_settings(stowage_testkit::areas::transfers::small_parts())
                        .build(),
                )
                .expect("S3 backend on the memory endpoint"),
        );
        let config = ProptestConfig {
            cases: cases(),
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        println!(
            "memory vs its S3 endpoint: {} cases of each kind",
            config.cases
        );
        proptest!(config, |(
            ops in stowage_testkit::differential::operations(12),
            conditional in stowage_testkit::differential::conditional_operations(10),
        )| {
            let memory = Arc::new(memory_storage());
            let sequence = format!("endpoint-differential/{:x}/", rand_suffix());
            for ops in [&ops, &conditional] {
                let in_process = runtime.block_on(stowage_testkit::differential::run(&memory, &S3Path::new(BUCKETS[0], &sequence).unwrap(), ops));
                let over_endpoint = runtime.block_on(stowage_testkit::differential::run(&over_http, &S3Path::new(BUCKETS[0], &sequence).unwrap(), ops));
                prop_assert_eq!(in_process, over_endpoint, "operations: {:?}", ops);
            }
        });
    }

    /// A per-sequence suffix so shrinking runs never see each other's objects.
    pub(super) fn rand_suffix() -> u128 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        nanos ^ u128::from(COUNTER.fetch_add(1, Ordering::Relaxed)) << 100
    }
}

/// Create-only and compare-and-swap writes on moto, which enforces them (Garage does not).
mod moto {
    use std::sync::Arc;

    use proptest::prelude::*;
    use stowage::S3Path;
    use stowage_testkit::areas::transfers::small_parts;
    use stowage_testkit::backends::{BUCKETS, memory_storage};
    use stowage_testkit::servers::moto::MotoServer;
    use stowage_testkit::{Backend, Capabilities, HttpRedeemer};

    /// The S3 backend on moto, told that the store honours conditional writes.
    async fn moto_backend() -> Backend {
        let server = MotoServer::get();
        forbid_in_logs();
        let storage = server
            .s3_builder()
            .build()
            .await
            .expect("S3 backend on moto");
        Backend::new(
            storage,
            HttpRedeemer::new(),
            &server.bucket,
            &server.bucket,
            Capabilities::full(),
        )
    }

    /// From now on no event of the binary may name a conditional sequence's key, a
    /// signature or a policy.
    fn forbid_in_logs() {
        stowage_testkit::logs::forbid(["conditional/"]);
    }

    #[tokio::test]
    async fn conditional_puts() {
        let backend = moto_backend().await;
        stowage_testkit::areas::writes::conditional_puts(&backend.fixture()).await;
    }

    #[tokio::test]
    async fn concurrent_creates() {
        let backend = moto_backend().await;
        stowage_testkit::areas::writes::concurrent_creates(&backend.fixture()).await;
    }

    #[test]
    fn memory_and_moto_agree_on_conditional_writes() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = MotoServer::get();
        forbid_in_logs();
        let moto = Arc::new(
            runtime
                .block_on(server.s3_builder().transfer_settings(small_parts()).build())
                .expect("S3 backend on moto"),
        );
        let config = ProptestConfig {
            cases: super::differential::cases(),
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        proptest!(config, |(ops in stowage_testkit::differential::conditional_operations(10))| {
            let memory = Arc::new(memory_storage());
            let sequence = format!("conditional/{:x}/", super::differential::rand_suffix());
            let on_memory = runtime.block_on(stowage_testkit::differential::run(&memory, &S3Path::new(BUCKETS[0], &sequence).unwrap(), &ops));
            let on_moto = runtime.block_on(stowage_testkit::differential::run(&moto, &S3Path::new(&server.bucket, &sequence).unwrap(), &ops));
            prop_assert_eq!(on_memory, on_moto, "operations: {:?}", ops);
        });
    }
}
