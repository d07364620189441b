//! Exit code 2: invalid input, with a message naming the rule.

use super::*;

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
