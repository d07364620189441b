"""Prints the one comparison table of scripts/bench.sh from the results of its run.

    python3 scripts/bench_table.py RESULTS_DIR CRITERION_DIR

RESULTS_DIR holds what bench.sh wrote (boto3_cpu.json; stowage_server.json,
boto3_server.json, downloads.jsonl); rows whose results are missing are left out, so the
`cpu` and `server` modes print their half. The endpoint mode's figures (endpoint.jsonl:
`stowage serve`, Garage and moto through two clients) make a second table below the first.
"""
import json
import os
import platform
import statistics
import sys


def criterion_ns(root, *parts):
    with open(os.path.join(root, *parts, "new", "estimates.json")) as f:
        return json.load(f)["mean"]["point_estimate"]


def fmt_ns(ns):
    return f"{ns / 1000:.2f} us" if ns < 1e6 else f"{ns / 1e6:.2f} ms"


def verdict(value, target, unit="x"):
    if value >= target:
        return f">= {target}{unit} (met)"
    short = 100 * (1 - value / target)
    return f">= {target}{unit} (missed by {short:.0f}%)"


def load(path):
    return json.load(open(path)) if os.path.exists(path) else None


def cpu_rows(out, criterion):
    boto3 = load(os.path.join(out, "boto3_cpu.json"))
    if boto3 is None:
        return []
    rows = []
    # (criterion bench, row, reference figure, reference name, target)
    benches = [
        ("post_policy", "POST policy (size cap + Content-Type), signer", "post_policy", "boto3", 80),
        ("post_policy_via_s3_storage", "POST policy through `S3Storage::presigned_post`",
         "post_policy", "boto3", 80),
        ("presigned_get_url", "presigned GET URL through `S3Storage`", "presigned_get_url", "boto3", 40),
        ("hash_s3_key", "hash_s3_key", "hash_s3_key", "Python hashlib", 4),
        ("s3_path_parse", "`S3Path::parse` (validating)", "s3_path_parse", "Python urlparse", None),
    ]
    for bench, name, reference_bench, reference, target in benches:
        ours = criterion_ns(criterion, bench)
        theirs = boto3[reference_bench]
        ratio = theirs / ours
        goal = verdict(ratio, target) if target else "none set"
        rows.append((name, fmt_ns(ours), f"{fmt_ns(theirs)} ({reference})", f"{ratio:.1f}x", goal))
    ops = {
        "put": "put",
        "get": "get",
        "head": "head",
        "list_100k": "full listing",
        "mixed_2_tasks": "mixed workload, 2 tasks x 1000 ops",
    }
    for op, name in ops.items():
        ours = criterion_ns(criterion, "memory_100k", op, "stowage")
        theirs = criterion_ns(criterion, "memory_100k", op, "object_store")
        ratio = theirs / ours
        rows.append((f"memory backend {name} (100k objects)", fmt_ns(ours),
                     f"{fmt_ns(theirs)} (object_store InMemory)", f"{ratio:.2f}x", verdict(ratio, 1)))
    paired = os.path.join(out, "bridge_paired.jsonl")
    if os.path.exists(paired):
        runs = [json.loads(line) for line in open(paired) if line.strip().startswith("{")]
        by = {(r["op"], r["store"]): r for r in runs}
        for op in ["put", "get", "head", "list_100k"]:
            bridged = by.get((op, "bridge"))
            direct = by.get((op, "memory backend direct"))
            in_memory = by.get((op, "object_store InMemory"))
            if not (bridged and direct and in_memory):
                continue
            added = 100 * (bridged["vs_direct"] - 1)
            goal = "< 5% added (met)" if added < 5 else f"< 5% added (missed: {added:.1f}%)"
            rows.append((f"`ObjectStoreBridge` over the memory backend, {ops[op]} (100k objects, "
                         f"{bridged['rounds']} paired rounds)",
                         fmt_ns(bridged["ns_per_call"]),
                         f"{fmt_ns(direct['ns_per_call'])} (memory backend direct); "
                         f"{fmt_ns(in_memory['ns_per_call'])} (object_store InMemory)",
                         f"{added:+.1f}% added; {bridged['vs_in_memory']:.2f}x InMemory's time", goal))
            prefixed = by.get((op, "object_store PrefixStore over InMemory"))
            if prefixed:
                rows.append((f"yardstick: object_store's `PrefixStore` over InMemory, {ops[op]}",
                             fmt_ns(prefixed["ns_per_call"]),
                             f"{fmt_ns(in_memory['ns_per_call'])} (object_store InMemory)",
                             f"{100 * (prefixed['vs_in_memory'] - 1):+.1f}% added", "none set"))
    return rows


