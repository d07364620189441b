//! Core's SigV4 module: AWS's documented examples as vectors, and mint-then-verify as a
//! property.

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use stowage_core::SigningCredentials;
use stowage_core::sigv4::{
    Authorize, Presign, Rejection, SignedRequest, SigningKeyCache, SigningTime, Verifier,
};

/// The credentials of AWS's SigV4 examples for S3.
fn aws_example_credentials() -> SigningCredentials {
    SigningCredentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
}

/// 2013-05-24T00:00:00Z, the instant of AWS's examples.
fn may_24_2013() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_369_353_600)
}

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const HOST: &str = "examplebucket.s3.amazonaws.com";

fn verify_header_example(
    method: &str,
    path: &str,
    query: &str,
    signed_headers: &str,
    headers: &[(&str, &str)],
    signature: &str,
) -> Result<(), Rejection> {
    let credentials = aws_example_credentials();
    let keys = SigningKeyCache::new();
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
         SignedHeaders={signed_headers},Signature={signature}"
    );
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    all.push(("Authorization", &authorization));
    let verifier = Verifier {
        credentials: &credentials,
        region: "us-east-1",
        now: may_24_2013(),
        keys: &keys,
    };
    verifier
        .verify(&SignedRequest {
            method,
            path,
            query,
            headers: &all,
        })
        .map(|_| ())
}

