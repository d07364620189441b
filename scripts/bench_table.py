"""Prints the benchmark comparison table from criterion's estimates and boto3's figures."""
import json
import os
import platform
import sys


def criterion_ns(root, *parts):
    with open(os.path.join(root, *parts, "new", "estimates.json")) as f:
        return json.load(f)["mean"]["point_estimate"]


def fmt(ns):
    return f"{ns / 1000:.2f} us" if ns < 1e6 else f"{ns / 1e6:.2f} ms"


def main():
    boto3 = json.load(open(sys.argv[1]))
    root = sys.argv[2]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print()
    print("| operation | stowage | reference | speed-up | target |")
    print("|---|---|---|---|---|")
    targets = {"post_policy": 80, "presigned_get_url": 40, "hash_s3_key": 4}
    names = {"post_policy": "POST policy (size cap + Content-Type)", "presigned_get_url": "presigned GET URL", "hash_s3_key": "hash_s3_key"}
    for bench, target in targets.items():
        ours = criterion_ns(root, bench)
        theirs = boto3[bench]
        ratio = theirs / ours
        verdict = "met" if ratio >= target else "missed"
        print(f"| {names[bench]} | {fmt(ours)} | {fmt(theirs)} (boto3) | {ratio:.1f}x | >= {target}x ({verdict}) |")
    for op in ["put", "get", "head", "list_100k", "mixed_2_tasks"]:
        ours = criterion_ns(root, "memory_100k", op, "stowage")
        theirs = criterion_ns(root, "memory_100k", op, "object_store")
        ratio = theirs / ours
        verdict = "met" if ratio >= 1 else "missed"
        print(f"| memory backend {op} (100k objects) | {fmt(ours)} | {fmt(theirs)} (object_store InMemory) | {ratio:.2f}x | >= 1x ({verdict}) |")


if __name__ == "__main__":
    main()
