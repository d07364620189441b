//! The lean request path against the SDK it stands in for: the same request headers, the
//! same outcome for any answer a server gives, the same check of a body's checksum.

use stowage_testkit::support::ScriptedServer;

use super::odd_answers::odd_answer;
use super::*;

/// A storage on the canned server with the lean path on or off, conditional writes on, no
/// retries.
async fn on_canned_lean(endpoint: &str, lean_requests: bool) -> S3Storage {
    let storage = TestServer::get()
        .s3_builder()
        .endpoint_url(endpoint)
        .max_attempts(1)
        .conditional_writes(true)
        .lean_requests(lean_requests)
        .build()
        .await
        .unwrap();
    assert_eq!(storage.lean_requests(), lean_requests);
    storage
}

/// What a caller can tell apart in a result: success, or the error's kind (with the code
/// and status of a service error).
fn outcome<T>(result: &Result<T, Error>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(Error::Service { code, status, .. }) => format!("Service {status} {code}"),
        Err(Error::RangeNotSatisfiable { size, .. }) => format!("RangeNotSatisfiable {size:?}"),
        Err(error) => error.kind_name().to_owned(),
    }
}

/// HeadObject, GetObject (its body read), a put with every option and DeleteObject on
/// `storage`: each outcome.
async fn four_operations(storage: &S3Storage, object: &S3Path) -> Vec<String> {
    let head = storage.head_object(object).await;
    let get = match storage.get_object(object).await {
        Ok(output) => output.body.bytes().await.map(|bytes| bytes.len()),
        Err(error) => Err(error),
    };
    let put = storage
        .put_object(object, "x".into(), attributes().mode(PutMode::Create))
        .await;
    let delete = storage.delete_object(object).await;
    vec![
        format!("head {}", outcome(&head)),
        format!("get {}", outcome(&get)),
        format!("put {}", outcome(&put)),
        format!("delete {}", outcome(&delete)),
    ]
}

/// Whatever a server answers, the lean path and the SDK give the same outcome: success or
/// the same error kind (for a service error, the same status and code). Prints how many
/// answers it tried.
#[test]
fn lean_requests_and_the_sdk_read_every_answer_alike() {
    use proptest::prelude::*;
    let runtime = two_thread_runtime();
    let server = runtime.block_on(ScriptedServer::start(Vec::<Vec<u8>>::new()));
    let lean = runtime.block_on(on_canned_lean(server.endpoint(), true));
    let sdk = runtime.block_on(on_canned_lean(server.endpoint(), false));
    let object = path("fuzz-bucket", "lean/raw-key-never-printed.bin");
    let tried = std::sync::atomic::AtomicUsize::new(0);
    let config = proptest_config();
    proptest!(config, |(reply in odd_answer())| {
        tried.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        server.answer_with(reply.clone());
        let (lean_outcomes, sdk_outcomes) = runtime.block_on(async {
            (
                four_operations(&lean, &object).await,
                four_operations(&sdk, &object).await,
            )
        });
        prop_assert_eq!(
            lean_outcomes,
            sdk_outcomes,
            "the answer: {:?}",
            String::from_utf8_lossy(&reply)
        );
    });
    eprintln!(
        "lean_requests_and_the_sdk_read_every_answer_alike: {} answers tried, 4 operations each",
        tried.load(std::sync::atomic::Ordering::Relaxed)
    );
}

/// The headers of the last request the server received, by name, for the names given.
fn sent_headers(server: &ScriptedServer, names: &[&str]) -> Vec<String> {
    let request = server.received().pop().expect("a request");
    let lines: Vec<&str> = request.head.lines().collect();
    names
        .iter()
        .map(|name| {
            let prefix = format!("{name}:");
            lines
                .iter()
                .find(|line| line.starts_with(&prefix))
                .map_or_else(|| format!("{name}: <none>"), |line| (*line).to_owned())
        })
        .collect()
}

/// The method and path of a request head, without the query: the SDK adds an `x-id`
/// parameter naming the operation, which servers ignore.
fn request_target(head: &str) -> String {
    let line = head.lines().next().unwrap_or_default();
    let target = line.rsplit_once(' ').map_or(line, |(target, _)| target);
    target
        .split_once('?')
        .map_or(target, |(path, _)| path)
        .to_owned()
}

