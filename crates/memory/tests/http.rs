//! The memory backend over HTTP: real requests against `HttpServer` on 127.0.0.1.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use stowage_core::{
    MULTIPART_OVERHEAD_BUFFER_BYTES, ManualClock, ObjectStorage, PostPolicyRequest, PresignedPost,
    PutOptions, S3Path,
};
use stowage_memory::http::{MAX_FIELD_BYTES, MAX_FIELDS};
use stowage_memory::{HttpServer, MemoryStorage};

/// The page origin the bucket's CORS rule allows.
const PAGE: &str = "http://localhost:8080";

/// A store with bucket `uploads` on a manual clock, served on a free port, `PAGE` allowed.
struct Fixture {
    storage: MemoryStorage,
    clock: Arc<ManualClock>,
    server: HttpServer,
    client: reqwest::Client,
}

async fn fixture() -> Fixture {
    // No event of this binary may carry a key the tests sign, a signature or a policy.
    stowage_testkit::logs::forbid(["user 1/"]);
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let storage = MemoryStorage::builder()
        .bucket("uploads")
        .clock(clock.clone())
        .build();
    let server = HttpServer::start(&storage).await.unwrap();
    server.allow_origins("uploads", [PAGE]);
    Fixture {
        storage,
        clock,
        server,
        client: reqwest::Client::new(),
    }
}

fn path(key: &str) -> S3Path {
    S3Path::new("uploads", key).unwrap()
}

/// A status, the response headers and the body.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    async fn of(response: reqwest::Response) -> Self {
        Self {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    /// The S3 error code of an XML error body.
    fn code(&self) -> &str {
        assert!(
            self.body.starts_with("<?xml") && self.body.contains("<Error>"),
            "not an S3 XML error: {}",
            self.body
        );
        let start = self.body.find("<Code>").unwrap() + "<Code>".len();
        let end = self.body.find("</Code>").unwrap();
        &self.body[start..end]
    }

    fn acao(&self) -> Option<&str> {
        self.headers
            .get("access-control-allow-origin")
            .map(|value| value.to_str().unwrap())
    }
}

impl Fixture {
    async fn policy(&self, key: &str, max_bytes: u64) -> PresignedPost {
        self.storage
            .presigned_post(
                &path(key),
                &PostPolicyRequest::new(max_bytes).content_type("text/plain"),
            )
            .await
            .unwrap()
    }

    /// Posts `fields` in order, then the file, as a browser form from `PAGE`.
    async fn post(&self, url: &str, fields: &[(String, String)], file: Vec<u8>) -> Answer {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.clone(), value.clone());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(file).file_name("upload.txt"),
        );
        let response = self
            .client
            .post(url)
            .header("origin", PAGE)
            .multipart(form)
            .send()
            .await
            .unwrap();
        Answer::of(response).await
    }

    /// Posts a raw body with `content_type`.
    async fn post_raw(&self, content_type: &str, body: impl Into<reqwest::Body>) -> Answer {
        let response = self
            .client
            .post(format!("{}/uploads", self.server.endpoint()))
            .header("content-type", content_type)
            .header("origin", PAGE)
            .body(body)
            .send()
            .await
            .unwrap();
        Answer::of(response).await
    }

    async fn stored(&self, key: &str) -> bool {
        self.storage.object_exists(&path(key)).await.unwrap()
    }
}

fn fields_of(form: &PresignedPost) -> Vec<(String, String)> {
    form.fields()
        .iter()
        .map(|(name, value)| (name.to_string(), value.clone()))
        .collect()
}

fn with(form: &PresignedPost, name: &str, value: &str) -> Vec<(String, String)> {
    fields_of(form)
        .into_iter()
        .map(|(n, v)| {
            if n == name {
                (n, value.to_owned())
            } else {
                (n, v)
            }
        })
        .collect()
}

/// The raw multipart text of `fields` and the head of a `file` part, boundary `B0UND`.
fn raw_head(fields: &[(String, String)]) -> String {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--B0UND\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(
        "--B0UND\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n",
    );
    body
}

const RAW_TYPE: &str = "multipart/form-data; boundary=B0UND";

