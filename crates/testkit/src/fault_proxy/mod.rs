//! A fault-injecting HTTP/1.1 proxy to put between an S3 client and the test server.
//!
//! [`FaultProxy::start`] listens on a free port of 127.0.0.1 and forwards every request to
//! the upstream server, each on a connection of its own (`Connection: close` both ways: the
//! client's connection ends after the response). [`FaultProxy::inject`] adds a
//! [`FaultRule`]: a [`Fault`] for the next requests a [`RequestMatch`] selects. Rules
//! apply in the order they were added; the first rule with a count left that matches a
//! request takes it. [`FaultProxy::requests_seen`] counts requests afterwards, faulted or
//! not, to check how often a client retried.
//!
//! Requests and responses pass unchanged but for the `Connection` header: bodies of known
//! length or chunked, `Expect: 100-continue`, responses without a body (HEAD, 204, 304).
//! Signatures stay valid, as the `Host` header is kept: point a client's endpoint at
//! [`FaultProxy::endpoint_url`].
//!
//! ```no_run
//! use stowage_testkit::fault_proxy::{Fault, FaultProxy, FaultRule, RequestMatch};
//!
//! # async fn demo(upstream: std::net::SocketAddr) -> std::io::Result<()> {
//! let proxy = FaultProxy::start(upstream).await?;
//! let puts = RequestMatch::method("PUT");
//! proxy.inject(FaultRule::new(Fault::SlowDown).matching(puts.clone()).times(2));
//! // ... a client on proxy.endpoint_url() puts an object, retrying twice ...
//! assert_eq!(proxy.requests_seen(&puts), 3);
//! # Ok(()) }
//! ```
//!
//! The proxy logs at DEBUG level the faults it applies and the connections that end
//! early, never a request path or header value.

mod connection;
mod head;
mod relay;
mod rules;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use rules::Registry;
pub use rules::{Fault, FaultRule, RequestMatch};

/// A running fault-injecting proxy; it stops, closing every connection, when dropped.
///
/// Start it inside a Tokio runtime; it serves on a task of that runtime.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    registry: Arc<Mutex<Registry>>,
    server: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstream`.
    ///
    /// # Errors
    ///
    /// When no port can be bound.
    pub async fn start(upstream: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let registry = Arc::<Mutex<Registry>>::default();
        let server = tokio::spawn(serve(listener, upstream, Arc::clone(&registry)));
        Ok(Self {
            addr,
            registry,
            server,
        })
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint to give a client: `http://127.0.0.1:PORT`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds `rule` after the rules already in force.
    pub fn inject(&self, rule: FaultRule) {
        self.registry().push(rule);
    }

    /// Removes every rule still in force; requests seen and faults applied stay counted.
    pub fn clear(&self) {
        self.registry().clear();
    }

    /// How many requests through the proxy `matcher` matches, faulted or not.
    pub fn requests_seen(&self, matcher: &RequestMatch) -> usize {
        self.registry().requests_seen(matcher)
    }

    /// How many requests a rule took.
    pub fn faults_applied(&self) -> usize {
        self.registry().faults_applied()
    }

    /// The rules and counts, even after a panic elsewhere poisoned the lock.
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // The serving task owns the connections' tasks: aborting it aborts them.
        self.server.abort();
    }
}

/// Accepts connections and serves each on a task of its own, until aborted.
async fn serve(listener: TcpListener, upstream: SocketAddr, registry: Arc<Mutex<Registry>>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => {
                    connections.spawn(connection::handle(client, upstream, Arc::clone(&registry)));
                }
                Err(error) => {
                    // Out of file descriptors, most likely: wait for connections to end.
                    tracing::debug!(%error, "fault proxy: accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next() => {}
        }
    }
}
