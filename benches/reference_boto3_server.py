"""The reference's server-side costs, measured with boto3 against the same server.

The same work as benches/server_throughput.rs, with the reference's calls: a full
listing of 10,000 keys (the list_objects_v2 paginator), a batch delete of them (a loop of
delete_objects, 1000 keys per call, Quiet) and a 256 MiB download_fileobj into a discard
sink. 3 runs each; prints JSON with best and median seconds.

    python3 benches/reference_boto3_server.py BIG_KEY     # or BENCH_BIG_KEY=...

Needs STOWAGE_TEST_S3_{ENDPOINT,REGION,ACCESS_KEY_ID,SECRET_ACCESS_KEY,BUCKET}
(scripts/garage.sh start DIR && source DIR/env). BIG_KEY is the 256 MiB object the Rust
bench uploaded (its JSON "big_key").
"""
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

KEYS = 10_000
RUNS = 3
SEED_CONCURRENCY = 64
BATCH = 1000
SMALL_BODY = b"0123456789abcdef0123456789abcdef"


def env(name):
    value = os.environ.get(f"STOWAGE_TEST_S3_{name}")
    if not value:
        sys.exit(
            f"STOWAGE_TEST_S3_{name} is not set: start Garage with "
            "scripts/garage.sh start DIR and source DIR/env"
        )
    return value


class DiscardSink:
    """A seekable file object that drops what is written to it."""

    def __init__(self):
        self.pos = 0
        self.written = 0

    def write(self, data):
        self.pos += len(data)
        self.written += len(data)
        return len(data)

    def seek(self, offset, whence=0):
        self.pos = offset if whence == 0 else self.pos + offset
        return self.pos

    def tell(self):
        return self.pos

    def seekable(self):
        return True

    def flush(self):
        pass


def summary(runs):
    return {"best": min(runs), "median": statistics.median(runs), "runs": runs}


def main():
    big_key = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_BIG_KEY")
    if not big_key:
        sys.exit("usage: reference_boto3_server.py BIG_KEY (or BENCH_BIG_KEY)")
    bucket = env("BUCKET")
    client = boto3.session.Session(
        aws_access_key_id=env("ACCESS_KEY_ID"),
        aws_secret_access_key=env("SECRET_ACCESS_KEY"),
        region_name=env("REGION"),
    ).client(
        "s3",
        endpoint_url=env("ENDPOINT"),
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            max_pool_connections=SEED_CONCURRENCY,
        ),
    )

    prefix = f"bench-server/boto3-{int(time.time() * 1000)}/"
    keys = [f"{prefix}obj-{i:05}" for i in range(KEYS)]

    def seed():
        with ThreadPoolExecutor(SEED_CONCURRENCY) as pool:
            list(pool.map(lambda k: client.put_object(Bucket=bucket, Key=k, Body=SMALL_BODY), keys))

    print(f"seeding {KEYS} objects under {prefix}", file=sys.stderr)
    started = time.perf_counter()
    seed()
    seed_secs = time.perf_counter() - started

    list_runs = []
    paginator = client.get_paginator("list_objects_v2")
    for run in range(RUNS):
        started = time.perf_counter()
        listed = []
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            listed.extend(page.get("Contents", []))
        list_runs.append(time.perf_counter() - started)
        assert len(listed) == KEYS, f"listing run {run}: {len(listed)} keys"
    print(f"list: {list_runs}", file=sys.stderr)

    delete_runs = []
    for run in range(RUNS):
        if run > 0:
            seed()
        started = time.perf_counter()
        errors = []
        for i in range(0, KEYS, BATCH):
            response = client.delete_objects(
                Bucket=bucket,
                Delete={"Objects": [{"Key": k} for k in keys[i : i + BATCH]], "Quiet": True},
            )
            errors.extend(response.get("Errors", []))
        delete_runs.append(time.perf_counter() - started)
        assert not errors, f"delete run {run}: {errors[:1]}"
    print(f"delete: {delete_runs}", file=sys.stderr)

    download_runs = []
    size = 0
    for _ in range(RUNS):
        sink = DiscardSink()
        started = time.perf_counter()
        client.download_fileobj(bucket, big_key, sink)
        download_runs.append(time.perf_counter() - started)
        size = sink.written
    print(f"download: {download_runs}", file=sys.stderr)

    print(
        json.dumps(
            {
                "keys": KEYS,
                "seed_secs": seed_secs,
                "list": summary(list_runs),
                "delete": summary(delete_runs),
                "big_key": big_key,
                "big_bytes": size,
                "download": summary(download_runs),
                "download_best_bytes_per_sec": size / min(download_runs),
            }
        )
    )


if __name__ == "__main__":
    main()
