"""Groups a `perf record` profile's self time by the library each symbol belongs to: where
a request's client CPU goes (docs/performance.md, "Small objects").

    perf record -F 2000 -g -o perf.data target/release/deps/small_objects-* 0 stowage GET 1 10000
    python3 scripts/perf_groups.py perf.data

Prints each group's share of the samples, largest first.
"""
import collections
import re
import subprocess
import sys

# The first pattern that matches a sample's "dso symbol" names its group.
GROUPS = [
    ("SigV4 signing (canonical request, SHA-256, HMAC)", r"aws_sigv4|sha2::|hmac|Sha256|sha256|digest::"),
    ("endpoint rules", r"endpoint_lib|config::endpoint|resolve_endpoint|endpoint::"),
    ("checksums", r"crc32|crc64|aws_smithy_checksums|crc_fast"),
    ("SDK pipeline (aws_smithy_*, aws_sdk_s3, aws_runtime)",
     r"aws_smithy|aws_sdk_s3|aws_runtime|aws_types|aws_credential_types|aws_http"),
    ("hyper", r"hyper|h2::|http::|httparse|want::|tower"),
    ("allocation", r"malloc|free|realloc|_int_|cfree|mi_|alloc::"),
    ("stowage's own wrapper", r"stowage"),
    ("object_store and reqwest", r"object_store|reqwest"),
    ("tokio", r"tokio|mio|epoll|futures"),
    ("tracing", r"tracing"),
]


def main():
    report = subprocess.run(
        ["perf", "report", "-i", sys.argv[1], "--no-children", "--sort", "dso,sym",
         "--stdio", "-g", "none", "--percent-limit", "0"],
        capture_output=True, text=True, check=True).stdout
    shares = collections.Counter()
    for line in report.splitlines():
        match = re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*)", line)
        if not match:
            continue
        share, dso, kind, symbol = float(match.group(1)), match.group(2), match.group(3), match.group(4)
        group = "libc, std"
        if kind == "k":
            group = "kernel"
        else:
            for name, pattern in GROUPS:
                if re.search(pattern, f"{dso} {symbol}"):
                    group = name
                    break
        shares[group] += share
    for group, share in shares.most_common():
        print(f"{share:5.1f}%  {group}")


if __name__ == "__main__":
    main()