#[tokio::test]
async fn a_form_at_the_cap_is_stored_and_downloads_identical_over_http() {
    let f = fixture().await;
    assert_eq!(&*f.storage.endpoint(), f.server.endpoint());
    assert!(f.server.endpoint().starts_with("http://127.0.0.1:"));
    let form = f.policy("user 1/été #1.txt", 1000).await;
    assert_eq!(form.url(), format!("{}/uploads", f.server.endpoint()));
    let cap = (1000 + MULTIPART_OVERHEAD_BUFFER_BYTES) as usize;
    let file: Vec<u8> = (0..cap).map(|i| (i % 251) as u8).collect();

    let answer = f.post(form.url(), &fields_of(&form), file.clone()).await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    assert_eq!(answer.acao(), Some(PAGE));
    assert!(answer.headers.contains_key("etag"));

    let url = f
        .storage
        .presigned_get_url(&path("user 1/été #1.txt"), Duration::from_secs(60))
        .await
        .unwrap();
    assert!(url.as_str().starts_with(f.server.endpoint()));
    let response = f
        .client
        .get(url.as_str())
        .header("origin", PAGE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], PAGE);
    assert_eq!(response.bytes().await.unwrap(), Bytes::from(file));
}

#[tokio::test]
async fn over_the_cap_all_at_once_is_entity_too_large_and_nothing_is_stored() {
    let f = fixture().await;
    let form = f.policy("big.txt", 10).await;
    let over = (10 + MULTIPART_OVERHEAD_BUFFER_BYTES + 1) as usize;
    let answer = f
        .post(form.url(), &fields_of(&form), vec![b'x'; over])
        .await;
    assert_eq!((answer.status, answer.code()), (400, "EntityTooLarge"));
    assert_eq!(answer.acao(), Some("*"));
    assert!(!f.stored("big.txt").await);

    // Far over the cap: refused the same way, without reading it all.
    let answer = f
        .post(form.url(), &fields_of(&form), vec![b'x'; 8 * 1024 * 1024])
        .await;
    assert_eq!((answer.status, answer.code()), (400, "EntityTooLarge"));
    assert!(!f.stored("big.txt").await);
}

#[tokio::test]
async fn over_the_cap_sent_slowly_is_refused_before_the_body_ends() {
    let f = fixture().await;
    let form = f.policy("slow.txt", 10).await;
    let head = Bytes::from(raw_head(&fields_of(&form)));
    // An endless file, 4 KiB every 5 ms: only an early answer ends this request.
    let chunks = futures::stream::unfold(true, move |first| {
        let head = head.clone();
        async move {
            if first {
                return Some((Ok::<_, std::io::Error>(head), false));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
            Some((Ok(Bytes::from(vec![b'x'; 4096])), false))
        }
    });
    let answer = tokio::time::timeout(
        Duration::from_secs(20),
        f.post_raw(RAW_TYPE, reqwest::Body::wrap_stream(chunks)),
    )
    .await
    .expect("the server waited for the end of an endless body");
    assert_eq!((answer.status, answer.code()), (400, "EntityTooLarge"));
    assert!(!f.stored("slow.txt").await);
}

#[tokio::test]
async fn policy_violations_are_403_with_s3_codes_and_nothing_is_stored() {
    let f = fixture().await;
    let form = f.policy("doc.txt", 100).await;

    let answer = f
        .post(
            form.url(),
            &with(&form, "Content-Type", "text/html"),
            b"hi".to_vec(),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (403, "AccessDenied"));
    assert_eq!(answer.acao(), Some("*"));

    let answer = f
        .post(form.url(), &with(&form, "key", "other.txt"), b"hi".to_vec())
        .await;
    assert_eq!((answer.status, answer.code()), (403, "AccessDenied"));
    assert!(!f.stored("other.txt").await);

    let signature = form.field("x-amz-signature").unwrap();
    let flipped = format!(
        "{}{}",
        if signature.starts_with('0') { '1' } else { '0' },
        &signature[1..]
    );
    let answer = f
        .post(
            form.url(),
            &with(&form, "x-amz-signature", &flipped),
            b"hi".to_vec(),
        )
        .await;
    assert_eq!(
        (answer.status, answer.code()),
        (403, "SignatureDoesNotMatch")
    );

    f.clock.advance(Duration::from_secs(3601));
    let answer = f.post(form.url(), &fields_of(&form), b"hi".to_vec()).await;
    assert_eq!((answer.status, answer.code()), (403, "AccessDenied"));
    assert!(answer.body.contains("expired"), "{}", answer.body);

    assert!(!f.stored("doc.txt").await);
}

#[tokio::test]
async fn malformed_oversized_and_too_many_fields_are_400() {
    let f = fixture().await;
    let form = f.policy("m.txt", 100).await;

    let answer = f.post_raw(RAW_TYPE, "--B0UND\r\nnot a part at all").await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, "MalformedPOSTRequest")
    );
    let answer = f.post_raw("text/plain", "key=m.txt").await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, "MalformedPOSTRequest")
    );
    let answer = f.post_raw(RAW_TYPE, "--B0UND--\r\n").await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    answer.code();

    let mut big = fields_of(&form);
    big.insert(
        0,
        ("x-ignore-pad".to_owned(), "p".repeat(MAX_FIELD_BYTES + 1)),
    );
    let answer = f.post(form.url(), &big, b"hi".to_vec()).await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, "MaxPostPreDataLengthExceededError")
    );

    let mut many = fields_of(&form);
    for i in 0..MAX_FIELDS {
        many.insert(0, (format!("x-ignore-{i}"), "v".to_owned()));
    }
    let answer = f.post(form.url(), &many, b"hi".to_vec()).await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, "MaxPostPreDataLengthExceededError")
    );

    // Endless fields before any file: refused once they pass the pre-file budget.
    let answer = f
        .post_raw(
            RAW_TYPE,
            format!(
                "--B0UND\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n{}",
                "a".repeat(1 << 20)
            ),
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    answer.code();

    assert!(!f.stored("m.txt").await);
}

