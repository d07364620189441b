//! Real clients against `stowage serve`: boto3, the AWS CLI and rclone, each a child process
//! with nothing but the four variables `stowage serve` prints (and a private HOME: no host
//! AWS or rclone configuration leaks in). Each puts, gets, lists, copies, uploads 20 MiB in
//! 5 MiB parts, deletes, and is refused with a wrong secret (nothing stored) and, where it
//! presigns, with an expired URL. Then the test checks the bucket with a signed request of its
//! own (`stowage ls`).
//!
//! A missing client fails the test (never a skip): `scripts/test.sh` installs all three.
//!
//! Where a client copes with an answer that S3 would not give, the step is recorded as a
//! difference, every other step still runs, and the test fails at the end listing them.

use std::collections::BTreeMap;
use std::process::Output;
use std::time::Instant;

use super::offline::{Served, serve_with};
use super::*;

const BIG: usize = 20 * MIB;

/// S3's message for a request signed with a wrong secret (403 SignatureDoesNotMatch).
const S3_SIGNATURE_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your key and signing method.";

/// Fails the test, saying how to install the client, unless `program args` runs and succeeds.
fn require(program: &str, args: &[&str], install: &str) -> String {
    let found = std::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output();
    match found {
        Ok(out) if out.status.success() => {
            let version = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            version.lines().next().unwrap_or_default().trim().to_owned()
        }
        Ok(out) => panic!(
            "`{program} {}` failed ({}): {}\nInstall it with `{install}` (scripts/test.sh does).",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(error) => panic!(
            "`{program}` could not be run ({error}).\nInstall it with `{install}` (scripts/test.sh does)."
        ),
    }
}

/// `stowage serve --bucket BUCKET` with a fresh random key pair.
fn serve_bucket(bucket: &str) -> Served {
    serve_with(&[], &["--bucket", bucket])
}

/// `program` with a clean environment: PATH, HOME in `home`, AWS config and credential files
/// that do not exist, and the variables `served` printed.
fn client(program: &str, served: &Served, home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TMPDIR", std::env::temp_dir())
        .envs(&served.variables)
        .stdin(Stdio::null());
    cmd
}

/// Runs `cmd`, echoing what it ran and printed (shown when the test fails, or with
/// `--nocapture`).
fn run(cmd: &mut std::process::Command) -> Output {
    let shown = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let started = Instant::now();
    let out = cmd
        .output()
        .unwrap_or_else(|error| panic!("`{shown}` could not be run: {error}"));
    println!(
        "$ {shown}\n  -> {} in {:.1?}",
        out.status,
        started.elapsed()
    );
    for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(text);
        if !text.trim().is_empty() {
            println!("  {name}:\n{}", text.trim_end());
        }
    }
    out
}

