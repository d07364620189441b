//! Integration tests of `stowage-core`: paths, key hashing, POST-policy signing against
//! boto3's vectors, redaction of keys and secrets, payloads, and the trait's mock.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use futures::{StreamExt as _, TryStreamExt as _};
use proptest::prelude::*;
use serde::Deserialize;
use stowage_core::{
    DEFAULT_GET_URL_TTL_SECONDS, Error, FormField, MAX_KEY_BYTES,
    MAX_PUT_PRESIGNED_URL_TTL_SECONDS, MULTIPART_OVERHEAD_BUFFER_BYTES, ObjectBody, ObjectMeta,
    PathError, Payload, PolicyDocument, PostPolicyParams, PostPolicyRequest, PostPolicySigner,
    PresignedPost, PresignedUrl, S3Path, SIGV4_MAX_TTL_SECONDS, SigningCredentials, TtlLimits,
    hash_s3_key, parse_s3_path, redact_key,
};

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

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

    #[test]
    fn prop_policy_json_carries_any_key_exactly(key in "\\PC{1,80}") {
        let path = S3Path::new("bucket", key.clone()).unwrap();
        let request = PostPolicyRequest::new(10);
        let credentials = SigningCredentials::new("AKID", "SECRET");
        let post = PostPolicySigner::new()
            .sign(&PostPolicyParams {
                url: "http://localhost/bucket",
                path: &path,
                request: &request,
                ttl: Duration::from_secs(60),
                credentials: &credentials,
                region: "us-east-1",
                now: instant("2026-01-02T03:04:05Z"),
            })
            .unwrap();
        prop_assert_eq!(post.field("key"), Some(key.as_str()));
        let json = BASE64.decode(post.field("policy").unwrap()).unwrap();
        prop_assert!(json.is_ascii(), "policy JSON is ASCII, like Python's json.dumps");
        let document: PolicyDocument = serde_json::from_slice(&json).unwrap();
        let value = serde_json::to_value(&document.conditions[2]).unwrap();
        prop_assert_eq!(value, serde_json::json!({ "key": key }));
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

// ---------------------------------------------------------------------------------------------
// Key hash
// ---------------------------------------------------------------------------------------------

#[test]
fn hash_s3_key_matches_python_hashlib() {
    // python3 -c 'import hashlib; print(hashlib.sha256(k.encode()).hexdigest()[:16])'
    let vectors = [
        ("", "e3b0c44298fc1c14"),
        ("a", "ca978112ca1bbdca"),
        ("patient-4711/secret scan.nii", "d16c4e94f0986eb4"),
        ("reports/été 2026/scan #1?50%.nii.gz", "80f691bcf52e01e3"),
        ("/leading/slash.txt", "72188f4c8361b4be"),
        ("日本語/キー", "df9dcfb985b1b839"),
        ("😀", "f0443a342c5ef547"),
    ];
    for (key, expected) in vectors {
        assert_eq!(hash_s3_key(key), expected, "hash of {key:?}");
    }
    assert_eq!(hash_s3_key(&"a".repeat(1024)), "2edc986847e209b4");
}

#[test]
fn constants_match_the_design() {
    assert_eq!(MULTIPART_OVERHEAD_BUFFER_BYTES, 16 * 1024);
    assert_eq!(MAX_PUT_PRESIGNED_URL_TTL_SECONDS, 600);
    assert_eq!(DEFAULT_GET_URL_TTL_SECONDS, 3600);
    assert_eq!(SIGV4_MAX_TTL_SECONDS, 604_800);
    assert_eq!(MAX_KEY_BYTES, 1024);
}

// ---------------------------------------------------------------------------------------------
// POST policy
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct VectorFile {
    generator: String,
    cases: Vec<PostCase>,
}

#[derive(Debug, Deserialize)]
struct PostCase {
    name: String,
    bucket: String,
    key: String,
    region: String,
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    max_bytes: u64,
    content_type: Option<String>,
    expires_in: u64,
    now: String,
    url: String,
    fields: Vec<FormField>,
    policy_json: String,
}

#[derive(Debug, Deserialize)]
struct DocExample {
    secret_access_key: String,
    date: String,
    region: String,
    service: String,
    policy_base64: String,
    signature: String,
}

fn vectors_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn load_vectors() -> VectorFile {
    let text = std::fs::read_to_string(vectors_dir().join("post_vectors.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn instant(rfc3339: &str) -> SystemTime {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .into()
}

fn case_credentials(case: &PostCase) -> SigningCredentials {
    let credentials = SigningCredentials::new(&case.access_key_id, &case.secret_access_key);
    match &case.session_token {
        Some(token) => credentials.with_session_token(token),
        None => credentials,
    }
}

fn case_request(case: &PostCase) -> PostPolicyRequest {
    let request = PostPolicyRequest::new(case.max_bytes);
    match &case.content_type {
        Some(content_type) => request.content_type(content_type),
        None => request,
    }
}

fn sign_case(signer: &PostPolicySigner, case: &PostCase) -> PresignedPost {
    let path = S3Path::new(&case.bucket, &case.key).unwrap();
    let request = case_request(case);
    let credentials = case_credentials(case);
    signer
        .sign(&PostPolicyParams {
            url: &case.url,
            path: &path,
            request: &request,
            ttl: Duration::from_secs(case.expires_in),
            credentials: &credentials,
            region: &case.region,
            now: instant(&case.now),
        })
        .unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

#[test]
fn post_policy_matches_boto3_vectors_byte_for_byte() {
    let file = load_vectors();
    assert!(file.generator.starts_with("boto3"), "{}", file.generator);
    assert!(file.cases.len() >= 10, "{} cases", file.cases.len());
    let shared = PostPolicySigner::new();
    let mut with_token = 0;
    let mut with_content_type = 0;
    for case in &file.cases {
        let name = &case.name;
        let fresh = sign_case(&PostPolicySigner::new(), case);
        assert_eq!(fresh.url(), case.url, "{name}: url");
        assert_eq!(
            fresh.fields(),
            case.fields.as_slice(),
            "{name}: fields and their order"
        );
        let policy = fresh.field("policy").unwrap();
        let json = BASE64.decode(policy).unwrap();
        assert_eq!(
            String::from_utf8(json).unwrap(),
            case.policy_json,
            "{name}: policy JSON"
        );
        // The expiry is the frozen clock plus the TTL.
        assert_eq!(
            fresh.expires_at(),
            instant(&case.now) + Duration::from_secs(case.expires_in),
            "{name}: expires_at"
        );
        // The document parses back to the same bytes.
        let document: PolicyDocument = serde_json::from_str(&case.policy_json).unwrap();
        assert_eq!(
            document.to_json(),
            case.policy_json,
            "{name}: document round trip"
        );
        // A long-lived signer (cached key, cases in a mixed order) gives the same form.
        assert_eq!(sign_case(&shared, case), fresh, "{name}: cached signer");
        // The signature is the SigV4 HMAC of the base64 policy, computed independently.
        let date = &case.now[..10].replace('-', "");
        let key = aws_sigv4::sign::v4::generate_signing_key(
            &case.secret_access_key,
            instant(&case.now),
            &case.region,
            "s3",
        );
        assert_eq!(date.len(), 8);
        assert_eq!(
            fresh.field("x-amz-signature").unwrap(),
            aws_sigv4::sign::v4::calculate_signature(key, policy.as_bytes()),
            "{name}: signature"
        );
        with_token += usize::from(case.session_token.is_some());
        with_content_type += usize::from(case.content_type.is_some());
    }
    assert!(with_token > 0 && with_content_type > 0);
}

#[test]
fn post_policy_through_ttl_limits_matches_boto3_vectors() {
    // The reference clamps with min(expiration, 600); the vectors' TTLs go through it too.
    let limits = TtlLimits::default();
    for case in &load_vectors().cases {
        let path = S3Path::new(&case.bucket, &case.key).unwrap();
        let ttl = limits
            .post_ttl(Duration::from_secs(case.expires_in), &path)
            .unwrap();
        assert_eq!(ttl.as_secs(), case.expires_in.min(600), "{}", case.name);
    }
}

#[test]
fn aws_documentation_post_example_signature() {
    let text = std::fs::read_to_string(vectors_dir().join("aws_doc_post_example.json")).unwrap();
    let doc: DocExample = serde_json::from_str(&text).unwrap();
    assert_eq!(doc.service, "s3");
    assert_eq!(
        doc.signature,
        "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
    );
    let date = instant(&format!(
        "{}-{}-{}T00:00:00Z",
        &doc.date[..4],
        &doc.date[4..6],
        &doc.date[6..]
    ));
    let key = aws_sigv4::sign::v4::generate_signing_key(
        &doc.secret_access_key,
        date,
        &doc.region,
        &doc.service,
    );
    assert_eq!(
        aws_sigv4::sign::v4::calculate_signature(key, doc.policy_base64.as_bytes()),
        doc.signature
    );
    // Any time of that UTC day derives the same key.
    let late = date + Duration::from_secs(86_399);
    let key = aws_sigv4::sign::v4::generate_signing_key(
        &doc.secret_access_key,
        late,
        &doc.region,
        &doc.service,
    );
    assert_eq!(
        aws_sigv4::sign::v4::calculate_signature(key, doc.policy_base64.as_bytes()),
        doc.signature
    );
}

struct SignInput<'a> {
    secret: &'a str,
    region: &'a str,
    now: &'a str,
}

fn sign_simple(signer: &PostPolicySigner, input: &SignInput<'_>) -> PresignedPost {
    let path = S3Path::parse("s3://stowage-test/uploads/scan.nii.gz").unwrap();
    let request = PostPolicyRequest::new(1024);
    let credentials = SigningCredentials::new("AKIAIOSFODNN7EXAMPLE", input.secret);
    signer
        .sign(&PostPolicyParams {
            url: "https://stowage-test.s3.amazonaws.com/",
            path: &path,
            request: &request,
            ttl: Duration::from_secs(600),
            credentials: &credentials,
            region: input.region,
            now: instant(input.now),
        })
        .unwrap()
}

#[test]
fn signer_cache_rederives_for_a_new_date_region_or_secret() {
    let base = SignInput {
        secret: "secret-one",
        region: "us-east-1",
        now: "2026-01-02T03:04:05Z",
    };
    let same_day = SignInput {
        now: "2026-01-02T23:59:59Z",
        ..base
    };
    let next_day = SignInput {
        now: "2026-01-03T00:00:00Z",
        ..base
    };
    let other_region = SignInput {
        region: "eu-west-1",
        ..base
    };
    let other_secret = SignInput {
        secret: "secret-two",
        ..base
    };
    let signature = |post: &PresignedPost| post.field("x-amz-signature").unwrap().to_owned();

    let cached = PostPolicySigner::new();
    let first = sign_simple(&cached, &base);
    assert_eq!(signature(&sign_simple(&cached, &base)), signature(&first));
    assert_eq!(
        sign_simple(&cached, &base),
        sign_simple(&PostPolicySigner::new(), &base)
    );

    let mut seen = vec![signature(&first)];
    // Interleaved, so that each step finds the cache filled for another input.
    for input in [
        &same_day,
        &next_day,
        &base,
        &other_region,
        &other_secret,
        &base,
        &next_day,
    ] {
        let from_cache = sign_simple(&cached, input);
        let from_fresh = sign_simple(&PostPolicySigner::new(), input);
        assert_eq!(
            from_cache, from_fresh,
            "cached vs fresh for {} {} {}",
            input.secret, input.region, input.now
        );
        seen.push(signature(&from_cache));
    }
    let distinct: std::collections::BTreeSet<&String> = seen.iter().collect();
    // base (x3), same_day, next_day (x2), other_region, other_secret.
    assert_eq!(distinct.len(), 5, "{seen:?}");

    // A different secret changes only the signature, not the policy.
    let a = sign_simple(&PostPolicySigner::new(), &base);
    let b = sign_simple(&PostPolicySigner::new(), &other_secret);
    assert_eq!(a.field("policy"), b.field("policy"));
    assert_ne!(a.field("x-amz-signature"), b.field("x-amz-signature"));
    // A different region changes the credential scope.
    let c = sign_simple(&PostPolicySigner::new(), &other_region);
    assert_eq!(
        c.field("x-amz-credential"),
        Some("AKIAIOSFODNN7EXAMPLE/20260102/eu-west-1/s3/aws4_request")
    );
    // The next day changes the date in the scope.
    let d = sign_simple(&PostPolicySigner::new(), &next_day);
    assert_eq!(d.field("x-amz-date"), Some("20260103T000000Z"));
}

#[test]
fn signer_is_usable_from_many_threads() {
    let signer = Arc::new(PostPolicySigner::new());
    let expected = sign_simple(
        &PostPolicySigner::new(),
        &SignInput {
            secret: "s",
            region: "us-east-1",
            now: "2026-01-02T03:04:05Z",
        },
    );
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let signer = Arc::clone(&signer);
            std::thread::spawn(move || {
                let regions = ["us-east-1", "eu-west-1"];
                for _ in 0..20 {
                    let _ = sign_simple(
                        &signer,
                        &SignInput {
                            secret: "s",
                            region: regions[i % 2],
                            now: "2026-01-02T03:04:05Z",
                        },
                    );
                }
                sign_simple(
                    &signer,
                    &SignInput {
                        secret: "s",
                        region: "us-east-1",
                        now: "2026-01-02T03:04:05Z",
                    },
                )
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap(), expected);
    }
}

/// A `tracing` writer that appends to a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    let buffer = Captured::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let value = tracing::subscriber::with_default(subscriber, f);
    (value, buffer.text())
}

const SECRET_KEY: &str = "patient-4711/secret scan.nii";
const SECRET_KEY_HASH: &str = "d16c4e94f0986eb4";
/// Parts of the key that must never show up in output.
const SECRET_KEY_PARTS: [&str; 5] = [
    SECRET_KEY,
    "patient-4711",
    "4711",
    "secret scan",
    "scan.nii",
];

fn secret_path() -> S3Path {
    S3Path::new("clinic-data", SECRET_KEY).unwrap()
}

fn assert_no_key(text: &str, context: &str) {
    for part in SECRET_KEY_PARTS {
        assert!(
            !text.contains(part),
            "{context}: {part:?} leaked in {text:?}"
        );
    }
}

#[test]
fn post_ttl_above_ceiling_is_clamped_with_a_redacted_warning() {
    let path = secret_path();
    assert_eq!(hash_s3_key(SECRET_KEY), SECRET_KEY_HASH);
    let (ttl, logs) =
        capture_logs(|| TtlLimits::default().post_ttl(Duration::from_secs(3600), &path));
    assert_eq!(ttl.unwrap(), Duration::from_secs(600));
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains(SECRET_KEY_HASH), "{logs}");
    assert!(logs.contains("3600") && logs.contains("600"), "{logs}");
    assert_no_key(&logs, "TTL warning");
    assert_eq!(logs.lines().count(), 1, "exactly one event: {logs}");

    // At or below the ceiling: no warning.
    let (ttl, logs) =
        capture_logs(|| TtlLimits::default().post_ttl(Duration::from_secs(600), &path));
    assert_eq!(ttl.unwrap(), Duration::from_secs(600));
    assert_eq!(logs, "");

    // A lower configured ceiling is enforced the same way.
    let limits = TtlLimits::default().with_post_ceiling(Duration::from_secs(120));
    let (ttl, logs) = capture_logs(|| limits.post_ttl(Duration::from_secs(600), &path));
    assert_eq!(ttl.unwrap(), Duration::from_secs(120));
    assert!(
        logs.contains("WARN") && logs.contains(SECRET_KEY_HASH),
        "{logs}"
    );
    assert_no_key(&logs, "TTL warning");

    // GET URLs: clamped under a lower ceiling, an error above 7 days (message without key).
    let limits = TtlLimits::default().with_get_ceiling(Duration::from_secs(900));
    let (ttl, logs) = capture_logs(|| limits.get_ttl(Duration::from_secs(3600), &path));
    assert_eq!(ttl.unwrap(), Duration::from_secs(900));
    assert!(logs.contains(SECRET_KEY_HASH));
    assert_no_key(&logs, "GET TTL warning");
    let error = TtlLimits::default()
        .get_ttl(Duration::from_secs(SIGV4_MAX_TTL_SECONDS + 1), &path)
        .unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }));
    assert_no_key(&error.to_string(), "GET TTL error");
    assert_eq!(
        TtlLimits::default()
            .get_ttl(Duration::from_secs(SIGV4_MAX_TTL_SECONDS), &path)
            .unwrap(),
        Duration::from_secs(SIGV4_MAX_TTL_SECONDS)
    );
    assert!(matches!(
        TtlLimits::default().post_ttl(Duration::ZERO, &path),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn clamped_ttl_sets_the_policy_expiration() {
    let path = secret_path();
    let ttl = TtlLimits::default()
        .post_ttl(Duration::from_secs(3600), &path)
        .unwrap();
    let request = PostPolicyRequest::new(5).content_type("image/png");
    let credentials = SigningCredentials::new("AKID", "SECRET");
    let now = instant("2026-01-02T03:04:05Z") + Duration::from_millis(999);
    let (post, logs) = capture_logs(|| {
        PostPolicySigner::new().sign(&PostPolicyParams {
            url: "http://127.0.0.1:3900/clinic-data",
            path: &path,
            request: &request,
            ttl,
            credentials: &credentials,
            region: "garage",
            now,
        })
    });
    let post = post.unwrap();
    assert_no_key(&logs, "signing logs");
    let json = String::from_utf8(BASE64.decode(post.field("policy").unwrap()).unwrap()).unwrap();
    assert!(json.starts_with(r#"{"expiration": "2026-01-02T03:14:05Z", "conditions": [["content-length-range", 0, 16389], {"Content-Type": "image/png"}, {"bucket": "clinic-data"}, {"key": "patient-4711/secret scan.nii"}"#), "{json}");
    assert_eq!(post.field("x-amz-date"), Some("20260102T030405Z"));
    assert_eq!(post.expires_at(), instant("2026-01-02T03:14:05Z"));
}

#[test]
fn presigned_post_serializes_as_url_and_ordered_fields() {
    let file = load_vectors();
    for case in &file.cases {
        let post = sign_case(&PostPolicySigner::new(), case);
        let expected = format!(
            "{{\"url\":{},\"fields\":{{{}}}}}",
            serde_json::to_string(&case.url).unwrap(),
            case.fields
                .iter()
                .map(|(k, v)| format!(
                    "{}:{}",
                    serde_json::to_string(k).unwrap(),
                    serde_json::to_string(v).unwrap()
                ))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(post.to_json(), expected, "{}", case.name);
        assert_eq!(serde_json::to_string(&post).unwrap(), expected);
        let value: serde_json::Value = serde_json::from_str(&expected).unwrap();
        assert_eq!(value.as_object().unwrap().len(), 2);
    }
}

#[test]
fn presigned_post_for_an_empty_key_is_an_invalid_path() {
    let request = PostPolicyRequest::new(1);
    let credentials = SigningCredentials::new("AKID", "SECRET");
    for input in ["s3://bucket", "s3://bucket/"] {
        let path = S3Path::parse(input).unwrap();
        let result = PostPolicySigner::new().sign(&PostPolicyParams {
            url: "https://bucket.s3.amazonaws.com/",
            path: &path,
            request: &request,
            ttl: Duration::from_secs(60),
            credentials: &credentials,
            region: "us-east-1",
            now: instant("2026-01-02T03:04:05Z"),
        });
        assert!(
            matches!(result, Err(Error::InvalidPath(PathError::EmptyKey))),
            "{input}: {result:?}"
        );
    }
}

#[test]
fn post_policy_request_builder_and_upper_bound() {
    let request = PostPolicyRequest::new(10)
        .content_type("image/png")
        .ttl(Duration::from_secs(30));
    assert_eq!(request.max_bytes, 10);
    assert_eq!(request.content_type.as_deref(), Some("image/png"));
    assert_eq!(request.ttl, Duration::from_secs(30));
    assert_eq!(request.content_length_upper_bound(), 10 + 16384);
    assert_eq!(PostPolicyRequest::new(0).ttl, Duration::from_secs(600));
    assert_eq!(
        PostPolicyRequest::new(u64::MAX).content_length_upper_bound(),
        u64::MAX
    );
}

// ---------------------------------------------------------------------------------------------
// Redaction
// ---------------------------------------------------------------------------------------------

fn every_error() -> Vec<(Error, bool)> {
    let path = secret_path();
    let service_message = redact_key(
        &format!("The specified key {SECRET_KEY} is being throttled"),
        SECRET_KEY,
    );
    // (error, carries a path)
    vec![
        (Error::InvalidPath(PathError::EmptyKey), false),
        (
            Error::InvalidPath(PathError::KeyTooLong { len: 2000 }),
            false,
        ),
        (Error::invalid_argument("max_bytes is too large"), false),
        (Error::NotFound { path: path.clone() }, true),
        (
            Error::NoSuchBucket {
                bucket: "clinic-data".into(),
            },
            false,
        ),
        (
            Error::AccessDenied {
                path: Some(path.clone()),
            },
            true,
        ),
        (Error::AccessDenied { path: None }, false),
        (Error::PreconditionFailed { path: path.clone() }, true),
        (
            Error::Unreachable {
                message: "connection refused".into(),
            },
            false,
        ),
        (
            Error::Timeout {
                message: "operation timeout after 30 s".into(),
            },
            false,
        ),
        (
            Error::Io {
                message: "stream ended early".into(),
            },
            false,
        ),
        (
            Error::Unsupported {
                operation: "presigned_post",
                backend: "memory",
            },
            false,
        ),
        (
            Error::Service {
                code: "SlowDown".into(),
                status: 503,
                message: service_message,
                path: Some(path.clone()),
            },
            true,
        ),
        (
            Error::Service {
                code: "InternalError".into(),
                status: 500,
                message: "We encountered an internal error.".into(),
                path: None,
            },
            false,
        ),
    ]
}

#[test]
fn every_error_variant_is_redacted() {
    let errors = every_error();
    let kinds: std::collections::BTreeSet<&str> =
        errors.iter().map(|(e, _)| e.kind_name()).collect();
    let expected: std::collections::BTreeSet<&str> = [
        "invalid_path",
        "invalid_argument",
        "not_found",
        "no_such_bucket",
        "access_denied",
        "precondition_failed",
        "unreachable",
        "timeout",
        "io",
        "unsupported",
        "service",
    ]
    .into_iter()
    .collect();
    assert_eq!(kinds, expected, "one value of every variant");

    for (error, has_path) in &errors {
        let display = error.to_string();
        let debug = format!("{error:?}");
        let alternate = format!("{error:#?}");
        for text in [&display, &debug, &alternate] {
            assert_no_key(text, error.kind_name());
        }
        if *has_path {
            assert!(display.contains(SECRET_KEY_HASH), "{display}");
            assert!(debug.contains(SECRET_KEY_HASH), "{debug}");
            assert!(display.contains("clinic-data"), "{display}");
            // The raw path stays reachable for code that needs it.
            assert_eq!(error.path().map(S3Path::key), Some(SECRET_KEY));
        } else {
            assert!(error.path().is_none(), "{debug}");
        }
        // Usable as a std error / anyhow-style source chain.
        let dyn_error: &dyn std::error::Error = error;
        let mut source = dyn_error.source();
        while let Some(inner) = source {
            assert_no_key(&inner.to_string(), "source");
            source = inner.source();
        }
    }

    let not_found = Error::NotFound {
        path: secret_path(),
    };
    assert!(not_found.is_not_found());
    assert!(Error::NoSuchBucket { bucket: "b".into() }.is_not_found());
    assert!(!Error::AccessDenied { path: None }.is_not_found());
    assert_eq!(
        not_found.to_string(),
        format!("not found: s3://clinic-data/<key sha256:{SECRET_KEY_HASH}>")
    );
    let service = &errors
        .iter()
        .find(|(e, p)| e.kind_name() == "service" && *p)
        .unwrap()
        .0;
    let text = service.to_string();
    assert!(text.contains("SlowDown") && text.contains("503"), "{text}");
}

#[test]
fn redact_key_replaces_every_occurrence() {
    let message = format!("Key '{SECRET_KEY}' not found; retry {SECRET_KEY} later");
    let redacted = redact_key(&message, SECRET_KEY);
    assert_eq!(
        redacted,
        format!(
            "Key '<key sha256:{SECRET_KEY_HASH}>' not found; retry <key sha256:{SECRET_KEY_HASH}> later"
        )
    );
    assert_no_key(&redacted, "redact_key");
    assert_eq!(redact_key("nothing to hide", SECRET_KEY), "nothing to hide");
    assert_eq!(redact_key("empty key", ""), "empty key");
    assert_eq!(redact_key("", SECRET_KEY), "");
}

#[test]
fn debug_output_of_values_never_shows_keys_or_secrets() {
    let path = secret_path();
    let debug = format!("{path:?} {path:#?}");
    assert_no_key(&debug, "S3Path");
    assert!(
        debug.contains(SECRET_KEY_HASH) && debug.contains("clinic-data"),
        "{debug}"
    );
    // Display is the full path, on purpose: it is what round-trips.
    assert_eq!(path.to_string(), format!("s3://clinic-data/{SECRET_KEY}"));

    let access = "AKIAIOSFODNN7EXAMPLE";
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let token = "FwoGZXIvYXdzEXAMPLE//////////wEaDEXAMPLESESSIONTOKEN+abc/def==";
    let credentials = SigningCredentials::new(access, secret).with_session_token(token);
    assert_eq!(credentials.access_key_id(), access);
    assert_eq!(credentials.secret_access_key(), secret);
    assert_eq!(credentials.session_token(), Some(token));
    let debug = format!("{credentials:?} {credentials:#?}");
    for leaked in [access, secret, token, "AKIA", "EXAMPLE"] {
        assert!(!debug.contains(leaked), "{leaked:?} in {debug}");
    }

    let signer = PostPolicySigner::new();
    let request = PostPolicyRequest::new(100).content_type("application/gzip");
    let params = PostPolicyParams {
        url: "https://clinic-data.s3.amazonaws.com/",
        path: &path,
        request: &request,
        ttl: Duration::from_secs(600),
        credentials: &credentials,
        region: "eu-west-1",
        now: instant("2026-01-02T03:04:05Z"),
    };
    let post = signer.sign(&params).unwrap();
    let debug = format!("{post:?} {post:#?}");
    assert_no_key(&debug, "PresignedPost");
    for (name, value) in post.fields() {
        assert!(
            !debug.contains(value.as_str()),
            "value of {name} in {debug}"
        );
    }
    for leaked in [access, secret, token] {
        assert!(!debug.contains(leaked), "{leaked:?} in {debug}");
    }
    assert!(
        debug.contains("policy") && debug.contains("x-amz-signature"),
        "names are listed"
    );

    let params_debug = format!("{params:?}");
    assert_no_key(&params_debug, "PostPolicyParams");
    for leaked in [access, secret, token] {
        assert!(
            !params_debug.contains(leaked),
            "{leaked:?} in {params_debug}"
        );
    }

    let signing_key = aws_sigv4::sign::v4::generate_signing_key(
        secret,
        instant("2026-01-02T03:04:05Z"),
        "eu-west-1",
        "s3",
    );
    let signer_debug = format!("{signer:?} {signer:#?}");
    for leaked in [
        secret,
        hex::encode(signing_key.as_ref()).as_str(),
        "eu-west-1",
    ] {
        assert!(
            !signer_debug.contains(leaked),
            "{leaked:?} in {signer_debug}"
        );
    }

    let url = format!(
        "https://clinic-data.s3.amazonaws.com/{SECRET_KEY}?X-Amz-Credential={access}&X-Amz-Signature=abcdef0123&X-Amz-Security-Token={token}"
    );
    let presigned = PresignedUrl::new(url.clone(), instant("2026-01-02T04:04:05Z"));
    let debug = format!("{presigned:?} {presigned:#?}");
    assert_no_key(&debug, "PresignedUrl");
    for leaked in [
        "https://",
        "clinic-data",
        "X-Amz",
        access,
        token,
        "abcdef0123",
    ] {
        assert!(!debug.contains(leaked), "{leaked:?} in {debug}");
    }
    assert_eq!(presigned.as_str(), url);
    assert_eq!(presigned.expires_at(), instant("2026-01-02T04:04:05Z"));
    assert_eq!(presigned.into_string(), url);

    let meta = ObjectMeta {
        path: path.clone(),
        size: 3,
        etag: None,
        last_modified: None,
        content_type: None,
        metadata: Default::default(),
    };
    assert_no_key(&format!("{meta:?}"), "ObjectMeta");
    assert_no_key(
        &format!("{:?}", ObjectBody::from_bytes(Bytes::from(SECRET_KEY))),
        "ObjectBody",
    );
    assert_no_key(&format!("{:?}", Payload::from(SECRET_KEY)), "Payload");
}

// ---------------------------------------------------------------------------------------------
// Payload and ObjectBody
// ---------------------------------------------------------------------------------------------

fn chunks(
    parts: &[&'static str],
) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let items: Vec<std::io::Result<Bytes>> = parts
        .iter()
        .map(|p| Ok(Bytes::from_static(p.as_bytes())))
        .collect();
    futures::stream::iter(items)
}

#[tokio::test]
async fn payload_stream_with_the_declared_length_is_collected() {
    let payload = Payload::from_stream(chunks(&["ab", "cde", "", "f"]), 6);
    assert_eq!(payload.len(), 6);
    assert!(!payload.is_empty());
    assert_eq!(
        format!("{payload:?}"),
        "Payload { kind: \"stream\", len: 6 }"
    );
    assert_eq!(
        payload.into_bytes().await.unwrap(),
        Bytes::from_static(b"abcdef")
    );

    let payload = Payload::from_stream(chunks(&["ab", "cd"]), 4);
    let parts: Vec<Bytes> = payload.into_stream().try_collect().await.unwrap();
    assert_eq!(
        parts,
        vec![Bytes::from_static(b"ab"), Bytes::from_static(b"cd")]
    );

    let empty = Payload::from_stream(chunks(&[]), 0);
    assert!(empty.is_empty());
    assert_eq!(empty.into_bytes().await.unwrap(), Bytes::new());
}

#[tokio::test]
async fn payload_stream_with_a_wrong_declared_length_fails_with_io() {
    // Shorter than declared.
    let short = Payload::from_stream(chunks(&["abc", "de"]), 10);
    let error = short.into_bytes().await.unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("10"), "{error}");

    // Longer than declared: fails as soon as the excess chunk arrives, then ends.
    let long = Payload::from_stream(chunks(&["abc", "de", "never read"]), 3);
    let mut stream = long.into_stream();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        Bytes::from_static(b"abc")
    );
    assert!(matches!(stream.next().await, Some(Err(Error::Io { .. }))));
    assert!(stream.next().await.is_none());
    assert!(matches!(
        Payload::from_stream(chunks(&["abc", "de"]), 3)
            .into_bytes()
            .await,
        Err(Error::Io { .. })
    ));

    // Short, as a stream: every chunk, then the error, then the end.
    let mut stream = Payload::from_stream(chunks(&["ab"]), 3).into_stream();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        Bytes::from_static(b"ab")
    );
    assert!(matches!(stream.next().await, Some(Err(Error::Io { .. }))));
    assert!(stream.next().await.is_none());

    // An empty stream declared non-empty.
    assert!(matches!(
        Payload::from_stream(chunks(&[]), 1).into_bytes().await,
        Err(Error::Io { .. })
    ));

    // An I/O error from the source becomes Error::Io with its message.
    let failing = futures::stream::iter(vec![
        Ok(Bytes::from_static(b"ab")),
        Err(std::io::Error::other("disk unplugged")),
    ]);
    let error = Payload::from_stream(failing, 4)
        .into_bytes()
        .await
        .unwrap_err();
    match error {
        Error::Io { message } => assert!(message.contains("disk unplugged"), "{message}"),
        other => panic!("expected Io, got {other:?}"),
    }
}

#[tokio::test]
async fn payload_with_an_absurd_declared_length_is_an_error_not_an_abort() {
    // Nothing may be allocated on the strength of the declared length alone.
    for declared in [u64::MAX, 1 << 60, usize::MAX as u64 / 2] {
        let result = Payload::from_stream(chunks(&["ab"]), declared)
            .into_bytes()
            .await;
        assert!(
            matches!(result, Err(Error::Io { .. })),
            "{declared}: {result:?}"
        );
    }
}

#[tokio::test]
async fn in_memory_payloads() {
    for (payload, expected) in [
        (Payload::from("hello"), &b"hello"[..]),
        (Payload::from(&b"bytes"[..]), &b"bytes"[..]),
        (Payload::from(String::from("owned")), &b"owned"[..]),
        (Payload::from(vec![1u8, 2, 3]), &[1u8, 2, 3][..]),
        (Payload::from(Bytes::new()), &[][..]),
    ] {
        assert_eq!(payload.len(), expected.len() as u64);
        assert_eq!(payload.is_empty(), expected.is_empty());
        assert_eq!(
            payload.into_bytes().await.unwrap(),
            Bytes::copy_from_slice(expected)
        );
    }
    let collected: Vec<Bytes> = Payload::from("x")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(collected, vec![Bytes::from_static(b"x")]);
}

#[tokio::test]
async fn object_body_collects_chunks() {
    let parts = || {
        futures::stream::iter(vec![
            Ok(Bytes::from_static(b"hello ")),
            Ok(Bytes::new()),
            Ok(Bytes::from_static(b"wor")),
            Ok(Bytes::from_static(b"ld")),
        ])
    };
    let body = ObjectBody::new(parts());
    assert_eq!(
        body.bytes().await.unwrap(),
        Bytes::from_static(b"hello world")
    );

    // As a Stream: chunk by chunk, unchanged.
    let body = ObjectBody::new(parts());
    let collected: Vec<Bytes> = body.try_collect().await.unwrap();
    assert_eq!(collected.len(), 4);
    assert_eq!(collected.concat(), b"hello world");

    // As an AsyncRead.
    let body = ObjectBody::new(parts());
    let mut reader = body.into_async_read();
    let mut out = Vec::new();
    futures::io::AsyncReadExt::read_to_end(&mut reader, &mut out)
        .await
        .unwrap();
    assert_eq!(out, b"hello world");

    assert_eq!(
        ObjectBody::from_bytes(Bytes::from_static(b"abc"))
            .bytes()
            .await
            .unwrap(),
        Bytes::from_static(b"abc")
    );
    assert_eq!(
        ObjectBody::new(futures::stream::empty())
            .bytes()
            .await
            .unwrap(),
        Bytes::new()
    );

    // An error mid-body is returned, not swallowed.
    let body = ObjectBody::new(futures::stream::iter(vec![
        Ok(Bytes::from_static(b"partial")),
        Err(Error::Io {
            message: "connection reset".into(),
        }),
        Ok(Bytes::from_static(b"never")),
    ]));
    assert!(matches!(body.bytes().await, Err(Error::Io { .. })));
    let body = ObjectBody::new(futures::stream::iter(vec![Err(Error::Timeout {
        message: "read timeout".into(),
    })]));
    let mut out = Vec::new();
    let error = futures::io::AsyncReadExt::read_to_end(&mut body.into_async_read(), &mut out)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("read timeout"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// The trait, through its mock
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "mock")]
mod mock {
    use std::sync::Arc;

    use mockall::Sequence;
    use mockall::predicate::eq;
    use stowage_core::{Error, MockObjectStorage, ObjectStorage, PathError, Result, S3Path};

    /// Application code under test: moves a report aside, on whatever backend it is given.
    async fn archive(storage: Arc<dyn ObjectStorage>, report: &S3Path) -> Result<bool> {
        let archived = report.join(".archived")?;
        if !storage.object_exists(report).await? {
            return Ok(false);
        }
        storage.copy_object(report, &archived).await?;
        storage.delete_object(report).await?;
        Ok(true)
    }

    fn report() -> S3Path {
        S3Path::parse("s3://reports/2026/q1.pdf").unwrap()
    }

    fn archived() -> S3Path {
        S3Path::parse("s3://reports/2026/q1.pdf.archived").unwrap()
    }

    #[tokio::test]
    async fn archive_copies_then_deletes() {
        let mut storage = MockObjectStorage::new();
        let mut order = Sequence::new();
        storage
            .expect_object_exists()
            .with(eq(report()))
            .times(1)
            .in_sequence(&mut order)
            .returning(|_| Ok(true));
        storage
            .expect_copy_object()
            .with(eq(report()), eq(archived()))
            .times(1)
            .in_sequence(&mut order)
            .returning(|_, _| Ok(()));
        storage
            .expect_delete_object()
            .with(eq(report()))
            .times(1)
            .in_sequence(&mut order)
            .returning(|_| Ok(()));
        let storage: Arc<dyn ObjectStorage> = Arc::new(storage);
        assert!(archive(Arc::clone(&storage), &report()).await.unwrap());
        assert!(format!("{storage:?}").contains("MockObjectStorage"));
    }

    #[tokio::test]
    async fn archive_of_a_missing_report_touches_nothing() {
        let mut storage = MockObjectStorage::new();
        storage
            .expect_object_exists()
            .times(1)
            .returning(|_| Ok(false));
        storage.expect_copy_object().times(0);
        storage.expect_delete_object().times(0);
        assert!(!archive(Arc::new(storage), &report()).await.unwrap());
    }

    #[tokio::test]
    async fn archive_stops_when_copy_is_denied() {
        let mut storage = MockObjectStorage::new();
        storage
            .expect_object_exists()
            .times(1)
            .returning(|_| Ok(true));
        storage.expect_copy_object().times(1).returning(|from, _| {
            Err(Error::AccessDenied {
                path: Some(from.clone()),
            })
        });
        storage.expect_delete_object().times(0);
        let error = archive(Arc::new(storage), &report()).await.unwrap_err();
        assert!(
            matches!(&error, Error::AccessDenied { path: Some(p) } if *p == report()),
            "{error:?}"
        );
        assert!(!error.to_string().contains("q1.pdf"), "{error}");
    }

    #[tokio::test]
    async fn archive_propagates_a_failed_existence_check() {
        let mut storage = MockObjectStorage::new();
        storage.expect_object_exists().times(1).returning(|_| {
            Err(Error::Unreachable {
                message: "connection refused".into(),
            })
        });
        storage.expect_copy_object().times(0);
        storage.expect_delete_object().times(0);
        let error = archive(Arc::new(storage), &report()).await.unwrap_err();
        assert_eq!(error.kind_name(), "unreachable");
    }

    #[tokio::test]
    async fn archive_rejects_an_over_long_key_before_any_call() {
        let storage = MockObjectStorage::new(); // any call would panic
        let report = S3Path::new("reports", "r".repeat(1020)).unwrap();
        let error = archive(Arc::new(storage), &report).await.unwrap_err();
        assert!(matches!(
            error,
            Error::InvalidPath(PathError::KeyTooLong { len: 1029 })
        ));
    }
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
