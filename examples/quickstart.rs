//! A tour of stowage on the in-memory backend: no server, no credentials.
//!
//! Issues a browser upload policy, uploads through it as a browser would, lists the
//! bucket, presigns a download link, redeems it, and deletes the object.
//!
//! Run with `cargo run --example quickstart`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use stowage::memory::MemoryStorage;
use stowage::{ObjectStorage, PostPolicyRequest, S3Path, hash_s3_key};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let memory = MemoryStorage::builder().bucket("uploads").build();
    // Application code sees only the trait.
    let storage: Arc<dyn ObjectStorage> = Arc::new(memory.clone());
    let path = S3Path::parse("s3://uploads/models/tiny-llm/weights.bin")?;
    println!(
        "object:   bucket={} key_hash={}",
        path.bucket(),
        hash_s3_key(path.key())
    );

    // 1. The server hands the browser an upload form: at most 1 MiB, octet-stream only.
    let request = PostPolicyRequest::new(1024 * 1024)
        .content_type("application/octet-stream")
        .ttl(Duration::from_secs(300));
    let form = storage.presigned_post(&path, &request).await?;
    let names: Vec<&str> = form
        .fields()
        .iter()
        .map(|(name, _)| name.as_ref())
        .collect();
    println!("1. policy  POST {} with fields {names:?}", form.url());

    // 2. The browser posts the form with the file; the store enforces the policy.
    let weights = Bytes::from(vec![7u8; 4096]);
    let too_big = Bytes::from(vec![7u8; 2 * 1024 * 1024]);
    match memory.submit_post(form.url(), form.fields(), too_big) {
        Err(rejection) => println!(
            "2. upload  2 MiB file rejected: HTTP {} {}",
            rejection.status, rejection.code
        ),
        Ok(_) => return Err("an oversized upload was accepted".into()),
    }
    let stored = memory.submit_post(form.url(), form.fields(), weights.clone())?;
    println!(
        "2. upload  4 KiB file accepted, ETag {}",
        stored.etag.unwrap_or_default()
    );

    // 3. List what is there (every page, always).
    let listing = storage
        .list_objects(&S3Path::parse("s3://uploads/models/")?, None)
        .await?;
    for object in &listing.objects {
        println!(
            "3. list    {} bytes, key_hash={}",
            object.size,
            object.path.key_hash()
        );
    }

    // 4. A download link, valid for ten minutes.
    let url = storage
        .presigned_get_url(&path, Duration::from_secs(600))
        .await?;
    println!("4. presign download link issued ({url:?})");

    // 5. Whoever holds the link downloads the object.
    let downloaded = memory.fetch_presigned(url.as_str())?;
    assert_eq!(downloaded, weights);
    println!(
        "5. redeem  downloaded {} bytes, identical to the upload",
        downloaded.len()
    );

    // 6. Clean up.
    let report = storage.delete_objects(std::slice::from_ref(&path)).await?;
    println!(
        "6. delete  {} deleted, {} failed; exists now: {}",
        report.deleted.len(),
        report.failed.len(),
        storage.object_exists(&path).await?
    );
    Ok(())
}
