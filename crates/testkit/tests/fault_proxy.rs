//! The fault-injecting proxy: every S3 call passes through it unchanged, and each fault
//! reaches an S3 client on the test server as the real failure would. A few checks of the
//! HTTP framing run against a small fake upstream instead of the test server.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use md5::{Digest, Md5};
use stowage_core::{ByteRange, Error, GetOptions, ObjectStorage, PutOptions, S3Path};
use stowage_s3::aws_sdk_s3::config::RequestChecksumCalculation;
use stowage_s3::aws_sdk_s3::presigning::PresigningConfig;
use stowage_s3::aws_sdk_s3::primitives::ByteStream;
use stowage_s3::aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use stowage_s3::{S3Storage, S3StorageBuilder};
use stowage_testkit::TestServer;
use stowage_testkit::checked_operations::{self, Operation, content};
use stowage_testkit::fault_proxy::{Fault, FaultProxy, FaultRule, RequestMatch};
use stowage_testkit::support::read_all;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing::instrument::WithSubscriber;

const MIB: usize = 1024 * 1024;

/// The test server's address, for the proxy to forward to.
fn upstream() -> SocketAddr {
    let endpoint = &TestServer::get().endpoint;
    endpoint
        .strip_prefix("http://")
        .and_then(|authority| authority.trim_end_matches('/').to_socket_addrs().ok())
        .and_then(|mut addresses| addresses.next())
        .unwrap_or_else(|| panic!("the test server's endpoint {endpoint} is not http://HOST:PORT"))
}

/// A proxy in front of the test server.
async fn proxy() -> FaultProxy {
    FaultProxy::start(upstream())
        .await
        .expect("the proxy starts")
}

/// An S3 backend on the test server through `proxy`, with `configure`'s settings.
async fn storage_through(
    proxy: &FaultProxy,
    configure: impl FnOnce(S3StorageBuilder) -> S3StorageBuilder,
) -> S3Storage {
    configure(
        TestServer::get()
            .s3_builder()
            .endpoint_url(proxy.endpoint_url()),
    )
    .build()
    .await
    .expect("the S3 backend builds")
}

/// Runs a raw SDK call, the reference these tests compare stowage with, without a log
/// subscriber: the SDK's own events name keys and signatures, which this binary's log
/// capture forbids in stowage's events.
async fn unobserved<F: std::future::Future>(call: F) -> F::Output {
    call.with_subscriber(tracing::subscriber::NoSubscriber::default())
        .await
}

/// A fresh path in the test bucket. From the first on, no event of this binary may carry a
/// key of these tests, a signature, a policy or the server's secret.
fn fresh_path(test: &str) -> S3Path {
    stowage_testkit::logs::forbid(["fault-proxy/", TestServer::get().secret_access_key.as_str()]);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    S3Path::new(
        &TestServer::get().bucket,
        format!("fault-proxy/{test}-{nanos:x}"),
    )
    .expect("a valid path")
}

/// Stores `bytes` at `path` through `storage`.
async fn write(storage: &S3Storage, path: &S3Path, bytes: &Bytes) {
    storage
        .put_object(path, bytes.clone().into(), PutOptions::new())
        .await
        .expect("the object is stored");
}

fn gets() -> RequestMatch {
    RequestMatch::method("GET")
}

fn puts() -> RequestMatch {
    RequestMatch::method("PUT")
}

#[tokio::test]
async fn every_operation_passes_through_with_exact_bytes() {
    let proxy = proxy().await;
    let storage = storage_through(&proxy, |builder| builder).await;
    let large = fresh_path("pass-large");
    let small = fresh_path("pass-small");
    let large_bytes = content(MIB + 17);
    write(&storage, &large, &large_bytes).await;
    storage
        .put_object(
            &small,
            "small".into(),
            PutOptions::new().content_type("text/plain"),
        )
        .await
        .expect("the small object is stored");

    assert_eq!(read_all(&storage, &large).await, large_bytes);
    let ranged = storage
        .get_object_with(
            &large,
            &GetOptions::new().range(ByteRange::inclusive(1000, 1999)),
        )
        .await
        .expect("the range reads")
        .into_found()
        .expect("an unconditional read finds the object");
    assert_eq!(
        ranged.body.bytes().await.expect("the range's body"),
        large_bytes[1000..2000]
    );
    let meta = storage.head_object(&small).await.expect("the head reads");
    assert_eq!(meta.size, 5);
    assert_eq!(meta.content_type.as_deref(), Some("text/plain"));

    let prefix = S3Path::new(&TestServer::get().bucket, "fault-proxy/pass-").expect("a prefix");
    let listed = storage
        .list_objects(&prefix, None)
        .await
        .expect("the listing");
    assert!(listed.paths().any(|path| path == &large));
    assert!(listed.paths().any(|path| path == &small));

    storage.delete_object(&small).await.expect("the delete");
    let report = storage
        .delete_objects(std::slice::from_ref(&large))
        .await
        .expect("the batch delete");
    assert!(report.is_success(), "{report:?}");
    assert!(
        !storage
            .object_exists(&large)
            .await
            .expect("the head answers")
    );
    assert!(
        !storage
            .object_exists(&small)
            .await
            .expect("the head answers")
    );

    assert_eq!(proxy.faults_applied(), 0);
    assert!(proxy.requests_seen(&RequestMatch::method("HEAD")) >= 3);
    assert!(proxy.requests_seen(&gets().query_contains("list-type=2")) >= 1);
    assert_eq!(
        proxy.requests_seen(&RequestMatch::method("POST").query_contains("delete")),
        1
    );
}

