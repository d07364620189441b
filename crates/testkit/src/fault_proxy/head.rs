//! HTTP/1.1 message heads: reading them off a connection, parsing them, and writing
//! them on with `Connection: close`.

use std::io;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

use super::rules::RequestInfo;

/// The longest head the proxy reads.
const MAX_HEAD_BYTES: u64 = 64 * 1024;
/// The most header fields a head may have.
const MAX_HEADERS: usize = 128;
/// Hop-by-hop headers the proxy replaces with its own `Connection: close`.
const HOP_BY_HOP: [&str; 3] = ["connection", "keep-alive", "proxy-connection"];

/// How a request body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyFraming {
    /// `Content-Length` bytes (0 without the header).
    Length(u64),
    /// `Transfer-Encoding: chunked`, up to the last chunk and trailers.
    Chunked,
}

/// A parsed request head.
#[derive(Debug)]
pub(super) struct RequestHead {
    method: String,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    framing: BodyFraming,
}

impl RequestHead {
    /// Reads the next request head: `None` when the connection ends before one starts.
    pub(super) async fn read(reader: &mut (impl AsyncBufRead + Unpin)) -> io::Result<Option<Self>> {
        let Some(raw) = read_head(reader).await? else {
            return Ok(None);
        };
        let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut fields);
        complete(request.parse(&raw))?;
        let headers = owned_headers(request.headers);
        let framing = framing(&headers)?;
        Ok(Some(Self {
            method: request.method.unwrap_or_default().to_owned(),
            target: request.path.unwrap_or_default().to_owned(),
            headers,
            framing,
        }))
    }

    /// What rules match on.
    pub(super) fn info(&self) -> RequestInfo {
        let (path, query) = self
            .target
            .split_once('?')
            .unwrap_or((self.target.as_str(), ""));
        RequestInfo {
            method: self.method.clone(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: self.headers.iter().map(|(name, _)| name.clone()).collect(),
        }
    }

    /// How the body is delimited.
    pub(super) fn framing(&self) -> BodyFraming {
        self.framing
    }

    /// True for `Expect: 100-continue`: the client waits for a `100 Continue` before it
    /// sends the body.
    pub(super) fn expects_continue(&self) -> bool {
        self.header("expect")
            .is_some_and(|value| value.eq_ignore_ascii_case(b"100-continue"))
    }

    /// True for a HEAD request, whose response has no body.
    pub(super) fn is_head(&self) -> bool {
        self.method.eq_ignore_ascii_case("HEAD")
    }

    /// The head to send upstream: the same request line and headers, with
    /// `Connection: close` so that the server ends the response by closing.
    pub(super) fn to_upstream(&self) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.target).into_bytes();
        write_headers(&mut out, &self.headers);
        out
    }

    /// The value of the first header called `name` (lower case).
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(present, _)| present.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_slice())
    }
}

/// A parsed response head.
#[derive(Debug)]
pub(super) struct ResponseHead {
    status: u16,
    reason: String,
    headers: Vec<(String, Vec<u8>)>,
}

impl ResponseHead {
    /// Parses a head [`read_head`] returned.
    pub(super) fn parse(raw: &[u8]) -> io::Result<Self> {
        let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut fields);
        complete(response.parse(raw))?;
        Ok(Self {
            status: response.code.unwrap_or_default(),
            reason: response.reason.unwrap_or_default().to_owned(),
            headers: owned_headers(response.headers),
        })
    }

    /// True for an interim response (`100 Continue`): the final one follows.
    pub(super) fn is_interim(&self) -> bool {
        (100..200).contains(&self.status) && self.status != 101
    }

    /// The head to send the client, with `Connection: close`: the proxy closes the
    /// connection after the response.
    pub(super) fn to_client(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason).into_bytes();
        write_headers(&mut out, &self.headers);
        out
    }
}

/// Reads lines up to and including the empty line that ends a head: `None` when the
/// connection ends before the first byte. Empty lines before a head are skipped.
pub(super) async fn read_head(
    reader: &mut (impl AsyncBufRead + Unpin),
) -> io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    loop {
        let start = head.len();
        let budget = MAX_HEAD_BYTES.saturating_sub(start as u64);
        let read = (&mut *reader)
            .take(budget)
            .read_until(b'\n', &mut head)
            .await?;
        if read == 0 {
            return match (head.is_empty(), budget) {
                (true, _) => Ok(None),
                (false, 0) => Err(invalid("the message head is too long")),
                (false, _) => Err(io::ErrorKind::UnexpectedEof.into()),
            };
        }
        if is_blank(&head[start..]) {
            if start == 0 {
                head.clear();
            } else {
                return Ok(Some(head));
            }
        }
    }
}

