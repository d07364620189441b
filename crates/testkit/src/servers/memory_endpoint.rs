//! The memory backend as an S3 endpoint ([`HttpServer`]) for the whole test process: a
//! third S3 server beside Garage and moto, one that checks every signature and enforces
//! conditional writes, started in milliseconds on 127.0.0.1.

use std::sync::OnceLock;

use stowage_core::SigningCredentials;
use stowage_memory::{HttpServer, MemoryStorage};

use crate::backends::BUCKETS;

/// The key pair the endpoint checks signatures against.
pub const CREDENTIALS: (&str, &str) = ("stowage-endpoint-key", "stowage-endpoint-secret");

/// The endpoint every test of the process shares, serving the two [`BUCKETS`].
#[derive(Debug)]
pub struct MemoryEndpoint {
    /// `http://127.0.0.1:port`.
    pub endpoint: String,
    /// The store behind the endpoint, to check what a client did without going through it.
    pub storage: MemoryStorage,
}

impl MemoryEndpoint {
    /// The process's endpoint, started on first use on a runtime of its own, so that it
    /// outlives every test's runtime.
    ///
    /// # Panics
    ///
    /// When no port of 127.0.0.1 can be bound.
    pub fn get() -> &'static MemoryEndpoint {
        static ENDPOINT: OnceLock<MemoryEndpoint> = OnceLock::new();
        ENDPOINT.get_or_init(Self::start)
    }

    /// An S3 backend builder for the endpoint: path-style, its credentials, conditional
    /// writes on (the endpoint enforces them).
    #[cfg(feature = "s3")]
    pub fn s3_builder(&self) -> stowage_s3::S3StorageBuilder {
        stowage_s3::S3Storage::builder()
            .endpoint_url(&self.endpoint)
            .force_path_style(true)
            .region("us-east-1")
            .credentials(CREDENTIALS.0, CREDENTIALS.1)
            .conditional_writes(true)
    }

    fn start() -> MemoryEndpoint {
        let storage = MemoryStorage::builder()
            .bucket(BUCKETS[0])
            .bucket(BUCKETS[1])
            .credentials(SigningCredentials::new(CREDENTIALS.0, CREDENTIALS.1))
            .build();
        let (started, endpoint) = std::sync::mpsc::channel();
        let served = storage.clone();
        std::thread::Builder::new()
            .name("memory-endpoint".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("a runtime for the memory endpoint");
                runtime.block_on(async move {
                    let server = HttpServer::start(&served)
                        .await
                        .expect("the memory endpoint binds a port of 127.0.0.1");
                    let _ = started.send(server.endpoint().to_owned());
                    std::future::pending::<()>().await;
                });
            })
            .expect("a thread for the memory endpoint");
        let endpoint = endpoint
            .recv()
            .expect("the memory endpoint reports its address");
        MemoryEndpoint { endpoint, storage }
    }
}
