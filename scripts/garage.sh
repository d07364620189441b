#!/usr/bin/env bash
# Install, start and stop a throwaway single-node Garage (S3-compatible server)
# for stowage's integration tests.
#
# Usage:
#   scripts/garage.sh install            # build garage 2.5.0 into the cache (once; about 9 minutes on 2 cores)
#   scripts/garage.sh start STATE_DIR    # fresh server on 127.0.0.1, writes STATE_DIR/env
#   scripts/garage.sh stop  STATE_DIR    # stop the server started in STATE_DIR
#
# After `start`, `source STATE_DIR/env` exports:
#   STOWAGE_TEST_S3_ENDPOINT, STOWAGE_TEST_S3_REGION, STOWAGE_TEST_S3_ACCESS_KEY_ID,
#   STOWAGE_TEST_S3_SECRET_ACCESS_KEY, STOWAGE_TEST_S3_BUCKET, STOWAGE_TEST_S3_BUCKET2
#
# Environment:
#   STOWAGE_GARAGE_BIN   use this garage binary instead of the cached one
#   STOWAGE_CACHE_DIR    cache root (default: ~/.cache/stowage)
#   STOWAGE_GARAGE_LOG   RUST_LOG filter for the server (default: netapp=info,garage=info)
set -euo pipefail

GARAGE_VERSION="2.5.0"
CACHE_DIR="${STOWAGE_CACHE_DIR:-$HOME/.cache/stowage}"
INSTALL_ROOT="$CACHE_DIR/garage-$GARAGE_VERSION"
REGION="garage"
BUCKET="stowage-test"
BUCKET2="stowage-test-2"
START_TIMEOUT_SECS=30

die() { echo "garage.sh: $*" >&2; exit 1; }

# Print the header comment above as help; exit with $1 (default 2 = misuse).
usage() {
    local code="${1:-2}"
    if ((code == 0)); then
        sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
    else
        sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    fi
    exit "$code"
}

# The garage binary to use: $STOWAGE_GARAGE_BIN if set, else the cached build.
garage_bin() {
    if [[ -n "${STOWAGE_GARAGE_BIN:-}" ]]; then
        echo "$STOWAGE_GARAGE_BIN"
    else
        echo "$INSTALL_ROOT/bin/garage"
    fi
}

# True if $1 is an executable garage reporting version $GARAGE_VERSION.
# (`garage --version` prints e.g. "garage v2.5.0 [features: ...]".)
is_wanted_version() {
    [[ -x "$1" ]] && "$1" --version 2>/dev/null | grep -Eq "(^|[^0-9.])v?${GARAGE_VERSION//./\\.}([^0-9.]|$)"
}

# Random lowercase hex string of $1 bytes (2*$1 characters).
rand_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# A currently-free TCP port on 127.0.0.1 (the kernel picks it).
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# True if process $1 exists and is not a zombie (a zombie is already dead; it
# only lingers when nobody reaps it, e.g. a container without an init).
alive() {
    local state
    state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
    [[ -n "$state" && "$state" != Z* ]]
}

# True if process $1 is a garage process (guards against a recycled pid).
is_garage_pid() { [[ "$(ps -o comm= -p "$1" 2>/dev/null)" == garage* ]]; }

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cmd_install() {
    local bin
    for bin in ${STOWAGE_GARAGE_BIN:+"$STOWAGE_GARAGE_BIN"} "$INSTALL_ROOT/bin/garage"; do
        if is_wanted_version "$bin"; then
            echo "garage $GARAGE_VERSION already installed: $bin"
            return 0
        fi
    done
    if [[ -n "${STOWAGE_GARAGE_BIN:-}" ]]; then
        echo "note: \$STOWAGE_GARAGE_BIN=$STOWAGE_GARAGE_BIN is not garage $GARAGE_VERSION; installing into the cache instead" >&2
    fi
    command -v cargo >/dev/null || die "cargo not found; needed to build garage"
    echo "Building garage $GARAGE_VERSION into $INSTALL_ROOT (this takes several minutes)..."
    mkdir -p "$INSTALL_ROOT"
    # Only what the tests use: SQLite metadata (LMDB refuses keys over 511 bytes, which S3
    # allows) and no metrics, K2V or service discovery, which halves the build.
    cargo install "garage@$GARAGE_VERSION" --locked --root "$INSTALL_ROOT" \
        --no-default-features --features bundled-libs,sqlite
    is_wanted_version "$INSTALL_ROOT/bin/garage" || die "install finished but $INSTALL_ROOT/bin/garage is not version $GARAGE_VERSION"
    echo "installed: $INSTALL_ROOT/bin/garage"
}

# Resolve the binary for start: prefer $STOWAGE_GARAGE_BIN, fall back to the cache.
resolve_bin_for_start() {
    local bin
    bin="$(garage_bin)"
    if ! is_wanted_version "$bin" && [[ -n "${STOWAGE_GARAGE_BIN:-}" ]]; then
        bin="$INSTALL_ROOT/bin/garage"
    fi
    is_wanted_version "$bin" || die "garage $GARAGE_VERSION not found (tried ${STOWAGE_GARAGE_BIN:+\$STOWAGE_GARAGE_BIN, }$INSTALL_ROOT/bin/garage); run: $0 install"
    echo "$bin"
}

# Print the last lines of the server log, for diagnosing failures.
show_log_tail() {
    echo "---- last lines of $1 ----" >&2
    tail -n 40 "$1" >&2 || true
    echo "--------------------------" >&2
}