/// A put with every option and a conditional ranged read send the same headers through
/// the lean path as through the SDK.
#[tokio::test(flavor = "multi_thread")]
async fn lean_requests_send_what_the_sdk_sends() {
    const OK: &str =
        "HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    const PUT_HEADERS: [&str; 12] = [
        "content-type",
        "cache-control",
        "content-disposition",
        "content-encoding",
        "content-language",
        "content-length",
        "x-amz-meta-owner",
        "x-amz-checksum-crc32",
        "x-amz-content-sha256",
        "if-none-match",
        "x-amz-server-side-encryption",
        "x-amz-storage-class",
    ];
    const GET_HEADERS: [&str; 6] = [
        "range",
        "if-match",
        "if-none-match",
        "if-modified-since",
        "if-unmodified-since",
        "x-amz-checksum-mode",
    ];
    let server = ScriptedServer::start([OK]).await;
    let object = path("some-bucket", "lean/a key?with#odd&chars");
    let since = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut sent = Vec::new();
    for lean_requests in [true, false] {
        let storage = on_canned_lean(server.endpoint(), lean_requests).await;
        let options = attributes()
            .mode(PutMode::Create)
            .encryption(Encryption::S3Managed)
            .storage_class("STANDARD_IA");
        storage
            .put_object(&object, "hello".into(), options)
            .await
            .expect("the put");
        let put_line = server.received().pop().expect("a request").head;
        let put = sent_headers(&server, &PUT_HEADERS);
        let read = GetOptions::new()
            .range(ByteRange::inclusive(0, 9))
            .if_match("\"e1\"")
            .if_none_match("\"e2\"")
            .if_modified_since(since)
            .if_unmodified_since(since + Duration::from_secs(60));
        let _ = storage.get_object_with(&object, &read).await;
        let get_line = server.received().pop().expect("a request").head;
        let get = sent_headers(&server, &GET_HEADERS);
        sent.push((
            request_target(&put_line),
            put,
            request_target(&get_line),
            get,
        ));
    }
    assert_eq!(sent[0], sent[1]);
    assert!(
        sent[0].0 == "put /some-bucket/lean/a%20key%3fwith%23odd%26chars",
        "{:?}",
        sent[0].0
    );
}

/// A body that differs from the checksum its answer announces fails as it is read, on
/// both paths; one that matches is read whole; a multipart object's checksum of parts is
/// not checked.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_differs_from_its_checksum_is_an_io_error() {
    let crc = BASE64.encode(crc32fast::hash(b"hello world").to_be_bytes());
    let answer = |checksum: &str, body: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nx-amz-checksum-crc32: {checksum}\r\nETag: \"e1\"\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let object = path("some-bucket", "lean/checked");
    for lean_requests in [true, false] {
        let server = ScriptedServer::start([
            answer(&crc, "hello w0rld"),
            answer(&crc, "hello world"),
            answer(&format!("{crc}-3"), "hello w0rld"),
        ])
        .await;
        let storage = on_canned_lean(server.endpoint(), lean_requests).await;
        let corrupted = storage.get_object(&object).await.expect("the head");
        let read = corrupted.body.bytes().await;
        assert!(
            matches!(read, Err(Error::Io { .. })),
            "lean: {lean_requests}: {read:?}"
        );
        let whole = storage.get_object(&object).await.expect("the head");
        assert_eq!(whole.body.bytes().await.unwrap(), "hello world");
        let parts = storage.get_object(&object).await.expect("the head");
        assert_eq!(parts.body.bytes().await.unwrap(), "hello w0rld");
    }
}

/// An `https` endpoint gets TLS on the lean path as through the SDK: the server's first
/// bytes are a TLS handshake record, and a server that is no TLS server is unreachable.
#[tokio::test(flavor = "multi_thread")]
async fn an_https_endpoint_gets_tls() {
    use tokio::io::AsyncReadExt as _;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!(
        "https://localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let first_bytes = tokio::spawn(async move {
        let mut seen = Vec::new();
        // Both paths connect: each connection's first bytes, then it is closed.
        while seen.len() < 2 {
            let (mut connection, _) = listener.accept().await.unwrap();
            let mut record = [0_u8; 3];
            connection.read_exact(&mut record).await.unwrap();
            seen.push(record);
        }
        seen
    });
    let object = path("some-bucket", "lean/over-tls");
    for lean_requests in [true, false] {
        let storage = on_canned_lean(&endpoint, lean_requests).await;
        let head = storage.head_object(&object).await;
        assert!(
            matches!(head, Err(Error::Unreachable { .. } | Error::Io { .. })),
            "lean: {lean_requests}: {head:?}"
        );
    }
    // 0x16: a handshake record; 0x03: TLS.
    for record in first_bytes.await.unwrap() {
        assert_eq!(record[..2], [0x16, 0x03], "{record:?}");
    }
}