#[tokio::test]
async fn unsigned_s3_requests_are_refused_with_xml() {
    let f = fixture().await;
    let endpoint = f.server.endpoint();
    for (method, url) in [
        (reqwest::Method::GET, format!("{endpoint}/")),
        (reqwest::Method::GET, format!("{endpoint}/uploads")),
        (reqwest::Method::PUT, format!("{endpoint}/uploads")),
        (reqwest::Method::DELETE, format!("{endpoint}/uploads/k")),
        (
            reqwest::Method::POST,
            format!("{endpoint}/uploads/k?uploads"),
        ),
        (reqwest::Method::POST, format!("{endpoint}/uploads?delete")),
    ] {
        let answer = Answer::of(
            f.client
                .request(method.clone(), &url)
                .header("origin", PAGE)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (answer.status, answer.code()),
            (403, "AccessDenied"),
            "{method} {url}"
        );
        assert_eq!(answer.acao(), Some("*"));
    }
    // Refused before its body was read: the connection is not reused.
    let refused = f
        .client
        .put(format!("{endpoint}/uploads/with-body"))
        .body("not stored")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.headers()["connection"], "close");
    // A presigned part URL: without a length it is refused as S3 refuses it, and without
    // the rest of its signature parameters too.
    let url = format!("{endpoint}/uploads/k?partNumber=1&uploadId=x&X-Amz-Signature=00");
    let answer = Answer::of(f.client.put(&url).send().await.unwrap()).await;
    assert_eq!(
        (answer.status, answer.code()),
        (411, "MissingContentLength")
    );
    let answer = Answer::of(f.client.put(&url).body("part").send().await.unwrap()).await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, "AuthorizationQueryParametersError")
    );
    // A GET of an object without a signature is refused like S3 refuses it.
    let answer = Answer::of(
        f.client
            .get(format!("{endpoint}/uploads/k"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((answer.status, answer.code()), (403, "AccessDenied"));
    // A form for a bucket the store does not have.
    let form = f.policy("k", 10).await;
    let url = form.url().replace("/uploads", "/nobucket");
    let answer = f.post(&url, &fields_of(&form), b"hi".to_vec()).await;
    assert_eq!(answer.status, 403, "{}", answer.body);
}

#[tokio::test]
async fn presigned_get_missing_key_is_404_and_tampered_url_403() {
    let f = fixture().await;
    let missing = f
        .storage
        .presigned_get_url(&path("missing"), Duration::from_secs(60))
        .await
        .unwrap();
    let answer = Answer::of(f.client.get(missing.as_str()).send().await.unwrap()).await;
    assert_eq!((answer.status, answer.code()), (404, "NoSuchKey"));

    f.storage
        .put_object(&path("here"), "body".into(), PutOptions::new())
        .await
        .unwrap();
    let url = f
        .storage
        .presigned_get_url(&path("here"), Duration::from_secs(60))
        .await
        .unwrap();
    for tampered in [
        url.as_str().replace("X-Amz-Expires=60", "X-Amz-Expires=61"),
        url.as_str()
            .replace("X-Amz-Expires=60", "X-Amz-Expires=060"),
        url.as_str().replace("/here?", "/hero?"),
        format!("{}&x-id=GetObject", url.as_str()),
    ] {
        let answer = Answer::of(f.client.get(&tampered).send().await.unwrap()).await;
        assert_eq!(
            (answer.status, answer.code()),
            (403, "SignatureDoesNotMatch")
        );
    }
    let answer = Answer::of(f.client.get(url.as_str()).send().await.unwrap()).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "body"));
    assert_eq!(answer.acao(), None, "no Origin, no CORS header");
}