def server_rows(out):
    ours = load(os.path.join(out, "stowage_server.json"))
    theirs = load(os.path.join(out, "boto3_server.json"))
    if ours is None or theirs is None:
        return []
    rows = []
    keys = ours["keys"]
    for op, name, how in (("list", "full listing", "`list_objects_v2` paginator"),
                          ("delete", "batch delete", "1000-key `delete_objects` loop")):
        ratio = theirs[op]["best"] / ours[op]["best"]
        rows.append((f"Garage: {name} of {keys:,} keys, best of 3",
                     f"{ours[op]['best']:.3f} s (median {ours[op]['median']:.3f})",
                     f"{theirs[op]['best']:.3f} s (median {theirs[op]['median']:.3f}) ({how})",
                     f"{ratio:.2f}x", verdict(ratio, 1)))

    runs = [json.loads(line) for line in open(os.path.join(out, "downloads.jsonl")) if line.strip()]
    by_client = {c: [r for r in runs if r["client"] == c] for c in ("stowage", "boto3", "curl")}
    size = ours["big_bytes"]
    for client, client_runs in by_client.items():
        for run in client_runs:
            assert run["bytes"] == size, f"{client} downloaded {run['bytes']} of {size} bytes"

    def median_mbps(client):
        return size / statistics.median(r["secs"] for r in by_client[client]) / 1e6

    def best_mbps(client):
        return size / min(r["secs"] for r in by_client[client]) / 1e6

    n = len(by_client["stowage"])
    mib = size // 2**20
    ratio = median_mbps("stowage") / median_mbps("boto3")
    rows.append((f"Garage: {mib} MiB download, median of {n} interleaved rounds",
                 f"{median_mbps('stowage'):.0f} MB/s (best {best_mbps('stowage'):.0f})",
                 f"{median_mbps('boto3'):.0f} MB/s (best {best_mbps('boto3'):.0f}) (`download_fileobj`)",
                 f"{ratio:.2f}x", verdict(ratio, 1)))
    share = 100 * median_mbps("stowage") / median_mbps("curl")
    rows.append((f"Garage: {mib} MiB download vs curl on a presigned URL",
                 f"{median_mbps('stowage'):.0f} MB/s",
                 f"{median_mbps('curl'):.0f} MB/s (best {best_mbps('curl'):.0f}) (curl)",
                 f"{share:.0f}%", verdict(share, 80, "%")))
    above = max((r["max_rss_kib"] - r["baseline_rss_kib"]) / 1024 for r in by_client["stowage"])
    peak = max(r["max_rss_kib"] for r in by_client["stowage"]) / 1024
    rows.append((f"peak RSS of the {mib} MiB streaming download (`/usr/bin/time -v`)",
                 f"+{above:.1f} MiB above baseline (peak {peak:.1f} MiB)", "", "",
                 "< 32 MiB " + ("(met)" if above < 32 else "(missed)")))
    return rows


def listing_rows(out):
    """Peak RSS above the baseline while listing: a stream of pages against the collection."""
    rows = []
    for name, file in (("memory backend", "listing_memory.jsonl"), ("Garage", "listing_garage.jsonl")):
        path = os.path.join(out, file)
        if not os.path.exists(path):
            continue
        runs = [json.loads(line) for line in open(path) if line.strip()]
        small = min((r for r in runs if r["mode"] == "stream"), key=lambda r: r["keys"])
        for run in runs:
            if run is small:
                continue
            extra = (run["delta_kib"] - small["delta_kib"]) / 1024
            what = "streamed page by page" if run["mode"] == "stream" else "collected (`list_objects`)"
            goal = (f"< 16 MiB ({'met' if extra < 16 else 'missed'})" if run["mode"] == "stream" else "none (for comparison)")
            rows.append((f"{name}: listing {run['keys']:,} keys, {what}, peak RSS above baseline",
                         f"{run['delta_kib'] / 1024:.1f} MiB",
                         f"{small['delta_kib'] / 1024:.1f} MiB (streaming {small['keys']:,} keys)",
                         f"{extra:+.1f} MiB", goal))
    return rows


