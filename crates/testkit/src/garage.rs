//! A private single-node Garage for one test binary, stopped when the binary exits.
//!
//! The server runs under a small `sh` watchdog whose standard input is a pipe from the test
//! binary. The binary never writes to it; when the binary exits, however it exits (a panic,
//! `abort`, SIGKILL), the kernel closes the pipe, the watchdog reads end-of-file, stops the
//! server and deletes its data directory. No server outlives the test binary that started it.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::server::TestServer;

/// The Garage release the tests are written against.
pub const GARAGE_VERSION: &str = "2.5.0";

const REGION: &str = "garage";
const BUCKET: &str = "stowage-test";
const BUCKET2: &str = "stowage-test-2";
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How to get a Garage binary, for every message that finds none.
const HOW_TO_INSTALL: &str = "install it with `scripts/garage.sh install` (or run \
    `scripts/test.sh`, which installs it and runs every test), or set STOWAGE_TEST_S3_* to a \
    running server";

/// Stops the server and removes its directory once standard input reaches end-of-file.
const WATCHDOG: &str = r#"
bin=$1; config=$2; dir=$3
"$bin" -c "$config" server --single-node --default-bucket >"$dir/garage.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$dir/garage.pid"
cat >/dev/null
kill -TERM "$pid" 2>/dev/null
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -rf "$dir"
"#;

/// The write ends of the watchdogs' pipes: held until the process exits, never written.
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
        let dir = fresh_dir()?;
        let result = Self::start_in(&bin, &dir);
        if result.is_err() {
            // Closing the pipe makes a started watchdog stop the server and remove `dir`.
            let started = LIFELINES
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .pop()
                .is_some();
            if !started {
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
        result
    }

    /// The settings tests connect with.
    pub(crate) fn server(self) -> TestServer {
        self.server
    }

    fn start_in(bin: &Path, dir: &Path) -> Result<Self, String> {
        let s3_port = free_port()?;
        let rpc_port = loop {
            let port = free_port()?;
            if port != s3_port {
                break port;
            }
        };
        let access_key_id = format!("GK{}", random_hex(12));
        let secret_access_key = random_hex(32);
        let config = dir.join("garage.toml");
        std::fs::write(&config, config_toml(dir, s3_port, rpc_port))
            .map_err(|e| format!("writing the Garage config in {}: {e}", dir.display()))?;

        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("sh")
            .arg(bin)
            .arg(&config)
            .arg(dir)
            .env("GARAGE_DEFAULT_ACCESS_KEY", &access_key_id)
            .env("GARAGE_DEFAULT_SECRET_KEY", &secret_access_key)
            .env("GARAGE_DEFAULT_BUCKET", BUCKET)
            .env("RUST_LOG", "garage=info,netapp=info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting `sh` to run Garage: {e}"))?;
        let lifeline = watchdog
            .stdin
            .take()
            .ok_or("the watchdog has no standard input")?;
        LIFELINES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(lifeline);

        let deadline = Instant::now() + START_TIMEOUT;
        wait_for_port(dir, s3_port, deadline)?;
        let garage = |args: &[&str]| {
            run_until_ok(bin, &config, args, deadline).map_err(|e| with_log(dir, e))
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
}

/// `$STOWAGE_GARAGE_BIN`, the cached build, or `garage` on `PATH`, whichever is the
/// wanted version first.
fn find_binary() -> Result<PathBuf, String> {
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

fn fresh_dir() -> Result<PathBuf, String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("stowage-garage-{}-{nanos:x}", std::process::id()));
    for sub in ["meta", "data"] {
        std::fs::create_dir_all(dir.join(sub))
            .map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    Ok(dir)
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

/// A port of 127.0.0.1 that was free a moment ago (the kernel picks it).
fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| format!("finding a free port on 127.0.0.1: {e}"))
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

/// Waits until the S3 port accepts connections, failing early if the server died.
fn wait_for_port(dir: &Path, port: u16, deadline: Instant) -> Result<(), String> {
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(_) => return Ok(()),
            Err(error) if error.kind() != ErrorKind::ConnectionRefused => {
                return Err(with_log(dir, format!("connecting to Garage: {error}")));
            }
            Err(_) => {}
        }
        if let Some(pid) = std::fs::read_to_string(dir.join("garage.pid"))
            .ok()
            .and_then(|pid| pid.trim().parse::<u32>().ok())
            && !alive(pid)
        {
            return Err(with_log(dir, "Garage exited during startup".to_owned()));
        }
        if Instant::now() >= deadline {
            return Err(with_log(
                dir,
                format!("Garage's S3 port {port} did not answer within {START_TIMEOUT:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// True when process `pid` exists and is not a zombie.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z")
    })
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

/// `problem` followed by the last lines of the server's log.
fn with_log(dir: &Path, problem: String) -> String {
    let log = std::fs::read_to_string(dir.join("garage.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    let tail = lines[lines.len().saturating_sub(30)..].join("\n");
    format!("{problem}\n---- last lines of the Garage log ----\n{tail}")
}