#[tokio::test]
async fn cors_preflight_follows_the_bucket_rule() {
    let f = fixture().await;
    let preflight = |origin: &'static str, method: &'static str| {
        f.client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/uploads", f.server.endpoint()),
            )
            .header("origin", origin)
            .header("access-control-request-method", method)
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let answer = Answer::of(preflight(PAGE, "POST").await.unwrap()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.acao(), Some(PAGE));
    assert!(
        answer.headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert_eq!(
        answer.headers["access-control-allow-headers"],
        "content-type"
    );

    let answer = Answer::of(preflight("http://evil.example", "POST").await.unwrap()).await;
    assert_eq!((answer.status, answer.code()), (403, "AccessForbidden"));
    // The rule allows every method the server answers, and no other.
    for method in ["GET", "PUT", "DELETE", "HEAD"] {
        let answer = Answer::of(preflight(PAGE, method).await.unwrap()).await;
        assert_eq!(answer.status, 200, "{method}");
    }
    let answer = Answer::of(preflight(PAGE, "PATCH").await.unwrap()).await;
    assert_eq!((answer.status, answer.code()), (403, "AccessForbidden"));

    // An origin the rule does not name: the upload still happens (CORS is not a guard),
    // but the answer carries no CORS header for it.
    let form = f.policy("cors.txt", 10).await;
    let response = f
        .client
        .post(form.url())
        .header("origin", "http://evil.example")
        .multipart(
            fields_of(&form)
                .into_iter()
                .fold(reqwest::multipart::Form::new(), |form, (n, v)| {
                    form.text(n, v)
                })
                .part("file", reqwest::multipart::Part::bytes(b"hi".to_vec())),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );

    // Any origin once the rule says `*`; none once the rule is removed.
    f.server.allow_origins("uploads", ["*"]);
    let answer = Answer::of(preflight("http://evil.example", "GET").await.unwrap()).await;
    assert_eq!(answer.status, 200);
    f.server.allow_origins("uploads", Vec::<String>::new());
    let answer = Answer::of(preflight(PAGE, "POST").await.unwrap()).await;
    assert_eq!(answer.status, 403);
}

#[tokio::test]
async fn virtual_host_style_requests_name_the_bucket_in_the_host() {
    use stowage_core::sigv4::{Authorize, SigningKeyCache, SigningTime};
    let storage = MemoryStorage::builder().bucket("vhost-bucket").build();
    let server = HttpServer::start(&storage).await.unwrap();
    let port = server.local_addr().port();
    let host = format!("vhost-bucket.localhost:{port}");
    // `*.localhost` need not resolve here: the client sends it to the server's address.
    let client = reqwest::Client::builder()
        .resolve("vhost-bucket.localhost", server.local_addr())
        .build()
        .unwrap();
    let url = format!("http://{host}/scans/0001.dcm");
    let signed = |method: &'static str| {
        Authorize::new(method, &url, "us-east-1")
            .sign(
                storage.credentials(),
                &SigningTime::new(SystemTime::now()).unwrap(),
                &SigningKeyCache::new(),
            )
            .unwrap()
    };
    let mut put = client.put(&url).body("dicom");
    for (name, value) in signed("PUT") {
        put = put.header(name, value);
    }
    let answer = put.send().await.unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    let stored = storage
        .get_object(&S3Path::new("vhost-bucket", "scans/0001.dcm").unwrap())
        .await
        .unwrap()
        .body
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored, "dicom");

    let mut get = client.get(&url);
    for (name, value) in signed("GET") {
        get = get.header(name, value);
    }
    let answer = get.send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "dicom");

    // `localhost` itself, like an IP address, is path-style.
    let path_style = format!("http://localhost:{port}/vhost-bucket/scans/0001.dcm");
    let headers = Authorize::new("GET", &path_style, "us-east-1")
        .sign(
            storage.credentials(),
            &SigningTime::new(SystemTime::now()).unwrap(),
            &SigningKeyCache::new(),
        )
        .unwrap();
    let mut get = reqwest::Client::new().get(&path_style);
    for (name, value) in headers {
        get = get.header(name, value);
    }
    let answer = get.send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "dicom");
}

