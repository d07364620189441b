//! The memory backend over HTTP (feature `http`): an S3 endpoint any SDK, tool or browser
//! can use.
//!
//! [`HttpServer`] serves one [`MemoryStorage`] on a local address and points the store's
//! URLs and forms at itself. Every S3 request an SDK, the AWS CLI or rclone sends is
//! answered as S3 answers it, its SigV4 signature checked against the store's credentials
//! (those of [`MemoryStorage::builder`]): objects (Put, Get, Head, Delete, DeleteObjects,
//! Copy), listings (V2, V1, ListBuckets), buckets (Create, Head, Delete, location, CORS)
//! and the multipart family, path-style (`http://127.0.0.1:port/bucket/key`) or
//! virtual-host-style (`http://bucket.localhost:port/key`). Besides, for browsers:
//!
//! - `POST /{bucket}`: a browser upload form (`multipart/form-data`, fields in order, `file`
//!   last; fields after `file` are ignored, as Garage does). The form is judged by the same
//!   code as [`MemoryStorage::submit_post`]: signature, expiry, every policy condition.
//!   Success is `204 No Content` with the `ETag`.
//! - `GET /{bucket}/{key}?X-Amz-...`: a presigned download, judged as
//!   [`MemoryStorage::fetch_presigned`] judges it, then served with the object's
//!   attributes, a `Range`, conditions and the URL's `response-*` overrides.
//! - `PUT /{bucket}/{key}?partNumber=..&uploadId=..&X-Amz-...`: a presigned UploadPart,
//!   judged as [`MemoryStorage::put_presigned_part`] judges it, against the request's
//!   `Content-Length` before the body is read (a missing one is `411`). Success is `200`
//!   with the part's `ETag`, which a page can read (`Access-Control-Expose-Headers: ETag`).
//! - `OPTIONS` on any path: a CORS preflight, answered from the bucket's CORS rules
//!   (PutBucketCors, or [`HttpServer::allow_origins`]).
//!
//! Refusals are S3's XML error documents (`<Error><Code>..</Code><Message>..</Message></Error>`)
//! with S3's statuses, and carry `Access-Control-Allow-Origin: *` so that a page can read
//! them, as Garage answers. Successful answers carry the CORS headers of the bucket's first
//! rule that allows the request's `Origin` and method, and none otherwise (the page then sees
//! a CORS error, but the request happened: CORS is not a guard, signatures and policies are).
//!
//! What S3 refuses is refused: a request without a valid signature (`403`), a presigned URL
//! past its expiry or valid for more than 7 days, a signature from more than 15 minutes ago,
//! SigV2, a body whose `Content-MD5` or `x-amz-checksum-*` does not match (`400 BadDigest`),
//! an `aws-chunked` body cut short or mis-framed, a head over 8 KiB, user metadata over
//! 2 KiB, an XML body over 20 MiB, a client silent for 20 s in the middle of a body.
//!
//! Memory stays bounded whatever a client sends to the form route: at most 64 KiB of body is
//! read before the `file` field, at most 64 fields of at most 20 KiB each; the policy is
//! checked before the file is read, and the file is refused (`400 EntityTooLarge`) as soon
//! as it passes the policy's `content-length-range` maximum, without reading the rest. An S3
//! request body is held whole, up to S3's 5 GiB per request. Nothing is stored on any
//! refusal.