# The bound on the peak RSS of a transfer: part size x parts in flight (the CLI's defaults,
# 16 MiB x 8) plus 32 MiB.
TRANSFER_RSS_BOUND_MIB = 16 * 8 + 32


def transfer_rows(out):
    """Large-object uploads and downloads, client against client (crates/bench/benches/transfer_rounds.py)."""
    path = os.path.join(out, "transfers.jsonl")
    if not os.path.exists(path):
        return []
    runs = [json.loads(line) for line in open(path) if line.strip()]
    size = runs[0]["bytes"]
    mib = size // 2**20
    rounds = max(r["round"] for r in runs)

    def figures(op, client):
        secs = [r["secs"] for r in runs if r["op"] == op and r["client"] == client]
        return size / statistics.median(secs) / 1e6, size / min(secs) / 1e6

    def rss(op, client):
        return max(r["max_rss_kib"] for r in runs if r["op"] == op and r["client"] == client) / 1024

    # (op, reference client, how it was run, target ratio, target unit)
    comparisons = [
        ("upload", "boto3", "`upload_file`", 1.2, "x"),
        ("upload", "curl", "curl PUT on a presigned URL", 90, "%"),
        ("upload", "rclone", "rclone `copyto`", None, "x"),
        ("download", "boto3", "`download_file`", 1.5, "x"),
        ("download", "rclone", "rclone `copyto`", 1.0, "x"),
        ("download", "curl", "curl GET on a presigned URL", None, "%"),
    ]
    rows = []
    for op, client, how, target, unit in comparisons:
        ours, ours_best = figures(op, "stowage")
        theirs, theirs_best = figures(op, client)
        if unit == "%":
            ratio = f"{100 * ours / theirs:.0f}%"
            goal = verdict(100 * ours / theirs, target, "%") if target else "none set"
        else:
            ratio = f"{ours / theirs:.2f}x"
            goal = verdict(ours / theirs, target) if target else "none set"
        source = "from a file" if op == "upload" else "to a file"
        rows.append((f"Garage: {mib} MiB {op} {source} vs {client}, median of {rounds} rounds",
                     f"{ours:.0f} MB/s (best {ours_best:.0f})",
                     f"{theirs:.0f} MB/s (best {theirs_best:.0f}) ({how}; peak RSS "
                     f"{rss(op, client):.0f} MiB)",
                     ratio, goal))
    for op in ("upload", "download"):
        rows.append(cpu_row(runs, op, mib, "cpu_secs", "CPU time of the client"))
        if all(r.get("server_cpu_secs") is not None for r in runs):
            rows.append(cpu_row(runs, op, mib, "server_cpu_secs", "Garage's CPU time serving it"))
    for op in ("upload", "download"):
        peak = rss(op, "stowage")
        met = "met" if peak < TRANSFER_RSS_BOUND_MIB else "missed"
        rows.append((f"peak RSS of `stowage {'put' if op == 'upload' else 'get'}`, {mib} MiB, "
                     "16 MiB parts x 8", f"{peak:.1f} MiB", "", "",
                     f"< {TRANSFER_RSS_BOUND_MIB} MiB ({met})"))
    return rows


def cpu_row(runs, op, mib, field, what):
    """The median CPU seconds per transfer of each client (or of the server serving it)."""
    def median(client):
        return statistics.median(r[field] for r in runs if r["op"] == op and r["client"] == client)

    others = [client for client in ("boto3", "rclone", "curl")
              if any(r["client"] == client for r in runs)]
    return (f"Garage: {mib} MiB {op}, {what} (user + system), median",
            f"{median('stowage'):.2f} s",
            ", ".join(f"{client} {median(client):.2f} s" for client in others),
            "", "none set")


def big_rows(out):
    """The one 6 GiB run (scripts/bench.sh big): seconds and throughput of each step."""
    path = os.path.join(out, "big.jsonl")
    if not os.path.exists(path):
        return []
    runs = [json.loads(line) for line in open(path) if line.strip()]
    verified = any(r.get("sha256_equal") for r in runs)
    parts = next((r["parts"] for r in runs if r["op"] == "copy requests"), None)
    rows = []
    for run in (r for r in runs if "secs" in r):
        gib = run["bytes"] / 2**30
        how = ""
        if run["op"] == "cp" and parts is not None:
            how = " (one CopyObject)" if parts == 1 else f" ({parts} part copies)"
        rows.append((f"Garage: {gib:.0f} GiB `stowage {run['op']}`{how}",
                     f"{run['secs']:.1f} s ({run['bytes'] / run['secs'] / 1e6:.0f} MB/s), "
                     f"{run['max_rss_kib'] / 1024:.0f} MiB RSS",
                     "", "", "download identical (SHA-256)" if verified else ""))
    return rows