#[tokio::test]
async fn a_multipart_upload_passes_through() {
    let proxy = proxy().await;
    let storage = storage_through(&proxy, |builder| builder).await;
    let client = storage.client();
    let path = fresh_path("multipart");
    let bytes = content(5 * MIB + 1000);
    let created = unobserved(
        client
            .create_multipart_upload()
            .bucket(path.bucket())
            .key(path.key())
            .send(),
    )
    .await
    .expect("the upload starts");
    let upload_id = created.upload_id().expect("an upload id");
    let mut parts = Vec::new();
    for (number, range) in [(1, 0..5 * MIB), (2, 5 * MIB..bytes.len())] {
        let part = unobserved(
            client
                .upload_part()
                .bucket(path.bucket())
                .key(path.key())
                .upload_id(upload_id)
                .part_number(number)
                .body(ByteStream::from(bytes.slice(range)))
                .send(),
        )
        .await
        .expect("the part uploads");
        parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(part.e_tag().map(str::to_owned))
                .build(),
        );
    }
    unobserved(
        client
            .complete_multipart_upload()
            .bucket(path.bucket())
            .key(path.key())
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send(),
    )
    .await
    .expect("the upload completes");
    assert_eq!(read_all(&storage, &path).await, bytes);

    let abandoned = unobserved(
        client
            .create_multipart_upload()
            .bucket(path.bucket())
            .key(path.key())
            .send(),
    )
    .await
    .expect("a second upload starts");
    unobserved(
        client
            .abort_multipart_upload()
            .bucket(path.bucket())
            .key(path.key())
            .upload_id(abandoned.upload_id().expect("an upload id"))
            .send(),
    )
    .await
    .expect("the upload aborts");
    let pending = unobserved(
        client
            .list_multipart_uploads()
            .bucket(path.bucket())
            .prefix(path.key())
            .send(),
    )
    .await
    .expect("the uploads list");
    assert!(pending.uploads().is_empty(), "{:?}", pending.uploads());

    assert_eq!(
        proxy.requests_seen(&RequestMatch::method("POST").query_contains("uploads")),
        2
    );
    assert_eq!(
        proxy.requests_seen(&puts().query_contains("partNumber=")),
        2
    );
    assert_eq!(
        proxy.requests_seen(&RequestMatch::method("DELETE").query_contains("uploadId")),
        1
    );
    storage.delete_object(&path).await.expect("the delete");
}

#[tokio::test]
async fn slow_down_twice_then_the_third_attempt_succeeds() {
    let proxy = proxy().await;
    let storage = storage_through(&proxy, |builder| builder).await;
    let path = fresh_path("slow-down");
    let bytes = content(64 * 1024);
    proxy.inject(FaultRule::new(Fault::SlowDown).matching(puts()).times(2));

    write(&storage, &path, &bytes).await;

    assert_eq!(proxy.requests_seen(&puts()), 3);
    assert_eq!(proxy.faults_applied(), 2);
    assert_eq!(read_all(&storage, &path).await, bytes);
    storage.delete_object(&path).await.expect("the delete");
}

/// The header every SDK request carries and lean requests do not.
const SDK_INVOCATION_HEADER: &str = "amz-sdk-invocation-id";

