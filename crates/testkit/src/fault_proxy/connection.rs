//! One client connection: one request, forwarded or faulted, then the connection ends.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::head::{RequestHead, ResponseHead, read_head};
use super::relay::{Corruption, Sink, copy_body, copy_to_end, discard_body, read_part};
use super::rules::{Fault, Registry};

/// The interim response a client that sent `Expect: 100-continue` waits for.
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// How the proxy ends a client connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// Shuts down writing, then closes: the client reads the end of the response.
    Close,
    /// Closes with `SO_LINGER` 0: the client sees a connection reset.
    Reset,
}

/// What a forwarded exchange does to the bytes it relays.
#[derive(Debug, Clone, Copy, Default)]
struct Plan {
    /// The request body byte to corrupt.
    corrupt_at: Option<usize>,
    /// Response body bytes to relay before a reset.
    reset_after: Option<usize>,
    /// Response body bytes to relay before relaying nothing more.
    stall_after: Option<usize>,
    /// The rate of each direction.
    bytes_per_second: Option<u64>,
}

/// Serves one request on `client`, applying the fault the registry's rules give it.
pub(super) async fn handle(
    mut client: TcpStream,
    upstream: SocketAddr,
    registry: Arc<Mutex<Registry>>,
) {
    let ended = match exchange(&mut client, upstream, &registry).await {
        Ok(Ending::Close) => client.shutdown().await,
        Ok(Ending::Reset) => client.set_zero_linger(),
        Err(error) => Err(error),
    };
    if let Err(error) = ended {
        tracing::debug!(%error, "fault proxy: a connection ended early");
    }
}

/// Reads the request head, decides the fault and carries out the exchange.
async fn exchange(
    client: &mut TcpStream,
    upstream: SocketAddr,
    registry: &Mutex<Registry>,
) -> io::Result<Ending> {
    let (client_in, mut client_out) = client.split();
    let mut client_in = BufReader::new(client_in);
    let Some(head) = RequestHead::read(&mut client_in).await? else {
        return Ok(Ending::Close);
    };
    let fault = registry
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .admit(head.info());
    if let Some(fault) = fault {
        tracing::debug!(?fault, "fault proxy: applying a fault");
    }
    let plan = match fault {
        None => Plan::default(),
        Some(Fault::ResetDuringRequest) => {
            continue_if_expected(&head, &mut client_out).await?;
            read_part(&mut client_in, head.framing()).await?;
            return Ok(Ending::Reset);
        }
        Some(Fault::NeverAnswer) => {
            drain(&mut client_in).await?;
            return Ok(Ending::Close);
        }
        Some(Fault::SlowDown) => {
            return answer(&head, &mut client_in, &mut client_out, &SLOW_DOWN).await;
        }
        Some(Fault::InternalError) => {
            return answer(&head, &mut client_in, &mut client_out, &INTERNAL_ERROR).await;
        }
        Some(Fault::ResetDuringResponseBody { after_bytes }) => Plan {
            reset_after: Some(after_bytes),
            ..Plan::default()
        },
        Some(Fault::StallDuringResponseBody { after_bytes }) => Plan {
            stall_after: Some(after_bytes),
            ..Plan::default()
        },
        Some(Fault::CorruptRequestBody { offset }) => Plan {
            corrupt_at: Some(offset),
            ..Plan::default()
        },
        Some(Fault::Throttle { bytes_per_second }) => Plan {
            bytes_per_second: Some(bytes_per_second),
            ..Plan::default()
        },
    };
    forward(&head, &mut client_in, &mut client_out, upstream, plan).await
}

