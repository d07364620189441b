//! Helpers every test binary of the workspace shares, so that each exists once.

mod bytes;
mod dead_endpoint;
mod etag;
mod proptest_config;
mod scripted_server;
mod unique;

pub use bytes::{pattern, read_all};
pub use dead_endpoint::dead_endpoint;
pub use etag::multipart_etag;
pub use proptest_config::proptest_config;
pub use scripted_server::{Received, ScriptedServer};
pub use unique::unique_name;