#[tokio::test]
async fn object_requests_take_the_lean_path_unless_it_is_turned_off() {
    let sdk_requests = RequestMatch::any().header(SDK_INVOCATION_HEADER);
    for lean_requests in [true, false] {
        // A proxy of its own: its counts start from zero.
        let proxy = proxy().await;
        let storage = storage_through(&proxy, |builder| builder.lean_requests(lean_requests)).await;
        assert_eq!(storage.lean_requests(), lean_requests);
        let path = fresh_path("lean");
        let bytes = content(1024);

        write(&storage, &path, &bytes).await;
        let meta = storage.head_object(&path).await.expect("the head");
        assert_eq!(read_all(&storage, &path).await, bytes);
        storage.delete_object(&path).await.expect("the delete");

        assert_eq!(meta.size, 1024);
        assert_eq!(
            meta.content_type.as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(proxy.requests_seen(&RequestMatch::any()), 4);
        let expected_sdk = if lean_requests { 0 } else { 4 };
        assert_eq!(
            proxy.requests_seen(&sdk_requests),
            expected_sdk,
            "lean: {lean_requests}"
        );
        // The body sent carries its CRC32 either way, for the server to check.
        assert_eq!(
            proxy.requests_seen(&puts().header("x-amz-checksum-crc32")),
            1,
            "lean: {lean_requests}"
        );
    }
}

#[tokio::test]
async fn internal_errors_on_every_attempt_are_a_service_error() {
    let proxy = proxy().await;
    let storage = storage_through(&proxy, |builder| builder.max_attempts(2)).await;
    let path = fresh_path("internal-error");
    write(&storage, &path, &Bytes::from_static(b"hello")).await;
    proxy.inject(
        FaultRule::new(Fault::InternalError)
            .matching(gets())
            .times(2),
    );

    let failed = storage.get_object(&path).await;

    assert!(
        matches!(&failed, Err(Error::Service { code, status: 500, .. }) if code == "InternalError"),
        "{failed:?}"
    );
    assert_eq!(proxy.requests_seen(&gets()), 2);
    assert_eq!(read_all(&storage, &path).await, "hello");
    storage.delete_object(&path).await.expect("the delete");
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_timeout() {
    let proxy = proxy().await;
    let storage = storage_through(&proxy, |builder| {
        builder
            .max_attempts(1)
            .operation_attempt_timeout(Duration::from_millis(500))
    })
    .await;
    let path = fresh_path("never-answer");
    proxy.inject(FaultRule::new(Fault::NeverAnswer).matching(RequestMatch::method("HEAD")));

    let failed = storage.head_object(&path).await;

    assert!(matches!(failed, Err(Error::Timeout { .. })), "{failed:?}");
    let answered = storage.head_object(&path).await;
    assert!(
        matches!(answered, Err(Error::NotFound { .. })),
        "{answered:?}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_is_retried_after_the_attempt_timeout() {
    let proxy = proxy().await;
    let storage = storage_through(&proxy, |builder| {
        builder
            .max_attempts(3)
            .operation_attempt_timeout(Duration::from_millis(500))
    })
    .await;
    let path = fresh_path("never-answer-retried");
    write(&storage, &path, &Bytes::from_static(b"late")).await;
    proxy.inject(FaultRule::new(Fault::NeverAnswer).matching(gets()));

    assert_eq!(read_all(&storage, &path).await, "late");
    assert_eq!(proxy.requests_seen(&gets()), 2);
    storage.delete_object(&path).await.expect("the delete");
}

#[tokio::test]
async fn a_reset_during_the_response_body_is_an_io_error() {
    let proxy = proxy().await;
    let storage = storage_through(&proxy, |builder| builder).await;
    let path = fresh_path("reset-response");
    let bytes = content(MIB);
    write(&storage, &path, &bytes).await;
    proxy.inject(
        FaultRule::new(Fault::ResetDuringResponseBody {
            after_bytes: 64 * 1024,
        })
        .matching(gets()),
    );

    let output = storage
        .get_object(&path)
        .await
        .expect("the head arrives whole");
    let body = output.body.bytes().await;

    assert!(
        matches!(body, Err(Error::Io { .. })),
        "{:?}",
        body.map(|b| b.len())
    );
    assert_eq!(proxy.faults_applied(), 1);
    assert_eq!(read_all(&storage, &path).await, bytes);
    storage.delete_object(&path).await.expect("the delete");
}

#[tokio::test]
async fn a_reset_during_the_request_fails_clean_or_is_retried() {
    let proxy = proxy().await;
    let once = storage_through(&proxy, |builder| builder.max_attempts(1)).await;
    let path = fresh_path("reset-request");
    let bytes = content(256 * 1024);
    proxy.inject(FaultRule::new(Fault::ResetDuringRequest).matching(puts()));

    let failed = once
        .put_object(&path, bytes.clone().into(), PutOptions::new())
        .await;

    assert!(
        matches!(failed, Err(Error::Unreachable { .. } | Error::Io { .. })),
        "{failed:?}"
    );
    assert!(!once.object_exists(&path).await.expect("the head answers"));

    let retrying = storage_through(&proxy, |builder| builder).await;
    proxy.inject(FaultRule::new(Fault::ResetDuringRequest).matching(puts()));
    write(&retrying, &path, &bytes).await;
    assert_eq!(proxy.requests_seen(&puts()), 3);
    assert_eq!(read_all(&retrying, &path).await, bytes);
    retrying.delete_object(&path).await.expect("the delete");
}

#[tokio::test]
async fn a_corrupted_body_with_a_content_md5_is_rejected() {
    let proxy = proxy().await;
    let storage = storage_through(&proxy, |builder| builder.max_attempts(1)).await;
    let path = fresh_path("corrupt-md5");
    let bytes = content(100_000);
    proxy.inject(FaultRule::new(Fault::CorruptRequestBody { offset: 4321 }).matching(puts()));

    let no_sdk_checksum = stowage_s3::aws_sdk_s3::config::Builder::default()
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired);
    let rejected = unobserved(
        storage
            .client()
            .put_object()
            .bucket(path.bucket())
            .key(path.key())
            .content_md5(BASE64.encode(Md5::digest(&bytes)))
            .body(ByteStream::from(bytes.clone()))
            .customize()
            .config_override(no_sdk_checksum)
            .send(),
    )
    .await;

    let error = rejected.expect_err("Garage rejects a body that does not match its Content-MD5");
    let code = stowage_s3::aws_sdk_s3::error::ProvideErrorMetadata::code(&error);
    assert_eq!(code, Some("BadDigest"), "{error:?}");
    assert_eq!(proxy.faults_applied(), 1);
    assert!(
        !storage
            .object_exists(&path)
            .await
            .expect("the head answers")
    );
}

/// A part this process sends to an upload started without a checksum algorithm carries
/// its Content-MD5: a byte flipped on the way is refused (`BadDigest`) and no part is kept.
#[tokio::test]
async fn a_part_corrupted_on_the_way_is_refused_for_its_content_md5() {
    let proxy = proxy().await;
    let storage = storage_through(&proxy, |builder| builder.max_attempts(1)).await;
    let path = fresh_path("corrupt-part");
    let upload = storage
        .create_multipart_upload(&path, &PutOptions::new())
        .await
        .expect("the upload starts");
    proxy.inject(FaultRule::new(Fault::CorruptRequestBody { offset: 4321 }).matching(puts()));

    let refused = storage
        .upload_part(&path, &upload, 1, content(100_000))
        .await
        .expect_err("the store refuses a part that does not match its Content-MD5");

    assert!(
        matches!(&refused, Error::Service { code, .. } if code == "BadDigest"),
        "{refused:?}"
    );
    assert_eq!(proxy.faults_applied(), 1);
    let parts = storage.list_parts(&path, &upload).await.expect("the parts");
    assert!(parts.is_empty(), "{parts:?}");
    storage
        .abort_multipart_upload(&path, &upload)
        .await
        .expect("the abort");
}

#[tokio::test]
async fn a_corrupted_body_without_a_checksum_is_stored_with_one_bit_flipped() {
    let proxy = proxy().await;
    let storage = storage_through(&proxy, |builder| builder).await;
    let path = fresh_path("corrupt-unsigned");
    let bytes = content(100_000);
    let no_sdk_checksum = stowage_s3::aws_sdk_s3::config::Builder::default()
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired);
    let presigned = unobserved(
        storage
            .client()
            .put_object()
            .bucket(path.bucket())
            .key(path.key())
            .customize()
            .config_override(no_sdk_checksum)
            .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).expect("a TTL")),
    )
    .await
    .expect("a presigned PUT");
    let target = presigned
        .uri()
        .strip_prefix(&proxy.endpoint_url())
        .expect("the presigned URL names the proxy")
        .to_owned();
    proxy.inject(FaultRule::new(Fault::CorruptRequestBody { offset: 4321 }).matching(puts()));

    let mut request = format!(
        "PUT {target} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n\r\n",
        proxy.addr(),
        bytes.len()
    )
    .into_bytes();
    request.extend_from_slice(&bytes);
    let response = exchange(proxy.addr(), &request).await;

    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let mut expected = bytes.to_vec();
    expected[4321] ^= 0x01;
    assert_eq!(read_all(&storage, &path).await, expected);
    storage.delete_object(&path).await.expect("the delete");
}

