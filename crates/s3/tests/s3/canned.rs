//! Conditional copies, lost races, retried batch deletes and timeouts, against a canned server.

use stowage_testkit::support::{Received, ScriptedServer};

use super::*;

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
    let server = ScriptedServer::start([
        delete_result(&[
            ("batch/busy", "InternalError"),
            ("batch/throttled", "SlowDown"),
            ("batch/refused", "AccessDenied"),
        ]),
        delete_result(&[("batch/throttled", "ServiceUnavailable")]),
        delete_result(&[]),
    ])
    .await;
    let storage = on_canned_with_attempts(server.endpoint(), 3).await;
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
    let sent: Vec<Vec<String>> = server.received().iter().map(keys_sent).collect();
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
    let server =
        ScriptedServer::start([delete_result(&[("batch/always-busy", "InternalError")])]).await;
    let storage = on_canned_with_attempts(server.endpoint(), 2).await;

    let report = storage
        .delete_objects(&[busy.clone(), fine.clone()])
        .await
        .unwrap();

    assert_eq!(report.deleted, [fine]);
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert_eq!(report.failed[0].path, busy);
    assert_eq!(report.failed[0].code, "InternalError");
    assert_eq!(
        server.received().len(),
        2,
        "one request per attempt the client is configured for"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn conditional_copies_send_the_destination_condition() {
    capture_logs();
    let from = path("src-bucket", "dir/source ü.txt");
    let to = path("dst-bucket", "dir/target.txt");
    let server = ScriptedServer::start([error_answer(
        "412 Precondition Failed",
        "PreconditionFailed",
        "",
    )])
    .await;
    let storage = on_canned(server.endpoint()).await;
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
        let request = server.received().pop().expect("one request").head;
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
    let server = ScriptedServer::start([error_answer(
        "409 Conflict",
        "ConditionalRequestConflict",
        "",
    )])
    .await;
    let storage = on_canned(server.endpoint()).await;
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
    let server = ScriptedServer::start([error_answer(
        "416 Requested Range Not Satisfiable",
        "InvalidRange",
        "Content-Range: bytes */150\r\n",
    )])
    .await;
    let storage = on_canned(server.endpoint()).await;
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
