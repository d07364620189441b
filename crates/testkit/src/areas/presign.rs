//! Presigned GET URLs and browser upload policies, redeemed as a client would.

use std::time::Duration;

use bytes::Bytes;
use stowage_core::{Error, FormField, PostPolicyRequest, PresignedPost, PutOptions};

use crate::Fixture;

/// A presigned URL downloads the object; a tampered one is refused with 403.
///
/// A backend without presigning must answer `Error::Unsupported`.
pub async fn presigned_get(f: &Fixture<'_>) {
    let path = f
        .fresh_prefix("presign-get")
        .join("report #1?.pdf")
        .unwrap();
    f.storage
        .put_object(&path, "secret body".into(), PutOptions::new())
        .await
        .expect("put");
    let url = f
        .storage
        .presigned_get_url(&path, Duration::from_secs(300))
        .await;
    if !f.capabilities.presigned_get {
        assert!(
            matches!(url, Err(Error::Unsupported { .. })),
            "no presigned GET: expected Unsupported, got {url:?}"
        );
        return;
    }
    let url = url.expect("presigned URL");
    assert_eq!(
        f.redeemer.get(url.as_str()).await,
        (200, Bytes::from_static(b"secret body"))
    );

    let signature_at = url
        .as_str()
        .find("X-Amz-Signature=")
        .expect("a SigV4 URL carries its signature")
        + "X-Amz-Signature=".len();
    let mut tampered = url.as_str().to_owned();
    let flipped = if &tampered[signature_at..=signature_at] == "0" {
        "1"
    } else {
        "0"
    };
    tampered.replace_range(signature_at..=signature_at, flipped);
    assert_eq!(
        f.redeemer.get(&tampered).await.0,
        403,
        "a tampered signature is refused"
    );

    assert!(
        matches!(
            f.storage
                .presigned_get_url(&path, Duration::from_secs(8 * 24 * 3600))
                .await,
            Err(Error::InvalidArgument { .. })
        ),
        "more than 7 days is an error"
    );
    f.storage.delete_object(&path).await.expect("delete");
}

fn replaced(form: &PresignedPost, name: &str, value: &str) -> Vec<FormField> {
    form.fields()
        .iter()
        .map(|(field, old)| {
            (
                field.clone(),
                if field == name {
                    value.to_owned()
                } else {
                    old.clone()
                },
            )
        })
        .collect()
}

fn file(size: u64) -> Bytes {
    Bytes::from(vec![b'x'; usize::try_from(size).expect("test sizes fit")])
}

/// The store enforces the policy: the cap, the Content-Type, the key and the signature.
///
/// Exactly `max_bytes + 16 KiB` is accepted (the multipart allowance); one byte more, a
/// wrong Content-Type, another key, a tampered policy or signature are refused with a 4xx
/// and store nothing. A backend without policies must answer `Error::Unsupported`.
pub async fn post_policy(f: &Fixture<'_>) {
    let prefix = f.fresh_prefix("post");
    let path = prefix.join("upload.bin").unwrap();
    let request = PostPolicyRequest::new(1024).content_type("application/octet-stream");
    let form = f.storage.presigned_post(&path, &request).await;
    if !f.capabilities.post_policy {
        assert!(
            matches!(form, Err(Error::Unsupported { .. })),
            "no POST policy: expected Unsupported, got {form:?}"
        );
        return;
    }
    let form = form.expect("policy");
    let cap = request.content_length_upper_bound();
    let fields = form.fields().to_vec();
    let policy = form.field("policy").unwrap();
    let signature = form.field("x-amz-signature").unwrap();
    let rejected = [
        ("over the cap", fields.clone(), cap + 1),
        (
            "wrong Content-Type",
            replaced(&form, "Content-Type", "text/html"),
            10,
        ),
        (
            "another key",
            replaced(&form, "key", prefix.join("other").unwrap().key()),
            10,
        ),
        (
            "tampered policy",
            replaced(
                &form,
                "policy",
                &format!("{}A", &policy[..policy.len() - 4]),
            ),
            10,
        ),
        (
            "tampered signature",
            replaced(
                &form,
                "x-amz-signature",
                &signature.chars().rev().collect::<String>(),
            ),
            10,
        ),
    ];
    for (what, fields, size) in rejected {
        let status = f.redeemer.post(form.url(), &fields, file(size)).await;
        assert!(
            (400..500).contains(&status),
            "{what}: expected a 4xx refusal, got {status}"
        );
        assert!(
            !f.storage.object_exists(&path).await.expect("exists"),
            "{what}: a refused upload stored nothing"
        );
        assert!(
            !f.storage
                .object_exists(&prefix.join("other").unwrap())
                .await
                .expect("exists")
        );
    }
    let status = f.redeemer.post(form.url(), &fields, file(cap)).await;
    assert!(
        (200..300).contains(&status),
        "exactly the cap is accepted, got {status}"
    );
    let head = f.storage.head_object(&path).await.expect("uploaded object");
    assert_eq!(head.size, cap);
    assert_eq!(
        head.content_type.as_deref(),
        Some("application/octet-stream")
    );
    f.storage.delete_object(&path).await.expect("delete");
}
