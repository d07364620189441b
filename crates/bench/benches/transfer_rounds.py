"""Large-object transfers on a real server, client against client, in interleaved rounds.

Each round uploads the same file on disk with every client, then downloads the same
object to a file on disk with every client, each in a fresh process under
/usr/bin/time -v (peak RSS) that starts once the page cache holds no dirty page and the
server is idle; the order of the clients rotates from round to round so no client always
follows the same one. Clients, as a user would run them:

- stowage: the `stowage` binary (`put FILE S3PATH`, `get S3PATH FILE`) with its defaults;
- boto3: `upload_file` / `download_file` (s3transfer: 8 MiB parts, 10 threads), timed from
  the call to its return (its interpreter start-up is not counted);
- rclone: `copyto` with its defaults (4 streams for a download), `--ignore-times` so that
  it uploads a file the bucket already holds;
- curl: one PUT or GET on a URL presigned by boto3.

Every download is checked against the source's length, and in the first round against its
SHA-256. The CPU time of each client (user + system, from GNU time; boto3's own over the
timed call) and, when STOWAGE_BENCH_SERVER_PID names the server's process, the server's
CPU time over the same transfer (from /proc) say where the time of a transfer went. Prints
one JSON line per transfer:
{"op", "client", "round", "secs", "cpu_secs", "server_cpu_secs", "bytes", "max_rss_kib"}.

    python3 crates/bench/benches/transfer_rounds.py STOWAGE_BIN WORKDIR ROUNDS SIZE_MIB

Needs STOWAGE_TEST_S3_{ENDPOINT,REGION,ACCESS_KEY_ID,SECRET_ACCESS_KEY,BUCKET}
(scripts/garage.sh start DIR && source DIR/env), rclone, curl and GNU time.
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import time

CLIENTS = ["stowage", "boto3", "rclone", "curl"]
HERE = os.path.dirname(os.path.abspath(__file__))
BOTO3 = [sys.executable, os.path.join(HERE, "reference_boto3_server.py")]


def env(name):
    value = os.environ.get(f"STOWAGE_TEST_S3_{name}")
    if not value:
        sys.exit(f"STOWAGE_TEST_S3_{name} is not set: run scripts/bench.sh transfer")
    return value


def child_env():
    """The environment of every client: credentials for stowage, rclone's remote `bench`."""
    variables = dict(os.environ)
    # The server is plain HTTP on 127.0.0.1; rclone 1.60 refuses to start when a custom CA
    # bundle is named for its AWS client (LoadCustomCABundleError).
    variables.pop("AWS_CA_BUNDLE", None)
    variables.update(
        AWS_ACCESS_KEY_ID=env("ACCESS_KEY_ID"),
        AWS_SECRET_ACCESS_KEY=env("SECRET_ACCESS_KEY"),
        AWS_REGION=env("REGION"),
        RCLONE_CONFIG_BENCH_TYPE="s3",
        RCLONE_CONFIG_BENCH_PROVIDER="Other",
        RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=env("ACCESS_KEY_ID"),
        RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=env("SECRET_ACCESS_KEY"),
        RCLONE_CONFIG_BENCH_ENDPOINT=env("ENDPOINT"),
        RCLONE_CONFIG_BENCH_REGION=env("REGION"),
        RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE="true",
    )
    return variables


def server_cpu_secs():
    """The CPU seconds the server's process has used so far, or None when it is not named."""
    pid = os.environ.get("STOWAGE_BENCH_SERVER_PID")
    if not pid:
        return None
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime, the 14th and 15th fields of the whole line, in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_idle_server(quiet_secs=0.5, longest_secs=60):
    """Returns once the server's process has used under 2% of a CPU for quiet_secs (or after
    longest_secs); at once when the server is not named."""
    if server_cpu_secs() is None:
        return
    deadline = time.monotonic() + longest_secs
    while time.monotonic() < deadline:
        before = server_cpu_secs()
        time.sleep(quiet_secs)
        if server_cpu_secs() - before < 0.02 * quiet_secs:
            return


