#!/usr/bin/env bash
# Runs every performance comparison in one go and prints one markdown table of ratios.
#
#   scripts/bench.sh            # everything (about 5 minutes on 2 cores once built)
#   scripts/bench.sh cpu        # signing + memory backend only (criterion, boto3, object_store)
#   scripts/bench.sh server     # Garage on 127.0.0.1 only (stowage, boto3, curl)
#   scripts/bench.sh transfer   # 1 GiB uploads and downloads on Garage (stowage, boto3, rclone, curl)
#   scripts/bench.sh small      # 1 KiB PUT/GET/HEAD on Garage: stowage (lean and SDK path), aws-sdk-s3, object_store, boto3
#   scripts/bench.sh endpoint   # 1 KiB PUT/GET/HEAD on `stowage serve`, Garage and moto; serve's start time
#   scripts/bench.sh browser    # a 1 GiB upload through Uppy in Chromium to Garage, by the example app
#   scripts/bench.sh big        # not part of `all`: a 6 GiB upload, copy and download on Garage
#
# CPU: criterion benches (crates/bench/benches/signing.rs, crates/bench/benches/memory_backend.rs) next to boto3
# (crates/bench/benches/reference_boto3.py) and object_store's InMemory, in the same run;
# then what ObjectStoreBridge adds to the memory backend, direct, bridged and InMemory
# blocks back to back in BRIDGE_ROUNDS rounds (crates/bench/benches/bridge_paired.rs).
# Server: a throwaway Garage (scripts/garage.sh) on 127.0.0.1; list and batch delete of
# 10,000 keys by stowage (crates/bench/benches/server_throughput.rs) and boto3
# (crates/bench/benches/reference_boto3_server.py); the memory a listing holds, streamed and collected
# (crates/bench/benches/listing_memory.rs, also on the memory backend); then DOWNLOAD_RUNS rounds of the same 256 MiB object
# downloaded by stowage, boto3's download_fileobj and curl on a presigned URL, interleaved
# so that each sees the same server state; stowage's peak RSS from /usr/bin/time -v.
# Transfer: TRANSFER_RUNS interleaved rounds (crates/bench/benches/transfer_rounds.py; a multiple of 4, so
# that each of the 4 clients is as often the first after the uploads) of a 1 GiB file
# uploaded and downloaded by the `stowage` binary, boto3's upload_file / download_file,
# rclone copyto and curl on presigned URLs, each a fresh process, peak RSS of each, the CPU
# time of each client and of Garage over each transfer.
# Small: SMALL_ROUNDS interleaved rounds (3 by default) of PUT, GET and HEAD of 1 KiB at
# concurrency 1 and 32 on Garage by stowage's S3 backend (its lean path, and with every
# request through the SDK), the raw aws-sdk-s3 client and
# object_store's AmazonS3 (crates/bench/benches/small_objects.rs) and boto3
# (crates/bench/benches/small_objects_boto3.py): ops/s and client CPU per 1000 requests,
# medians of the rounds. The Rust clients' cells at concurrency 1 are SMALL_SERIAL_REQUESTS
# long (3000 by default: a cell of 1000 lasts about a second, within this kind of host's
# noise); boto3's stay at 1000.
# Endpoint: `stowage serve --bucket stowage-bench` (the release binary), Garage and moto
# (`python3 -m moto.server`, threaded, on a free port) side by side: ENDPOINT_ROUNDS
# interleaved rounds (3 by default; the server order rotates) of the small mode's PUT, GET
# and HEAD of 1 KiB at concurrency 1 and 32 by stowage's S3 backend and boto3 (the same two
# programs, pointed at each server by their SMALL_* variables): ops/s, medians of the
# rounds, the client's CPU per request against stowage serve, and stowage serve's ratio to
# moto and to Garage on each row; a missed ratio says when the client's own CPU alone caps
# every server below the goal (its ceiling). Before them,
# `stowage serve` started SERVE_STARTS times (20 by default), each timed from the spawn to
# its endpoint line (crates/bench/benches/serve_startup.py): median and max.
# Browser: the upload_app example (release build, its own process) on a private Garage,
# one BROWSER_MIB file (1024 by default) uploaded through real Uppy in headless Chromium
# (crates/bench/benches/browser_upload.rs): the wall time, and the app's peak RSS and CPU
# time over the upload.
# Big: one 6 GiB file uploaded, copied server-side and downloaded by `stowage`, each timed,
# the download checked against the source's SHA-256 (needs about 25 GiB of free disk).
#
# boto3 is installed with pip when missing. Criterion's raw results stay in target/criterion.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-all}"
case "$mode" in
all | cpu | server | transfer | small | endpoint | browser | big) ;;
*)
    echo "usage: $0 [all|cpu|server|transfer|small|endpoint|browser|big]" >&2
    exit 2
    ;;
