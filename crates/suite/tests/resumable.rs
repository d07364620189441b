//! Browser uploads of any size, below the browser: the trait's client-driven multipart
//! calls and `stowage::resumable` on the memory backend (in-process and over HTTP) and on
//! Garage, and Uppy's protocol router's answers to bad input.
//!
//! The part PUTs go over HTTP as a browser sends them (reqwest, a body of a given length,
//! no other header). The Chromium cases are in `tests/browser/uppy.rs`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::StreamExt as _;
use futures::TryStreamExt as _;
use serde_json::{Value, json};
use stowage::memory::{HttpServer, MemoryStorage};
use stowage::resumable::uppy::{Refusal, UppyCompanion, UserRules};
use stowage::resumable::{
    GrantKey, PartMismatch, ResumableError, ResumableUploads, StartUpload, UploadGrant,
};
use stowage::transfer::{UploadId, abort_stale_uploads};
use stowage::{
    Clock, Error, ManualClock, MockObjectStorage, ObjectStorage, PartUrlRequest, PutOptions, S3Path,
};
use stowage_testkit::TestServer;

const MIB: u64 = 1024 * 1024;
/// The part size of these tests.
const PART_SIZE: u64 = 5 * MIB;

/// A store the cases run on, with what keeps it running.
struct Store {
    /// The name in messages.
    name: &'static str,
    /// The store.
    storage: Arc<dyn ObjectStorage>,
    /// Its bucket.
    bucket: String,
    /// The memory store's HTTP server.
    _server: Option<HttpServer>,
}

impl Store {
    /// A path under a prefix no other case uses.
    fn path(&self, name: &str) -> S3Path {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        S3Path::new(
            &self.bucket,
            format!("resumable/{}-{n}/{name}", std::process::id()),
        )
        .expect("a path")
    }
}

/// The memory backend served over HTTP, and Garage.
async fn stores() -> Vec<Store> {
    let memory = MemoryStorage::builder().bucket("uploads").build();
    let server = HttpServer::start(&memory)
        .await
        .expect("the memory store serves over HTTP");
    let garage = tokio::task::spawn_blocking(TestServer::get)
        .await
        .expect("the test server starts");
    stowage_testkit::logs::forbid([garage.secret_access_key.as_str(), "resumable/"]);
    vec![
        Store {
            name: "memory",
            storage: Arc::new(memory),
            bucket: "uploads".to_owned(),
            _server: Some(server),
        },
        Store {
            name: "garage",
            storage: Arc::new(garage.s3_storage().await),
            bucket: garage.bucket.clone(),
            _server: None,
        },
    ]
}

/// PUTs `length` bytes of `fill` to `url` as a browser sends a part: the status, and the
/// ETag when stored.
///
/// A 500 or 503 (a store under load: Garage answers 503 when one of its internal requests
/// times out or misses its quorum) is sent again after a pause, up to four attempts, as
/// Uppy's S3 plugin retries a part; every other answer is the part's.
async fn put_part(url: &str, length: u64, fill: u8) -> (u16, Option<String>) {
    const ATTEMPTS: u32 = 4;
    let body = bytes::Bytes::from(vec![
        fill;
        usize::try_from(length).expect("a test-sized part")
    ]);
    let client = reqwest::Client::new();
    let mut attempt = 1;
    loop {
        let response = client
            .put(url)
            .body(body.clone())
            .send()
            .await
            .expect("the store answers");
        let status = response.status().as_u16();
        if matches!(status, 500 | 503) && attempt < ATTEMPTS {
            tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
            attempt += 1;
            continue;
        }
        let etag = response
            .headers()
            .get("etag")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        return (status, etag);
    }
}

/// The service on `storage` with 5 MiB parts and a fresh key.
fn service(storage: &Arc<dyn ObjectStorage>) -> ResumableUploads {
    ResumableUploads::new(Arc::clone(storage), GrantKey::random().expect("a key"))
        .part_size(PART_SIZE)
}