#[tokio::test]
async fn a_throttled_download_takes_the_time_its_rate_says() {
    let proxy = proxy().await;
    let storage = storage_through(&proxy, |builder| builder).await;
    let path = fresh_path("throttle");
    let bytes = content(MIB);
    write(&storage, &path, &bytes).await;
    proxy.inject(
        FaultRule::new(Fault::Throttle {
            bytes_per_second: 4 * MIB as u64,
        })
        .matching(gets()),
    );

    let start = Instant::now();
    let read_back = read_all(&storage, &path).await;

    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(read_back, bytes);
    storage.delete_object(&path).await.expect("the delete");
}

/// A server that stalls in the middle of an answer: a streamed body is a timeout once it
/// sent nothing for the read timeout, never a hang; a download resumes past stalls with the
/// right bytes; an answer read whole (a listing) is a timeout of its attempt; and a body
/// that takes longer in all than twice the read timeout, but never pauses that long, is
/// read whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_midway_is_a_timeout_and_a_download_resumes_past_it() {
    let proxy = proxy().await;
    let read_timeout = Duration::from_secs(1);
    let storage = std::sync::Arc::new(
        storage_through(&proxy, |builder| {
            builder
                .max_attempts(1)
                .read_timeout(read_timeout)
                .transfer_settings(stowage_testkit::areas::transfers::small_parts())
        })
        .await,
    );
    let path = fresh_path("stall");
    let bytes = content(12 * MIB);
    write(&storage, &path, &bytes).await;
    let stall = |after_bytes| {
        FaultRule::new(Fault::StallDuringResponseBody { after_bytes }).matching(gets())
    };

    proxy.inject(stall(1000).times(1));
    let output = storage
        .get_object(&path)
        .await
        .expect("the head of the answer arrives");
    let started = Instant::now();
    let stalled = tokio::time::timeout(HANG, output.body.bytes())
        .await
        .expect("a stalled body is not a hang");
    assert!(
        matches!(stalled, Err(Error::Timeout { .. })),
        "{:?}",
        stalled.map(|body| body.len())
    );
    assert!(started.elapsed() >= read_timeout, "{:?}", started.elapsed());

    let applied = proxy.faults_applied();
    proxy.inject(stall(100_000).times(2));
    let output = stowage_core::transfer::download(
        std::sync::Arc::clone(&storage),
        &path,
        &stowage_testkit::areas::transfers::small_parts(),
    )
    .await
    .expect("the download opens");
    let body = tokio::time::timeout(HANG, output.body.bytes())
        .await
        .expect("a download past stalls is not a hang")
        .expect("the download resumes past the stalls");
    assert!(body == bytes, "the download holds the object's bytes");
    assert_eq!(proxy.faults_applied() - applied, 2, "both stalls were met");

    proxy.inject(
        FaultRule::new(Fault::StallDuringResponseBody { after_bytes: 10 })
            .matching(RequestMatch::method("GET").query_contains("list-type"))
            .times(1),
    );
    let prefix = S3Path::new(path.bucket(), format!("{}/", path.key())).unwrap();
    let listed = tokio::time::timeout(HANG, storage.list_objects(&prefix, None))
        .await
        .expect("a stalled listing is not a hang");
    assert!(matches!(listed, Err(Error::Timeout { .. })), "{listed:?}");

    let steady = fresh_path("steady");
    let steady_bytes = content(3 * MIB);
    write(&storage, &steady, &steady_bytes).await;
    proxy.inject(
        FaultRule::new(Fault::Throttle {
            bytes_per_second: MIB as u64,
        })
        .matching(gets())
        .times(1),
    );
    let started = Instant::now();
    assert!(
        read_all(storage.as_ref(), &steady).await == steady_bytes,
        "a slow, steady body is read whole"
    );
    assert!(
        started.elapsed() > read_timeout * 2,
        "the body outlasted an attempt's timeout: {:?}",
        started.elapsed()
    );
    storage.delete_object(&path).await.expect("the delete");
    storage.delete_object(&steady).await.expect("the delete");
}

