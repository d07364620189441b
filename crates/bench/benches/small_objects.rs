//! Small objects: PUT, GET and HEAD of 1 KiB at concurrency 1 and 32, by stowage's S3
//! backend (its lean path, and every request through the SDK), the raw `aws-sdk-s3` client
//! it runs on, and object_store's `AmazonS3`, one
//! round of each per run (`scripts/bench.sh small` interleaves rounds with boto3's,
//! `crates/bench/benches/small_objects_boto3.py`).
//!
//! Each client runs the same request count per cell (`SMALL_SERIAL_REQUESTS`, 1,000 by
//! default, at concurrency 1; 4,000 at 32) against the Garage `STOWAGE_TEST_S3_*` names, in
//! a rotating client order, and prints one JSON line per cell: `{"server", "client", "op",
//! "concurrency", "requests", "secs", "cpu_secs", "round"}`. `SMALL_VARIANTS=1` adds the SDK client with one setting changed
//! at a time.
//!
//! Another server (`scripts/bench.sh endpoint` measures `stowage serve`, Garage and moto):
//! `SMALL_ENDPOINT`, `SMALL_REGION`, `SMALL_ACCESS_KEY_ID`, `SMALL_SECRET_ACCESS_KEY` and
//! `SMALL_BUCKET` name it instead (all five, path-style), and `SMALL_SERVER` is the name the
//! JSON lines give it (`garage` by default). `SMALL_CLIENTS=stowage,boto3` (a comma-separated
//! list of client names) runs only those clients; boto3's script reads the same variables. With
//! `ROUND CLIENT OP CONCURRENCY REQUESTS` it runs that one cell only, for a profiler:
//! `perf record -g target/release/deps/small_objects-* 0 stowage GET 1 20000`.
//! CPU is this process's user plus system time over the cell, so it is the client's alone:
//! the server is another process.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{StreamExt as _, TryStreamExt as _};
use object_store::ObjectStoreExt as _;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as StorePath;
use serde_json::json;
use stowage::s3::S3Storage;
use stowage::s3::aws_sdk_s3;
use stowage::{ObjectStorage, S3Path};
use stowage_testkit::TestServer;

/// The object size.
const SIZE: usize = 1024;
/// Keys each client cycles through.
const KEYS: usize = 64;

/// The three requests measured.
#[derive(Debug, Clone, Copy)]
enum Op {
    Put,
    Get,
    Head,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Self::Put => "PUT",
            Self::Get => "GET",
            Self::Head => "HEAD",
        }
    }
}

