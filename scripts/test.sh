#!/usr/bin/env bash
# Runs every test of the workspace against real servers.
#
# Installs Garage 2.5.0 into the cache when it is missing (several minutes, once) and moto
# (the S3 emulator that enforces conditional writes) when Python cannot import its server,
# boto3 and the AWS CLI v1 from PyPI and rclone from Debian (the real clients that
# crates/cli/tests/cli/real_clients.rs runs against `stowage serve`) when they are missing,
# Debian's chromium and chromium-driver (the browser tests) when they are missing, and
# Uppy's browser bundle from the npm registry (scripts/uppy.sh, once), then runs
# `cargo test --workspace --all-features`. Each test binary that needs an
# S3-compatible server starts a private Garage from the cache on 127.0.0.1 and stops it when
# the binary exits (stowage_testkit::TestServer); with STOWAGE_TEST_S3_* set, the tests use
# that server instead. Tests of conditional writes start a private moto the same way
# (stowage_testkit::moto::MotoServer). Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/garage.sh install
python3 -c 'import moto.server' 2>/dev/null || python3 -m pip install --quiet 'moto[server]>=5.2,<6'
# boto3 and the AWS CLI v1 pin botocore: installed together, pip picks versions that agree.
if ! python3 -c 'import boto3' 2>/dev/null || ! command -v aws >/dev/null; then
    python3 -m pip install --quiet boto3 'awscli>=1.36'
fi
if ! command -v rclone >/dev/null; then
    sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rclone
fi
# Chromium and chromedriver for the browser tests (crates/suite/tests/browser/), from Debian.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi
# Uppy's bundle for the upload app's page (crates/suite/tests/browser/uppy.rs).
scripts/uppy.sh >/dev/null
cargo test --workspace --all-features "$@"
