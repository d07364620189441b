//! The `stowage` binary against a real Garage server: every subcommand, every exit code,
//! POST policies identical to boto3's and enforced by the server, bounded-memory streaming.
//!
//! The server is the one `STOWAGE_TEST_S3_*` names (`scripts/test.sh` starts one), or a
//! private Garage this binary starts from the cache (`scripts/garage.sh install`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use stowage_testkit::TestServer;

const EXAMPLE_ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const EXAMPLE_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SIGNING_TIME: &str = "2026-01-02T03:04:05Z";
const MIB: usize = 1024 * 1024;

/// The test server (`STOWAGE_TEST_S3_*`, or a private Garage this binary starts), with the
/// ways the CLI tests reach it.
#[derive(Debug, Clone, Copy)]
struct Garage(&'static TestServer);

impl std::ops::Deref for Garage {
    type Target = TestServer;

    fn deref(&self) -> &TestServer {
        self.0
    }
}

fn garage() -> Garage {
    Garage(TestServer::get())
}

impl Garage {
    /// `stowage --endpoint-url E --path-style` with Garage's credentials and region.
    fn cmd(&self) -> Command {
        let mut cmd = bare();
        cmd.env("AWS_ACCESS_KEY_ID", &self.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret_access_key)
            .env("AWS_REGION", &self.region)
            .args(["--endpoint-url", &self.endpoint, "--path-style"]);
        cmd
    }

    /// A fresh `s3://bucket/prefix/` for one test.
    fn prefix(&self, test: &str) -> String {
        format!("s3://{}/{}", self.bucket, unique(test))
    }
}

/// The binary with a clean environment: no host AWS config, profile or credentials.
fn bare() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stowage"));
    isolate(cmd.env_clear());
    cmd
}

fn isolate(cmd: &mut Command) {
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent/stowage-cli-test-home")
        .env("AWS_CONFIG_FILE", "/nonexistent/stowage-cli-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/stowage-cli-test/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TMPDIR", std::env::temp_dir());
}

fn unique(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("cli-tests/{test}-{}-{nanos}/", std::process::id())
}

/// Deterministic, incompressible-looking bytes.
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

// ---------------------------------------------------------------------------------------
// Offline: hash-key, help, presign-post vectors.
// ---------------------------------------------------------------------------------------

/// A `stowage serve` child process, killed when dropped.
struct Served {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `stowage serve` with the example credentials; waits for its endpoint line.
fn serve(args: &[&str]) -> Served {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_stowage"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", EXAMPLE_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET_ACCESS_KEY)
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut endpoint = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut endpoint).unwrap();
    let served = Served {
        child,
        endpoint: endpoint.trim().to_owned(),
    };
    assert!(
        served.endpoint.starts_with("http://127.0.0.1:"),
        "first line: {:?}",
        served.endpoint
    );
    served
}

