#!/usr/bin/env bash
# Runs the server benchmarks against a throwaway Garage on 127.0.0.1, next to boto3 and
# curl, and prints a markdown table.
#
#   scripts/bench_server.sh
#
# Measures: full listing of 10,000 keys, batch delete of 10,000 keys, a 256 MiB streaming
# download (stowage vs boto3's list_objects_v2 paginator, 1000-key delete_objects loop and
# download_fileobj); the download vs curl fetching a presigned URL of the same object; and
# the download's peak RSS above the process baseline, from /usr/bin/time -v.
# boto3 is installed with pip when missing. Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v /usr/bin/time >/dev/null || { echo "bench_server.sh: /usr/bin/time (GNU time) is needed" >&2; exit 1; }
python3 -c "import boto3" 2>/dev/null || python3 -m pip install --quiet boto3

out="$(mktemp -d)"
state="$out/garage"
cleanup() {
    scripts/garage.sh stop "$state" >/dev/null 2>&1 || true
    rm -rf "$out"
}
trap cleanup EXIT

scripts/garage.sh install >&2
scripts/garage.sh start "$state" >&2
# shellcheck disable=SC1091
source "$state/env"

echo "== stowage (cargo bench --features s3 --bench server_throughput)" >&2
BENCH_URL_FILE="$out/url" cargo bench --features s3 --bench server_throughput > "$out/stowage.out"
tail -n 1 "$out/stowage.out" > "$out/stowage.json"
big_key="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["big_key"])' "$out/stowage.json")"

echo "== boto3 (benches/reference_boto3_server.py)" >&2
python3 benches/reference_boto3_server.py "$big_key" > "$out/boto3.json"

echo "== curl (presigned URL, 3 runs)" >&2
: > "$out/curl.txt"
for _ in 1 2 3; do
    curl -sf -o /dev/null -w '%{speed_download}\n' "$(cat "$out/url")" >> "$out/curl.txt"
done

echo "== peak RSS (/usr/bin/time -v, download-only)" >&2
bin="$(cargo bench --features s3 --bench server_throughput --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "server_throughput" and msg.get("executable"):
        print(msg["executable"])')"
if [[ -z "$bin" ]]; then
    bin="$(ls -t target/release/deps/server_throughput-* 2>/dev/null | while read -r f; do [[ -x "$f" && ! "$f" == *.d ]] && echo "$f" && break; done)"
fi
[[ -x "$bin" ]] || { echo "bench_server.sh: bench binary not found" >&2; exit 1; }
/usr/bin/time -v -o "$out/time.txt" "$bin" download-only "$big_key" > "$out/rss.json"

python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
s = json.load(open(f"{out}/stowage.json"))
b = json.load(open(f"{out}/boto3.json"))
curl = [float(x) for x in open(f"{out}/curl.txt").read().split()]
rss = json.load(open(f"{out}/rss.json"))
max_rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f"{out}/time.txt").read()).group(1))

def mbps(bps):
    return bps / 1e6

print(f"Garage on 127.0.0.1, {s['keys']} keys, {s['big_bytes'] // 2**20} MiB object; best of 3 (median)\n")
print("| operation | stowage | boto3 | ratio (boto3 / stowage time) | target met? |")
print("|---|---|---|---|---|")
for op, label in (("list", f"list {s['keys']} keys"), ("delete", f"delete {s['keys']} keys")):
    ratio = b[op]["best"] / s[op]["best"]
    print(f"| {label} | {s[op]['best']:.3f} s ({s[op]['median']:.3f}) | {b[op]['best']:.3f} s ({b[op]['median']:.3f}) "
          f"| {ratio:.2f}x | {'yes' if ratio >= 1 else 'no'} (>= 1.00x) |")
ratio = b["download"]["best"] / s["download"]["best"]
print(f"| download {s['big_bytes'] // 2**20} MiB | {mbps(s['download_best_bytes_per_sec']):.0f} MB/s "
      f"({s['download']['best']:.3f} s) | {mbps(b['download_best_bytes_per_sec']):.0f} MB/s ({b['download']['best']:.3f} s) "
      f"| {ratio:.2f}x | {'yes' if ratio >= 1 else 'no'} (>= 1.00x) |")
pct = 100 * s["download_best_bytes_per_sec"] / max(curl)
print(f"| download vs curl (presigned URL) | {mbps(s['download_best_bytes_per_sec']):.0f} MB/s | curl {mbps(max(curl)):.0f} MB/s "
      f"| {pct:.0f}% of curl | {'yes' if pct >= 80 else 'no'} (>= 80%) |")
base = rss["baseline_rss_kib"]
above = (max_rss_kib - base) / 1024
print(f"| peak RSS above baseline (download-only) | {above:.1f} MiB (max {max_rss_kib / 1024:.1f} MiB, baseline {base / 1024:.1f} MiB) "
      f"| | | {'yes' if above < 32 else 'no'} (< 32 MiB) |")
PY
