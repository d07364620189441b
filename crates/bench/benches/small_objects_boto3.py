"""boto3's side of scripts/bench.sh small: PUT, GET and HEAD of 1 KiB at concurrency 1 and
32 against the Garage STOWAGE_TEST_S3_* names, the same request counts as
crates/bench/benches/small_objects.rs; one JSON line per cell, CPU as process time.

    python3 crates/bench/benches/small_objects_boto3.py ROUND
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


def main():
    round_number = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    bucket = os.environ["STOWAGE_TEST_S3_BUCKET"]
    client = boto3.client(
        "s3",
        endpoint_url=os.environ["STOWAGE_TEST_S3_ENDPOINT"],
        region_name=os.environ["STOWAGE_TEST_S3_REGION"],
        aws_access_key_id=os.environ["STOWAGE_TEST_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["STOWAGE_TEST_S3_SECRET_ACCESS_KEY"],
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
            print(json.dumps({"client": "boto3", "op": op, "concurrency": concurrency,
                              "requests": requests, "secs": secs, "cpu_secs": cpu_secs,
                              "round": round_number}), flush=True)


if __name__ == "__main__":
    main()
