//! Browser uploads in a real browser: the `upload_app` example's pages in headless Chromium,
//! against Garage and against the memory backend over HTTP, the same cases on both.
//!
//! This module holds the form page's cases (a POST policy per file); [`uppy`] holds the
//! Uppy page's (files of any size in resumable multipart uploads). Each case starts the
//! app in-process on a store, opens its page in a fresh browser session, chooses a file as
//! a user would and uploads it; then it reads what the page shows and asks the store,
//! through the storage client, what it holds. Chromium and chromedriver are Debian's `chromium` and `chromium-driver`
//! (`scripts/test.sh` installs them); chromedriver runs under the testkit's watchdog, so it
//! and every browser it started stop when this binary exits, however it exits.
//!
//! The at-cap case leaves a screenshot of the page after its upload in
//! `target/tmp/browser-upload-{memory,garage}.png`; the README's `docs/browser-upload.png`
//! is a copy of the memory one.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use futures::{FutureExt as _, TryStreamExt as _};
use serde_json::json;
use stowage::memory::HttpServer;
use stowage::s3::S3Storage;
use stowage::s3::aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use stowage::{ObjectStorage, PostPolicyRequest, S3Path};
use stowage_testkit::TestServer;
use stowage_testkit::browser::Driver;
use stowage_testkit::support::{pattern, unique_name};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use stowage::resumable::GrantKey;
use stowage_suite::upload_app::{App, UploadRules, UppyAssets};

mod uppy;

/// The browser window's size, which the screenshots show.
const WINDOW: (u32, u32) = (900, 640);
/// How long the page may take to reach a state a case waits for.
const PAGE_TIMEOUT: Duration = Duration::from_secs(30);
/// The memory store's bucket.
const MEMORY_BUCKET: &str = "uploads";
/// The app's size cap in the tests.
const MAX_BYTES: u64 = 48 * 1024;

/// The page's final states of an upload.
const FINISHED: &str = r#"#status[data-outcome="stored"], #status[data-outcome="refused"], #status[data-outcome="error"]"#;
/// The page's states once a file is chosen: a policy in the form, or a refusal.
const PREPARED: &str = r#"#status[data-outcome="ready"], #status[data-outcome="refused"], #status[data-outcome="error"]"#;
/// Fetches `arguments[0]` from the page and answers its bytes, or why it failed.
const FETCH_BYTES: &str = r#"
const [url, done] = arguments;
fetch(url)
  .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`HTTP ${r.status}`))))
  .then((body) => done({ bytes: Array.from(new Uint8Array(body)) }), (e) => done({ error: String(e) }));
"#;

/// The store a case runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    /// `MemoryStorage` served by `stowage::memory::HttpServer`.
    Memory,
    /// The test binary's Garage (`TestServer::get`).
    Garage,
}

impl Backend {
    /// The name in file names and messages.
    fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Garage => "garage",
        }
    }
}

/// The rules of most form cases: 48 KiB (64 KiB with the policy's slack), PNG or text,
/// 60 s; the multipart settings are the Uppy page's, unused by the form.
fn rules() -> UploadRules {
    UploadRules {
        max_bytes: MAX_BYTES,
        content_types: vec!["image/png".to_owned(), "text/plain".to_owned()],
        policy_ttl: Duration::from_secs(60),
        multipart_threshold: 5 * 1024 * 1024,
        part_size: 5 * 1024 * 1024,
        upload_ttl: Duration::from_secs(3600),
    }
}

/// The app on `storage`'s `bucket` under `rules`, serving on `listener` until the test
/// ends.
fn serve_app(
    listener: TcpListener,
    storage: &Arc<dyn ObjectStorage>,
    bucket: &str,
    rules: UploadRules,
) {
    static ASSETS: OnceLock<UppyAssets> = OnceLock::new();
    let assets = ASSETS
        .get_or_init(|| {
            UppyAssets::load().unwrap_or_else(|error| {
                panic!("Uppy's bundle for the page: {error} (scripts/uppy.sh fetches it)")
            })
        })
        .clone();
    let key = GrantKey::random().expect("randomness for the grant key");
    let router = App::new(Arc::clone(storage), bucket, rules, key, assets).router();
    tokio::spawn(async move { axum::serve(listener, router).await });
}

