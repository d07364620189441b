//! The servers integration tests run against, each tied to its test binary by the watchdog:
//! [`TestServer`] (`STOWAGE_TEST_S3_*`, or a private Garage), three-node Garage clusters,
//! moto for conditional writes, and the memory backend as an S3 endpoint.

pub mod cluster;
pub mod garage;
#[cfg(feature = "http")]
pub mod memory_endpoint;
pub mod moto;
mod server;
pub mod watchdog;

pub use server::{ENV_VARS, TestServer};
