//! Answers no server should give: every one a typed error, never a panic.

use stowage_testkit::support::ScriptedServer;

use super::*;

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
pub(super) fn odd_answer() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
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
    let runtime = two_thread_runtime();
    let server = runtime.block_on(ScriptedServer::start(Vec::<Vec<u8>>::new()));
    let storage = runtime.block_on(on_canned(server.endpoint()));
    let object = path("fuzz-bucket", "raw-key-never-printed.bin");
    let other = path("fuzz-bucket", "raw-key-never-printed-2.bin");
    let tried = std::sync::atomic::AtomicUsize::new(0);
    let config = proptest_config();
    proptest!(config, |(reply in odd_answer())| {
        tried.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        server.answer_with(reply);
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

/// A CopyObject may take longer than the read timeout (the server copies before it
/// answers): it gets at least `COPY_READ_TIMEOUT`, while other requests keep theirs.
#[tokio::test(flavor = "multi_thread")]
async fn a_copy_may_answer_after_the_read_timeout_other_requests_may_not() {
    const COPIED: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 147\r\n\
        Connection: close\r\n\r\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult>\
        <LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>\"abc\"</ETag></CopyObjectResult>";
    assert_eq!(COPIED.split("\r\n\r\n").nth(1).unwrap().len(), 147);
    assert!(stowage_s3::COPY_READ_TIMEOUT >= Duration::from_secs(600));
    let server = ScriptedServer::start([COPIED]).await;
    server.delay_answers(Duration::from_millis(1500));
    let endpoint = server.endpoint();
    let storage = TestServer::get()
        .s3_builder()
        .endpoint_url(endpoint)
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
    let server = ScriptedServer::start([DELETED]).await;
    server.delay_answers(Duration::from_millis(1500));
    let endpoint = server.endpoint();
    let storage = TestServer::get()
        .s3_builder()
        .endpoint_url(endpoint)
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
