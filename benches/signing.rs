//! CPU cost of the pure, per-request work: key hashing, path parsing, POST policies and
//! presigned GET URLs. `scripts/bench.sh` runs these next to boto3 and prints ratios.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use stowage::{
    ObjectStorage, PostPolicyParams, PostPolicyRequest, PostPolicySigner, S3Path,
    SigningCredentials, hash_s3_key,
};

const KEY: &str = "studies/2026/patient-000123/series-7/scan-0042.nii.gz";

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
    let credentials = SigningCredentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    );
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let storage = runtime
        .block_on(
            stowage::s3::S3Storage::builder()
                .region("eu-west-1")
                .credentials(
                    "AKIAIOSFODNN7EXAMPLE",
                    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                )
                .build(),
        )
        .unwrap();
    let path = S3Path::new("imaging-data-eu", KEY).unwrap();
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

/// The same policy through `ObjectStorage::presigned_post` on the S3 backend, as an
/// application calls it: credentials, endpoint URL, clock and TTL rules included.
fn post_policy_via_storage(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let storage = runtime
        .block_on(
            stowage::s3::S3Storage::builder()
                .region("eu-west-1")
                .credentials(
                    "AKIAIOSFODNN7EXAMPLE",
                    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                )
                .build(),
        )
        .unwrap();
    let path = S3Path::new("imaging-data-eu", KEY).unwrap();
    let request = PostPolicyRequest::new(100 * 1024 * 1024).content_type("application/gzip");
    // The first call fills the per-bucket URL and credentials caches, inside the runtime.
    // Later calls complete without I/O; an application awaits them inside a task it is
    // already running, so they are driven by a bare executor here rather than by entering
    // the runtime per call, which would add the runtime's own cost to every figure.
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
