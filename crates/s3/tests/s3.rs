//! stowage-s3 against a real Garage server.
//!
//! The server is the one `STOWAGE_TEST_S3_*` names (`scripts/test.sh` starts one), or a
//! private Garage this binary starts from the cache (`scripts/garage.sh install`).
//! Every test uses its own key prefix, so they run in parallel on the shared buckets.
//!
//! Garage 2.5 accepts `If-None-Match`/`If-Match` on PutObject and overwrites anyway, so the
//! conditional writes themselves run against a private moto server
//! (`stowage_testkit::moto::MotoServer`), which enforces them on PutObject; neither server
//! enforces them on CopyObject, so a conditional copy is checked against a canned HTTP
//! server that records the request.

use std::sync::{Arc, Mutex};
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
use stowage_testkit::moto::MotoServer;

/// The test server (`STOWAGE_TEST_S3_*`, or a private Garage), with the log capture on.
fn env() -> &'static TestServer {
    capture_logs();
    TestServer::get()
}

/// A key prefix unique to this test and this run.
fn prefix(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!("t-{test}-{nanos}/");
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

// ---- helpers ----

async fn put(storage: &S3Storage, path: &S3Path, body: &'static str) {
    storage
        .put_object(path, Payload::from(body), PutOptions::new())
        .await
        .expect("put");
}

async fn read(storage: &S3Storage, path: &S3Path) -> Bytes {
    storage
        .get_object(path)
        .await
        .expect("get")
        .body
        .bytes()
        .await
        .expect("read body")
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

// ---- tests ----

#[tokio::test(flavor = "multi_thread")]
async fn odd_keys_round_trip() {
    let env = env();
    let storage = env.s3_storage().await;
    let prefix = prefix("odd");
    let suffixes = [
        "plain.txt",
        "ünïcødé/файл/文件.bin",
        "with space/and  two.txt",
        "question?mark=1&x=2",
        "hash#fragment",
        "percent%20literal%2F",
        "plus+sign",
        "semi;colon,comma'quote\"",
    ];
    for suffix in suffixes {
        let key = format!("{prefix}{suffix}");
        let p = path(&env.bucket, &key);
        let body = format!("body of {suffix}");
        storage
            .put_object(&p, Payload::from(body.clone()), PutOptions::new())
            .await
            .unwrap_or_else(|e| panic!("put {suffix}: {e}"));
        assert_eq!(read(&storage, &p).await, body.as_bytes(), "{suffix}");
        assert!(storage.object_exists(&p).await.unwrap(), "{suffix}");
    }
    // A leading slash is part of the key.
    let slash = path(&env.bucket, &format!("/{prefix}leading"));
    put(&storage, &slash, "leading slash").await;
    assert_eq!(read(&storage, &slash).await, "leading slash".as_bytes());
    // Note: Garage 2.5 stores `/k` as `k` (the listing shows no leading slash), so the
    // listing is checked only for the other keys.
    let listed = storage
        .list_objects(&path(&env.bucket, &prefix), None)
        .await
        .unwrap();
    let listed: Vec<&str> = listed.paths().map(|p| p.key()).collect();
    for suffix in suffixes {
        let key = format!("{prefix}{suffix}");
        assert!(listed.contains(&key.as_str()), "{suffix} not listed");
    }
}

/// 64 MiB of deterministic bytes, generated and hashed chunk by chunk.
fn big_chunk(index: u64, size: usize) -> Bytes {
    let mut chunk = vec![0_u8; size];
    for (i, byte) in chunk.iter_mut().enumerate() {
        *byte = ((index as usize * 31 + i * 7) % 251) as u8;
    }
    Bytes::from(chunk)
}

#[tokio::test(flavor = "multi_thread")]
async fn get_streams_a_64_mib_object_chunk_by_chunk() {
    let env = env();
    let storage = env.s3_storage().await;
    let p = path(&env.bucket, &format!("{}big.bin", prefix("big")));
    const CHUNK: usize = 1 << 20;
    const CHUNKS: u64 = 64;
    // With the default transfer settings 64 MiB goes as four 16 MiB parts: S3's ETag is
    // then the MD5 of the parts' MD5s, `-4`.
    const CHUNKS_PER_PART: u64 = 16;
    let mut expected = Md5::new();
    let mut parts = Md5::new();
    let mut part = Md5::new();
    for i in 0..CHUNKS {
        expected.update(big_chunk(i, CHUNK));
        part.update(big_chunk(i, CHUNK));
        if (i + 1) % CHUNKS_PER_PART == 0 {
            parts.update(std::mem::take(&mut part).finalize());
        }
    }
    let expected = expected.finalize();
    let multipart_etag = format!("\"{}-4\"", hex::encode(parts.finalize()));
    let upload = futures::stream::iter(0..CHUNKS).map(|i| Ok(big_chunk(i, CHUNK)));
    let put = storage
        .put_object(
            &p,
            Payload::from_stream(upload, CHUNKS * CHUNK as u64),
            PutOptions::new(),
        )
        .await
        .expect("streamed put");
    assert_eq!(put.etag.as_deref(), Some(multipart_etag.as_str()));

    let output = storage.get_object(&p).await.expect("get");
    assert_eq!(output.meta.size, CHUNKS * CHUNK as u64);
    let mut body = output.body;
    let (mut chunks, mut total, mut largest) = (0_usize, 0_u64, 0_usize);
    let mut md5 = Md5::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.expect("chunk");
        chunks += 1;
        total += chunk.len() as u64;
        largest = largest.max(chunk.len());
        md5.update(&chunk);
    }
    assert_eq!(total, CHUNKS * CHUNK as u64);
    assert_eq!(md5.finalize(), expected);
    assert!(chunks > 1, "the body arrived in one piece");
    assert!(largest < 64 * CHUNK, "a chunk held the whole body");
    storage.delete_object(&p).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn head_fields_and_exists() {
    let env = env();
    let storage = env.s3_storage().await;
    let p = path(&env.bucket, &format!("{}hello.txt", prefix("head")));
    let options = PutOptions::new()
        .content_type("text/plain")
        .metadata("Owner", "Imaging-Team")
        .metadata("case-id", "42");
    let put = storage
        .put_object(&p, Payload::from("hello"), options)
        .await
        .unwrap();
    assert_eq!(
        put.etag.as_deref(),
        Some("\"5d41402abc4b2a76b9719d911017c592\"")
    );
    let meta = storage.head_object(&p).await.unwrap();
    assert_eq!(meta.size, 5);
    assert_eq!(
        meta.etag.as_deref(),
        Some("\"5d41402abc4b2a76b9719d911017c592\"")
    );
    assert_eq!(meta.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        meta.metadata.get("owner").map(String::as_str),
        Some("Imaging-Team")
    );
    assert_eq!(meta.metadata.get("case-id").map(String::as_str), Some("42"));
    let age = SystemTime::now()
        .duration_since(meta.last_modified.expect("last_modified"))
        .unwrap_or_default();
    assert!(age < Duration::from_secs(300));
    let got = storage.get_object(&p).await.unwrap();
    assert_eq!(got.meta.etag, meta.etag);
    assert_eq!(got.meta.metadata, meta.metadata);

    assert!(storage.object_exists(&p).await.unwrap());
    assert!(
        !storage
            .object_exists(&p.join(".missing").unwrap())
            .await
            .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_across_buckets_keeps_content_type_and_metadata() {
    let env = env();
    let storage = env.s3_storage().await;
    let prefix = prefix("copy");
    let from = path(&env.bucket, &format!("{prefix}src ü?#%.json"));
    let to = path(&env.bucket2, &format!("{prefix}dst ü?#%.json"));
    storage
        .put_object(
            &from,
            Payload::from("{\"a\":1}"),
            PutOptions::new()
                .content_type("application/json")
                .metadata("Owner", "alice"),
        )
        .await
        .unwrap();
    storage.copy_object(&from, &to).await.expect("copy");
    let meta = storage.head_object(&to).await.unwrap();
    assert_eq!(meta.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        meta.metadata.get("owner").map(String::as_str),
        Some("alice")
    );
    assert_eq!(read(&storage, &to).await, "{\"a\":1}".as_bytes());

    let missing = path(&env.bucket, &format!("{prefix}missing"));
    let error = storage.copy_object(&missing, &to).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_is_idempotent() {
    let env = env();
    let storage = env.s3_storage().await;
    let p = path(&env.bucket, &format!("{}gone", prefix("delete")));
    put(&storage, &p, "bye").await;
    storage.delete_object(&p).await.unwrap();
    assert!(!storage.object_exists(&p).await.unwrap());
    storage.delete_object(&p).await.expect("second delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_objects_2500_keys_over_two_buckets() {
    let env = env();
    let storage = env.s3_storage().await;
    let prefix = prefix("batch");
    let mut paths = Vec::new();
    for i in 0..1500 {
        paths.push(path(&env.bucket, &format!("{prefix}{i:05}")));
    }
    for i in 0..1000 {
        paths.push(path(&env.bucket2, &format!("{prefix}{i:05}")));
    }
    put_many(&storage, &paths).await;
    // A key that was never written counts as deleted, as in S3.
    paths.push(path(&env.bucket, &format!("{prefix}never-written")));

    let report = storage.delete_objects(&paths).await.unwrap();
    assert!(
        report.is_success(),
        "{:?}",
        &report.failed[..report.failed.len().min(3)]
    );
    assert_eq!(report.deleted.len(), paths.len());
    let mut reported = report.deleted.clone();
    reported.sort();
    let mut expected = paths.clone();
    expected.sort();
    assert_eq!(reported, expected, "every path exactly once");
    for bucket in [&env.bucket, &env.bucket2] {
        let left = storage
            .list_objects(&path(bucket, &prefix), None)
            .await
            .unwrap();
        assert!(
            left.objects.is_empty(),
            "{} keys left in {bucket}",
            left.objects.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_objects_reports_a_missing_bucket_as_failed() {
    let env = env();
    let storage = env.s3_storage().await;
    let prefix = prefix("batchfail");
    let good: Vec<S3Path> = (0..5)
        .map(|i| path(&env.bucket, &format!("{prefix}{i}")))
        .collect();
    put_many(&storage, &good).await;
    let bad: Vec<S3Path> = (0..3)
        .map(|i| path("stowage-no-such-bucket", &format!("{prefix}{i}")))
        .collect();
    let mut all = good.clone();
    all.extend(bad.iter().cloned());
    let report = storage.delete_objects(&all).await.unwrap();
    assert_eq!(report.deleted, good);
    assert_eq!(
        report
            .failed
            .iter()
            .map(|f| f.path.clone())
            .collect::<Vec<_>>(),
        bad
    );
    for failure in &report.failed {
        assert!(!failure.code.is_empty());
        assert_eq!(failure.code, "no_such_bucket", "{failure:?}");
        assert!(!failure.message.contains(&prefix), "{failure:?}");
    }
    for p in &good {
        assert!(!storage.object_exists(p).await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_reads_every_page_and_rolls_up_common_prefixes() {
    let env = env();
    let storage = env.s3_storage().await;
    let prefix = prefix("list");
    let paths: Vec<S3Path> = (0..3000)
        .map(|i| path(&env.bucket, &format!("{prefix}many/{i:05}")))
        .collect();
    put_many(&storage, &paths).await;
    let listed = storage
        .list_objects(&path(&env.bucket, &format!("{prefix}many/")), None)
        .await
        .unwrap();
    assert_eq!(listed.objects.len(), 3000, "a page was dropped");
    assert_eq!(listed.paths().cloned().collect::<Vec<_>>(), paths);
    assert!(
        listed
            .objects
            .iter()
            .all(|o| o.size == 1 && o.etag.is_some())
    );

    // DESIGN.md: prefix `p/`, delimiter `/`, keys `p/ p/x p/y/z p//w`.
    let d = format!("{prefix}d/");
    let keys = ["p/", "p/x", "p/y/z", "p//w", "p", "pa"];
    let design: Vec<S3Path> = keys
        .iter()
        .map(|k| path(&env.bucket, &format!("{d}{k}")))
        .collect();
    put_many(&storage, &design).await;
    let listed = storage
        .list_objects(&path(&env.bucket, &format!("{d}p/")), Some("/"))
        .await
        .unwrap();
    let keys_of = |paths: Vec<&S3Path>| -> Vec<String> {
        paths
            .into_iter()
            .map(|p| p.key().strip_prefix(&d).unwrap().to_owned())
            .collect()
    };
    assert_eq!(keys_of(listed.paths().collect()), ["p/", "p/x"]);
    assert_eq!(
        keys_of(listed.common_prefixes.iter().collect()),
        ["p//", "p/y/"]
    );
    let listed = storage
        .list_objects(&path(&env.bucket, &format!("{d}p")), Some("/"))
        .await
        .unwrap();
    assert_eq!(keys_of(listed.paths().collect()), ["p", "pa"]);
    assert_eq!(keys_of(listed.common_prefixes.iter().collect()), ["p/"]);
    storage.delete_objects(&paths).await.unwrap();
    storage.delete_objects(&design).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn presigned_get_downloads_and_a_tampered_signature_is_rejected() {
    let env = env();
    let storage = env.s3_storage().await;
    let p = path(&env.bucket, &format!("{}dl ü?#.txt", prefix("presign")));
    put(&storage, &p, "download me").await;
    let url = storage
        .presigned_get_url(&p, Duration::from_secs(300))
        .await
        .unwrap();
    assert!(!format!("{url:?}").contains("X-Amz-Signature"));
    let http = reqwest::Client::new();
    let response = http.get(url.as_str()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap(), "download me".as_bytes());

    let url = url.as_str();
    let at = url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let flipped = if &url[at..=at] == "0" { "1" } else { "0" };
    let tampered = format!("{}{}{}", &url[..at], flipped, &url[at + 1..]);
    let response = http.get(&tampered).send().await.unwrap();
    assert_eq!(response.status(), 403);

    let odd = path(
        &env.bucket,
        &format!("{}odd +%~ a//b (1)&=.txt", prefix("presign")),
    );
    put(&storage, &odd, "odd key").await;
    let url = storage
        .presigned_get_url(&odd, Duration::from_secs(300))
        .await
        .unwrap();
    let response = http.get(url.as_str()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap(), "odd key".as_bytes());

    let error = storage
        .presigned_get_url(&p, Duration::from_secs(8 * 24 * 3600))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
}

/// A storage and a bare SDK client with the same settings, credentials and fixed clock.
fn twin(
    endpoint: Option<&str>,
    region: &str,
    token: Option<&str>,
    at: SystemTime,
) -> (S3Storage, stowage_s3::aws_sdk_s3::Client) {
    use stowage_s3::aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
    let credentials = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        token.map(str::to_owned),
        None,
        "test",
    );
    let mut config = stowage_s3::aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(credentials.clone());
    if let Some(endpoint) = endpoint {
        config = config.endpoint_url(endpoint).force_path_style(true);
    }
    let client = stowage_s3::aws_sdk_s3::Client::from_conf(config.build());
    let storage = S3Storage::from_client(client.clone())
        .with_credentials_provider(credentials)
        .with_clock(Arc::new(ManualClock::new(at)));
    (storage, client)
}

#[tokio::test(flavor = "multi_thread")]
async fn presigned_get_url_is_identical_to_the_sdk_presigner() {
    use stowage_s3::aws_sdk_s3::presigning::PresigningConfig;
    use tracing::instrument::WithSubscriber;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_599); // 2025-12-31T23:59:59Z
    let keys = [
        "plain.txt",
        "with space.txt",
        "ünïcødé/日本.txt",
        "q?x=1",
        "hash#frag",
        "100%",
        "a+b",
        "tilde~x",
        "a//b",
        "/lead",
        "!*'();:@&=$,[]",
    ];
    let token = "FQoGZXIvYXdzE+/token=with/odd+chars";
    let setups = [
        (Some("http://127.0.0.1:3900"), "garage"),
        (Some("https://minio.example.com:9443"), "us-east-1"),
        (None, "eu-west-1"),
    ];
    for (endpoint, region) in setups {
        for session_token in [None, Some(token)] {
            let (storage, client) = twin(endpoint, region, session_token, at);
            for key in keys {
                for ttl in [Duration::from_secs(1), Duration::from_secs(3600)] {
                    let ours = storage
                        .presigned_get_url(&path("my-bucket", key), ttl)
                        .await
                        .unwrap();
                    let config = PresigningConfig::builder()
                        .start_time(at)
                        .expires_in(ttl)
                        .build()
                        .unwrap();
                    // The SDK's presigner logs its canonical request at TRACE: the reference
                    // runs unobserved, the binary's log capture forbids what it prints.
                    let sdk = client
                        .get_object()
                        .bucket("my-bucket")
                        .key(key)
                        .presigned(config)
                        .with_subscriber(tracing::subscriber::NoSubscriber::default())
                        .await
                        .unwrap();
                    assert_eq!(
                        ours.as_str(),
                        sdk.uri(),
                        "{endpoint:?} {region} token={} key={key:?}",
                        session_token.is_some()
                    );
                    assert_eq!(ours.expires_at(), at + ttl);
                }
            }
        }
    }
}

/// Core's SigV4 module mints a part URL (PUT, `partNumber`, `uploadId`, a signed
/// `content-length`) byte for byte as the SDK presigns `upload_part().content_length(n)`.
#[tokio::test(flavor = "multi_thread")]
async fn presigned_part_urls_are_identical_to_the_sdk_presigner() {
    use stowage_core::SigningCredentials;
    use stowage_core::sigv4::{Presign, SigningKeyCache, SigningTime};
    use stowage_s3::aws_sdk_s3::presigning::PresigningConfig;
    use tracing::instrument::WithSubscriber;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_599);
    let token = "FQoGZXIvYXdzE+/token=with/odd+chars";
    let keys = SigningKeyCache::new();
    let setups = [
        (Some("http://127.0.0.1:3900"), "garage"),
        (None, "eu-west-1"),
    ];
    for (endpoint, region) in setups {
        for session_token in [None, Some(token)] {
            let (storage, client) = twin(endpoint, region, session_token, at);
            let mut credentials =
                SigningCredentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
            if let Some(token) = session_token {
                credentials = credentials.with_session_token(token);
            }
            for (key, number, length) in [
                ("weights.bin", 1, 5_242_880_i64),
                ("study 7/ünï+code.dcm", 10_000, 17),
            ] {
                let config = PresigningConfig::builder()
                    .start_time(at)
                    .expires_in(Duration::from_secs(600))
                    .build()
                    .unwrap();
                let sdk = client
                    .upload_part()
                    .bucket("my-bucket")
                    .key(key)
                    .upload_id("2~id/with+odd=chars")
                    .part_number(number)
                    .content_length(length)
                    .presigned(config)
                    .with_subscriber(tracing::subscriber::NoSubscriber::default())
                    .await
                    .unwrap();
                let (base, query) = sdk.uri().split_once('?').unwrap();
                let mut presign = Presign::new("PUT", base, region)
                    .header("content-length", &length.to_string())
                    .expires(Duration::from_secs(600));
                // The operation's own parameters, in the SDK's order, decoded.
                let pairs = stowage_core::sigv4::query_pairs(query);
                for (name, value) in &pairs {
                    if !name.starts_with("X-Amz-") {
                        presign = presign.query(name, value);
                    }
                }
                let ours = presign
                    .sign(&credentials, &SigningTime::new(at).unwrap(), &keys)
                    .unwrap();
                assert_eq!(ours, sdk.uri(), "{endpoint:?} {region} {key:?}");
                assert!(ours.contains("X-Amz-SignedHeaders=content-length%3Bhost"));
                // The backend's own part URLs are the same URL, the TTL clamped to the upload
                // ceiling.
                let path = S3Path::new("my-bucket", key).unwrap();
                let request = stowage_core::PartUrlRequest::new(number as u32, length as u64)
                    .ttl(Duration::from_secs(3600));
                let backend = storage
                    .presigned_upload_part(
                        &path,
                        &stowage_core::transfer::UploadId::new("2~id/with+odd=chars"),
                        &request,
                    )
                    .await
                    .unwrap();
                assert_eq!(backend.as_str(), sdk.uri(), "{endpoint:?} {region} {key:?}");
            }
        }
    }
}

async fn submit(post: &PresignedPost, fields: &[FormField], file: Vec<u8>) -> u16 {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.clone(), value.clone());
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(file).file_name("upload.bin"),
    );
    reqwest::Client::new()
        .post(post.url())
        .multipart(form)
        .send()
        .await
        .expect("POST")
        .status()
        .as_u16()
}

/// Turns a signed form into the fields and file actually submitted.
type Tamper<'a> = dyn Fn(&PresignedPost) -> (Vec<FormField>, Vec<u8>) + 'a;

fn with_field(fields: &[FormField], name: &str, value: &str) -> Vec<FormField> {
    fields
        .iter()
        .map(|(n, v)| {
            if n == name {
                (n.clone(), value.to_owned())
            } else {
                (n.clone(), v.clone())
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn presigned_post_enforces_size_type_key_expiry_and_signature() {
    let env = env();
    let storage = env.s3_storage().await;
    let prefix = prefix("post");
    let max: u64 = 1024;
    let request = PostPolicyRequest::new(max)
        .content_type("image/png")
        .ttl(Duration::from_secs(120));

    // Exactly max_bytes: accepted and readable.
    let ok = path(&env.bucket, &format!("{prefix}ok ü.png"));
    let post = storage.presigned_post(&ok, &request).await.unwrap();
    assert_eq!(post.url(), format!("{}/{}", env.endpoint, env.bucket));
    let body = vec![7_u8; max as usize];
    assert_eq!(submit(&post, post.fields(), body.clone()).await, 204);
    assert_eq!(read(&storage, &ok).await, body);
    assert_eq!(
        storage
            .head_object(&ok)
            .await
            .unwrap()
            .content_type
            .as_deref(),
        Some("image/png")
    );

    // Each of these is rejected and leaves no object.
    let cases: Vec<(&str, Box<Tamper<'_>>)> = vec![
        (
            "too large",
            Box::new(move |post| (post.fields().to_vec(), vec![1; (max + 16384 + 1) as usize])),
        ),
        (
            "wrong content type",
            Box::new(|post| {
                (
                    with_field(post.fields(), "Content-Type", "text/html"),
                    vec![1; 10],
                )
            }),
        ),
        (
            "tampered policy",
            Box::new(|post| {
                let policy =
                    String::from_utf8(BASE64.decode(post.field("policy").unwrap()).unwrap())
                        .unwrap()
                        .replace(&format!("{}", max + 16384), "999999999");
                (
                    with_field(post.fields(), "policy", &BASE64.encode(policy)),
                    vec![1; 10],
                )
            }),
        ),
        (
            "tampered signature",
            Box::new(|post| {
                let signature = post.field("x-amz-signature").unwrap();
                let flipped = if signature.starts_with('0') { "1" } else { "0" };
                let tampered = format!("{flipped}{}", &signature[1..]);
                (
                    with_field(post.fields(), "x-amz-signature", &tampered),
                    vec![1; 10],
                )
            }),
        ),
    ];
    for (i, (name, make)) in cases.iter().enumerate() {
        let target = path(&env.bucket, &format!("{prefix}case-{i}.png"));
        let post = storage.presigned_post(&target, &request).await.unwrap();
        let (fields, file) = make(&post);
        let status = submit(&post, &fields, file).await;
        assert!((400..500).contains(&status), "{name}: status {status}");
        assert!(
            !storage.object_exists(&target).await.unwrap(),
            "{name}: object created"
        );
    }

    // A different key than the one signed.
    let signed = path(&env.bucket, &format!("{prefix}signed.png"));
    let other = path(&env.bucket, &format!("{prefix}other.png"));
    let post = storage.presigned_post(&signed, &request).await.unwrap();
    let status = submit(
        &post,
        &with_field(post.fields(), "key", other.key()),
        vec![1; 10],
    )
    .await;
    assert!(
        (400..500).contains(&status),
        "different key: status {status}"
    );
    assert!(!storage.object_exists(&signed).await.unwrap());
    assert!(!storage.object_exists(&other).await.unwrap());

    // Expired: signed by a clock 700 s in the past, with a 120 s TTL.
    let clock = Arc::new(ManualClock::new(
        SystemTime::now() - Duration::from_secs(700),
    ));
    let past = env.s3_builder().clock(clock).build().await.unwrap();
    let expired = path(&env.bucket, &format!("{prefix}expired.png"));
    let post = past.presigned_post(&expired, &request).await.unwrap();
    let status = submit(&post, post.fields(), vec![1; 10]).await;
    assert!((400..500).contains(&status), "expired: status {status}");
    assert!(!storage.object_exists(&expired).await.unwrap());

    // A TTL above the ceiling is clamped, not an error.
    let long = storage
        .presigned_post(&ok, &request.clone().ttl(Duration::from_secs(7200)))
        .await
        .unwrap();
    let lifetime = long.expires_at().duration_since(SystemTime::now()).unwrap();
    assert!(lifetime <= Duration::from_secs(600), "{lifetime:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn error_kinds() {
    let env = env();
    let storage = env.s3_storage().await;
    let prefix = prefix("errors");
    let missing = path(&env.bucket, &format!("{prefix}missing"));
    let error = storage.get_object(&missing).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "get: {error:?}");
    assert_eq!(error.path(), Some(&missing));
    let error = storage.head_object(&missing).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "head: {error:?}");

    let error = storage
        .list_objects(
            &S3Path::bucket_root("stowage-no-such-bucket").unwrap(),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::NoSuchBucket { .. }),
        "list: {error:?}"
    );

    let existing = path(&env.bucket, &format!("{prefix}exists"));
    put(&storage, &existing, "x").await;
    let wrong = env
        .s3_builder()
        .credentials(&env.access_key_id, "0".repeat(64))
        .max_attempts(1)
        .build()
        .await
        .unwrap();
    let error = wrong.head_object(&existing).await.unwrap_err();
    assert!(
        matches!(error, Error::AccessDenied { .. }),
        "head: {error:?}"
    );
    let error = wrong.object_exists(&existing).await.unwrap_err();
    assert!(
        matches!(error, Error::AccessDenied { .. }),
        "exists: {error:?}"
    );
    let error = wrong.get_object(&existing).await.unwrap_err();
    assert!(
        matches!(error, Error::AccessDenied { .. }),
        "get: {error:?}"
    );

    // Nothing listens on this port.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let refused = env
        .s3_builder()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .max_attempts(1)
        .connect_timeout(Duration::from_secs(2))
        .build()
        .await
        .unwrap();
    let error = refused.head_object(&existing).await.unwrap_err();
    assert!(
        matches!(error, Error::Unreachable { .. }),
        "refused: {error:?}"
    );
    assert!(!error.to_string().contains(&port.to_string()), "{error}");

    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let silent = env
        .s3_builder()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .max_attempts(1)
        .operation_timeout(Duration::from_secs(1))
        .build()
        .await
        .unwrap();
    // The server never answers: only the 1 s operation timeout can end the call.
    let error = silent.get_object(&existing).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "silent: {error:?}");
    hold.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_secret_reaches_logs_errors_or_debug() {
    let env = env();
    let storage = env.s3_storage().await;
    const SECRET_KEY: &str = "patient-4711/secret-scan.nii";
    let p = path(&env.bucket, SECRET_KEY);
    let p2 = path(&env.bucket2, SECRET_KEY);
    storage
        .put_object(
            &p,
            Payload::from("scan"),
            PutOptions::new().content_type("application/octet-stream"),
        )
        .await
        .unwrap();
    storage.head_object(&p).await.unwrap();
    assert_eq!(read(&storage, &p).await, "scan".as_bytes());
    assert!(storage.object_exists(&p).await.unwrap());
    storage.copy_object(&p, &p2).await.unwrap();
    // The operations with options: a conditional ranged read, a copy replacing attributes,
    // one listing page, a conditional put this endpoint refuses, a range past the end.
    let etag = storage.head_object(&p).await.unwrap().etag.unwrap();
    let options = GetOptions::new()
        .range(ByteRange::suffix(2))
        .if_none_match(etag);
    let outcome = storage.get_object_with(&p, &options).await.unwrap();
    assert!(matches!(outcome, GetOutcome::NotModified(_)), "{outcome:?}");
    let options = CopyOptions::new().replace_attributes(attributes());
    storage.copy_object_with(&p, &p2, &options).await.unwrap();
    storage
        .list_page(
            &path(&env.bucket, "patient-4711/"),
            &ListOptions::new().page_size(1),
            None,
        )
        .await
        .unwrap();
    let unsupported = storage
        .put_object(
            &p,
            Payload::from("x"),
            PutOptions::new().mode(PutMode::Create),
        )
        .await
        .unwrap_err();
    let past_end = storage
        .get_object_with(&p, &GetOptions::new().range(ByteRange::from_offset(100)))
        .await
        .unwrap_err();
    let url = storage
        .presigned_get_url(&p, Duration::from_secs(60))
        .await
        .unwrap();
    let post = storage
        .presigned_post(
            &p,
            &PostPolicyRequest::new(10).ttl(Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    storage
        .list_objects(&path(&env.bucket, "patient-4711/"), Some("/"))
        .await
        .unwrap();
    let missing = path(&env.bucket, "patient-4711/secret-scan.nii.missing");
    let not_found = storage.get_object(&missing).await.unwrap_err();
    let wrong = env
        .s3_builder()
        .credentials(&env.access_key_id, "0".repeat(64))
        .max_attempts(1)
        .build()
        .await
        .unwrap();
    let denied = wrong.get_object(&p).await.unwrap_err();
    let report = storage
        .delete_objects(&[p.clone(), p2.clone()])
        .await
        .unwrap();
    assert!(report.is_success());
    storage.delete_object(&p).await.unwrap();

    let policy = post.field("policy").unwrap().to_owned();
    let forbidden = [
        SECRET_KEY,
        "X-Amz-Signature=",
        "X-Amz-Credential=",
        "X-Amz-Security-Token=",
        env.secret_access_key.as_str(),
        policy.as_str(),
        url.as_str(),
    ];
    let rendered = [
        format!("{storage:?}"),
        format!("{:?}", env.s3_builder()),
        format!("{url:?}"),
        format!("{post:?}"),
        format!("{not_found} {not_found:?}"),
        format!("{denied} {denied:?}"),
        format!("{unsupported} {unsupported:?}"),
        format!("{past_end} {past_end:?}"),
        format!("{report:?}"),
    ];
    for text in &rendered {
        for needle in forbidden {
            assert!(!text.contains(needle), "{needle:?} leaked into {text}");
        }
    }
    let logs = stowage_testkit::logs::capture();
    let text = logs.text();
    assert!(
        text.contains(&p.key_hash()),
        "the capture saw no operation span: {} bytes",
        text.len()
    );
    logs.assert_free_of(&forbidden);
}

// ---- reads with options ----

/// `len` deterministic bytes: byte `i` is `i % 251`.
fn pattern(len: usize) -> Bytes {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// The object, or a panic naming `what` when the answer is a 304.
fn found(outcome: GetOutcome, what: &str) -> GetObjectOutput {
    match outcome {
        GetOutcome::Found(output) => output,
        GetOutcome::NotModified(_) => panic!("{what}: 304 where the object was expected"),
    }
}

/// A storage on a port where nothing listens: any request would be `Unreachable`.
async fn nowhere(conditional_writes: bool) -> S3Storage {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    TestServer::get()
        .s3_builder()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .max_attempts(1)
        .conditional_writes(conditional_writes)
        .build()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn ranged_reads_return_the_slice_and_the_total_size() {
    let env = env();
    let storage = env.s3_storage().await;
    let p = path(&env.bucket, &format!("{}ranged.bin", prefix("range")));
    let bytes = pattern(1000);
    storage
        .put_object(&p, Payload::from(bytes.clone()), PutOptions::new())
        .await
        .unwrap();

    let whole = storage.get_object(&p).await.unwrap();
    assert_eq!((whole.range.clone(), whole.meta.size), (0..1000, 1000));
    assert_eq!(whole.body.bytes().await.unwrap(), bytes);

    let cases = [
        (ByteRange::inclusive(100, 199), 100..200),
        (ByteRange::inclusive(0, 0), 0..1),
        (ByteRange::inclusive(990, 5000), 990..1000),
        (ByteRange::from_offset(999), 999..1000),
        (ByteRange::suffix(10), 990..1000),
        (ByteRange::suffix(5000), 0..1000),
    ];
    for (range, expected) in cases {
        let options = GetOptions::new().range(range);
        let output = found(
            storage.get_object_with(&p, &options).await.unwrap(),
            "range",
        );
        assert_eq!(output.range, expected, "{range:?}");
        assert_eq!(output.meta.size, 1000, "{range:?}: the total size");
        assert!(output.meta.etag.is_some(), "{range:?}");
        let body = output.body.bytes().await.unwrap();
        let (start, end) = (expected.start as usize, expected.end as usize);
        assert_eq!(body, bytes.slice(start..end), "{range:?}");
    }

    for range in [
        ByteRange::from_offset(1000),
        ByteRange::inclusive(2000, 2100),
    ] {
        let error = storage
            .get_object_with(&p, &GetOptions::new().range(range))
            .await
            .unwrap_err();
        // Garage names the size in `Content-Range: bytes */1000`, as the 416 of AWS may.
        assert!(
            matches!(&error, Error::RangeNotSatisfiable { path, size: Some(1000) } if path == &p),
            "{range:?}: {error:?}"
        );
        assert!(!error.to_string().contains(p.key()), "{error}");
    }

    // Malformed: an invalid argument before any request (nothing listens there).
    let offline = nowhere(true).await;
    for range in [ByteRange::inclusive(5, 4), ByteRange::suffix(0)] {
        let error = offline
            .get_object_with(&p, &GetOptions::new().range(range))
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidArgument { .. }),
            "{range:?}: {error:?}"
        );
    }
    let error = offline
        .get_object_with(&p, &GetOptions::new().if_match("a b"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn conditional_reads_follow_s3() {
    let env = env();
    let storage = env.s3_storage().await;
    let p = path(&env.bucket, &format!("{}cond.txt", prefix("condread")));
    put(&storage, &p, "hello").await;
    let meta = storage.head_object(&p).await.unwrap();
    let etag = meta.etag.clone().unwrap();
    let modified = meta.last_modified.unwrap();
    let before = modified - Duration::from_secs(60);
    let after = modified + Duration::from_secs(60);
    let get = |options: GetOptions| {
        let storage = &storage;
        let p = &p;
        async move { storage.get_object_with(p, &options).await }
    };

    // If-None-Match with the current ETag (quoted or bare): 304 naming the current version.
    for current in [etag.clone(), etag.trim_matches('"').to_owned()] {
        match get(GetOptions::new().if_none_match(current.clone())).await {
            Ok(GetOutcome::NotModified(not_modified)) => {
                assert_eq!(not_modified.path, p);
                assert_eq!(not_modified.etag.as_deref(), Some(etag.as_str()));
                // Garage's 304 carries the ETag but no Last-Modified; AWS sends both.
                assert!(
                    not_modified.last_modified.is_none_or(|at| at == modified),
                    "{not_modified:?}"
                );
            }
            other => panic!("If-None-Match {current}: {other:?}"),
        }
    }
    let other = get(GetOptions::new().if_none_match("\"0123\""))
        .await
        .unwrap();
    let body = found(other, "If-None-Match other").body.bytes().await;
    assert_eq!(body.unwrap(), "hello".as_bytes());

    // If-Match: the current ETag reads, another is a failed precondition.
    let matched = get(GetOptions::new().if_match(etag.clone())).await.unwrap();
    found(matched, "If-Match current");
    let error = get(GetOptions::new().if_match("\"0123\""))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::PreconditionFailed { path } if path == &p),
        "If-Match other: {error:?}"
    );

    // If-Modified-Since: not since the write is a 304, since an earlier instant reads.
    for since in [modified, after] {
        let outcome = get(GetOptions::new().if_modified_since(since))
            .await
            .unwrap();
        assert!(
            matches!(outcome, GetOutcome::NotModified(_)),
            "If-Modified-Since {since:?}: {outcome:?}"
        );
    }
    let outcome = get(GetOptions::new().if_modified_since(before))
        .await
        .unwrap();
    found(outcome, "If-Modified-Since before");

    // If-Unmodified-Since: an earlier instant fails, the write's own or a later one reads.
    let error = get(GetOptions::new().if_unmodified_since(before))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::PreconditionFailed { .. }),
        "If-Unmodified-Since before: {error:?}"
    );
    for since in [modified, after] {
        let outcome = get(GetOptions::new().if_unmodified_since(since)).await;
        found(outcome.unwrap(), "If-Unmodified-Since");
    }

    // A range and a condition together.
    let options = GetOptions::new()
        .range(ByteRange::suffix(3))
        .if_match(etag.clone());
    let output = found(get(options).await.unwrap(), "range and If-Match");
    assert_eq!((output.range.clone(), output.meta.size), (2..5, 5));
    assert_eq!(output.body.bytes().await.unwrap(), "llo".as_bytes());
}

// ---- writes with options ----

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

#[tokio::test(flavor = "multi_thread")]
async fn attributes_round_trip_through_put_head_get_and_copy() {
    let env = env();
    let storage = env.s3_storage().await;
    let prefix = prefix("attrs");
    let p = path(&env.bucket, &format!("{prefix}scan ü.nii.gz"));
    storage
        .put_object(&p, Payload::from("zipped"), attributes())
        .await
        .unwrap();
    let check = |meta: &stowage_core::ObjectMeta, what: &str| {
        assert_eq!(
            meta.content_type.as_deref(),
            Some("application/gzip"),
            "{what}"
        );
        assert_eq!(
            meta.cache_control.as_deref(),
            Some("max-age=60, private"),
            "{what}"
        );
        assert_eq!(
            meta.content_disposition.as_deref(),
            Some("attachment; filename=\"scan.nii.gz\""),
            "{what}"
        );
        assert_eq!(meta.content_encoding.as_deref(), Some("gzip"), "{what}");
        assert_eq!(meta.content_language.as_deref(), Some("de-CH"), "{what}");
        assert_eq!(
            meta.metadata.get("owner").map(String::as_str),
            Some("imaging"),
            "{what}"
        );
    };
    check(&storage.head_object(&p).await.unwrap(), "head");
    let got = storage.get_object(&p).await.unwrap();
    check(&got.meta, "get");
    // Content-Encoding is stored, not applied: the body comes back as written.
    assert_eq!(got.body.bytes().await.unwrap(), "zipped".as_bytes());

    // A plain copy keeps every attribute.
    let kept = path(&env.bucket2, &format!("{prefix}kept"));
    storage.copy_object(&p, &kept).await.unwrap();
    check(&storage.head_object(&kept).await.unwrap(), "copy");

    // A copy that replaces them keeps none of the source's.
    let replaced = path(&env.bucket, &format!("{prefix}replaced"));
    let replacement = PutOptions::new()
        .content_type("text/plain")
        .content_language("fr")
        .metadata("reviewer", "bob");
    let options = CopyOptions::new().replace_attributes(replacement);
    storage
        .copy_object_with(&p, &replaced, &options)
        .await
        .unwrap();
    let meta = storage.head_object(&replaced).await.unwrap();
    assert_eq!(meta.content_type.as_deref(), Some("text/plain"));
    assert_eq!(meta.content_language.as_deref(), Some("fr"));
    assert_eq!(meta.cache_control, None);
    assert_eq!(meta.content_disposition, None);
    assert_eq!(meta.content_encoding, None);
    assert_eq!(
        meta.metadata.into_iter().collect::<Vec<_>>(),
        [("reviewer".to_owned(), "bob".to_owned())]
    );
    assert_eq!(read(&storage, &replaced).await, "zipped".as_bytes());
}

#[tokio::test(flavor = "multi_thread")]
async fn encryption_and_storage_class_are_sent_and_accepted() {
    let env = env();
    let prefix = prefix("sse");
    let storage = env.s3_storage().await;
    let p = path(&env.bucket, &format!("{prefix}aes"));
    let options = PutOptions::new()
        .encryption(Encryption::S3Managed)
        .storage_class("STANDARD");
    storage
        .put_object(&p, Payload::from("secret"), options)
        .await
        .expect("SSE-S3 and STANDARD on put");
    assert_eq!(read(&storage, &p).await, "secret".as_bytes());
    let copy = path(&env.bucket, &format!("{prefix}aes-copy"));
    let options = CopyOptions::new()
        .encryption(Encryption::S3Managed)
        .storage_class("STANDARD");
    storage
        .copy_object_with(&p, &copy, &options)
        .await
        .expect("SSE-S3 and STANDARD on copy");
    assert_eq!(read(&storage, &copy).await, "secret".as_bytes());

    // The builder's defaults apply to writes that name none.
    let defaults = env
        .s3_builder()
        .default_encryption(Encryption::S3Managed)
        .default_storage_class("STANDARD")
        .build()
        .await
        .unwrap();
    let p = path(&env.bucket, &format!("{prefix}defaults"));
    put(&defaults, &p, "by default").await;
    assert_eq!(read(&defaults, &p).await, "by default".as_bytes());
}

#[tokio::test(flavor = "multi_thread")]
async fn conditional_writes_on_a_custom_endpoint_are_unsupported_and_overwrite_nothing() {
    let env = env();
    let storage = env.s3_storage().await;
    assert!(!storage.conditional_writes(), "off for a custom endpoint");
    let prefix = prefix("condoff");
    let p = path(&env.bucket, &format!("{prefix}kept"));
    let etag = storage
        .put_object(&p, Payload::from("old"), PutOptions::new())
        .await
        .unwrap()
        .etag
        .unwrap();
    let unsupported = |error: Error, operation: &str| {
        assert!(
            matches!(
                &error,
                Error::Unsupported { operation: op, backend: "s3" } if *op == operation
            ),
            "{operation}: {error:?}"
        );
    };
    for mode in [PutMode::Create, PutMode::IfMatch(etag.clone())] {
        let options = PutOptions::new().mode(mode);
        let error = storage
            .put_object(&p, Payload::from("new"), options)
            .await
            .unwrap_err();
        unsupported(error, "conditional put_object");
    }
    let copied = path(&env.bucket, &format!("{prefix}copied"));
    for mode in [PutMode::Create, PutMode::IfMatch(etag.clone())] {
        let error = storage
            .copy_object_with(&p, &copied, &CopyOptions::new().mode(mode))
            .await
            .unwrap_err();
        unsupported(error, "conditional copy_object");
    }
    assert_eq!(read(&storage, &p).await, "old".as_bytes(), "overwritten");
    assert!(!storage.object_exists(&copied).await.unwrap(), "copied");

    // Refused before any request: nothing listens there, yet the answer is Unsupported.
    let offline = nowhere(false).await;
    let options = PutOptions::new().mode(PutMode::Create);
    let error = offline
        .put_object(&p, Payload::from("new"), options)
        .await
        .unwrap_err();
    unsupported(error, "conditional put_object");
    // A malformed ETag is an invalid argument first, whatever the setting.
    let options = PutOptions::new().mode(PutMode::IfMatch("*".into()));
    let error = offline
        .put_object(&p, Payload::from("new"), options)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
}

// ---- listing page by page ----

#[tokio::test(flavor = "multi_thread")]
async fn list_page_follows_start_after_page_sizes_and_tokens() {
    let env = env();
    let storage = env.s3_storage().await;
    let prefix = prefix("pages");
    let keys: Vec<S3Path> = (0..25)
        .map(|i| path(&env.bucket, &format!("{prefix}k{i:02}")))
        .collect();
    put_many(&storage, &keys).await;
    let root = path(&env.bucket, &prefix);

    // Pages of 10: 10, 10, 5, each resumed from the last page's token given as a string.
    let options = ListOptions::new().page_size(10);
    let mut listed = Vec::new();
    let mut sizes = Vec::new();
    let mut token: Option<ListToken> = None;
    loop {
        let page = storage
            .list_page(&root, &options, token.as_ref())
            .await
            .unwrap();
        sizes.push(page.objects.len());
        listed.extend(page.objects.into_iter().map(|o| o.path));
        match page.next {
            Some(next) => {
                assert!(!format!("{next:?}").contains(&prefix), "{next:?}");
                token = Some(ListToken::new(next.as_str()));
            }
            None => break,
        }
    }
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(listed, keys);

    // start_after: only later keys, on the first page; a page holding all is the last.
    let options = ListOptions::new().start_after(format!("{prefix}k19"));
    let page = storage.list_page(&root, &options, None).await.unwrap();
    assert_eq!(
        page.objects
            .iter()
            .map(|o| o.path.clone())
            .collect::<Vec<_>>(),
        keys[20..]
    );
    assert_eq!(page.next, None);
    let options = ListOptions::new()
        .start_after(format!("{prefix}k04"))
        .page_size(7);
    let first = storage.list_page(&root, &options, None).await.unwrap();
    assert_eq!(first.objects[0].path, keys[5]);
    assert_eq!(first.objects.len(), 7);
    let second = storage
        .list_page(&root, &options, first.next.as_ref())
        .await
        .unwrap();
    assert_eq!(second.objects[0].path, keys[12], "start_after reapplied");

    // A delimiter: common prefixes count towards the page size.
    let nested: Vec<S3Path> = ["d/a/1", "d/a/2", "d/b/1", "d/c", "d/e/1"]
        .iter()
        .map(|k| path(&env.bucket, &format!("{prefix}{k}")))
        .collect();
    put_many(&storage, &nested).await;
    let options = ListOptions::new().delimiter("/").page_size(2);
    let d = path(&env.bucket, &format!("{prefix}d/"));
    let mut entries = Vec::new();
    let mut token = None;
    loop {
        let page = storage
            .list_page(&d, &options, token.as_ref())
            .await
            .unwrap();
        assert!(page.objects.len() + page.common_prefixes.len() <= 2);
        entries.extend(page.common_prefixes.iter().map(|p| p.key().to_owned()));
        entries.extend(page.objects.iter().map(|o| o.path.key().to_owned()));
        match page.next {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    entries.sort();
    let expected: Vec<String> = ["d/a/", "d/b/", "d/c", "d/e/"]
        .iter()
        .map(|k| format!("{prefix}{k}"))
        .collect();
    assert_eq!(entries, expected);

    for size in [0, 1001] {
        let error = nowhere(true)
            .await
            .list_page(&root, &ListOptions::new().page_size(size), None)
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidArgument { .. }),
            "{size}: {error:?}"
        );
    }
    storage.delete_objects(&keys).await.unwrap();
    storage.delete_objects(&nested).await.unwrap();
}

// ---- conditional writes on moto ----

/// The moto server, with the log capture on.
fn moto() -> &'static MotoServer {
    capture_logs();
    MotoServer::get()
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_create_only_put_fails_the_second_time() {
    let moto = moto();
    let storage = moto.s3_builder().build().await.unwrap();
    assert!(storage.conditional_writes());
    let p = path(&moto.bucket, &format!("{}once", prefix("create")));
    let create = || PutOptions::new().mode(PutMode::Create);
    storage
        .put_object(&p, Payload::from("first"), create())
        .await
        .expect("the first create-only put");
    let error = storage
        .put_object(&p, Payload::from("second"), create())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::PreconditionFailed { path } if path == &p),
        "{error:?}"
    );
    assert_eq!(read(&storage, &p).await, "first".as_bytes());
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_compare_and_swap_needs_the_current_etag() {
    let moto = moto();
    let storage = moto.s3_builder().build().await.unwrap();
    let prefix = prefix("cas");
    let p = path(&moto.bucket, &format!("{prefix}counter"));
    let v1 = storage
        .put_object(&p, Payload::from("1"), PutOptions::new())
        .await
        .unwrap()
        .etag
        .unwrap();
    let swap = |etag: &str| PutOptions::new().mode(PutMode::IfMatch(etag.to_owned()));
    let v2 = storage
        .put_object(&p, Payload::from("2"), swap(&v1))
        .await
        .expect("the right ETag wins")
        .etag
        .unwrap();
    assert_ne!(v1, v2);
    // The old ETag is now the wrong one.
    let error = storage
        .put_object(&p, Payload::from("3"), swap(&v1))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::PreconditionFailed { path } if path == &p),
        "{error:?}"
    );
    assert_eq!(read(&storage, &p).await, "2".as_bytes());

    // If-Match on a missing key: whatever the server answers (moto, like AWS: NoSuchKey).
    let missing = path(&moto.bucket, &format!("{prefix}missing"));
    let error = storage
        .put_object(&missing, Payload::from("x"), swap(&v2))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    assert!(!storage.object_exists(&missing).await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_concurrent_create_only_puts_exactly_one_wins() {
    let moto = moto();
    let storage = Arc::new(moto.s3_builder().build().await.unwrap());
    let prefix = prefix("race");
    for round in 0..20 {
        let p = path(&moto.bucket, &format!("{prefix}{round}"));
        let racers = ["a", "b"].map(|body| {
            let storage = Arc::clone(&storage);
            let p = p.clone();
            tokio::spawn(async move {
                let options = PutOptions::new().mode(PutMode::Create);
                (
                    body,
                    storage.put_object(&p, Payload::from(body), options).await,
                )
            })
        });
        let mut winners = Vec::new();
        for racer in racers {
            let (body, result) = racer.await.unwrap();
            match result {
                Ok(_) => winners.push(body),
                Err(Error::PreconditionFailed { .. }) => {}
                Err(error) => panic!("round {round}: {error:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        assert_eq!(read(&storage, &p).await, winners[0].as_bytes());
    }
}

// ---- conditional copies and lost races, against a canned server ----

/// One request the canned server received.
#[derive(Debug)]
struct Received {
    /// The request line and headers, lowercased.
    head: String,
    /// The body, as text.
    body: String,
}

/// A server that answers every request with `response` and records each request.
async fn canned(response: String) -> (String, Arc<Mutex<Vec<Received>>>) {
    scripted(vec![response]).await
}

/// A server that gives the n-th request the n-th of `answers` (the last one from then on)
/// and records each request.
async fn scripted(answers: Vec<String>) -> (String, Arc<Mutex<Vec<Received>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        let mut answers = answers.into_iter();
        let mut answer = String::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut byte = [0_u8; 1];
            while !head.ends_with(b"\r\n\r\n") && socket.read(&mut byte).await.unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |value| value.trim().parse().unwrap_or(0));
            let mut body = vec![0_u8; length];
            let _ = socket.read_exact(&mut body).await;
            let body = String::from_utf8_lossy(&body).into_owned();
            seen.lock().unwrap().push(Received { head, body });
            if let Some(next) = answers.next() {
                answer = next;
            }
            let _ = socket.write_all(answer.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    (endpoint, requests)
}

/// An S3 error answer with this status line, code and extra headers.
fn error_answer(status: &str, code: &str, headers: &str) -> String {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
         <Message>canned</Message><RequestId>1</RequestId></Error>"
    );
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/xml\r\n{headers}Content-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
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

/// A DeleteObjects answer (200) that reports these keys failed with these codes.
fn delete_result(failed: &[(&str, &str)]) -> String {
    let errors: String = failed
        .iter()
        .map(|(key, code)| {
            format!("<Error><Key>{key}</Key><Code>{code}</Code><Message>canned</Message></Error>")
        })
        .collect();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">{errors}</DeleteResult>"
    );
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A storage on the canned server with `attempts` attempts per request.
async fn on_canned_with_attempts(endpoint: &str, attempts: u32) -> S3Storage {
    TestServer::get()
        .s3_builder()
        .endpoint_url(endpoint)
        .max_attempts(attempts)
        .build()
        .await
        .unwrap()
}

/// The keys a DeleteObjects request body names, in order.
fn keys_sent(request: &Received) -> Vec<String> {
    request
        .body
        .split("<Key>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</Key>"))
        .map(|(key, _)| key.to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_deletes_send_keys_that_failed_transiently_again() {
    capture_logs();
    let busy = path("some-bucket", "batch/busy");
    let throttled = path("some-bucket", "batch/throttled");
    let refused = path("some-bucket", "batch/refused");
    let fine = path("some-bucket", "batch/fine");
    let (endpoint, requests) = scripted(vec![
        delete_result(&[
            ("batch/busy", "InternalError"),
            ("batch/throttled", "SlowDown"),
            ("batch/refused", "AccessDenied"),
        ]),
        delete_result(&[("batch/throttled", "ServiceUnavailable")]),
        delete_result(&[]),
    ])
    .await;
    let storage = on_canned_with_attempts(&endpoint, 3).await;
    let all = [
        busy.clone(),
        throttled.clone(),
        refused.clone(),
        fine.clone(),
    ];

    let report = storage.delete_objects(&all).await.unwrap();

    assert_eq!(report.deleted, [busy, throttled, fine]);
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert_eq!(report.failed[0].path, refused);
    assert_eq!(report.failed[0].code, "AccessDenied", "a refusal is final");
    let requests = requests.lock().unwrap();
    let sent: Vec<Vec<String>> = requests.iter().map(keys_sent).collect();
    assert_eq!(
        sent,
        [
            vec![
                "batch/busy",
                "batch/throttled",
                "batch/refused",
                "batch/fine"
            ],
            vec!["batch/busy", "batch/throttled"],
            vec!["batch/throttled"],
        ],
        "only the keys that failed transiently go again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_deletes_report_a_key_still_failing_after_the_last_attempt() {
    capture_logs();
    let busy = path("some-bucket", "batch/always-busy");
    let fine = path("some-bucket", "batch/fine");
    let (endpoint, requests) = scripted(vec![delete_result(&[(
        "batch/always-busy",
        "InternalError",
    )])])
    .await;
    let storage = on_canned_with_attempts(&endpoint, 2).await;

    let report = storage
        .delete_objects(&[busy.clone(), fine.clone()])
        .await
        .unwrap();

    assert_eq!(report.deleted, [fine]);
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert_eq!(report.failed[0].path, busy);
    assert_eq!(report.failed[0].code, "InternalError");
    assert_eq!(
        requests.lock().unwrap().len(),
        2,
        "one request per attempt the client is configured for"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn conditional_copies_send_the_destination_condition() {
    capture_logs();
    let from = path("src-bucket", "dir/source ü.txt");
    let to = path("dst-bucket", "dir/target.txt");
    let (endpoint, requests) = canned(error_answer(
        "412 Precondition Failed",
        "PreconditionFailed",
        "",
    ))
    .await;
    let storage = on_canned(&endpoint).await;
    let cases = [
        (PutMode::Create, "if-none-match: *"),
        (PutMode::IfMatch("\"e1\"".into()), "if-match: \"e1\""),
    ];
    for (mode, header) in cases {
        let options = CopyOptions::new()
            .mode(mode)
            .replace_attributes(PutOptions::new().cache_control("no-store"));
        let error = storage
            .copy_object_with(&from, &to, &options)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::PreconditionFailed { path } if path == &to),
            "{header}: {error:?}"
        );
        let request = requests.lock().unwrap().pop().expect("one request").head;
        assert!(
            request.starts_with("put /dst-bucket/dir/target.txt"),
            "{request}"
        );
        for expected in [
            header,
            "x-amz-copy-source: src-bucket/dir/source%20%c3%bc.txt",
            "x-amz-metadata-directive: replace",
            "cache-control: no-store",
        ] {
            assert!(
                request.lines().any(|line| line == expected),
                "{expected:?} missing from {request}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn lost_races_and_unsatisfiable_ranges_map_from_aws_answers() {
    capture_logs();
    let p = path("some-bucket", "some/key");
    // AWS answers a conditional write that lost a race with 409 ConditionalRequestConflict.
    let (endpoint, _) = canned(error_answer(
        "409 Conflict",
        "ConditionalRequestConflict",
        "",
    ))
    .await;
    let storage = on_canned(&endpoint).await;
    let options = PutOptions::new().mode(PutMode::Create);
    let error = storage
        .put_object(&p, Payload::from("x"), options)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::PreconditionFailed { path } if path == &p),
        "{error:?}"
    );

    // A 416 may name the size in `Content-Range: bytes */N`.
    let (endpoint, _) = canned(error_answer(
        "416 Requested Range Not Satisfiable",
        "InvalidRange",
        "Content-Range: bytes */150\r\n",
    ))
    .await;
    let storage = on_canned(&endpoint).await;
    let options = GetOptions::new().range(ByteRange::from_offset(150));
    let error = storage.get_object_with(&p, &options).await.unwrap_err();
    assert!(
        matches!(&error, Error::RangeNotSatisfiable { path, size: Some(150) } if path == &p),
        "{error:?}"
    );
}

/// Without timeout settings every request is still bounded: 5 s to connect, 30 s to the
/// first byte of the answer, twice that for an attempt whose answer is read whole; a setting
/// replaces its default and keeps the others, and the attempt timeout follows the read
/// timeout unless set.
#[tokio::test]
async fn default_timeouts_bound_every_request() {
    let timeouts = |storage: &S3Storage| {
        let config = storage
            .client()
            .config()
            .timeout_config()
            .cloned()
            .expect("a timeout configuration");
        (
            config.connect_timeout(),
            config.read_timeout(),
            config.operation_attempt_timeout(),
        )
    };
    // A builder that needs no network: a region and static credentials.
    let offline = || {
        S3Storage::builder()
            .region("us-east-1")
            .credentials("AKIDEXAMPLE", "secret")
    };
    let built = offline().build().await.expect("builds offline");
    assert_eq!(
        timeouts(&built),
        (
            Some(stowage_s3::DEFAULT_CONNECT_TIMEOUT),
            Some(stowage_s3::DEFAULT_READ_TIMEOUT),
            Some(stowage_s3::DEFAULT_READ_TIMEOUT * 2)
        )
    );
    assert_eq!(stowage_s3::DEFAULT_CONNECT_TIMEOUT, Duration::from_secs(5));
    assert_eq!(stowage_s3::DEFAULT_READ_TIMEOUT, Duration::from_secs(30));
    let tuned = offline()
        .read_timeout(Duration::from_secs(120))
        .build()
        .await
        .expect("builds offline");
    assert_eq!(
        timeouts(&tuned),
        (
            Some(stowage_s3::DEFAULT_CONNECT_TIMEOUT),
            Some(Duration::from_secs(120)),
            Some(Duration::from_secs(240))
        )
    );
    let attempt = offline()
        .operation_attempt_timeout(Duration::from_secs(7))
        .build()
        .await
        .expect("builds offline");
    assert_eq!(timeouts(&attempt).2, Some(Duration::from_secs(7)));
    let from_env = S3Storage::from_env().await;
    assert_eq!(
        timeouts(&from_env),
        (
            Some(stowage_s3::DEFAULT_CONNECT_TIMEOUT),
            Some(stowage_s3::DEFAULT_READ_TIMEOUT),
            Some(stowage_s3::DEFAULT_READ_TIMEOUT * 2)
        )
    );
}

// ---- answers no server should give: every one a typed error, never a panic ----

/// A server whose every answer is the bytes last given to it.
async fn switchable() -> (String, Arc<Mutex<Vec<u8>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let answer = Arc::new(Mutex::new(Vec::new()));
    let current = Arc::clone(&answer);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = current.lock().unwrap().clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0_u8; 1];
                while !head.ends_with(b"\r\n\r\n") && socket.read(&mut byte).await.unwrap_or(0) == 1
                {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .map_or(0, |value| value.trim().parse().unwrap_or(0));
                let mut body = vec![0_u8; length];
                let _ = socket.read_exact(&mut body).await;
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (endpoint, answer)
}

/// False for text the log check takes for signed material (`eyJ` opens a base64 JSON
/// policy): an error code the fake server makes up must not look like one, since the
/// backend logs the codes servers send.
fn without_signing_marker(text: &str) -> bool {
    ![
        "eyJ",
        "Signature=",
        "Credential=",
        "signature",
        "credential",
    ]
    .iter()
    .any(|marker| text.contains(marker))
}

/// An HTTP answer: a status, maybe a Content-Range, and a body that may be S3's XML error
/// with any code and message, XML cut short, or any bytes.
fn odd_answer() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let status = prop_oneof![
        proptest::sample::select(vec![
            200_u16, 204, 206, 301, 304, 400, 403, 404, 409, 412, 416, 429, 500, 501, 503
        ]),
        200..600_u16,
    ];
    let code = prop_oneof![
        proptest::sample::select(vec![
            "NoSuchKey",
            "NoSuchBucket",
            "AccessDenied",
            "SlowDown",
            "InvalidRange",
            "PreconditionFailed",
            "InternalError",
            "BadDigest",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ]
    .prop_filter("no signing marker", |code| without_signing_marker(code));
    let body = prop_oneof![
        (code, any::<String>()).prop_map(|(code, message)| format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
             <Message>{message}</Message></Error>"
        )
        .into_bytes()),
        ("<Error><Code>[A-Za-z]{0,12}", 0..40_usize)
            .prop_filter("no signing marker", |(start, _)| without_signing_marker(
                start
            ))
            .prop_map(|(start, cut)| start.into_bytes().into_iter().take(cut).collect()),
        proptest::collection::vec(any::<u8>(), 0..300),
    ];
    let range = proptest::option::of(prop_oneof![
        "bytes [0-9]{1,20}-[0-9]{1,20}/[0-9*]{1,20}",
        any::<String>().prop_filter("a header value", |v| !v.contains(['\r', '\n'])),
    ]);
    (status, range, body).prop_map(|(status, range, body)| {
        let range = range.map_or_else(String::new, |r| format!("Content-Range: {r}\r\n"));
        let mut answer = format!(
            "HTTP/1.1 {status} Whatever\r\nContent-Type: application/xml\r\n{range}\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        answer.extend(body);
        answer
    })
}

/// Whatever a server answers, every operation returns a typed result: no panic, and no
/// error that shows the raw key. Prints how many answers it tried.
#[test]
fn odd_answers_are_typed_errors() {
    use proptest::prelude::*;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (endpoint, answer) = runtime.block_on(switchable());
    let storage = runtime.block_on(on_canned(&endpoint));
    let object = path("fuzz-bucket", "raw-key-never-printed.bin");
    let other = path("fuzz-bucket", "raw-key-never-printed-2.bin");
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256_u32)
        .max(256);
    let tried = std::sync::atomic::AtomicUsize::new(0);
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(reply in odd_answer())| {
        tried.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *answer.lock().unwrap() = reply;
        let errors: Vec<Option<stowage_core::Error>> = runtime.block_on(async {
            vec![
                storage.head_object(&object).await.err(),
                match storage.get_object(&object).await {
                    Ok(output) => output.body.bytes().await.err(),
                    Err(error) => Some(error),
                },
                storage.put_object(&object, "x".into(), PutOptions::new()).await.err(),
                storage.copy_object(&object, &other).await.err(),
                storage.delete_object(&object).await.err(),
                storage.list_objects(&object, None).await.err(),
                storage.delete_objects(&[object.clone(), other.clone()]).await.err(),
            ]
        });
        for error in errors.into_iter().flatten() {
            let shown = format!("{error} {error:?}");
            prop_assert!(!shown.contains("raw-key-never-printed"), "{shown}");
            prop_assert!(!error.kind_name().is_empty());
        }
    });
    eprintln!(
        "odd_answers_are_typed_errors: {} answers tried, 7 operations each",
        tried.load(std::sync::atomic::Ordering::Relaxed)
    );
}

/// A server that answers every request with `response` after `delay`.
async fn slow(response: &'static str, delay: Duration) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0_u8; 1];
                while !head.ends_with(b"\r\n\r\n") && socket.read(&mut byte).await.unwrap_or(0) == 1
                {
                    head.push(byte[0]);
                }
                tokio::time::sleep(delay).await;
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    endpoint
}

/// A CopyObject may take longer than the read timeout (the server copies before it
/// answers): it gets at least `COPY_READ_TIMEOUT`, while other requests keep theirs.
#[tokio::test(flavor = "multi_thread")]
async fn a_copy_may_answer_after_the_read_timeout_other_requests_may_not() {
    const COPIED: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 147\r\n\
        Connection: close\r\n\r\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult>\
        <LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>\"abc\"</ETag></CopyObjectResult>";
    assert_eq!(COPIED.split("\r\n\r\n").nth(1).unwrap().len(), 147);
    assert!(stowage_s3::COPY_READ_TIMEOUT >= Duration::from_secs(600));
    let endpoint = slow(COPIED, Duration::from_millis(1500)).await;
    let storage = TestServer::get()
        .s3_builder()
        .endpoint_url(&endpoint)
        .max_attempts(1)
        .read_timeout(Duration::from_secs(1))
        .build()
        .await
        .unwrap();
    let from = path("src-bucket", "large-source");
    let to = path("dst-bucket", "large-copy");
    storage
        .copy_object(&from, &to)
        .await
        .expect("the copy outlives the read timeout");
    let head = storage.head_object(&from).await;
    assert!(matches!(head, Err(Error::Timeout { .. })), "{head:?}");
}

/// A DeleteObjects may take longer than the read timeout (the server deletes every key
/// before it answers): a batch gets at least `DELETE_READ_TIMEOUT_PER_KEY` per key, while a
/// batch too small to need it keeps the read timeout.
#[tokio::test(flavor = "multi_thread")]
async fn a_batch_delete_may_answer_after_the_read_timeout_in_proportion_to_its_keys() {
    const DELETED: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 116\r\n\
        Connection: close\r\n\r\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></DeleteResult>";
    assert_eq!(DELETED.split("\r\n\r\n").nth(1).unwrap().len(), 116);
    assert_eq!(
        stowage_s3::DELETE_READ_TIMEOUT_PER_KEY,
        Duration::from_millis(200)
    );
    let endpoint = slow(DELETED, Duration::from_millis(1500)).await;
    let storage = TestServer::get()
        .s3_builder()
        .endpoint_url(&endpoint)
        .max_attempts(1)
        .read_timeout(Duration::from_secs(1))
        .build()
        .await
        .unwrap();
    let batch: Vec<S3Path> = (0..10)
        .map(|i| path("some-bucket", &format!("batch/{i}")))
        .collect();

    let report = storage.delete_objects(&batch).await.unwrap();
    assert!(
        report.is_success(),
        "10 keys wait 2 s for their answer: {:?}",
        report.failed
    );

    let report = storage.delete_objects(&batch[..1]).await.unwrap();
    assert_eq!(
        report.failed.len(),
        1,
        "one key waits only the read timeout"
    );
    assert_eq!(report.failed[0].code, "timeout");
}
