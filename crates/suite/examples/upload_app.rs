//! A web app whose users upload files straight from the browser to object storage.
//!
//! The app serves a page, hands out upload policies (presigned POST) for the user's own key
//! prefix with a size cap and a Content-Type lock, and lists the user's files with
//! presigned download links. The page posts each file to the store itself, with a progress
//! bar; the app never touches the bytes.
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
//!
//! On S3 the bucket needs a CORS rule that lets the app's origin POST and GET (see the
//! README, "Browser uploads"); without one the store still stores what it accepts, but the
//! page cannot read the answer.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use stowage::ObjectStorage;
use stowage::memory::HttpServer;
use stowage::s3::S3Storage;
use tokio::net::TcpListener;

use stowage_suite::upload_app::{App, UploadRules};

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
    let app = App::new(storage, bucket, rules());
    println!("upload app: open {}/?user=alice", origins[0]);
    axum::serve(listener, app.router()).await?;
    Ok(())
}

/// Images, PDFs and text, up to 10 MiB each, with policies valid 5 minutes.
fn rules() -> UploadRules {
    UploadRules {
        max_bytes: 10 * 1024 * 1024,
        content_types: ["image/png", "image/jpeg", "application/pdf", "text/plain"]
            .map(String::from)
            .to_vec(),
        policy_ttl: Duration::from_secs(300),
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
