//! The upload app's HTTP service: two pages, upload policies and resumable multipart
//! uploads for the signed-in user's key prefix, and that user's files with download links.
//!
//! The service signs and lists; it never sees a file's bytes. The browser sends the file
//! straight to the store, and the store and the service enforce the rules: the exact key,
//! the size cap, the Content-Type and the expiry.
//!
//! Routes:
//! - `GET /`: the Uppy page (Dashboard + AwsS3 in companion mode, this app as companion):
//!   files up to the cap, multipart above the threshold, resumable, a progress bar each.
//! - `GET /form`: a plain HTML form page for one small file, posted with a POST policy.
//! - `GET /assets/uppy.min.mjs`, `GET /assets/uppy.min.css`: Uppy's bundle, served from the
//!   cache `scripts/uppy.sh` fills; `GET /assets/files.js`: what both pages share.
//! - `/s3/...`: Uppy's S3 protocol ([`stowage::resumable::uppy`]): POST policies for small
//!   files, resumable multipart uploads for the rest.
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
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use stowage::memory::{HttpServer, MemoryStorage};
use stowage::resumable::uppy::{Refusal, UppyCompanion, UserRules, check_file_name};
use stowage::resumable::{GrantKey, ResumableUploads};
use stowage::{ObjectStorage, PostPolicyRequest, PresignedPost, S3Path, hash_s3_key};

mod assets;

pub use assets::{UPPY_VERSION, UppyAssets};

/// The form page: markup, style and script, with `{{RULES}}` standing for the upload rules.
const FORM_PAGE: &str = include_str!("form.html");
/// The Uppy page, with `{{RULES}}` standing for the upload rules.
const UPPY_PAGE: &str = include_str!("uppy.html");
/// The script both pages load: sizes and the user's file list.
const FILES_SCRIPT: &str = include_str!("files.js");
/// The header that names the signed-in user.
const USER_HEADER: &str = "x-user";
/// The longest user name.
const MAX_USER_CHARS: usize = 32;
/// How long a download link stays valid.
const DOWNLOAD_TTL: Duration = Duration::from_secs(600);

/// What the app lets a user upload.
#[derive(Debug, Clone)]
pub struct UploadRules {
    /// The size cap of one file, in bytes. A multipart upload is refused above it; a POST
    /// policy takes it as `PostPolicyRequest::max_bytes`, so the store accepts files up to
    /// this plus the policy's multipart slack.
    pub max_bytes: u64,
    /// The Content-Types a file may have; the policy or the upload locks the object to the
    /// one asked for.
    pub content_types: Vec<String>,
    /// How long an upload policy stays valid.
    pub policy_ttl: Duration,
    /// Files above this size go in parts (the Uppy page); smaller ones take a POST policy.
    pub multipart_threshold: u64,
    /// The size of every part but the last (at least 5 MiB); more for files above 10,000
    /// of them.
    pub part_size: u64,
    /// How long a multipart upload may take, resumes included.
    pub upload_ttl: Duration,
}

/// What the pages tell the user about the rules.
#[derive(Debug, Serialize)]
struct PageRules<'a> {
    /// The largest file the form page's store accepts: the policy's
    /// `content-length-range` maximum.
    limit_bytes: u64,
    /// The largest file of the Uppy page.
    max_bytes: u64,
    /// The Content-Types a file may have.
    content_types: &'a [String],
    /// Above this size the Uppy page uploads in parts.
    multipart_threshold: u64,
    /// The smallest part size; the page cuts files as the service plans them.
    part_size: u64,
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
    /// The form page, with the rules filled in.
    form_page: Bytes,
    /// The Uppy page, with the rules filled in.
    uppy_page: Bytes,
    /// Uppy's bundle.
    assets: UppyAssets,
    /// Uppy's S3 protocol over resumable uploads.
    companion: UppyCompanion,
}

impl App {
    /// An app that hands out policies and multipart uploads for `bucket` of `storage` under
    /// `rules`, its grants MACed with `key`, its Uppy page loading `assets`.
    pub fn new(
        storage: Arc<dyn ObjectStorage>,
        bucket: impl Into<String>,
        rules: UploadRules,
        key: GrantKey,
        assets: UppyAssets,
    ) -> Self {
        let bucket = bucket.into();
        let uploads = ResumableUploads::new(Arc::clone(&storage), key).part_size(rules.part_size);
        let companion = UppyCompanion::new(uploads, authorize(bucket.clone(), rules.clone()));
        Self {
            storage,
            bucket,
            form_page: Bytes::from(render_page(FORM_PAGE, &rules)),
            uppy_page: Bytes::from(render_page(UPPY_PAGE, &rules)),
            rules: Arc::new(rules),
            assets,
            companion,
        }
    }

    /// The routes, ready for `axum::serve`.
    pub fn router(self) -> Router {
        let companion = self.companion.router();
        Router::new()
            .route("/", get(uppy_page))
            .route("/form", get(form_page))
            .route("/assets/uppy.min.mjs", get(uppy_script))
            .route("/assets/uppy.min.css", get(uppy_styles))
            .route("/assets/files.js", get(files_script))
            .route("/api/uploads", post(upload_policy))
            .route("/api/files", get(list_files))
            .with_state(self)
            .nest("/s3", companion)
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

/// `page` with the rules as JSON in its `<script id="rules">`.
fn render_page(page: &str, rules: &UploadRules) -> String {
    let shown = PageRules {
        limit_bytes: PostPolicyRequest::new(rules.max_bytes).content_length_upper_bound(),
        max_bytes: rules.max_bytes,
        content_types: &rules.content_types,
        multipart_threshold: rules.multipart_threshold,
        part_size: rules.part_size,
    };
    let json = serde_json::to_string(&shown).unwrap_or_else(|_| "{}".to_owned());
    // Inside a <script>, `<` could close the element.
    page.replace("{{RULES}}", &json.replace('<', "\\u003c"))
}

/// The companion's authorization: the `X-User` header names the user, whose files go under
/// `users/{user}/` of `bucket` under `rules`.
fn authorize(
    bucket: String,
    rules: UploadRules,
) -> impl Fn(&Parts) -> Result<UserRules, Refusal> + Send + Sync + 'static {
    move |request: &Parts| {
        let user = signed_in_user(&request.headers)
            .map_err(|error| Refusal::new(error.status, error.message))?;
        let prefix = S3Path::new(&bucket, format!("users/{user}/"))
            .map_err(|error| Refusal::bad_request(error.to_string()))?;
        Ok(UserRules::new(user, prefix, rules.max_bytes)
            .content_types(rules.content_types.iter().cloned())
            .policy_ttl(rules.policy_ttl)
            .upload_ttl(rules.upload_ttl))
    }
}

/// `GET /`: the Uppy page.
async fn uppy_page(State(app): State<App>) -> Html<Bytes> {
    Html(app.uppy_page)
}

/// `GET /form`: the form page.
async fn form_page(State(app): State<App>) -> Html<Bytes> {
    Html(app.form_page)
}

/// `GET /assets/uppy.min.mjs`.
async fn uppy_script(State(app): State<App>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/javascript")], app.assets.script)
}

/// `GET /assets/files.js`.
async fn files_script() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/javascript")], FILES_SCRIPT)
}

/// `GET /assets/uppy.min.css`.
async fn uppy_styles(State(app): State<App>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/css")], app.assets.styles)
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
    check_file_name(&ask.name).map_err(|refusal| ApiError::new(refusal.status, refusal.message))?;
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