cmd_start() {
    local state_dir="${1:-}"
    [[ -n "$state_dir" ]] || usage
    local bin
    bin="$(resolve_bin_for_start)"

    mkdir -p "$state_dir"
    state_dir="$(cd "$state_dir" && pwd)"
    local pid_file="$state_dir/garage.pid" log="$state_dir/garage.log"
    local config="$state_dir/garage.toml" env_file="$state_dir/env"

    # Refuse to clobber a server that is still running from this state dir.
    if [[ -f "$pid_file" ]] && alive "$(cat "$pid_file")" && is_garage_pid "$(cat "$pid_file")"; then
        die "a garage server (pid $(cat "$pid_file")) is already running for $state_dir; run: $0 stop $state_dir"
    fi

    # Fresh metadata + data every time: tests always start from empty buckets.
    rm -rf "$state_dir/meta" "$state_dir/data" "$pid_file" "$log" "$config" "$env_file"
    mkdir -p "$state_dir/meta" "$state_dir/data"

    local s3_port rpc_port
    s3_port="$(free_port)"
    rpc_port="$(free_port)"
    while [[ "$rpc_port" == "$s3_port" ]]; do rpc_port="$(free_port)"; done

    # Credentials: key ids are "GK" + 12 bytes hex, secrets 32 bytes hex.
    local key_id secret rpc_secret
    key_id="GK$(rand_hex 12)"
    secret="$(rand_hex 32)"
    rpc_secret="$(rand_hex 32)"

    cat >"$config" <<TOML
# Generated by scripts/garage.sh -- throwaway single-node test server.
metadata_dir = "$state_dir/meta"
data_dir = "$state_dir/data"
db_engine = "sqlite"
replication_factor = 1

rpc_bind_addr = "127.0.0.1:$rpc_port"
rpc_public_addr = "127.0.0.1:$rpc_port"
rpc_secret = "$rpc_secret"

[s3_api]
s3_region = "$REGION"
api_bind_addr = "127.0.0.1:$s3_port"
root_domain = ".s3.garage.localhost"
TOML

    # The test run's own RUST_LOG is deliberately not passed through (it would
    # make garage log every request); use STOWAGE_GARAGE_LOG for that.
    # --single-node applies a one-node layout; --default-bucket creates the
    # key and bucket named by the GARAGE_DEFAULT_* variables.
    GARAGE_DEFAULT_ACCESS_KEY="$key_id" \
    GARAGE_DEFAULT_SECRET_KEY="$secret" \
    GARAGE_DEFAULT_BUCKET="$BUCKET" \
    RUST_LOG="${STOWAGE_GARAGE_LOG:-netapp=info,garage=info}" \
    NO_COLOR=1 \
        nohup "$bin" -c "$config" server --single-node --default-bucket \
        >"$log" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$pid_file"

    # Wait for the S3 port to accept connections.
    local deadline=$((SECONDS + START_TIMEOUT_SECS))
    until port_open "$s3_port"; do
        if ! alive "$pid"; then
            show_log_tail "$log"
            rm -f "$pid_file"
            die "garage exited during startup"
        fi
        if ((SECONDS >= deadline)); then
            show_log_tail "$log"
            cmd_stop "$state_dir" >/dev/null 2>&1 || true
            die "S3 port $s3_port not answering after ${START_TIMEOUT_SECS}s"
        fi
        sleep 0.2
    done

    # Second bucket, owned by the same key.  The CLI talks to the running node
    # over RPC using the same config file (rpc_secret + rpc_public_addr).
    # Retried because the node may still be settling its layout/key creation.
    local out
    until out="$("$bin" -c "$config" bucket create "$BUCKET2" 2>&1)"; do
        if ((SECONDS >= deadline)); then
            echo "$out" >&2; show_log_tail "$log"; cmd_stop "$state_dir" >/dev/null 2>&1 || true
            die "could not create bucket $BUCKET2"
        fi
        sleep 0.3
    done
    until out="$("$bin" -c "$config" bucket allow --read --write --owner "$BUCKET2" --key "$key_id" 2>&1)"; do
        if ((SECONDS >= deadline)); then
            echo "$out" >&2; show_log_tail "$log"; cmd_stop "$state_dir" >/dev/null 2>&1 || true
            die "could not grant key $key_id access to $BUCKET2"
        fi
        sleep 0.3
    done

    cat >"$env_file" <<ENV
export STOWAGE_TEST_S3_ENDPOINT=http://127.0.0.1:$s3_port
export STOWAGE_TEST_S3_REGION=$REGION
export STOWAGE_TEST_S3_ACCESS_KEY_ID=$key_id
export STOWAGE_TEST_S3_SECRET_ACCESS_KEY=$secret
export STOWAGE_TEST_S3_BUCKET=$BUCKET
export STOWAGE_TEST_S3_BUCKET2=$BUCKET2
ENV
    echo "garage $GARAGE_VERSION running (pid $pid) at http://127.0.0.1:$s3_port; source $env_file"
}

cmd_stop() {
    local state_dir="${1:-}"
    [[ -n "$state_dir" ]] || usage
    local pid_file="$state_dir/garage.pid"
    if [[ ! -f "$pid_file" ]]; then
        echo "no pid file in $state_dir; nothing to stop"
        return 0
    fi
    local pid
    pid="$(cat "$pid_file")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" && is_garage_pid "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        # Give it up to 10 s to shut down cleanly, then force it.
        local i
        for ((i = 0; i < 100; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then
            echo "garage (pid $pid) did not exit on SIGTERM; sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do
                alive "$pid" || break
                sleep 0.1
            done
        fi
        echo "stopped garage (pid $pid)"
    else
        echo "garage (pid $pid) already gone"
    fi
    rm -f "$pid_file"
}

main() {
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
        install) cmd_install "$@" ;;
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        -h | --help | help) usage 0 ;;
        *) usage ;;
    esac
}

main "$@"
