//! Memory held while listing: a stream of pages against the collected listing.
//!
//! One process per figure, so that each starts clean:
//!
//! ```text
//! listing_memory memory KEYS stream|collect      # the memory backend, KEYS objects
//! listing_memory garage PREFIX stream|collect    # the S3 backend on STOWAGE_TEST_S3_*
//! listing_memory garage-seed PREFIX KEYS         # writes KEYS empty objects under PREFIX
//! ```
//!
//! Seeding happens before the measurement; the peak resident set (`VmHWM`) is then reset
//! (`/proc/self/clear_refs`), the listing runs, and the process prints one JSON line with
//! the keys listed, the RSS before the listing and the peak during it, in KiB.
//! `scripts/bench.sh` runs it and puts the figures in its table.

use futures::{StreamExt, TryStreamExt, stream};
use serde_json::json;
use stowage::memory::MemoryStorage;
use stowage::{ListOptions, ListStreamExt, ObjectStorage, Payload, PutOptions, S3Path};
use stowage_testkit::TestServer;

const BUCKET: &str = "stowage-test";
const SEED_CONCURRENCY: usize = 64;

/// A field of /proc/self/status (`VmRSS`, `VmHWM`), in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// Lists `prefix` either page by page (nothing kept) or collected, and reports the peak.
async fn measure(storage: &dyn ObjectStorage, prefix: &S3Path, mode: &str) -> serde_json::Value {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS");
    let baseline = status_kib("VmRSS");
    let keys = match mode {
        "stream" => {
            let options = ListOptions::new();
            storage
                .list_pages(prefix, &options)
                .try_fold(0usize, |n, page| async move { Ok(n + page.objects.len()) })
                .await
                .expect("stream")
        }
        "collect" => storage
            .list_objects(prefix, None)
            .await
            .expect("list")
            .objects
            .len(),
        other => panic!("mode {other:?}: stream or collect"),
    };
    let peak = status_kib("VmHWM");
    json!({"mode": mode, "keys": keys, "baseline_rss_kib": baseline, "peak_rss_kib": peak,
           "delta_kib": peak.saturating_sub(baseline)})
}

async fn seed(storage: &dyn ObjectStorage, prefix: &S3Path, keys: usize) {
    stream::iter(0..keys)
        .for_each_concurrent(SEED_CONCURRENCY, |i| async move {
            let path = prefix.join(&format!("object-{i:07}")).expect("key");
            storage
                .put_object(&path, Payload::from(""), PutOptions::new())
                .await
                .expect("seed");
        })
        .await;
}

fn garage() -> TestServer {
    match TestServer::from_env() {
        Ok(Some(server)) => server,
        Ok(None) => panic!("STOWAGE_TEST_S3_* is not set: run scripts/bench.sh server"),
        Err(problem) => panic!("{problem}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let result = runtime.block_on(async {
        match arg(0) {
            "memory" => {
                let keys: usize = arg(1).parse().expect("KEYS");
                let storage = MemoryStorage::builder().bucket(BUCKET).build();
                let prefix = S3Path::new(BUCKET, "listing/").expect("prefix");
                seed(&storage, &prefix, keys).await;
                measure(&storage, &prefix, arg(2)).await
            }
            "garage-seed" => {
                let server = garage();
                let storage = server.s3_storage().await;
                let prefix = S3Path::new(&server.bucket, arg(1)).expect("prefix");
                let keys: usize = arg(2).parse().expect("KEYS");
                seed(&storage, &prefix, keys).await;
                json!({"seeded": keys})
            }
            "garage" => {
                let server = garage();
                let storage = server.s3_storage().await;
                let prefix = S3Path::new(&server.bucket, arg(1)).expect("prefix");
                measure(&storage, &prefix, arg(2)).await
            }
            "" => json!({"usage": "listing_memory memory KEYS stream|collect | garage PREFIX stream|collect | garage-seed PREFIX KEYS"}),
            other => panic!("unknown target {other:?}"),
        }
    });
    let mut line = result;
    if let Some(object) = line.as_object_mut() {
        object.insert("target".into(), json!(arg(0)));
    }
    println!("{line}");
}
