//! The 100k objects the memory benches read and write, in the memory backend and in
//! `object_store`'s `InMemory`: the same keys and bodies in both.

use std::sync::Arc;

use bytes::Bytes;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};
use stowage::memory::MemoryStorage;
use stowage::{ObjectStorage, PutOptions, S3Path};

/// Objects in each store.
pub(crate) const OBJECTS: usize = 100_000;
/// Every object's body.
pub(crate) const BODY: &[u8] = b"0123456789abcdef0123456789abcdef";
/// The bucket of the memory backend.
pub(crate) const BUCKET: &str = "bench";

/// The first segment of every key.
pub(crate) const PREFIX: &str = "dataset";

/// The key of object `i`: 64 shards, as a dataset's files spread under prefixes.
pub(crate) fn key(i: usize) -> String {
    format!("{PREFIX}/shard-{:02}/object-{i:06}", i % 64)
}

/// A runtime with the machine's two cores as workers.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The memory backend holding every object, and their paths.
pub(crate) async fn stowage() -> (MemoryStorage, Vec<S3Path>) {
    let storage = MemoryStorage::builder().bucket(BUCKET).build();
    let paths: Vec<S3Path> = (0..OBJECTS)
        .map(|i| S3Path::new(BUCKET, key(i)).unwrap())
        .collect();
    for path in &paths {
        storage
            .put_object(path, Bytes::from_static(BODY).into(), PutOptions::new())
            .await
            .unwrap();
    }
    (storage, paths)
}

/// `InMemory` holding every object, and their paths.
pub(crate) async fn in_memory() -> (Arc<InMemory>, Vec<Path>) {
    let store = Arc::new(InMemory::new());
    let paths: Vec<Path> = (0..OBJECTS).map(|i| Path::from(key(i))).collect();
    for path in &paths {
        store
            .put(path, PutPayload::from_static(BODY))
            .await
            .unwrap();
    }
    (store, paths)
}
