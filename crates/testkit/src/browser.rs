//! Headless Chromium for browser tests and benches: Debian's `chromium`, driven through
//! Debian's `chromedriver` with fantoccini.
//!
//! [`Driver::get`] starts chromedriver once per process, under the [watchdog](crate::servers::watchdog),
//! so it and every browser it started stop when the process exits, however it exits.
//! [`Driver::open_browser`] opens a headless session with a fresh profile.
//! `scripts/test.sh` installs both packages.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::ChildStdin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::servers::watchdog::{ServerDir, free_port};

/// Debian's Chromium launcher.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver, of the same version.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How to get both, for every message that finds them missing.
const HOW_TO_INSTALL: &str = "install them with `apt-get install -y chromium chromium-driver` \
    (or run `scripts/test.sh`, which installs them and runs every test)";
/// Runs `"$@"` (chromedriver) in a process group of its own; terminated, stops the whole
/// group, chromedriver and the browsers it started, which would outlive it otherwise.
const DRIVER_GROUP: &str = r#"
setsid "$@" &
pid=$!
trap 'kill -TERM "-$pid" 2>/dev/null; sleep 1; kill -KILL "-$pid" 2>/dev/null; exit 0' TERM
wait "$pid"
"#;
/// How long chromedriver may take to listen.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(30);

/// chromedriver on a free port of 127.0.0.1, running until this process exits.
#[derive(Debug)]
pub struct Driver {
    /// `http://127.0.0.1:PORT`.
    url: String,
    /// Its private directory: its log, and one browser profile per session.
    dir: ServerDir,
    /// Sessions started so far, to name their profiles.
    sessions: AtomicU64,
    /// The write end of the watchdog's pipe: held for the life of the process.
    _lifeline: ChildStdin,
}

impl Driver {
    /// The driver of this process, started on first use.
    ///
    /// # Panics
    ///
    /// When Chromium or chromedriver is not installed, or chromedriver does not start:
    /// the message says how to install them.
    pub fn get() -> &'static Driver {
        static DRIVER: OnceLock<Driver> = OnceLock::new();
        DRIVER.get_or_init(|| Self::start().unwrap_or_else(|problem| panic!("{problem}")))
    }

    /// Starts chromedriver under the watchdog and waits until it listens.
    fn start() -> Result<Self, String> {
        for binary in [CHROMIUM, CHROMEDRIVER] {
            if !Path::new(binary).exists() {
                return Err(format!(
                    "{binary} is missing: the browser tests need Chromium and chromedriver; \
                     {HOW_TO_INSTALL}"
                ));
            }
        }
        let dir = ServerDir::new("chromedriver")?;
        let port = free_port()?;
        let port_arg = format!("--port={port}");
        let args = ["-c", DRIVER_GROUP, "sh", CHROMEDRIVER, &port_arg].map(OsStr::new);
        let lifeline = dir.spawn(OsStr::new("sh"), &args, &[])?;
        dir.wait_for_port(port, Instant::now() + DRIVER_START_TIMEOUT)?;
        Ok(Self {
            url: format!("http://127.0.0.1:{port}"),
            dir,
            sessions: AtomicU64::new(0),
            _lifeline: lifeline,
        })
    }

    /// A fresh, empty profile directory for one browser session.
    fn new_profile(&self) -> PathBuf {
        let n = self.sessions.fetch_add(1, Ordering::Relaxed);
        self.dir.path().join(format!("profile-{n}"))
    }

    /// A new headless Chromium session with a profile of its own and a window of
    /// `width` x `height` pixels.
    ///
    /// # Panics
    ///
    /// When the session cannot start; the message carries chromedriver's log.
    pub async fn open_browser(&self, width: u32, height: u32) -> Client {
        let profile = self.new_profile();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    // Root has no sandbox to drop into.
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        // chromedriver speaks plain HTTP on 127.0.0.1: no TLS.
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "{}",
                    self.dir
                        .with_log(format!("starting Chromium through chromedriver: {error}"))
                )
            })
    }
}
