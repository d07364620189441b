//! The memory backend over HTTP (feature `http`): what a browser needs from the fake.
//!
//! [`HttpServer`] serves one [`MemoryStorage`] on a local address and points the store's
//! URLs and forms at itself. Routes:
//!
//! - `POST /{bucket}`: a browser upload form (`multipart/form-data`, fields in order, `file`
//!   last; fields after `file` are ignored, as Garage does). The form is judged by the same
//!   code as [`MemoryStorage::submit_post`]: signature, expiry, every policy condition.
//!   Success is `204 No Content` with the `ETag`.
//! - `GET /{bucket}/{key}?X-Amz-...`: a presigned download, judged as
//!   [`MemoryStorage::fetch_presigned`] judges it.
//! - `PUT /{bucket}/{key}?partNumber=..&uploadId=..&X-Amz-...`: a presigned UploadPart,
//!   judged as [`MemoryStorage::put_presigned_part`] judges it, against the request's
//!   `Content-Length` before the body is read (a missing one is `411`). Success is `200`
//!   with the part's `ETag`, which a page can read (`Access-Control-Expose-Headers: ETag`).
//! - `OPTIONS` on any path: a CORS preflight, answered from the bucket's rule
//!   ([`HttpServer::allow_origins`]).
//! - anything else: `405 MethodNotAllowed`.
//!
//! Refusals are S3's XML error documents (`<Error><Code>..</Code><Message>..</Message></Error>`)
//! with S3's statuses, and carry `Access-Control-Allow-Origin: *` so that a page can read
//! them, as Garage answers. Successful answers carry the request's `Origin` when the bucket's
//! rule allows it, and no CORS header otherwise (the page then sees a CORS error, but the
//! upload happened: CORS is not a guard, the policy is).
//!
//! Memory stays bounded whatever a client sends: at most 64 KiB of body is read before the
//! `file` field, at most 64 fields of at most 20 KiB each; the policy is checked before the
//! file is read, and the file is refused (`400 EntityTooLarge`) as soon as it passes the
//! policy's `content-length-range` maximum, without reading the rest. Nothing is stored on
//! any refusal.

mod meter;
mod part;
mod response;
mod upload;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, PoisonError, RwLock};

