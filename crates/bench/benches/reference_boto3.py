"""The reference's per-request costs, measured with boto3 on this machine.

Times the same work as crates/bench/benches/signing.rs, with the reference's calls:
generate_presigned_post (size cap + Content-Type), generate_presigned_url, the
reference's hash_s3_key and its urlparse-based parse_s3_path. Prints JSON: {"name": nanoseconds_per_op, ...}.
"""
import hashlib
import json
import sys
import timeit
from urllib.parse import urlparse

import boto3
from botocore.config import Config

KEY = "studies/2026/patient-000123/series-7/scan-0042.nii.gz"
BUCKET = "imaging-data-eu"


def per_op_ns(fn, min_seconds=2.0):
    number = 1
    while True:
        elapsed = timeit.timeit(fn, number=number)
        if elapsed >= 0.2:
            break
        number *= 2
    runs = max(3, int(min_seconds / elapsed))
    best = min(timeit.repeat(fn, number=number, repeat=runs))
    return best / number * 1e9


def main():
    client = boto3.session.Session(
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region_name="eu-west-1",
    ).client("s3", config=Config(signature_version="s3v4"))
    max_bytes = 100 * 1024 * 1024

    def post():
        client.generate_presigned_post(
            Bucket=BUCKET,
            Key=KEY,
            Fields={"Content-Type": "application/gzip"},
            Conditions=[["content-length-range", 0, max_bytes + 16384], {"Content-Type": "application/gzip"}],
            ExpiresIn=600,
        )

    def get_url():
        client.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": KEY}, ExpiresIn=3600)

    def hash_key():
        hashlib.sha256(KEY.encode("utf-8")).hexdigest()[:16]

    path = f"s3://{BUCKET}/{KEY}"

    def parse_path():
        # The reference's parse_s3_path splits with urlparse (which is also why it cut keys
        # at `?` and `#`).
        parsed = urlparse(path)
        return parsed.netloc, parsed.path.lstrip("/")

    results = {
        "post_policy": per_op_ns(post),
        "presigned_get_url": per_op_ns(get_url),
        "hash_s3_key": per_op_ns(hash_key),
        "s3_path_parse": per_op_ns(parse_path),
    }
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
