//! stowage-s3 against a real Garage server.
//!
//! The server is the one `STOWAGE_TEST_S3_*` names (`scripts/test.sh` starts one), or a
//! private Garage this binary starts from the cache (`scripts/garage.sh install`).
//! Every test uses its own key prefix, so they run in parallel on the shared buckets.
//!
//! Garage 2.5 accepts `If-None-Match`/`If-Match` on PutObject and overwrites anyway, so the
//! conditional writes themselves run against a private moto server
//! (`stowage_testkit::servers::moto::MotoServer`), which enforces them on PutObject; neither server
//! enforces them on CopyObject, so a conditional copy is checked against a canned HTTP
//! server that records the request.
//!
//! One module per area: `objects` (round trips, presigning, error kinds, logs), `reads`,
//! `writes`, `listing`, `moto`, `canned`, `odd_answers`, and `endpoint` (the raw SDK against
//! the memory backend served as an S3 endpoint); the helpers they share are here.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use futures::StreamExt;
use md5::{Digest, Md5};
use stowage_core::{
    ByteRange, CopyOptions, Encryption, Error, FormField, GetObjectOutput, GetOptions, GetOutcome,
    ListOptions, ListToken, ManualClock, ObjectStorage, Payload, PostPolicyRequest, PresignedPost,
    PutMode, PutOptions, S3Path,
};
use stowage_s3::S3Storage;
use stowage_testkit::TestServer;
use stowage_testkit::servers::moto::MotoServer;
use stowage_testkit::support::{proptest_config, read_all, unique_name};

/// The test server (`STOWAGE_TEST_S3_*`, or a private Garage), with the log capture on.
fn env() -> &'static TestServer {
    capture_logs();
    TestServer::get()
}

/// A key prefix unique to this test and this run.
fn prefix(test: &str) -> String {
    let prefix = format!("t-{}/", unique_name(test));
    // No event of this binary may name a key a test wrote.
    stowage_testkit::logs::forbid([prefix.clone()]);
    prefix
}

fn path(bucket: &str, key: &str) -> S3Path {
    S3Path::new(bucket, key).expect("valid path")
}

/// Installs the binary's log capture (`stowage_testkit::logs`): every event, every target,
/// TRACE; from then on an event carrying a signature, a credential, a policy or the
/// server's secret aborts the binary.
fn capture_logs() {
    stowage_testkit::logs::forbid(["patient-4711", &TestServer::get().secret_access_key]);
}

async fn put(storage: &S3Storage, path: &S3Path, body: &'static str) {
    storage
        .put_object(path, Payload::from(body), PutOptions::new())
        .await
        .expect("put");
}

async fn put_many(storage: &S3Storage, paths: &[S3Path]) {
    futures::stream::iter(paths.iter().cloned())
        .map(|p| async move {
            storage
                .put_object(&p, Payload::from("x"), PutOptions::new())
                .await
                .expect("put")
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
}

/// Every attribute and some metadata.
fn attributes() -> PutOptions {
    PutOptions::new()
        .content_type("application/gzip")
        .cache_control("max-age=60, private")
        .content_disposition("attachment; filename=\"scan.nii.gz\"")
        .content_encoding("gzip")
        .content_language("de-CH")
        .metadata("Owner", "imaging")
}

/// A storage on a port where nothing listens: any request would be `Unreachable`.
async fn nowhere(conditional_writes: bool) -> S3Storage {
    let endpoint = stowage_testkit::support::dead_endpoint();
    TestServer::get()
        .s3_builder()
        .endpoint_url(endpoint)
        .max_attempts(1)
        .conditional_writes(conditional_writes)
        .build()
        .await
        .unwrap()
}

/// A runtime of two worker threads, for a property test that drives async code.
fn two_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A storage on the canned server, conditional writes on, no retries.
async fn on_canned(endpoint: &str) -> S3Storage {
    TestServer::get()
        .s3_builder()
        .endpoint_url(endpoint)
        .max_attempts(1)
        .conditional_writes(true)
        .build()
        .await
        .unwrap()
}

mod canned;
mod endpoint;
mod lean;
mod listing;
mod moto;
mod objects;
mod odd_answers;
mod reads;
mod writes;
