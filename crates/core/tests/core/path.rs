//! `S3Path` and `parse_s3_path`: the tables of valid and invalid inputs, construction,
//! joining, ordering, and properties over arbitrary strings.

use proptest::prelude::*;
use stowage_core::{Error, MAX_KEY_BYTES, PathError, S3Path, hash_s3_key, parse_s3_path};

fn repeat(s: &str, n: usize) -> String {
    s.repeat(n)
}

/// Valid inputs and the (bucket, key) they must parse to, the key verbatim.
fn valid_paths() -> Vec<(String, &'static str, String)> {
    let b63 = format!("a{}z", repeat("b", 61));
    assert_eq!(b63.len(), 63);
    let k1024 = repeat("k", 1024);
    let k_e_acute = repeat("é", 512); // 2 bytes each: 1024 bytes
    let k_emoji = repeat("😀", 256); // 4 bytes each: 1024 bytes
    let k_euro = format!("{}a", repeat("€", 341)); // 3 * 341 + 1 = 1024 bytes
    let mut cases: Vec<(String, &'static str, String)> = vec![
        ("s3://bucket/key".into(), "bucket", "key".into()),
        ("s3://bucket".into(), "bucket", "".into()),
        ("s3://bucket/".into(), "bucket", "".into()),
        ("s3://bucket/a/b/c.txt".into(), "bucket", "a/b/c.txt".into()),
        ("s3://bucket/a?b=c".into(), "bucket", "a?b=c".into()),
        ("s3://bucket/?".into(), "bucket", "?".into()),
        ("s3://bucket/a#frag".into(), "bucket", "a#frag".into()),
        (
            "s3://bucket/scan #1?50%.nii".into(),
            "bucket",
            "scan #1?50%.nii".into(),
        ),
        ("s3://bucket/a%20b".into(), "bucket", "a%20b".into()),
        ("s3://bucket/a b  c ".into(), "bucket", "a b  c ".into()),
        ("s3://bucket/ ".into(), "bucket", " ".into()),
        (
            "s3://bucket/été/日本語/😀".into(),
            "bucket",
            "été/日本語/😀".into(),
        ),
        ("s3://bucket//leading".into(), "bucket", "/leading".into()),
        ("s3://bucket///".into(), "bucket", "//".into()),
        ("s3://bucket/a//b".into(), "bucket", "a//b".into()),
        ("s3://bucket/dir/".into(), "bucket", "dir/".into()),
        ("s3://bucket/../x".into(), "bucket", "../x".into()),
        (
            "s3://bucket/s3://other/k".into(),
            "bucket",
            "s3://other/k".into(),
        ),
        (
            "s3://bucket/UPPER_case-Key".into(),
            "bucket",
            "UPPER_case-Key".into(),
        ),
        (
            "s3://bucket/tab\there\nnl".into(),
            "bucket",
            "tab\there\nnl".into(),
        ),
        ("s3://abc/k".into(), "abc", "k".into()),
        ("s3://a-b/k".into(), "a-b", "k".into()),
        ("s3://my.bucket-1/k".into(), "my.bucket-1", "k".into()),
        ("s3://1bucket9/k".into(), "1bucket9", "k".into()),
        ("s3://123/k".into(), "123", "k".into()),
        ("s3://a.b.c/k".into(), "a.b.c", "k".into()),
        ("s3://1.2.3/k".into(), "1.2.3", "k".into()),
        ("s3://1.2.3.4.5/k".into(), "1.2.3.4.5", "k".into()),
        ("s3://a--b/k".into(), "a--b", "k".into()),
    ];
    let leaked_b63: &'static str = Box::leak(b63.clone().into_boxed_str());
    cases.push((format!("s3://{b63}/k"), leaked_b63, "k".into()));
    for key in [k1024, k_e_acute, k_emoji, k_euro] {
        assert_eq!(key.len(), MAX_KEY_BYTES);
        cases.push((format!("s3://bucket/{key}"), "bucket", key));
    }
    cases
}

