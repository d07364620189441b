//! Ready-made [`Backend`]s of the workspace's own stores, for the conformance tests and the
//! differential test.

use stowage_memory::MemoryStorage;

use crate::areas::transfers::small_parts;
use crate::{Backend, Capabilities, MemoryRedeemer};

/// The bucket names every ready-made backend uses (Garage's test buckets too).
pub const BUCKETS: [&str; 2] = ["stowage-test", "stowage-test-2"];

/// A fresh memory store holding the two [`BUCKETS`], with
/// [`small_parts`] so that multipart paths run on objects of
/// a few MiB.
pub fn memory_storage() -> MemoryStorage {
    MemoryStorage::builder()
        .bucket(BUCKETS[0])
        .bucket(BUCKETS[1])
        .transfer_settings(small_parts())
        .build()
}

/// The S3 backend on the [`TestServer`](crate::TestServer), with
/// [`small_parts`], as the suite and the differential test
/// use it.
#[cfg(feature = "s3")]
pub async fn s3_storage() -> stowage_s3::S3Storage {
    crate::TestServer::get()
        .s3_builder()
        .transfer_settings(small_parts())
        .build()
        .await
        .expect("an S3 backend on the test server")
}

/// The memory backend, redeeming its own URLs and forms in-process.
pub async fn memory() -> Backend {
    let storage = memory_storage();
    let redeemer = MemoryRedeemer::new(storage.clone());
    Backend::new(
        storage,
        redeemer,
        BUCKETS[0],
        BUCKETS[1],
        Capabilities::full(),
    )
}

/// The S3 backend on the memory backend served as an S3 endpoint
/// ([`MemoryEndpoint`](crate::servers::memory_endpoint::MemoryEndpoint)), redeeming over
/// HTTP: every capability, conditional writes included.
#[cfg(all(feature = "s3", feature = "http"))]
pub async fn memory_endpoint() -> Backend {
    let storage = crate::servers::memory_endpoint::MemoryEndpoint::get()
        .s3_builder()
        .transfer_settings(small_parts())
        .build()
        .await
        .expect("an S3 backend on the memory endpoint");
    Backend::new(
        storage,
        crate::HttpRedeemer::new(),
        BUCKETS[0],
        BUCKETS[1],
        Capabilities::full(),
    )
}

/// The S3 backend on the [`TestServer`](crate::TestServer) (Garage), redeeming over HTTP.
#[cfg(all(feature = "s3", feature = "http"))]
pub async fn s3() -> Backend {
    garage(crate::TestServer::get()).await
}

/// The S3 backend on a Garage `server`, with [`small_parts`], redeeming over HTTP.
///
/// Garage ignores `If-None-Match` and `If-Match` on writes, so the backend is configured as
/// for any custom endpoint: conditional writes and copies are refused as unsupported.
///
/// # Panics
///
/// When the backend cannot be built from the server's settings.
#[cfg(all(feature = "s3", feature = "http"))]
pub async fn garage(server: &crate::TestServer) -> Backend {
    garage_backend(server, true).await
}

/// The S3 backend on the [`TestServer`](crate::TestServer) (Garage) with every request
/// through the SDK ([`S3StorageBuilder::lean_requests`] off), redeeming over HTTP.
///
/// [`S3StorageBuilder::lean_requests`]: stowage_s3::S3StorageBuilder::lean_requests
#[cfg(all(feature = "s3", feature = "http"))]
pub async fn s3_sdk_only() -> Backend {
    garage_backend(crate::TestServer::get(), false).await
}

/// The S3 backend on a Garage `server`, its lean path on or off.
#[cfg(all(feature = "s3", feature = "http"))]
async fn garage_backend(server: &crate::TestServer, lean_requests: bool) -> Backend {
    let capabilities = Capabilities {
        create_only_writes: false,
        compare_and_swap_writes: false,
        create_only_copies: false,
        compare_and_swap_copies: false,
        ..Capabilities::full()
    };
    let storage = server
        .s3_builder()
        .transfer_settings(small_parts())
        .lean_requests(lean_requests)
        .build()
        .await
        .expect("an S3 backend on the Garage server");
    Backend::new(
        storage,
        crate::HttpRedeemer::new(),
        &server.bucket,
        &server.bucket2,
        capabilities,
    )
}
