#!/usr/bin/env bash
# Runs every test of the workspace against a real S3-compatible server.
#
# Installs Garage 2.5.0 into the cache when it is missing (several minutes, once), starts a
# fresh single-node Garage on 127.0.0.1, runs `cargo test --workspace --all-features` with
# the server's address and credentials in the environment, and stops the server, whatever
# the outcome. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/garage.sh install
state_dir="$(mktemp -d -t stowage-garage.XXXXXX)"
cleanup() {
    scripts/garage.sh stop "$state_dir" || true
    rm -rf "$state_dir"
}
trap cleanup EXIT
scripts/garage.sh start "$state_dir"
# shellcheck disable=SC1091
source "$state_dir/env"

cargo test --workspace --all-features "$@"