/// A client whose clock is an hour behind the server's is refused once with
/// `RequestTimeTooSkewed`, then retried with a signature dated by the server's clock, on
/// both paths.
#[tokio::test(flavor = "multi_thread")]
async fn a_request_refused_for_a_skewed_clock_is_signed_again_with_the_servers_time() {
    let server_time = SystemTime::now() + Duration::from_secs(3600);
    let date = httpdate(server_time);
    let refusal_body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\
        <Code>RequestTimeTooSkewed</Code><Message>too far</Message></Error>";
    let refusal = format!(
        "HTTP/1.1 403 Forbidden\r\nDate: {date}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{refusal_body}",
        refusal_body.len()
    );
    let found = format!(
        "HTTP/1.1 200 OK\r\nDate: {date}\r\nETag: \"e1\"\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    );
    let object = path("some-bucket", "lean/skewed");
    for lean_requests in [true, false] {
        let server = ScriptedServer::start([refusal.clone(), found.clone()]).await;
        let storage = TestServer::get()
            .s3_builder()
            .endpoint_url(server.endpoint())
            .max_attempts(2)
            .lean_requests(lean_requests)
            .build()
            .await
            .unwrap();
        // A GetObject: the refusal of a HEAD has no body, so no code to tell a clock from.
        storage.get_object(&object).await.unwrap_or_else(|error| {
            panic!(
                "lean: {lean_requests}: {error:?} after {:?}",
                server.received()
            )
        });
        let received = server.received();
        assert_eq!(received.len(), 2, "lean: {lean_requests}");
        let signed_at = |head: &str| {
            let line = head
                .lines()
                .find_map(|line| line.strip_prefix("x-amz-date: "))
                .expect("an x-amz-date");
            stowage_core::sigv4::SigningTime::parse_amz_date(&line.to_uppercase())
                .expect("a SigV4 date")
                .instant()
        };
        let first = signed_at(&received[0].head);
        let second = signed_at(&received[1].head);
        let moved = second
            .duration_since(first)
            .expect("the retry is dated later");
        assert!(
            moved > Duration::from_secs(3500) && moved < Duration::from_secs(3700),
            "lean: {lean_requests}: the retry moved {moved:?}"
        );
    }
}

/// `time` as an HTTP date.
fn httpdate(time: SystemTime) -> String {
    use stowage_s3::aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
    DateTime::from(time).fmt(DateTimeFormat::HttpDate).unwrap()
}

/// A credentials provider whose every answer is a new temporary key, expiring within the
/// refresh margin, and that counts how often it is asked.
#[derive(Debug, Clone, Default)]
struct RotatingCredentials {
    asked: Arc<std::sync::atomic::AtomicUsize>,
}

impl stowage_s3::aws_sdk_s3::config::ProvideCredentials for RotatingCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let n = self.asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        aws_credential_types::provider::future::ProvideCredentials::ready(Ok(
            stowage_s3::aws_sdk_s3::config::Credentials::new(
                format!("AKIDROTATED{n}"),
                "secret",
                Some(format!("token-{n}")),
                Some(SystemTime::now() + Duration::from_secs(60)),
                "rotating",
            ),
        ))
    }
}

/// The lean path signs with the SDK's credentials provider, asks it again when its
/// credentials are about to expire, and sends their session token.
#[tokio::test(flavor = "multi_thread")]
async fn lean_requests_sign_with_the_providers_fresh_credentials() {
    use stowage_s3::aws_sdk_s3;
    const FOUND: &str =
        "HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    let server = ScriptedServer::start([FOUND]).await;
    let provider = RotatingCredentials::default();
    let config = aws_sdk_s3::Config::builder()
        .behavior_version_latest()
        .region(aws_sdk_s3::config::Region::new("garage"))
        .endpoint_url(server.endpoint())
        .force_path_style(true)
        .credentials_provider(provider.clone())
        .build();
    let storage = S3Storage::from_client(aws_sdk_s3::Client::from_conf(config))
        .with_credentials_provider(provider.clone())
        .with_lean_requests(true);
    assert!(storage.lean_requests());
    let object = path("some-bucket", "lean/rotated");

    storage.head_object(&object).await.expect("the first head");
    storage.head_object(&object).await.expect("the second head");

    let received = server.received();
    assert_eq!(received.len(), 2);
    // The key each request was signed with; the SDK's presigner, which found the bucket's
    // URL, may have asked the provider first.
    let key_number = |head: &str| -> usize {
        let rest = head
            .split_once("credential=akidrotated")
            .expect("a rotated key")
            .1;
        rest[..rest.find('/').expect("a scope")].parse().unwrap()
    };
    let first = key_number(&received[0].head);
    let second = key_number(&received[1].head);
    assert_eq!(second, first + 1, "each request asked the provider again");
    for (request, n) in received.iter().zip([first, second]) {
        assert!(
            request
                .head
                .contains(&format!("x-amz-security-token: token-{n}")),
            "{}",
            request.head
        );
        assert!(!request.head.contains("amz-sdk-invocation-id"));
    }
    assert_eq!(
        provider.asked.load(std::sync::atomic::Ordering::SeqCst),
        second + 1
    );
}
