//! stowage: one async [`ObjectStorage`] trait, interchangeable backends.
//!
//! This facade re-exports [`stowage_core`] and, behind features, the backends:
//! `memory` ([`memory::MemoryStorage`], on by default) and `mock`
//! ([`MockObjectStorage`], a mockall mock of the trait).

pub use stowage_core::*;

/// The in-process backend with S3 semantics, for tests and local runs.
#[cfg(feature = "memory")]
pub mod memory {
    pub use stowage_memory::*;
}

/// The S3 backend (AWS and S3-compatible servers such as MinIO, Garage, Ceph, R2).
#[cfg(feature = "s3")]
pub mod s3 {
    pub use stowage_s3::*;
}
