//! One lean request, from signing to the answer's head: attempts under the client's
//! timeouts, retried with backoff on the answers and failures the SDK retries.

use std::time::SystemTime;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use stowage_core::sigv4::{Authorize, SigningTime};
use stowage_core::{Error, Result, S3Path, SigningCredentials, uri};

use crate::content_range::unsatisfied_total;
use crate::errors::{ServiceFailure, from_service, io_detail, io_kind_detail, io_source};
use crate::lean::Lean;
use crate::lean::answer::{error_fields, header, is_error_document};
use crate::lean::retry::retryable_answer;
use crate::logging::SdkLogs;

/// The SHA-256 of an empty body, the payload hash of a request without one (as the SDK
/// signs them).
const EMPTY_PAYLOAD_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The largest answer body read whole: S3's error documents are a few hundred bytes, and the
/// successful answers read whole (PutObject, HeadObject, DeleteObject) have none.
const MAX_ANSWER_BODY: usize = 1024 * 1024;

/// The `User-Agent` of lean requests.
const AGENT: &str = concat!("stowage/", env!("CARGO_PKG_VERSION"));

/// A request on one object.
pub(crate) struct Exchange<'a> {
    /// GET, HEAD, PUT or DELETE.
    pub(crate) method: Method,
    /// The object.
    pub(crate) path: &'a S3Path,
    /// Headers sent and signed besides those of SigV4.
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// The body, sent whole with each attempt.
    pub(crate) body: Option<Bytes>,
    /// Whether a successful answer's body is handed over unread (GetObject) instead of
    /// read within the attempt.
    pub(crate) streamed: bool,
}

/// A successful answer (2xx, or 304 to a conditional read).
pub(crate) struct Answer {
    /// The status.
    pub(crate) status: StatusCode,
    /// The headers.
    pub(crate) headers: HeaderMap,
    /// The body, unread, of a [streamed](Exchange::streamed) exchange; `None` otherwise
    /// (the lean operations read nothing from the body of a successful answer but a
    /// GetObject's object).
    pub(crate) body: Option<Incoming>,
}

/// How one attempt ended.
enum Attempt {
    /// With an answer to return.
    Answered(Answer),
    /// With a failure, worth another attempt or not.
    Failed { error: Error, retryable: bool },
}

impl Attempt {
    /// A failure the SDK retries: a transient connection or timeout failure.
    fn transient(error: Error) -> Self {
        Self::Failed {
            error,
            retryable: true,
        }
    }
}

impl Lean {
    /// Sends `exchange` until it is answered, a failure is final or the attempts run out;
    /// within the operation timeout when one is set.
    pub(crate) async fn send(&self, logs: &SdkLogs, exchange: &Exchange<'_>) -> Result<Answer> {
        let attempts = logs.run(self.attempts(logs, exchange));
        match self.timeouts.operation {
            None => attempts.await,
            Some(limit) => tokio::time::timeout(limit, attempts)
                .await
                .unwrap_or_else(|_| {
                    Err(Error::Timeout {
                        message: "the operation timeout elapsed".into(),
                    })
                }),
        }
    }

    /// Every attempt of `exchange`, with the backoff between them.
    async fn attempts(&self, logs: &SdkLogs, exchange: &Exchange<'_>) -> Result<Answer> {
        let url = self.object_url(logs, exchange.path).await?;
        let uri: Uri = url
            .parse()
            .map_err(|_| Error::invalid_argument("the object's URL is not a valid URI"))?;
        let mut attempt = 1;
        loop {
            let credentials = self.credentials.resolve(logs, exchange.path).await?;
            let request = self.signed(exchange, &url, &uri, &credentials)?;
            match self.attempt(exchange, request).await {
                Attempt::Answered(answer) => return Ok(answer),
                Attempt::Failed { error, retryable } => {
                    if !retryable || !self.retry.allows_another(attempt) {
                        return Err(error);
                    }
                }
            }
            tokio::time::sleep(self.retry.backoff(attempt)).await;
            attempt += 1;
        }
    }

    /// `{bucket URL}/{key}`, the key encoded as a URL path.
    async fn object_url(&self, logs: &SdkLogs, path: &S3Path) -> Result<String> {
        let key = path.object_key()?;
        let base = self
            .bucket_urls
            .get(&self.client, logs, path.bucket(), SystemTime::now())
            .await?;
        let mut url = String::with_capacity(base.len() + key.len() * 3 + 1);
        url.push_str(&base);
        if !base.ends_with('/') {
            url.push('/');
        }
        url.extend(uri::encode_path(key));
        Ok(url)
    }