/// Sends `request` to `proxy` and reads the whole answer, until the proxy closes.
async fn exchange(proxy: SocketAddr, request: &[u8]) -> String {
    let mut client = TcpStream::connect(proxy).await.expect("the proxy accepts");
    client
        .write_all(request)
        .await
        .expect("the request is sent");
    read_to_close(&mut client).await
}

/// Everything `stream` yields until it ends, as text.
async fn read_to_close(stream: &mut (impl AsyncRead + Unpin)) -> String {
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .expect("the answer reads");
    String::from_utf8_lossy(&answer).into_owned()
}

/// A fake upstream server: for each connection it reads one request (answering
/// `100 Continue` when asked), then answers 200 with the request's bytes as they arrived,
/// and closes.
async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let address = listener.local_addr().expect("the listener's address");
    tokio::spawn(async move {
        while let Ok((connection, _)) = listener.accept().await {
            tokio::spawn(echo(connection));
        }
    });
    address
}

/// Serves one connection of [`echo_server`].
async fn echo(mut connection: TcpStream) {
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    let head_end = loop {
        if let Some(end) = find(&received, b"\r\n\r\n") {
            break end + 4;
        }
        match connection.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => received.extend_from_slice(&buffer[..read]),
        }
    };
    let head = String::from_utf8_lossy(&received[..head_end]).to_ascii_lowercase();
    if head.contains("expect: 100-continue") {
        let _ = connection.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
    }
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .and_then(|length| length.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let complete = |received: &[u8]| {
        if head.contains("transfer-encoding: chunked") {
            // The last chunk, then trailers if any, then a blank line.
            let body = &received[head_end..];
            (body.starts_with(b"0\r\n") || find(body, b"\r\n0\r\n").is_some())
                && body.ends_with(b"\r\n\r\n")
        } else {
            received.len() >= head_end + length
        }
    };
    while !complete(&received) {
        match connection.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => received.extend_from_slice(&buffer[..read]),
        }
    }
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
        received.len()
    )
    .into_bytes();
    answer.extend_from_slice(&received);
    let _ = connection.write_all(&answer).await;
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[tokio::test]
async fn a_chunked_body_sent_after_100_continue_passes_unchanged() {
    let proxy = FaultProxy::start(echo_server().await)
        .await
        .expect("the proxy starts");
    let mut client = TcpStream::connect(proxy.addr())
        .await
        .expect("the proxy accepts");
    client
        .write_all(
            b"PUT /b/k HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\
              Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n",
        )
        .await
        .expect("the head is sent");
    let mut interim = [0; 25];
    client
        .read_exact(&mut interim)
        .await
        .expect("an interim answer");
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    let body = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-trailer: t\r\n\r\n";
    client
        .write_all(body.as_bytes())
        .await
        .expect("the body is sent");

    let answer = read_to_close(&mut client).await;

    let (head, echoed) = answer.split_once("\r\n\r\n").expect("a response head");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("\r\nConnection: close"), "{head}");
    assert_eq!(
        echoed,
        format!(
            "PUT /b/k HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{body}"
        )
    );
}