/// A client under test.
#[derive(Clone)]
enum Client {
    /// stowage's S3 backend: with its lean path (`stowage`), or with every request through
    /// the SDK (`stowage, SDK path`).
    Stowage(&'static str, Arc<S3Storage>),
    /// The SDK client, as stowage builds it, or with one setting changed (the name says
    /// which).
    Sdk(&'static str, aws_sdk_s3::Client),
    /// object_store's S3 store.
    ObjectStore(Arc<AmazonS3>),
}

impl Client {
    fn name(&self) -> &'static str {
        match self {
            Self::Stowage(name, _) => name,
            Self::Sdk(name, _) => name,
            Self::ObjectStore(_) => "object_store",
        }
    }

    /// One request of `op` on key number `n`.
    async fn request(&self, bucket: &str, op: Op, n: usize, body: &Bytes) {
        let key = format!("bench-small/{}/{}", self.name(), n % KEYS);
        match self {
            Self::Stowage(_, storage) => {
                let path = S3Path::new(bucket, &key).unwrap();
                match op {
                    Op::Put => {
                        storage
                            .put_object(&path, body.clone().into(), Default::default())
                            .await
                            .unwrap();
                    }
                    Op::Get => {
                        let object = storage.get_object(&path).await.unwrap();
                        let chunks: Vec<Bytes> = object.body.try_collect().await.unwrap();
                        assert_eq!(chunks.iter().map(Bytes::len).sum::<usize>(), SIZE);
                    }
                    Op::Head => {
                        storage.head_object(&path).await.unwrap();
                    }
                }
            }
            Self::Sdk(_, client) => match op {
                Op::Put => {
                    client
                        .put_object()
                        .bucket(bucket)
                        .key(&key)
                        .body(body.clone().into())
                        .send()
                        .await
                        .unwrap();
                }
                Op::Get => {
                    let object = client
                        .get_object()
                        .bucket(bucket)
                        .key(&key)
                        .send()
                        .await
                        .unwrap();
                    let bytes = object.body.collect().await.unwrap().into_bytes();
                    assert_eq!(bytes.len(), SIZE);
                }
                Op::Head => {
                    client
                        .head_object()
                        .bucket(bucket)
                        .key(&key)
                        .send()
                        .await
                        .unwrap();
                }
            },
            Self::ObjectStore(store) => {
                let path = StorePath::from(key.as_str());
                match op {
                    Op::Put => {
                        store.put(&path, body.clone().into()).await.unwrap();
                    }
                    Op::Get => {
                        let bytes = store.get(&path).await.unwrap().bytes().await.unwrap();
                        assert_eq!(bytes.len(), SIZE);
                    }
                    Op::Head => {
                        store.head(&path).await.unwrap();
                    }
                }
            }
        }
    }
}

/// This process's CPU time, every thread's, user and system.
fn cpu_time() -> Duration {
    let time = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// Runs `requests` requests of `op`, `concurrency` at a time: wall and CPU seconds.
async fn cell(
    client: &Client,
    bucket: &str,
    op: Op,
    concurrency: usize,
    requests: usize,
) -> (f64, f64) {
    let body = Bytes::from(vec![b'x'; SIZE]);
    let cpu = cpu_time();
    let start = Instant::now();
    futures::stream::iter(0..requests)
        .map(|n| {
            let (client, body) = (client, &body);
            async move { client.request(bucket, op, n, body).await }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<()>>()
        .await;
    (
        start.elapsed().as_secs_f64(),
        (cpu_time() - cpu).as_secs_f64(),
    )
}

/// A path-style endpoint resolved once instead of by the SDK's rules per request.
#[derive(Debug)]
struct StaticEndpoint {
    /// The server's URL.
    base: String,
}

impl aws_sdk_s3::config::endpoint::ResolveEndpoint for StaticEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        params: &'a aws_sdk_s3::config::endpoint::Params,
    ) -> aws_sdk_s3::config::endpoint::EndpointFuture<'a> {
        let url = match params.bucket() {
            Some(bucket) => format!("{}/{bucket}", self.base),
            None => self.base.clone(),
        };
        aws_sdk_s3::config::endpoint::EndpointFuture::ready(Ok(
            aws_sdk_s3::config::endpoint::Endpoint::builder()
                .url(url)
                .build(),
        ))
    }
}

/// The SDK client with one setting changed at a time, then all of them
/// (`SMALL_VARIANTS=1`): what configuration alone can save.
fn variants(sdk: &aws_sdk_s3::Client, endpoint: &str) -> Vec<Client> {
    use aws_sdk_s3::config::{
        RequestChecksumCalculation, ResponseChecksumValidation, StalledStreamProtectionConfig,
    };
    let base = || sdk.config().to_builder();
    let no_stall = |b: aws_sdk_s3::config::Builder| {
        b.stalled_stream_protection(StalledStreamProtectionConfig::disabled())
    };
    let checksums = |b: aws_sdk_s3::config::Builder| {
        b.request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
    };
    let endpoint = endpoint.trim_end_matches('/').to_owned();
    let fixed = |b: aws_sdk_s3::config::Builder| {
        b.endpoint_resolver(StaticEndpoint {
            base: endpoint.clone(),
        })
    };
    let client = |b: aws_sdk_s3::config::Builder| aws_sdk_s3::Client::from_conf(b.build());
    vec![
        Client::Sdk(
            "sdk: no stalled-stream protection",
            client(no_stall(base())),
        ),
        Client::Sdk("sdk: checksums when required", client(checksums(base()))),
        Client::Sdk("sdk: static endpoint", client(fixed(base()))),
        Client::Sdk("sdk: all three", client(fixed(checksums(no_stall(base()))))),
    ]
}

/// The server measured and its name in the JSON lines: the `SMALL_*` target when
/// `SMALL_ENDPOINT` is set, else the Garage the `STOWAGE_TEST_S3_*` names point at.
fn target() -> (String, TestServer) {
    let name = std::env::var("SMALL_SERVER").unwrap_or_else(|_| "garage".to_owned());
    if std::env::var_os("SMALL_ENDPOINT").is_some() {
        let var = |suffix: &str| {
            let variable = format!("SMALL_{suffix}");
            std::env::var(&variable)
                .ok()
                .filter(|value| !value.is_empty())
                .unwrap_or_else(|| panic!("SMALL_ENDPOINT is set but {variable} is not"))
        };
        let bucket = var("BUCKET");
        let server = TestServer {
            endpoint: var("ENDPOINT"),
            region: var("REGION"),
            access_key_id: var("ACCESS_KEY_ID"),
            secret_access_key: var("SECRET_ACCESS_KEY"),
            bucket2: bucket.clone(),
            bucket,
        };
        return (name, server);
    }
    match TestServer::from_env() {
        Ok(Some(server)) => (name, server),
        Ok(None) => panic!(
            "STOWAGE_TEST_S3_* is not set: start Garage with scripts/garage.sh start DIR and \
             source DIR/env, or run scripts/bench.sh small (or name another server with \
             SMALL_ENDPOINT and the other SMALL_* variables)"
        ),
        Err(problem) => panic!("{problem}"),
    }
}

/// The client names `SMALL_CLIENTS` lists (comma-separated), or `None` for every client.
fn selected_clients() -> Option<Vec<String>> {
    let list = std::env::var("SMALL_CLIENTS").ok()?;
    Some(
        list.split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

#[tokio::main]
async fn main() {
    let (server_name, server) = target();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let round: usize = args.first().and_then(|n| n.parse().ok()).unwrap_or(0);
    let stowage = server.s3_storage().await;
    assert!(
        stowage.lean_requests(),
        "the S3 backend takes its lean path"
    );
    let sdk = stowage.client().clone();
    let stowage_sdk_path = server
        .s3_builder()
        .lean_requests(false)
        .build()
        .await
        .expect("the S3 backend, SDK path");
    let object_store = AmazonS3Builder::new()
        .with_endpoint(&server.endpoint)
        .with_allow_http(true)
        .with_region(&server.region)
        .with_bucket_name(&server.bucket)
        .with_access_key_id(&server.access_key_id)
        .with_secret_access_key(&server.secret_access_key)
        .build()
        .expect("object_store's S3 store");
    let mut clients = vec![
        Client::Stowage("stowage", Arc::new(stowage)),
        Client::Stowage("stowage, SDK path", Arc::new(stowage_sdk_path)),
        Client::Sdk("aws-sdk-s3", sdk.clone()),
        Client::ObjectStore(Arc::new(object_store)),
    ];
    if std::env::var_os("SMALL_VARIANTS").is_some() {
        clients.extend(variants(&sdk, &server.endpoint));
    }
    // `ROUND CLIENT OP CONCURRENCY REQUESTS`: that one cell only, for a profiler.
    let one_cell = args.len() == 5;
    if !one_cell && let Some(names) = selected_clients() {
        let known: Vec<&str> = clients.iter().map(Client::name).collect();
        if let Some(unknown) = names
            .iter()
            .find(|name| *name != "boto3" && !known.contains(&name.as_str()))
        {
            panic!("SMALL_CLIENTS names {unknown:?}: the clients are boto3, {known:?}");
        }
        clients.retain(|client| names.iter().any(|name| name == client.name()));
    }
    if clients.is_empty() {
        return;
    }
    let count = clients.len();
    clients.rotate_left(round % count);
    if let [_, name, op, concurrency, requests] = args.as_slice() {
        let client = clients
            .iter()
            .find(|client| client.name() == name)
            .unwrap_or_else(|| panic!("no client {name}"));
        let op = [Op::Put, Op::Get, Op::Head]
            .into_iter()
            .find(|known| known.name() == op)
            .unwrap_or_else(|| panic!("no op {op}: PUT, GET or HEAD"));
        cell(client, &server.bucket, Op::Put, 8, KEYS).await;
        let (secs, cpu_secs) = cell(
            client,
            &server.bucket,
            op,
            concurrency.parse().expect("a concurrency"),
            requests.parse().expect("a request count"),
        )
        .await;
        println!(
            "{}",
            json!({"server": server_name, "client": name, "op": op.name(), "secs": secs, "cpu_secs": cpu_secs})
        );
        return;
    }
    // The objects every GET and HEAD reads, and a warm connection pool.
    for client in &clients {
        cell(client, &server.bucket, Op::Put, 8, KEYS).await;
    }
    let serial_requests = std::env::var("SMALL_SERIAL_REQUESTS")
        .map(|count| {
            count
                .parse()
                .expect("SMALL_SERIAL_REQUESTS is a request count")
        })
        .unwrap_or(1000);
    for op in [Op::Put, Op::Get, Op::Head] {
        for (concurrency, requests) in [(1, serial_requests), (32, 4000)] {
            for client in &clients {
                let (secs, cpu_secs) =
                    cell(client, &server.bucket, op, concurrency, requests).await;
                println!(
                    "{}",
                    json!({
                        "server": server_name,
                        "client": client.name(),
                        "op": op.name(),
                        "concurrency": concurrency,
                        "requests": requests,
                        "secs": secs,
                        "cpu_secs": cpu_secs,
                        "round": round,
                    })
                );
            }
        }
    }
}
