//! End-to-end throughput against a real S3-compatible server (Garage on 127.0.0.1):
//! a full listing of 10,000 keys, a batch delete of 10,000 keys and a 256 MiB streaming
//! download. `crates/bench/benches/reference_boto3_server.py` does the same work with boto3 and
//! `scripts/bench.sh server` runs both and prints the comparison.
//!
//! Not a criterion bench: each operation takes seconds, so every one is timed over a few
//! runs and reported as best and median. Results are one JSON object, the last line on
//! stdout.
//!
//! ```text
//! cargo bench -p stowage-bench --bench server_throughput        # list + delete, uploads the big object
//! target/release/deps/server_throughput-* download KEY       # one timed download of KEY
//! ```
//!
//! The download is one process per run so that `scripts/bench.sh` can interleave it
//! with boto3's and curl's downloads of the same object (the server sees the same load for
//! each) and read the process's peak RSS from `/usr/bin/time -v`. It streams the body inside
//! a spawned task, as a service handling a request would.
//!
//! Needs `STOWAGE_TEST_S3_{ENDPOINT,REGION,ACCESS_KEY_ID,SECRET_ACCESS_KEY,BUCKET}`
//! (`scripts/garage.sh start DIR && source DIR/env`). With `BENCH_URL_FILE` set, a
//! presigned URL of the large object is written there (for `curl` and boto3).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};
use stowage::s3::S3Storage;
use stowage::{ObjectStorage, Payload, PutOptions, S3Path};
use stowage_testkit::TestServer;

const KEYS: usize = 10_000;
const RUNS: usize = 3;
const SEED_CONCURRENCY: usize = 64;
const BIG_BYTES: u64 = 256 * 1024 * 1024;
const CHUNK_BYTES: usize = 1024 * 1024;
const SMALL_BODY: &[u8] = b"0123456789abcdef0123456789abcdef";

/// The server `STOWAGE_TEST_S3_*` names: every process of one bench run must see the same
/// server, so the bench never starts a private one.
fn env() -> TestServer {
    match TestServer::from_env() {
        Ok(Some(server)) => server,
        Ok(None) => panic!(
            "STOWAGE_TEST_S3_* is not set: start Garage with scripts/garage.sh start DIR and \
             source DIR/env, or run scripts/bench.sh server"
        ),
        Err(problem) => panic!("{problem}"),
    }
}

/// Resident set size (or its peak, for `VmHWM`) of this process, in KiB, from
/// /proc/self/status.
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// `{"best": .., "median": .., "runs": [..]}` of timings in seconds.
fn summary(runs: &[f64]) -> Value {
    let mut sorted = runs.to_vec();
    sorted.sort_by(f64::total_cmp);
    json!({ "best": sorted[0], "median": sorted[sorted.len() / 2], "runs": runs })
}

async fn seed(storage: &S3Storage, paths: &[S3Path]) {
    stream::iter(paths)
        .map(|path| async move {
            storage
                .put_object(
                    path,
                    Bytes::from_static(SMALL_BODY).into(),
                    PutOptions::new(),
                )
                .await
        })
        .buffer_unordered(SEED_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await
        .expect("seed small objects");
}

/// Uploads `BIG_BYTES` from generated 1 MiB chunks (one shared buffer, never the whole
/// object in memory).
async fn upload_big(storage: &S3Storage, path: &S3Path) {
    let chunk = Bytes::from(
        (0..CHUNK_BYTES)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let chunks = (BIG_BYTES as usize).div_ceil(CHUNK_BYTES);
    let body = stream::iter((0..chunks).map(move |i| {
        let remaining = BIG_BYTES as usize - i * CHUNK_BYTES;
        Ok::<_, std::io::Error>(chunk.slice(..remaining.min(CHUNK_BYTES)))
    }));
    storage
        .put_object(
            path,
            Payload::from_stream(body, BIG_BYTES),
            PutOptions::new(),
        )
        .await
        .expect("upload 256 MiB object");
}

/// Streams the object into a discard sink, chunk by chunk; returns the byte count.
async fn download(storage: &S3Storage, path: &S3Path) -> u64 {
    let mut output = storage.get_object(path).await.expect("get_object");
    let mut total = 0u64;
    while let Some(chunk) = output.body.next().await {
        total += chunk.expect("body chunk").len() as u64;
    }
    total
}

async fn run_all(env: &TestServer, storage: &S3Storage) -> Value {
    let nonce = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let prefix_key = format!("bench-server/stowage-{nonce}/");
    let prefix = S3Path::new(&env.bucket, &prefix_key).unwrap();
    let paths: Vec<S3Path> = (0..KEYS)
        .map(|i| S3Path::new(&env.bucket, format!("{prefix_key}obj-{i:05}")).unwrap())
        .collect();

    eprintln!("seeding {KEYS} objects under {prefix_key}");
    let started = Instant::now();
    seed(storage, &paths).await;
    let seed_secs = secs(started.elapsed());

    let mut list_runs = Vec::new();
    for run in 0..RUNS {
        let started = Instant::now();
        let listing = storage.list_objects(&prefix, None).await.expect("list");
        list_runs.push(secs(started.elapsed()));
        assert_eq!(listing.objects.len(), KEYS, "listing run {run}");
    }
    eprintln!("list: {list_runs:?}");

    let mut delete_runs = Vec::new();
    for run in 0..RUNS {
        if run > 0 {
            seed(storage, &paths).await;
        }
        let started = Instant::now();
        let report = storage.delete_objects(&paths).await.expect("delete");
        delete_runs.push(secs(started.elapsed()));
        assert!(
            report.is_success(),
            "delete run {run}: {:?}",
            report.failed.first()
        );
        assert_eq!(report.deleted.len(), KEYS);
    }
    eprintln!("delete: {delete_runs:?}");

    let big = S3Path::new(&env.bucket, format!("bench-server/big-{nonce}.bin")).unwrap();
    let started = Instant::now();
    upload_big(storage, &big).await;
    let upload_secs = secs(started.elapsed());
    eprintln!("upload 256 MiB: {upload_secs:.2}s");

    if let Ok(file) = std::env::var("BENCH_URL_FILE") {
        let url = storage
            .presigned_get_url(&big, Duration::from_secs(3600))
            .await
            .expect("presign");
        std::fs::write(&file, url.as_str()).expect("write BENCH_URL_FILE");
    }

    json!({
        "keys": KEYS,
        "seed_secs": seed_secs,
        "list": summary(&list_runs),
        "delete": summary(&delete_runs),
        "big_key": big.key(),
        "big_bytes": BIG_BYTES,
        "upload_secs": upload_secs,
    })
}

async fn run_download(env: &TestServer, storage: S3Storage, key: &str) -> Value {
    let path = S3Path::new(&env.bucket, key).expect("object key");
    let baseline = proc_status_kib("VmRSS");
    let started = Instant::now();
    let bytes = tokio::spawn(async move { download(&storage, &path).await })
        .await
        .expect("download task");
    let elapsed = secs(started.elapsed());
    json!({
        "bytes": bytes,
        "secs": elapsed,
        "baseline_rss_kib": baseline,
        "vm_hwm_kib": proc_status_kib("VmHWM"),
    })
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let env = env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async {
        let storage = env.s3_storage().await;
        match args.first().map(String::as_str) {
            None | Some("all") => run_all(&env, &storage).await,
            Some("download") => {
                let key = args.get(1).expect("usage: download KEY");
                run_download(&env, storage, key).await
            }
            Some(other) => panic!("unknown mode {other:?}: expected `all` or `download KEY`"),
        }
    });
    println!("{result}");
}
