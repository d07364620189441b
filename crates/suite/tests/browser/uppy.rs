//! The Uppy page in Chromium: files of any size in resumable multipart uploads, whose parts
//! the app signs one by one, against Garage and the memory backend over HTTP, the same
//! cases on both.
//!
//! The browser reaches the store through the testkit's fault proxy, which counts every
//! request by kind and part number and cuts the network where a case says so. Each case
//! ends with what the store itself holds: the bytes, the multipart ETag, and no upload left
//! pending (ListMultipartUploads under the users' prefixes).
//!
//! The three-part case leaves a screenshot in `target/tmp/browser-uppy-{memory,garage}.png`;
//! `docs/browser-upload-uppy.png` is a copy of the Garage one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use stowage::memory::HttpServer;
use stowage::{ObjectStorage, S3Path};
use stowage_testkit::TestServer;
use stowage_testkit::browser::Driver;
use stowage_testkit::fault_proxy::{Fault, FaultProxy, FaultRule, RequestMatch};
use stowage_testkit::support::{multipart_etag, pattern};
use tokio::net::TcpListener;

use super::{
    Backend, MEMORY_BUCKET, allow_origin_on_garage, closing_after, screenshot, serve_app,
    unique_user, wait_for,
};
use stowage_suite::upload_app::UploadRules;

const MIB: u64 = 1024 * 1024;
/// The parts the app plans in these cases.
const PART_SIZE: u64 = 5 * MIB;
/// The app's cap in these cases.
const CAP: u64 = 20 * MIB;
/// How long a case waits for the store to reach a state.
const STORE_TIMEOUT: Duration = Duration::from_secs(30);

/// Parts of 5 MiB above 5 MiB, up to 20 MiB of binary or text, an hour per upload.
fn rules() -> UploadRules {
    UploadRules {
        max_bytes: CAP,
        content_types: vec![
            "application/octet-stream".to_owned(),
            "text/plain".to_owned(),
        ],
        policy_ttl: Duration::from_secs(60),
        multipart_threshold: PART_SIZE,
        part_size: PART_SIZE,
        upload_ttl: Duration::from_secs(3600),
    }
}

/// Waits for Uppy's `complete` event after clicking the Dashboard's upload (or retry)
/// button `arguments[0]`, and answers which files succeeded and which failed, and why.
const CLICK_AND_WAIT: &str = r#"
const [button, done] = arguments;
window.uppy.once("complete", (result) => done({
  successful: result.successful.map((file) => file.name),
  failed: result.failed.map((file) => [file.name, String(file.error)]),
}));
document.querySelector(button).click();
"#;

/// The app's companion requests a page script can make itself, as a lying page would:
/// `arguments[0]` is the list of steps, each `[method, path, body]` to the app or
/// `["PUT", url, length]` to the store with `length` bytes; answers each status and body.
const REQUESTS: &str = r#"
const [steps, done] = arguments;
(async () => {
  const answers = [];
  for (const step of steps) {
    const [method, target, body] = step;
    let response;
    if (method === "PUT") {
      // A refusal without CORS headers is a network error to the page: it learns nothing.
      try {
        response = await fetch(target, { method, body: new Uint8Array(body) });
      } catch (error) {
        answers.push({ status: "unreadable", body: String(error) });
        continue;
      }
    } else if (method === "AS") {
      document.getElementById("user").value = target;
      answers.push({ status: 0, body: null });
      continue;
    } else {
      const init = { method };
      if (body !== null) {
        init.body = JSON.stringify(body);
        init.headers = { "Content-Type": "application/json" };
      }
      response = await fetch(target, init);
    }
    const text = await response.text();
    let parsed = text;
    try { parsed = JSON.parse(text); } catch (_) {}
    answers.push({ status: response.status, body: parsed, etag: response.headers.get("ETag") });
  }
  return answers;
})().then(done, (error) => done({ error: String(error) }));
"#;