/// Reads one line, with its end, of at most `limit` bytes.
pub(super) async fn read_line(
    reader: &mut (impl AsyncBufRead + Unpin),
    limit: u64,
) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    (&mut *reader)
        .take(limit)
        .read_until(b'\n', &mut line)
        .await?;
    if line.last() == Some(&b'\n') {
        Ok(line)
    } else if line.len() as u64 == limit {
        Err(invalid("a chunk line is too long"))
    } else {
        Err(io::ErrorKind::UnexpectedEof.into())
    }
}

/// True for `\r\n` or `\n`.
pub(super) fn is_blank(line: &[u8]) -> bool {
    matches!(line, b"\r\n" | b"\n")
}

/// An [`io::ErrorKind::InvalidData`] error.
pub(super) fn invalid(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// Turns a parse result into a complete parse or an error.
fn complete(status: httparse::Result<usize>) -> io::Result<()> {
    match status {
        Ok(httparse::Status::Complete(_)) => Ok(()),
        Ok(httparse::Status::Partial) => Err(invalid("an incomplete message head")),
        Err(error) => Err(io::Error::new(io::ErrorKind::InvalidData, error)),
    }
}

/// The headers as owned name/value pairs.
fn owned_headers(headers: &[httparse::Header<'_>]) -> Vec<(String, Vec<u8>)> {
    headers
        .iter()
        .map(|header| (header.name.to_owned(), header.value.to_owned()))
        .collect()
}

/// The body framing the headers announce: chunked wins over a length.
fn framing(headers: &[(String, Vec<u8>)]) -> io::Result<BodyFraming> {
    if values(headers, "transfer-encoding").any(|codings| codings.trim_end().ends_with("chunked")) {
        return Ok(BodyFraming::Chunked);
    }
    match values(headers, "content-length").next() {
        Some(length) => length
            .trim()
            .parse()
            .map(BodyFraming::Length)
            .map_err(|_| invalid("a malformed Content-Length")),
        None => Ok(BodyFraming::Length(0)),
    }
}

/// The values of the headers called `name`, in lower case.
fn values<'a>(
    headers: &'a [(String, Vec<u8>)],
    name: &'a str,
) -> impl Iterator<Item = String> + 'a {
    headers
        .iter()
        .filter(move |(present, _)| present.eq_ignore_ascii_case(name))
        .map(|(_, value)| String::from_utf8_lossy(value).to_ascii_lowercase())
}

/// Appends the headers but the hop-by-hop ones, `Connection: close` and the blank line.
fn write_headers(out: &mut Vec<u8>, headers: &[(String, Vec<u8>)]) {
    for (name, value) in headers {
        if HOP_BY_HOP.iter().any(|hop| hop.eq_ignore_ascii_case(name)) {
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn request(raw: &str) -> io::Result<Option<RequestHead>> {
        RequestHead::read(&mut raw.as_bytes()).await
    }

    #[tokio::test]
    async fn a_request_goes_upstream_with_connection_close() {
        let head = request(
            "PUT /b/k?partNumber=1&uploadId=u HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\
             Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(head.framing(), BodyFraming::Length(5));
        assert!(head.expects_continue());
        assert!(!head.is_head());
        let info = head.info();
        assert_eq!(info.path, "/b/k");
        assert_eq!(info.query, "partNumber=1&uploadId=u");
        assert_eq!(
            String::from_utf8(head.to_upstream()).unwrap(),
            "PUT /b/k?partNumber=1&uploadId=u HTTP/1.1\r\nHost: h\r\n\
             Expect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
        );
    }

    #[tokio::test]
    async fn chunked_wins_over_a_length_and_no_header_means_no_body() {
        let chunked = "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
        let bare = "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
        assert_eq!(
            request(chunked).await.unwrap().unwrap().framing(),
            BodyFraming::Chunked
        );
        assert_eq!(
            request(bare).await.unwrap().unwrap().framing(),
            BodyFraming::Length(0)
        );
    }

    #[tokio::test]
    async fn an_empty_connection_has_no_head_and_a_cut_one_is_an_error() {
        assert!(request("").await.unwrap().is_none());
        assert!(request("GET / HTTP/1.1\r\nHost").await.is_err());
        assert!(
            request("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n")
                .await
                .is_err()
        );
    }

    #[test]
    fn a_response_goes_to_the_client_with_connection_close() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nconnection: keep-alive\r\n\r\n";
        let head = ResponseHead::parse(raw).unwrap();
        assert!(!head.is_interim());
        assert_eq!(
            String::from_utf8(head.to_client()).unwrap(),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
        );
        assert!(
            ResponseHead::parse(b"HTTP/1.1 100 Continue\r\n\r\n")
                .unwrap()
                .is_interim()
        );
    }
}
