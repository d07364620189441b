#!/usr/bin/env python3
"""Generate reference vectors for presigned POST uploads, straight from boto3.

Run from the repository root:

    python3 crates/core/tests/vectors/boto3_post_vectors.py

It writes ``post_vectors.json`` next to this file. Presigning is purely local
(no network), and the clock is frozen, so two runs produce identical bytes.

What is reproduced is the reference wrapper's ``get_put_presigned_post``:

    expiration = min(expiration, 600)
    conditions = [["content-length-range", 0, max_bytes + 16384]]
    fields = {}
    if content_type:
        conditions.append({"Content-Type": content_type})
        fields["Content-Type"] = content_type
    client.generate_presigned_post(Bucket=bucket, Key=key,
                                   Fields=fields or None,
                                   Conditions=conditions,
                                   ExpiresIn=expiration)

Before writing anything the script asserts, for every case, that
``x-amz-signature == hex(HMAC-SHA256(signing_key(secret, date, region, "s3"),
fields["policy"]))`` with an independent SigV4 implementation below, and it
re-checks ``aws_doc_post_example.json`` (the AWS documentation's worked
example) with the same code when that file is present.

Only boto3/botocore and the standard library are used (Python 3.11).
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import sys
from pathlib import Path
from unittest import mock

# Keep the host's AWS configuration out of the picture *before* boto3 reads it:
# no profile, no config/credentials files, no AWS_ENDPOINT_URL*, no
# AWS_S3_US_EAST_1_REGIONAL_ENDPOINT, etc. Every input comes from the cases.
for _name in list(os.environ):
    if _name.startswith("AWS_"):
        del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import boto3  # noqa: E402
import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.config  # noqa: E402
import botocore.signers  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "post_vectors.json"
DOC_EXAMPLE = HERE / "aws_doc_post_example.json"

# The frozen instant, as a naive UTC datetime (what botocore uses internally).
NOW = datetime.datetime(2026, 1, 2, 3, 4, 5)
NOW_STR = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# Fake STS-like token; contains '/', '+' and '=' on purpose.
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE//////////wEaDEXAMPLESESSIONTOKEN+abc/def=="
GARAGE = "http://127.0.0.1:3900"
UNICODE_KEY = "reports/été 2026/scan #1?50%.nii.gz"
MIB = 1024 * 1024
GIB5 = 5 * 1024 * 1024 * 1024  # 5368709120

# Slack the reference wrapper adds to max_bytes in content-length-range.
SLACK = 16384


def case(name, bucket, key, region, *, endpoint_url=None, addressing_style="virtual",
         max_bytes=MIB, content_type=None, expires_in=600, session_token=None):
    return {
        "name": name, "bucket": bucket, "key": key, "region": region,
        "access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY,
        "session_token": session_token, "endpoint_url": endpoint_url,
        "addressing_style": addressing_style, "max_bytes": max_bytes,
        "content_type": content_type, "expires_in": expires_in,
    }


CASES = [
    # --- AWS, us-east-1 (no endpoint_url) ---------------------------------
    case("aws_us_east_1_virtual_no_content_type",
         "stowage-test", "uploads/scan.nii.gz", "us-east-1"),
    case("aws_us_east_1_virtual_content_type",
         "stowage-test", "uploads/scan.nii.gz", "us-east-1",
         content_type="application/gzip"),
    case("aws_us_east_1_path_content_type",
         "stowage-test", "uploads/scan.nii.gz", "us-east-1",
         addressing_style="path", content_type="application/gzip"),
    case("aws_us_east_1_virtual_unicode_key_special_chars",
         "stowage-test", UNICODE_KEY, "us-east-1",
         content_type="application/octet-stream"),
    case("aws_us_east_1_virtual_max_bytes_0",
         "stowage-test", "empty/zero.bin", "us-east-1", max_bytes=0),
    # --- AWS, eu-west-1 (no endpoint_url) ---------------------------------
    case("aws_eu_west_1_virtual_content_type",
         "stowage-eu", "data/subject-01/t1.nii.gz", "eu-west-1",
         content_type="text/plain; charset=utf-8"),
    case("aws_eu_west_1_path_no_content_type",
         "stowage-eu", "data/subject-01/t1.nii.gz", "eu-west-1",
         addressing_style="path"),
    case("aws_eu_west_1_virtual_session_token",
         "stowage-eu", "data/subject-01/t1.nii.gz", "eu-west-1",
         content_type="application/gzip", session_token=SESSION_TOKEN),
    case("aws_eu_west_1_path_leading_slash_key",
         "stowage-eu", "/leading/slash.txt", "eu-west-1",
         addressing_style="path", content_type="text/plain"),
    case("aws_eu_west_1_virtual_expires_60",
         "stowage-eu", "short/lived.bin", "eu-west-1", expires_in=60),
    case("aws_eu_west_1_virtual_max_bytes_5gib",
         "stowage-eu", "big/volume.raw", "eu-west-1", max_bytes=GIB5,
         content_type="application/octet-stream"),
    # --- Garage (custom region, custom endpoint, path-style) --------------
    case("garage_path_no_content_type",
         "stowage", "uploads/scan.nii.gz", "garage",
         endpoint_url=GARAGE, addressing_style="path"),
    case("garage_path_content_type",
         "stowage", "uploads/scan.nii.gz", "garage",
         endpoint_url=GARAGE, addressing_style="path", content_type="image/png"),
    case("garage_path_session_token_unicode_key",
         "stowage", UNICODE_KEY, "garage",
         endpoint_url=GARAGE, addressing_style="path",
         content_type="application/gzip", session_token=SESSION_TOKEN),
    case("garage_path_leading_slash_key_expires_60_max_bytes_0",
         "stowage", "/leading/slash.txt", "garage",
         endpoint_url=GARAGE, addressing_style="path", max_bytes=0, expires_in=60),
    case("garage_path_max_bytes_5gib",
         "stowage", "big/volume.raw", "garage",
         endpoint_url=GARAGE, addressing_style="path", max_bytes=GIB5),
]


# --- Independent SigV4 (the check; does not use botocore) ------------------
def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    k = _hmac(("AWS4" + secret).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


def post_signature(secret: str, date: str, region: str, policy_b64: str) -> str:
    """SigV4 POST: the string to sign is the base64 policy itself."""
    return hmac.new(signing_key(secret, date, region, "s3"),
                    policy_b64.encode("utf-8"), hashlib.sha256).hexdigest()


# --- Frozen clock -----------------------------------------------------------
# botocore 1.43 reads the time in exactly two places on this path, both through
# ``botocore.compat.get_current_datetime`` imported *by name*:
#   botocore/signers.py  S3PostPresigner.generate_presigned_post -> policy "expiration"
#   botocore/auth.py     S3SigV4PostAuth.add_auth -> x-amz-date and credential scope date
# so we patch that name in both modules.
def _frozen_now(remove_tzinfo=True):
    if remove_tzinfo:
        return NOW
    return NOW.replace(tzinfo=datetime.timezone.utc)


def reference_presigned_post(client, bucket, key, max_bytes, content_type, expiration):
    """Mirror of the reference wrapper's get_put_presigned_post."""
    expiration = min(expiration, 600)
    conditions = [["content-length-range", 0, max_bytes + SLACK]]
    fields = {}
    if content_type:
        conditions.append({"Content-Type": content_type})
        fields["Content-Type"] = content_type
    return client.generate_presigned_post(
        Bucket=bucket, Key=key, Fields=fields or None,
        Conditions=conditions, ExpiresIn=expiration)