/// A store for the app, reached by the browser and the app through the fault proxy.
struct Store {
    /// The store, as the test checks it (directly, not through the proxy).
    storage: Arc<dyn ObjectStorage>,
    /// The store as the app uses it: its URLs point at the proxy.
    app_storage: Arc<dyn ObjectStorage>,
    /// The bucket.
    bucket: String,
    /// Between the browser and the store.
    proxy: FaultProxy,
    /// The memory store's HTTP server.
    memory_server: Option<HttpServer>,
}

impl Store {
    /// `backend` behind a fault proxy, its bucket open to pages from `origin`.
    async fn behind_proxy(backend: Backend, origin: &str) -> Self {
        match backend {
            Backend::Memory => {
                let (storage, server) = stowage_suite::upload_app::memory_store(
                    MEMORY_BUCKET,
                    std::slice::from_ref(&origin.to_owned()),
                )
                .await
                .expect("the memory store serves over HTTP");
                let proxy = FaultProxy::start(server.local_addr())
                    .await
                    .expect("the fault proxy starts");
                server.set_public_endpoint(&proxy.endpoint_url());
                let storage: Arc<dyn ObjectStorage> = Arc::new(storage);
                Store {
                    storage: Arc::clone(&storage),
                    app_storage: storage,
                    bucket: MEMORY_BUCKET.to_owned(),
                    proxy,
                    memory_server: Some(server),
                }
            }
            Backend::Garage => {
                let server = tokio::task::spawn_blocking(TestServer::get)
                    .await
                    .expect("the test server starts");
                stowage_testkit::logs::forbid([server.secret_access_key.as_str()]);
                let upstream = server
                    .endpoint
                    .trim_start_matches("http://")
                    .parse()
                    .expect("Garage's endpoint is an address");
                let proxy = FaultProxy::start(upstream)
                    .await
                    .expect("the fault proxy starts");
                let direct = server.s3_storage().await;
                allow_origin_on_garage(&direct, &server.bucket, origin).await;
                let through_proxy = server
                    .s3_builder()
                    .endpoint_url(proxy.endpoint_url())
                    .build()
                    .await
                    .expect("an S3 backend through the proxy");
                Store {
                    storage: Arc::new(direct),
                    app_storage: Arc::new(through_proxy),
                    bucket: server.bucket.clone(),
                    proxy,
                    memory_server: None,
                }
            }
        }
    }
}

/// The Uppy page of the app on a store behind the fault proxy, open as one user.
struct UppyPage {
    /// The store, as the test checks it (directly, not through the proxy).
    storage: Arc<dyn ObjectStorage>,
    /// The bucket the app uses.
    bucket: String,
    /// The store's name in messages and file names.
    backend: Backend,
    /// The signed-in user.
    user: String,
    /// Another user.
    victim: String,
    /// The browser session.
    browser: Client,
    /// Between the browser and the store.
    proxy: FaultProxy,
    /// Where the chosen files are written.
    files: tempfile::TempDir,
    /// The memory store's HTTP server, kept running.
    _memory_server: Option<HttpServer>,
}