/// Invalid inputs and the exact error each must give.
fn invalid_paths() -> Vec<(String, PathError)> {
    let b64 = format!("a{}z", repeat("b", 62));
    assert_eq!(b64.len(), 64);
    vec![
        // Scheme.
        ("".into(), PathError::MissingScheme),
        ("bucket/key".into(), PathError::MissingScheme),
        ("S3://bucket/key".into(), PathError::MissingScheme),
        ("s3:/bucket/key".into(), PathError::MissingScheme),
        ("s3:bucket/key".into(), PathError::MissingScheme),
        ("s3//bucket/key".into(), PathError::MissingScheme),
        ("https://bucket/key".into(), PathError::MissingScheme),
        ("s3a://bucket/key".into(), PathError::MissingScheme),
        (" s3://bucket/key".into(), PathError::MissingScheme),
        ("/bucket/key".into(), PathError::MissingScheme),
        // Empty bucket.
        ("s3://".into(), PathError::EmptyBucket),
        ("s3:///".into(), PathError::EmptyBucket),
        ("s3:///k".into(), PathError::EmptyBucket),
        ("s3:////k".into(), PathError::EmptyBucket),
        // Length.
        ("s3://a/k".into(), PathError::BucketLength { len: 1 }),
        ("s3://ab/k".into(), PathError::BucketLength { len: 2 }),
        ("s3://ab".into(), PathError::BucketLength { len: 2 }),
        (format!("s3://{b64}/k"), PathError::BucketLength { len: 64 }),
        // Characters.
        (
            "s3://MyBucket/k".into(),
            PathError::BucketCharacter { ch: 'M' },
        ),
        (
            "s3://bucketA/k".into(),
            PathError::BucketCharacter { ch: 'A' },
        ),
        ("s3://AB/k".into(), PathError::BucketCharacter { ch: 'A' }),
        (
            "s3://my_bucket/k".into(),
            PathError::BucketCharacter { ch: '_' },
        ),
        (
            "s3://my bucket/k".into(),
            PathError::BucketCharacter { ch: ' ' },
        ),
        ("s3://bück/k".into(), PathError::BucketCharacter { ch: 'ü' }),
        (
            "s3://bucket?x=1".into(),
            PathError::BucketCharacter { ch: '?' },
        ),
        (
            "s3://bucket#frag".into(),
            PathError::BucketCharacter { ch: '#' },
        ),
        (
            "s3://bucket:9000/k".into(),
            PathError::BucketCharacter { ch: ':' },
        ),
        (
            "s3://user@bucket/k".into(),
            PathError::BucketCharacter { ch: '@' },
        ),
        (
            "s3://bucket\\k".into(),
            PathError::BucketCharacter { ch: '\\' },
        ),
        // Edges.
        ("s3://-bucket/k".into(), PathError::BucketEdge),
        ("s3://bucket-/k".into(), PathError::BucketEdge),
        ("s3://.bucket/k".into(), PathError::BucketEdge),
        ("s3://bucket./k".into(), PathError::BucketEdge),
        ("s3://---/k".into(), PathError::BucketEdge),
        ("s3://.../k".into(), PathError::BucketEdge),
        // Adjacent periods.
        ("s3://my..bucket/k".into(), PathError::BucketAdjacentPeriods),
        ("s3://a..b/k".into(), PathError::BucketAdjacentPeriods),
        // IPv4.
        ("s3://192.168.1.1/k".into(), PathError::BucketIpAddress),
        ("s3://10.0.0.1".into(), PathError::BucketIpAddress),
        ("s3://1.2.3.4/".into(), PathError::BucketIpAddress),
        // Key length: bytes, not characters.
        (
            format!("s3://bucket/{}", repeat("k", 1025)),
            PathError::KeyTooLong { len: 1025 },
        ),
        (
            format!("s3://bucket/{}a", repeat("é", 512)),
            PathError::KeyTooLong { len: 1025 },
        ),
        (
            format!("s3://bucket/{}", repeat("é", 513)),
            PathError::KeyTooLong { len: 1026 },
        ),
        (
            format!("s3://bucket/{}", repeat("😀", 257)),
            PathError::KeyTooLong { len: 1028 },
        ),
        (
            format!("s3://bucket/{}", repeat("€", 342)),
            PathError::KeyTooLong { len: 1026 },
        ),
    ]
}

