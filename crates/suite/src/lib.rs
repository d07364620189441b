//! stowage's heavy integration tests and its browser-upload example, in a package of their
//! own so that the `stowage` package builds only what applications use.
//!
//! - `tests/conformance.rs`: the conformance suite on the memory backend and on Garage, and
//!   the differential tests (memory against Garage, and against moto for conditional
//!   writes).
//! - `tests/browser/`: [`upload_app`]'s pages in headless Chromium, against Garage and
//!   against the memory backend over HTTP.
//! - `examples/upload_app.rs`: the app itself,
//!   `cargo run -p stowage-suite --example upload_app`.

pub mod upload_app;
