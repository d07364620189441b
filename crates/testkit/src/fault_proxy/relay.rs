//! Moving bytes: request bodies by their framing, responses until the server closes,
//! optionally paced or with one bit flipped.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::head::{BodyFraming, invalid, is_blank, read_line};

/// The most bytes moved per write.
const CHUNK_BYTES: usize = 64 * 1024;
/// The longest chunk-size or trailer line of a chunked body.
const MAX_LINE_BYTES: u64 = 8 * 1024;

/// A writer, optionally held to a rate.
#[derive(Debug)]
pub(super) struct Sink<'a, W> {
    writer: &'a mut W,
    pace: Option<Pace>,
}

impl<'a, W: AsyncWrite + Unpin> Sink<'a, W> {
    /// Writes to `writer` at `bytes_per_second`, or as fast as it takes them.
    pub(super) fn new(writer: &'a mut W, bytes_per_second: Option<u64>) -> Self {
        Self {
            writer,
            pace: bytes_per_second.map(Pace::new),
        }
    }

    /// Writes `bytes`, then waits until the rate allows more.
    pub(super) async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes).await?;
        if let Some(pace) = &mut self.pace {
            pace.account(bytes.len()).await;
        }
        Ok(())
    }

    /// The most bytes to send at once: a 20th of a second's worth when paced.
    fn chunk_bytes(&self) -> usize {
        self.pace.as_ref().map_or(CHUNK_BYTES, Pace::chunk_bytes)
    }
}

/// A rate, and the bytes sent since it started.
#[derive(Debug)]
struct Pace {
    bytes_per_second: u64,
    start: Instant,
    sent: u64,
}

impl Pace {
    /// A rate of at least one byte a second, starting now.
    fn new(bytes_per_second: u64) -> Self {
        Self {
            bytes_per_second: bytes_per_second.max(1),
            start: Instant::now(),
            sent: 0,
        }
    }

    /// Counts `bytes` sent and sleeps until they are due at this rate.
    async fn account(&mut self, bytes: usize) {
        self.sent += bytes as u64;
        let due = Duration::from_secs_f64(self.sent as f64 / self.bytes_per_second as f64);
        tokio::time::sleep_until(self.start + due).await;
    }

    /// A 20th of a second's worth, between 1 byte and [`CHUNK_BYTES`].
    fn chunk_bytes(&self) -> usize {
        usize::try_from(self.bytes_per_second / 20).map_or(CHUNK_BYTES, |n| n.clamp(1, CHUNK_BYTES))
    }
}

/// Flips the low bit of the body byte at one offset, as the body passes.
#[derive(Debug, Default)]
pub(super) struct Corruption {
    at: Option<u64>,
    position: u64,
}

impl Corruption {
    /// Corrupts the byte at `offset`, or none.
    pub(super) fn at(offset: Option<usize>) -> Self {
        Self {
            at: offset.map(|offset| offset as u64),
            position: 0,
        }
    }

    /// Applies to the next `chunk` of the body.
    fn apply(&mut self, chunk: &mut [u8]) {
        let end = self.position + chunk.len() as u64;
        if let Some(at) = self.at.filter(|at| (self.position..end).contains(at)) {
            chunk[(at - self.position) as usize] ^= 0x01;
        }
        self.position = end;
    }
}

/// Relays a request body of `framing` from `reader` to `sink`, chunked framing included.
pub(super) async fn copy_body<W: AsyncWrite + Unpin>(
    reader: &mut (impl AsyncBufRead + Unpin),
    sink: &mut Sink<'_, W>,
    framing: BodyFraming,
    corruption: &mut Corruption,
) -> io::Result<()> {
    match framing {
        BodyFraming::Length(length) => copy_exact(reader, sink, length, corruption).await,
        BodyFraming::Chunked => copy_chunked(reader, sink, corruption).await,
    }
}

/// Reads some of a request body and drops it: half a body of known length, one read of a
/// chunked one.
pub(super) async fn read_part(
    reader: &mut (impl AsyncBufRead + Unpin),
    framing: BodyFraming,
) -> io::Result<()> {
    match framing {
        BodyFraming::Length(length) => {
            let mut discard = tokio::io::sink();
            let mut sink = Sink::new(&mut discard, None);
            copy_exact(reader, &mut sink, length / 2, &mut Corruption::default()).await
        }
        BodyFraming::Chunked => {
            let read = reader.fill_buf().await?.len();
            reader.consume(read);
            Ok(())
        }
    }
}

/// Reads a whole request body and drops it.
pub(super) async fn discard_body(
    reader: &mut (impl AsyncBufRead + Unpin),
    framing: BodyFraming,
) -> io::Result<()> {
    let mut discard = tokio::io::sink();
    let mut sink = Sink::new(&mut discard, None);
    copy_body(reader, &mut sink, framing, &mut Corruption::default()).await
}

/// Relays until `reader` ends, or until `limit` bytes when given.
pub(super) async fn copy_to_end<W: AsyncWrite + Unpin>(
    reader: &mut (impl AsyncBufRead + Unpin),
    sink: &mut Sink<'_, W>,
    limit: Option<usize>,
) -> io::Result<()> {
    let mut left = limit.map_or(u64::MAX, |limit| limit as u64);
    while left > 0 {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            break;
        }
        let take = chunk_len(available.len(), left, sink.chunk_bytes());
        let chunk = available[..take].to_vec();
        reader.consume(take);
        sink.send(&chunk).await?;
        left -= take as u64;
    }
    Ok(())
}

