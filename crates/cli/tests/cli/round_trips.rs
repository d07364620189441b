//! Against Garage: put, get, head, exists, cp, ls, rm, presigned forms, streaming and progress.

use super::*;

/// put (file and stdin), get (stdout and file), head, exists: exit codes 0, 1 and 3.
#[test]
fn put_get_head_exists_round_trip() {
    let g = garage();
    let prefix = g.prefix("roundtrip");
    let dir = tempfile::tempdir().unwrap();
    let data = pattern((5 * MIB + 123) as u64, 1).to_vec();
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
    let piped = pattern((3 * MIB + 7) as u64, 2).to_vec();
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
    let endpoint = stowage_testkit::support::dead_endpoint();
    let out = bare()
        .env("AWS_ACCESS_KEY_ID", &g.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &g.secret_access_key)
        .env("AWS_REGION", &g.region)
        .args(["--endpoint-url", &endpoint, "--path-style"])
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
    std::fs::write(&file, pattern((6 * MIB) as u64, 9)).unwrap();
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
        let part = reqwest::multipart::Part::bytes(pattern(size as u64, size as u32).to_vec())
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
        let block = pattern((MIB) as u64, 42).to_vec();
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
    let data = pattern((12 * MIB + 4321) as u64, 9).to_vec();
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
    let data = pattern((12 * MIB) as u64, 13).to_vec();
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