/// Sends every part of `grant`'s plan through the service's URLs, part `n` filled with `n`.
async fn send_every_part(uploads: &ResumableUploads, grant: &UploadGrant) {
    for number in 1..=grant.plan().part_count {
        let signed = uploads.sign_part(grant, number).await.expect("a part URL");
        let (status, _) = put_part(signed.url.as_str(), signed.content_length, number as u8).await;
        assert_eq!(status, 200, "part {number}");
    }
}

/// The uploads pending under `path`'s parent.
async fn pending(storage: &dyn ObjectStorage, path: &S3Path) -> usize {
    let prefix = S3Path::new(
        path.bucket(),
        &path.key()[..path.key().rfind('/').unwrap() + 1],
    )
    .expect("a prefix");
    storage
        .list_multipart_uploads(&prefix)
        .await
        .expect("listing pending uploads")
        .len()
}

/// A part URL takes a body of exactly its signed length: one byte more or less is refused
/// by the store and stores nothing; the exact length is stored with the ETag ListParts
/// reports.
#[tokio::test(flavor = "multi_thread")]
async fn a_part_url_takes_exactly_its_length() {
    for store in stores().await {
        let path = store.path("part.bin");
        let upload = store
            .storage
            .create_multipart_upload(&path, &PutOptions::new())
            .await
            .expect("an upload");
        let url = store
            .storage
            .presigned_upload_part(&path, &upload, &PartUrlRequest::new(3, 1000))
            .await
            .expect("a part URL");
        assert!(
            url.as_str().contains("content-length%3Bhost"),
            "{}",
            store.name
        );
        for length in [999, 1001, 2000] {
            let (status, _) = put_part(url.as_str(), length, 1).await;
            assert_eq!(status, 403, "{}: {length} bytes", store.name);
        }
        assert_eq!(store.storage.list_parts(&path, &upload).await.unwrap(), []);
        let (status, etag) = put_part(url.as_str(), 1000, 1).await;
        assert_eq!(status, 200, "{}", store.name);
        let parts = store.storage.list_parts(&path, &upload).await.unwrap();
        assert_eq!(parts.len(), 1, "{}", store.name);
        assert_eq!((parts[0].number, parts[0].size), (3, 1000));
        assert_eq!(Some(parts[0].etag.clone()), etag, "{}", store.name);
        store
            .storage
            .abort_multipart_upload(&path, &upload)
            .await
            .expect("the abort");
        assert_eq!(pending(store.storage.as_ref(), &path).await, 0);
    }
}

