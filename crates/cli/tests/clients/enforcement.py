"""What an S3 endpoint enforces: the same boto3 requests, each answer as received.

Usage: enforcement.py ENDPOINT ACCESS_KEY_ID SECRET_ACCESS_KEY BUCKET

Prints one JSON object: for each request, "OK"/"200"/"204" when the endpoint accepted it,
else "STATUS Code" from its error document. The bucket is created when missing. Run by
crates/cli/tests/cli/real_clients.rs against `stowage serve` and against moto.
"""

import base64
import datetime
import json
import sys
import time
import urllib.error
import urllib.request
import uuid

import boto3
import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ENDPOINT, KEY, SECRET, BUCKET = sys.argv[1:5]


def client(key=KEY, secret=SECRET, signature_version="s3v4"):
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
            signature_version=signature_version,
        ),
    )


def answer_of(call):
    """"OK", or "STATUS Code" of the ClientError."""
    try:
        call()
        return "OK"
    except botocore.exceptions.ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        return f'{status} {error.response["Error"]["Code"]}'


def fetch(url, method="GET", data=None, headers=None):
    """The status, and the error code of a refusal."""
    request = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return str(response.status)
    except urllib.error.HTTPError as error:
        body = error.read().decode(errors="replace")
        code = body.split("<Code>")[1].split("</Code>")[0] if "<Code>" in body else ""
        return f"{error.code} {code}".strip()


def signed_minutes_ago(minutes):
    """A ListObjectsV2 signed as if `minutes` ago."""
    request = AWSRequest(method="GET", url=f"{ENDPOINT}/{BUCKET}?list-type=2")
    request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    real = datetime.datetime

    class Past(real):
        @classmethod
        def utcnow(cls):
            return real.utcnow() - datetime.timedelta(minutes=minutes)

        @classmethod
        def now(cls, tz=None):
            return real.now(tz) - datetime.timedelta(minutes=minutes)

    botocore.auth.datetime.datetime = Past
    try:
        SigV4Auth(Credentials(KEY, SECRET), "s3", "us-east-1").add_auth(request)
    finally:
        botocore.auth.datetime.datetime = real
    return fetch(request.url, headers=dict(request.headers))


def form_post(fields, body):
    boundary = uuid.uuid4().hex
    data = b""
    for name, value in fields.items():
        data += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    data += f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'.encode()
    data += body + f"\r\n--{boundary}--\r\n".encode()
    return data, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def main():
    s3 = client()
    try:
        s3.create_bucket(Bucket=BUCKET)
    except botocore.exceptions.ClientError:
        pass
    s3.put_object(Bucket=BUCKET, Key="obj", Body=b"hello")
    answers = {}
    answers["wrong secret"] = answer_of(
        lambda: client(secret="wrong").put_object(Bucket=BUCKET, Key="wrong-secret", Body=b"x")
    )
    answers["unknown access key"] = answer_of(
        lambda: client(key="UNKNOWNKEY").put_object(Bucket=BUCKET, Key="unknown-key", Body=b"x")
    )
    answers["signed 20 minutes ago"] = signed_minutes_ago(20)
    expiring = s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "obj"}, ExpiresIn=1
    )
    time.sleep(2)
    answers["presigned GET past its expiry"] = fetch(expiring)
    answers["presigned GET valid for 8 days"] = fetch(
        s3.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": "obj"}, ExpiresIn=8 * 24 * 3600
        )
    )
    answers["SigV2"] = answer_of(
        lambda: client(signature_version="s3").put_object(Bucket=BUCKET, Key="sigv2", Body=b"x")
    )
    answers["wrong Content-MD5"] = answer_of(
        lambda: s3.put_object(
            Bucket=BUCKET,
            Key="md5",
            Body=b"hello",
            ContentMD5=base64.b64encode(b"0" * 16).decode(),
        )
    )
    answers["wrong CRC32"] = answer_of(
        lambda: s3.put_object(
            Bucket=BUCKET,
            Key="crc32",
            Body=b"hello",
            ChecksumCRC32=base64.b64encode((1234).to_bytes(4, "big")).decode(),
        )
    )
    answers["wrong SHA256"] = answer_of(
        lambda: s3.put_object(
            Bucket=BUCKET,
            Key="sha256",
            Body=b"hello",
            ChecksumSHA256=base64.b64encode(b"0" * 32).decode(),
        )
    )
    post = s3.generate_presigned_post(
        BUCKET, "form.txt", Conditions=[["content-length-range", 0, 3]], ExpiresIn=60
    )
    data, headers = form_post(post["fields"], b"longer than three bytes")
    answers["POST over its content-length-range"] = fetch(post["url"], "POST", data, headers)
    answers["If-None-Match * on an existing key"] = answer_of(
        lambda: s3.put_object(Bucket=BUCKET, Key="obj", Body=b"again", IfNoneMatch="*")
    )
    s3.put_bucket_cors(
        Bucket=BUCKET,
        CORSConfiguration={
            "CORSRules": [{"AllowedOrigins": ["http://page.example"], "AllowedMethods": ["GET"]}]
        },
    )
    for label, origin in [("allowed", "http://page.example"), ("other", "http://evil.example")]:
        answers[f"CORS preflight, {label} origin"] = fetch(
            f"{ENDPOINT}/{BUCKET}/obj",
            "OPTIONS",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    answers["stored"] = sorted(listed - {"obj"})
    print(json.dumps(answers, indent=1, sort_keys=True))


main()