def spread(ratios):
    """ " (rounds LOW-HIGHx)" for two rounds or more, else nothing."""
    if len(ratios) < 2:
        return ""
    return f" (rounds {min(ratios):.2f}-{max(ratios):.2f}x)"


def small_rows(out):
    """scripts/bench.sh small: ops/s and client CPU per 1000 requests, medians of the rounds;
    stowage (its lean path) against object_store, with stowage's SDK path, aws-sdk-s3 and
    boto3 beside."""
    path = os.path.join(out, "small.jsonl")
    if not os.path.exists(path):
        return []
    runs = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    runs = [r for r in runs if r.get("server", "garage") == "garage"]
    cells = {}
    for run in runs:
        key = (run["op"], run["concurrency"], run["client"])
        cells.setdefault(key, []).append(run)
    def medians(op, concurrency, client):
        cell = cells.get((op, concurrency, client), [])
        if not cell:
            return None, None
        ops = statistics.median(r["requests"] / r["secs"] for r in cell)
        cpu = statistics.median(1000 * r["cpu_secs"] / r["requests"] * 1000 for r in cell)
        return ops, cpu
    def round_ratios(op, concurrency):
        """stowage / object_store within each round: the two cells of a round meet the same
        server state, so the spread shows how far the rounds' own noise reaches."""
        rate = lambda client: {r.get("round"): r["requests"] / r["secs"]
                               for r in cells.get((op, concurrency, client), [])}
        ours, theirs = rate("stowage"), rate("object_store")
        return [ours[n] / theirs[n] for n in ours if n in theirs]
    rows = []
    for op in ("GET", "HEAD", "PUT"):
        for concurrency in (1, 32):
            ours, our_cpu = medians(op, concurrency, "stowage")
            theirs, their_cpu = medians(op, concurrency, "object_store")
            if ours is None or theirs is None:
                continue
            others = []
            for client in ("stowage, SDK path", "aws-sdk-s3", "boto3"):
                ops, cpu = medians(op, concurrency, client)
                if ops is not None:
                    others.append(f"{client} {ops:,.0f}/s, {cpu:.0f} ms CPU")
            rows.append((f"Garage: 1 KiB {op}, concurrency {concurrency} (per 1000 requests)",
                         f"{ours:,.0f}/s, {our_cpu:.0f} ms CPU",
                         f"object_store {theirs:,.0f}/s, {their_cpu:.0f} ms CPU; " + "; ".join(others),
                         f"{ours / theirs:.2f}x" + spread(round_ratios(op, concurrency)),
                         verdict(ours / theirs, 1.0) + (" (CPU " + verdict(their_cpu / our_cpu, 1.0) + ")")))
    return rows


# The endpoint mode's servers, in the table's column order, and their names there.
ENDPOINT_SERVERS = (("stowage-serve", "stowage serve"), ("garage", "Garage"), ("moto", "moto"))
# stowage serve's goals on every row: this many times moto's ops/s, and Garage's.
GOAL_MOTO, GOAL_GARAGE = 10, 1


def startup_rows(out):
    """How fast `stowage serve` printed its endpoint (crates/bench/benches/serve_startup.py)."""
    run = load(os.path.join(out, "serve_startup.json"))
    if run is None:
        return []
    met = "met" if run["max_ms"] < 100 else "missed"
    return [(f"`stowage serve` start: spawn to endpoint line read, median of {run['runs']}",
             f"{run['median_ms']:.1f} ms (max {run['max_ms']:.1f})", "", "",
             f"< 100 ms, every start ({met})")]