#[tokio::test]
async fn rules_apply_in_order_to_the_requests_they_match() {
    let proxy = FaultProxy::start(echo_server().await)
        .await
        .expect("the proxy starts");
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: h\r\n\r\n");
    let status = |answer: String| answer.lines().next().unwrap_or_default().to_owned();
    proxy.inject(
        FaultRule::new(Fault::InternalError).matching(RequestMatch::any().path_contains("/a")),
    );
    proxy.inject(FaultRule::new(Fault::SlowDown));

    let first = exchange(proxy.addr(), get("/b").as_bytes()).await;
    assert_eq!(status(first.clone()), "HTTP/1.1 503 Slow Down");
    assert!(first.contains("<Code>SlowDown</Code>"), "{first}");
    let second = exchange(proxy.addr(), get("/a").as_bytes()).await;
    assert!(second.contains("<Code>InternalError</Code>"), "{second}");
    assert_eq!(status(second), "HTTP/1.1 500 Internal Server Error");
    let third = exchange(proxy.addr(), get("/a").as_bytes()).await;
    assert_eq!(status(third), "HTTP/1.1 200 OK");

    proxy.inject(FaultRule::new(Fault::SlowDown).times(5));
    proxy.clear();
    let fourth = exchange(proxy.addr(), get("/a?x=1").as_bytes()).await;
    assert_eq!(status(fourth), "HTTP/1.1 200 OK");

    assert_eq!(proxy.faults_applied(), 2);
    assert_eq!(
        proxy.requests_seen(&RequestMatch::any().path_contains("/a")),
        3
    );
    assert_eq!(
        proxy.requests_seen(&RequestMatch::any().query_contains("x=1")),
        1
    );
    assert_eq!(proxy.requests_seen(&RequestMatch::any()), 4);
}

#[tokio::test]
async fn an_error_answer_to_a_head_request_has_no_body() {
    let proxy = FaultProxy::start(echo_server().await)
        .await
        .expect("the proxy starts");
    proxy.inject(FaultRule::new(Fault::SlowDown));

    let answer = exchange(proxy.addr(), b"HEAD /b/k HTTP/1.1\r\nHost: h\r\n\r\n").await;

    assert!(answer.starts_with("HTTP/1.1 503 Slow Down\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\n"), "{answer}");
}

#[tokio::test]
async fn dropping_the_proxy_closes_a_connection_it_never_answered() {
    let proxy = FaultProxy::start(echo_server().await)
        .await
        .expect("the proxy starts");
    proxy.inject(FaultRule::new(Fault::NeverAnswer));
    let mut client = TcpStream::connect(proxy.addr())
        .await
        .expect("the proxy accepts");
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        .await
        .expect("the request is sent");
    let mut byte = [0; 1];
    let waited = tokio::time::timeout(Duration::from_millis(300), client.read(&mut byte)).await;
    assert!(waited.is_err(), "the proxy answered: {waited:?}");

    drop(proxy);

    let closed = tokio::time::timeout(Duration::from_secs(5), client.read(&mut byte))
        .await
        .expect("the connection closes when the proxy goes");
    assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
}

// ---- every trait operation under every fault ----

const FAULTS: [Fault; 7] = [
    Fault::ResetDuringRequest,
    Fault::ResetDuringResponseBody { after_bytes: 10 },
    Fault::StallDuringResponseBody { after_bytes: 10 },
    Fault::NeverAnswer,
    Fault::SlowDown,
    Fault::InternalError,
    Fault::Throttle {
        bytes_per_second: 4 * MIB as u64,
    },
];

