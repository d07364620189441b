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
//! The crate's modules, by job:
//! - [`areas`]: the suite's areas of S3 semantics, one module each, and [`run_all`] and
//!   [`conformance_tests!`] over them;
//! - [`differential`]: the same random operation sequences on two stores, compared;
//! - [`checked_operations`]: every operation as one checked step, for the tests that run
//!   them under faults (the fault proxy's matrix, a cluster losing nodes);
//! - `servers` (feature `server`): the test server, private Garage nodes and clusters, moto,
//!   and the watchdog that stops them; `fault_proxy`: faults between a client and a server;
//! - [`logs`], [`support`], `browser` (feature `browser`): what test binaries share.
//!
//! With the feature `server`, [`TestServer`] names the S3-compatible server integration tests
//! run against: the one `STOWAGE_TEST_S3_*` points at, or a private Garage the test binary
//! starts from the cache and stops when it exits. With `browser`, [`browser::Driver`] drives
//! headless Chromium.

pub mod areas;
pub mod backends;
#[cfg(feature = "browser")]
pub mod browser;
mod capabilities;
pub mod checked_operations;
pub mod differential;
#[cfg(feature = "server")]
pub mod fault_proxy;
mod fixture;
mod flaky;
pub mod logs;
mod redeem;
#[cfg(feature = "server")]
pub mod servers;
mod suite;
pub mod support;

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
pub use servers::{ENV_VARS, TestServer};
pub use suite::run_all;