#[tokio::test]
async fn presigned_downloads_take_ranges_conditions_and_overrides() {
    let storage = MemoryStorage::builder().bucket("downloads").build();
    let server = HttpServer::start(&storage).await.unwrap();
    let path = S3Path::new("downloads", "reports/r1.csv").unwrap();
    let options = PutOptions::new()
        .content_type("text/csv")
        .metadata("study", "ct-0001");
    let etag = storage
        .put_object(&path, Bytes::from_static(b"0123456789").into(), options)
        .await
        .unwrap()
        .etag
        .unwrap();
    let url = storage
        .presigned_get_url(&path, Duration::from_secs(60))
        .await
        .unwrap();
    let client = reqwest::Client::new();

    let whole = client.get(url.as_str()).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "text/csv");
    assert_eq!(whole.headers()["etag"], etag.as_str());
    assert_eq!(whole.headers()["x-amz-meta-study"], "ct-0001");
    assert!(whole.headers().contains_key("last-modified"));
    assert_eq!(whole.text().await.unwrap(), "0123456789");

    let ranged = client
        .get(url.as_str())
        .header("range", "bytes=2-4")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.headers()["content-range"], "bytes 2-4/10");
    assert_eq!(ranged.text().await.unwrap(), "234");
    let past_end = client
        .get(url.as_str())
        .header("range", "bytes=20-")
        .send()
        .await
        .unwrap();
    assert_eq!(past_end.status(), 416);

    let cached = client
        .get(url.as_str())
        .header("if-none-match", etag.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    assert_eq!(cached.headers()["etag"], etag.as_str());
    let changed = client
        .get(url.as_str())
        .header("if-match", "\"0000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 412);

    // The overrides a URL signed replace the stored headers.
    let overridden = {
        use stowage_core::sigv4::{Presign, SigningKeyCache, SigningTime};
        let object = format!("{}/downloads/reports/r1.csv", server.endpoint());
        let url = Presign::new("GET", &object, "us-east-1")
            .query("response-content-type", "application/json")
            .query(
                "response-content-disposition",
                "attachment; filename=\"r1.json\"",
            )
            .expires(Duration::from_secs(60))
            .sign(
                storage.credentials(),
                &SigningTime::new(SystemTime::now()).unwrap(),
                &SigningKeyCache::new(),
            )
            .unwrap();
        client.get(url).send().await.unwrap()
    };
    assert_eq!(overridden.status(), 200);
    assert_eq!(overridden.headers()["content-type"], "application/json");
    assert_eq!(
        overridden.headers()["content-disposition"],
        "attachment; filename=\"r1.json\""
    );
}