#[tokio::test]
async fn serve_redeems_forms_and_urls_signed_by_the_cli() {
    let served = serve(&["--bucket", "web", "--allow-origin", "http://page.example"]);
    let client_cmd = || {
        let mut cmd = bare();
        cmd.env("AWS_ACCESS_KEY_ID", EXAMPLE_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET_ACCESS_KEY)
            .env("AWS_REGION", "us-east-1")
            .args(["--endpoint-url", &served.endpoint, "--path-style"]);
        cmd
    };
    let out = client_cmd()
        .args([
            "presign-post",
            "s3://web/dir/a b.txt",
            "--max-bytes",
            "10",
            "--content-type",
            "text/plain",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let form = json_of(&out);
    let post = |file: Vec<u8>| {
        let mut multipart = reqwest::multipart::Form::new();
        for (name, value) in form["fields"].as_object().unwrap() {
            multipart = multipart.text(name.clone(), value.as_str().unwrap().to_owned());
        }
        multipart = multipart.part("file", reqwest::multipart::Part::bytes(file));
        reqwest::Client::new()
            .post(form["url"].as_str().unwrap())
            .header("origin", "http://page.example")
            .multipart(multipart)
            .send()
    };
    let over = post(vec![b'x'; 10 + 16 * 1024 + 1]).await.unwrap();
    assert_eq!(over.status(), 400);
    assert_eq!(over.headers()["access-control-allow-origin"], "*");
    assert!(
        over.text()
            .await
            .unwrap()
            .contains("<Code>EntityTooLarge</Code>")
    );

    let accepted = post(b"hello".to_vec()).await.unwrap();
    assert_eq!(accepted.status(), 204);
    assert_eq!(
        accepted.headers()["access-control-allow-origin"],
        "http://page.example"
    );

    let out = client_cmd()
        .args(["presign-get", "s3://web/dir/a b.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let url = stdout_of(&out).trim().to_owned();
    let download = reqwest::get(&url).await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"hello");

    let missing = client_cmd()
        .args(["presign-get", "s3://web/nothing"])
        .output()
        .unwrap();
    let missing = reqwest::get(stdout_of(&missing).trim()).await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("<Code>NoSuchKey</Code>")
    );
}

#[test]
fn serve_refuses_an_invalid_bucket_name() {
    bare()
        .args(["serve", "--bucket", "Not_A_Bucket"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--bucket"));
}

#[test]
fn hash_key_prints_the_reference_hash() {
    bare()
        .args(["hash-key", ""])
        .assert()
        .code(0)
        .stdout("e3b0c44298fc1c14\n");
    // A key that looks like a flag is still a key.
    let out = bare().args(["hash-key", "-v"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_of(&out).trim().len(), 16);
}

#[test]
fn help_explains_every_flag_and_subcommand() {
    let main_help = bare().arg("--help").output().unwrap();
    assert_eq!(main_help.status.code(), Some(0));
    let text = stdout_of(&main_help);
    for needle in [
        "--endpoint-url",
        "--region",
        "--path-style",
        "--conditional-writes",
        "--no-conditional-writes",
        "us-east-1",
        "Exit codes",
        "5 precondition failed",
        "6 not modified",
        "7 range not satisfiable",
        "presign-post",
        "presign-get",
        "put",
        "get",
        "head",
        "exists",
        "cp",
        "rm",
        "ls",
        "uploads",
        "hash-key",
        "serve",
    ] {
        assert!(
            text.contains(needle),
            "stowage --help lacks {needle}:\n{text}"
        );
    }
    let per_command: &[(&str, &[&str])] = &[
        (
            "presign-post",
            &[
                "S3PATH",
                "--max-bytes",
                "--content-type",
                "--expires-in",
                "--signing-time",
            ],
        ),
        ("presign-get", &["S3PATH", "--expires-in", "--signing-time"]),
        (
            "put",
            &[
                "S3PATH",
                "FILE|-",
                "--content-type",
                "streamed as it arrives",
                "--part-size",
                "--concurrency",
                "--cache-control",
                "--content-disposition",
                "--content-encoding",
                "--content-language",
                "--metadata",
                "NAME=VALUE",
                "--no-clobber",
                "--if-match",
                "exit 5",
                "--sse",
                "AES256",
                "aws:kms",
                "--sse-kms-key-id",
                "--storage-class",
            ],
        ),
        (
            "get",
            &[
                "S3PATH",
                "FILE|-",
                "standard output",
                "--range",
                "FIRST-LAST",
                "FIRST-",
                "-N",
                "exits 2",
                "exits 7",
                "--if-match",
                "--if-none-match",
                "--if-modified-since",
                "--if-unmodified-since",
                "exit 5",
                "exit 6",
            ],
        ),
        (
            "head",
            &[
                "S3PATH",
                "cache_control",
                "content_disposition",
                "content_encoding",
                "content_language",
            ],
        ),
        ("exists", &["S3PATH"]),
        (
            "cp",
            &[
                "SRC",
                "DST",
                "--content-type",
                "--cache-control",
                "--content-disposition",
                "--content-encoding",
                "--content-language",
                "--metadata",
                "replaces ALL",
                "REPLACE",
                "--no-clobber",
                "--if-match",
                "--sse",
                "--sse-kms-key-id",
                "--storage-class",
            ],
        ),
        ("rm", &["S3PATH"]),
        (
            "ls",
            &[
                "S3PREFIX",
                "--delimiter",
                "key order",
                "as soon as the page arrives",
                "--start-after",
                "--limit",
                "--page-size",
            ],
        ),
        (
            "uploads",
            &[
                "ls",
                "abort",
                "neither completed nor aborted",
                "AbortIncompleteMultipartUpload",
                "DaysAfterInitiation",
            ],
        ),
        (
            "uploads ls",
            &[
                "S3PREFIX",
                "one JSON object per line",
                "\"path\"",
                "\"upload_id\"",
                "\"initiated\"",
                "\"age_seconds\"",
                "RFC 3339",
            ],
        ),
        (
            "uploads abort",
            &[
                "S3PREFIX",
                "--older-than",
                "30m, 24h, 7d",
                "0s",
                "[default: 24h]",
                "\"aborted\"",
                "\"failed\"",
                "\"kept\"",
                "unknown age",
                "Exit 4",
            ],
        ),
        ("hash-key", &["KEY"]),
        (
            "serve",
            &[
                "--port",
                "--bucket",
                "--allow-origin",
                "127.0.0.1",
                "Ctrl-C",
                "AWS_ACCESS_KEY_ID",
                "presign-post",
            ],
        ),
    ];
    for (command, needles) in per_command {
        // A nested subcommand is named by its words: `uploads ls`.
        let out = bare()
            .args(command.split(' '))
            .arg("--help")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{command} --help");
        let text = stdout_of(&out);
        // The global flags are explained on every subcommand too.
        for needle in needles.iter().chain(&[
            "--endpoint-url",
            "--region",
            "--path-style",
            "--conditional-writes",
            "--no-conditional-writes",
            "--connect-timeout",
            "--read-timeout",
            "--max-attempts",
        ]) {
            assert!(
                text.contains(needle),
                "stowage {command} --help lacks {needle}:\n{text}"
            );
        }
    }
}

/// `presign-post` with fixed credentials and time prints exactly what boto3's
/// `generate_presigned_post` printed for the same call (same fields, order, policy, signature).
#[test]
fn presign_post_equals_boto3_vectors() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/vectors/post_vectors.json");
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut checked = 0;
    for case in vectors["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let region = case["region"].as_str().unwrap();
        let mut cmd = bare();
        cmd.env("AWS_ACCESS_KEY_ID", case["access_key_id"].as_str().unwrap())
            .env(
                "AWS_SECRET_ACCESS_KEY",
                case["secret_access_key"].as_str().unwrap(),
            );
        if let Some(token) = case["session_token"].as_str() {
            cmd.env("AWS_SESSION_TOKEN", token);
        }
        if let Some(endpoint) = case["endpoint_url"].as_str() {
            cmd.args(["--endpoint-url", endpoint]);
        }
        if case["addressing_style"] == "path" {
            cmd.arg("--path-style");
        }
        // With no region anywhere the tool signs for us-east-1, as the AWS CLI does: the
        // us-east-1 cases exercise that default instead of passing --region.
        if region != "us-east-1" {
            cmd.args(["--region", region]);
        }
        let s3_path = format!(
            "s3://{}/{}",
            case["bucket"].as_str().unwrap(),
            case["key"].as_str().unwrap()
        );
        cmd.args(["presign-post", &s3_path])
            .args(["--max-bytes", &case["max_bytes"].to_string()])
            .args(["--expires-in", &case["expires_in"].to_string()])
            .args(["--signing-time", case["now"].as_str().unwrap()]);
        if let Some(content_type) = case["content_type"].as_str() {
            cmd.args(["--content-type", content_type]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Expected text, built field by field so the order is part of the comparison.
        let fields: Vec<String> = case["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| format!("{}:{}", pair[0], pair[1]))
            .collect();
        let printed_url = json_of(&out)["url"].as_str().unwrap().to_owned();
        let expected_url = case["url"].as_str().unwrap();
        if printed_url != expected_url {
            // The one known difference: for us-east-1 the SDK addresses the regional
            // endpoint (s3.us-east-1.amazonaws.com), botocore the legacy global one; both
            // serve the bucket. The policy and signature do not depend on the URL.
            assert!(
                region == "us-east-1"
                    && case["endpoint_url"].is_null()
                    && printed_url
                        == expected_url
                            .replace(".s3.amazonaws.com", ".s3.us-east-1.amazonaws.com")
                            .replace("//s3.amazonaws.com", "//s3.us-east-1.amazonaws.com"),
                "{name}: url {printed_url} != {expected_url}"
            );
        }
        let expected = format!(
            "{{\"url\":{},\"fields\":{{{}}}}}\n",
            Value::from(printed_url),
            fields.join(",")
        );
        assert_eq!(stdout_of(&out), expected, "{name}");
        checked += 1;
    }
    assert!(checked >= 16, "only {checked} vectors checked");

    // The reference Garage call, spelled out as in the docs.
    let out = bare()
        .env("AWS_ACCESS_KEY_ID", EXAMPLE_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET_ACCESS_KEY)
        .args([
            "--endpoint-url",
            "http://127.0.0.1:3900",
            "--path-style",
            "--region",
            "garage",
        ])
        .args([
            "presign-post",
            "s3://stowage/uploads/scan.nii.gz",
            "--max-bytes",
            "1048576",
        ])
        .args(["--signing-time", SIGNING_TIME])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let post = json_of(&out);
    assert_eq!(post["url"], "http://127.0.0.1:3900/stowage");
    assert_eq!(
        post["fields"]["x-amz-credential"],
        "AKIAIOSFODNN7EXAMPLE/20260102/garage/s3/aws4_request"
    );
}

/// `--signing-time` makes presigned GET URLs reproducible.
#[test]
fn presign_get_with_fixed_time_is_reproducible() {
    let run = || {
        bare()
            .env("AWS_ACCESS_KEY_ID", EXAMPLE_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET_ACCESS_KEY)
            .args([
                "--endpoint-url",
                "http://127.0.0.1:3900",
                "--path-style",
                "--region",
                "garage",
            ])
            .args(["presign-get", "s3://stowage/a/b.txt", "--expires-in", "60"])
            .args(["--signing-time", SIGNING_TIME])
            .output()
            .unwrap()
    };
    let first = run();
    assert_eq!(first.status.code(), Some(0));
    let url = stdout_of(&first);
    assert_eq!(url, stdout_of(&run()));
    assert!(
        url.starts_with("http://127.0.0.1:3900/stowage/a/b.txt?"),
        "{url}"
    );
    assert!(url.contains("X-Amz-Date=20260102T030405Z"), "{url}");
    assert!(url.contains("X-Amz-Expires=60"), "{url}");
}

// ---------------------------------------------------------------------------------------
// Exit code 2: invalid input, with a message naming the rule.
// ---------------------------------------------------------------------------------------

#[test]
fn invalid_input_exits_2_naming_the_rule_without_the_key() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["head", "http://bucket/secret-key-1"],
            "must start with `s3://`",
        ),
        (
            &["get", "s3://Bad_Bucket/secret-key-1"],
            "lowercase letters",
        ),
        (&["exists", "s3://ab/secret-key-1"], "3 to 63 characters"),
        (&["head", "s3://bucket-only"], "needs an object key"),
        (
            &["cp", "s3://bucket/secret-key-1", "s3://bucket"],
            "invalid DST",
        ),
        (
            &["rm", "s3://bucket/secret-key-1", "bucket/secret-key-1"],
            "must start with `s3://`",
        ),
        (&["ls", "s3://192.168.1.1/secret-key-1"], "IPv4"),
        (
            &["ls", "s3://bucket/", "--delimiter", ""],
            "must not be empty",
        ),
        (
            &[
                "presign-post",
                "s3://bucket/secret-key-1",
                "--max-bytes",
                "ten",
            ],
            "--max-bytes",
        ),
        (
            &[
                "presign-post",
                "s3://bucket/secret-key-1",
                "--max-bytes",
                "-1",
            ],
            "--max-bytes",
        ),
        (&["presign-post", "s3://bucket/secret-key-1"], "--max-bytes"),
        (
            &[
                "presign-get",
                "s3://bucket/secret-key-1",
                "--expires-in",
                "1h",
            ],
            "--expires-in",
        ),
        (
            &[
                "presign-get",
                "s3://bucket/secret-key-1",
                "--signing-time",
                "2026-01-02 03:04",
            ],
            "RFC 3339",
        ),
        (
            &[
                "presign-get",
                "s3://bucket/secret-key-1",
                "--expires-in",
                "604801",
            ],
            "invalid argument",
        ),
        (
            &["put", "s3://bucket/secret-key-1", "/nonexistent/file.bin"],
            "readable file",
        ),
        (
            &["get", "s3://bucket/secret-key-1", "--part-size", "1MiB"],
            "--part-size",
        ),
        (
            &["head", "s3://bucket/secret-key-1", "--read-timeout", "0"],
            "--read-timeout",
        ),
        (
            &[
                "head",
                "s3://bucket/secret-key-1",
                "--connect-timeout",
                "soon",
            ],
            "--connect-timeout",
        ),
        (
            &["head", "s3://bucket/secret-key-1", "--max-attempts", "0"],
            "--max-attempts",
        ),
        (
            &[
                "put",
                "s3://bucket/secret-key-1",
                "-",
                "--part-size",
                "6GiB",
            ],
            "--part-size",
        ),
        (
            &["get", "s3://bucket/secret-key-1", "--part-size", "lots"],
            "--part-size",
        ),
        (
            &[
                "cp",
                "s3://bucket/secret-key-1",
                "s3://bucket/k",
                "--concurrency",
                "0",
            ],
            "--concurrency",
        ),
        (
            &[
                "get",
                "s3://bucket/secret-key-1",
                "/nonexistent/dir/out.bin",
            ],
            "writable directory",
        ),
        (&["no-such-command"], "unrecognized subcommand"),
        // get --range: malformed ranges, before any request.
        (
            &["get", "s3://bucket/secret-key-1", "--range", "5-3"],
            "ends before it starts",
        ),
        (
            &["get", "s3://bucket/secret-key-1", "--range", "-0"],
            "selects no byte",
        ),
        (
            &["get", "s3://bucket/secret-key-1", "--range", "abc"],
            "FIRST-LAST, FIRST- or -N",
        ),
        (
            &["get", "s3://bucket/secret-key-1", "--range", "1-x"],
            "not a byte offset",
        ),
        (
            &["get", "s3://bucket/secret-key-1", "--range", "0-1,5-6"],
            "only one range",
        ),
        (
            &["get", "s3://bucket/secret-key-1", "--range", ""],
            "the range is empty",
        ),
        (
            &["get", "s3://bucket/secret-key-1", "--if-match", "a b"],
            "visible ASCII",
        ),
        (
            &[
                "get",
                "s3://bucket/secret-key-1",
                "--if-modified-since",
                "yesterday",
            ],
            "RFC 3339",
        ),
        // put / cp: conditions, attributes, encryption.
        (
            &[
                "put",
                "s3://bucket/secret-key-1",
                "/etc/hostname",
                "--no-clobber",
                "--if-match",
                "abc",
            ],
            "cannot be used with",
        ),
        (
            &[
                "put",
                "s3://bucket/secret-key-1",
                "/etc/hostname",
                "--if-match",
                "*",
            ],
            "not `*`",
        ),
        (
            &[
                "put",
                "s3://bucket/secret-key-1",
                "/etc/hostname",
                "--metadata",
                "novalue",
            ],
            "NAME=VALUE",
        ),
        (
            &[
                "put",
                "s3://bucket/secret-key-1",
                "/etc/hostname",
                "--metadata",
                "bad name=x",
            ],
            "HTTP token",
        ),
        (
            &[
                "put",
                "s3://bucket/secret-key-1",
                "/etc/hostname",
                "--metadata",
                "Owner=a",
                "--metadata",
                "owner=b",
            ],
            "given twice",
        ),
        (
            &[
                "put",
                "s3://bucket/secret-key-1",
                "/etc/hostname",
                "--cache-control",
                "a\nb",
            ],
            "control characters",
        ),
        (
            &[
                "put",
                "s3://bucket/secret-key-1",
                "/etc/hostname",
                "--sse",
                "rot13",
            ],
            "possible values: AES256, aws:kms",
        ),
        (
            &[
                "put",
                "s3://bucket/secret-key-1",
                "/etc/hostname",
                "--sse",
                "AES256",
                "--sse-kms-key-id",
                "alias/k",
            ],
            "needs --sse aws:kms",
        ),
        (
            &[
                "cp",
                "s3://bucket/secret-key-1",
                "s3://bucket/secret-key-2",
                "--sse-kms-key-id",
                "alias/k",
            ],
            "needs --sse aws:kms",
        ),
        (
            &[
                "cp",
                "s3://bucket/secret-key-1",
                "s3://bucket/secret-key-2",
                "--storage-class",
                "",
            ],
            "storage class",
        ),
        // ls: limit and page size.
        (&["ls", "s3://bucket/", "--limit", "0"], "at least 1"),
        (
            &["ls", "s3://bucket/", "--page-size", "1001"],
            "1 to 1000 entries",
        ),
        (
            &["ls", "s3://bucket/", "--page-size", "0"],
            "1 to 1000 entries",
        ),
    ];
    for (args, rule) in cases {
        let out = bare()
            .env("AWS_ACCESS_KEY_ID", EXAMPLE_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET_ACCESS_KEY)
            // Nothing listens here: invalid input must be rejected before any request.
            .args(["--endpoint-url", "http://127.0.0.1:9", "--path-style"])
            .args(*args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(rule),
            "{args:?}: {stderr:?} does not name {rule:?}"
        );
        if !args.iter().any(|a| a.starts_with("--")) && args[0] != "no-such-command" {
            assert!(
                !stderr.contains("secret-key-1"),
                "{args:?} leaked the key: {stderr}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Against Garage.
// ---------------------------------------------------------------------------------------

/// put (file and stdin), get (stdout and file), head, exists: exit codes 0, 1 and 3.
#[test]
fn put_get_head_exists_round_trip() {
    let g = garage();
    let prefix = g.prefix("roundtrip");
    let dir = tempfile::tempdir().unwrap();
    let data = pseudo_random(5 * MIB + 123, 1);
    let file = dir.path().join("in.bin");
    std::fs::write(&file, &data).unwrap();

    // put from a file, with a Content-Type.
    let object = format!("{prefix}dir/data file #1?.bin");
    g.cmd()
        .args(["put", &object])
        .arg(&file)
        .args(["--content-type", "application/x-test"])
        .assert()
        .code(0)
        .stdout("")
        .stderr(""); // stderr is not a terminal: no progress bar

    // get to stdout: every byte, nothing else.
    let out = g.cmd().args(["get", &object]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout.len(), data.len());
    assert!(
        out.stdout == data,
        "get to stdout differs from what was put"
    );
    // `-` is stdout too.
    let out = g.cmd().args(["get", &object, "-"]).output().unwrap();
    assert!(out.stdout == data);

    // get to a file.
    let downloaded = dir.path().join("out.bin");
    g.cmd()
        .args(["get", &object])
        .arg(&downloaded)
        .assert()
        .code(0)
        .stdout("");
    assert!(std::fs::read(&downloaded).unwrap() == data);
    // No temporary file left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".stowage-download-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // head: JSON with size, etag, last_modified, content_type, metadata.
    let out = g.cmd().args(["head", &object]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let head = json_of(&out);
    assert_eq!(head["size"], data.len() as u64);
    assert_eq!(head["content_type"], "application/x-test");
    assert!(head["etag"].as_str().unwrap().starts_with('"'), "{head}");
    assert_eq!(head["metadata"], serde_json::json!({}));
    let modified = head["last_modified"].as_str().unwrap();
    assert!(
        modified.ends_with('Z') && modified.len() == 20,
        "{modified}"
    );

    // put from stdin.
    let piped = pseudo_random(3 * MIB + 7, 2);
    let stdin_object = format!("{prefix}from-stdin");
    g.cmd()
        .args(["put", &stdin_object, "-"])
        .write_stdin(piped.clone())
        .assert()
        .code(0);
    let out = g.cmd().args(["get", &stdin_object]).output().unwrap();
    assert!(out.stdout == piped, "put from stdin round trip differs");
    // An empty stdin makes an empty object.
    let empty = format!("{prefix}empty");
    g.cmd()
        .args(["put", &empty, "-"])
        .write_stdin("")
        .assert()
        .code(0);
    let out = g.cmd().args(["head", &empty]).output().unwrap();
    assert_eq!(json_of(&out)["size"], 0);

    // exists: true / exit 0, false / exit 1.
    g.cmd()
        .args(["exists", &object])
        .assert()
        .code(0)
        .stdout("true\n");
    let missing = format!("{prefix}missing-secret-name");
    g.cmd()
        .args(["exists", &missing])
        .assert()
        .code(1)
        .stdout("false\n");

    // Not found: exit 3, key named by its hash only.
    for command in ["get", "head"] {
        let out = g.cmd().args([command, &missing]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{command}: {stderr}");
        assert!(stderr.contains("not found"), "{stderr}");
        assert!(!stderr.contains("missing-secret-name"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    // A missing bucket is "not found" too.
    g.cmd()
        .args(["get", "s3://stowage-no-such-bucket/k"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("does not exist"));
    // A failed download to a file leaves no file.
    let never = dir.path().join("never.bin");
    g.cmd().args(["get", &missing]).arg(&never).assert().code(3);
    assert!(!never.exists());
}

/// cp across buckets, ls with and without delimiter (every page), rm with its report.
#[test]
fn cp_ls_rm() {
    let g = garage();
    let prefix = g.prefix("cp-ls-rm");
    let mut objects = Vec::new();
    for name in ["a.txt", "b/1.txt", "b/2.txt", "c/d/3.txt"] {
        let path = format!("{prefix}{name}");
        g.cmd()
            .args(["put", &path, "-", "--content-type", "text/plain"])
            .write_stdin(format!("content of {name}"))
            .assert()
            .code(0);
        objects.push(path);
    }

    // ls: every object, in key order, one s3:// path per line.
    let out = g.cmd().args(["ls", &prefix]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout_of(&out),
        objects.iter().map(|o| format!("{o}\n")).collect::<String>()
    );

    // ls --delimiter: objects first, then the common prefixes.
    let out = g
        .cmd()
        .args(["ls", &prefix, "--delimiter", "/"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_of(&out),
        format!("{prefix}a.txt\n{prefix}b/\n{prefix}c/\n"),
    );

    // cp to the second bucket keeps body and Content-Type.
    let copy = format!("s3://{}/{}copy.txt", g.bucket2, unique("cp"));
    g.cmd()
        .args(["cp", &objects[0], &copy])
        .assert()
        .code(0)
        .stdout("");
    g.cmd()
        .args(["get", &copy])
        .assert()
        .code(0)
        .stdout("content of a.txt");
    let out = g.cmd().args(["head", &copy]).output().unwrap();
    assert_eq!(json_of(&out)["content_type"], "text/plain");
    // cp from a missing object: exit 3.
    g.cmd()
        .args(["cp", &format!("{prefix}nope"), &copy])
        .assert()
        .code(3);

    // rm: one batch, missing keys count as deleted, every path reported.
    let mut to_delete = objects.clone();
    to_delete.push(copy.clone());
    to_delete.push(format!("{prefix}never-existed"));
    let out = g.cmd().arg("rm").args(&to_delete).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&out);
    let mut deleted: Vec<String> = report["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    deleted.sort();
    let mut expected = to_delete.clone();
    expected.sort();
    assert_eq!(deleted, expected);
    assert_eq!(report["failed"], serde_json::json!([]));
    g.cmd().args(["ls", &prefix]).assert().code(0).stdout("");
    g.cmd().args(["exists", &copy]).assert().code(1);

    // ls of a missing bucket: exit 3.
    g.cmd()
        .args(["ls", "s3://stowage-no-such-bucket/"])
        .assert()
        .code(3);
}

/// `ls` reads every page: more than 1000 keys are all listed.
#[test]
fn ls_lists_past_one_page() {
    let g = garage();
    let prefix = g.prefix("ls-pages");
    // Create the keys by server-side copies of one small object, in parallel batches.
    let seed = format!("{prefix}seed");
    g.cmd()
        .args(["put", &seed, "-"])
        .write_stdin("x")
        .assert()
        .code(0);
    let total = 1005;
    let mut children = Vec::new();
    for i in 0..total {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_stowage"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_CONFIG_FILE", "/nonexistent/config")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ACCESS_KEY_ID", &g.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &g.secret_access_key)
            .env("AWS_REGION", &g.region)
            .args(["--endpoint-url", &g.endpoint, "--path-style", "cp", &seed])
            .arg(format!("{prefix}k/{i:05}"))
            .stdout(Stdio::null());
        children.push(cmd.spawn().unwrap());
        if children.len() == 16 {
            for mut child in children.drain(..) {
                assert!(child.wait().unwrap().success());
            }
        }
    }
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let out = g
        .cmd()
        .args(["ls", &format!("{prefix}k/")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<String> = stdout_of(&out).lines().map(str::to_owned).collect();
    let expected: Vec<String> = (0..total).map(|i| format!("{prefix}k/{i:05}")).collect();
    assert_eq!(lines, expected);

    // Clean up with one rm of more than 1000 paths (several DeleteObjects requests).
    let out = g
        .cmd()
        .arg("rm")
        .args(&expected)
        .arg(&seed)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        json_of(&out)["deleted"].as_array().unwrap().len(),
        total + 1
    );
    g.cmd().args(["ls", &prefix]).assert().code(0).stdout("");
}

/// A partial batch failure reports each path and exits 4.
#[test]
fn rm_partial_failure_exits_4_with_report() {
    let g = garage();
    let prefix = g.prefix("rm-partial");
    let good = format!("{prefix}good");
    g.cmd()
        .args(["put", &good, "-"])
        .write_stdin("x")
        .assert()
        .code(0);
    let bad = "s3://stowage-no-such-bucket/secret-name".to_owned();
    let out = g.cmd().args(["rm", &good, &bad]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("1 of 2"), "{stderr}");
    let report = json_of(&out);
    assert_eq!(report["deleted"], serde_json::json!([good]));
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["path"], bad);
    assert!(!failed[0]["code"].as_str().unwrap().is_empty());
    assert!(
        !failed[0]["message"]
            .as_str()
            .unwrap()
            .contains("secret-name")
    );
}

/// Wrong credentials and an unreachable endpoint exit 4 without leaking key or secret.
#[test]
fn access_denied_and_unreachable_exit_4() {
    let g = garage();
    let prefix = g.prefix("failures");
    let object = format!("{prefix}secret-name.txt");
    g.cmd()
        .args(["put", &object, "-"])
        .write_stdin("x")
        .assert()
        .code(0);

    let wrong_secret = "WRONGwrongWRONGwrongWRONGwrong0123456789";
    for args in [
        vec!["head", object.as_str()],
        vec!["get", object.as_str()],
        vec!["exists", object.as_str()],
        vec!["ls", prefix.as_str()],
    ] {
        let out = g
            .cmd()
            .env("AWS_SECRET_ACCESS_KEY", wrong_secret)
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {stderr}");
        assert!(!stderr.contains("secret-name"), "{stderr}");
        assert!(!stderr.contains(wrong_secret), "{stderr}");
        assert!(!stderr.contains(&g.access_key_id), "{stderr}");
    }

    // Nothing listens on a port we just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = bare()
        .env("AWS_ACCESS_KEY_ID", &g.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &g.secret_access_key)
        .env("AWS_REGION", &g.region)
        .args([
            "--endpoint-url",
            &format!("http://127.0.0.1:{port}"),
            "--path-style",
        ])
        .args(["exists", &object])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("unreachable"), "{stderr}");
    assert!(!stderr.contains("secret-name"), "{stderr}");
}

/// Every subcommand at `-vvv`, successes and failures: stderr carries the operations' events,
/// naming the key by its hash, and never the key, the secret, a signature, a credential
/// scope, a presigned URL or a policy. With no `-v`, a clamped TTL still warns.
#[test]
fn verbose_logs_name_keys_only_by_hash() {
    let g = garage();
    let prefix = g.prefix("verbose-logs");
    let object = format!("{prefix}secret-name.bin");
    let copy = format!("{prefix}secret-copy.bin");
    let missing = format!("{prefix}secret-missing.bin");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.bin");
    std::fs::write(&file, pseudo_random(6 * MIB, 9)).unwrap();
    let file = file.to_str().unwrap();
    let downloaded = dir.path().join("out.bin");
    let downloaded = downloaded.to_str().unwrap();

    let runs: Vec<(Vec<&str>, i32)> = vec![
        (vec!["--part-size", "5MiB", "put", &object, file], 0),
        (vec!["head", &object], 0),
        (vec!["exists", &object], 0),
        (vec!["--part-size", "5MiB", "get", &object, downloaded], 0),
        (vec!["get", &object, "--range", "0-99"], 0),
        (vec!["cp", &object, &copy], 0),
        (vec!["ls", &prefix], 0),
        (vec!["presign-get", &object], 0),
        (
            vec![
                "presign-post",
                &object,
                "--max-bytes",
                "10",
                "--expires-in",
                "3600",
            ],
            0,
        ),
        (vec!["rm", &object, &copy], 0),
        (vec!["head", &missing], 3),
        (vec!["get", &missing], 3),
        (vec!["exists", &missing], 1),
    ];
    let mut stderr = String::new();
    let mut stdout = String::new();
    for (args, code) in &runs {
        let out = g.cmd().arg("-vvv").args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {err}");
        stderr.push_str(&err);
        stdout.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    for path in [&object, &copy, &missing] {
        let hash = stowage_core::S3Path::parse(path).unwrap().key_hash();
        assert!(
            stderr.contains(&format!("key_hash={hash}")),
            "the events name {hash}:\n{stderr}"
        );
    }
    assert!(stderr.contains("DEBUG"), "{stderr}");
    let post: Value = stdout
        .lines()
        .find_map(|line| {
            serde_json::from_str::<Value>(line)
                .ok()
                .filter(|v| v.get("fields").is_some())
        })
        .unwrap_or_else(|| panic!("presign-post printed its form: {stdout}"));
    let policy = post["fields"]["policy"].as_str().unwrap();
    let url = stdout
        .lines()
        .find(|line| line.contains("X-Amz-Signature"))
        .unwrap_or_else(|| panic!("presign-get printed its URL: {stdout}"));
    let key_part = prefix
        .trim_start_matches("s3://")
        .split_once('/')
        .unwrap()
        .1;
    for forbidden in [
        key_part,
        "secret-name",
        g.secret_access_key.as_str(),
        "X-Amz-Signature",
        "Signature=",
        "Credential=",
        "x-amz-credential",
        policy,
        url,
    ] {
        assert!(
            !stderr.contains(forbidden),
            "stderr holds {forbidden:?}:\n{stderr}"
        );
    }

    // No -v: the clamped TTL still warns, naming the key by its hash only.
    let out = g
        .cmd()
        .args([
            "presign-post",
            &copy,
            "--max-bytes",
            "10",
            "--expires-in",
            "3600",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("WARN") && err.contains("clamped"), "{err}");
    assert!(!err.contains("secret-copy"), "{err}");
}

/// A policy printed by the CLI, posted as a browser would, is accepted at the cap and
/// rejected one byte above it.
#[tokio::test]
async fn presign_post_policy_is_enforced_by_garage() {
    let g = garage();
    let prefix = g.prefix("post");
    let object = format!("{prefix}upload.bin");
    let max_bytes: usize = 1000;
    let out = g
        .cmd()
        .args([
            "presign-post",
            &object,
            "--max-bytes",
            &max_bytes.to_string(),
        ])
        .args([
            "--content-type",
            "application/octet-stream",
            "--expires-in",
            "120",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let post = json_of(&out);
    let url = post["url"].as_str().unwrap().to_owned();
    let fields: Vec<(String, String)> = {
        // Keep the printed order: read the fields in the order they appear in the text.
        let text = stdout_of(&out);
        let mut pairs: Vec<(usize, String, String)> = post["fields"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let at = text.find(&format!("{}:", Value::from(k.as_str()))).unwrap();
                (at, k.clone(), v.as_str().unwrap().to_owned())
            })
            .collect();
        pairs.sort();
        pairs.into_iter().map(|(_, k, v)| (k, v)).collect()
    };
    assert_eq!(fields[0].0, "Content-Type");

    let client = reqwest::Client::new();
    let submit = |size: usize| {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in &fields {
            form = form.text(name.clone(), value.clone());
        }
        let part = reqwest::multipart::Part::bytes(pseudo_random(size, size as u64))
            .file_name("upload.bin");
        client.post(&url).multipart(form.part("file", part)).send()
    };
    let cap = max_bytes + 16 * 1024;
    let accepted = submit(cap).await.unwrap();
    assert!(accepted.status().is_success(), "{:?}", accepted.status());
    let out = g.cmd().args(["head", &object]).output().unwrap();
    assert_eq!(json_of(&out)["size"], cap as u64);
    assert_eq!(json_of(&out)["content_type"], "application/octet-stream");

    g.cmd().args(["rm", &object]).assert().code(0);
    let rejected = submit(cap + 1).await.unwrap();
    assert!(
        rejected.status().is_client_error(),
        "{:?}",
        rejected.status()
    );
    g.cmd().args(["exists", &object]).assert().code(1);
}

/// A 256 MiB put and get through the binary keep the process's peak RSS far below the
/// object size: both directions stream.
#[test]
fn large_put_and_get_stream_with_bounded_memory() {
    const SIZE: usize = 256 * MIB;
    // Parts of 8 MiB, 4 in flight: a transfer holds at most part size x concurrency above
    // what the process holds anyway (a `head`'s peak), with 16 MiB of slack for buffers.
    const PART_MIB: u64 = 8;
    const CONCURRENCY: u64 = 4;
    const ABOVE_BASELINE_LIMIT_KIB: u64 = (PART_MIB * CONCURRENCY + 16) * 1024;
    let g = garage();
    let object = format!("{}big.bin", g.prefix("large"));
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("big.bin");
    {
        let block = pseudo_random(MIB, 42);
        let mut file = std::io::BufWriter::new(std::fs::File::create(&source).unwrap());
        for i in 0..SIZE / MIB {
            // Every MiB differs, so a misplaced chunk is caught.
            file.write_all(&(i as u64).to_le_bytes()).unwrap();
            file.write_all(&block[8..]).unwrap();
        }
        file.flush().unwrap();
    }
    let run = |args: &[&std::ffi::OsStr]| -> u64 {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_stowage"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_CONFIG_FILE", "/nonexistent/config")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ACCESS_KEY_ID", &g.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &g.secret_access_key)
            .env("AWS_REGION", &g.region)
            .args(["--endpoint-url", &g.endpoint, "--path-style"])
            .args(["--part-size", "8MiB", "--concurrency", "4"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let status_path = PathBuf::from(format!("/proc/{}/status", child.id()));
        let mut peak_kib = 0;
        loop {
            // VmHWM is the high-water mark so far; the last reading before exit is the peak.
            if let Ok(status) = std::fs::read_to_string(&status_path)
                && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
            {
                let kib: u64 = line
                    .split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                peak_kib = peak_kib.max(kib);
            }
            if let Some(status) = child.try_wait().unwrap() {
                let mut stderr = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut stderr)
                    .unwrap();
                assert!(status.success(), "{args:?}: {stderr}");
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(peak_kib > 0, "could not read VmHWM");
        peak_kib
    };
    let put_peak = run(&["put".as_ref(), object.as_ref(), source.as_os_str()]);
    let target = dir.path().join("big.out");
    let get_peak = run(&["get".as_ref(), object.as_ref(), target.as_os_str()]);
    let baseline = run(&["head".as_ref(), object.as_ref()]);
    eprintln!("peak RSS: put {put_peak} KiB, get {get_peak} KiB, head {baseline} KiB");
    for (what, peak) in [("put", put_peak), ("get", get_peak)] {
        assert!(
            peak.saturating_sub(baseline) < ABOVE_BASELINE_LIMIT_KIB,
            "{what} peaked at {peak} KiB, {baseline} KiB for a head"
        );
    }

    // 32 parts of 8 MiB: S3's multipart ETag.
    let head = json_of(&g.cmd().args(["head", &object]).output().unwrap());
    let etag = head["etag"].as_str().expect("an ETag");
    assert!(etag.ends_with("-32\""), "uploaded in 32 parts: {etag}");

    // Same bytes, compared a MiB at a time.
    let mut a = std::fs::File::open(&source).unwrap();
    let mut b = std::fs::File::open(&target).unwrap();
    assert_eq!(b.metadata().unwrap().len(), SIZE as u64);
    let (mut x, mut y) = (vec![0; MIB], vec![0; MIB]);
    for _ in 0..SIZE / MIB {
        a.read_exact(&mut x).unwrap();
        b.read_exact(&mut y).unwrap();
        assert!(x == y, "downloaded bytes differ");
    }
    g.cmd().args(["rm", &object]).assert().code(0);
}

/// `put -` streams standard input as it arrives, with no temporary file (TMPDIR points
/// nowhere): up to one part it is one PutObject, beyond it a multipart upload; `get` reads a
/// large object as ranged GETs and writes every byte in order.
#[test]
fn stdin_streams_in_parts_without_spooling_and_get_reads_in_ranges() {
    let g = garage();
    let prefix = g.prefix("stdin-parts");
    let data = pseudo_random(12 * MIB + 4321, 9);
    let object = format!("{prefix}large-from-stdin");
    g.cmd()
        .env("TMPDIR", "/nonexistent/no-spooling-here")
        .args([
            "--part-size",
            "5MiB",
            "--concurrency",
            "2",
            "put",
            &object,
            "-",
        ])
        .write_stdin(data.clone())
        .assert()
        .code(0);
    let head = json_of(&g.cmd().args(["head", &object]).output().unwrap());
    assert_eq!(head["size"].as_u64(), Some(data.len() as u64));
    let etag = head["etag"].as_str().expect("an ETag").to_owned();
    assert!(etag.ends_with("-3\""), "three parts of 5 MiB: {etag}");

    let small = format!("{prefix}small-from-stdin");
    g.cmd()
        .env("TMPDIR", "/nonexistent/no-spooling-here")
        .args(["--part-size", "5MiB", "put", &small, "-"])
        .write_stdin(&data[..1000])
        .assert()
        .code(0);
    let head = json_of(&g.cmd().args(["head", &small]).output().unwrap());
    let plain = head["etag"].as_str().expect("an ETag");
    assert!(!plain.contains('-'), "one PutObject: {plain}");

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("back.bin");
    g.cmd()
        .args(["--part-size", "5MiB", "--concurrency", "3", "get", &object])
        .arg(&target)
        .assert()
        .code(0);
    assert!(
        std::fs::read(&target).unwrap() == data,
        "ranged download differs"
    );
    let out = g
        .cmd()
        .args(["--part-size", "5MiB", "get", &object])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout == data, "ranged download to stdout differs");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().count() == 1,
        "no partial file is left beside the download"
    );
    g.cmd().args(["rm", &object, &small]).assert().code(0);
}

/// On a terminal, `put` and `get` draw a progress bar with the transfer's total on stderr
/// (run under a pseudo-terminal by util-linux's `script`); piped, they print nothing (see
/// `put_get_head_exists_round_trip`).
#[test]
fn put_and_get_draw_a_progress_bar_on_a_terminal() {
    let g = garage();
    let prefix = g.prefix("progress");
    let dir = tempfile::tempdir().unwrap();
    let data = pseudo_random(12 * MIB, 13);
    let source = dir.path().join("in.bin");
    std::fs::write(&source, &data).unwrap();
    let target = dir.path().join("back.bin");
    let object = format!("{prefix}progress.bin");
    for step in [
        vec!["put", &object, source.to_str().unwrap()],
        vec!["get", &object, target.to_str().unwrap()],
    ] {
        let mut line = vec![
            env!("CARGO_BIN_EXE_stowage"),
            "--endpoint-url",
            &g.endpoint,
            "--path-style",
            "--part-size",
            "5MiB",
        ];
        line.extend(step.iter().copied());
        let quoted: Vec<String> = line
            .iter()
            .map(|arg| format!("'{}'", arg.replace('\'', r"'\''")))
            .collect();
        let mut terminal = Command::new("script");
        isolate(&mut terminal);
        let out = terminal
            .env("AWS_ACCESS_KEY_ID", &g.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &g.secret_access_key)
            .env("AWS_REGION", &g.region)
            .env("COLUMNS", "120")
            .args([
                "--quiet",
                "--return",
                "--command",
                &quoted.join(" "),
                "/dev/null",
            ])
            .output()
            .expect("util-linux's script (Debian's bsdutils) runs the CLI on a pseudo-terminal");
        let screen = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{} failed: {screen}", step[0]);
        assert!(
            screen.contains("12.00 MiB"),
            "{} drew no progress bar with the total on a terminal: {screen:?}",
            step[0]
        );
    }
    assert!(std::fs::read(&target).unwrap() == data, "download differs");
    g.cmd().args(["rm", &object]).assert().code(0);
}

// ---------------------------------------------------------------------------------------
// Ranges, conditions, attributes, conditional writes, listing options.
// ---------------------------------------------------------------------------------------

/// `head`'s `last_modified` shifted by `seconds`, as RFC 3339.
fn shifted(last_modified: &str, seconds: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    let instant = time::OffsetDateTime::parse(last_modified, &Rfc3339).unwrap();
    (instant + time::Duration::seconds(seconds))
        .format(&Rfc3339)
        .unwrap()
}

/// get --range in every form, and the 416 case (exit 7).
#[test]
fn get_range_variants() {
    let g = garage();
    let object = format!("{}secret-name.txt", g.prefix("range"));
    g.cmd()
        .args(["put", &object, "-"])
        .write_stdin("0123456789")
        .assert()
        .code(0);
    for (range, expected) in [
        ("2-5", "2345"),
        ("0-0", "0"),
        ("7-", "789"),
        ("-3", "789"),
        ("8-100", "89"),
        ("-100", "0123456789"),
        ("bytes=1-2", "12"),
    ] {
        let out = g
            .cmd()
            .args(["get", &object, "--range", range])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{range}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout_of(&out), expected, "--range {range}");
    }
    // To a file too.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slice.txt");
    g.cmd()
        .args(["get", &object])
        .arg(&file)
        .args(["--range", "3-4"])
        .assert()
        .code(0);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "34");

    // Starting at or past the end: 416, exit 7, nothing written, the key named by hash.
    for range in ["10-", "10-20"] {
        let never = dir.path().join("never.txt");
        let out = g
            .cmd()
            .args(["get", &object])
            .arg(&never)
            .args(["--range", range])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(7), "{range}: {stderr}");
        assert!(stderr.contains("not satisfiable"), "{stderr}");
        assert!(!stderr.contains("secret-name"), "{stderr}");
        assert!(!never.exists());
        assert!(out.stdout.is_empty());
    }
    g.cmd().args(["rm", &object]).assert().code(0);
}

/// get --if-none-match / --if-match / --if-modified-since / --if-unmodified-since: exit 6
/// for not modified (nothing printed or written), exit 5 for a failed precondition.
#[test]
fn get_conditions() {
    let g = garage();
    let object = format!("{}secret-name.txt", g.prefix("conditions"));
    g.cmd()
        .args(["put", &object, "-"])
        .write_stdin("hello")
        .assert()
        .code(0);
    let head = json_of(&g.cmd().args(["head", &object]).output().unwrap());
    let etag = head["etag"].as_str().unwrap().to_owned();
    assert_eq!(etag, "\"5d41402abc4b2a76b9719d911017c592\"");
    let modified = head["last_modified"].as_str().unwrap().to_owned();
    let other = "\"00000000000000000000000000000000\"";
    let bare = etag.trim_matches('"');

    // Not modified: exit 6, nothing on stdout or stderr, no file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.txt");
    for etag in [etag.as_str(), bare, "*"] {
        g.cmd()
            .args(["get", &object, "--if-none-match", etag])
            .assert()
            .code(6)
            .stdout("")
            .stderr("");
    }
    g.cmd()
        .args(["get", &object])
        .arg(&file)
        .args(["--if-none-match", &etag])
        .assert()
        .code(6);
    assert!(!file.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    g.cmd()
        .args([
            "get",
            &object,
            "--if-modified-since",
            &shifted(&modified, 3600),
        ])
        .assert()
        .code(6)
        .stdout("");

    // Changed since: the body.
    for args in [
        ["--if-none-match", other],
        ["--if-match", etag.as_str()],
        ["--if-match", bare],
        ["--if-modified-since", &shifted(&modified, -3600)],
        ["--if-unmodified-since", &shifted(&modified, 3600)],
    ] {
        g.cmd()
            .args(["get", &object])
            .args(args)
            .assert()
            .code(0)
            .stdout("hello");
    }

    // Precondition failed: exit 5, nothing printed, the key named by hash.
    for args in [
        ["--if-match", other],
        ["--if-unmodified-since", &shifted(&modified, -3600)],
    ] {
        let out = g.cmd().args(["get", &object]).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {stderr}");
        assert!(stderr.contains("precondition failed"), "{stderr}");
        assert!(!stderr.contains("secret-name"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    // Range and condition together.
    g.cmd()
        .args(["get", &object, "--range", "1-2", "--if-match", &etag])
        .assert()
        .code(0)
        .stdout("el");
    g.cmd().args(["rm", &object]).assert().code(0);
}

/// put with every attribute flag, head shows them; cp keeps them; cp with any attribute
/// flag replaces all of them.
#[test]
fn attributes_round_trip_through_put_head_and_cp() {
    let g = garage();
    let prefix = g.prefix("attributes");
    let source = format!("{prefix}source.csv");
    g.cmd()
        .args(["put", &source, "-"])
        .args(["--content-type", "text/csv"])
        .args(["--cache-control", "max-age=3600"])
        .args([
            "--content-disposition",
            "attachment; filename=\"report.csv\"",
        ])
        .args(["--content-encoding", "identity"])
        .args(["--content-language", "en"])
        .args(["--metadata", "Owner=imaging-team"])
        .args(["--metadata", "stage=raw=1"])
        .write_stdin("a,b\n1,2\n")
        .assert()
        .code(0)
        .stdout("");
    let expected = serde_json::json!({
        "content_type": "text/csv",
        "cache_control": "max-age=3600",
        "content_disposition": "attachment; filename=\"report.csv\"",
        "content_encoding": "identity",
        "content_language": "en",
        "metadata": {"owner": "imaging-team", "stage": "raw=1"},
    });
    let attributes = |path: &str| {
        let head = json_of(&g.cmd().args(["head", path]).output().unwrap());
        let mut picked = serde_json::Map::new();
        for name in [
            "content_type",
            "cache_control",
            "content_disposition",
            "content_encoding",
            "content_language",
            "metadata",
        ] {
            assert!(head.get(name).is_some(), "head lacks {name}: {head}");
            picked.insert(name.to_owned(), head[name].clone());
        }
        Value::Object(picked)
    };
    assert_eq!(attributes(&source), expected);

    // cp without attribute flags keeps every attribute and the metadata.
    let kept = format!("{prefix}kept.csv");
    g.cmd().args(["cp", &source, &kept]).assert().code(0);
    assert_eq!(attributes(&kept), expected);

    // cp with one attribute flag replaces all of them: the others are gone.
    let replaced = format!("{prefix}replaced.csv");
    g.cmd()
        .args(["cp", &source, &replaced, "--cache-control", "no-store"])
        .assert()
        .code(0);
    let after = attributes(&replaced);
    assert_eq!(after["cache_control"], "no-store");
    for gone in [
        "content_disposition",
        "content_encoding",
        "content_language",
    ] {
        assert_eq!(after[gone], Value::Null, "{gone}: {after}");
    }
    assert_ne!(after["content_type"], "text/csv", "{after}");
    assert_eq!(after["metadata"], serde_json::json!({}));

    // --metadata alone replaces the metadata and drops the attributes.
    let relabelled = format!("{prefix}relabelled.csv");
    g.cmd()
        .args(["cp", &source, &relabelled])
        .args(["--content-type", "text/plain", "--metadata", "owner=ops"])
        .assert()
        .code(0);
    let after = attributes(&relabelled);
    assert_eq!(after["content_type"], "text/plain");
    assert_eq!(after["cache_control"], Value::Null);
    assert_eq!(after["metadata"], serde_json::json!({"owner": "ops"}));
    // The body travels unchanged.
    g.cmd()
        .args(["get", &relabelled])
        .assert()
        .code(0)
        .stdout("a,b\n1,2\n");
    g.cmd()
        .args(["rm", &source, &kept, &replaced, &relabelled])
        .assert()
        .code(0);
}

/// Garage does not enforce conditional writes, so by default (custom endpoint) a
/// conditional put or cp fails as unsupported (exit 4) and overwrites nothing;
/// --conditional-writes reaches the backend.
#[test]
fn conditional_writes_fail_as_unsupported_without_store_support() {
    let g = garage();
    let prefix = g.prefix("no-clobber");
    let object = format!("{prefix}secret-name.txt");
    let source = format!("{prefix}source.txt");
    for (path, body) in [(&object, "original"), (&source, "replacement")] {
        g.cmd()
            .args(["put", path, "-"])
            .write_stdin(body)
            .assert()
            .code(0);
    }
    let etag = json_of(&g.cmd().args(["head", &object]).output().unwrap())["etag"]
        .as_str()
        .unwrap()
        .to_owned();
    let attempts: Vec<Vec<&str>> = vec![
        vec!["put", &object, "-", "--no-clobber"],
        vec!["put", &object, "-", "--if-match", &etag],
        vec!["cp", &source, &object, "--no-clobber"],
        vec!["cp", &source, &object, "--if-match", &etag],
        // The last of the two flags wins.
        vec![
            "--conditional-writes",
            "--no-conditional-writes",
            "put",
            &object,
            "-",
            "--no-clobber",
        ],
    ];
    for args in &attempts {
        let out = g
            .cmd()
            .args(args)
            .write_stdin("overwritten!")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {stderr}");
        assert!(stderr.contains("not supported"), "{stderr}");
        assert!(stderr.contains("--conditional-writes"), "{stderr}");
        assert!(stderr.contains("nothing was written"), "{stderr}");
        assert!(!stderr.contains("secret-name"), "{stderr}");
        g.cmd()
            .args(["get", &object])
            .assert()
            .code(0)
            .stdout("original");
    }

    // With --conditional-writes the condition reaches the backend: a create-only put of a
    // new key succeeds (what Garage does with an existing key is its own bug, not tested).
    let fresh = format!("{prefix}fresh.txt");
    g.cmd()
        .args(["--conditional-writes", "put", &fresh, "-", "--no-clobber"])
        .write_stdin("new")
        .assert()
        .code(0);
    g.cmd().args(["get", &fresh]).assert().code(0).stdout("new");
    g.cmd()
        .args(["rm", &object, &source, &fresh])
        .assert()
        .code(0);
}

/// ls --start-after, --limit, --page-size, and common prefixes in key order whatever the
/// page size.
#[test]
fn ls_start_after_limit_and_page_size() {
    let g = garage();
    let prefix = g.prefix("ls-options");
    let names = ["a", "b", "c/1", "c/2", "d", "e/1", "f"];
    for name in names {
        g.cmd()
            .args(["put", &format!("{prefix}{name}"), "-"])
            .write_stdin(name)
            .assert()
            .code(0);
    }
    // --start-after takes a whole key, not an s3:// path.
    let root = format!("s3://{}/", g.bucket);
    let key = |name: &str| format!("{}{name}", prefix.strip_prefix(&root).unwrap());
    let lines =
        |names: &[&str]| -> String { names.iter().map(|n| format!("{prefix}{n}\n")).collect() };
    let ls = |extra: &[&str]| -> String {
        let out = g.cmd().args(["ls", &prefix]).args(extra).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{extra:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout_of(&out)
    };
    assert_eq!(ls(&[]), lines(&names));
    for size in ["1", "2", "3", "1000"] {
        assert_eq!(
            ls(&["--page-size", size]),
            lines(&names),
            "page size {size}"
        );
        // Common prefixes come in key order among the objects, whatever the page size.
        assert_eq!(
            ls(&["--page-size", size, "--delimiter", "/"]),
            lines(&["a", "b", "c/", "d", "e/", "f"]),
            "page size {size}"
        );
    }
    let start = key("c/1");
    assert_eq!(
        ls(&["--start-after", &start]),
        lines(&["c/2", "d", "e/1", "f"])
    );
    assert_eq!(
        ls(&["--start-after", &key("b"), "--delimiter", "/"]),
        lines(&["c/", "d", "e/", "f"])
    );
    assert_eq!(ls(&["--limit", "2"]), lines(&["a", "b"]));
    assert_eq!(ls(&["--limit", "100"]), lines(&names));
    for size in ["1", "2", "3"] {
        assert_eq!(
            ls(&["--limit", "3", "--page-size", size]),
            lines(&["a", "b", "c/1"]),
            "page size {size}"
        );
        assert_eq!(
            ls(&["--limit", "4", "--page-size", size, "--delimiter", "/"]),
            lines(&["a", "b", "c/", "d"]),
            "page size {size}"
        );
    }
    assert_eq!(
        ls(&[
            "--start-after",
            &key("b"),
            "--limit",
            "2",
            "--page-size",
            "1"
        ]),
        lines(&["c/1", "c/2"])
    );
    let all: Vec<String> = names.iter().map(|n| format!("{prefix}{n}")).collect();
    g.cmd().arg("rm").args(&all).assert().code(0);
}

/// `ls` prints its first line before the last page is read.
///
/// 2,500 keys, pages of 1,000, lines of about 120 bytes: page one alone (~120 KB) is more
/// than a pipe (64 KiB on Linux) plus the test's read buffer (8 KiB) hold, so a streaming
/// `ls` is still blocked writing page one when the test has read the first line, and has
/// not asked for page two. A key written at that moment, sorting after every other, must
/// then appear in the output: it can only if the last page was requested after the first
/// line was printed. An `ls` that read every page before printing could never list it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ls_prints_its_first_line_before_the_last_page_is_read() {
    use std::io::BufRead;

    use futures::{StreamExt, TryStreamExt};
    use stowage_core::{ObjectStorage, PutOptions, S3Path};

    const KEYS: usize = 2500;
    let g = garage();
    let prefix = g.prefix("ls-stream");
    let storage = g.s3_storage().await;
    let padding = "p".repeat(48);
    let mut paths: Vec<S3Path> = (0..KEYS)
        .map(|i| S3Path::parse(&format!("{prefix}k/{i:05}-{padding}")).unwrap())
        .collect();
    futures::stream::iter(&paths)
        .map(|path| storage.put_object(path, "x".into(), PutOptions::new()))
        .buffer_unordered(32)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let line_bytes = paths[0].as_str().len() + 1;
    assert!(
        line_bytes * 1000 > 64 * 1024 + 8 * 1024 + 4096,
        "lines of {line_bytes} bytes are too short to fill the pipe"
    );

    let ls = || {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stowage"));
        child
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_CONFIG_FILE", "/nonexistent/config")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ACCESS_KEY_ID", &g.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &g.secret_access_key)
            .env("AWS_REGION", &g.region)
            .args(["--endpoint-url", &g.endpoint, "--path-style"])
            .args(["ls", &format!("{prefix}k/"), "--page-size", "1000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        child.spawn().unwrap()
    };
    let mut child = ls();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first.trim_end(), paths[0].as_str());
    // The listing is not over: the child is still running (blocked on page one's output).
    assert!(
        child.try_wait().unwrap().is_none(),
        "ls exited before its first line was read"
    );

    // A key written now, after the first line was read, sorting after every other.
    let late = S3Path::parse(&format!("{prefix}k/99999-late")).unwrap();
    storage
        .put_object(&late, "x".into(), PutOptions::new())
        .await
        .unwrap();

    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{stderr}");
    paths.push(late);
    let expected: String = paths.iter().skip(1).map(|p| format!("{p}\n")).collect();
    assert!(
        rest == expected,
        "ls did not list the late key, or lost another: {} lines after the first, {} expected",
        rest.lines().count(),
        paths.len() - 1
    );

    // A reader that goes away (`ls | head -1`) stops the listing quietly: exit 0, no error.
    let mut child = ls();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    assert_eq!(stderr, "");

    let report = storage.delete_objects(&paths).await.unwrap();
    assert!(report.is_success());
}

/// A server that accepts the connection and never answers fails the command within the
/// read timeout (exit 4, a timeout), once per attempt allowed, instead of hanging it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_out_per_attempt() {
    use stowage_testkit::fault_proxy::{Fault, FaultProxy, FaultRule, RequestMatch};

    let g = garage();
    let upstream = g
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .expect("the server's address");
    let proxy = FaultProxy::start(upstream).await.expect("the proxy starts");
    let heads = RequestMatch::method("HEAD");
    proxy.inject(
        FaultRule::new(Fault::NeverAnswer)
            .matching(heads.clone())
            .times(2),
    );
    let object = format!("{}never-answered", g.prefix("timeouts"));
    let endpoint = proxy.endpoint_url();
    let run = move |attempts: &'static str| {
        let mut cmd = bare();
        cmd.env("AWS_ACCESS_KEY_ID", &g.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &g.secret_access_key)
            .env("AWS_REGION", &g.region)
            .args(["--endpoint-url", &endpoint, "--path-style"])
            .args(["--read-timeout", "0.5", "--max-attempts", attempts])
            .args(["head", &object]);
        cmd
    };
    let mut first = run("2");
    let out = tokio::task::spawn_blocking(move || first.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("timeout"), "{stderr}");
    assert_eq!(proxy.requests_seen(&heads), 2, "one request per attempt");

    // The rule is used up: the next head reaches the server, which has no such object.
    let mut second = run("1");
    let out = tokio::task::spawn_blocking(move || second.output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------------
// Pending multipart uploads: `uploads ls` and `uploads abort`.
// ---------------------------------------------------------------------------------------

/// The lines of `uploads ls`, each parsed as one JSON object.
fn upload_lines(output: &std::process::Output) -> Vec<Value> {
    stdout_of(output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}

/// The `(path, upload_id)` of each upload printed, sorted.
fn paths_and_ids(uploads: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = uploads
        .as_array()
        .expect("a list of uploads")
        .iter()
        .map(|upload| {
            (
                upload["path"].as_str().unwrap().to_owned(),
                upload["upload_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

/// Starts a multipart upload at each `s3://` path, sending no part; returns
/// `(path, upload_id)` of each, sorted.
async fn start_uploads(
    storage: &dyn stowage_core::ObjectStorage,
    paths: &[String],
) -> Vec<(String, String)> {
    let mut started = Vec::new();
    for path in paths {
        let id = storage
            .create_multipart_upload(
                &stowage_core::S3Path::parse(path).unwrap(),
                &stowage_core::PutOptions::new(),
            )
            .await
            .unwrap();
        started.push((path.clone(), id.as_str().to_owned()));
    }
    started.sort();
    started
}

/// The uploads still pending under `prefix`, asked of the store directly (not the CLI):
/// `(path, upload_id)`, sorted.
async fn pending(storage: &dyn stowage_core::ObjectStorage, prefix: &str) -> Vec<(String, String)> {
    let prefix = stowage_core::S3Path::parse(prefix).unwrap();
    let mut pairs: Vec<(String, String)> = storage
        .list_multipart_uploads(&prefix)
        .await
        .unwrap()
        .into_iter()
        .map(|upload| (upload.path.to_string(), upload.id.as_str().to_owned()))
        .collect();
    pairs.sort();
    pairs
}

/// `uploads ls` lists the uploads under its prefix and nothing else, each with its id,
/// start and age; `uploads abort` keeps them at the default 24h, and aborts them with
/// `--older-than 0s` (and only those under its prefix).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_ls_lists_pending_uploads_and_abort_ages_them_out() {
    use stowage_core::ObjectStorage;
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    let g = garage();
    let storage = g.s3_storage().await;
    let prefix = g.prefix("uploads");
    let inside = format!("{prefix}in/");
    let outside = format!("{prefix}out/");
    let before = SystemTime::now();
    let started_inside = start_uploads(
        &storage,
        &[
            format!("{inside}secret-a.bin"),
            format!("{inside}secret-b.bin"),
        ],
    )
    .await;
    let started_outside = start_uploads(&storage, &[format!("{outside}secret-c.bin")]).await;

    // `ls`: the two under in/, one JSON object per line, with start and age.
    let out = g.cmd().args(["uploads", "ls", &inside]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let listed = upload_lines(&out);
    assert_eq!(paths_and_ids(&Value::from(listed.clone())), started_inside);
    let listed_at = SystemTime::now();
    for upload in &listed {
        let initiated = upload["initiated"].as_str().expect("Garage dates uploads");
        let initiated = SystemTime::from(OffsetDateTime::parse(initiated, &Rfc3339).unwrap());
        let slack = Duration::from_secs(5);
        assert!(
            initiated + slack >= before && initiated <= listed_at + slack,
            "{upload}"
        );
        let age = upload["age_seconds"].as_u64().expect("a whole number");
        let elapsed = listed_at.duration_since(before).unwrap().as_secs();
        assert!(
            age <= elapsed + 5,
            "age {age}s, {elapsed}s elapsed: {upload}"
        );
    }
    // The whole test prefix holds the outside one too.
    let out = g.cmd().args(["uploads", "ls", &prefix]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mut everything = started_inside.clone();
    everything.extend(started_outside.clone());
    everything.sort();
    assert_eq!(paths_and_ids(&Value::from(upload_lines(&out))), everything);

    // `abort` at the default 24h: fresh uploads are kept, and still listed afterwards.
    let out = g
        .cmd()
        .args(["uploads", "abort", &inside])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report = json_of(&out);
    assert_eq!(report["aborted"], serde_json::json!([]));
    assert_eq!(report["failed"], serde_json::json!([]));
    assert_eq!(paths_and_ids(&report["kept"]), started_inside);
    let out = g.cmd().args(["uploads", "ls", &inside]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        paths_and_ids(&Value::from(upload_lines(&out))),
        started_inside
    );
    assert_eq!(pending(&storage, &inside).await, started_inside);

    // `abort --older-than 0s`: both aborted, nothing left under in/.
    let out = g
        .cmd()
        .args(["uploads", "abort", &inside, "--older-than", "0s"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report = json_of(&out);
    assert_eq!(paths_and_ids(&report["aborted"]), started_inside);
    assert_eq!(report["failed"], serde_json::json!([]));
    assert_eq!(report["kept"], serde_json::json!([]));
    let out = g.cmd().args(["uploads", "ls", &inside]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_of(&out), "");
    assert_eq!(pending(&storage, &inside).await, []);
    // The upload outside the prefix was left alone.
    assert_eq!(pending(&storage, &prefix).await, started_outside);

    for (path, id) in &started_outside {
        storage
            .abort_multipart_upload(
                &stowage_core::S3Path::parse(path).unwrap(),
                &stowage_core::transfer::UploadId::new(id.clone()),
            )
            .await
            .unwrap();
    }
}

/// An abort that fails is reported upload by upload: the others are still aborted, the
/// failed one is listed with its code and a message without its key, stderr counts the
/// failures and names keys by hash only (at -vvv), and the exit code is 4.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_abort_reports_failures_upload_by_upload_and_exits_4() {
    use stowage_testkit::fault_proxy::{Fault, FaultProxy, FaultRule, RequestMatch};

    let g = garage();
    let storage = g.s3_storage().await;
    let prefix = g.prefix("uploads-failed");
    let doomed = format!("{prefix}secret-aborts.bin");
    let refused = format!("{prefix}secret-refused.bin");
    let started = start_uploads(&storage, &[doomed.clone(), refused.clone()]).await;

    let upstream = g
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .expect("the server's address");
    let proxy = FaultProxy::start(upstream).await.expect("the proxy starts");
    // AbortMultipartUpload of one key answers 500 InternalError.
    let refused_abort = RequestMatch::method("DELETE")
        .path_contains("secret-refused.bin")
        .query_contains("uploadId");
    proxy.inject(FaultRule::new(Fault::InternalError).matching(refused_abort.clone()));

    let mut cmd = bare();
    cmd.env("AWS_ACCESS_KEY_ID", &g.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &g.secret_access_key)
        .env("AWS_REGION", &g.region)
        .args(["--endpoint-url", &proxy.endpoint_url(), "--path-style"])
        .args(["-vvv", "--max-attempts", "1"])
        .args(["uploads", "abort", &prefix, "--older-than", "0s"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("1 of 2"), "{stderr}");
    assert_eq!(proxy.requests_seen(&refused_abort), 1);
    // The failed abort's event names the key by its hash: never a key, nor an upload id.
    let hash = stowage_core::S3Path::parse(&refused).unwrap().key_hash();
    assert!(
        stderr.contains(&format!("key_hash={hash}")),
        "the events name {hash}:\n{stderr}"
    );
    let key_part = prefix
        .trim_start_matches("s3://")
        .split_once('/')
        .unwrap()
        .1;
    for forbidden in [key_part, "secret-"]
        .into_iter()
        .chain(started.iter().map(|(_, id)| id.as_str()))
    {
        assert!(
            !stderr.contains(forbidden),
            "stderr holds {forbidden:?}:\n{stderr}"
        );
    }

    let report = json_of(&out);
    let (doomed_pair, refused_pair): (Vec<_>, Vec<_>) =
        started.into_iter().partition(|(path, _)| *path == doomed);
    assert_eq!(paths_and_ids(&report["aborted"]), doomed_pair);
    assert_eq!(paths_and_ids(&report["failed"]), refused_pair);
    assert_eq!(report["kept"], serde_json::json!([]));
    let failure = &report["failed"][0];
    assert_eq!(failure["code"], "InternalError");
    let message = failure["message"].as_str().unwrap();
    assert!(
        !message.is_empty() && !message.contains("secret-"),
        "{message}"
    );

    // The refused upload is still pending; a retry without the fault aborts it.
    assert_eq!(pending(&storage, &prefix).await, refused_pair);
    let mut retry = g.cmd();
    retry.args(["uploads", "abort", &prefix, "--older-than", "0s"]);
    let out = tokio::task::spawn_blocking(move || retry.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(paths_and_ids(&json_of(&out)["aborted"]), refused_pair);
    assert_eq!(pending(&storage, &prefix).await, []);
}

/// A malformed `--older-than` or prefix exits 2 with the rule, before any request (the
/// endpoint does not answer), and without the key.
#[test]
fn uploads_refuse_a_malformed_age_or_prefix_before_any_request() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = |args: &[&str]| {
        let mut cmd = bare();
        cmd.env("AWS_ACCESS_KEY_ID", EXAMPLE_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET_ACCESS_KEY)
            .env("AWS_REGION", "us-east-1")
            .args([
                "--endpoint-url",
                &format!("http://127.0.0.1:{port}"),
                "--path-style",
            ])
            .args(args);
        cmd.output().unwrap()
    };
    for bad in ["24x", "", "h", "24", "yesterday", "-1h"] {
        let older_than = format!("--older-than={bad}");
        let out = run(&[
            "uploads",
            "abort",
            "s3://bucket/secret-prefix/",
            &older_than,
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {stderr}");
        assert!(stderr.contains("--older-than"), "{bad:?}: {stderr}");
        assert!(
            stderr.contains("e.g. 30m, 24h, 7d or 0s"),
            "{bad:?}: {stderr}"
        );
        assert_eq!(stdout_of(&out), "", "{bad:?}");
    }
    for command in ["ls", "abort"] {
        let out = run(&["uploads", command, "s3://Bad_Bucket/secret-prefix/"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(stderr.contains("invalid S3PREFIX"), "{command}: {stderr}");
        assert!(stderr.contains("lowercase letters"), "{command}: {stderr}");
        assert!(!stderr.contains("secret-prefix"), "{command}: {stderr}");
    }
}
