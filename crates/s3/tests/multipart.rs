//! Large objects on a real Garage server: multipart uploads with checksums the server
//! verifies, part retries, aborts, and downloads that resume, some through a fault-injecting
//! proxy between the client and Garage.
//!
//! The server is the one `STOWAGE_TEST_S3_*` names, or a private Garage this binary starts
//! from the cache (`scripts/garage.sh install`).

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use md5::{Digest, Md5};
use stowage_core::transfer::{MIN_PART_SIZE, TransferSettings, download};
use stowage_core::{Error, ObjectStorage, Payload, PutOptions, S3Path};
use stowage_s3::S3Storage;
use stowage_testkit::TestServer;
use stowage_testkit::fault_proxy::{Fault, FaultProxy, FaultRule, RequestMatch};
use stowage_testkit::support::{multipart_etag, pattern, read_all};

/// Parts of 5 MiB (S3's minimum), three in flight: a 12 MiB object is three parts.
fn small_parts() -> TransferSettings {
    TransferSettings::default()
        .part_size(MIN_PART_SIZE)
        .multipart_threshold(MIN_PART_SIZE)
        .concurrency(3)
}

const SIZE: usize = 12 * 1024 * 1024;

fn path(key: &str) -> S3Path {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!("multipart-{nanos}/");
    // No event of this binary may name a key, a signature, a policy or the secret.
    stowage_testkit::logs::forbid([prefix.clone(), TestServer::get().secret_access_key.clone()]);
    S3Path::new(&TestServer::get().bucket, format!("{prefix}{key}")).unwrap()
}

async fn storage(settings: TransferSettings) -> S3Storage {
    TestServer::get()
        .s3_builder()
        .transfer_settings(settings)
        .build()
        .await
        .expect("the S3 backend builds")
}

/// The Garage endpoint as a socket address, for the proxy.
fn upstream() -> SocketAddr {
    let endpoint = &TestServer::get().endpoint;
    let authority = endpoint
        .strip_prefix("http://")
        .expect("the test server speaks plain HTTP");
    authority
        .trim_end_matches('/')
        .parse()
        .expect("the test server listens on an IP address and port")
}

/// A proxy in front of Garage and a storage that talks through it.
async fn through_proxy(settings: TransferSettings) -> (FaultProxy, S3Storage) {
    let proxy = FaultProxy::start(upstream())
        .await
        .expect("start the proxy");
    let storage = TestServer::get()
        .s3_builder()
        .endpoint_url(proxy.endpoint_url())
        .transfer_settings(settings)
        .build()
        .await
        .expect("the S3 backend builds");
    (proxy, storage)
}

/// No pending multipart upload under the path's prefix.
async fn assert_no_pending_upload(storage: &S3Storage, path: &S3Path) {
    let pending = storage
        .list_multipart_uploads(path)
        .await
        .expect("list multipart uploads");
    assert!(pending.is_empty(), "uploads left behind: {pending:?}");
}