esac
DOWNLOAD_RUNS="${DOWNLOAD_RUNS:-5}"
TRANSFER_RUNS="${TRANSFER_RUNS:-4}"
TRANSFER_MIB="${TRANSFER_MIB:-1024}"
BIG_MIB="${BIG_MIB:-6144}"
ENDPOINT_ROUNDS="${ENDPOINT_ROUNDS:-3}"
SERVE_STARTS="${SERVE_STARTS:-20}"

python3 -c "import boto3" 2>/dev/null || python3 -m pip install --quiet boto3
out="$(mktemp -d)"
state="$out/garage"
# The `stowage serve` and moto of the endpoint mode, when started.
serve_pid=
moto_pid=
cleanup() {
    [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null || true
    [[ -n "$moto_pid" ]] && kill "$moto_pid" 2>/dev/null || true
    [[ -d "$state" ]] && scripts/garage.sh stop "$state" >/dev/null 2>&1 || true
    rm -rf "$out"
}
trap cleanup EXIT

# The executable cargo built for a bench target (its path has a hash in it).
bench_executable() {
    cargo bench -p stowage-bench --bench "$1" --no-run --message-format=json 2>/dev/null |
        python3 -c 'import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == sys.argv[1] and msg.get("executable"):
        print(msg["executable"])' "$1"
}

run_cpu() {
    echo "== boto3 per-request costs (crates/bench/benches/reference_boto3.py)" >&2
    python3 crates/bench/benches/reference_boto3.py >"$out/boto3_cpu.json"
    echo "== criterion: signing, memory backend" >&2
    cargo bench -p stowage-bench --bench signing -- --noplot >&2
    cargo bench -p stowage-bench --bench memory_backend -- --noplot >&2
    echo "== ObjectStoreBridge over the memory backend, in pairs (crates/bench/benches/bridge_paired.rs)" >&2
    "$(bench_executable bridge_paired)" | tee "$out/bridge_paired.jsonl" >&2
    echo "== listing memory: memory backend (crates/bench/benches/listing_memory.rs)" >&2
    local listing
    listing="$(bench_executable listing_memory)"
    : >"$out/listing_memory.jsonl"
    for run in "1000 stream" "100000 stream" "100000 collect"; do
        # shellcheck disable=SC2086
        "$listing" memory $run | tee -a "$out/listing_memory.jsonl" >&2
    done
}

# GNU time, curl and rclone from Debian when missing; a Garage on 127.0.0.1 whose settings
# are exported, started once per run.
start_garage() {
    [[ -n "${STOWAGE_TEST_S3_ENDPOINT:-}" && -d "$state" ]] && return
    local missing=()
    [[ -x /usr/bin/time ]] || missing+=(time)
    command -v curl >/dev/null || missing+=(curl)
    command -v rclone >/dev/null || missing+=(rclone)
    if ((${#missing[@]})); then
        local sudo=
        [[ "$(id -u)" -eq 0 ]] || sudo=sudo
        $sudo apt-get update -qq >&2
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    fi
    scripts/garage.sh install >&2
    scripts/garage.sh start "$state" >&2
    # shellcheck disable=SC1091
    source "$state/env"
}

# The release build of the `stowage` binary, as `cargo install` would make it.
stowage_binary() {
    cargo build --release -p stowage-cli >&2
    echo "$PWD/target/release/stowage"
}

run_transfer() {
    start_garage
    local stowage
    stowage="$(stowage_binary)"
    echo "== ${TRANSFER_MIB} MiB transfers, $TRANSFER_RUNS interleaved rounds: stowage, boto3, rclone, curl" >&2
    STOWAGE_BENCH_SERVER_PID="$(cat "$state/garage.pid")" \
        python3 crates/bench/benches/transfer_rounds.py "$stowage" "$out" "$TRANSFER_RUNS" "$TRANSFER_MIB" |
        tee "$out/transfers.jsonl" >&2
}

run_small() {
    start_garage
    echo "== 1 KiB PUT/GET/HEAD, ${SMALL_ROUNDS:-3} interleaved rounds: stowage (lean, SDK path), aws-sdk-s3, object_store, boto3" >&2
    cargo bench -p stowage-bench --bench small_objects --no-run >&2
    local bench
    bench="$(bench_executable small_objects)"
    : >"$out/small.jsonl"
    for round in $(seq "${SMALL_ROUNDS:-3}"); do
        SMALL_SERIAL_REQUESTS="${SMALL_SERIAL_REQUESTS:-3000}" "$bench" "$round" | tee -a "$out/small.jsonl" >&2
        python3 crates/bench/benches/small_objects_boto3.py "$round" | tee -a "$out/small.jsonl" >&2
    done
}

# `stowage serve --bucket stowage-bench` ($1, the release binary) on a free port; sets
# serve_pid and serve_env (the file of its four export lines).
start_serve() {
    serve_env="$out/serve.env"
    "$1" serve --bucket stowage-bench >"$serve_env" 2>"$out/serve.log" &
    serve_pid=$!
    for _ in $(seq 100); do
        (($(cat "$serve_env" 2>/dev/null | grep -c '^export ' || true) >= 4)) && return
        kill -0 "$serve_pid" 2>/dev/null || {
            echo "bench.sh: stowage serve exited: $(cat "$out/serve.log")" >&2
            exit 1
        }
        sleep 0.1
    done
    echo "bench.sh: stowage serve printed no endpoint within 10 s" >&2
    exit 1
}

# moto's threaded server on a free port of 127.0.0.1 with the bucket stowage-bench (moto
# checks no signature; its region is us-east-1); sets moto_pid and moto_endpoint.
start_moto() {
    python3 -c "import moto.server" 2>/dev/null || python3 -m pip install --quiet 'moto[server]>=5.2,<6'
    local port
    port="$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')"
    python3 -m moto.server -H 127.0.0.1 -p "$port" >"$out/moto.log" 2>&1 &
    moto_pid=$!
    moto_endpoint="http://127.0.0.1:$port"
    for _ in $(seq 300); do
        curl -sf -o /dev/null -X PUT "$moto_endpoint/stowage-bench" && return
        kill -0 "$moto_pid" 2>/dev/null || {
            echo "bench.sh: moto exited: $(cat "$out/moto.log")" >&2
            exit 1
        }
        sleep 0.2
    done
    echo "bench.sh: moto did not answer within 60 s" >&2
    exit 1
}

# One round of the small-object cells on one server: `endpoint_round ROUND NAME ENDPOINT
# REGION ACCESS_KEY_ID SECRET_ACCESS_KEY BUCKET`, by stowage and boto3.
endpoint_round() {
    local round="$1"
    export SMALL_SERVER="$2" SMALL_ENDPOINT="$3" SMALL_REGION="$4" SMALL_ACCESS_KEY_ID="$5" \
        SMALL_SECRET_ACCESS_KEY="$6" SMALL_BUCKET="$7" SMALL_CLIENTS=stowage,boto3
    "$small_bench" "$round" | tee -a "$out/endpoint.jsonl" >&2
    python3 crates/bench/benches/small_objects_boto3.py "$round" | tee -a "$out/endpoint.jsonl" >&2
    unset SMALL_SERVER SMALL_ENDPOINT SMALL_REGION SMALL_ACCESS_KEY_ID SMALL_SECRET_ACCESS_KEY \
        SMALL_BUCKET SMALL_CLIENTS
}

run_endpoint() {
    start_garage
    local stowage
    stowage="$(stowage_binary)"
    cargo bench -p stowage-bench --bench small_objects --no-run >&2
    small_bench="$(bench_executable small_objects)"

    echo "== stowage serve: $SERVE_STARTS starts, spawn to endpoint line (crates/bench/benches/serve_startup.py)" >&2
    python3 crates/bench/benches/serve_startup.py "$stowage" "$SERVE_STARTS" | tee "$out/serve_startup.json" >&2

    start_serve "$stowage"
    start_moto
    local serve_vars
    # shellcheck disable=SC1090
    serve_vars="$(source "$serve_env" && echo "$AWS_ENDPOINT_URL $AWS_REGION $AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY")"
    # shellcheck disable=SC2086
    set -- $serve_vars
    local targets=(
        "stowage-serve $1 $2 $3 $4 stowage-bench"
        "garage $STOWAGE_TEST_S3_ENDPOINT $STOWAGE_TEST_S3_REGION $STOWAGE_TEST_S3_ACCESS_KEY_ID $STOWAGE_TEST_S3_SECRET_ACCESS_KEY $STOWAGE_TEST_S3_BUCKET"
        "moto $moto_endpoint us-east-1 testing testing stowage-bench"
    )
    echo "== 1 KiB PUT/GET/HEAD on stowage serve, Garage and moto, $ENDPOINT_ROUNDS interleaved rounds: stowage, boto3" >&2
    : >"$out/endpoint.jsonl"
    for round in $(seq "$ENDPOINT_ROUNDS"); do
        for i in 0 1 2; do
            # shellcheck disable=SC2086
            endpoint_round "$round" ${targets[$(((i + round) % 3))]}
        done
    done
}

run_browser() {
    echo "== ${BROWSER_MIB:-1024} MiB through Uppy in Chromium to Garage (crates/bench/benches/browser_upload.rs)" >&2
    cargo build --release -p stowage-suite --example upload_app >&2
    scripts/uppy.sh >/dev/null
    local bench
    cargo bench -p stowage-bench --bench browser_upload --no-run >&2
    bench="$(bench_executable browser_upload)"
    UPLOAD_APP_BIN="$PWD/target/release/examples/upload_app" "$bench" | tail -n 1 | tee "$out/browser.jsonl" >&2
}

run_big() {
    start_garage
    local stowage source copy nonce
    stowage="$(stowage_binary)"
    source="$out/big.bin"
    nonce="$(date +%s%N)"
    echo "== ${BIG_MIB} MiB upload, copy and download with stowage" >&2
    head -c "$((BIG_MIB * 1024 * 1024))" /dev/urandom >"$source"
    local expected
    expected="$(sha256sum "$source" | cut -d' ' -f1)"
    local s3="s3://$STOWAGE_TEST_S3_BUCKET/bench-big/$nonce"
    local cli=("$stowage" --endpoint-url "$STOWAGE_TEST_S3_ENDPOINT" --region "$STOWAGE_TEST_S3_REGION" --path-style)
    export AWS_ACCESS_KEY_ID="$STOWAGE_TEST_S3_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$STOWAGE_TEST_S3_SECRET_ACCESS_KEY"
    : >"$out/big.jsonl"
    for step in "put $s3/object.bin $source" "cp $s3/object.bin $s3/copy.bin" "get $s3/copy.bin $out/back.bin"; do
        # shellcheck disable=SC2086
        set -- $step
        /usr/bin/time -v -o "$out/time.txt" "${cli[@]}" "$@" >/dev/null
        python3 - "$1" "$out/time.txt" "$((BIG_MIB * 1024 * 1024))" <<'PY' | tee -a "$out/big.jsonl" >&2
import json, re, sys
report = open(sys.argv[2]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", report)
secs = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report).group(1))
print(json.dumps({"op": sys.argv[1], "secs": secs, "bytes": int(sys.argv[3]), "max_rss_kib": rss}))
PY
    done
    # One CopyObject or part copies: a multipart ETag ends in -N.
    "${cli[@]}" head "$s3/copy.bin" | python3 -c 'import json, sys
etag = json.load(sys.stdin)["etag"]
parts = int(etag.strip("\"").rsplit("-", 1)[1]) if "-" in etag else 1
print(json.dumps({"op": "copy requests", "parts": parts}))' | tee -a "$out/big.jsonl" >&2
    copy="$(sha256sum "$out/back.bin" | cut -d' ' -f1)"
    [[ "$copy" == "$expected" ]] || {
        echo "bench.sh: the 6 GiB object came back different" >&2
        exit 1
    }
    echo '{"op": "verified", "sha256_equal": true}' >>"$out/big.jsonl"
    "${cli[@]}" rm "$s3/object.bin" "$s3/copy.bin" >/dev/null
    rm -f "$source" "$out/back.bin"
}

run_server() {
    start_garage

    echo "== stowage list + delete (crates/bench/benches/server_throughput.rs)" >&2
    cargo bench -p stowage-bench --bench server_throughput --no-run >&2
    local bin
    bin="$(bench_executable server_throughput)"
    [[ -x "$bin" ]] || {
        echo "bench.sh: server_throughput executable not found" >&2
        exit 1
    }
    BENCH_URL_FILE="$out/url" "$bin" all | tail -n 1 >"$out/stowage_server.json"
    local big_key
    big_key="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["big_key"])' "$out/stowage_server.json")"

    echo "== boto3 list + delete (crates/bench/benches/reference_boto3_server.py)" >&2
    python3 crates/bench/benches/reference_boto3_server.py all >"$out/boto3_server.json"

    echo "== listing memory: Garage (crates/bench/benches/listing_memory.rs)" >&2
    local listing nonce
    listing="$(bench_executable listing_memory)"
    nonce="$(date +%s%N)"
    "$listing" garage-seed "bench-listing/$nonce/small/" 1000 >&2
    "$listing" garage-seed "bench-listing/$nonce/large/" 20000 >&2
    for run in "small/ stream" "large/ stream" "large/ collect"; do
        set -- $run
        "$listing" garage "bench-listing/$nonce/$1" "$2" | tee -a "$out/listing_garage.jsonl" >&2
    done

    echo "== 256 MiB download, $DOWNLOAD_RUNS interleaved rounds: stowage, boto3, curl" >&2
    : >"$out/downloads.jsonl"
    for round in $(seq "$DOWNLOAD_RUNS"); do
        /usr/bin/time -v -o "$out/time.txt" "$bin" download "$big_key" >"$out/one.json"
        python3 - "$out" <<'PY' >>"$out/downloads.jsonl"
import json, re, sys
out = sys.argv[1]
run = json.load(open(f"{out}/one.json"))
peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f"{out}/time.txt").read()).group(1))
print(json.dumps({"client": "stowage", "secs": run["secs"], "bytes": run["bytes"],
                  "baseline_rss_kib": run["baseline_rss_kib"], "max_rss_kib": peak}))
PY
        python3 crates/bench/benches/reference_boto3_server.py download "$big_key" >>"$out/downloads.jsonl"
        curl -sf -o /dev/null -w '{"client": "curl", "secs": %{time_total}, "bytes": %{size_download}}\n' \
            "$(cat "$out/url")" >>"$out/downloads.jsonl"
        echo "   round $round:" >&2
        tail -n 3 "$out/downloads.jsonl" >&2
    done
}

case "$mode" in
all) run_cpu && run_server && run_transfer && run_small && run_endpoint && run_browser ;;
cpu) run_cpu ;;
server) run_server ;;
transfer) run_transfer ;;
small) run_small ;;
endpoint) run_endpoint ;;
browser) run_browser ;;
big) run_big ;;
esac
python3 scripts/bench_table.py "$out" target/criterion