def timed(command, variables):
    """Runs command under GNU time: its wall time and CPU time in seconds, peak RSS in KiB,
    stdout, and the server's CPU seconds over the run (None when the server is not named).

    Every dirty page is written back first, and the server left to finish its background
    work, outside the timing: without it a transfer pays for the writeback of the gigabytes
    the transfers before it left in the page cache (the kernel throttles writers once dirty
    pages pass its threshold) and shares the CPU with what the server still does after the
    uploads (Garage spends up to 1.5 CPU-seconds then, measured), so its time depends on
    which client ran before it rather than on itself.
    """
    os.sync()
    wait_for_idle_server()
    report = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"transfer-time-{os.getpid()}.txt")
    server_before = server_cpu_secs()
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", "-o", report, *command],
        env=variables,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        check=False,
    )
    secs = time.perf_counter() - started
    server = None if server_before is None else server_cpu_secs() - server_before
    if done.returncode != 0:
        sys.exit(f"{command[0]} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    with open(report) as f:
        text = f.read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", text).group(1))
              for kind in ("User", "System"))
    os.remove(report)
    return secs, cpu, rss, done.stdout.decode(), server


def stowage_command(binary, *args):
    return [binary, "--endpoint-url", env("ENDPOINT"), "--region", env("REGION"), "--path-style", *args]


def upload(client, binary, source, key, variables):
    bucket = env("BUCKET")
    if client == "stowage":
        command = stowage_command(binary, "put", f"s3://{bucket}/{key}", source)
    elif client == "boto3":
        command = [*BOTO3, "upload-file", source, key]
    elif client == "rclone":
        # --ignore-times: upload even when the object already holds the same file.
        command = ["rclone", "copyto", "--ignore-times", source, f"bench:{bucket}/{key}"]
    else:
        url = subprocess.run(
            [*BOTO3, "presign", "put", key], env=variables, capture_output=True, check=True
        ).stdout.decode().strip()
        command = ["curl", "-sSf", "-o", "/dev/null", "-T", source, url]
    return command


def download(client, binary, key, target, variables):
    bucket = env("BUCKET")
    if client == "stowage":
        command = stowage_command(binary, "get", f"s3://{bucket}/{key}", target)
    elif client == "boto3":
        command = [*BOTO3, "download-file", key, target]
    elif client == "rclone":
        command = ["rclone", "copyto", f"bench:{bucket}/{key}", target]
    else:
        url = subprocess.run(
            [*BOTO3, "presign", "get", key], env=variables, capture_output=True, check=True
        ).stdout.decode().strip()
        command = ["curl", "-sSf", "-o", target, url]
    return command


def measure(op, client, rnd, size, command, variables):
    """One timed transfer as its JSON line; boto3's times are its own, over the call."""
    secs, cpu, rss, out, server = timed(command, variables)
    if client == "boto3":
        own = json.loads(out)
        secs, cpu = own["secs"], own["cpu_secs"]
    return {"op": op, "client": client, "round": rnd, "secs": secs, "cpu_secs": cpu,
            "server_cpu_secs": server, "bytes": size, "max_rss_kib": rss}


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def make_source(path, size):
    """size bytes that do not repeat within a part, written once."""
    if os.path.exists(path) and os.path.getsize(path) == size:
        return
    with open(path, "wb") as f:
        remaining = size
        while remaining:
            block = os.urandom(min(remaining, 8 << 20))
            f.write(block)
            remaining -= len(block)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    binary, workdir, rounds, size_mib = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    size = size_mib << 20
    variables = child_env()
    source = os.path.join(workdir, "source.bin")
    make_source(source, size)
    expected = sha256(source)
    nonce = int(time.time() * 1000)
    shared_key = f"bench-transfer/{nonce}/object.bin"
    for rnd in range(1, rounds + 1):
        order = CLIENTS[rnd % len(CLIENTS):] + CLIENTS[: rnd % len(CLIENTS)]
        for client in order:
            key = shared_key if client == "stowage" else f"bench-transfer/{nonce}/{client}.bin"
            command = upload(client, binary, source, key, variables)
            print(json.dumps(measure("upload", client, rnd, size, command, variables)), flush=True)
        for client in order:
            target = os.path.join(workdir, f"download-{client}.bin")
            command = download(client, binary, shared_key, target, variables)
            line = measure("download", client, rnd, size, command, variables)
            got = os.path.getsize(target)
            if got != size or (rnd == 1 and sha256(target) != expected):
                sys.exit(f"{client} downloaded a different object ({got} bytes)")
            os.remove(target)
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