/// Relays exactly `length` bytes; an earlier end is an error.
async fn copy_exact<W: AsyncWrite + Unpin>(
    reader: &mut (impl AsyncBufRead + Unpin),
    sink: &mut Sink<'_, W>,
    length: u64,
    corruption: &mut Corruption,
) -> io::Result<()> {
    let mut left = length;
    while left > 0 {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let take = chunk_len(available.len(), left, sink.chunk_bytes());
        let mut chunk = available[..take].to_vec();
        reader.consume(take);
        corruption.apply(&mut chunk);
        sink.send(&chunk).await?;
        left -= take as u64;
    }
    Ok(())
}

/// Relays a chunked body: chunks up to the last one, then the trailers and the blank line
/// that ends them.
async fn copy_chunked<W: AsyncWrite + Unpin>(
    reader: &mut (impl AsyncBufRead + Unpin),
    sink: &mut Sink<'_, W>,
    corruption: &mut Corruption,
) -> io::Result<()> {
    loop {
        let size_line = read_line(reader, MAX_LINE_BYTES).await?;
        sink.send(&size_line).await?;
        let size = chunk_size(&size_line)?;
        if size == 0 {
            return copy_trailers(reader, sink).await;
        }
        copy_exact(reader, sink, size, corruption).await?;
        let end = read_line(reader, MAX_LINE_BYTES).await?;
        if !is_blank(&end) {
            return Err(invalid("a chunk does not end with CRLF"));
        }
        sink.send(&end).await?;
    }
}

/// Relays trailer lines up to and including the blank line.
async fn copy_trailers<W: AsyncWrite + Unpin>(
    reader: &mut (impl AsyncBufRead + Unpin),
    sink: &mut Sink<'_, W>,
) -> io::Result<()> {
    loop {
        let line = read_line(reader, MAX_LINE_BYTES).await?;
        sink.send(&line).await?;
        if is_blank(&line) {
            return Ok(());
        }
    }
}

/// The size a chunk-size line announces (hex digits, then optional extensions).
fn chunk_size(line: &[u8]) -> io::Result<u64> {
    let digits = line
        .iter()
        .position(|byte| !byte.is_ascii_hexdigit())
        .map_or(line, |end| &line[..end]);
    std::str::from_utf8(digits)
        .ok()
        .filter(|digits| !digits.is_empty())
        .and_then(|digits| u64::from_str_radix(digits, 16).ok())
        .ok_or_else(|| invalid("a malformed chunk size"))
}

/// The bytes to move next: what is available, within what is left and the chunk size.
fn chunk_len(available: usize, left: u64, chunk_bytes: usize) -> usize {
    available
        .min(chunk_bytes)
        .min(usize::try_from(left).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn relay(
        body: &[u8],
        framing: BodyFraming,
        offset: Option<usize>,
    ) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out, None);
        let mut reader = body;
        copy_body(&mut reader, &mut sink, framing, &mut Corruption::at(offset)).await?;
        Ok(out)
    }

    #[tokio::test]
    async fn a_body_of_known_length_passes_with_one_bit_flipped_at_the_offset() {
        let body = b"hello world";
        assert_eq!(
            relay(body, BodyFraming::Length(5), None).await.unwrap(),
            b"hello"
        );
        assert_eq!(
            relay(body, BodyFraming::Length(11), Some(1)).await.unwrap(),
            b"hdllo world"
        );
        assert_eq!(
            relay(body, BodyFraming::Length(5), Some(9)).await.unwrap(),
            b"hello"
        );
        assert!(relay(body, BodyFraming::Length(12), None).await.is_err());
    }

    #[tokio::test]
    async fn a_chunked_body_passes_framing_and_trailers_and_stops_after_them() {
        let body = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\nNEXT";
        let relayed = relay(body, BodyFraming::Chunked, Some(6)).await.unwrap();
        assert_eq!(
            relayed,
            b"5;ext=1\r\nhello\r\n6\r\n vorld\r\n0\r\nx-trailer: 1\r\n\r\n"
        );
        assert!(relay(b"zz\r\n", BodyFraming::Chunked, None).await.is_err());
        assert!(
            relay(b"5\r\nhelloX\r\n", BodyFraming::Chunked, None)
                .await
                .is_err()
        );
        assert!(
            relay(b"5\r\nhel", BodyFraming::Chunked, None)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn copy_to_end_stops_at_the_limit() {
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out, None);
        copy_to_end(&mut &b"abcdef"[..], &mut sink, Some(4))
            .await
            .unwrap();
        assert_eq!(out, b"abcd");
    }

    #[tokio::test]
    async fn a_paced_sink_takes_the_time_its_rate_says() {
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out, Some(20_000));
        let start = Instant::now();
        copy_to_end(&mut &[0u8; 2000][..], &mut sink, None)
            .await
            .unwrap();
        assert!(start.elapsed() >= Duration::from_millis(100));
        assert_eq!(out.len(), 2000);
    }
}