/// Sends the request upstream on a connection of its own and relays the answer, both
/// directions at once (a `100-continue` client sends its body only once the server says
/// so; a server may answer before reading the whole body).
async fn forward(
    head: &RequestHead,
    client_in: &mut (impl AsyncBufRead + Unpin),
    client_out: &mut (impl AsyncWrite + Unpin),
    upstream: SocketAddr,
    plan: Plan,
) -> io::Result<Ending> {
    let mut server = TcpStream::connect(upstream).await?;
    let (server_in, mut server_out) = server.split();
    let mut server_in = BufReader::new(server_in);
    server_out.write_all(&head.to_upstream()).await?;
    let request = async {
        let mut sink = Sink::new(&mut server_out, plan.bytes_per_second);
        let mut corruption = Corruption::at(plan.corrupt_at);
        copy_body(client_in, &mut sink, head.framing(), &mut corruption).await
    };
    let response = async {
        let mut sink = Sink::new(client_out, plan.bytes_per_second);
        relay_response(
            &mut server_in,
            &mut sink,
            plan.reset_after.or(plan.stall_after),
        )
        .await
    };
    while_request_until_response(request, response).await?;
    if plan.stall_after.is_some() {
        drain(client_in).await?;
    }
    Ok(match plan.reset_after {
        Some(_) => Ending::Reset,
        None => Ending::Close,
    })
}

/// Runs `request` alongside `response` and returns when `response` is done. An error of
/// either ends the exchange.
async fn while_request_until_response(
    request: impl Future<Output = io::Result<()>>,
    response: impl Future<Output = io::Result<()>>,
) -> io::Result<()> {
    tokio::pin!(request, response);
    let mut request_done = false;
    loop {
        tokio::select! {
            sent = &mut request, if !request_done => {
                sent?;
                request_done = true;
            }
            relayed = &mut response => return relayed,
        }
    }
}

/// Relays interim responses as they are, then the final head with `Connection: close`,
/// then the body until the server closes (or `body_limit` bytes).
async fn relay_response<W: AsyncWrite + Unpin>(
    server_in: &mut (impl AsyncBufRead + Unpin),
    sink: &mut Sink<'_, W>,
    body_limit: Option<usize>,
) -> io::Result<()> {
    loop {
        let raw = read_head(server_in).await?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the upstream server closed without answering",
            )
        })?;
        let head = ResponseHead::parse(&raw)?;
        if head.is_interim() {
            sink.send(&raw).await?;
        } else {
            sink.send(&head.to_client()).await?;
            return copy_to_end(server_in, sink, body_limit).await;
        }
    }
}

/// Answers `100 Continue` when the client waits for it before sending its body.
async fn continue_if_expected(
    head: &RequestHead,
    client_out: &mut (impl AsyncWrite + Unpin),
) -> io::Result<()> {
    if head.expects_continue() {
        client_out.write_all(CONTINUE).await?;
    }
    Ok(())
}

/// Reads the whole request, then answers it with `error` without contacting upstream.
async fn answer(
    head: &RequestHead,
    client_in: &mut (impl AsyncBufRead + Unpin),
    client_out: &mut (impl AsyncWrite + Unpin),
    error: &S3Error,
) -> io::Result<Ending> {
    continue_if_expected(head, client_out).await?;
    discard_body(client_in, head.framing()).await?;
    client_out
        .write_all(&error.response(head.is_head()))
        .await?;
    Ok(Ending::Close)
}

/// Reads and drops everything until the client closes.
async fn drain(client_in: &mut (impl AsyncBufRead + Unpin)) -> io::Result<()> {
    loop {
        let read = client_in.fill_buf().await?.len();
        if read == 0 {
            return Ok(());
        }
        client_in.consume(read);
    }
}

/// An error response in S3's shape.
#[derive(Debug)]
struct S3Error {
    status: u16,
    reason: &'static str,
    code: &'static str,
    message: &'static str,
}

/// S3's answer when a client goes too fast.
const SLOW_DOWN: S3Error = S3Error {
    status: 503,
    reason: "Slow Down",
    code: "SlowDown",
    message: "Please reduce your request rate.",
};

/// S3's answer to an internal failure.
const INTERNAL_ERROR: S3Error = S3Error {
    status: 500,
    reason: "Internal Server Error",
    code: "InternalError",
    message: "We encountered an internal error. Please try again.",
};

impl S3Error {
    /// The whole response, with no body for a HEAD request.
    fn response(&self, to_head: bool) -> Vec<u8> {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code>\
             <Message>{}</Message><RequestId>stowage-fault-proxy</RequestId></Error>",
            self.code, self.message
        );
        let mut response = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
             x-amz-request-id: stowage-fault-proxy\r\nConnection: close\r\n\r\n",
            self.status,
            self.reason,
            body.len()
        );
        if !to_head {
            response.push_str(&body);
        }
        response.into_bytes()
    }
}
