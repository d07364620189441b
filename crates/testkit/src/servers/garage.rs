//! A private single-node Garage for one test binary, stopped when the binary exits, however
//! it exits: it runs under a `sh` watchdog whose standard input is a pipe from the test
//! binary, and the watchdog stops it and deletes its data when that pipe closes.

use std::collections::hash_map::RandomState;
use std::ffi::OsStr;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::servers::TestServer;
use crate::servers::watchdog::{ServerDir, free_port};

/// The Garage release the tests are written against.
pub const GARAGE_VERSION: &str = "2.5.0";

/// The region every test server signs for.
pub(crate) const REGION: &str = "garage";
/// The first test bucket.
pub(crate) const BUCKET: &str = "stowage-test";
/// The second test bucket.
pub(crate) const BUCKET2: &str = "stowage-test-2";
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How to get a Garage binary, for every message that finds none.
const HOW_TO_INSTALL: &str = "install it with `scripts/garage.sh install` (or run \
    `scripts/test.sh`, which installs it and runs every test), or set STOWAGE_TEST_S3_* to a \
    running server";

/// The write ends of the servers' watchdog pipes: held until the process exits, never
/// written.
static LIFELINES: Mutex<Vec<ChildStdin>> = Mutex::new(Vec::new());

/// A Garage server started by this process.
#[derive(Debug)]
pub(crate) struct PrivateGarage {
    server: TestServer,
}

impl PrivateGarage {
    /// Starts a fresh server on free ports of 127.0.0.1, with a key owning two buckets.
    pub(crate) fn start() -> Result<Self, String> {
        let bin = find_binary()?;
        let dir = ServerDir::new("garage")?;
        let s3_port = free_port()?;
        let rpc_port = loop {
            let port = free_port()?;
            if port != s3_port {
                break port;
            }
        };
        let access_key_id = format!("GK{}", random_hex(12));
        let secret_access_key = random_hex(32);
        let config = dir.path().join("garage.toml");
        let lifeline = match write_config(dir.path(), &config, s3_port, rpc_port).and_then(|()| {
            let args: [&OsStr; 5] = [
                "-c".as_ref(),
                config.as_os_str(),
                "server".as_ref(),
                "--single-node".as_ref(),
                "--default-bucket".as_ref(),
            ];
            dir.spawn(
                bin.as_os_str(),
                &args,
                &[
                    ("GARAGE_DEFAULT_ACCESS_KEY", &access_key_id),
                    ("GARAGE_DEFAULT_SECRET_KEY", &secret_access_key),
                    ("GARAGE_DEFAULT_BUCKET", BUCKET),
                    ("RUST_LOG", "garage=info,netapp=info"),
                    ("NO_COLOR", "1"),
                ],
            )
        }) {
            Ok(lifeline) => lifeline,
            Err(problem) => {
                dir.remove();
                return Err(problem);
            }
        };
        // From here on, an early return drops the lifeline: the server stops, `dir` goes.
        let deadline = Instant::now() + START_TIMEOUT;
        dir.wait_for_port(s3_port, deadline)?;
        let garage = |args: &[&str]| {
            run_until_ok(&bin, &config, args, deadline).map_err(|e| dir.with_log(e))
        };
        garage(&["bucket", "create", BUCKET2])?;
        garage(&[
            "bucket",
            "allow",
            "--read",
            "--write",
            "--owner",
            BUCKET2,
            "--key",
            &access_key_id,
        ])?;
        keep_alive(lifeline);
        Ok(Self {
            server: TestServer {
                endpoint: format!("http://127.0.0.1:{s3_port}"),
                region: REGION.to_owned(),
                access_key_id,
                secret_access_key,
                bucket: BUCKET.to_owned(),
                bucket2: BUCKET2.to_owned(),
            },
        })
    }

    /// The settings tests connect with.
    pub(crate) fn server(self) -> TestServer {
        self.server
    }
}

/// Holds `lifeline` until the process exits.
fn keep_alive(lifeline: ChildStdin) {
    LIFELINES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(lifeline);
}

/// The server's configuration file, and its metadata and data directories.
fn write_config(dir: &Path, config: &Path, s3_port: u16, rpc_port: u16) -> Result<(), String> {
    for sub in ["meta", "data"] {
        std::fs::create_dir_all(dir.join(sub))
            .map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    std::fs::write(config, config_toml(dir, s3_port, rpc_port))
        .map_err(|e| format!("writing the Garage config in {}: {e}", dir.display()))
}

/// `$STOWAGE_GARAGE_BIN`, the cached build, or `garage` on `PATH`, whichever is the
/// wanted version first.
pub(crate) fn find_binary() -> Result<PathBuf, String> {
    let mut candidates = Vec::new();
    if let Some(bin) = std::env::var_os("STOWAGE_GARAGE_BIN") {
        candidates.push(PathBuf::from(bin));
    }
    candidates.push(cache_dir().join(format!("garage-{GARAGE_VERSION}/bin/garage")));
    candidates.push(PathBuf::from("garage"));
    for candidate in &candidates {
        if is_wanted_version(candidate) {
            return Ok(candidate.clone());
        }
    }
    let tried: Vec<String> = candidates.iter().map(|c| c.display().to_string()).collect();
    Err(format!(
        "no Garage {GARAGE_VERSION} binary for the server tests (tried {}): {HOW_TO_INSTALL}",
        tried.join(", ")
    ))
}

/// `$STOWAGE_CACHE_DIR`, else `~/.cache/stowage`: where `scripts/garage.sh install` builds.
fn cache_dir() -> PathBuf {
    match std::env::var_os("STOWAGE_CACHE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/stowage"),
    }
}

/// True when `bin --version` names the wanted release (`garage v2.5.0 [...]` from a
/// release build, `garage cargo:2.5.0 [...]` from `cargo install`).
fn is_wanted_version(bin: &Path) -> bool {
    Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|output| {
            String::from_utf8_lossy(&output.stdout)
                .split_whitespace()
                .filter_map(|word| word.rsplit(':').next())
                .any(|version| version.trim_start_matches('v') == GARAGE_VERSION)
        })
}

fn config_toml(dir: &Path, s3_port: u16, rpc_port: u16) -> String {
    let dir = dir.display();
    format!(
        "metadata_dir = \"{dir}/meta\"\n\
         data_dir = \"{dir}/data\"\n\
         db_engine = \"sqlite\"\n\
         replication_factor = 1\n\
         rpc_bind_addr = \"127.0.0.1:{rpc_port}\"\n\
         rpc_public_addr = \"127.0.0.1:{rpc_port}\"\n\
         rpc_secret = \"{}\"\n\
         \n\
         [s3_api]\n\
         s3_region = \"{REGION}\"\n\
         api_bind_addr = \"127.0.0.1:{s3_port}\"\n\
         root_domain = \".s3.garage.localhost\"\n",
        random_hex(32)
    )
}

/// `bytes` random bytes as lowercase hex, from the standard library's seeded hasher.
fn random_hex(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes * 2);
    while out.len() < bytes * 2 {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out.truncate(bytes * 2);
    out
}

/// Runs a `garage` admin command until it succeeds: the node settles its layout first.
fn run_until_ok(bin: &Path, config: &Path, args: &[&str], deadline: Instant) -> Result<(), String> {
    loop {
        let output = Command::new(bin)
            .arg("-c")
            .arg(config)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("running garage {}: {e}", args.join(" ")))?;
        if output.status.success() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "garage {} kept failing: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}
