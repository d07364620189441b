//! One large file uploaded through real Uppy in headless Chromium to Garage, by the
//! `upload_app` example running as its own process: the wall time, and the service's peak
//! RSS and CPU time, which show it never touches the bytes.
//!
//! Run by `scripts/bench.sh browser`, which builds the example in release mode and passes
//! its path as `UPLOAD_APP_BIN`. `BROWSER_MIB` sets the file size (default 1024). Prints one
//! JSON line: `{"op": "browser upload", "bytes", "secs", "parts", "app_max_rss_kib",
//! "app_cpu_secs"}`.

use std::io::Write as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::Locator;
use fantoccini::wd::TimeoutConfiguration;
use serde_json::json;
use stowage::s3::aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use stowage::{ObjectStorage, S3Path};
use stowage_testkit::TestServer;
use stowage_testkit::browser::Driver;
use stowage_testkit::servers::watchdog::free_port;

const MIB: u64 = 1024 * 1024;

/// Clicks the Dashboard's upload button and waits for Uppy's `complete`.
const UPLOAD: &str = r#"
const done = arguments[arguments.length - 1];
window.uppy.once("complete", (result) => done({
  successful: result.successful.length,
  failed: result.failed.map((file) => String(file.error)),
}));
document.querySelector(".uppy-StatusBar-actionBtn--upload").click();
"#;

/// The example app as a child process, killed when dropped.
struct AppProcess(Child);

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A field of `/proc/PID/status` in KiB (`VmHWM`: the peak resident set).
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the app's status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// User plus system CPU seconds of process `pid` so far.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the app's stat");
    // Fields after the command name, which ends with the last ')'.
    let fields: Vec<&str> = stat[stat.rfind(')').expect("a stat line") + 2..]
        .split(' ')
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // Linux reports CPU time in clock ticks of 1/100 s (USER_HZ).
    ticks / 100.0
}

#[tokio::main]
async fn main() {
    let app_bin = std::env::var("UPLOAD_APP_BIN")
        .expect("UPLOAD_APP_BIN: the upload_app example's binary; run this through scripts/bench.sh browser");
    let mib: u64 = std::env::var("BROWSER_MIB")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1024);
    let server = tokio::task::spawn_blocking(TestServer::get).await.unwrap();
    let storage = server.s3_storage().await;
    let port = free_port().expect("a port for the app");
    let origin = format!("http://127.0.0.1:{port}");
    let rule = CorsRule::builder()
        .allowed_origins(&origin)
        .allowed_methods("GET")
        .allowed_methods("POST")
        .allowed_methods("PUT")
        .allowed_headers("*")
        .expose_headers("ETag")
        .build()
        .unwrap();
    storage
        .client()
        .put_bucket_cors()
        .bucket(&server.bucket)
        .cors_configuration(
            CorsConfiguration::builder()
                .cors_rules(rule)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("Garage takes the CORS rule");

    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("weights.bin");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    let mut block = vec![0u8; MIB as usize];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..mib {
        for byte in &mut block {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
        out.write_all(&block).unwrap();
    }
    out.flush().unwrap();
    drop(out);

    let user = format!("bench-{}", std::process::id());
    let app = AppProcess(
        Command::new(&app_bin)
            .env("UPLOAD_APP_ADDR", format!("127.0.0.1:{port}"))
            .env("UPLOAD_APP_BUCKET", &server.bucket)
            .env("UPLOAD_APP_ENDPOINT", &server.endpoint)
            .env("AWS_REGION", &server.region)
            .env("AWS_ACCESS_KEY_ID", &server.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &server.secret_access_key)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("the upload app starts"),
    );
    let pid = app.0.id();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the upload app never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
    let idle_rss = status_kib(pid, "VmRSS:");

    let browser = Driver::get().open_browser(1000, 900).await;
    browser
        .update_timeouts(TimeoutConfiguration::new(
            Some(Duration::from_secs(3600)),
            Some(Duration::from_secs(60)),
            Some(Duration::ZERO),
        ))
        .await
        .unwrap();
    browser
        .goto(&format!("{origin}/?user={user}"))
        .await
        .unwrap();
    let input = browser
        .wait()
        .for_element(Locator::Css(
            r#"input.uppy-Dashboard-input[name="files[]"]:not([webkitdirectory])"#,
        ))
        .await
        .expect("the Dashboard");
    input.send_keys(file.to_str().unwrap()).await.unwrap();
    browser
        .wait()
        .for_element(Locator::Css(".uppy-StatusBar-actionBtn--upload"))
        .await
        .unwrap();
    let cpu_before = cpu_secs(pid);
    let started = Instant::now();
    let result = browser.execute_async(UPLOAD, vec![]).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    let app_cpu = cpu_secs(pid) - cpu_before;
    assert_eq!(
        result["successful"],
        json!(1),
        "the upload failed: {result}"
    );
    let peak = status_kib(pid, "VmHWM:");
    let _ = browser.close().await;

    let path = S3Path::new(&server.bucket, format!("users/{user}/weights.bin")).unwrap();
    let meta = storage
        .head_object(&path)
        .await
        .expect("the uploaded object");
    assert_eq!(meta.size, mib * MIB);
    let etag = meta.etag.unwrap_or_default();
    let parts: u64 = etag
        .trim_matches('"')
        .rsplit_once('-')
        .and_then(|(_, parts)| parts.parse().ok())
        .unwrap_or(1);
    storage.delete_object(&path).await.unwrap();
    println!(
        "{}",
        json!({
            "op": "browser upload",
            "bytes": mib * MIB,
            "secs": secs,
            "parts": parts,
            "app_idle_rss_kib": idle_rss,
            "app_max_rss_kib": peak,
            "app_cpu_secs": app_cpu,
        })
    );
}