def endpoint_table(out):
    """scripts/bench.sh endpoint: 1 KiB ops/s on each server by each client, medians of the
    rounds, and stowage serve's ratios to moto and Garage; the lines of a markdown table."""
    path = os.path.join(out, "endpoint.jsonl")
    if not os.path.exists(path):
        return []
    runs = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    cells, cpu = {}, {}
    for run in runs:
        key = (run["server"], run["client"], run["op"], run["concurrency"])
        cells.setdefault(key, []).append(run["requests"] / run["secs"])
        cpu.setdefault(key, []).append(run["cpu_secs"] / run["requests"])
    rounds = max(len(cell) for cell in cells.values())
    clients = [c for c in ("stowage", "boto3") if any(k[1] == c for k in cells)]
    names = {"stowage": "stowage S3 backend", "boto3": "boto3"}

    def ratio(ours, theirs, goal, ceiling=None):
        if ours is None or theirs is None:
            return ""
        value = ours / theirs
        if value >= goal:
            return f"{value:.1f}x (met)"
        if ceiling is not None and ceiling < goal * theirs:
            # The client alone cannot send goal x theirs: no server can meet the goal here.
            return f"{value:.1f}x (missed; client-bound: its ceiling is {ceiling / theirs:.1f}x)"
        return f"{value:.1f}x (missed)"

    def ceiling(key, concurrency):
        """The most requests per second the client's own CPU allows: as many requests at
        once as it has in flight and cores to run them, each costing its CPU per request
        against stowage serve (median of the rounds); the server's CPU is not counted."""
        per_request = cpu.get(key)
        if not per_request:
            return None
        return min(concurrency, os.cpu_count() or 1) / statistics.median(per_request)

    lines = [f"1 KiB objects on three servers, ops/s, median of {rounds} interleaved rounds "
             f"(goal: stowage serve >= {GOAL_MOTO}x moto and >= {GOAL_GARAGE}x Garage on every row)",
             "",
             "| client | op | concurrency | " + " | ".join(n for _, n in ENDPOINT_SERVERS)
             + " | client CPU per request | serve / moto | serve / Garage |",
             "|---|---|---|" + "---|" * len(ENDPOINT_SERVERS) + "---|---|---|"]
    for client in clients:
        for op in ("PUT", "GET", "HEAD"):
            for concurrency in (1, 32):
                ops = {}
                for server, _ in ENDPOINT_SERVERS:
                    cell = cells.get((server, client, op, concurrency))
                    ops[server] = statistics.median(cell) if cell else None
                figures = [f"{ops[s]:,.0f}" if ops[s] is not None else "" for s, _ in ENDPOINT_SERVERS]
                serve_key = ("stowage-serve", client, op, concurrency)
                client_cpu = cpu.get(serve_key)
                client_cpu = f"{statistics.median(client_cpu) * 1000:.2f} ms" if client_cpu else ""
                cap = ceiling(serve_key, concurrency)
                lines.append(f"| {names[client]} | {op} | {concurrency} | " + " | ".join(figures)
                             + f" | {client_cpu}"
                             + f" | {ratio(ops['stowage-serve'], ops['moto'], GOAL_MOTO, cap)}"
                             + f" | {ratio(ops['stowage-serve'], ops['garage'], GOAL_GARAGE, cap)} |")
    return lines


def browser_rows(out):
    """The browser upload of scripts/bench.sh browser: time, and what the app held."""
    path = os.path.join(out, "browser.jsonl")
    if not os.path.exists(path):
        return []
    run = json.loads(open(path).read().strip().splitlines()[-1])
    mib = run["bytes"] / 2**20
    return [(f"Garage: {mib:.0f} MiB through Uppy in Chromium ({run['parts']} parts)",
             f"{run['secs']:.1f} s ({run['bytes'] / run['secs'] / 1e6:.0f} MB/s)",
             f"app: {run['app_max_rss_kib'] / 1024:.0f} MiB peak RSS "
             f"({run['app_idle_rss_kib'] / 1024:.0f} MiB idle), {run['app_cpu_secs']:.2f} s CPU",
             "", "the app never holds the bytes")]


def main():
    out, criterion = sys.argv[1], sys.argv[2]
    rows = (cpu_rows(out, criterion) + server_rows(out) + listing_rows(out)
            + transfer_rows(out) + small_rows(out) + startup_rows(out) + browser_rows(out)
            + big_rows(out))
    import boto3

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"Python {platform.python_version()}, boto3 {boto3.__version__}")
    print()
    print("| operation | stowage | reference | ratio | target |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    endpoint = endpoint_table(out)
    if endpoint:
        print()
        print("\n".join(endpoint))


if __name__ == "__main__":
    main()
