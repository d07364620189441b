//! The pooled HTTP client of the lean request path: HTTP/1.1 over plain TCP or rustls.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

/// A pooled hyper client whose request bodies are held whole, so an attempt can be resent.
pub(crate) type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// How long an idle pooled connection is kept (the SDK's default HTTP client keeps them as
/// long).
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// A client that connects within `connect_timeout`, trusts the system's root certificates
/// (as the SDK's default HTTP client does) and speaks `https` and `http`.
///
/// `None` when the system's root certificates cannot be read: the SDK then sends every
/// request, and reports the failure where it would.
pub(crate) fn http_client(connect_timeout: Duration) -> Option<HttpClient> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)
        .ok()?
        .https_or_http()
        .enable_http1();
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(Some(connect_timeout));
    Some(
        Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_timer(TokioTimer::new())
            .build(tls.wrap_connector(tcp)),
    )
}
