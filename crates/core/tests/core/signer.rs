//! The POST-policy signer: SigV4 signing keys, the key cache, and sharing between threads.

use std::sync::Arc;
use std::time::Duration;

use stowage_core::{
    PostPolicyParams, PostPolicyRequest, PostPolicySigner, PresignedPost, S3Path,
    SigningCredentials,
};

use crate::support::instant;
use crate::vectors::{DocExample, vectors_dir};

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

#[test]
fn a_form_round_trips_through_its_json() {
    let signer = PostPolicySigner::new();
    let input = SignInput {
        secret: "secret-one",
        region: "eu-west-1",
        now: "2026-03-04T05:06:07Z",
    };
    let form = sign_simple(&signer, &input);
    let back: PresignedPost = serde_json::from_str(&form.to_json()).unwrap();
    assert_eq!(back, form);
    assert_eq!(back.expires_at(), instant("2026-03-04T05:16:07Z"));
    let without_policy = r#"{"url": "https://b.s3.amazonaws.com/", "fields": {"key": "k"}}"#;
    let error = serde_json::from_str::<PresignedPost>(without_policy).unwrap_err();
    assert!(error.to_string().contains("no policy field"), "{error}");
}
