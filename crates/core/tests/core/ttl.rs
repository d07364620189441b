//! TTL rules: the ceilings, the clamp warning that names the key only by its hash, and
//! the clamped TTL in a signed policy.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use stowage_core::{
    Error, PostPolicyParams, PostPolicyRequest, PostPolicySigner, S3Path, SIGV4_MAX_TTL_SECONDS,
    SigningCredentials, TtlLimits, hash_s3_key,
};

use crate::support::{
    SECRET_KEY, SECRET_KEY_HASH, assert_no_key, capture_logs, instant, secret_path,
};
use crate::vectors::load_vectors;

#[test]
fn post_policy_through_ttl_limits_matches_boto3_vectors() {
    // The default ceiling gives min(requested, 600); the vectors' TTLs go through it too.
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
