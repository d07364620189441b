//! `Debug` of every value that holds a key or a secret shows neither.

use std::time::Duration;

use bytes::Bytes;
use stowage_core::{
    ObjectBody, ObjectMeta, Payload, PostPolicyParams, PostPolicyRequest, PostPolicySigner,
    PresignedUrl, SigningCredentials,
};

use crate::support::{SECRET_KEY, SECRET_KEY_HASH, assert_no_key, instant, secret_path};

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

    let meta = ObjectMeta::new(path.clone(), 3);
    assert_no_key(&format!("{meta:?}"), "ObjectMeta");
    assert_no_key(
        &format!("{:?}", ObjectBody::from_bytes(Bytes::from(SECRET_KEY))),
        "ObjectBody",
    );
    assert_no_key(&format!("{:?}", Payload::from(SECRET_KEY)), "Payload");
}