/// How long one operation may take under a fault before the matrix calls it a hang: the
/// read timeout (1 s) times the attempts (3), with room for backoff and the throttle.
const HANG: Duration = Duration::from_secs(60);

/// Every operation under every fault, with 3 attempts and a 1 s read timeout: it succeeds
/// with the right bytes, or fails with a typed error of a failure kind (never `NotFound`, a
/// wrong body, a panic or a hang). GetObject, HeadObject, PutObject and DeleteObject take
/// the lean path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_every_fault_succeeds_or_fails_typed() {
    fault_matrix(true).await;
}

/// The same matrix with every request through the SDK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_every_fault_succeeds_or_fails_typed_through_the_sdk_alone() {
    fault_matrix(false).await;
}

/// The fault matrix, with the lean path on or off.
async fn fault_matrix(lean_requests: bool) {
    let logs = stowage_testkit::logs::capture();
    let proxy = proxy().await;
    let storage = std::sync::Arc::new(
        storage_through(&proxy, |builder| {
            builder
                .max_attempts(3)
                .read_timeout(Duration::from_secs(1))
                .lean_requests(lean_requests)
                .transfer_settings(stowage_testkit::areas::transfers::small_parts())
        })
        .await,
    );
    assert_eq!(storage.lean_requests(), lean_requests);
    let bytes = content(64 * 1024);
    let mut outcomes = Vec::new();
    let mut keys = Vec::new();
    let mut hashes = Vec::new();
    for fault in FAULTS {
        let base = fresh_path(&format!("matrix-{}", outcomes.len()));
        keys.push(base.key().to_owned());
        let base = S3Path::new(base.bucket(), format!("{}/", base.key())).unwrap();
        let source = base.join("source").unwrap();
        hashes.push(source.key_hash());
        write(&storage, &source, &bytes).await;
        for op in Operation::ALL {
            proxy.clear();
            proxy.inject(FaultRule::new(fault).matching(RequestMatch::any()));
            let outcome = tokio::time::timeout(
                HANG,
                checked_operations::run(op, &storage, &base, &source, &bytes),
            )
            .await
            .unwrap_or_else(|_| panic!("{op:?} under {fault:?} hung"));
            proxy.clear();
            if let Err(error) = &outcome {
                assert!(
                    matches!(
                        error,
                        Error::Io { .. } | Error::Timeout { .. } | Error::Unreachable { .. }
                    ) || matches!(error, Error::Service { status, .. } if *status >= 500),
                    "{op:?} under {fault:?}: a failure kind, got {error:?}"
                );
            }
            outcomes.push((fault, op, outcome.map_err(|error| error.kind_name())));
        }
    }
    let failed: Vec<_> = outcomes.iter().filter(|(_, _, o)| o.is_err()).collect();
    eprintln!(
        "{} operation x fault cases, {} succeeded after retries, typed failures: {failed:?}",
        outcomes.len(),
        outcomes.len() - failed.len()
    );
    // No event of the fault runs, the SDK's included, carries a key, the secret or a
    // signature.
    let secret = &TestServer::get().secret_access_key;
    let mut forbidden: Vec<&str> = keys.iter().map(String::as_str).collect();
    forbidden.extend([
        secret.as_str(),
        "X-Amz-Signature",
        "Signature=",
        "Credential=",
    ]);
    logs.assert_free_of(&forbidden);
    let text = logs.text();
    assert!(
        hashes.iter().all(|hash| text.contains(hash.as_str())),
        "the capture saw the operations, named by key hash"
    );
    // Faults the SDK retries past leave every operation succeeding; a reset or a stall in
    // the middle of every answer's body are the only failures a caller may see.
    for (fault, op, outcome) in &outcomes {
        if !matches!(
            fault,
            Fault::ResetDuringResponseBody { .. } | Fault::StallDuringResponseBody { .. }
        ) {
            assert!(outcome.is_ok(), "{op:?} under {fault:?}: {outcome:?}");
        }
    }
}

// ---- load: many tasks at once, with faults injected along the way ----

/// Tasks running at once in the load test.
const LOAD_TASKS: usize = 64;
/// How long the load runs.
const LOAD_FOR: Duration = Duration::from_secs(8);

/// The bytes task `task` writes the `version`th time: their length and content follow from
/// both, so any read can be checked without keeping what was written.
fn versioned(task: usize, version: u64) -> Bytes {
    let len = 1 + (task * 7919 + version as usize * 104_729) % (48 * 1024);
    (0..len)
        .map(|i| (i as u64 ^ version.wrapping_mul(31) ^ (task as u64 * 17)) as u8)
        .collect()
}

/// This process's open file descriptors and resident memory (VmRSS, VmHWM) in KiB.
fn process_figures() -> (usize, u64, u64) {
    let fds = std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (fds, field("VmRSS:"), field("VmHWM:"))
}

