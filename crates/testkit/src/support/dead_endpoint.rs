//! [`dead_endpoint`]: an address where nothing listens.

/// `http://127.0.0.1:PORT` on a port just bound and released, so nothing listens there:
/// a request to it is refused at once (an `Unreachable` error), where a client under test
/// must fail before or without a server.
///
/// # Panics
///
/// When no port can be bound.
pub fn dead_endpoint() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1")
        .port();
    format!("http://127.0.0.1:{port}")
}
