//! Pending multipart uploads: `uploads ls` and `uploads abort`.

use super::*;

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
    let endpoint = stowage_testkit::support::dead_endpoint();
    let run = |args: &[&str]| {
        let mut cmd = bare();
        cmd.env("AWS_ACCESS_KEY_ID", EXAMPLE_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET_ACCESS_KEY)
            .env("AWS_REGION", "us-east-1")
            .args(["--endpoint-url", &endpoint, "--path-style"])
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