use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, CONTENT_TYPE, HeaderValue,
    ORIGIN,
};
use http::{Method, Request, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

pub use upload::{MAX_FIELD_BYTES, MAX_FIELDS, MAX_FILE_BYTES, MAX_PRE_FILE_BYTES};

use crate::errors::HttpRejection;
use crate::storage::MemoryStorage;
use response::Reply;

/// How long a client may take to send a request's headers.
const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// Methods a preflight may ask for: the three this server answers (a presigned URL's GET,
/// a form's POST, a part URL's PUT). A HEAD would be a 405, so no preflight allows it.
const CORS_METHODS: &str = "GET, POST, PUT";

/// A running HTTP server for one [`MemoryStorage`]; it stops when dropped.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use stowage::memory::{HttpServer, MemoryStorage};
///
/// let storage = MemoryStorage::builder().bucket("uploads").build();
/// let server = HttpServer::start(&storage).await?;
/// server.allow_origins("uploads", ["http://localhost:8080"]);
/// // storage.presigned_post(..) now mints forms that post to server.endpoint().
/// # Ok(()) }
/// ```
pub struct HttpServer {
    /// The address the server listens on.
    local_addr: SocketAddr,
    /// `http://` and that address.
    endpoint: String,
    /// The store and the CORS rules, shared with the connections.
    state: Arc<State>,
    /// The accept loop; it owns the connections.
    task: JoinHandle<()>,
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

/// What every connection shares.
struct State {
    /// The store the server answers for.
    storage: MemoryStorage,
    /// Allowed origins per bucket; `*` allows any.
    cors: RwLock<HashMap<String, Vec<String>>>,
}

impl HttpServer {
    /// Serves `storage` on `127.0.0.1`, on a free port.
    pub async fn start(storage: &MemoryStorage) -> std::io::Result<Self> {
        Self::bind(storage, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Serves `storage` on `addr` (port 0: any free port; see [`HttpServer::local_addr`]).
    ///
    /// From now on the store mints URLs and forms under [`HttpServer::endpoint`]; URLs and
    /// forms it minted before no longer verify.
    pub async fn bind(storage: &MemoryStorage, addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let endpoint = format!("http://{local_addr}");
        storage.set_endpoint(&endpoint);
        let state = Arc::new(State {
            storage: storage.clone(),
            cors: RwLock::new(HashMap::new()),
        });
        let task = tokio::spawn(accept(listener, Arc::clone(&state)));
        tracing::info!(op = "http_serve", %local_addr, "memory storage serving over HTTP");
        Ok(Self {
            local_addr,
            endpoint,
            state,
            task,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The base URL of the server, e.g. `http://127.0.0.1:41234`: the store's URLs and forms
    /// point here.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Mints the store's URLs and forms under `endpoint` (`http://host:port`) instead of
    /// the server's own address: for clients that reach the server through a proxy, a port
    /// forward or a container's published port. The server still checks each request
    /// against the URL it minted, whatever `Host` the request arrives with. URLs and forms
    /// minted before no longer verify.
    pub fn set_public_endpoint(&self, endpoint: &str) {
        self.state
            .storage
            .set_endpoint(endpoint.trim_end_matches('/'));
    }

    /// Sets `bucket`'s CORS rule, like PutBucketCors: pages from these origins (exact
    /// `scheme://host[:port]`, or `*` for any) may read successful answers. Replaces the
    /// bucket's earlier rule; no origins removes it.
    pub fn allow_origins<I, S>(&self, bucket: &str, origins: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let origins: Vec<String> = origins.into_iter().map(Into::into).collect();
        let mut cors = self
            .state
            .cors
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if origins.is_empty() {
            cors.remove(bucket);
        } else {
            cors.insert(bucket.to_owned(), origins);
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        // Dropping the accept loop's connection set closes every connection.
        self.task.abort();
    }
}

/// Accepts connections until aborted.
async fn accept(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let state = Arc::clone(&state);
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(route(&state, request).await) }
                    });
                    // A client that goes away mid-request is not the server's failure.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(HEADER_READ_TIMEOUT)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next() => {}
        }
    }
}

impl State {
    /// Whether `bucket`'s CORS rule allows `origin`.
    fn allows(&self, bucket: &str, origin: &HeaderValue) -> bool {
        let cors = self.cors.read().unwrap_or_else(PoisonError::into_inner);
        cors.get(bucket).is_some_and(|origins| {
            origins
                .iter()
                .any(|allowed| allowed == "*" || origin.as_bytes() == allowed.as_bytes())
        })
    }
}

/// Answers one request; every refusal is an XML error.
async fn route(state: &State, request: Request<Incoming>) -> Reply {
    let method = request.method().clone();
    let origin = request.headers().get(ORIGIN).cloned();
    let path = request.uri().path().trim_start_matches('/');
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    let bucket = bucket.to_owned();
    let has_key = !key.is_empty();
    let outcome = match method {
        Method::OPTIONS => preflight(state, &bucket, &request),
        Method::POST if !bucket.is_empty() && !has_key => {
            upload::handle(&state.storage, &bucket, request).await
        }
        Method::GET if !bucket.is_empty() && has_key => download(state, &request),
        Method::PUT if !bucket.is_empty() && has_key => part::handle(&state.storage, request).await,
        _ => Err(HttpRejection::new(
            405,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        )),
    };
    match outcome {
        Ok(mut reply) => {
            if let Some(origin) = origin.filter(|origin| state.allows(&bucket, origin)) {
                response::allow_origin(&mut reply, &origin);
            }
            tracing::debug!(op = "http", %method, bucket, status = reply.status().as_u16(), "answered");
            reply
        }
        Err(rejection) => {
            tracing::debug!(op = "http", %method, bucket, status = rejection.status, code = rejection.code, "refused");
            response::error(&rejection)
        }
    }
}

/// `GET /{bucket}/{key}?X-Amz-...`: redeems a presigned URL.
fn download(state: &State, request: &Request<Incoming>) -> Result<Reply, HttpRejection> {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/", |value| value.as_str());
    let url = format!("{}{path_and_query}", state.storage.endpoint());
    let data = state.storage.fetch_presigned(&url)?;
    let mut reply = Reply::new(Full::new(data));
    reply.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(reply)
}

/// `OPTIONS`: a CORS preflight, allowed when the bucket's rule names the origin and the
/// method is one the server answers.
fn preflight(
    state: &State,
    bucket: &str,
    request: &Request<Incoming>,
) -> Result<Reply, HttpRejection> {
    let headers = request.headers();
    let method_allowed = headers
        .get(ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|method| CORS_METHODS.split(", ").any(|allowed| allowed == method));
    let origin_allowed = headers
        .get(ORIGIN)
        .is_some_and(|origin| state.allows(bucket, origin));
    if !method_allowed || !origin_allowed {
        return Err(HttpRejection::new(
            403,
            "AccessForbidden",
            "CORSResponse: This CORS request is not allowed.",
        ));
    }
    let mut reply = response::empty(StatusCode::OK);
    let reply_headers = reply.headers_mut();
    reply_headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(CORS_METHODS),
    );
    if let Some(asked) = headers.get(ACCESS_CONTROL_REQUEST_HEADERS) {
        reply_headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
    reply_headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    Ok(reply)
}
