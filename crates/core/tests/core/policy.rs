//! POST policies against boto3's vectors: fields, policy JSON, signature, the form's JSON
//! shape, and the request builder.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use proptest::prelude::*;
use stowage_core::{
    Condition, Error, PathError, PolicyDocument, PostPolicyParams, PostPolicyRequest,
    PostPolicySigner, S3Path, SigningCredentials,
};

use crate::support::instant;
use crate::vectors::{load_vectors, sign_case};

/// A policy document as a JSON value, to compare with the JSON it was read from.
fn document_value(document: &PolicyDocument) -> serde_json::Value {
    let conditions: Vec<serde_json::Value> = document
        .conditions
        .iter()
        .map(|condition| match condition {
            Condition::Exact(entries) => entries
                .iter()
                .map(|(name, value)| (name.clone(), serde_json::Value::from(value.as_str())))
                .collect(),
            Condition::Array(items) => serde_json::Value::Array(items.clone()),
        })
        .collect();
    serde_json::json!({ "expiration": document.expiration, "conditions": conditions })
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
        // The document parses back with every condition, in order, nothing lost.
        let document: PolicyDocument = serde_json::from_str(&case.policy_json).unwrap();
        let json: serde_json::Value = serde_json::from_str(&case.policy_json).unwrap();
        assert_eq!(
            document_value(&document),
            json,
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

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
        let value = &document_value(&document)["conditions"][2];
        prop_assert_eq!(value, &serde_json::json!({ "key": key }));
    }
}