fn upload_part() -> RequestMatch {
    RequestMatch::method("PUT").query_contains("partNumber=")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_upload_goes_in_parts_with_s3s_multipart_etag() {
    let storage = storage(small_parts()).await;
    let path = path("three-parts");
    let body = pattern(SIZE as u64, 0);
    let put = storage
        .put_object(&path, Payload::from(body.clone()), PutOptions::new())
        .await
        .expect("multipart put");
    let expected = multipart_etag(&body, MIN_PART_SIZE as usize);
    assert_eq!(put.etag.as_deref(), Some(expected.as_str()));
    let head = storage.head_object(&path).await.expect("head");
    assert_eq!(head.size, SIZE as u64);
    assert_eq!(head.etag.as_deref(), Some(expected.as_str()));
    assert!(read_all(&storage, &path).await == body, "bytes differ");
    assert_no_pending_upload(&storage, &path).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payload_of_unknown_length_goes_in_parts_only_when_large() {
    let storage = storage(small_parts()).await;
    let small = path("unknown-small");
    let stream = futures::stream::iter([Ok(Bytes::from_static(b"short"))]);
    let put = storage
        .put_object(
            &small,
            Payload::from_unsized_stream(stream),
            PutOptions::new(),
        )
        .await
        .expect("small put");
    assert_eq!(
        put.etag.as_deref(),
        Some(format!("\"{}\"", hex::encode(Md5::digest(b"short"))).as_str())
    );
    let large = path("unknown-large");
    let body = pattern(SIZE as u64, 0);
    let chunks: Vec<std::io::Result<Bytes>> = body
        .chunks(64 * 1024)
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect();
    let put = storage
        .put_object(
            &large,
            Payload::from_unsized_stream(futures::stream::iter(chunks)),
            PutOptions::new(),
        )
        .await
        .expect("large put");
    assert!(
        put.etag
            .as_deref()
            .is_some_and(|etag| etag.ends_with("-3\""))
    );
    assert!(read_all(&storage, &large).await == body, "bytes differ");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupted_part_is_rejected_and_the_upload_aborted() {
    let (proxy, storage) = through_proxy(small_parts()).await;
    proxy.inject(
        FaultRule::new(Fault::CorruptRequestBody { offset: 4096 })
            .matching(upload_part())
            .times(u32::MAX as usize),
    );
    let path = path("corrupted-part");
    let error = storage
        .put_object(
            &path,
            Payload::from(pattern(SIZE as u64, 0)),
            PutOptions::new(),
        )
        .await
        .expect_err("a corrupted part must not be stored");
    assert!(
        matches!(&error, Error::Service { status: 400, .. }),
        "expected the server's checksum rejection, got {error:?}"
    );
    assert!(proxy.faults_applied() >= 1);
    let direct = storage_direct().await;
    assert!(!direct.object_exists(&path).await.unwrap());
    assert_no_pending_upload(&direct, &path).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupted_single_put_is_rejected() {
    let (proxy, storage) = through_proxy(small_parts()).await;
    proxy.inject(
        FaultRule::new(Fault::CorruptRequestBody { offset: 3 })
            .matching(RequestMatch::method("PUT"))
            .times(u32::MAX as usize),
    );
    let path = path("corrupted-single");
    let error = storage
        .put_object(&path, Payload::from(pattern(1000, 0)), PutOptions::new())
        .await
        .expect_err("a corrupted body must not be stored");
    assert!(
        matches!(&error, Error::Service { status: 400, .. }),
        "expected the server's checksum rejection, got {error:?}"
    );
    assert!(!storage_direct().await.object_exists(&path).await.unwrap());
}

async fn storage_direct() -> S3Storage {
    storage(small_parts()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn parts_are_retried_after_slowdown_internal_errors_and_resets() {
    for fault in [
        Fault::SlowDown,
        Fault::InternalError,
        Fault::ResetDuringRequest,
    ] {
        let (proxy, storage) = through_proxy(small_parts()).await;
        proxy.inject(FaultRule::new(fault).matching(upload_part()).times(2));
        let path = path("retried");
        let body = pattern(SIZE as u64, 0);
        storage
            .put_object(&path, Payload::from(body.clone()), PutOptions::new())
            .await
            .unwrap_or_else(|error| panic!("{fault:?} twice must be retried: {error:?}"));
        assert_eq!(proxy.faults_applied(), 2, "{fault:?}");
        assert_eq!(
            proxy.requests_seen(&upload_part()),
            5,
            "three parts and two retries under {fault:?}"
        );
        assert!(
            read_all(&storage, &path).await == body,
            "bytes differ after {fault:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_resumes_where_the_body_broke() {
    let direct = storage_direct().await;
    let path = path("resumed");
    let body = pattern(SIZE as u64, 0);
    direct
        .put_object(&path, Payload::from(body.clone()), PutOptions::new())
        .await
        .unwrap();
    let (proxy, storage) = through_proxy(small_parts()).await;
    proxy.inject(
        FaultRule::new(Fault::ResetDuringResponseBody {
            after_bytes: 1024 * 1024,
        })
        .matching(RequestMatch::method("GET").header("range"))
        .times(2),
    );
    let output = download(std::sync::Arc::new(storage), &path, &small_parts())
        .await
        .expect("download");
    let received = output.body.bytes().await.expect("resumed body");
    assert!(received == body, "resumed bytes differ");
    assert_eq!(proxy.faults_applied(), 2);
    assert!(
        proxy.requests_seen(&RequestMatch::method("GET")) >= 5,
        "three ranges and two resumptions"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_a_part_times_out_and_leaves_nothing() {
    let proxy = FaultProxy::start(upstream())
        .await
        .expect("start the proxy");
    proxy.inject(
        FaultRule::new(Fault::NeverAnswer)
            .matching(upload_part())
            .times(u32::MAX as usize),
    );
    let storage = TestServer::get()
        .s3_builder()
        .endpoint_url(proxy.endpoint_url())
        .transfer_settings(small_parts())
        .operation_attempt_timeout(Duration::from_secs(2))
        .max_attempts(2)
        .build()
        .await
        .unwrap();
    let path = path("never-answered");
    let error = storage
        .put_object(
            &path,
            Payload::from(pattern(SIZE as u64, 0)),
            PutOptions::new(),
        )
        .await
        .expect_err("a part nobody answers must fail");
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    let direct = storage_direct().await;
    assert!(!direct.object_exists(&path).await.unwrap());
    assert_no_pending_upload(&direct, &path).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_transfer_settings_fail_the_build() {
    for settings in [
        TransferSettings::default().part_size(MIN_PART_SIZE - 1),
        TransferSettings::default().concurrency(0),
    ] {
        let error = TestServer::get()
            .s3_builder()
            .transfer_settings(settings)
            .build()
            .await
            .expect_err("invalid settings");
        assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
    }
}

/// A transfer dropped while CreateMultipartUpload is answered (the server has started the
/// upload, the client has not yet read its id) still leaves nothing behind: the request's
/// own task aborts the upload once the id arrives.
#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_dropped_while_its_upload_is_created_leaves_nothing() {
    let (proxy, storage) = through_proxy(small_parts()).await;
    let creates = RequestMatch::method("POST").query_contains("uploads");
    proxy.inject(
        FaultRule::new(Fault::Throttle {
            bytes_per_second: 100,
        })
        .matching(creates.clone()),
    );
    let path = path("dropped-while-created");
    let upload_path = path.clone();
    let upload = tokio::spawn(async move {
        storage
            .put_object(
                &upload_path,
                Payload::from(pattern(SIZE as u64, 0)),
                PutOptions::new(),
            )
            .await
    });
    let direct = storage_direct().await;
    let mut waited = 0;
    while pending(&direct, &path).await == 0 {
        assert!(waited < 300, "the upload was never created");
        waited += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(proxy.requests_seen(&creates), 1);
    assert_eq!(proxy.requests_seen(&upload_part()), 0, "still creating");
    upload.abort();
    assert!(upload.await.is_err_and(|error| error.is_cancelled()));
    let mut waited = 0;
    while pending(&direct, &path).await != 0 {
        assert!(waited < 1500, "the started upload was never aborted");
        waited += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!direct.object_exists(&path).await.unwrap());
}

/// How many multipart uploads of `path` are pending.
async fn pending(storage: &S3Storage, path: &S3Path) -> usize {
    storage
        .list_multipart_uploads(path)
        .await
        .expect("list multipart uploads")
        .len()
}