/// The same rules with policies that expire after one second.
fn short_lived_rules() -> UploadRules {
    UploadRules {
        policy_ttl: Duration::from_secs(1),
        ..rules()
    }
}

/// The largest file the store accepts under [`rules`]: the policy's `content-length-range`
/// maximum, which counts the file part only, to the byte.
fn store_cap() -> u64 {
    PostPolicyRequest::new(MAX_BYTES).content_length_upper_bound()
}

/// Origins Garage's bucket CORS rule allows: every app this binary started.
static GARAGE_ORIGINS: Mutex<Vec<String>> = Mutex::const_new(Vec::new());

/// Adds `origin` to the bucket's CORS rule with PutBucketCors, as an operator would.
async fn allow_origin_on_garage(storage: &S3Storage, bucket: &str, origin: &str) {
    let mut origins = GARAGE_ORIGINS.lock().await;
    origins.push(origin.to_owned());
    let rule = CorsRule::builder()
        .set_allowed_origins(Some(origins.clone()))
        .allowed_methods("GET")
        .allowed_methods("HEAD")
        .allowed_methods("POST")
        .allowed_methods("PUT")
        .allowed_headers("*")
        .expose_headers("ETag")
        .max_age_seconds(600)
        .build()
        .expect("a complete CORS rule");
    let configuration = CorsConfiguration::builder()
        .cors_rules(rule)
        .build()
        .expect("a complete CORS configuration");
    storage
        .client()
        .put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(configuration)
        .send()
        .await
        .expect("Garage accepts PutBucketCors");
}

/// A user name no other case uses, for stores shared by the whole binary.
fn unique_user(name: &str) -> String {
    unique_name(name)
}

/// The app on a store, and the page open in a browser, as one user.
struct Page {
    /// The store, as the test checks it.
    storage: Arc<dyn ObjectStorage>,
    /// The bucket the app uses.
    bucket: String,
    /// The store's name in messages and file names.
    backend: Backend,
    /// The signed-in user.
    user: String,
    /// Another user, whose prefix a tampered key points into.
    victim: String,
    /// The browser session.
    browser: Client,
    /// Where the chosen files are written.
    files: tempfile::TempDir,
    /// The memory store's HTTP server, kept running.
    _memory_server: Option<HttpServer>,
}

