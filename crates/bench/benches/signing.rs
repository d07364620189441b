//! CPU cost of the pure, per-request work: key hashing, path parsing, POST policies and
//! presigned GET URLs. `scripts/bench.sh` runs these next to boto3 and prints ratios.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use stowage::backend::{PostPolicyParams, PostPolicySigner, SigningCredentials};
use stowage::{ObjectStorage, PostPolicyRequest, S3Path, hash_s3_key};

const KEY: &str = "studies/2026/patient-000123/series-7/scan-0042.nii.gz";
/// AWS's documented example credentials, as in the boto3 reference.
const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn hashing(c: &mut Criterion) {
    c.bench_function("hash_s3_key", |b| b.iter(|| hash_s3_key(black_box(KEY))));
}

fn parsing(c: &mut Criterion) {
    let path = format!("s3://imaging-data-eu/{KEY}");
    c.bench_function("s3_path_parse", |b| {
        b.iter(|| S3Path::parse(black_box(&path)))
    });
}

fn post_policy(c: &mut Criterion) {
    let signer = PostPolicySigner::new();
    let path = S3Path::new("imaging-data-eu", KEY).unwrap();
    let request = PostPolicyRequest::new(100 * 1024 * 1024).content_type("application/gzip");
    let credentials = SigningCredentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY);
    let url = "https://imaging-data-eu.s3.eu-west-1.amazonaws.com/";
    c.bench_function("post_policy", |b| {
        b.iter(|| {
            signer.sign(black_box(&PostPolicyParams {
                url,
                path: &path,
                request: &request,
                ttl: Duration::from_secs(600),
                credentials: &credentials,
                region: "eu-west-1",
                now: SystemTime::now(),
            }))
        })
    });
}

fn presigned_get(c: &mut Criterion) {
    let (runtime, storage) = s3_storage();
    let path = S3Path::new("imaging-data-eu", KEY).unwrap();
    // Warm the caches inside the runtime; see `s3_storage`.
    runtime
        .block_on(storage.presigned_get_url(&path, Duration::from_secs(3600)))
        .unwrap();
    c.bench_function("presigned_get_url", |b| {
        b.iter(|| {
            futures::executor::block_on(
                storage.presigned_get_url(black_box(&path), Duration::from_secs(3600)),
            )
        })
    });
}

/// An S3 backend for the example credentials, and the runtime it was built in.
///
/// The first presigning call fills the per-bucket URL and credentials caches and must run
/// inside the runtime. Later calls complete without I/O; an application awaits them inside
/// a task it is already running, so the benches drive them with a bare executor rather than
/// entering the runtime per call, which would add the runtime's own cost to every figure.
fn s3_storage() -> (tokio::runtime::Runtime, stowage::s3::S3Storage) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let storage = runtime
        .block_on(
            stowage::s3::S3Storage::builder()
                .region("eu-west-1")
                .credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
                .build(),
        )
        .unwrap();
    (runtime, storage)
}

/// The same policy through `ObjectStorage::presigned_post` on the S3 backend, as an
/// application calls it: credentials, endpoint URL, clock and TTL rules included.
fn post_policy_via_storage(c: &mut Criterion) {
    let (runtime, storage) = s3_storage();
    let path = S3Path::new("imaging-data-eu", KEY).unwrap();
    let request = PostPolicyRequest::new(100 * 1024 * 1024).content_type("application/gzip");
    // Warm the caches inside the runtime; see `s3_storage`.
    runtime
        .block_on(storage.presigned_post(&path, &request))
        .unwrap();
    c.bench_function("post_policy_via_s3_storage", |b| {
        b.iter(|| {
            futures::executor::block_on(
                storage.presigned_post(black_box(&path), black_box(&request)),
            )
        })
    });
}

criterion_group!(
    benches,
    hashing,
    parsing,
    post_policy,
    post_policy_via_storage,
    presigned_get
);
criterion_main!(benches);
