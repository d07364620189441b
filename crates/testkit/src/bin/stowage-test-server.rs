//! Starts the S3-compatible test server and prints its settings as `export` lines.
//!
//! Without `STOWAGE_TEST_S3_*` set this is a private Garage from the cache, which runs until
//! standard input reaches end-of-file (Ctrl-D, or the parent closing the pipe) or this
//! process ends, and is then stopped and its data deleted:
//!
//! ```text
//! cargo run -p stowage-testkit --features server --bin stowage-test-server > /tmp/garage.env
//! ```

use std::io::{Read, Write};

use stowage_testkit::TestServer;

fn main() {
    let server = TestServer::get();
    let mut stdout = std::io::stdout().lock();
    // A closed stdout (the reader went away) changes nothing: the server runs until stdin ends.
    let _ = stdout.write_all(server.to_env_lines().as_bytes());
    let _ = stdout.flush();
    drop(stdout);
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}