impl Page {
    /// Starts the app on `backend` under `rules` and opens its page for a user.
    async fn open(backend: Backend, rules: UploadRules) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port for the app");
        let origin = format!(
            "http://{}",
            listener.local_addr().expect("the app's address")
        );
        let (storage, bucket, memory_server, user, victim) = match backend {
            Backend::Memory => {
                let (storage, server) = stowage_suite::upload_app::memory_store(
                    MEMORY_BUCKET,
                    std::slice::from_ref(&origin),
                )
                .await
                .expect("the memory store serves over HTTP");
                let storage: Arc<dyn ObjectStorage> = Arc::new(storage);
                let users = ("alice".to_owned(), "bob".to_owned());
                (
                    storage,
                    MEMORY_BUCKET.to_owned(),
                    Some(server),
                    users.0,
                    users.1,
                )
            }
            Backend::Garage => {
                let server = tokio::task::spawn_blocking(TestServer::get)
                    .await
                    .expect("the test server starts");
                stowage_testkit::logs::forbid([server.secret_access_key.as_str()]);
                let storage = server.s3_storage().await;
                allow_origin_on_garage(&storage, &server.bucket, &origin).await;
                let storage: Arc<dyn ObjectStorage> = Arc::new(storage);
                let users = (unique_user("alice"), unique_user("bob"));
                (storage, server.bucket.clone(), None, users.0, users.1)
            }
        };
        // No event of this binary may name a user's key, a signature, a policy or a secret.
        stowage_testkit::logs::forbid([format!("users/{user}/"), format!("users/{victim}/")]);
        serve_app(listener, &storage, &bucket, rules);
        let browser = Driver::get().open_browser(WINDOW.0, WINDOW.1).await;
        let page = Self {
            storage,
            bucket,
            backend,
            user,
            victim,
            browser,
            files: tempfile::tempdir().expect("a directory for the chosen files"),
            _memory_server: memory_server,
        };
        page.load(&origin).await;
        page
    }

    /// Opens the form page and waits for its first listing of the user's files.
    async fn load(&self, origin: &str) {
        let url = format!("{origin}/form?user={}", self.user);
        self.browser.goto(&url).await.expect("the page loads");
        wait_for(&self.browser, Locator::Css("#files tbody[data-count]")).await;
    }

    /// The page's status once it matches `selector`: its outcome and its text.
    async fn status(&self, selector: &str) -> (String, String) {
        let status = wait_for(&self.browser, Locator::Css(selector)).await;
        let outcome = status.attr("data-outcome").await.expect("the status");
        let text = status.text().await.expect("the status text");
        (outcome.unwrap_or_default(), text)
    }

    /// Writes `bytes` to a file called `name`, chooses it in the page's file input (as a
    /// user picks a file) and waits until the page holds a policy or shows a refusal.
    async fn choose(&self, name: &str, bytes: &[u8]) -> (String, String) {
        let path = self.files.path().join(name);
        std::fs::write(&path, bytes).expect("writing the file to choose");
        let input = wait_for(&self.browser, Locator::Css("#file")).await;
        let path = path.to_str().expect("a UTF-8 temporary path");
        input.send_keys(path).await.expect("choosing the file");
        self.status(PREPARED).await
    }

    /// Chooses the file and asserts the page got a policy for it.
    async fn choose_ready(&self, name: &str, bytes: &[u8]) {
        let (outcome, text) = self.choose(name, bytes).await;
        assert_eq!(
            outcome, "ready",
            "after choosing {name}, the page shows: {text}"
        );
    }

    /// Sets the value of the form's policy field `name`, as a user editing the form would.
    async fn tamper(&self, name: &str, value: &str) {
        let script = "const field = document.querySelector(`#policy-fields input[name=\"${arguments[0]}\"]`);
                      if (!field) { return false; }
                      field.value = arguments[1];
                      return true;";
        let found = self
            .browser
            .execute(script, vec![json!(name), json!(value)])
            .await
            .expect("editing the form");
        assert_eq!(found, json!(true), "the form has no field {name}");
    }

    /// Clicks Upload and waits for the outcome the page shows.
    async fn upload(&self) -> (String, String) {
        wait_for(&self.browser, Locator::Css("#send:not([disabled])"))
            .await
            .click()
            .await
            .expect("clicking Upload");
        self.status(FINISHED).await
    }

    /// The progress bar's value.
    async fn progress(&self) -> f64 {
        let value = self
            .browser
            .execute("return document.getElementById('progress').value;", vec![])
            .await
            .expect("reading the progress bar");
        value.as_f64().expect("a number")
    }

    /// The keys under `user`'s prefix, from the store itself.
    async fn stored(&self, user: &str) -> Vec<String> {
        let prefix = S3Path::new(&self.bucket, format!("users/{user}/")).expect("a prefix");
        let listing = self
            .storage
            .list_objects(&prefix, None)
            .await
            .expect("listing the user's prefix");
        listing
            .objects
            .into_iter()
            .map(|object| object.path.key().to_owned())
            .collect()
    }

    /// The path of `name` under the signed-in user's prefix.
    fn path(&self, name: &str) -> S3Path {
        S3Path::new(&self.bucket, format!("users/{}/{name}", self.user)).expect("a path")
    }

    /// The object's body and Content-Type, from the store itself.
    async fn stored_object(&self, name: &str) -> (Vec<u8>, Option<String>) {
        let object = self
            .storage
            .get_object(&self.path(name))
            .await
            .expect("the uploaded object");
        let chunks: Vec<_> = object.body.try_collect().await.expect("its body");
        (chunks.concat(), object.meta.content_type)
    }

    /// Waits until the store holds `name` for the user (a native form submission gives the
    /// page no answer to wait for).
    async fn wait_until_stored(&self, name: &str) {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        let path = self.path(name);
        while !self
            .storage
            .object_exists(&path)
            .await
            .expect("asking the store")
        {
            assert!(
                Instant::now() < deadline,
                "the form's upload never reached the store"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Follows the page's download link for `name` from the page, as its script would, and
    /// answers the bytes.
    async fn download(&self, name: &str) -> Vec<u8> {
        let link = wait_for(&self.browser, Locator::LinkText(name)).await;
        let href = link.attr("href").await.expect("the link").expect("an href");
        let answer = self
            .browser
            .execute_async(FETCH_BYTES, vec![json!(href)])
            .await
            .expect("fetching the download link");
        let Some(bytes) = answer.get("bytes") else {
            panic!("the download link failed in the browser: {answer}");
        };
        serde_json::from_value(bytes.clone()).expect("a byte array")
    }

    /// Asserts the store refuses the upload the page attempts, the page shows the store's
    /// reason, and nothing was stored for either user.
    async fn assert_refused(&self, refusal: Refusal) {
        let (outcome, text) = self.upload().await;
        assert_eq!(outcome, "refused", "the page shows: {text}");
        let expected = match self.backend {
            Backend::Memory => refusal.s3,
            Backend::Garage => refusal.garage,
        };
        assert!(
            text.contains(expected),
            "the page should show {expected:?}, it shows: {text}"
        );
        assert_eq!(self.stored(&self.user).await, Vec::<String>::new());
        assert_eq!(self.stored(&self.victim).await, Vec::<String>::new());
    }
}

/// How each store says no to a form. The memory backend answers S3's codes and statuses;
/// Garage 2.5 answers `400 InvalidRequest` to every policy violation, with the reason in the
/// message.
#[derive(Debug, Clone, Copy)]
struct Refusal {
    /// What S3, and so the memory backend, answers.
    s3: &'static str,
    /// Garage's message.
    garage: &'static str,
}

/// Runs `case` on a page of the app on `backend`, closing the browser whatever happens.
async fn run(backend: Backend, rules: UploadRules, case: impl AsyncFnOnce(&Page)) {
    let page = Page::open(backend, rules).await;
    let browser = page.browser.clone();
    closing_after(browser, case(&page)).await;
}

/// Runs `case`, then ends `browser`'s session (its browser exits), whatever happened; a
/// panic of the case goes on after.
async fn closing_after(browser: Client, case: impl std::future::Future<Output = ()>) {
    let outcome = AssertUnwindSafe(case).catch_unwind().await;
    // A session that cannot close still ends with chromedriver.
    let _ = browser.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Waits for an element of the page `browser` shows.
async fn wait_for(browser: &Client, locator: Locator<'_>) -> fantoccini::elements::Element {
    browser
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(locator)
        .await
        .unwrap_or_else(|error| panic!("waiting for {locator:?} on the page: {error}"))
}

/// Saves a screenshot of the page `browser` shows to `target/tmp/{name}.png`.
async fn screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.expect("a screenshot");
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.png"));
    std::fs::write(&path, png).expect("writing the screenshot");
}

/// A file of exactly the store's cap is stored with its Content-Type, listed by the page,
/// and its download link gives the same bytes.
async fn file_at_the_cap_is_stored_and_downloads_identical(page: &Page) {
    let bytes = pattern(store_cap(), 0);
    page.choose_ready("scan.png", &bytes).await;
    let (outcome, text) = page.upload().await;
    assert_eq!(outcome, "stored", "the page shows: {text}");
    assert_eq!(page.progress().await, 100.0);
    let (stored, content_type) = page.stored_object("scan.png").await;
    assert!(
        stored == bytes,
        "the store holds other bytes than were chosen"
    );
    assert_eq!(content_type.as_deref(), Some("image/png"));
    let downloaded = page.download("scan.png").await;
    assert!(downloaded == bytes, "the download link gives other bytes");
    assert_eq!(page.stored(&page.user).await, [page.path("scan.png").key()]);
    screenshot(
        &page.browser,
        &format!("browser-upload-{}", page.backend.name()),
    )
    .await;
}

/// One byte over the cap: the store refuses, the page says why, nothing is stored.
async fn file_over_the_cap_is_refused(page: &Page) {
    page.choose_ready("scan.png", &pattern(store_cap() + 1, 0))
        .await;
    page.assert_refused(Refusal {
        s3: "HTTP 400 EntityTooLarge",
        garage: "HTTP 400 InvalidRequest: Bad request: File size does not match policy",
    })
    .await;
}

/// The form's Content-Type changed from the one the policy locks: refused.
async fn other_content_type_is_refused(page: &Page) {
    page.choose_ready("notes.txt", b"plain text").await;
    page.tamper("Content-Type", "text/html").await;
    page.assert_refused(Refusal {
        s3: r#"HTTP 403 AccessDenied: Invalid according to Policy: Policy Condition failed: ["eq", "$content-type"]"#,
        garage: "HTTP 400 InvalidRequest: Bad request: Key 'content-type' has value not allowed in policy",
    })
    .await;
}

/// The form's key changed to another user's: refused, neither prefix holds anything.
async fn tampered_key_is_refused(page: &Page) {
    page.choose_ready("notes.txt", b"plain text").await;
    let other = format!("users/{}/notes.txt", page.victim);
    page.tamper("key", &other).await;
    page.assert_refused(Refusal {
        s3: r#"HTTP 403 AccessDenied: Invalid according to Policy: Policy Condition failed: ["eq", "$key"]"#,
        garage: "HTTP 400 InvalidRequest: Bad request: Key 'key' has value not allowed in policy",
    })
    .await;
}

/// A policy used after it expired: refused.
async fn expired_policy_is_refused(page: &Page) {
    page.choose_ready("notes.txt", b"plain text").await;
    // The policy expires one second after it was issued, in whole seconds.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    page.assert_refused(Refusal {
        s3: "HTTP 403 AccessDenied: Invalid according to Policy: Policy expired.",
        garage: "HTTP 400 InvalidRequest: Bad request: Expiration date is in the past",
    })
    .await;
}

