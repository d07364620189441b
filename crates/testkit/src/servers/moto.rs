//! A private moto server for one test binary, stopped when the binary exits: the S3
//! emulator that enforces conditional writes, which Garage 2.5 does not.
//!
//! moto 5.2 answers 412 to `If-None-Match: *` and `If-Match` on PutObject and
//! CompleteMultipartUpload (not on CopyObject), checks no signature, and keeps everything in
//! memory. It is run one request at a time (see `SERIAL_MOTO`), so that its create-only
//! check and write are atomic, as on AWS. Like [`crate::servers::garage`], it runs under a `sh` watchdog tied to the test binary by a
//! pipe, so it stops when the binary exits, however it exits.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::servers::watchdog::{ServerDir, free_port};

/// The region moto serves by default.
const REGION: &str = "us-east-1";
/// The bucket [`MotoServer::get`] creates.
const BUCKET: &str = "stowage-moto";
/// moto checks no signature; any credentials do.
const CREDENTIALS: (&str, &str) = ("testing", "testing");
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How to get moto, for every message that finds none.
const HOW_TO_INSTALL: &str = "install it with `python3 -m pip install 'moto[server]>=5.2,<6'` \
    (or run `scripts/test.sh`, which installs it and runs every test)";

/// A moto server started by this test binary, with one bucket.
#[derive(Debug)]
pub struct MotoServer {
    /// The S3 endpoint, `http://127.0.0.1:PORT` (path-style addressing).
    pub endpoint: String,
    /// The region to sign for.
    pub region: String,
    /// A bucket the tests may write to.
    pub bucket: String,
    /// The write end of the watchdog's pipe: held for the life of the process, never written.
    _lifeline: ChildStdin,
}

impl MotoServer {
    /// The server for this test binary, started on first use.
    ///
    /// # Panics
    ///
    /// When moto is not installed or fails to start; the message says what to run.
    pub fn get() -> &'static MotoServer {
        static SERVER: OnceLock<MotoServer> = OnceLock::new();
        SERVER.get_or_init(|| Self::start().unwrap_or_else(|problem| panic!("{problem}")))
    }

    /// An S3 backend builder pointed at this server, with conditional writes on.
    #[cfg(feature = "s3")]
    pub fn s3_builder(&self) -> stowage_s3::S3StorageBuilder {
        stowage_s3::S3Storage::builder()
            .endpoint_url(&self.endpoint)
            .force_path_style(true)
            .region(&self.region)
            .credentials(CREDENTIALS.0, CREDENTIALS.1)
            .conditional_writes(true)
    }

    /// Starts a server on a free port of 127.0.0.1 and creates the bucket.
    fn start() -> Result<Self, String> {
        let command = find_command()?;
        let dir = ServerDir::new("moto")?;
        let port = match free_port() {
            Ok(port) => port,
            Err(problem) => {
                dir.remove();
                return Err(problem);
            }
        };
        let port_arg = port.to_string();
        let mut args: Vec<&OsStr> = command[1..]
            .iter()
            .map(|part| OsStr::new(part.as_str()))
            .collect();
        args.extend(["-H", "127.0.0.1", "-p", &port_arg].map(OsStr::new));
        let lifeline = match dir.spawn(OsStr::new(&command[0]), &args, &[]) {
            Ok(lifeline) => lifeline,
            Err(problem) => {
                dir.remove();
                return Err(problem);
            }
        };
        // From here on, an early return drops the lifeline: the server stops, `dir` goes.
        let deadline = Instant::now() + START_TIMEOUT;
        dir.wait_for_port(port, deadline)?;
        create_bucket(port, deadline).map_err(|e| dir.with_log(e))?;
        Ok(Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            region: REGION.to_owned(),
            bucket: BUCKET.to_owned(),
            _lifeline: lifeline,
        })
    }
}

/// Runs moto's own server entry point with werkzeug's server forced single-threaded.
///
/// `moto_server` serves each request on its own thread, and moto checks `If-None-Match: *`
/// and writes without a lock between the two, so two concurrent create-only puts can both
/// succeed there. One request at a time makes the check and the write atomic, as they are
/// on AWS, so the race tests prove what the client does with a store that enforces them.
/// (Single-threaded, werkzeug speaks HTTP/1.0 and closes each connection after its answer,
/// so no idle client holds the server.)
const SERIAL_MOTO: &str = "import sys
import moto.server as server
run_simple = server.run_simple
server.run_simple = lambda *args, **kwargs: run_simple(*args, **{**kwargs, 'threaded': False})
server.main(sys.argv[1:])";

/// `python3` running [`SERIAL_MOTO`], when moto's server module imports.
fn find_command() -> Result<Vec<String>, String> {
    let imports = Command::new("python3")
        .args(["-c", "import moto.server"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if imports {
        return Ok(vec!["python3".into(), "-c".into(), SERIAL_MOTO.into()]);
    }
    Err(format!(
        "no moto server for the conditional-write tests (`python3 -c 'import moto.server'` \
         failed): {HOW_TO_INSTALL}"
    ))
}

/// CreateBucket as a bare, unsigned HTTP request, retried until moto answers 200.
fn create_bucket(port: u16, deadline: Instant) -> Result<(), String> {
    loop {
        let status = put_bucket(port);
        match &status {
            Ok(200) => return Ok(()),
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            Ok(status) => return Err(format!("creating bucket {BUCKET}: HTTP {status}")),
            Err(error) => return Err(format!("creating bucket {BUCKET}: {error}")),
        }
    }
}

/// The HTTP status of one `PUT /BUCKET`.
fn put_bucket(port: u16) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "PUT /{BUCKET} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    response
        .split_whitespace()
        .nth(1)
        .and_then(|status| status.parse().ok())
        .ok_or_else(|| std::io::Error::other("an answer that is not HTTP"))
}
