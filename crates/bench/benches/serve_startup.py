"""How fast `stowage serve` starts: the binary spawned RUNS times (20 by default), each
timed from the spawn until its first line of standard output (the `export
AWS_ENDPOINT_URL=...` line, printed once it listens) has been read, then stopped.

    python3 crates/bench/benches/serve_startup.py STOWAGE_BINARY [RUNS]

Prints one JSON line: {"op": "serve startup", "runs", "ms" (every run), "median_ms", "max_ms"}.
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import time


def one_start(binary):
    """Milliseconds from the spawn to the endpoint line; the server is stopped after."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    start = time.perf_counter()
    server = subprocess.Popen([binary, "serve", "--bucket", "stowage-bench"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, env=env)
    try:
        line = server.stdout.readline()
        ms = (time.perf_counter() - start) * 1000
        if not line.startswith(b"export AWS_ENDPOINT_URL=http://127.0.0.1:"):
            sys.exit(f"serve_startup.py: the first line of `stowage serve` was {line!r}")
        return ms
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    times = [one_start(binary) for _ in range(runs)]
    print(json.dumps({"op": "serve startup", "runs": runs, "ms": [round(t, 2) for t in times],
                      "median_ms": statistics.median(times), "max_ms": max(times)}), flush=True)


if __name__ == "__main__":
    main()
