//! Helpers every test binary of the workspace shares, so that each exists once.

mod etag;
mod scripted_server;

pub use etag::multipart_etag;
pub use scripted_server::{Received, ScriptedServer};