impl UppyPage {
    /// Starts the app on `backend` and opens its Uppy page.
    async fn open(backend: Backend) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port for the app");
        let origin = format!(
            "http://{}",
            listener.local_addr().expect("the app's address")
        );
        let user = unique_user("alice");
        let victim = unique_user("bob");
        let Store {
            storage,
            app_storage,
            bucket,
            proxy,
            memory_server,
        } = Store::behind_proxy(backend, &origin).await;
        stowage_testkit::logs::forbid([format!("users/{user}/"), format!("users/{victim}/")]);
        serve_app(listener, &app_storage, &bucket, rules());
        let browser = Driver::get().open_browser(900, 900).await;
        let page = Self {
            storage,
            bucket,
            backend,
            user,
            victim,
            browser,
            proxy,
            files: tempfile::tempdir().expect("a directory for the chosen files"),
            _memory_server: memory_server,
        };
        let url = format!("{origin}/?user={}", page.user);
        page.browser.goto(&url).await.expect("the page loads");
        wait_for(&page.browser, Locator::Css("#files tbody[data-count]")).await;
        wait_for(&page.browser, Locator::Css(".uppy-Dashboard")).await;
        page
    }

    /// Writes `bytes` to a file called `name` and adds it in the Dashboard's file input, as
    /// a user picks a file.
    async fn choose(&self, name: &str, bytes: &[u8]) {
        let path = self.files.path().join(name);
        std::fs::write(&path, bytes).expect("writing the file to choose");
        let input = wait_for(
            &self.browser,
            Locator::Css(r#"input.uppy-Dashboard-input[name="files[]"]:not([webkitdirectory])"#),
        )
        .await;
        input
            .send_keys(path.to_str().expect("a UTF-8 temporary path"))
            .await
            .expect("choosing the file");
        wait_for(
            &self.browser,
            Locator::Css(".uppy-StatusBar-actionBtn--upload"),
        )
        .await;
    }

    /// Clicks `button` and waits for Uppy's `complete`: the names that succeeded, and the
    /// names that failed with their errors.
    async fn click_and_wait(&self, button: &str) -> (Vec<String>, Vec<(String, String)>) {
        let answer = self
            .browser
            .execute_async(CLICK_AND_WAIT, vec![json!(button)])
            .await
            .expect("uploading from the page");
        let successful = serde_json::from_value(answer["successful"].clone()).expect("names");
        let failed = serde_json::from_value(answer["failed"].clone()).expect("failures");
        (successful, failed)
    }

    /// Clicks Upload and waits for the outcome.
    async fn upload(&self) -> (Vec<String>, Vec<(String, String)>) {
        self.click_and_wait(".uppy-StatusBar-actionBtn--upload")
            .await
    }

    /// Runs companion and store requests from the page's script (see [`REQUESTS`]).
    async fn requests(&self, steps: Value) -> Vec<Value> {
        let answer = self
            .browser
            .execute_async(REQUESTS, vec![steps])
            .await
            .expect("the page's requests");
        match answer {
            Value::Array(answers) => answers,
            other => panic!("the page's requests failed: {other}"),
        }
    }

    /// The path of `name` under `user`'s prefix.
    fn path_of(&self, user: &str, name: &str) -> S3Path {
        S3Path::new(&self.bucket, format!("users/{user}/{name}")).expect("a path")
    }

    /// The object at `name` for the signed-in user: its bytes, ETag and Content-Type.
    async fn stored_object(&self, name: &str) -> (Vec<u8>, String, Option<String>) {
        use futures::TryStreamExt as _;
        let object = self
            .storage
            .get_object(&self.path_of(&self.user, name))
            .await
            .expect("the uploaded object");
        let etag = object.meta.etag.clone().unwrap_or_default();
        let content_type = object.meta.content_type.clone();
        let chunks: Vec<_> = object.body.try_collect().await.expect("its body");
        (chunks.concat(), etag, content_type)
    }

    /// What the store holds and has pending under both users' prefixes.
    async fn stored_and_pending(&self) -> (usize, usize) {
        let mut stored = 0;
        let mut pending = 0;
        for user in [&self.user, &self.victim] {
            let prefix = S3Path::new(&self.bucket, format!("users/{user}/")).expect("a prefix");
            stored += self
                .storage
                .list_objects(&prefix, None)
                .await
                .expect("listing a prefix")
                .objects
                .len();
            pending += self
                .storage
                .list_multipart_uploads(&prefix)
                .await
                .expect("listing pending uploads")
                .len();
        }
        (stored, pending)
    }

    /// Asserts the store holds nothing and has nothing pending for either user, waiting
    /// up to [`STORE_TIMEOUT`] for aborts the page sent without waiting for them.
    async fn assert_nothing_left(&self) {
        let deadline = Instant::now() + STORE_TIMEOUT;
        loop {
            let left = self.stored_and_pending().await;
            if left == (0, 0) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: the store still holds {} objects and {} pending uploads",
                self.backend.name(),
                left.0,
                left.1
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Part PUTs of part `number` the store was sent.
    fn part_puts(&self, number: u32) -> usize {
        self.proxy.requests_seen(
            &RequestMatch::method("PUT").query_contains(format!("partNumber={number}&")),
        )
    }

    /// Every part PUT the store was sent.
    fn all_part_puts(&self) -> usize {
        self.proxy
            .requests_seen(&RequestMatch::method("PUT").query_contains("partNumber="))
    }

    /// Form POSTs the browser sent the store (the app's own requests to the store carry
    /// no `Origin`).
    fn form_posts(&self) -> usize {
        self.proxy
            .requests_seen(&RequestMatch::method("POST").header("origin"))
    }

    /// The page's companion paths for an upload: `/s3/multipart/{id}{suffix}?key=`.
    fn upload_path(id: &str, key: &str, suffix: &str) -> String {
        let id = encode(id);
        let key = encode(key);
        format!("/s3/multipart/{id}{suffix}?key={key}")
    }
}

/// `text` percent-encoded as a URL component.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Runs `case` on the Uppy page on `backend`, closing the browser whatever happens.
async fn run(backend: Backend, case: impl AsyncFnOnce(&UppyPage)) {
    let page = UppyPage::open(backend).await;
    let browser = page.browser.clone();
    closing_after(browser, case(&page)).await;
}

/// A file of three parts is stored byte-identical with S3's multipart ETag, each part sent
/// once, and the page lists it.
async fn multipart_file_is_stored_identical(page: &UppyPage) {
    let bytes = pattern(2 * PART_SIZE + 123_457, 0);
    page.choose("study.bin", &bytes).await;
    let (successful, failed) = page.upload().await;
    assert_eq!((successful, failed), (vec!["study.bin".to_owned()], vec![]));
    let (stored, etag, content_type) = page.stored_object("study.bin").await;
    assert!(
        stored == bytes,
        "the store holds other bytes than were chosen"
    );
    assert_eq!(
        etag,
        multipart_etag(&bytes, PART_SIZE as usize),
        "S3's ETag of 3 parts"
    );
    assert_eq!(content_type.as_deref(), Some("application/octet-stream"));
    assert_eq!(
        [page.part_puts(1), page.part_puts(2), page.part_puts(3)],
        [1, 1, 1]
    );
    assert_eq!(page.form_posts(), 0);
    wait_for(&page.browser, Locator::LinkText("study.bin")).await;
    assert_eq!(page.stored_and_pending().await, (1, 0));
    screenshot(
        &page.browser,
        &format!("browser-uppy-{}", page.backend.name()),
    )
    .await;
}

/// A file below the threshold goes through the POST policy: one form POST, no part.
async fn small_file_takes_the_post_policy(page: &UppyPage) {
    let bytes = b"a small note\n".repeat(1000);
    page.choose("note.txt", &bytes).await;
    let (successful, failed) = page.upload().await;
    assert_eq!((successful, failed), (vec!["note.txt".to_owned()], vec![]));
    let (stored, _, content_type) = page.stored_object("note.txt").await;
    assert!(
        stored == bytes,
        "the store holds other bytes than were chosen"
    );
    assert_eq!(content_type.as_deref(), Some("text/plain"));
    assert_eq!((page.form_posts(), page.all_part_puts()), (1, 0));
}

/// The network to the store cut while part 2 is sent: the upload fails; retried, it lists
/// the parts the store holds and sends only the missing ones.
async fn upload_resumes_after_a_network_cut(page: &UppyPage) {
    let bytes = pattern(2 * PART_SIZE + 4321, 0);
    let part_two = RequestMatch::method("PUT").query_contains("partNumber=2&");
    page.proxy.inject(
        FaultRule::new(Fault::ResetDuringRequest)
            .matching(part_two)
            .times(1000),
    );
    page.choose("weights.bin", &bytes).await;
    let (successful, failed) = page.upload().await;
    assert!(successful.is_empty(), "the cut upload succeeded");
    assert_eq!(failed.len(), 1, "{failed:?}");
    let cut_attempts = page.part_puts(2);
    assert!(cut_attempts >= 1);
    assert_eq!((page.part_puts(1), page.part_puts(3)), (1, 0));
    let (stored, pending) = page.stored_and_pending().await;
    assert_eq!((stored, pending), (0, 1), "the upload waits, resumable");

    page.proxy.clear();
    let (successful, failed) = page
        .click_and_wait(".uppy-StatusBar-actionBtn--retry")
        .await;
    assert_eq!(
        (successful, failed),
        (vec!["weights.bin".to_owned()], vec![])
    );
    // Part 1 was not sent again; part 2 once more, part 3 once.
    assert_eq!(
        [
            page.part_puts(1),
            page.part_puts(2) - cut_attempts,
            page.part_puts(3)
        ],
        [1, 1, 1]
    );
    let (stored, etag, _) = page.stored_object("weights.bin").await;
    assert!(stored == bytes, "the resumed upload stored other bytes");
    assert_eq!(
        etag,
        multipart_etag(&bytes, PART_SIZE as usize),
        "S3's ETag of 3 parts"
    );
    assert_eq!(page.stored_and_pending().await, (1, 0));
}

/// A file one byte over the cap: the app refuses to start it; no part, no form, nothing
/// pending.
async fn file_over_the_cap_is_refused_before_any_part(page: &UppyPage) {
    page.choose("huge.bin", &pattern(CAP + 1, 0)).await;
    let (successful, failed) = page.upload().await;
    assert!(successful.is_empty());
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!((page.all_part_puts(), page.form_posts()), (0, 0));
    page.assert_nothing_left().await;
}

/// Uppy's Cancel while parts are on their way: the page aborts the upload, nothing is
/// stored and nothing stays pending.
async fn cancel_leaves_nothing_pending(page: &UppyPage) {
    page.proxy.inject(
        FaultRule::new(Fault::Throttle {
            bytes_per_second: 256 * 1024,
        })
        .matching(RequestMatch::method("PUT"))
        .times(1000),
    );
    page.choose("slow.bin", &pattern(3 * PART_SIZE, 0)).await;
    page.browser
        .execute(
            "document.querySelector('.uppy-StatusBar-actionBtn--upload').click();",
            vec![],
        )
        .await
        .expect("starting the upload");
    let deadline = Instant::now() + STORE_TIMEOUT;
    while page.all_part_puts() == 0 {
        assert!(Instant::now() < deadline, "no part was ever sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        page.stored_and_pending().await.1,
        1,
        "the upload is under way"
    );
    page.browser
        .execute("window.uppy.cancelAll();", vec![])
        .await
        .expect("cancelling");
    page.assert_nothing_left().await;
}

/// Page scripts that lie to the app and the store, each refused before anything is
/// stored: a part PUT longer than its signed length, a part beyond the plan, a completion
/// with a forged part list, another user's upload id. Nothing is stored, nothing pending.
async fn lying_pages_are_refused(page: &UppyPage) {
    let create = |name: &str, size: u64| {
        json!(["POST", "/s3/multipart", {
            "filename": name, "type": "application/octet-stream", "metadata": {"size": size}
        }])
    };
    // Declares 6 MiB: parts of 5 MiB and 1 MiB.
    let answers = page.requests(json!([create("small.bin", 6 * MIB)])).await;
    assert_eq!(answers[0]["status"], 200, "{answers:?}");
    let id = answers[0]["body"]["uploadId"]
        .as_str()
        .expect("an upload id")
        .to_owned();
    let key = answers[0]["body"]["key"]
        .as_str()
        .expect("a key")
        .to_owned();
    assert_eq!(answers[0]["body"]["partCount"], 2);
    let part = |n: u32| {
        json!([
            "GET",
            UppyPage::upload_path(&id, &key, &format!("/{n}")),
            null
        ])
    };
    let answers = page
        .requests(json!([part(2), part(3), part(0), part(10_001)]))
        .await;
    assert_eq!(answers[0]["status"], 200, "{answers:?}");
    for refused in &answers[1..] {
        assert_eq!(refused["status"], 400, "a part outside the plan: {refused}");
    }
    let url = answers[0]["body"]["url"]
        .as_str()
        .expect("a URL")
        .to_owned();
    // Part 2 is signed for 1 MiB: 2 MiB, and one byte more, are refused by the store, and
    // the store holds no part. (A store that answers before the body is in closes the
    // connection, which the page may see as a network error instead of the 403.)
    let answers = page
        .requests(json!([
            ["PUT", url, 2 * MIB],
            ["PUT", url, MIB + 1],
            ["GET", UppyPage::upload_path(&id, &key, ""), null],
        ]))
        .await;
    for refused in &answers[..2] {
        let refusal = [json!(403), json!("unreadable")].contains(&refused["status"]);
        assert!(refusal, "a longer part: {refused}");
    }
    assert_eq!(
        answers[2]["body"],
        json!([]),
        "the store holds a part: {answers:?}"
    );
    // Part 1 honestly, then a completion naming a part 2 that was never stored.
    let answers = page.requests(json!([part(1)])).await;
    let url = answers[0]["body"]["url"]
        .as_str()
        .expect("a URL")
        .to_owned();
    let answers = page.requests(json!([["PUT", url, PART_SIZE]])).await;
    assert_eq!(answers[0]["status"], 200, "{answers:?}");
    let etag = answers[0]["etag"].clone();
    let forged = json!({"parts": [
        {"PartNumber": 1, "ETag": etag}, {"PartNumber": 2, "ETag": "\"00000000000000000000000000000000\""}
    ]});
    let complete = json!([
        "POST",
        UppyPage::upload_path(&id, &key, "/complete"),
        forged
    ]);
    let answers = page.requests(json!([complete])).await;
    assert_eq!(
        answers[0]["status"], 409,
        "a forged completion: {answers:?}"
    );
    // The refused completion aborted the upload: its parts are gone.
    let answers = page
        .requests(json!([["GET", UppyPage::upload_path(&id, &key, ""), null]]))
        .await;
    assert_eq!(answers[0]["status"], 404, "{answers:?}");

    // Another user's upload: every request on it is refused before the store is asked.
    let answers = page
        .requests(json!([
            ["AS", page.victim, null],
            create("theirs.bin", 6 * MIB),
            ["AS", page.user, null],
        ]))
        .await;
    assert_eq!(answers[1]["status"], 200, "{answers:?}");
    let their_id = answers[1]["body"]["uploadId"]
        .as_str()
        .expect("an id")
        .to_owned();
    let their_key = answers[1]["body"]["key"]
        .as_str()
        .expect("a key")
        .to_owned();
    let puts_before = page.all_part_puts();
    let on_theirs = |method: &str, suffix: &str| {
        json!([
            method,
            UppyPage::upload_path(&their_id, &their_key, suffix),
            null
        ])
    };
    let answers = page
        .requests(json!([
            on_theirs("GET", "/1"),
            on_theirs("GET", ""),
            on_theirs("POST", "/complete"),
            on_theirs("DELETE", ""),
        ]))
        .await;
    for refused in &answers {
        assert_eq!(refused["status"], 403, "another user's upload: {refused}");
    }
    assert_eq!(page.all_part_puts(), puts_before);
    // Its owner abandons it.
    let answers = page
        .requests(json!([
            ["AS", page.victim, null],
            on_theirs("DELETE", ""),
            ["AS", page.user, null],
        ]))
        .await;
    assert_eq!(answers[1]["status"], 200, "{answers:?}");
    page.assert_nothing_left().await;
}

/// One test per case and backend.
macro_rules! uppy_cases {
    ($($case:ident,)*) => {
        /// The cases against the memory backend over HTTP.
        mod memory_backend {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $case() {
                    super::run(super::Backend::Memory, super::$case).await;
                }
            )*
        }

        /// The cases against Garage.
        mod garage {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $case() {
                    super::run(super::Backend::Garage, super::$case).await;
                }
            )*
        }
    };
}

uppy_cases! {
    multipart_file_is_stored_identical,
    small_file_takes_the_post_policy,
    upload_resumes_after_a_network_cut,
    file_over_the_cap_is_refused_before_any_part,
    cancel_leaves_nothing_pending,
    lying_pages_are_refused,
}
