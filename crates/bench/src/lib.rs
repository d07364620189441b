//! stowage's benchmarks, in a package of their own so that the `stowage` package builds only
//! what applications use. `scripts/bench.sh` runs them next to what a user would pick
//! instead (boto3, object_store, rclone, curl) and prints one table of ratios:
//!
//! - `benches/signing.rs`: POST policies, presigned GET URLs, key hashes, path parsing
//!   (`benches/reference_boto3.py` times boto3 on the same work);
//! - `benches/memory_backend.rs`: the memory backend on 100k objects, next to
//!   `object_store`'s `InMemory`;
//! - `benches/bridge_paired.rs`: what `ObjectStoreBridge` adds to the memory backend's calls,
//!   in rounds that run it, the backend direct and `InMemory` back to back;
//! - `benches/listing_memory.rs`: the memory a listing holds, streamed and collected;
//! - `benches/server_throughput.rs`: listing, batch deletes and downloads on Garage
//!   (`benches/reference_boto3_server.py` and `benches/transfer_rounds.py` for boto3,
//!   rclone and curl).
