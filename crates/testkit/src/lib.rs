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
//! use stowage_testkit::{Backend, Capabilities, MemoryRedeemer};
//!
//! async fn my_backend() -> Backend {
//!     let storage = stowage_memory::MemoryStorage::builder().bucket("b1").bucket("b2").build();
//!     let redeemer = MemoryRedeemer::new(storage.clone());
//!     Backend::new(storage, redeemer, "b1", "b2", Capabilities::full())
//! }
//!
//! // One #[tokio::test] per area, in `mod my_backend_suite`.
//! stowage_testkit::conformance_tests!(my_backend_suite, my_backend());
//! # fn main() {}
//! ```
//!
//! [`run_all`] runs every area in one call instead. Every area works under a fresh, unique
//! key prefix, so areas run concurrently on shared buckets.
//!
//! With the feature `server`, [`TestServer`] names the S3-compatible server integration tests
//! run against: the one `STOWAGE_TEST_S3_*` points at, or a private Garage the test binary
//! starts from the cache and stops when it exits. With `browser`, [`browser::Driver`] drives
//! headless Chromium.

pub mod attributes;
pub mod backends;
pub mod batch_delete;
#[cfg(feature = "browser")]
pub mod browser;
mod capabilities;
#[cfg(feature = "server")]
pub mod cluster;
pub mod differential;
pub mod errors;
#[cfg(feature = "server")]
pub mod fault_proxy;
pub mod file_downloads;
mod fixture;
mod flaky;
#[cfg(feature = "server")]
pub mod garage;
pub mod keys;
pub mod list_pages;
pub mod listing;
pub mod logs;
#[cfg(feature = "server")]
pub mod moto;
pub mod objects;
pub mod operations;
pub mod presign;
pub mod reads;
mod redeem;
#[cfg(feature = "server")]
mod server;
pub mod spans;
mod suite;
pub mod support;
pub mod transfers;
#[cfg(feature = "server")]
pub mod watchdog;
pub mod writes;

pub use capabilities::Capabilities;

/// The prefix of every key the suite writes: a generated test checks that no log event of
/// its area contains it (keys reach logs only as `hash_s3_key`).
pub const SUITE_KEY_PREFIX: &str = "conformance/";
pub use fixture::{Backend, Fixture};
pub use flaky::{BROKEN_BODY, FlakyBodies};
#[cfg(feature = "http")]
pub use redeem::HttpRedeemer;
pub use redeem::{MemoryRedeemer, Redeemer};
#[cfg(feature = "server")]
pub use server::{ENV_VARS, TestServer};
pub use suite::run_all;