mod cors;
mod dates;
mod download;
mod endpoint;
mod meter;
mod part;
mod request_body;
mod request_id;
mod response;
mod upload;

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use http::header::{AUTHORIZATION, HOST, HeaderValue, ORIGIN};
use http::{Method, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use s3s::service::S3Service;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tracing::Dispatch;
use tracing::instrument::WithSubscriber as _;

pub use upload::{MAX_FIELD_BYTES, MAX_FIELDS, MAX_FILE_BYTES, MAX_PRE_FILE_BYTES};

use crate::errors::HttpRejection;
use crate::storage::MemoryStorage;
use cors::BucketCors;
use endpoint::Logs;
use request_body::RequestBody;
use response::Reply;

/// How long a client may take to send a request's headers.
const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// S3's largest request header section (the request line and the headers).
const MAX_HEADER_SECTION_BYTES: usize = 8 * 1024;
/// S3's largest XML request body (DeleteObjects, CompleteMultipartUpload, PutBucketCors).
const MAX_XML_BODY_BYTES: u64 = 20 * 1024 * 1024;
/// The longest a presigned URL may be valid, as S3 allows: 7 days.
const MAX_PRESIGNED_SECONDS: u64 = 7 * 24 * 60 * 60;

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
    /// Every bucket's CORS rules.
    cors: Arc<BucketCors>,
    /// The S3 operations.
    s3: S3Service,
    /// Whether unsigned S3 requests are answered (see [`HttpServer::allow_unsigned`]).
    unsigned: Arc<AtomicBool>,
    /// Where `s3s`'s events go: nowhere. Made once: each new dispatcher makes `tracing`
    /// recompute the interest of every callsite.
    silent: Dispatch,
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
        let cors = Arc::new(BucketCors::default());
        let unsigned = Arc::new(AtomicBool::new(false));
        let state = Arc::new(State {
            storage: storage.clone(),
            s3: endpoint::service(storage.clone(), Arc::clone(&cors), Arc::clone(&unsigned)),
            cors,
            unsigned,
            silent: Dispatch::new(tracing::subscriber::NoSubscriber::default()),
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

    /// Answers S3 requests that carry no signature (`true`), as a bucket open to anonymous
    /// access would, or refuses them with `403 AccessDenied` (`false`, the default). A signed
    /// request is verified either way: a wrong signature is still refused.
    pub fn allow_unsigned(&self, allow: bool) {
        self.state.unsigned.store(allow, Ordering::Relaxed);
    }

    /// Sets `bucket`'s CORS rules to one rule, like a PutBucketCors of it: pages from these
    /// origins (exact `scheme://host[:port]`, one `*` wildcard, or `*` for any) may send
    /// every method the server answers, with any header, and read the answers and their
    /// `ETag`. Replaces the bucket's earlier rules; no origins removes them.
    pub fn allow_origins<I, S>(&self, bucket: &str, origins: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let origins: Vec<String> = origins.into_iter().map(Into::into).collect();
        let rules = if origins.is_empty() {
            Vec::new()
        } else {
            vec![cors::origins_rule(origins)]
        };
        self.state.cors.set(bucket, rules);
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
                    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                        let state = Arc::clone(&state);
                        let (parts, body) = request.into_parts();
                        let body = RequestBody::new(body, &parts.headers);
                        let request = Request::from_parts(parts, body);
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

/// The routes the store answers itself rather than as an S3 operation.
enum OwnRoute {
    /// `OPTIONS`: a CORS preflight.
    Preflight,
    /// `POST /{bucket}` without a query: a browser upload form (`multipart/form-data`; any
    /// other body is S3's `400 MalformedPOSTRequest`).
    Form,
    /// `GET /{bucket}/{key}?X-Amz-Signature=..`: a presigned download.
    PresignedGet,
    /// `PUT /{bucket}/{key}?partNumber=..&X-Amz-Signature=..`: a presigned part.
    PresignedPart,
}

impl OwnRoute {
    /// The own route of `request` on an object (`has_key`) or a bucket, if any.
    fn of(request: &Request<RequestBody>, has_key: bool) -> Option<Self> {
        let query = request.uri().query().unwrap_or_default();
        let presigned = query_has(query, "X-Amz-Signature");
        match *request.method() {
            Method::OPTIONS => Some(Self::Preflight),
            Method::POST if !has_key && query.is_empty() => Some(Self::Form),
            Method::GET if has_key && presigned => Some(Self::PresignedGet),
            Method::PUT if has_key && presigned && query_has(query, "partNumber") => {
                Some(Self::PresignedPart)
            }
            _ => None,
        }
    }
}

/// Answers one request; every refusal is an XML error.
async fn route(state: &State, request: Request<RequestBody>) -> Reply {
    let method = request.method().clone();
    let origin = request
        .headers()
        .get(ORIGIN)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let (bucket, has_key) = addressed_bucket(&request);
    let sends_body = sends_body(&request);
    let outcome = match header_section_too_large(&request) {
        Err(rejection) => Err(rejection),
        Ok(()) => route_within_limits(state, request, &bucket, has_key).await,
    };
    let mut reply = finish(state, outcome, origin, &method, &bucket);
    // A refusal may come before the body is read (a bad signature, a wrong length): the
    // connection then cannot carry another request, and the client must know not to reuse
    // it, as S3 tells it.
    if sends_body && !reply.status().is_success() {
        reply
            .headers_mut()
            .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    }
    reply
}

/// Whether the request announces a body: a non-zero `Content-Length`, or chunked.
fn sends_body(request: &Request<RequestBody>) -> bool {
    let headers = request.headers();
    headers.contains_key(http::header::TRANSFER_ENCODING)
        || headers
            .get(http::header::CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0")
}

/// Answers a request whose head is within S3's limits.
async fn route_within_limits(
    state: &State,
    request: Request<RequestBody>,
    bucket: &str,
    has_key: bool,
) -> Result<Reply, HttpRejection> {
    match OwnRoute::of(&request, has_key) {
        Some(OwnRoute::Preflight) => {
            state
                .cors
                .preflight(bucket, request.headers())
                .map(|headers| {
                    let mut reply = response::empty(http::StatusCode::OK);
                    response::add_headers(&mut reply, headers);
                    reply
                })
        }
        Some(OwnRoute::Form) => upload::handle(&state.storage, bucket, request).await,
        Some(OwnRoute::PresignedGet) => download::handle(&state.storage, &request).await,
        Some(OwnRoute::PresignedPart) => part::handle(&state.storage, request).await,
        None => s3_operation(state, request, has_key).await,
    }
}

/// The answer to send: CORS headers as the bucket's rules say, the request id stamped.
fn finish(
    state: &State,
    outcome: Result<Reply, HttpRejection>,
    origin: Option<String>,
    method: &Method,
    bucket: &str,
) -> Reply {
    let id = request_id::next();
    let mut reply = match outcome {
        Ok(mut reply) => {
            if let Some(origin) = origin.filter(|_| method != Method::OPTIONS) {
                if reply.status().is_success() {
                    let headers = state.cors.answer_headers(bucket, &origin, method.as_str());
                    response::add_headers(&mut reply, headers);
                } else {
                    reply.headers_mut().insert(
                        http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
                        HeaderValue::from_static("*"),
                    );
                }
            }
            tracing::debug!(op = "http", %method, bucket, status = reply.status().as_u16(), request_id = id, "answered");
            reply
        }
        Err(rejection) => {
            tracing::debug!(op = "http", %method, bucket, status = rejection.status, code = rejection.code, request_id = id, "refused");
            response::error(&rejection)
        }
    };
    request_id::stamp(&mut reply, &id);
    reply
}

/// S3's `400 RequestHeaderSectionTooLarge` for a head over 8 KiB.
fn header_section_too_large(request: &Request<RequestBody>) -> Result<(), HttpRejection> {
    let line = request.method().as_str().len()
        + request
            .uri()
            .path_and_query()
            .map_or(1, |value| value.as_str().len())
        + " HTTP/1.1\r\n".len();
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + ": \r\n".len())
        .sum();
    if line + headers > MAX_HEADER_SECTION_BYTES {
        return Err(HttpRejection::new(
            400,
            "RequestHeaderSectionTooLarge",
            "Your request header section exceeds the maximum allowed size.",
        ));
    }
    Ok(())
}

/// An S3 operation, answered by `s3s` and the store, once the request passes the checks
/// S3 makes that `s3s` does not: no SigV2, no presigned URL valid for more than 7 days.
async fn s3_operation(
    state: &State,
    mut request: Request<RequestBody>,
    has_key: bool,
) -> Result<Reply, HttpRejection> {
    refuse_what_s3_refuses(&request)?;
    refuse_xml_over_the_limit(&request, has_key)?;
    // `s3s` logs paths and signatures: its events go nowhere, the store's where they went.
    let logs = tracing::dispatcher::get_default(Dispatch::clone);
    request.extensions_mut().insert(Logs(logs));
    let answer = state
        .s3
        .call(request.map(s3s::Body::http_body))
        .with_subscriber(state.silent.clone())
        .await;
    Ok(answer.unwrap_or_else(|_| {
        response::error(&HttpRejection::new(
            500,
            "InternalError",
            "We encountered an internal error. Please try again.",
        ))
    }))
}

/// S3's `400 MaxMessageLengthExceeded` for an XML body (a POST, or a PUT on a bucket) over
/// 20 MiB, before a byte of it is read.
fn refuse_xml_over_the_limit(
    request: &Request<RequestBody>,
    has_key: bool,
) -> Result<(), HttpRejection> {
    let xml = *request.method() == Method::POST || (*request.method() == Method::PUT && !has_key);
    let length = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if xml && length.is_some_and(|length| length > MAX_XML_BODY_BYTES) {
        return Err(HttpRejection::new(
            400,
            "MaxMessageLengthExceeded",
            "Your request was too big.",
        ));
    }
    Ok(())
}

/// S3's refusals of SigV2 and of presigned URLs valid for more than 7 days.
fn refuse_what_s3_refuses(request: &Request<RequestBody>) -> Result<(), HttpRejection> {
    let query = request.uri().query().unwrap_or_default();
    let sigv2_header = request
        .headers()
        .get(AUTHORIZATION)
        .is_some_and(|value| value.as_bytes().starts_with(b"AWS "));
    if sigv2_header || query_has(query, "AWSAccessKeyId") {
        return Err(HttpRejection::new(
            400,
            "InvalidRequest",
            "The authorization mechanism you have provided is not supported. Please use \
             AWS4-HMAC-SHA256.",
        ));
    }
    let expires = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("X-Amz-Expires="));
    if let Some(expires) = expires
        && expires
            .parse::<u64>()
            .map_or(true, |seconds| seconds > MAX_PRESIGNED_SECONDS)
    {
        return Err(HttpRejection::new(
            400,
            "AuthorizationQueryParametersError",
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ));
    }
    Ok(())
}

/// The bucket a request addresses, and whether it names an object: from the host
/// (`bucket.localhost`) or else the first path segment.
fn addressed_bucket(request: &Request<RequestBody>) -> (String, bool) {
    let path = request.uri().path().trim_start_matches('/');
    let host = request
        .headers()
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if let Some(bucket) = endpoint::virtual_host_bucket(host) {
        return (bucket.to_owned(), !path.is_empty());
    }
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    (bucket.to_owned(), !key.is_empty())
}

/// Whether the query has parameter `name`.
fn query_has(query: &str, name: &str) -> bool {
    query
        .split('&')
        .any(|pair| pair.split_once('=').map_or(pair, |(key, _)| key) == name)
}
