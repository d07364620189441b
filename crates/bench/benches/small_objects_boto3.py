"""boto3's side of scripts/bench.sh small: PUT, GET and HEAD of 1 KiB at concurrency 1 and
32 against the Garage STOWAGE_TEST_S3_* names, the same request counts as
crates/bench/benches/small_objects.rs; one JSON line per cell, CPU as process time.

    python3 crates/bench/benches/small_objects_boto3.py ROUND

The same variables as small_objects.rs choose another server and the clients: SMALL_ENDPOINT,
SMALL_REGION, SMALL_ACCESS_KEY_ID, SMALL_SECRET_ACCESS_KEY and SMALL_BUCKET name it instead
of STOWAGE_TEST_S3_* (all five), SMALL_SERVER is its name in the JSON lines (garage by
default), and a SMALL_CLIENTS list without boto3 makes this script measure nothing.
"""
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

SIZE = 1024
KEYS = 64
SETTINGS = ("ENDPOINT", "REGION", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "BUCKET")


def target():
    """The server's name and its settings: the SMALL_* target when SMALL_ENDPOINT is set,
    else the Garage of STOWAGE_TEST_S3_*."""
    name = os.environ.get("SMALL_SERVER", "garage")
    prefix = "SMALL_" if os.environ.get("SMALL_ENDPOINT") else "STOWAGE_TEST_S3_"
    missing = [prefix + s for s in SETTINGS if not os.environ.get(prefix + s)]
    if missing:
        sys.exit(f"small_objects_boto3.py: {', '.join(missing)} not set")
    return name, {s: os.environ[prefix + s] for s in SETTINGS}


def main():
    clients = os.environ.get("SMALL_CLIENTS")
    if clients is not None and "boto3" not in [c.strip() for c in clients.split(",")]:
        return
    round_number = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server, settings = target()
    bucket = settings["BUCKET"]
    client = boto3.client(
        "s3",
        endpoint_url=settings["ENDPOINT"],
        region_name=settings["REGION"],
        aws_access_key_id=settings["ACCESS_KEY_ID"],
        aws_secret_access_key=settings["SECRET_ACCESS_KEY"],
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=32),
    )
    body = b"x" * SIZE

    def request(op, n):
        key = f"bench-small/boto3/{n % KEYS}"
        if op == "PUT":
            client.put_object(Bucket=bucket, Key=key, Body=body)
        elif op == "GET":
            data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            assert len(data) == SIZE
        else:
            client.head_object(Bucket=bucket, Key=key)

    def cell(op, concurrency, requests):
        cpu, start = time.process_time(), time.perf_counter()
        if concurrency == 1:
            for n in range(requests):
                request(op, n)
        else:
            with ThreadPoolExecutor(concurrency) as pool:
                list(pool.map(lambda n: request(op, n), range(requests)))
        return time.perf_counter() - start, time.process_time() - cpu

    cell("PUT", 8, KEYS)
    for op in ("PUT", "GET", "HEAD"):
        for concurrency, requests in ((1, 1000), (32, 4000)):
            secs, cpu_secs = cell(op, concurrency, requests)
            print(json.dumps({"server": server, "client": "boto3", "op": op,
                              "concurrency": concurrency, "requests": requests, "secs": secs,
                              "cpu_secs": cpu_secs, "round": round_number}), flush=True)


if __name__ == "__main__":
    main()
