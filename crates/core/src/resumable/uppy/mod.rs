//! Uppy's S3 protocol (`@uppy/aws-s3` in companion mode) as an axum router, over
//! [`ResumableUploads`].
//!
//! Mount [`UppyCompanion::router`] under a path of the service (`/s3` when Uppy's
//! `endpoint` is the service's origin) and the page's Uppy talks to it:
//!
//! | Request | Answer |
//! |---|---|
//! | `GET /params?filename=&type=` | a POST policy for a small file: `{method: "POST", url, fields, expires}` |
//! | `POST /multipart` `{filename, type, metadata: {size}}` | `{key, uploadId, bucket, partSize, partCount}` |
//! | `GET /multipart/{uploadId}/{partNumber}?key=` | `{url, expires}`: a `PUT` of exactly the part's planned length |
//! | `GET /multipart/{uploadId}?key=` | the store's parts: `[{PartNumber, ETag, Size}]` |
//! | `POST /multipart/{uploadId}/complete?key=` | `{location, key, bucket}`, completed from the store's parts |
//! | `DELETE /multipart/{uploadId}?key=` | `{}` |
//!
//! The declared size travels as `metadata.size` (the page sets it from the file); the
//! answer's `partSize` and `partCount` are the plan the client must cut the file into.
//! `uploadId` is the [`GrantToken`](crate::resumable::GrantToken): the store's upload id,
//! the plan, the owner and the expiry, MACed, since Uppy sends back only `key` and
//! `uploadId`. The part list Uppy sends at completion is not read.
//!
//! Every request goes through the [`Authorize`] hook first: it names the user and their
//! [`UserRules`], or refuses. A key, upload id or grant of another user is `403` before any
//! store request; bad input is a `4xx` with `{"error": ...}`, never a `500`; logs name keys
//! by hash.

mod handlers;
mod reply;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::path::S3Path;
use crate::resumable::ResumableUploads;
/// The head of a request, as the [`Authorize`] hook reads it (axum's
/// `axum::http::request::Parts`): method, URI, headers, extensions.
pub use axum::http::request::Parts;
pub use reply::Refusal;

/// The longest file name, in bytes.
const MAX_NAME_BYTES: usize = 255;

/// The largest request body the router reads: a create request's JSON.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Whether a file name a browser sent can be the last segment of a key: 1 to 255 bytes,
/// not `.` or `..`, without `/`, `\` or control characters. A `400` otherwise.
///
/// ```
/// use stowage::resumable::uppy::check_file_name;
///
/// assert!(check_file_name("scan 7.dcm").is_ok());
/// assert!(check_file_name("../etc/passwd").is_err());
/// ```
pub fn check_file_name(name: &str) -> Result<(), Refusal> {
    let usable = !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control);
    if usable {
        Ok(())
    } else {
        Err(Refusal::bad_request("not a usable file name"))
    }
}

/// What one user may upload: where, how much, of which types, for how long.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UserRules {
    /// The user, as grants name them: a grant of another user is refused.
    pub user: String,
    /// Where the user's files go: the file name is appended to this prefix's key.
    pub prefix: S3Path,
    /// The largest file, in bytes.
    pub max_bytes: u64,
    /// The Content-Types a file may have; empty allows any.
    pub content_types: Vec<String>,
    /// How long a multipart upload may take, resumes included.
    pub upload_ttl: Duration,
    /// How long a small file's POST policy lives (clamped to the store's ceiling).
    pub policy_ttl: Duration,
}

impl UserRules {
    /// Rules for `user` uploading under `prefix` up to `max_bytes` of any type, with a day
    /// for a multipart upload and 10 minutes for a POST policy.
    pub fn new(user: impl Into<String>, prefix: S3Path, max_bytes: u64) -> Self {
        Self {
            user: user.into(),
            prefix,
            max_bytes,
            content_types: Vec::new(),
            upload_ttl: Duration::from_secs(24 * 3600),
            policy_ttl: Duration::from_secs(600),
        }
    }

    /// Allows only these Content-Types.
    pub fn content_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.content_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Sets how long a multipart upload may take.
    pub fn upload_ttl(mut self, ttl: Duration) -> Self {
        self.upload_ttl = ttl;
        self
    }

    /// Sets how long a POST policy lives.
    pub fn policy_ttl(mut self, ttl: Duration) -> Self {
        self.policy_ttl = ttl;
        self
    }
}

/// The service's authorization: who makes this request, and what they may upload.
///
/// Implemented for closures `Fn(&Parts) -> Result<UserRules, Refusal>`: a service takes
/// the user from its session cookie, its authenticating proxy's header or a bearer token.
pub trait Authorize: Send + Sync + 'static {
    /// The rules of the request's user, or why it is refused (`401`/`403`).
    fn authorize(&self, request: &Parts) -> Result<UserRules, Refusal>;
}

impl<F> Authorize for F
where
    F: Fn(&Parts) -> Result<UserRules, Refusal> + Send + Sync + 'static,
{
    fn authorize(&self, request: &Parts) -> Result<UserRules, Refusal> {
        self(request)
    }
}

/// Uppy's companion S3 endpoints over [`ResumableUploads`].
///
/// ```
/// use std::sync::Arc;
/// use axum::Router;
/// use stowage::resumable::uppy::{Parts, Refusal, UppyCompanion, UserRules};
/// use stowage::resumable::{GrantKey, ResumableUploads};
/// use stowage::{ObjectStorage, S3Path};
///
/// fn app(storage: Arc<dyn ObjectStorage>) -> Result<Router, stowage::Error> {
///     let uploads = ResumableUploads::new(storage, GrantKey::random()?);
///     let companion = UppyCompanion::new(uploads, |request: &Parts| {
///         let user = request
///             .headers
///             .get("x-user")
///             .and_then(|value| value.to_str().ok())
///             .filter(|user| !user.is_empty() && user.bytes().all(|b| b.is_ascii_lowercase()))
///             .ok_or_else(|| Refusal::unauthorized("sign in first"))?;
///         let prefix = S3Path::new("uploads", format!("users/{user}/"))
///             .map_err(|error| Refusal::bad_request(error.to_string()))?;
///         Ok(UserRules::new(user, prefix, 50 << 30))
///     });
///     Ok(Router::new().nest("/s3", companion.router()))
/// }
/// ```
#[derive(Clone)]
pub struct UppyCompanion {
    /// The uploads and the hook, shared by every request.
    inner: Arc<Companion>,
}

/// What every handler reads.
pub(crate) struct Companion {
    /// The upload logic.
    pub(crate) uploads: ResumableUploads,
    /// The service's authorization.
    pub(crate) authorize: Box<dyn Authorize>,
}

impl std::fmt::Debug for UppyCompanion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UppyCompanion")
            .field("uploads", &self.inner.uploads)
            .finish_non_exhaustive()
    }
}

impl UppyCompanion {
    /// The endpoints for `uploads`, each request authorized by `authorize`.
    pub fn new(uploads: ResumableUploads, authorize: impl Authorize) -> Self {
        Self {
            inner: Arc::new(Companion {
                uploads,
                authorize: Box::new(authorize),
            }),
        }
    }

    /// The routes, relative to where the service mounts them.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/params", get(handlers::params))
            .route("/multipart", post(handlers::create))
            .route(
                "/multipart/{upload_id}",
                get(handlers::list_parts).delete(handlers::abort),
            )
            .route("/multipart/{upload_id}/complete", post(handlers::complete))
            .route(
                "/multipart/{upload_id}/{part_number}",
                get(handlers::sign_part),
            )
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(Arc::clone(&self.inner))
    }
}