def run_case(c):
    session = boto3.session.Session(
        aws_access_key_id=c["access_key_id"],
        aws_secret_access_key=c["secret_access_key"],
        aws_session_token=c["session_token"],
        region_name=c["region"],
    )
    client = session.client(
        "s3",
        endpoint_url=c["endpoint_url"],
        config=botocore.config.Config(
            signature_version="s3v4",
            s3={"addressing_style": c["addressing_style"]},
        ),
    )
    with mock.patch.object(botocore.signers, "get_current_datetime", _frozen_now), \
            mock.patch.object(botocore.auth, "get_current_datetime", _frozen_now):
        resp = reference_presigned_post(client, c["bucket"], c["key"], c["max_bytes"],
                                        c["content_type"], c["expires_in"])

    fields = resp["fields"]
    policy_json = base64.b64decode(fields["policy"]).decode("utf-8")

    # Sanity: the clock really was frozen, and the policy is what we think.
    date = NOW.strftime("%Y%m%d")
    assert fields["x-amz-date"] == NOW.strftime("%Y%m%dT%H%M%SZ"), fields
    assert fields["x-amz-credential"] == \
        f"{c['access_key_id']}/{date}/{c['region']}/s3/aws4_request", fields
    policy = json.loads(policy_json)
    expected_exp = NOW + datetime.timedelta(seconds=min(c["expires_in"], 600))
    assert policy["expiration"] == expected_exp.strftime("%Y-%m-%dT%H:%M:%SZ"), policy
    assert policy["conditions"][0] == ["content-length-range", 0, c["max_bytes"] + SLACK]
    # json.dumps defaults: separators (", ", ": "), ensure_ascii=True.
    assert policy_json == json.dumps(policy), policy_json
    assert fields["key"] == c["key"]

    # The actual check: independent SigV4 recomputation of the signature.
    sig = post_signature(c["secret_access_key"], date, c["region"], fields["policy"])
    assert sig == fields["x-amz-signature"], (c["name"], sig, fields["x-amz-signature"])

    out = dict(c)
    out["now"] = NOW_STR
    out["url"] = resp["url"]
    out["fields"] = [[k, v] for k, v in fields.items()]  # boto3's dict order
    out["policy_json"] = policy_json
    return out


def check_doc_example():
    """Re-verify the AWS documentation example with the same SigV4 code."""
    if not DOC_EXAMPLE.exists():
        print(f"note: {DOC_EXAMPLE.name} not found, skipping", file=sys.stderr)
        return
    doc = json.loads(DOC_EXAMPLE.read_text(encoding="utf-8"))
    assert doc["service"] == "s3"
    sig = post_signature(doc["secret_access_key"], doc["date"], doc["region"],
                         doc["policy_base64"])
    assert sig == doc["signature"], (sig, doc["signature"])


def main():
    check_doc_example()
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    doc = {
        "generator": f"boto3 {boto3.__version__} / botocore {botocore.__version__}",
        "cases": [run_case(c) for c in CASES],
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    OUT.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