/// The signature in an `authorization` header `Authorize` answered.
fn signature_of<'a>(headers: &'a [(&'static str, String)]) -> &'a str {
    let authorization = &headers
        .iter()
        .find(|(name, _)| *name == "authorization")
        .expect("an authorization header")
        .1;
    authorization
        .rsplit_once("Signature=")
        .expect("a signature")
        .1
}

/// `Authorize` signs AWS's documented header-signed examples to their published signatures.
#[test]
fn authorize_signs_aws_examples_byte_for_byte() {
    let credentials = aws_example_credentials();
    let keys = SigningKeyCache::new();
    let time = SigningTime::new(may_24_2013()).unwrap();
    let url = |path: &str| format!("https://{HOST}{path}");
    let get = url("/test.txt");
    let ranged = Authorize::new("GET", &get, "us-east-1")
        .header("Range", "bytes=0-9")
        .payload_hash(EMPTY_SHA256)
        .sign(&credentials, &time, &keys)
        .unwrap();
    assert_eq!(
        signature_of(&ranged),
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    );
    assert!(
        ranged[0]
            .1
            .contains("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date")
    );
    let put = url("/test%24file.text");
    let stored = Authorize::new("PUT", &put, "us-east-1")
        .header("Date", "Fri, 24 May 2013 00:00:00 GMT")
        .header("x-amz-storage-class", "REDUCED_REDUNDANCY")
        .payload_hash("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        .sign(&credentials, &time, &keys)
        .unwrap();
    assert_eq!(
        signature_of(&stored),
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
    );
    let root = url("/");
    let listed = Authorize::new("GET", &root, "us-east-1")
        .query("prefix", "J")
        .query("max-keys", "2")
        .payload_hash(EMPTY_SHA256)
        .sign(&credentials, &time, &keys)
        .unwrap();
    assert_eq!(
        signature_of(&listed),
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
    );
    let answered: Vec<&str> = listed.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        answered,
        ["authorization", "x-amz-content-sha256", "x-amz-date"]
    );
}

/// What `Authorize` signs, the verifier accepts, session token included; any header
/// changed after signing is refused.
#[test]
fn authorized_requests_verify_and_changed_ones_do_not() {
    let credentials = aws_example_credentials().with_session_token("FQoGZX+token/=");
    let keys = SigningKeyCache::new();
    let now = may_24_2013();
    let time = SigningTime::new(now).unwrap();
    let url = "http://127.0.0.1:3900/bucket/study%207/scan.dcm";
    let signed = Authorize::new("PUT", url, "garage")
        .query("partNumber", "3")
        .query("uploadId", "2~a/b+c")
        .header("content-length", "5")
        .sign(&credentials, &time, &keys)
        .unwrap();
    let mut headers: Vec<(&str, &str)> = signed.iter().map(|(n, v)| (*n, v.as_str())).collect();
    headers.push(("host", "127.0.0.1:3900"));
    headers.push(("content-length", "5"));
    let verifier = Verifier {
        credentials: &credentials,
        region: "garage",
        now,
        keys: &keys,
    };
    let request = |headers: &[(&str, &str)]| -> Result<(), Rejection> {
        verifier
            .authorization(&SignedRequest {
                method: "PUT",
                path: "/bucket/study%207/scan.dcm",
                query: "partNumber=3&uploadId=2~a%2Fb%2Bc",
                headers,
            })
            .map(|_| ())
    };
    request(&headers).expect("the signed request verifies");
    let longer: Vec<(&str, &str)> = headers
        .iter()
        .map(|&(n, v)| {
            if n == "content-length" {
                (n, "6")
            } else {
                (n, v)
            }
        })
        .collect();
    assert_eq!(request(&longer), Err(Rejection::SignatureMismatch));
}

#[test]
fn aws_example_get_object_with_a_range_verifies() {
    let headers = [
        ("Host", HOST),
        ("Range", "bytes=0-9"),
        ("x-amz-content-sha256", EMPTY_SHA256),
        ("x-amz-date", "20130524T000000Z"),
    ];
    let signed = "host;range;x-amz-content-sha256;x-amz-date";
    let signature = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
    verify_header_example("GET", "/test.txt", "", signed, &headers, signature).unwrap();
    let other_range = [("Range", "bytes=0-10"), headers[0], headers[2], headers[3]];
    assert_eq!(
        verify_header_example("GET", "/test.txt", "", signed, &other_range, signature),
        Err(Rejection::SignatureMismatch)
    );
}

#[test]
fn aws_example_put_object_verifies() {
    let headers = [
        ("Host", HOST),
        ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        (
            "x-amz-content-sha256",
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
        ),
    ];
    let signed = "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class";
    let signature = "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd";
    verify_header_example("PUT", "/test%24file.text", "", signed, &headers, signature).unwrap();
}

#[test]
fn aws_example_get_bucket_lifecycle_and_list_objects_verify() {
    let headers = [
        ("Host", HOST),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-content-sha256", EMPTY_SHA256),
    ];
    let signed = "host;x-amz-content-sha256;x-amz-date";
    let lifecycle = "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543";
    verify_header_example("GET", "/", "lifecycle", signed, &headers, lifecycle).unwrap();
    let list = "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7";
    verify_header_example("GET", "/", "max-keys=2&prefix=J", signed, &headers, list).unwrap();
    assert_eq!(
        verify_header_example("GET", "/", "max-keys=3&prefix=J", signed, &headers, list),
        Err(Rejection::SignatureMismatch)
    );
}

#[test]
fn aws_example_presigned_url_is_minted_byte_for_byte_and_verifies_until_it_expires() {
    let credentials = aws_example_credentials();
    let keys = SigningKeyCache::new();
    let time = SigningTime::new(may_24_2013()).unwrap();
    let url = Presign::new(
        "GET",
        "https://examplebucket.s3.amazonaws.com/test.txt",
        "us-east-1",
    )
    .expires(Duration::from_secs(86_400))
    .sign(&credentials, &time, &keys)
    .unwrap();
    assert_eq!(
        url,
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
         &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
         &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    );
    let query = url.split_once('?').unwrap().1;
    let check = |now: SystemTime| {
        Verifier {
            credentials: &credentials,
            region: "us-east-1",
            now,
            keys: &keys,
        }
        .verify(&SignedRequest {
            method: "GET",
            path: "/test.txt",
            query,
            headers: &[("host", HOST)],
        })
    };
    let verified = check(may_24_2013() + Duration::from_secs(86_400)).unwrap();
    assert_eq!(
        verified.expires_at,
        Some(may_24_2013() + Duration::from_secs(86_400))
    );
    assert_eq!(
        check(may_24_2013() + Duration::from_secs(86_401)),
        Err(Rejection::Expired)
    );
    assert_eq!(
        check(may_24_2013() - Duration::from_secs(16 * 60)),
        Err(Rejection::NotYetValid)
    );
}

#[test]
fn header_signed_requests_outside_the_clock_skew_are_refused() {
    let credentials = aws_example_credentials();
    let keys = SigningKeyCache::new();
    let headers = [
        ("Host", HOST),
        ("Range", "bytes=0-9"),
        ("x-amz-content-sha256", EMPTY_SHA256),
        ("x-amz-date", "20130524T000000Z"),
        (
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        ),
    ];
    for (offset, expected) in [(14 * 60, true), (16 * 60, false)] {
        for now in [
            may_24_2013() + Duration::from_secs(offset),
            may_24_2013() - Duration::from_secs(offset),
        ] {
            let verifier = Verifier {
                credentials: &credentials,
                region: "us-east-1",
                now,
                keys: &keys,
            };
            let result = verifier.verify(&SignedRequest {
                method: "GET",
                path: "/test.txt",
                query: "",
                headers: &headers,
            });
            if expected {
                result.unwrap();
            } else {
                assert_eq!(result, Err(Rejection::TooSkewed));
            }
        }
    }
}

#[test]
fn refusals_carry_s3s_status_and_code() {
    let credentials = aws_example_credentials();
    let keys = SigningKeyCache::new();
    let verifier = Verifier {
        credentials: &credentials,
        region: "us-east-1",
        now: may_24_2013(),
        keys: &keys,
    };
    let unsigned = verifier
        .verify(&SignedRequest {
            method: "GET",
            path: "/a",
            query: "",
            headers: &[("host", HOST)],
        })
        .unwrap_err();
    assert_eq!((unsigned.status(), unsigned.code()), (403, "AccessDenied"));
    let week_and_a_second = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature=00";
    let too_long = verifier
        .verify(&SignedRequest {
            method: "GET",
            path: "/a",
            query: week_and_a_second,
            headers: &[("host", HOST)],
        })
        .unwrap_err();
    assert_eq!(too_long, Rejection::ExpiresTooLong);
    assert_eq!(too_long.status(), 400);
    let other_key = week_and_a_second.replace("AKIAIOSFODNN7EXAMPLE", "AKIDOTHER");
    let unknown = verifier
        .verify(&SignedRequest {
            method: "GET",
            path: "/a",
            query: &other_key,
            headers: &[("host", HOST)],
        })
        .unwrap_err();
    assert_eq!(
        (unknown.status(), unknown.code()),
        (403, "InvalidAccessKeyId")
    );
}

#[test]
fn post_policies_verify_under_their_scope_only() {
    let credentials = aws_example_credentials();
    let keys = SigningKeyCache::new();
    let time = SigningTime::new(may_24_2013()).unwrap();
    let policy = "eyJjb25kaXRpb25zIjpbXX0=";
    let signature = keys.signature(
        credentials.secret_access_key(),
        &time,
        "us-east-1",
        policy.as_bytes(),
    );
    let verifier = Verifier {
        credentials: &credentials,
        region: "us-east-1",
        now: may_24_2013(),
        keys: &keys,
    };
    let credential = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";
    assert_eq!(
        verifier.post_policy(policy, credential, "20130524T000000Z", &signature),
        Ok(may_24_2013())
    );
    let other_region = credential.replace("us-east-1", "eu-west-1");
    assert_eq!(
        verifier.post_policy(policy, &other_region, "20130524T000000Z", &signature),
        Err(Rejection::SignatureMismatch)
    );
    assert_eq!(
        verifier.post_policy("eyJ4IjpbXX0=", credential, "20130524T000000Z", &signature),
        Err(Rejection::SignatureMismatch)
    );
}

/// A minted URL's path and query, and its host.
fn parts(url: &str) -> (&str, &str, &str) {
    let rest = url.split_once("://").unwrap().1;
    let (authority, path_and_query) = rest.split_at(rest.find('/').unwrap());
    let (path, query) = path_and_query.split_once('?').unwrap();
    (authority, path, query)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any URL minted verifies for exactly the request it grants, until it expires, and no
    /// longer once the method, path, a parameter, a signed header or the secret differ.
    #[test]
    fn minted_urls_verify_and_nothing_else_does(
        method in prop::sample::select(vec!["GET", "PUT", "HEAD", "DELETE"]),
        key in "\\PC{1,24}",
        query in prop::collection::vec(("[a-zA-Z][a-zA-Z-]{0,7}", "\\PC{0,10}"), 0..3),
        length in prop::option::of(0u64..10_000_000_000),
        expires in 1u64..=604_800,
        elapsed in 0.0f64..=1.0,
        token in prop::option::of("[A-Za-z0-9+/=]{8,40}"),
    ) {
        let mut credentials = SigningCredentials::new("AKIDPROP", "secret/with+chars");
        if let Some(token) = &token {
            credentials = credentials.with_session_token(token.clone());
        }
        let keys = SigningKeyCache::new();
        let signed_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let time = SigningTime::new(signed_at).unwrap();
        let base = format!("http://127.0.0.1:9000/bucket/{}", stowage_core::uri::encode_path(&key));
        let mut presign = Presign::new(method, &base, "garage").expires(Duration::from_secs(expires));
        for (name, value) in &query {
            presign = presign.query(name, value);
        }
        let length_text = length.map(|length| length.to_string());
        if let Some(length) = &length_text {
            presign = presign.header("Content-Length", length);
        }
        let url = presign.sign(&credentials, &time, &keys).unwrap();
        let (host, path, raw_query) = parts(&url);
        let mut headers = vec![("host", host)];
        if let Some(length) = &length_text {
            headers.push(("content-length", length.as_str()));
        }
        let now = signed_at + Duration::from_secs((expires as f64 * elapsed) as u64);
        let verifier = Verifier { credentials: &credentials, region: "garage", now, keys: &keys };
        let request = SignedRequest { method, path, query: raw_query, headers: &headers };
        prop_assert!(verifier.verify(&request).is_ok());

        let other_method = if method == "GET" { "PUT" } else { "GET" };
        prop_assert_eq!(
            verifier.verify(&SignedRequest { method: other_method, ..request }),
            Err(Rejection::SignatureMismatch)
        );
        let other_path = format!("{path}x");
        prop_assert_eq!(
            verifier.verify(&SignedRequest { path: &other_path, ..request }),
            Err(Rejection::SignatureMismatch)
        );
        let added = format!("{raw_query}&extra=1");
        prop_assert_eq!(
            verifier.verify(&SignedRequest { query: &added, ..request }),
            Err(Rejection::SignatureMismatch)
        );
        if let Some(length) = length {
            let longer = (length + 10).to_string();
            let lying = [("host", host), ("content-length", longer.as_str())];
            prop_assert_eq!(
                verifier.verify(&SignedRequest { headers: &lying, ..request }),
                Err(Rejection::SignatureMismatch)
            );
        }
        let expired = Verifier { now: signed_at + Duration::from_secs(expires + 1), ..verifier };
        prop_assert_eq!(expired.verify(&request), Err(Rejection::Expired));
        let other_secret = SigningCredentials::new("AKIDPROP", "another secret");
        let wrong = Verifier { credentials: &other_secret, ..verifier };
        prop_assert_eq!(wrong.verify(&request), Err(Rejection::SignatureMismatch));
    }
}
