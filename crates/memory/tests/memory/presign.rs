//! Presigned GET URLs and POST policies, redeemed in-process.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use stowage_core::{
    Clock, Error, FormField, ObjectStorage, PostPolicyRequest, PresignedPost, PutOptions, S3Path,
};
use stowage_memory::MemoryStorage;

use crate::support::{clocked, path, storage};

#[tokio::test]
async fn presigned_get_is_redeemable_until_expiry_and_tamper_proof() {
    let (storage, clock) = clocked(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045));
    let p = path("s3://bucket/reports/été 2026/scan #1?.nii");
    storage
        .put_object(&p, "secret body".into(), PutOptions::new())
        .await
        .unwrap();
    let url = storage
        .presigned_get_url(&p, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(!format!("{url:?}").contains("X-Amz-Signature"));
    assert_eq!(
        storage.fetch_presigned(url.as_str()).unwrap(),
        Bytes::from_static(b"secret body")
    );

    let tampered = url.as_str().replace("X-Amz-Expires=60", "X-Amz-Expires=99");
    assert_eq!(storage.fetch_presigned(&tampered).unwrap_err().status, 403);
    let other_key = url.as_str().replace("scan", "scam");
    assert_eq!(storage.fetch_presigned(&other_key).unwrap_err().status, 403);
    let foreign = storage_with_same_data_but_other_credentials(&p).await;
    assert_eq!(
        foreign.fetch_presigned(url.as_str()).unwrap_err().status,
        403
    );

    clock.advance(Duration::from_secs(61));
    let expired = storage.fetch_presigned(url.as_str()).unwrap_err();
    assert_eq!((expired.status, expired.code), (403, "AccessDenied"));

    assert!(matches!(
        storage
            .presigned_get_url(&p, Duration::from_secs(8 * 24 * 3600))
            .await,
        Err(Error::InvalidArgument { .. })
    ));
}

/// Another store holding the same object at `p`, with its own credentials.
async fn storage_with_same_data_but_other_credentials(p: &S3Path) -> MemoryStorage {
    let other = storage();
    other
        .put_object(p, "secret body".into(), PutOptions::new())
        .await
        .unwrap();
    other
}

/// A form and file, posted against `storage`; returns the HTTP status.
fn submit(
    storage: &MemoryStorage,
    form: &PresignedPost,
    fields: Vec<FormField>,
    size: usize,
) -> u16 {
    match storage.submit_post(form.url(), &fields, Bytes::from(vec![b'x'; size])) {
        Ok(_) => 204,
        Err(rejection) => rejection.status,
    }
}

/// The form's fields with `name` set to `value`.
fn with_field(form: &PresignedPost, name: &str, value: &str) -> Vec<FormField> {
    form.fields()
        .iter()
        .map(|(n, v)| {
            if n == name {
                (n.clone(), value.to_owned())
            } else {
                (n.clone(), v.clone())
            }
        })
        .collect()
}

#[tokio::test]
async fn post_policy_is_enforced_like_s3() {
    let (storage, clock) = clocked(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045));
    let p = path("s3://bucket/uploads/scan 1.nii");
    let max = 1000u64;
    let form = storage
        .presigned_post(
            &p,
            &PostPolicyRequest::new(max)
                .content_type("application/octet-stream")
                .ttl(Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    let fields = form.fields().to_vec();
    let cap = (max + 16384) as usize;

    assert_eq!(
        form.expires_at(),
        clock.now() + Duration::from_secs(600),
        "TTL clamped to 600 s"
    );
    // Over the policy's upper bound.
    assert_eq!(submit(&storage, &form, fields.clone(), cap + 1), 400);
    // Wrong Content-Type.
    assert_eq!(
        submit(
            &storage,
            &form,
            with_field(&form, "Content-Type", "text/html"),
            10
        ),
        403
    );
    // Another key.
    assert_eq!(
        submit(
            &storage,
            &form,
            with_field(&form, "key", "uploads/other"),
            10
        ),
        403
    );
    // Tampered policy and tampered signature.
    let policy = form.field("policy").unwrap();
    let tampered_policy = format!("{}A", &policy[..policy.len() - 1]);
    assert_eq!(
        submit(
            &storage,
            &form,
            with_field(&form, "policy", &tampered_policy),
            10
        ),
        403
    );
    let signature = form.field("x-amz-signature").unwrap();
    let flipped = if signature.starts_with('0') { "1" } else { "0" };
    let tampered_signature = format!("{flipped}{}", &signature[1..]);
    assert_eq!(
        submit(
            &storage,
            &form,
            with_field(&form, "x-amz-signature", &tampered_signature),
            10
        ),
        403
    );
    // A field the policy does not cover.
    let mut extra = fields.clone();
    extra.insert(0, ("success_action_status".into(), "201".into()));
    assert_eq!(submit(&storage, &form, extra, 10), 403);
    assert!(
        !storage.object_exists(&p).await.unwrap(),
        "rejections store nothing"
    );

    // Exactly the cap the policy allows is accepted, and readable.
    assert_eq!(submit(&storage, &form, fields.clone(), cap), 204);
    let head = storage.head_object(&p).await.unwrap();
    assert_eq!(head.size, cap as u64);
    assert_eq!(
        head.content_type.as_deref(),
        Some("application/octet-stream")
    );
    storage.delete_object(&p).await.unwrap();

    // Expired.
    clock.advance(Duration::from_secs(601));
    assert_eq!(submit(&storage, &form, fields, 10), 403);
    assert!(!storage.object_exists(&p).await.unwrap());
}

#[tokio::test]
async fn post_policy_without_content_type_accepts_any() {
    let storage = storage();
    let p = path("s3://bucket/any-type");
    let form = storage
        .presigned_post(&p, &PostPolicyRequest::new(10))
        .await
        .unwrap();
    assert!(form.field("Content-Type").is_none());
    assert_eq!(submit(&storage, &form, form.fields().to_vec(), 10), 204);
    assert_eq!(storage.head_object(&p).await.unwrap().size, 10);
}
