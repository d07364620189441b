#!/usr/bin/env bash
# Runs every test of the workspace against real servers.
#
# Installs Garage 2.5.0 into the cache when it is missing (several minutes, once), then runs
# `cargo test --workspace --all-features`. Each test binary that needs an S3-compatible
# server starts a private Garage from the cache on 127.0.0.1 and stops it when the binary
# exits (stowage_testkit::TestServer); with STOWAGE_TEST_S3_* set, the tests use that server
# instead. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/garage.sh install
cargo test --workspace --all-features "$@"
