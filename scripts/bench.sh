#!/usr/bin/env bash
# Runs the CPU benchmarks next to the reference (boto3) and prints a table of ratios.
#
#   scripts/bench.sh            # signing benches vs boto3, memory backend vs object_store
#
# boto3 is installed with pip when missing. Criterion's raw results stay in target/criterion.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -c "import boto3" 2>/dev/null || python3 -m pip install --quiet boto3
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

python3 benches/reference_boto3.py > "$out/boto3.json"
cargo bench --features s3 --bench signing -- --noplot > "$out/signing.log"
cargo bench --bench memory_backend -- --noplot > "$out/memory.log"
python3 scripts/bench_table.py "$out/boto3.json" target/criterion
