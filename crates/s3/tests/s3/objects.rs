//! Objects, presigned URLs and forms, error kinds and what reaches logs, on Garage.

use super::*;

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
        assert_eq!(read_all(&storage, &p).await, body.as_bytes(), "{suffix}");
        assert!(storage.object_exists(&p).await.unwrap(), "{suffix}");
    }
    // A leading slash is part of the key.
    let slash = path(&env.bucket, &format!("/{prefix}leading"));
    put(&storage, &slash, "leading slash").await;
    assert_eq!(read_all(&storage, &slash).await, "leading slash".as_bytes());
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
    assert_eq!(read_all(&storage, &ok).await, body);
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
    assert_eq!(read_all(&storage, &p).await, "scan".as_bytes());
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