    /// The HTTP request of one attempt, signed now.
    fn signed(
        &self,
        exchange: &Exchange<'_>,
        url: &str,
        uri: &Uri,
        credentials: &SigningCredentials,
    ) -> Result<Request<Full<Bytes>>> {
        let length = exchange.body.as_ref().map(Bytes::len);
        let length_text = length.map(|length| length.to_string());
        let mut signing = Authorize::new(exchange.method.as_str(), url, &self.region);
        signing = match &length_text {
            Some(length) => signing.header("content-length", length),
            None => signing.payload_hash(EMPTY_PAYLOAD_HASH),
        };
        for (name, value) in &exchange.headers {
            let value = value
                .to_str()
                .map_err(|_| Error::invalid_argument("a header value is not visible ASCII"))?;
            signing = signing.header(name.as_str(), value);
        }
        let time = SigningTime::new(self.clock.now())?;
        let signature = signing.sign(credentials, &time, &self.keys)?;
        let mut request = Request::new(Full::new(exchange.body.clone().unwrap_or_default()));
        *request.method_mut() = exchange.method.clone();
        *request.uri_mut() = uri.clone();
        let headers = request.headers_mut();
        headers.insert(USER_AGENT, HeaderValue::from_static(AGENT));
        for (name, value) in &exchange.headers {
            headers.append(name.clone(), value.clone());
        }
        for (name, value) in signature {
            let value = HeaderValue::try_from(value)
                .map_err(|_| Error::invalid_argument("a credential is not a valid header value"))?;
            headers.append(name, value);
        }
        if let Some(length) = length {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        }
        Ok(request)
    }

    /// One attempt: the answer's head within the read timeout, the whole attempt within the
    /// attempt timeout.
    async fn attempt(&self, exchange: &Exchange<'_>, request: Request<Full<Bytes>>) -> Attempt {
        let sent_at = SystemTime::now();
        let attempt = async {
            let sent = self.http.request(request);
            let response = match self.timeouts.read {
                None => sent.await,
                Some(read) => match tokio::time::timeout(read, sent).await {
                    Ok(response) => response,
                    Err(_) => {
                        return Attempt::transient(Error::Timeout {
                            message: format!(
                                "an attempt timed out: no answer within {} ms (read timeout)",
                                read.as_millis()
                            ),
                        });
                    }
                },
            };
            match response {
                Ok(response) => self.answered(exchange, sent_at, response).await,
                Err(error) => Attempt::transient(dispatch_failure(&error)),
            }
        };
        match self.timeouts.attempt {
            None => attempt.await,
            Some(limit) => tokio::time::timeout(limit, attempt)
                .await
                .unwrap_or_else(|_| {
                    Attempt::transient(Error::Timeout {
                        message: format!(
                            "an attempt timed out: not done within {} ms (attempt timeout)",
                            limit.as_millis()
                        ),
                    })
                }),
        }
    }

    /// What the answer to a request sent at `sent_at` says: a success, with its body read
    /// unless it is streamed, or the failure its error document describes. Its `Date`
    /// corrects the clock the next signatures are dated with.
    async fn answered(
        &self,
        exchange: &Exchange<'_>,
        sent_at: SystemTime,
        response: http::Response<Incoming>,
    ) -> Attempt {
        let (parts, body) = response.into_parts();
        self.clock.observe(sent_at, &parts.headers);
        let status = parts.status;
        let succeeded = status.is_success()
            || (status == StatusCode::NOT_MODIFIED && exchange.method == Method::GET);
        if succeeded && exchange.streamed {
            return Attempt::Answered(Answer {
                status,
                headers: parts.headers,
                body: Some(body),
            });
        }
        // Read to its end within the attempt, which also frees the connection for reuse.
        let document = match Limited::new(body, MAX_ANSWER_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) => {
                return Attempt::transient(Error::Io {
                    message: format!("reading the answer failed{}", io_detail(&*error)),
                });
            }
        };
        if succeeded && !is_error_document(&document) {
            return Attempt::Answered(Answer {
                status,
                headers: parts.headers,
                body: None,
            });
        }
        let (code, message) = error_fields(&document);
        let failure = ServiceFailure {
            code: &code,
            status: status.as_u16(),
            message: &message,
            size: header(&parts.headers, "content-range").and_then(unsatisfied_total),
        };
        Attempt::Failed {
            error: from_service(&failure, exchange.path),
            retryable: retryable_answer(status.as_u16(), &code) || self.clock.explains(&code),
        }
    }
}

/// A request that got no answer: the connection could not be made in time
/// ([`Error::Timeout`], as the SDK reports its connect timeout), could not be made at all,
/// or broke ([`Error::Unreachable`]).
fn dispatch_failure(error: &hyper_util::client::legacy::Error) -> Error {
    // One walk of the source chain gives both the message's detail and the timeout test.
    let io = io_source(error);
    let detail = io_kind_detail(io);
    if error.is_connect() && io.is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut) {
        Error::Timeout {
            message: format!(
                "an attempt timed out: no connection within the connect timeout{detail}"
            ),
        }
    } else if error.is_connect() {
        Error::Unreachable {
            message: format!("connection failed{detail}"),
        }
    } else {
        Error::Unreachable {
            message: format!("the connection broke before an answer{detail}"),
        }
    }
}
