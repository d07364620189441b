//! The upload app's HTTP service: the page, upload policies for the signed-in user's key
//! prefix, and that user's files with download links.
//!
//! The service signs and lists; it never sees a file's bytes. The browser posts the file
//! straight to the store, and the store enforces the policy: the exact key, the size cap,
//! the Content-Type and the expiry.
//!
//! Routes:
//! - `GET /`: the page.
//! - `POST /api/uploads` with `{"name": ..., "type": ...}`: an upload policy
//!   (`{"url": ..., "fields": {...}}`) for `users/{user}/{name}`, when the type is allowed.
//! - `GET /api/files`: `{"files": [{"name", "size", "url"}]}`, the user's objects with
//!   presigned download links.
//!
//! The user is the `X-User` header (`[a-z0-9_-]`, at most 32 characters). This is where a
//! real application takes the user from its session or its authenticating proxy.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use stowage::memory::{HttpServer, MemoryStorage};
use stowage::{ObjectStorage, PostPolicyRequest, PresignedPost, S3Path, hash_s3_key};

/// The page: markup, style and script, with `{{RULES}}` standing for the upload rules.
const PAGE: &str = include_str!("page.html");
/// The header that names the signed-in user.
const USER_HEADER: &str = "x-user";
/// The longest user name.
const MAX_USER_CHARS: usize = 32;
/// The longest file name, in bytes.
const MAX_NAME_BYTES: usize = 255;
/// How long a download link stays valid.
const DOWNLOAD_TTL: Duration = Duration::from_secs(600);

/// What the app lets a user upload.
#[derive(Debug, Clone)]
pub struct UploadRules {
    /// The size cap of one file, in bytes, as `PostPolicyRequest::max_bytes`: the store
    /// accepts files up to this plus the policy's multipart slack.
    pub max_bytes: u64,
    /// The Content-Types a file may have; the policy locks the upload to the one asked for.
    pub content_types: Vec<String>,
    /// How long an upload policy stays valid.
    pub policy_ttl: Duration,
}

/// What the page tells the user about the rules.
#[derive(Debug, Serialize)]
struct PageRules<'a> {
    /// The largest file the store accepts: the policy's `content-length-range` maximum.
    limit_bytes: u64,
    /// The Content-Types a file may have.
    content_types: &'a [String],
}

/// The service's state: the store, the bucket and the rules.
#[derive(Debug, Clone)]
pub struct App {
    /// Where the files go.
    storage: Arc<dyn ObjectStorage>,
    /// The bucket users' prefixes live in.
    bucket: String,
    /// What may be uploaded.
    rules: Arc<UploadRules>,
    /// The page, with the rules filled in.
    page: Bytes,
}

impl App {
    /// An app that hands out policies for `bucket` of `storage` under `rules`.
    pub fn new(
        storage: Arc<dyn ObjectStorage>,
        bucket: impl Into<String>,
        rules: UploadRules,
    ) -> Self {
        let page = render_page(&rules);
        Self {
            storage,
            bucket: bucket.into(),
            rules: Arc::new(rules),
            page: Bytes::from(page),
        }
    }

    /// The routes, ready for `axum::serve`.
    pub fn router(self) -> Router {
        Router::new()
            .route("/", get(page))
            .route("/api/uploads", post(upload_policy))
            .route("/api/files", get(list_files))
            .with_state(self)
    }

    /// The key prefix of `user`'s files.
    fn prefix(&self, user: &str) -> Result<S3Path, ApiError> {
        S3Path::new(&self.bucket, format!("users/{user}/")).map_err(ApiError::bad_request)
    }
}

/// A memory store with `bucket`, served over HTTP on 127.0.0.1, whose bucket lets pages from
/// `origins` read its answers. The store stops when the server is dropped.
pub async fn memory_store(
    bucket: &str,
    origins: &[String],
) -> std::io::Result<(MemoryStorage, HttpServer)> {
    let storage = MemoryStorage::builder().bucket(bucket).build();
    let server = HttpServer::start(&storage).await?;
    server.allow_origins(bucket, origins.iter().cloned());
    Ok((storage, server))
}