/// ListParts reads every page: 1,001 parts, past S3's page of 1,000.
#[tokio::test(flavor = "multi_thread")]
async fn list_parts_reads_every_page() {
    for store in stores().await {
        let path = store.path("many-parts.bin");
        let upload = store
            .storage
            .create_multipart_upload(&path, &PutOptions::new())
            .await
            .expect("an upload");
        let storage = &store.storage;
        futures::stream::iter(1..=1001u32)
            .map(|number| {
                let (path, upload) = (&path, &upload);
                async move {
                    let url = storage
                        .presigned_upload_part(path, upload, &PartUrlRequest::new(number, 1))
                        .await
                        .expect("a part URL");
                    let (status, _) = put_part(url.as_str(), 1, 7).await;
                    assert_eq!(status, 200, "part {number}");
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<()>>()
            .await;
        let parts = storage.list_parts(&path, &upload).await.expect("the parts");
        let numbers: Vec<u32> = parts.iter().map(|part| part.number).collect();
        assert_eq!(numbers, (1..=1001).collect::<Vec<_>>(), "{}", store.name);
        storage
            .abort_multipart_upload(&path, &upload)
            .await
            .unwrap();
    }
}

/// The service's whole way: start, a URL per part, completion from the store's parts. The
/// object has every byte, S3's multipart ETag and the Content-Type the service set.
#[tokio::test(flavor = "multi_thread")]
async fn an_upload_completes_from_the_stores_parts() {
    for store in stores().await {
        let uploads = service(&store.storage);
        let path = store.path("study.zip");
        let size = 2 * PART_SIZE + 7;
        let started = uploads
            .start(
                &StartUpload::new(path.clone(), "alice", size)
                    .max_bytes(3 * PART_SIZE)
                    .content_type("application/zip"),
            )
            .await
            .expect("the upload starts");
        let grant = uploads
            .open(started.token.as_str(), "alice")
            .expect("the token opens");
        assert_eq!(grant, started.grant);
        assert_eq!(
            (grant.plan().part_size, grant.plan().part_count),
            (PART_SIZE, 3)
        );
        send_every_part(&uploads, &grant).await;
        let listed = uploads.list_parts(&grant).await.expect("the parts");
        assert_eq!(
            listed.iter().map(|part| part.size).collect::<Vec<_>>(),
            [PART_SIZE, PART_SIZE, 7]
        );
        let result = uploads.complete(&grant).await.expect("the completion");
        let object = store.storage.get_object(&path).await.expect("the object");
        assert_eq!(object.meta.size, size, "{}", store.name);
        assert_eq!(object.meta.content_type.as_deref(), Some("application/zip"));
        assert!(
            result.etag.unwrap_or_default().ends_with("-3\""),
            "{}",
            store.name
        );
        let body: Vec<_> = object.body.try_collect().await.expect("the body");
        let body = body.concat();
        assert!(body[..PART_SIZE as usize].iter().all(|&b| b == 1));
        assert!(
            body[PART_SIZE as usize..2 * PART_SIZE as usize]
                .iter()
                .all(|&b| b == 2)
        );
        assert_eq!(&body[2 * PART_SIZE as usize..], &[3; 7]);
        assert_eq!(pending(store.storage.as_ref(), &path).await, 0);
    }
}

/// A completion while a planned part is missing: refused with the part named, the upload
/// aborted, nothing stored.
#[tokio::test(flavor = "multi_thread")]
async fn a_completion_with_a_part_missing_aborts_the_upload() {
    for store in stores().await {
        let uploads = service(&store.storage);
        let path = store.path("partial.bin");
        let started = uploads
            .start(&StartUpload::new(path.clone(), "alice", PART_SIZE + 1))
            .await
            .expect("the upload starts");
        let grant = started.grant;
        let first = uploads.sign_part(&grant, 1).await.unwrap();
        assert_eq!(put_part(first.url.as_str(), PART_SIZE, 1).await.0, 200);
        let error = uploads
            .complete(&grant)
            .await
            .expect_err("a part is missing");
        assert!(
            matches!(
                error,
                ResumableError::Mismatch(PartMismatch::Missing { number: 2 })
            ),
            "{}: {error:?}",
            store.name
        );
        assert_eq!(error.http_status(), 409);
        assert_eq!(
            pending(store.storage.as_ref(), &path).await,
            0,
            "{}",
            store.name
        );
        assert!(!store.storage.object_exists(&path).await.unwrap());
        // The aborted upload is gone for every later call.
        let error = uploads.list_parts(&grant).await.expect_err("aborted");
        assert_eq!(error.http_status(), 404, "{}: {error:?}", store.name);
    }
}

/// A part URL past its expiry is refused by the store.
#[tokio::test(flavor = "multi_thread")]
async fn part_urls_expire() {
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let memory = MemoryStorage::builder()
        .bucket("uploads")
        .clock(clock.clone())
        .build();
    let path = S3Path::new("uploads", "expiring.bin").unwrap();
    let upload = memory
        .create_multipart_upload(&path, &PutOptions::new())
        .await
        .unwrap();
    let url = memory
        .presigned_upload_part(
            &path,
            &upload,
            &PartUrlRequest::new(1, 4).ttl(Duration::from_secs(60)),
        )
        .await
        .unwrap();
    clock.advance(Duration::from_secs(61));
    let refusal = memory
        .put_presigned_part(url.as_str(), "late")
        .expect_err("expired");
    assert_eq!((refusal.status, refusal.code), (403, "AccessDenied"));
    assert_eq!(memory.list_parts(&path, &upload).await.unwrap(), []);

    let garage = tokio::task::spawn_blocking(TestServer::get).await.unwrap();
    let storage = garage.s3_storage().await;
    let path = S3Path::new(
        &garage.bucket,
        format!("resumable/{}/expiring.bin", std::process::id()),
    )
    .unwrap();
    let upload = storage
        .create_multipart_upload(&path, &PutOptions::new())
        .await
        .unwrap();
    let url = storage
        .presigned_upload_part(
            &path,
            &upload,
            &PartUrlRequest::new(1, 4).ttl(Duration::from_secs(1)),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // Garage answers an expired presigned request 400 (S3 and the memory backend: 403).
    let (status, _) = put_part(url.as_str(), 4, 0).await;
    assert!([400, 403].contains(&status), "{status}");
    assert_eq!(storage.list_parts(&path, &upload).await.unwrap(), []);
    storage
        .abort_multipart_upload(&path, &upload)
        .await
        .unwrap();
}

/// A grant names its owner, key, plan and expiry under the service's MAC: another user,
/// another key, a changed byte or a part outside the plan is refused, and an expired grant
/// only aborts.
#[tokio::test]
async fn grants_bind_owner_plan_and_expiry() {
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let storage: Arc<dyn ObjectStorage> = Arc::new(
        MemoryStorage::builder()
            .bucket("uploads")
            .clock(clock.clone())
            .build(),
    );
    let key = GrantKey::random().unwrap();
    let uploads = ResumableUploads::new(Arc::clone(&storage), key.clone())
        .part_size(PART_SIZE)
        .clock(clock.clone());
    let path = S3Path::new("uploads", "users/alice/scan.dcm").unwrap();
    let started = uploads
        .start(
            &StartUpload::new(path.clone(), "alice", PART_SIZE + 1).ttl(Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    let token = started.token.as_str();
    assert!(matches!(
        uploads.open(token, "bob"),
        Err(ResumableError::NotOwner)
    ));
    let mut tampered = token.to_owned().into_bytes();
    tampered[10] ^= 1;
    let tampered = String::from_utf8(tampered).unwrap();
    assert!(matches!(
        uploads.open(&tampered, "alice"),
        Err(ResumableError::InvalidGrant)
    ));
    let other_service = ResumableUploads::new(Arc::clone(&storage), GrantKey::random().unwrap());
    assert!(matches!(
        other_service.open(token, "alice"),
        Err(ResumableError::InvalidGrant)
    ));

    let grant = uploads.open(token, "alice").unwrap();
    for number in [0, 3, 10_001] {
        assert!(matches!(
            uploads.sign_part(&grant, number).await,
            Err(ResumableError::PartOutOfPlan { count: 2, .. })
        ));
    }
    // A part URL lives no longer than the grant.
    clock.advance(Duration::from_secs(3600 - 30));
    let signed = uploads.sign_part(&grant, 2).await.unwrap();
    assert_eq!(signed.content_length, 1);
    let left = signed.url.expires_at().duration_since(clock.now()).unwrap();
    assert!(left <= Duration::from_secs(30), "{left:?}");

    clock.advance(Duration::from_secs(31));
    assert!(matches!(
        uploads.sign_part(&grant, 1).await,
        Err(ResumableError::Expired)
    ));
    assert!(matches!(
        uploads.list_parts(&grant).await,
        Err(ResumableError::Expired)
    ));
    assert!(matches!(
        uploads.complete(&grant).await,
        Err(ResumableError::Expired)
    ));
    uploads
        .abort(&grant)
        .await
        .expect("an expired grant still aborts");
    assert!(
        storage
            .list_multipart_uploads(&S3Path::new("uploads", "").unwrap())
            .await
            .unwrap()
            .is_empty()
    );
}

/// Above the cap, the service refuses before it asks the store anything: the mock has no
/// expectation, so any call would fail the test.
#[tokio::test]
async fn over_the_cap_is_refused_before_the_store_is_asked() {
    let storage: Arc<dyn ObjectStorage> = Arc::new(MockObjectStorage::new());
    let uploads = service(&storage);
    let path = S3Path::new("uploads", "users/alice/huge.bin").unwrap();
    let error = uploads
        .start(&StartUpload::new(path.clone(), "alice", 10 * MIB + 1).max_bytes(10 * MIB))
        .await
        .expect_err("above the cap");
    assert!(
        matches!(error, ResumableError::TooLarge { size, cap } if size == 10 * MIB + 1 && cap == 10 * MIB)
    );
    assert_eq!(error.http_status(), 413);
    let error = uploads
        .start(&StartUpload::new(path, "alice", 0))
        .await
        .expect_err("an empty file has no parts");
    assert_eq!(error.http_status(), 400);
}

/// Uploads older than the cutoff are aborted, younger ones kept, each accounted for once.
#[tokio::test]
async fn stale_uploads_are_aborted_by_age() {
    let start = SystemTime::now();
    let clock = Arc::new(ManualClock::new(start));
    let storage = MemoryStorage::builder()
        .bucket("uploads")
        .clock(clock.clone())
        .build();
    let old: Vec<S3Path> = (0..2)
        .map(|n| S3Path::new("uploads", format!("users/old-{n}.bin")).unwrap())
        .collect();
    for path in &old {
        storage
            .create_multipart_upload(path, &PutOptions::new())
            .await
            .unwrap();
    }
    clock.advance(Duration::from_secs(2 * 3600));
    let fresh = S3Path::new("uploads", "users/fresh.bin").unwrap();
    storage
        .create_multipart_upload(&fresh, &PutOptions::new())
        .await
        .unwrap();
    let outside = S3Path::new("uploads", "elsewhere/old.bin").unwrap();
    storage
        .create_multipart_upload(&outside, &PutOptions::new())
        .await
        .unwrap();

    let prefix = S3Path::new("uploads", "users/").unwrap();
    let report = abort_stale_uploads(&storage, &prefix, Duration::from_secs(3600), clock.now())
        .await
        .unwrap();
    let aborted: Vec<_> = report
        .aborted
        .iter()
        .map(|upload| upload.path.clone())
        .collect();
    assert_eq!(aborted, old);
    assert_eq!(report.kept.len(), 1);
    assert_eq!(report.kept[0].path, fresh);
    assert!(report.failed.is_empty());
    let left = storage
        .list_multipart_uploads(&S3Path::new("uploads", "").unwrap())
        .await
        .unwrap();
    assert_eq!(
        left.len(),
        2,
        "the fresh one and the one outside the prefix"
    );
}

/// The Uppy router on the memory backend: its base URL, for the user `alice`.
async fn router() -> (String, MemoryStorage, HttpServer) {
    let storage = MemoryStorage::builder().bucket("uploads").build();
    let server = HttpServer::start(&storage).await.unwrap();
    let uploads = ResumableUploads::new(Arc::new(storage.clone()), GrantKey::random().unwrap())
        .part_size(PART_SIZE);
    let companion = UppyCompanion::new(uploads, |request: &axum::http::request::Parts| {
        let user = request
            .headers
            .get("x-user")
            .and_then(|value| value.to_str().ok())
            .filter(|user| ["alice", "bob"].contains(user))
            .ok_or_else(|| Refusal::unauthorized("sign in"))?;
        let prefix = S3Path::new("uploads", format!("users/{user}/"))
            .map_err(|error| Refusal::bad_request(error.to_string()))?;
        Ok(UserRules::new(user, prefix, 20 * MIB).content_types(["application/octet-stream"]))
    });
    let app = axum::Router::new().nest("/s3", companion.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/s3", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, storage, server)
}

/// One request to the router as `user`: its status and JSON body.
async fn call(method: &str, url: &str, user: Option<&str>, body: Option<Vec<u8>>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(user) = user {
        request = request.header("x-user", user);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.expect("the router answers");
    let status = response.status().as_u16();
    let text = response.bytes().await.expect("the router's answer");
    let body = serde_json::from_slice(&text).unwrap_or(Value::Null);
    (status, body)
}

/// A request the router must refuse: method, URL, user, body, the status it must answer.
type BadRequest<'a> = (&'a str, String, Option<&'a str>, Option<Vec<u8>>, u16);

/// Bad input is a 4xx with a JSON `error`, never a 500, and never names the key.
#[tokio::test]
async fn the_router_answers_bad_input_with_json_4xx() {
    let (base, storage, _server) = router().await;
    let create = |size: Value| {
        serde_json::to_vec(&json!({"filename": "scan.bin", "type": "application/octet-stream", "metadata": {"size": size}}))
            .unwrap()
    };
    let (status, created) = call(
        "POST",
        &format!("{base}/multipart"),
        Some("alice"),
        Some(create(json!(6 * MIB))),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        (created["partSize"].clone(), created["partCount"].clone()),
        (json!(PART_SIZE), json!(2))
    );
    let id = created["uploadId"].as_str().unwrap().to_owned();
    let key = created["key"].as_str().unwrap().to_owned();
    assert_eq!(key, "users/alice/scan.bin");
    let on = |suffix: &str, key: Option<&str>| {
        let query = key
            .map(|key| format!("?key={}", key.replace('/', "%2F")))
            .unwrap_or_default();
        format!("{base}/multipart/{id}{suffix}{query}")
    };
    let cases: Vec<BadRequest> = vec![
        (
            "POST",
            format!("{base}/multipart"),
            Some("alice"),
            Some(b"{not json".to_vec()),
            400,
        ),
        (
            "POST",
            format!("{base}/multipart"),
            Some("alice"),
            Some(b"{\"filename\":\"a\"}".to_vec()),
            400,
        ),
        (
            "POST",
            format!("{base}/multipart"),
            Some("alice"),
            Some(create(json!("many"))),
            400,
        ),
        (
            "POST",
            format!("{base}/multipart"),
            Some("alice"),
            Some(create(json!(20 * MIB + 1))),
            413,
        ),
        (
            "POST",
            format!("{base}/multipart"),
            Some("alice"),
            Some(vec![b' '; 64 * 1024]),
            413,
        ),
        (
            "POST",
            format!("{base}/multipart"),
            None,
            Some(create(json!(1))),
            401,
        ),
        ("GET", on("/0", Some(&key)), Some("alice"), None, 400),
        ("GET", on("/10001", Some(&key)), Some("alice"), None, 400),
        ("GET", on("/x", Some(&key)), Some("alice"), None, 400),
        ("GET", on("/1", None), Some("alice"), None, 400),
        (
            "GET",
            on("/1", Some("users/alice/other.bin")),
            Some("alice"),
            None,
            403,
        ),
        ("GET", on("/1", Some(&key)), Some("bob"), None, 403),
        (
            "GET",
            format!("{base}/multipart/unknown-upload/1?key=a"),
            Some("alice"),
            None,
            403,
        ),
        (
            "GET",
            format!("{base}/params?type=application/octet-stream"),
            Some("alice"),
            None,
            400,
        ),
        (
            "GET",
            format!("{base}/params?filename=page.html&type=text/html"),
            Some("alice"),
            None,
            415,
        ),
        (
            "GET",
            format!("{base}/params?filename=..&type=application/octet-stream"),
            Some("alice"),
            None,
            400,
        ),
    ];
    for (method, url, user, body, expected) in cases {
        let (status, answer) = call(method, &url, user, body).await;
        assert_eq!(status, expected, "{method} {url}: {answer}");
        let message = answer["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {url}: no JSON error: {answer}"));
        assert!(!message.contains("scan.bin"), "{message}");
    }
    // None of it started or stored anything but the one upload.
    let pending = storage
        .list_multipart_uploads(&S3Path::new("uploads", "").unwrap())
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    let (status, _) = call("DELETE", &on("", Some(&key)), Some("alice"), None).await;
    assert_eq!(status, 200);
    let pending = storage
        .list_multipart_uploads(&S3Path::new("uploads", "").unwrap())
        .await
        .unwrap();
    assert!(pending.is_empty());
    // The store has no part URL of an unknown upload either.
    let unknown = storage
        .presigned_upload_part(
            &S3Path::new("uploads", "a").unwrap(),
            &UploadId::new("nope"),
            &PartUrlRequest::new(1, 1),
        )
        .await;
    assert!(
        matches!(unknown, Err(Error::Service { status: 404, .. })),
        "{unknown:?}"
    );
}