#[test]
fn path_table_valid_inputs_keep_the_key_verbatim() {
    let cases = valid_paths();
    assert!(cases.len() >= 30, "{} valid cases", cases.len());
    for (input, bucket, key) in cases {
        let path = S3Path::parse(&input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(path.bucket(), bucket, "bucket of {input:?}");
        assert_eq!(path.key(), key, "key of {input:?}");
        assert_eq!(
            parse_s3_path(&input).unwrap(),
            (bucket.to_owned(), key.clone()),
            "parse_s3_path({input:?})"
        );
        assert_eq!(input.parse::<S3Path>().unwrap(), path, "FromStr {input:?}");
        assert_eq!(S3Path::try_from(input.as_str()).unwrap(), path);
        assert_eq!(S3Path::new(bucket, key.clone()).unwrap(), path);
        // Display round-trips (`s3://bucket` displays as `s3://bucket/`).
        assert_eq!(path.to_string(), format!("s3://{bucket}/{key}"));
        assert_eq!(S3Path::parse(&path.to_string()).unwrap(), path);
        assert_eq!(path.key_hash(), hash_s3_key(&key));
        assert_eq!(path.clone().into_parts(), (bucket.to_owned(), key.clone()));
        if key.is_empty() {
            assert_eq!(path.object_key(), Err(PathError::EmptyKey), "{input:?}");
        } else {
            assert_eq!(path.object_key(), Ok(key.as_str()), "{input:?}");
        }
    }
}

#[test]
fn path_table_invalid_inputs_name_the_broken_rule() {
    let cases = invalid_paths();
    assert!(cases.len() >= 40, "{} invalid cases", cases.len());
    for (input, expected) in cases {
        assert_eq!(
            S3Path::parse(&input),
            Err(expected.clone()),
            "parse({input:?})"
        );
        assert_eq!(
            parse_s3_path(&input),
            Err(expected.clone()),
            "parse_s3_path({input:?})"
        );
        assert_eq!(input.parse::<S3Path>(), Err(expected.clone()));
        // The message names the rule and never echoes a key.
        let message = expected.to_string();
        assert!(!message.is_empty());
        if let Some((_, key)) = input.strip_prefix("s3://").and_then(|r| r.split_once('/'))
            && key.len() > 1
        {
            assert!(!message.contains(key), "{message:?} echoes the key");
        }
        // Converted to the crate error, it is an invalid path.
        let error: Error = expected.clone().into();
        assert!(matches!(&error, Error::InvalidPath(e) if *e == expected));
        assert_eq!(error.kind_name(), "invalid_path");
    }
}

#[test]
fn path_new_validates_like_parse() {
    assert_eq!(S3Path::new("", "k"), Err(PathError::EmptyBucket));
    assert_eq!(
        S3Path::new("Bucket", "k"),
        Err(PathError::BucketCharacter { ch: 'B' })
    );
    assert_eq!(
        S3Path::new("bucket", "x".repeat(1025)),
        Err(PathError::KeyTooLong { len: 1025 })
    );
    // A slash in the bucket argument is not a bucket character.
    assert_eq!(
        S3Path::new("buck/et", "k"),
        Err(PathError::BucketCharacter { ch: '/' })
    );
    let root = S3Path::bucket_root("bucket").unwrap();
    assert_eq!(root.key(), "");
    assert_eq!(root, S3Path::parse("s3://bucket").unwrap());
    assert_eq!(root, S3Path::parse("s3://bucket/").unwrap());
    assert_eq!(root.object_key(), Err(PathError::EmptyKey));
    assert_eq!(
        S3Path::bucket_root("b"),
        Err(PathError::BucketLength { len: 1 })
    );
}

#[test]
fn path_join_appends_and_enforces_the_key_limit() {
    let dir = S3Path::parse("s3://models/llama/").unwrap();
    let file = dir.join("weights.bin").unwrap();
    assert_eq!(file.bucket(), "models");
    assert_eq!(file.key(), "llama/weights.bin");
    assert_eq!(dir.key(), "llama/", "join does not change the original");
    assert_eq!(
        file.join("?v=2#x").unwrap().key(),
        "llama/weights.bin?v=2#x"
    );
    assert_eq!(dir.join("").unwrap(), dir);

    let root = S3Path::bucket_root("models").unwrap();
    assert_eq!(root.join("a/b").unwrap().key(), "a/b");
    assert_eq!(root.join(&"x".repeat(1024)).unwrap().key().len(), 1024);
    assert_eq!(
        root.join(&"x".repeat(1025)),
        Err(PathError::KeyTooLong { len: 1025 })
    );

    let long = S3Path::new("models", "é".repeat(511)).unwrap(); // 1022 bytes
    assert_eq!(long.join("ab").unwrap().key().len(), 1024);
    assert_eq!(long.join("é!"), Err(PathError::KeyTooLong { len: 1025 }));
    assert_eq!(long.join("😀"), Err(PathError::KeyTooLong { len: 1026 }));
}

#[test]
fn path_errors_are_typed_and_have_distinct_messages() {
    let all = [
        PathError::MissingScheme,
        PathError::EmptyBucket,
        PathError::BucketLength { len: 2 },
        PathError::BucketCharacter { ch: 'A' },
        PathError::BucketEdge,
        PathError::BucketAdjacentPeriods,
        PathError::BucketIpAddress,
        PathError::KeyTooLong { len: 1025 },
        PathError::EmptyKey,
    ];
    let messages: std::collections::BTreeSet<String> = all.iter().map(|e| e.to_string()).collect();
    assert_eq!(messages.len(), all.len());
    assert!(
        PathError::BucketLength { len: 64 }
            .to_string()
            .contains("64")
    );
    assert!(
        PathError::KeyTooLong { len: 1025 }
            .to_string()
            .contains("1025")
    );
    assert!(PathError::MissingScheme.to_string().contains("s3://"));
}

#[test]
fn paths_order_by_bucket_then_key_and_expose_one_string() {
    let path = |bucket: &str, key: &str| S3Path::new(bucket, key).unwrap();
    // `-` sorts before `/`, so comparing the whole strings would put `abc-d` first.
    assert!(path("abc", "z") < path("abc-d", "a"));
    assert!(path("abc", "a/b") < path("abc", "a/c"));
    assert!(path("abc", "") < path("abc", "a"));
    let root = S3Path::bucket_root("abc").unwrap();
    assert_eq!(root.as_str(), "s3://abc/");
    assert_eq!((root.bucket(), root.key()), ("abc", ""));
    let joined = root.join("x/y.bin").unwrap();
    assert_eq!(joined.as_str(), "s3://abc/x/y.bin");
    assert_eq!(joined, path("abc", "x/y.bin"));
    assert_eq!(joined.to_string(), joined.as_str());
}

/// One DNS-style label: starts and ends alphanumeric.
fn bucket_label() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?"
}

