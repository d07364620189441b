//! Ranges, conditions, attributes, conditional writes, listing options.

use super::*;

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
