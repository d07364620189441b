//! The `stowage` binary against a real Garage server: every subcommand, every exit code,
//! POST policies identical to boto3's and enforced by the server, bounded-memory streaming.
//!
//! The server is the one `STOWAGE_TEST_S3_*` names (`scripts/test.sh` starts one), or a
//! private Garage this binary starts from the cache (`scripts/garage.sh install`).
//!
//! One module per area: `offline` (hash-key, help, presign vectors, serve), `invalid_input`
//! (exit code 2), `round_trips` (the subcommands against Garage), `options` (ranges,
//! conditions, attributes, conditional writes, listing options), `uploads` and `real_clients`
//! (boto3, the AWS CLI and rclone against `stowage serve`); the helpers they share are here.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use stowage_testkit::TestServer;
use stowage_testkit::support::{pattern, unique_name};

const EXAMPLE_ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const EXAMPLE_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SIGNING_TIME: &str = "2026-01-02T03:04:05Z";
const MIB: usize = 1024 * 1024;

/// The test server (`STOWAGE_TEST_S3_*`, or a private Garage this binary starts), with the
/// ways the CLI tests reach it.
#[derive(Debug, Clone, Copy)]
struct Garage(&'static TestServer);

impl std::ops::Deref for Garage {
    type Target = TestServer;

    fn deref(&self) -> &TestServer {
        self.0
    }
}

fn garage() -> Garage {
    Garage(TestServer::get())
}

impl Garage {
    /// `stowage --endpoint-url E --path-style` with Garage's credentials and region.
    fn cmd(&self) -> Command {
        let mut cmd = bare();
        cmd.env("AWS_ACCESS_KEY_ID", &self.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret_access_key)
            .env("AWS_REGION", &self.region)
            .args(["--endpoint-url", &self.endpoint, "--path-style"]);
        cmd
    }

    /// A fresh `s3://bucket/prefix/` for one test.
    fn prefix(&self, test: &str) -> String {
        format!("s3://{}/{}", self.bucket, unique(test))
    }
}

/// The binary with a clean environment: no host AWS config, profile or credentials.
fn bare() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stowage"));
    isolate(cmd.env_clear());
    cmd
}

fn isolate(cmd: &mut Command) {
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent/stowage-cli-test-home")
        .env("AWS_CONFIG_FILE", "/nonexistent/stowage-cli-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/stowage-cli-test/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TMPDIR", std::env::temp_dir());
}

fn unique(test: &str) -> String {
    format!("cli-tests/{}/", unique_name(test))
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

mod invalid_input;
mod offline;
mod options;
mod real_clients;
mod round_trips;
mod uploads;