/// The page with the rules as JSON in its `<script id="rules">`.
fn render_page(rules: &UploadRules) -> String {
    let shown = PageRules {
        limit_bytes: PostPolicyRequest::new(rules.max_bytes).content_length_upper_bound(),
        content_types: &rules.content_types,
    };
    let json = serde_json::to_string(&shown).unwrap_or_else(|_| "{}".to_owned());
    // Inside a <script>, `<` could close the element.
    PAGE.replace("{{RULES}}", &json.replace('<', "\\u003c"))
}

/// `GET /`.
async fn page(State(app): State<App>) -> Html<Bytes> {
    Html(app.page)
}

/// What the page asks a policy for.
#[derive(Debug, Deserialize)]
struct UploadAsk {
    /// The file's name: the last part of the key.
    name: String,
    /// The file's Content-Type, as the browser reports it.
    #[serde(rename = "type")]
    content_type: String,
}

/// `POST /api/uploads`: a policy for one file under the user's prefix.
async fn upload_policy(
    State(app): State<App>,
    headers: HeaderMap,
    Json(ask): Json<UploadAsk>,
) -> Result<Json<PresignedPost>, ApiError> {
    let user = signed_in_user(&headers)?;
    check_file_name(&ask.name)?;
    if !app.rules.content_types.contains(&ask.content_type) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("files of type {:?} are not accepted", ask.content_type),
        ));
    }
    let path = app
        .prefix(user)?
        .join(&ask.name)
        .map_err(ApiError::bad_request)?;
    let request = PostPolicyRequest::new(app.rules.max_bytes)
        .content_type(&ask.content_type)
        .ttl(app.rules.policy_ttl);
    let policy = app
        .storage
        .presigned_post(&path, &request)
        .await
        .map_err(ApiError::storage)?;
    tracing::info!(
        user,
        key_hash = hash_s3_key(path.key()),
        "upload policy issued"
    );
    Ok(Json(policy))
}

/// One of the user's files, as the page lists it.
#[derive(Debug, Serialize)]
struct FileEntry {
    /// The name under the user's prefix.
    name: String,
    /// Size in bytes.
    size: u64,
    /// A presigned download link.
    url: String,
}

/// The answer of `GET /api/files`.
#[derive(Debug, Serialize)]
struct FileList {
    /// The user's files, in key order.
    files: Vec<FileEntry>,
}

/// `GET /api/files`: the user's files, each with a download link.
async fn list_files(
    State(app): State<App>,
    headers: HeaderMap,
) -> Result<Json<FileList>, ApiError> {
    let user = signed_in_user(&headers)?;
    let prefix = app.prefix(user)?;
    let listing = app
        .storage
        .list_objects(&prefix, None)
        .await
        .map_err(ApiError::storage)?;
    let mut files = Vec::with_capacity(listing.objects.len());
    for object in listing.objects {
        let url = app
            .storage
            .presigned_get_url(&object.path, DOWNLOAD_TTL)
            .await
            .map_err(ApiError::storage)?;
        files.push(FileEntry {
            name: object.path.key()[prefix.key().len()..].to_owned(),
            size: object.size,
            url: url.into_string(),
        });
    }
    Ok(Json(FileList { files }))
}

/// The user the request is made for: the `X-User` header, validated.
fn signed_in_user(headers: &HeaderMap) -> Result<&str, ApiError> {
    let user = headers
        .get(USER_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let valid = (1..=MAX_USER_CHARS).contains(&user.len())
        && user
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if valid {
        Ok(user)
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign in: a user name of 1 to 32 characters a-z, 0-9, - and _",
        ))
    }
}

/// A file name becomes the last part of a key: one path segment, printable.
fn check_file_name(name: &str) -> Result<(), ApiError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control);
    if valid {
        Ok(())
    } else {
        Err(ApiError::bad_request("not a usable file name"))
    }
}

/// A refusal: a status and a message for the page, as `{"error": ...}`.
#[derive(Debug)]
struct ApiError {
    /// The HTTP status.
    status: StatusCode,
    /// What the page shows.
    message: String,
}

impl ApiError {
    /// A refusal with `status`.
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// A 400 for input the app cannot use.
    fn bad_request(error: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error.to_string())
    }

    /// A 502 for a store that failed; its errors name keys by hash only.
    fn storage(error: stowage::Error) -> Self {
        tracing::warn!(%error, "storage call failed");
        Self::new(StatusCode::BAD_GATEWAY, "the storage service failed")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message });
        (self.status, Json(body)).into_response()
    }
}