/// One task of the load test: puts, reads, heads, copies, lists and deletes of its own keys,
/// every answer checked against what it wrote. Returns the operations it ran.
async fn load_task(
    storage: std::sync::Arc<S3Storage>,
    base: S3Path,
    task: usize,
    until: tokio::time::Instant,
) -> u64 {
    let object = base.join(&format!("task-{task}/object")).unwrap();
    let copy = base.join(&format!("task-{task}/copy")).unwrap();
    let prefix = base.join(&format!("task-{task}/")).unwrap();
    let mut version = 0;
    let mut operations = 0;
    while tokio::time::Instant::now() < until {
        version += 1;
        let bytes = versioned(task, version);
        write(&storage, &object, &bytes).await;
        assert!(
            read_all(storage.as_ref(), &object).await == bytes,
            "task {task} v{version}"
        );
        let meta = storage.head_object(&object).await.expect("head");
        assert_eq!(meta.size, bytes.len() as u64);
        storage.copy_object(&object, &copy).await.expect("copy");
        assert!(
            read_all(storage.as_ref(), &copy).await == bytes,
            "copy of task {task}"
        );
        let listing = storage.list_objects(&prefix, None).await.expect("list");
        assert_eq!(listing.objects.len(), 2, "task {task}");
        storage.delete_object(&copy).await.expect("delete");
        assert!(!storage.object_exists(&copy).await.expect("exists"));
        operations += 8;
    }
    storage.delete_object(&object).await.expect("delete");
    operations + 1
}

/// 64 tasks of mixed operations for 8 s through the proxy, with a `503 SlowDown` or a
/// `500` injected every 50 ms: no error reaches a task (every fault is retried), every
/// answer holds the bytes written, and file descriptors and memory stay bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_tasks_under_injected_faults_see_only_their_own_bytes() {
    let logs = stowage_testkit::logs::capture();
    let proxy = std::sync::Arc::new(proxy().await);
    let storage =
        std::sync::Arc::new(storage_through(&proxy, |builder| builder.max_attempts(5)).await);
    let base = fresh_path("load");
    let base = S3Path::new(base.bucket(), format!("{}/", base.key())).unwrap();
    let (fds_before, rss_before, _) = process_figures();
    let until = tokio::time::Instant::now() + LOAD_FOR;
    let injector = {
        let proxy = std::sync::Arc::clone(&proxy);
        tokio::spawn(async move {
            let mut injected = 0_usize;
            while tokio::time::Instant::now() < until {
                let fault = if injected.is_multiple_of(2) {
                    Fault::SlowDown
                } else {
                    Fault::InternalError
                };
                proxy.inject(FaultRule::new(fault));
                injected += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            injected
        })
    };
    let sampler = tokio::spawn(async move {
        let mut peak_fds = 0;
        while tokio::time::Instant::now() < until {
            peak_fds = peak_fds.max(process_figures().0);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        peak_fds
    });
    let tasks: Vec<_> = (0..LOAD_TASKS)
        .map(|task| {
            tokio::spawn(load_task(
                std::sync::Arc::clone(&storage),
                base.clone(),
                task,
                until,
            ))
        })
        .collect();
    let mut operations = 0;
    for task in tasks {
        operations += task.await.expect("a load task panicked");
    }
    let injected = injector.await.unwrap();
    let peak_fds = sampler.await.unwrap();
    proxy.clear();
    let (fds_after, rss_after, hwm) = process_figures();
    eprintln!(
        "load: {LOAD_TASKS} tasks, {operations} operations in {LOAD_FOR:?}, {} faults applied \
         of {injected} injected; fds {fds_before} before, peak {peak_fds}, {fds_after} after; \
         RSS {rss_before} KiB before, {rss_after} KiB after, peak {hwm} KiB",
        proxy.faults_applied()
    );
    assert!(proxy.faults_applied() > 0, "faults reached the tasks");
    let secret = &TestServer::get().secret_access_key;
    logs.assert_free_of(&[
        base.key(),
        secret.as_str(),
        "X-Amz-Signature",
        "Signature=",
        "Credential=",
    ]);
    assert!(
        storage
            .list_objects(&base, None)
            .await
            .unwrap()
            .objects
            .is_empty(),
        "every task cleaned up"
    );
    // At most one connection per task, which takes three descriptors in this process (the
    // client's socket, and the proxy's two), and every one is closed afterwards.
    assert!(
        peak_fds <= fds_before + 3 * LOAD_TASKS + 16,
        "{peak_fds} descriptors open at the peak, {fds_before} before"
    );
    assert!(
        fds_after <= fds_before + LOAD_TASKS + 16,
        "{fds_after} descriptors open after, {fds_before} before"
    );
    assert!(
        hwm < rss_before + 256 * 1024,
        "peak RSS {hwm} KiB, {rss_before} KiB before"
    );
}
