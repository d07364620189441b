//! [`ScriptedServer`]: an HTTP server on 127.0.0.1 that answers from a script, for the
//! answers no real server gives on demand (a lost race, a transient batch failure, a body
//! no S3 would send, an answer late on purpose).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request line and headers, lowercased.
    pub head: String,
    /// The body, as text.
    pub body: String,
}

/// What the server answers next.
#[derive(Debug, Default)]
struct Script {
    /// Answers still to give, in order.
    next: VecDeque<Vec<u8>>,
    /// The answer once the script is used up: the last one given.
    last: Vec<u8>,
    /// How long to wait after reading a request before answering.
    delay: Duration,
}

impl Script {
    /// The answer to the next request.
    fn answer(&mut self) -> Vec<u8> {
        if let Some(next) = self.next.pop_front() {
            self.last = next;
        }
        self.last.clone()
    }
}

/// A server that gives the n-th request the n-th scripted answer (raw HTTP/1.1 bytes: the
/// status line, headers and body), the last one from then on, on a connection it closes
/// after answering, and records every request.
///
/// Requests are served concurrently; the answers go out in the order requests arrive.
/// The server stops with the test's runtime.
///
/// ```no_run
/// # async fn demo() {
/// use stowage_testkit::support::ScriptedServer;
///
/// let server = ScriptedServer::start(["HTTP/1.1 503 Slow Down\r\nContent-Length: 0\r\n\r\n"]).await;
/// // ... point a client at server.endpoint() ...
/// assert!(server.received().iter().all(|request| request.head.starts_with("put ")));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ScriptedServer {
    /// `http://127.0.0.1:PORT`.
    endpoint: String,
    /// What comes next.
    script: Arc<Mutex<Script>>,
    /// What came so far.
    received: Arc<Mutex<Vec<Received>>>,
}

impl ScriptedServer {
    /// Serves `answers` on a free port of 127.0.0.1.
    ///
    /// # Panics
    ///
    /// When no port can be bound.
    pub async fn start<I, A>(answers: I) -> Self
    where
        I: IntoIterator<Item = A>,
        A: Into<Vec<u8>>,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port on 127.0.0.1");
        let endpoint = format!(
            "http://{}",
            listener.local_addr().expect("the bound address")
        );
        let server = Self {
            endpoint,
            script: Arc::new(Mutex::new(Script {
                next: answers.into_iter().map(Into::into).collect(),
                ..Script::default()
            })),
            received: Arc::default(),
        };
        tokio::spawn(server.clone().serve(listener));
        server
    }

    /// The server's URL, for a client's endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// From now on, every request gets `answer`.
    pub fn answer_with(&self, answer: impl Into<Vec<u8>>) {
        let mut script = self.lock_script();
        script.next.clear();
        script.last = answer.into();
    }

    /// From now on, each answer waits `delay` after its request was read.
    pub fn delay_answers(&self, delay: Duration) {
        self.lock_script().delay = delay;
    }

    /// The requests received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The script, locked; a poisoned lock is still used.
    fn lock_script(&self) -> std::sync::MutexGuard<'_, Script> {
        self.script.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Accepts connections until the runtime stops.
    async fn serve(self, listener: TcpListener) {
        while let Ok((mut socket, _)) = listener.accept().await {
            let server = self.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0_u8; 1];
                while !head.ends_with(b"\r\n\r\n") && socket.read(&mut byte).await.unwrap_or(0) == 1
                {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .map_or(0, |value| value.trim().parse().unwrap_or(0));
                let mut body = vec![0_u8; length];
                let _ = socket.read_exact(&mut body).await;
                let (answer, delay) = {
                    let mut script = server.lock_script();
                    (script.answer(), script.delay)
                };
                server
                    .received
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Received {
                        head,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                tokio::time::sleep(delay).await;
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    }
}
