"""boto3 against `stowage serve`: every operation a Python program commonly makes, checked.

Run by crates/cli/tests/cli/real_clients.rs as `python3 boto3_round_trip.py BUCKET WORKDIR`
with the four variables `stowage serve` prints (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_REGION) in its environment, which boto3 reads itself. Prints one
`ok: ...` line per step; on the first failure prints `FAILED: ...` to stderr and exits 1.
Where the server answers differently from S3 in a way boto3 copes with, prints
`DIFFERS FROM S3: ...`, runs every other step, and exits 3 at the end. Having run every step,
leaves `kept.txt` (b"kept\n") in BUCKET and nothing else, for the Rust test to check.
"""

import base64
import hashlib
import os
import sys
import time
import traceback
import urllib.error
import urllib.request
import zlib

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

MIB = 1024 * 1024


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# Where the server answers boto3 in a way boto3 copes with but S3 would not: recorded, every
# step still runs, and the script fails at the end listing them.
DIFFERENCES = []


def same_as_s3(condition, message):
    if not condition:
        print(f"DIFFERS FROM S3: {message}", flush=True)
        DIFFERENCES.append(message)


def crc32_of(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def composite_crc32_of(data, part_size):
    """S3's COMPOSITE checksum of a multipart object: the CRC32 of the parts' CRC32s, `-N`."""
    parts = [data[start : start + part_size] for start in range(0, len(data), part_size)]
    joined = b"".join(zlib.crc32(part).to_bytes(4, "big") for part in parts)
    return f"{crc32_of(joined)}-{len(parts)}"


def step(message):
    print(f"ok: {message}", flush=True)


def keys_of(page):
    return [entry["Key"] for entry in page.get("Contents", [])]


def prefixes_of(page):
    return [entry["Prefix"] for entry in page.get("CommonPrefixes", [])]


def client(config_overrides=None, **overrides):
    # Path-style: the endpoint is http://127.0.0.1:PORT, no bucket subdomains.
    # One attempt: a retried failure must not pass unnoticed.
    config = Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}, **(config_overrides or {}))
    return boto3.session.Session().client("s3", config=config, **overrides)