/// Runs `cmd` and fails the test unless it exits 0.
fn succeed(cmd: &mut std::process::Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{:?} failed ({}):\n{}",
        cmd.get_args().collect::<Vec<_>>(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `stowage --endpoint-url E --path-style` with the served key pair and region.
fn stowage(served: &Served) -> Command {
    let mut cmd = bare();
    cmd.envs(&served.variables)
        .args(["--endpoint-url", &served.endpoint, "--path-style"]);
    cmd
}

/// The keys under `s3://BUCKET/`, listed with `stowage ls` (a signed request of this test's
/// own).
fn stored_keys(served: &Served, bucket: &str) -> Vec<String> {
    let out = stowage(served)
        .arg("ls")
        .arg(format!("s3://{bucket}/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let prefix = format!("s3://{bucket}/");
    stdout_of(&out)
        .lines()
        .map(|line| line.strip_prefix(&prefix).unwrap_or(line).to_owned())
        .collect()
}

/// What a test found the server answering differently from S3; fails the test at the end.
#[derive(Default)]
struct Differences(Vec<String>);

impl Differences {
    fn check(&mut self, same: bool, what: impl Into<String>) {
        if !same {
            let what = what.into();
            println!("DIFFERS FROM S3: {what}");
            self.0.push(what);
        }
    }

    fn assert_none(self, client: &str) {
        assert!(
            self.0.is_empty(),
            "{client}: every step ran, but the server answered {} thing(s) differently from S3:\n  - {}",
            self.0.len(),
            self.0.join("\n  - ")
        );
    }
}

#[test]
fn boto3_round_trips_and_is_refused_a_wrong_secret_and_an_expired_url() {
    let started = Instant::now();
    let version = require(
        "python3",
        &["-c", "import boto3; print('boto3', boto3.__version__)"],
        "python3 -m pip install boto3",
    );
    println!("{version}");
    let bucket = "boto3-bucket";
    let served = serve_bucket(bucket);
    let home = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/boto3_round_trip.py");

    let out = run(client("python3", &served, home.path())
        .arg(&script)
        .arg(bucket)
        .arg(home.path()));
    println!("boto3 script: {:.1?}", started.elapsed());
    // Exit 3: every step ran, but the server answered something differently from S3.
    assert!(
        out.status.success() || out.status.code() == Some(3),
        "{} failed ({}):\n{}",
        script.display(),
        out.status,
        stderr_of(&out)
    );

    // The script leaves kept.txt and nothing else: the deletes and the refused put held.
    assert_eq!(stored_keys(&served, bucket), ["kept.txt"]);
    assert!(
        out.status.success(),
        "{} ({}):\n{}",
        script.display(),
        out.status,
        stderr_of(&out)
    );
    assert!(stdout_of(&out).contains("boto3: all steps passed"));
    println!("boto3 test: {:.1?}", started.elapsed());
}

#[tokio::test]
async fn aws_cli_round_trips_and_is_refused_a_wrong_secret_and_an_expired_url() {
    let started = Instant::now();
    let version = require(
        "aws",
        &["--version"],
        "python3 -m pip install 'awscli>=1.36'",
    );
    println!("{version}");
    let bucket = "aws-cli-bucket";
    let served = serve_bucket(bucket);
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let mut differences = Differences::default();

    // 5 MB parts; SigV4 presigned URLs (the AWS CLI v1 presigns with SigV2 unless told).
    let config = dir.join("aws-config");
    std::fs::write(
        &config,
        "[default]\ns3 =\n    multipart_threshold = 5MB\n    multipart_chunksize = 5MB\n    \
         addressing_style = path\n    signature_version = s3v4\n",
    )
    .unwrap();
    let aws = || {
        let mut cmd = client("aws", &served, dir);
        cmd.env("AWS_CONFIG_FILE", &config)
            .args(["--endpoint-url", &served.endpoint]);
        cmd
    };
    let s3 = |key: &str| format!("s3://{bucket}/{key}");

    let small = b"hello from the aws cli\n".to_vec();
    let big = pattern(BIG as u64, 7).to_vec();
    std::fs::write(dir.join("small.txt"), &small).unwrap();
    std::fs::write(dir.join("big.bin"), &big).unwrap();

    // Uploads: one small PutObject, one 20 MiB multipart upload (4 parts of 5 MiB, CRC32 each).
    succeed(
        aws()
            .args(["s3", "cp", "--no-progress"])
            .arg(dir.join("small.txt"))
            .arg(s3("dir/small.txt")),
    );
    succeed(
        aws()
            .args(["s3", "cp", "--no-progress"])
            .arg(dir.join("big.bin"))
            .arg(s3("dir/big.bin")),
    );
    let head = json_of(&succeed(aws().args([
        "s3api",
        "head-object",
        "--bucket",
        bucket,
        "--key",
        "dir/big.bin",
    ])));
    assert_eq!(head["ContentLength"], BIG, "{head}");
    let etag = head["ETag"].as_str().unwrap();
    assert!(etag.ends_with("-4\""), "not the ETag of 4 parts: {etag}");

    // Listings: `s3 ls` (ListObjectsV2, ListBuckets) and `s3api list-objects` (V1).
    let listed = stdout_of(&succeed(aws().args(["s3", "ls", &s3("dir/")])));
    assert!(
        listed.contains(&format!(" {BIG} big.bin"))
            && listed.contains(&format!(" {} small.txt", small.len())),
        "{listed}"
    );
    let listed = stdout_of(&succeed(aws().args(["s3", "ls", &s3("")])));
    assert_eq!(listed.trim(), "PRE dir/");
    let listed = stdout_of(&succeed(aws().args(["s3", "ls"])));
    assert!(listed.trim().ends_with(&format!(" {bucket}")), "{listed}");
    let v1 = json_of(&succeed(aws().args([
        "s3api",
        "list-objects",
        "--bucket",
        bucket,
        "--prefix",
        "dir/",
        "--delimiter",
        "/",
    ])));
    let keys: Vec<&str> = v1["Contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["Key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["dir/big.bin", "dir/small.txt"], "{v1}");
    assert_eq!(v1["Contents"][1]["Size"], small.len(), "{v1}");

    // Copies: CopyObject through s3api, a 20 MiB copy in 4 UploadPartCopy, a move.
    let copied = json_of(&succeed(aws().args([
        "s3api",
        "copy-object",
        "--bucket",
        bucket,
        "--key",
        "dir/copy.txt",
        "--copy-source",
        &format!("{bucket}/dir/small.txt"),
    ])));
    let small_etag = json_of(&succeed(aws().args([
        "s3api",
        "head-object",
        "--bucket",
        bucket,
        "--key",
        "dir/small.txt",
    ])))["ETag"]
        .clone();
    assert_eq!(copied["CopyObjectResult"]["ETag"], small_etag, "{copied}");
    succeed(aws().args([
        "s3",
        "cp",
        "--no-progress",
        &s3("dir/big.bin"),
        &s3("big-copy.bin"),
    ]));
    let head = json_of(&succeed(aws().args([
        "s3api",
        "head-object",
        "--bucket",
        bucket,
        "--key",
        "big-copy.bin",
    ])));
    assert!(
        head["ETag"].as_str().unwrap().ends_with("-4\""),
        "not a multipart copy: {head}"
    );
    succeed(aws().args([
        "s3",
        "mv",
        "--no-progress",
        &s3("dir/copy.txt"),
        &s3("moved.txt"),
    ]));

    // Downloads: a file (ranged GETs of 5 MiB) and standard output.
    succeed(
        aws()
            .args(["s3", "cp", "--no-progress", &s3("big-copy.bin")])
            .arg(dir.join("down.bin")),
    );
    assert!(
        std::fs::read(dir.join("down.bin")).unwrap() == big,
        "big-copy.bin came back different"
    );
    let out = succeed(aws().args(["s3", "cp", "--no-progress", &s3("moved.txt"), "-"]));
    assert_eq!(out.stdout, small);
    assert_eq!(
        stored_keys(&served, bucket),
        ["big-copy.bin", "dir/big.bin", "dir/small.txt", "moved.txt"]
    );

    // Deletes: one object, then a prefix.
    succeed(aws().args(["s3", "rm", &s3("moved.txt")]));
    succeed(aws().args(["s3", "rm", &s3("dir/"), "--recursive"]));
    assert_eq!(stored_keys(&served, bucket), ["big-copy.bin"]);
    succeed(aws().args(["s3", "rm", &s3("big-copy.bin")]));

    // A wrong secret: refused with SignatureDoesNotMatch, nothing stored.
    let wrong_secret = served.variables["AWS_SECRET_ACCESS_KEY"].clone() + "-wrong";
    let refused = run(aws()
        .env("AWS_SECRET_ACCESS_KEY", &wrong_secret)
        .args(["s3", "cp", "--no-progress"])
        .arg(dir.join("small.txt"))
        .arg(s3("forged.txt")));
    assert!(!refused.status.success(), "the forged upload succeeded");
    let stderr = stderr_of(&refused);
    assert!(stderr.contains("SignatureDoesNotMatch"), "{stderr}");
    differences.check(
        stderr.contains(S3_SIGNATURE_MESSAGE),
        format!(
            "PUT /{bucket}/forged.txt signed with a wrong secret: S3 answers 403 with \
             <Message>{S3_SIGNATURE_MESSAGE}</Message>, the server's error has no Message, \
             so the AWS CLI prints: {}",
            stderr.trim()
        ),
    );
    let refused =
        run(aws()
            .env("AWS_SECRET_ACCESS_KEY", &wrong_secret)
            .args(["s3", "ls", &s3("")]));
    assert!(!refused.status.success(), "the forged listing succeeded");
    assert!(stderr_of(&refused).contains("SignatureDoesNotMatch"));
    assert_eq!(stored_keys(&served, bucket), Vec::<String>::new());

    // Presigned GET URLs: one valid for 1 s is refused 2 s later, one for 600 s answers.
    succeed(
        aws()
            .args(["s3", "cp", "--no-progress"])
            .arg(dir.join("small.txt"))
            .arg(s3("kept.txt")),
    );
    let presign = |expires: &str| {
        let out = succeed(aws().args(["s3", "presign", &s3("kept.txt"), "--expires-in", expires]));
        let url = stdout_of(&out).trim().to_owned();
        assert!(url.contains("X-Amz-Signature="), "not a SigV4 URL: {url}");
        url
    };
    let expiring = presign("1");
    let valid = presign("600");
    std::thread::sleep(Duration::from_secs(2));
    let expired = reqwest::get(&expiring).await.unwrap();
    assert_eq!(expired.status(), 403);
    let body = expired.text().await.unwrap();
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    let answered = reqwest::get(&valid).await.unwrap();
    assert_eq!(answered.status(), 200);
    assert_eq!(answered.bytes().await.unwrap().as_ref(), small.as_slice());

    // Without signature_version = s3v4 the AWS CLI v1 presigns with SigV2, which the server
    // refuses as S3 does for buckets made since June 2020: 400 InvalidRequest.
    let v2 = stdout_of(&succeed(
        aws()
            .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
            .args(["s3", "presign", &s3("kept.txt")]),
    ))
    .trim()
    .to_owned();
    assert!(v2.contains("AWSAccessKeyId="), "not a SigV2 URL: {v2}");
    let refused = reqwest::get(&v2).await.unwrap();
    assert_eq!(refused.status(), 400);
    let body = refused.text().await.unwrap();
    assert!(body.contains("<Code>InvalidRequest</Code>"), "{body}");

    assert_eq!(stored_keys(&served, bucket), ["kept.txt"]);
    println!("aws cli test: {:.1?}", started.elapsed());
    differences.assert_none("aws cli");
}

#[test]
fn rclone_round_trips_and_is_refused_a_wrong_secret() {
    let started = Instant::now();
    let version = require("rclone", &["version"], "apt-get install rclone");
    println!("{version}");
    let bucket = "rclone-bucket";
    let served = serve_bucket(bucket);
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let mut differences = Differences::default();

    // The remote `mem:` from environment variables only; an empty config file.
    let config = dir.join("rclone.conf");
    std::fs::write(&config, "").unwrap();
    let remote: BTreeMap<&str, &str> = [
        ("RCLONE_CONFIG_MEM_TYPE", "s3"),
        ("RCLONE_CONFIG_MEM_PROVIDER", "Other"),
        ("RCLONE_CONFIG_MEM_ENDPOINT", served.endpoint.as_str()),
        (
            "RCLONE_CONFIG_MEM_ACCESS_KEY_ID",
            served.variables["AWS_ACCESS_KEY_ID"].as_str(),
        ),
        (
            "RCLONE_CONFIG_MEM_SECRET_ACCESS_KEY",
            served.variables["AWS_SECRET_ACCESS_KEY"].as_str(),
        ),
        ("RCLONE_CONFIG_MEM_REGION", "us-east-1"),
        ("RCLONE_CONFIG_MEM_FORCE_PATH_STYLE", "true"),
    ]
    .into_iter()
    .collect();
    // Multipart above 5 MiB, for uploads and server-side copies; one try, so that a failure
    // that a retry hides still fails.
    let rclone = || {
        let mut cmd = client("rclone", &served, dir);
        cmd.envs(&remote).arg("--config").arg(&config).args([
            "--s3-upload-cutoff",
            "5M",
            "--s3-chunk-size",
            "5M",
            "--s3-copy-cutoff",
            "5M",
            "--retries",
            "1",
            "--low-level-retries",
            "1",
        ]);
        cmd
    };
    let mem = |key: &str| format!("mem:{bucket}/{key}");
    // Sorted: `lsf -R` prints a directory's entry where its walk happens to list it.
    let lines = |out: &Output| -> Vec<String> {
        let mut lines: Vec<String> = stdout_of(out).lines().map(str::to_owned).collect();
        lines.sort();
        lines
    };

    let small = b"hello from rclone\n".to_vec();
    let big = pattern(BIG as u64, 11).to_vec();
    std::fs::write(dir.join("small.txt"), &small).unwrap();
    std::fs::write(dir.join("big.bin"), &big).unwrap();

    // Uploads: one PutObject, one multipart upload of 4 parts.
    succeed(
        rclone()
            .arg("copyto")
            .arg(dir.join("small.txt"))
            .arg(mem("r/small.txt")),
    );
    succeed(
        rclone()
            .arg("copyto")
            .arg(dir.join("big.bin"))
            .arg(mem("r/big.bin")),
    );
    // A 20 MiB object made of 4 parts, as `stowage head` sees it.
    let assert_four_parts = |key: &str| {
        let head = json_of(
            &stowage(&served)
                .arg("head")
                .arg(format!("s3://{bucket}/{key}"))
                .output()
                .unwrap(),
        );
        assert_eq!(head["size"], BIG, "{key}: {head}");
        assert!(
            head["etag"].as_str().unwrap().ends_with("-4\""),
            "{key}: not made of 4 parts: {head}"
        );
    };
    assert_four_parts("r/big.bin");

    // Server-side copies: CopyObject, and 4 UploadPartCopy.
    succeed(rclone().args(["copyto", &mem("r/small.txt"), &mem("r/small-copy.txt")]));
    let out = succeed(rclone().args(["copyto", &mem("r/big.bin"), &mem("r/big-copy.bin"), "-v"]));
    assert!(
        stderr_of(&out).contains("server-side copy"),
        "not a server-side copy"
    );
    assert_four_parts("r/big-copy.bin");

    // Listings, V1 and V2.
    for list_version in ["1", "2"] {
        let out = succeed(rclone().args(["lsf", "--s3-list-version", list_version, &mem("r/")]));
        assert_eq!(
            lines(&out),
            ["big-copy.bin", "big.bin", "small-copy.txt", "small.txt"]
        );
    }
    let out = succeed(rclone().args(["lsf", "-R", &format!("mem:{bucket}")]));
    assert_eq!(
        lines(&out),
        [
            "r/",
            "r/big-copy.bin",
            "r/big.bin",
            "r/small-copy.txt",
            "r/small.txt"
        ]
    );

    // Downloads: cat, a file, and the MD5s rclone reads from ETags and its own metadata
    // against those of the local files.
    let out = succeed(rclone().args(["cat", &mem("r/small-copy.txt")]));
    assert_eq!(out.stdout, small);
    succeed(
        rclone()
            .args(["copyto", &mem("r/big-copy.bin")])
            .arg(dir.join("down.bin")),
    );
    assert!(
        std::fs::read(dir.join("down.bin")).unwrap() == big,
        "big-copy.bin came back different"
    );
    let local = succeed(rclone().args(["md5sum"]).arg(dir.join("big.bin")));
    let local_md5 = stdout_of(&local)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let remote_md5 = succeed(rclone().args(["md5sum", &mem("r/")]));
    let remote_md5 = stdout_of(&remote_md5);
    for name in ["big.bin", "big-copy.bin"] {
        assert!(
            remote_md5.contains(&format!("{local_md5}  {name}\n")),
            "{name}: {remote_md5}"
        );
    }

    // Deletes: one file.
    succeed(rclone().args(["deletefile", &mem("r/small.txt")]));
    assert_eq!(
        stored_keys(&served, bucket),
        ["r/big-copy.bin", "r/big.bin", "r/small-copy.txt"]
    );

    // A wrong secret: the upload fails, nothing stored.
    let wrong_secret = served.variables["AWS_SECRET_ACCESS_KEY"].clone() + "-wrong";
    let refused = run(rclone()
        .env("RCLONE_CONFIG_MEM_SECRET_ACCESS_KEY", &wrong_secret)
        .arg("copyto")
        .arg(dir.join("small.txt"))
        .arg(mem("forged.txt")));
    assert!(!refused.status.success(), "the forged upload succeeded");
    assert!(
        stderr_of(&refused).contains("403"),
        "{}",
        stderr_of(&refused)
    );
    let refused = run(rclone()
        .env("RCLONE_CONFIG_MEM_SECRET_ACCESS_KEY", &wrong_secret)
        .args(["lsf", &mem("")]));
    assert!(!refused.status.success(), "the forged listing succeeded");
    assert!(
        stderr_of(&refused).contains("SignatureDoesNotMatch"),
        "{}",
        stderr_of(&refused)
    );
    assert_eq!(
        stored_keys(&served, bucket),
        ["r/big-copy.bin", "r/big.bin", "r/small-copy.txt"]
    );

    // Purge: the rest of the prefix. rclone first asks whether the bucket is versioned
    // (GetBucketVersioning); S3 answers 200 with an empty VersioningConfiguration for a bucket
    // that never was.
    let out = succeed(rclone().args(["purge", &mem("r")]));
    let stderr = stderr_of(&out);
    differences.check(
        !stderr.contains("ERROR"),
        format!(
            "GET /{bucket}?versioning (GetBucketVersioning, from `rclone purge`): S3 answers 200 \
             <VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/> for a \
             bucket never versioned; rclone logged: {}",
            stderr.trim()
        ),
    );
    let out = succeed(rclone().args(["lsf", "-R", &format!("mem:{bucket}")]));
    assert_eq!(lines(&out), Vec::<String>::new());
    assert_eq!(stored_keys(&served, bucket), Vec::<String>::new());

    println!("rclone test: {:.1?}", started.elapsed());
    differences.assert_none("rclone");
}

/// What `enforcement.py` answers for each request, as received.
fn enforcement_answers(endpoint: &str, key: &str, secret: &str, bucket: &str) -> Value {
    require(
        "python3",
        &["-c", "import boto3"],
        "python3 -m pip install boto3",
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/enforcement.py");
    let out = succeed(
        std::process::Command::new("python3")
            .arg(&script)
            .args([endpoint, key, secret, bucket])
            .env("AWS_CONFIG_FILE", "/nonexistent/stowage-enforcement/config")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null()),
    );
    serde_json::from_slice(&out.stdout).expect("enforcement.py prints JSON")
}

/// The table of docs/s3-endpoint.md: the same boto3 requests refused by `stowage serve` as
/// S3 refuses them, and accepted by moto, which checks neither signatures, expiry,
/// checksums nor policies.
#[test]
fn stowage_serve_refuses_what_s3_refuses_and_moto_accepts() {
    let served = serve_bucket("enforced");
    let ours = enforcement_answers(
        &served.endpoint,
        &served.variables["AWS_ACCESS_KEY_ID"],
        &served.variables["AWS_SECRET_ACCESS_KEY"],
        "enforced",
    );
    let expected = serde_json::json!({
        "wrong secret": "403 SignatureDoesNotMatch",
        "unknown access key": "403 InvalidAccessKeyId",
        "signed 20 minutes ago": "403 RequestTimeTooSkewed",
        "presigned GET past its expiry": "403 AccessDenied",
        "presigned GET valid for 8 days": "400 AuthorizationQueryParametersError",
        "SigV2": "400 InvalidRequest",
        "wrong Content-MD5": "400 BadDigest",
        "wrong CRC32": "400 BadDigest",
        "wrong SHA256": "400 BadDigest",
        "POST over its content-length-range": "400 EntityTooLarge",
        "If-None-Match * on an existing key": "412 PreconditionFailed",
        "CORS preflight, allowed origin": "200",
        "CORS preflight, other origin": "403 AccessForbidden",
        "stored": [],
    });
    assert_eq!(ours, expected);

    let moto = stowage_testkit::servers::moto::MotoServer::get();
    let theirs = enforcement_answers(&moto.endpoint, "testing", "testing", &moto.bucket);
    for accepted in [
        "wrong secret",
        "unknown access key",
        "SigV2",
        "wrong Content-MD5",
        "wrong CRC32",
        "wrong SHA256",
    ] {
        assert_eq!(theirs[accepted], "OK", "moto, {accepted}: {theirs}");
    }
    for served in [
        "signed 20 minutes ago",
        "presigned GET past its expiry",
        "presigned GET valid for 8 days",
    ] {
        assert_eq!(theirs[served], "200", "moto, {served}: {theirs}");
    }
    assert_eq!(theirs["POST over its content-length-range"], "204");
    assert_eq!(
        theirs["If-None-Match * on an existing key"],
        "412 PreconditionFailed"
    );
    assert_eq!(theirs["CORS preflight, allowed origin"], "403");
}