/// A type the app does not accept gets no policy: the page shows the app's refusal and
/// nothing can be sent.
async fn type_the_app_does_not_accept_gets_no_policy(page: &Page) {
    let (outcome, text) = page.choose("page.html", b"<p>hello</p>").await;
    assert_eq!(outcome, "refused", "the page shows: {text}");
    assert!(text.contains("not accepted"), "the page shows: {text}");
    let send = wait_for(&page.browser, Locator::Id("send")).await;
    assert!(!send.is_enabled().await.expect("the button"));
    assert_eq!(page.stored(&page.user).await, Vec::<String>::new());
}

/// The page's `<form>` submitted by the browser itself, without the page's script: the
/// browser builds the multipart body from the form's fields and file, and the store keeps
/// the file.
async fn native_form_submission_is_stored(page: &Page) {
    let bytes = b"posted by the browser's own form submission\n".repeat(64);
    page.choose_ready("notes.txt", &bytes).await;
    page.browser
        .form(Locator::Css("#upload"))
        .await
        .expect("the upload form")
        .submit_direct()
        .await
        .expect("submitting the form");
    page.wait_until_stored("notes.txt").await;
    let (stored, content_type) = page.stored_object("notes.txt").await;
    assert!(
        stored == bytes,
        "the store holds other bytes than were chosen"
    );
    assert_eq!(content_type.as_deref(), Some("text/plain"));
}

/// One test per case and backend.
macro_rules! browser_cases {
    ($($case:ident: $rules:expr;)*) => {
        /// The cases against the memory backend over HTTP.
        mod memory_backend {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $case() {
                    super::run(super::Backend::Memory, $rules, super::$case).await;
                }
            )*
        }

        /// The cases against Garage.
        mod garage {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $case() {
                    super::run(super::Backend::Garage, $rules, super::$case).await;
                }
            )*
        }
    };
}

browser_cases! {
    file_at_the_cap_is_stored_and_downloads_identical: super::rules();
    file_over_the_cap_is_refused: super::rules();
    other_content_type_is_refused: super::rules();
    tampered_key_is_refused: super::rules();
    expired_policy_is_refused: super::short_lived_rules();
    type_the_app_does_not_accept_gets_no_policy: super::rules();
    native_form_submission_is_stored: super::rules();
}