def expect_error(code, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except ClientError as error:
        got = error.response["Error"]["Code"]
        check(got == code, f"expected error {code}, got {got}: {error}")
        return error
    raise Failure(f"expected error {code}, the call succeeded")


def main(bucket, workdir):
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        check(os.environ.get(name), f"{name} is not set")
    s3 = client()
    step(f"boto3 {boto3.__version__}, botocore {botocore.__version__}, endpoint {s3.meta.endpoint_url}")

    # put_object (small), with metadata and a content type.
    small = b"hello from boto3\n"
    put = s3.put_object(
        Bucket=bucket,
        Key="small.txt",
        Body=small,
        ContentType="text/plain",
        Metadata={"colour": "blue"},
    )
    check(put["ETag"] == '"%s"' % hashlib.md5(small).hexdigest(), f"put ETag {put['ETag']}")
    # boto3 sends x-amz-checksum-crc32 with every put (request_checksum_calculation=when_supported).
    check(put.get("ChecksumCRC32") == crc32_of(small), f"put ChecksumCRC32 {put.get('ChecksumCRC32')}")
    step(f"put_object small.txt ({len(small)} bytes), ETag {put['ETag']}")

    # upload_file of 20 MiB in 5 MiB parts: multipart, with boto3's default CRC32 checksums.
    big = os.urandom(20 * MIB)
    big_path = os.path.join(workdir, "big.bin")
    with open(big_path, "wb") as file:
        file.write(big)
    transfer = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=4)
    s3.upload_file(big_path, bucket, "big.bin", Config=transfer)
    head = s3.head_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    check(head["ContentLength"] == len(big), f"big.bin is {head['ContentLength']} bytes")
    check(head["ETag"].endswith('-4"'), f"big.bin ETag {head['ETag']} is not that of 4 parts")
    step(f"upload_file big.bin (20 MiB in 4 parts, x-amz-checksum-crc32 on each), ETag {head['ETag']}")
    # S3 keeps the checksum of an upload made with x-amz-checksum-algorithm: CRC32 and, asked
    # with x-amz-checksum-mode: ENABLED, returns it (the parts' CRC32s' CRC32, "-4", COMPOSITE).
    expected = composite_crc32_of(big, 5 * MIB)
    same_as_s3(
        head.get("ChecksumCRC32") == expected and head.get("ChecksumType") == "COMPOSITE",
        "HEAD /BUCKET/big.bin with x-amz-checksum-mode: ENABLED after a multipart upload created with "
        f"x-amz-checksum-algorithm: CRC32: S3 answers x-amz-checksum-crc32: {expected} and "
        f"x-amz-checksum-type: COMPOSITE; the server answered x-amz-checksum-crc32: {head.get('ChecksumCRC32')}, "
        f"x-amz-checksum-type: {head.get('ChecksumType')}",
    )

    # get_object: the bytes back.
    got = s3.get_object(Bucket=bucket, Key="small.txt", ChecksumMode="ENABLED")
    check(got["Body"].read() == small, "small.txt bytes differ")
    # With the checksum returned, boto3 checks the bytes it read against it.
    same_as_s3(
        got.get("ChecksumCRC32") == crc32_of(small) and got.get("ChecksumType") == "FULL_OBJECT",
        "GET /BUCKET/small.txt with x-amz-checksum-mode: ENABLED after a PutObject with x-amz-checksum-crc32: "
        f"S3 answers x-amz-checksum-crc32: {crc32_of(small)} and x-amz-checksum-type: FULL_OBJECT; "
        f"the server answered x-amz-checksum-crc32: {got.get('ChecksumCRC32')}, "
        f"x-amz-checksum-type: {got.get('ChecksumType')}",
    )
    check(got["ContentType"] == "text/plain", f"small.txt Content-Type {got['ContentType']}")
    check(got["Metadata"] == {"colour": "blue"}, f"small.txt metadata {got['Metadata']}")
    got = s3.get_object(Bucket=bucket, Key="big.bin")
    check(hashlib.sha256(got["Body"].read()).digest() == hashlib.sha256(big).digest(), "big.bin bytes differ")
    step("get_object small.txt and big.bin: same bytes, type and metadata")

    # download_file: concurrent ranged GETs of 5 MiB.
    down_path = os.path.join(workdir, "big.down")
    s3.download_file(bucket, "big.bin", down_path, Config=transfer)
    with open(down_path, "rb") as file:
        check(file.read() == big, "download_file bytes differ")
    step("download_file big.bin (ranged GETs): same bytes")

    # A ranged get.
    ranged = s3.get_object(Bucket=bucket, Key="big.bin", Range="bytes=1000-1999")
    check(ranged["ResponseMetadata"]["HTTPStatusCode"] == 206, "ranged get is not 206")
    check(ranged["ContentRange"] == f"bytes 1000-1999/{len(big)}", f"Content-Range {ranged['ContentRange']}")
    check(ranged["Body"].read() == big[1000:2000], "ranged bytes differ")
    suffix = s3.get_object(Bucket=bucket, Key="small.txt", Range="bytes=-6")
    check(suffix["Body"].read() == small[-6:], "suffix range bytes differ")
    step("get_object Range bytes=1000-1999 (206, Content-Range) and bytes=-6")

    # head_object.
    head = s3.head_object(Bucket=bucket, Key="small.txt")
    check(head["ContentLength"] == len(small), f"head ContentLength {head['ContentLength']}")
    check(head["ETag"] == put["ETag"], f"head ETag {head['ETag']}")
    check(head["Metadata"] == {"colour": "blue"}, f"head metadata {head['Metadata']}")
    error = expect_error("404", s3.head_object, Bucket=bucket, Key="missing")
    expect_error("NoSuchKey", s3.get_object, Bucket=bucket, Key="missing")
    step("head_object small.txt; head/get of a missing key: 404 / NoSuchKey")

    # list_objects_v2, with prefix and delimiter, and pages.
    for key in ("dir/a.txt", "dir/sub/b.txt", "dir/sub/c.txt", "top.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    page = s3.list_objects_v2(Bucket=bucket)
    expected = ["big.bin", "dir/a.txt", "dir/sub/b.txt", "dir/sub/c.txt", "small.txt", "top.txt"]
    check(keys_of(page) == expected, f"list_objects_v2 keys {keys_of(page)}")
    check(page["KeyCount"] == len(expected), f"KeyCount {page['KeyCount']}")
    page = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    check(keys_of(page) == ["big.bin", "small.txt", "top.txt"], f"delimited keys {keys_of(page)}")
    check(prefixes_of(page) == ["dir/"], f"delimited prefixes {prefixes_of(page)}")
    page = s3.list_objects_v2(Bucket=bucket, Prefix="dir/", Delimiter="/")
    check(keys_of(page) == ["dir/a.txt"], f"dir/ keys {keys_of(page)}")
    check(prefixes_of(page) == ["dir/sub/"], f"dir/ prefixes {prefixes_of(page)}")
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 2}))
    check(len(pages) == 3, f"{len(pages)} pages of 2")
    check(sum((keys_of(page) for page in pages), []) == expected, "paged keys differ")
    step("list_objects_v2: all keys, Delimiter='/', Prefix='dir/' with Delimiter, 3 pages of 2")

    # list_objects (V1), with a marker and pages.
    page = s3.list_objects(Bucket=bucket, Prefix="dir/", Delimiter="/")
    check(keys_of(page) == ["dir/a.txt"], f"V1 dir/ keys {keys_of(page)}")
    check(prefixes_of(page) == ["dir/sub/"], f"V1 dir/ prefixes {prefixes_of(page)}")
    page = s3.list_objects(Bucket=bucket, Marker="dir/sub/c.txt")
    check(keys_of(page) == ["small.txt", "top.txt"], f"V1 after marker {keys_of(page)}")
    pages = list(s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 4}))
    check(len(pages) == 2, f"V1 {len(pages)} pages of 4")
    check(sum((keys_of(page) for page in pages), []) == expected, "V1 paged keys differ")
    step("list_objects (V1): Prefix+Delimiter, Marker, 2 pages of 4")

    # copy_object (one request), and the managed copy of big.bin (UploadPartCopy).
    copied = s3.copy_object(Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket, "Key": "small.txt"})
    check(copied["CopyObjectResult"]["ETag"] == put["ETag"], f"copy ETag {copied['CopyObjectResult']['ETag']}")
    got = s3.get_object(Bucket=bucket, Key="copy.txt")
    check(got["Body"].read() == small, "copy.txt bytes differ")
    check(got["Metadata"] == {"colour": "blue"}, f"copy.txt metadata {got['Metadata']}")
    s3.copy({"Bucket": bucket, "Key": "big.bin"}, bucket, "big-copy.bin", Config=transfer)
    head = s3.head_object(Bucket=bucket, Key="big-copy.bin")
    check(head["ETag"].endswith('-4"'), f"big-copy.bin ETag {head['ETag']} is not that of 4 parts")
    got = s3.get_object(Bucket=bucket, Key="big-copy.bin")
    check(got["Body"].read() == big, "big-copy.bin bytes differ")
    step("copy_object copy.txt; managed copy big-copy.bin (4 UploadPartCopy): same bytes")

    # The multipart calls by hand: an upload listed, then aborted.
    upload = s3.create_multipart_upload(Bucket=bucket, Key="abandoned.bin")
    s3.upload_part(Bucket=bucket, Key="abandoned.bin", UploadId=upload["UploadId"], PartNumber=1, Body=b"x" * 100)
    uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    check([u["UploadId"] for u in uploads] == [upload["UploadId"]], f"uploads {uploads}")
    parts = s3.list_parts(Bucket=bucket, Key="abandoned.bin", UploadId=upload["UploadId"]).get("Parts", [])
    check([p["Size"] for p in parts] == [100], f"parts {parts}")
    s3.abort_multipart_upload(Bucket=bucket, Key="abandoned.bin", UploadId=upload["UploadId"])
    check(not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"), "upload still listed after abort")
    step("create_multipart_upload, upload_part, list_multipart_uploads, list_parts, abort_multipart_upload")

    # delete_objects, delete_object.
    batch = ["big-copy.bin", "dir/a.txt", "dir/sub/b.txt", "dir/sub/c.txt"]
    deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch]})
    check(sorted(d["Key"] for d in deleted.get("Deleted", [])) == batch, f"deleted {deleted}")
    check(not deleted.get("Errors"), f"delete errors {deleted.get('Errors')}")
    for key in ("big.bin", "copy.txt", "top.txt", "small.txt"):
        answer = s3.delete_object(Bucket=bucket, Key=key)
        check(answer["ResponseMetadata"]["HTTPStatusCode"] == 204, f"delete_object {key}: {answer}")
    remaining = keys_of(s3.list_objects_v2(Bucket=bucket))
    check(remaining == [], f"left after deletes: {remaining}")
    step("delete_objects (4 keys), delete_object (4 keys): bucket empty")

    # Buckets.
    extra = bucket + "-extra"
    s3.create_bucket(Bucket=extra)
    s3.head_bucket(Bucket=extra)
    listed = s3.list_buckets()
    names = [b["Name"] for b in listed["Buckets"]]
    check(bucket in names and extra in names, f"list_buckets {names}")
    request_id = listed["ResponseMetadata"].get("RequestId")
    same_as_s3(
        bool(request_id),
        "every S3 answer carries x-amz-request-id (and x-amz-id-2), which boto3 reports as RequestId; "
        f"the server's ListBuckets answer has none (headers {sorted(listed['ResponseMetadata']['HTTPHeaders'])})",
    )
    s3.put_object(Bucket=extra, Key="x", Body=b"x")
    expect_error("BucketNotEmpty", s3.delete_bucket, Bucket=extra)
    s3.delete_object(Bucket=extra, Key="x")
    s3.delete_bucket(Bucket=extra)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    check(extra not in names, f"{extra} still listed: {names}")
    expect_error("404", s3.head_bucket, Bucket=extra)
    expect_error("NoSuchBucket", s3.list_objects_v2, Bucket=extra)
    step(f"create_bucket, head_bucket, list_buckets, delete_bucket {extra} (BucketNotEmpty first)")

    # A wrong secret: refused, and nothing stored.
    wrong = client(
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"] + "-wrong",
    )
    error = expect_error(
        "SignatureDoesNotMatch", wrong.put_object, Bucket=bucket, Key="forged.txt", Body=b"forged"
    )
    message = error.response["Error"].get("Message", "")
    same_as_s3(
        "does not match the signature you provided" in message,
        "a request signed with a wrong secret: S3's 403 SignatureDoesNotMatch has <Message>The request signature "
        "we calculated does not match the signature you provided. Check your key and signing method.</Message>; "
        f"the server's has Message {message!r}",
    )
    expect_error("SignatureDoesNotMatch", wrong.list_objects_v2, Bucket=bucket)
    remaining = keys_of(s3.list_objects_v2(Bucket=bucket))
    check(remaining == [], f"the refused put stored something: {remaining}")
    step("wrong secret: put_object and list_objects_v2 refused with SignatureDoesNotMatch, nothing stored")

    # Presigned GET URLs. boto3 presigns S3 URLs with SigV2 unless told otherwise; the server,
    # like S3 for buckets made since June 2020, refuses SigV2 with 400 InvalidRequest.
    kept = b"kept\n"
    s3.put_object(Bucket=bucket, Key="kept.txt", Body=kept)
    legacy = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "kept.txt"}, ExpiresIn=600)
    check("AWSAccessKeyId=" in legacy, f"not a SigV2 URL: {legacy}")
    try:
        urllib.request.urlopen(legacy, timeout=30)
        raise Failure(f"SigV2 URL answered: {legacy}")
    except urllib.error.HTTPError as error:
        body = error.read().decode(errors="replace")
        check(error.code == 400, f"SigV2 URL: HTTP {error.code} {body}")
        check("<Code>InvalidRequest</Code>" in body, f"SigV2 URL body: {body}")
    step("presigned GET with boto3's default SigV2: HTTP 400 InvalidRequest")

    # SigV4 presigned GET URLs: an expired one refused, a valid one answered.
    s3 = client(config_overrides={"signature_version": "s3v4"})
    expiring = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "kept.txt"}, ExpiresIn=1)
    time.sleep(2)
    try:
        urllib.request.urlopen(expiring, timeout=30)
        raise Failure(f"expired URL answered: {expiring}")
    except urllib.error.HTTPError as error:
        body = error.read().decode(errors="replace")
        check(error.code == 403, f"expired URL: HTTP {error.code} {body}")
        check("<Code>AccessDenied</Code>" in body, f"expired URL body: {body}")
    valid = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "kept.txt"}, ExpiresIn=600)
    with urllib.request.urlopen(valid, timeout=30) as answer:
        check(answer.status == 200, f"valid URL: HTTP {answer.status}")
        check(answer.read() == kept, "valid URL bytes differ")
    step("presigned GET (s3v4): ExpiresIn=1 after 2 s is HTTP 403 AccessDenied; a valid URL returns the bytes")

    if DIFFERENCES:
        print(
            f"FAILED: every step ran, but the server answered {len(DIFFERENCES)} thing(s) "
            "differently from S3:\n  - " + "\n  - ".join(DIFFERENCES),
            file=sys.stderr,
            flush=True,
        )
        sys.exit(3)
    print("boto3: all steps passed", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: boto3_round_trip.py BUCKET WORKDIR")
    try:
        main(sys.argv[1], sys.argv[2])
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr, flush=True)
        sys.exit(1)
    except Exception:  # an unexpected error from boto3: its traceback says which step
        print("FAILED with an unexpected exception:", file=sys.stderr, flush=True)
        traceback.print_exc()
        sys.exit(1)
