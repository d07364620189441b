"""The reference's server-side costs, measured with boto3 against the same server.

The same work as crates/bench/benches/server_throughput.rs, with the reference's calls: a full
listing of 10,000 keys (the list_objects_v2 paginator) and a batch delete of them (a loop
of delete_objects, 1000 keys per call, Quiet), 3 runs each, printed as JSON with best and
median seconds; and, one run per process, a download_fileobj of the 256 MiB object into a
discard sink, printed as JSON seconds. For the large-object rounds of scripts/bench.sh
(crates/bench/benches/transfer_rounds.py): upload_file and download_file between a file on disk and a
key, with s3transfer's defaults (8 MiB parts, 10 threads), timed from the call to its return
(wall time, and the CPU time of every thread of the process over the same span);
and presigned PUT and GET URLs for curl.

    python3 crates/bench/benches/reference_boto3_server.py all
    python3 crates/bench/benches/reference_boto3_server.py download BIG_KEY
    python3 crates/bench/benches/reference_boto3_server.py upload-file FILE KEY
    python3 crates/bench/benches/reference_boto3_server.py download-file KEY FILE
    python3 crates/bench/benches/reference_boto3_server.py presign put|get KEY

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


def client():
    return boto3.session.Session(
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


def download(big_key):
    """One timed download_fileobj of big_key (the client is built before the clock starts)."""
    s3 = client()
    sink = DiscardSink()
    started = time.perf_counter()
    s3.download_fileobj(env("BUCKET"), big_key, sink)
    return {"client": "boto3", "secs": time.perf_counter() - started, "bytes": sink.written}


def upload_file(path, key):
    """One timed upload_file of the file at path to key."""
    s3 = client()
    started, cpu = time.perf_counter(), time.process_time()
    s3.upload_file(path, env("BUCKET"), key)
    return {"client": "boto3", "secs": time.perf_counter() - started,
            "cpu_secs": time.process_time() - cpu, "bytes": os.path.getsize(path)}


def download_file(key, path):
    """One timed download_file of key into the file at path."""
    s3 = client()
    started, cpu = time.perf_counter(), time.process_time()
    s3.download_file(env("BUCKET"), key, path)
    return {"client": "boto3", "secs": time.perf_counter() - started,
            "cpu_secs": time.process_time() - cpu, "bytes": os.path.getsize(path)}


def presign(method, key):
    """A presigned URL of key for PUT or GET, valid for an hour."""
    operation = {"put": "put_object", "get": "get_object"}[method]
    return client().generate_presigned_url(
        operation, Params={"Bucket": env("BUCKET"), "Key": key}, ExpiresIn=3600
    )


def list_and_delete():
    bucket = env("BUCKET")
    s3 = client()
    prefix = f"bench-server/boto3-{int(time.time() * 1000)}/"
    keys = [f"{prefix}obj-{i:05}" for i in range(KEYS)]

    def seed():
        with ThreadPoolExecutor(SEED_CONCURRENCY) as pool:
            list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=SMALL_BODY), keys))

    print(f"seeding {KEYS} objects under {prefix}", file=sys.stderr)
    started = time.perf_counter()
    seed()
    seed_secs = time.perf_counter() - started

    list_runs = []
    paginator = s3.get_paginator("list_objects_v2")
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
            response = s3.delete_objects(
                Bucket=bucket,
                Delete={"Objects": [{"Key": k} for k in keys[i : i + BATCH]], "Quiet": True},
            )
            errors.extend(response.get("Errors", []))
        delete_runs.append(time.perf_counter() - started)
        assert not errors, f"delete run {run}: {errors[:1]}"
    print(f"delete: {delete_runs}", file=sys.stderr)

    return {
        "keys": KEYS,
        "seed_secs": seed_secs,
        "list": summary(list_runs),
        "delete": summary(delete_runs),
    }


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "all":
        result = list_and_delete()
    elif mode == "download" and len(sys.argv) == 3:
        result = download(sys.argv[2])
    elif mode == "upload-file" and len(sys.argv) == 4:
        result = upload_file(sys.argv[2], sys.argv[3])
    elif mode == "download-file" and len(sys.argv) == 4:
        result = download_file(sys.argv[2], sys.argv[3])
    elif mode == "presign" and len(sys.argv) == 4 and sys.argv[2] in ("put", "get"):
        print(presign(sys.argv[2], sys.argv[3]))
        return
    else:
        sys.exit(
            "usage: reference_boto3_server.py all | download BIG_KEY | upload-file FILE KEY"
            " | download-file KEY FILE | presign put|get KEY"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
