//! Integration tests of `stowage-core`, one module per area: paths, the key hash,
//! constants, POST policies and their signer, TTL rules, errors and redaction, payloads,
//! the upload engine's memory bound, and the trait through its mock.

mod constants;
mod errors;
mod hash;
#[cfg(feature = "mock")]
mod mock;
mod path;
mod payload;
mod policy;
mod redaction;
mod signer;
mod sigv4;
mod support;
mod ttl;
mod upload;
mod vectors;