/// Valid bucket names, dots included.
fn valid_bucket() -> impl Strategy<Value = String> {
    proptest::collection::vec(bucket_label(), 1..5)
        .prop_map(|labels| labels.join("."))
        .prop_filter("3 to 63 characters", |b| (3..=63).contains(&b.len()))
        .prop_filter("not an IPv4 address", |b| {
            b.parse::<std::net::Ipv4Addr>().is_err()
        })
}

/// Any unicode string of at most 1024 UTF-8 bytes.
fn any_key() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..400).prop_map(|chars| {
        let mut key = String::new();
        for ch in chars {
            if key.len() + ch.len_utf8() > MAX_KEY_BYTES {
                break;
            }
            key.push(ch);
        }
        key
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn prop_display_round_trips(bucket in valid_bucket(), key in any_key()) {
        let path = S3Path::new(bucket.clone(), key.clone()).unwrap();
        let text = path.to_string();
        prop_assert_eq!(S3Path::parse(&text), Ok(path.clone()));
        prop_assert_eq!(parse_s3_path(&text), Ok((bucket, key.clone())));
        prop_assert_eq!(path.key(), key.as_str());
    }

    #[test]
    fn prop_parse_never_panics_on_any_string(input in any::<String>()) {
        check_parse_is_total(&input);
    }

    #[test]
    fn prop_parse_never_panics_after_scheme(rest in any::<String>()) {
        check_parse_is_total(&format!("s3://{rest}"));
    }

    #[test]
    fn prop_parse_never_panics_on_bucketish_strings(
        input in "s3://[a-z0-9.\\-_A-Z]{0,70}(/.{0,40})?"
    ) {
        check_parse_is_total(&input);
    }

    #[test]
    fn prop_long_keys_report_their_byte_length(key in "\\PC{0,700}") {
        let result = S3Path::parse(&format!("s3://bucket/{key}"));
        if key.len() <= MAX_KEY_BYTES {
            prop_assert_eq!(result.map(|p| p.key().to_owned()), Ok(key));
        } else {
            prop_assert_eq!(result, Err(PathError::KeyTooLong { len: key.len() }));
        }
    }
}

fn check_parse_is_total(input: &str) {
    match S3Path::parse(input) {
        Ok(path) => {
            assert!(input.starts_with("s3://"));
            assert!(path.key().len() <= MAX_KEY_BYTES);
            assert_eq!(S3Path::parse(&path.to_string()).unwrap(), path);
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
    let _ = parse_s3_path(input);
}
