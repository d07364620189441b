//! A web app whose users upload files of any size straight from the browser to object
//! storage.
//!
//! The app serves a page with Uppy (Dashboard + AwsS3, the app as its companion, the bundle
//! served by the app from the cache `scripts/uppy.sh` fills on first run). Small files get
//! an upload policy (presigned POST); larger ones a resumable multipart upload whose parts
//! the app signs one by one, each for its exact length, and completes from the store's own
//! part list. Both are for the user's own key prefix with a size cap and a Content-Type
//! lock. The page lists the user's files with presigned download links; the app never
//! touches the bytes. `/form` is a plain form page for small files.
//!
//! ```sh
//! cargo run -p stowage-suite --example upload_app
//! ```
//!
//! then open <http://127.0.0.1:3000/?user=alice>. Without further settings the files go to
//! an in-memory store served over HTTP on 127.0.0.1 by this process
//! (`stowage::memory::HttpServer`); nothing is kept when it exits.
//!
//! Environment:
//! - `UPLOAD_APP_ADDR`: the app's address (default `127.0.0.1:3000`).
//! - `UPLOAD_APP_BUCKET`: store files in this S3 bucket instead of memory. Region and
//!   credentials come from the AWS chain: `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//!   `AWS_SECRET_ACCESS_KEY` (or a profile, SSO, instance metadata).
//! - `UPLOAD_APP_ENDPOINT`: an S3-compatible server's URL (Garage:
//!   `http://127.0.0.1:3900` with `AWS_REGION=garage`), addressed path-style.
//! - `UPLOAD_APP_GRANT_KEY`: the secret (at least 32 bytes) that MACs upload grants; every
//!   replica of the app needs the same one. Without it, a random key: uploads in flight do
//!   not survive a restart.
//!
//! On S3 the bucket needs a CORS rule that lets the app's origin POST, PUT and GET and
//! exposes `ETag` (see `docs/browser-uploads.md`); without one the store still stores what
//! it accepts, but the page cannot read the answer.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use stowage::ObjectStorage;
use stowage::memory::HttpServer;
use stowage::resumable::GrantKey;
use stowage::s3::S3Storage;
use tokio::net::TcpListener;

use stowage_suite::upload_app::{App, UploadRules, UppyAssets};

/// The bucket of the in-memory store.
const MEMORY_BUCKET: &str = "uploads";

/// Where the files go, and the in-memory store's server when there is one.
type Store = (Arc<dyn ObjectStorage>, String, Option<HttpServer>);

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt().init();
    let addr: SocketAddr = std::env::var("UPLOAD_APP_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()?;
    let listener = TcpListener::bind(addr).await?;
    let port = listener.local_addr()?.port();
    let origins = [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ];
    let (storage, bucket, _server) = store(&origins).await?;
    let key = match std::env::var("UPLOAD_APP_GRANT_KEY") {
        Ok(secret) => GrantKey::new(secret)?,
        Err(_) => GrantKey::random()?,
    };
    let app = App::new(storage, bucket, rules(), key, UppyAssets::load()?);
    println!("upload app: open {}/?user=alice", origins[0]);
    axum::serve(listener, app.router()).await?;
    Ok(())
}

/// Imaging studies, archives, model weights, images, PDFs and text, up to 50 GiB each;
/// policies valid 5 minutes, multipart uploads a day; parts of 8 MiB above 16 MiB.
fn rules() -> UploadRules {
    UploadRules {
        max_bytes: 50 * 1024 * 1024 * 1024,
        content_types: [
            "application/dicom",
            "application/zip",
            "application/octet-stream",
            "image/png",
            "image/jpeg",
            "application/pdf",
            "text/plain",
        ]
        .map(String::from)
        .to_vec(),
        policy_ttl: Duration::from_secs(300),
        multipart_threshold: 16 * 1024 * 1024,
        part_size: 8 * 1024 * 1024,
        upload_ttl: Duration::from_secs(24 * 3600),
    }
}

/// The S3 bucket `UPLOAD_APP_BUCKET` names, or else an in-memory store served over HTTP
/// that lets pages from `origins` read its answers.
async fn store(origins: &[String]) -> Result<Store, Box<dyn Error>> {
    let Ok(bucket) = std::env::var("UPLOAD_APP_BUCKET") else {
        let (storage, server) =
            stowage_suite::upload_app::memory_store(MEMORY_BUCKET, origins).await?;
        println!("store: in memory, served at {}", server.endpoint());
        return Ok((Arc::new(storage), MEMORY_BUCKET.to_owned(), Some(server)));
    };
    let mut builder = S3Storage::builder();
    if let Ok(endpoint) = std::env::var("UPLOAD_APP_ENDPOINT") {
        builder = builder.endpoint_url(endpoint).force_path_style(true);
    }
    let storage = builder.build().await?;
    println!("store: S3 bucket {bucket} (its CORS rule must allow {origins:?})");
    Ok((Arc::new(storage), bucket, None))
}
