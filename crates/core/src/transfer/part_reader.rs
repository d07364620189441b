//! [`PartReader`]: a payload's chunk stream cut into parts of exact sizes.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};
use futures::StreamExt;

use crate::error::Result;
use crate::object::ByteStream;

/// Reads a chunk stream in pieces of chosen sizes.
///
/// A part that arrives as one chunk, or a slice of one, is not copied. A part made of
/// several chunks is copied into one buffer as the chunks arrive, each chunk freed once
/// copied, so reading a part holds little more than the part. A part that ends well short of
/// the size asked for (the end of a payload read with a generous limit) is copied once more
/// into a buffer of its own size, so that what is kept is never larger than what it holds.
pub(crate) struct PartReader {
    stream: ByteStream,
    pending: VecDeque<Bytes>,
    finished: bool,
}

impl PartReader {
    /// Reads `stream`.
    pub(crate) fn new(stream: ByteStream) -> Self {
        Self {
            stream,
            pending: VecDeque::new(),
            finished: false,
        }
    }

    /// The next `size` bytes, fewer at the end of the stream, `None` once it is exhausted.
    pub(crate) async fn next_part(&mut self, size: u64) -> Result<Option<Bytes>> {
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        let Some(first) = self.next_piece(size).await? else {
            return Ok(None);
        };
        if first.len() == size {
            return Ok(Some(first));
        }
        let Some(second) = self.next_piece(size - first.len()).await? else {
            return Ok(Some(first));
        };
        let mut part = BytesMut::with_capacity(size);
        part.extend_from_slice(&first);
        drop(first);
        part.extend_from_slice(&second);
        drop(second);
        while part.len() < size {
            match self.next_piece(size - part.len()).await? {
                Some(piece) => part.extend_from_slice(&piece),
                None => break,
            }
        }
        if part.len() < part.capacity() / 2 {
            return Ok(Some(Bytes::copy_from_slice(&part)));
        }
        Ok(Some(part.freeze()))
    }

    /// The next chunk, cut to at most `limit` bytes (the rest stays pending).
    async fn next_piece(&mut self, limit: usize) -> Result<Option<Bytes>> {
        let Some(mut chunk) = self.next_chunk().await? else {
            return Ok(None);
        };
        if chunk.len() > limit {
            self.pending.push_front(chunk.split_off(limit));
        }
        Ok(Some(chunk))
    }

    /// Puts `bytes` back in front of the stream.
    pub(crate) fn unread(&mut self, bytes: Bytes) {
        if !bytes.is_empty() {
            self.pending.push_front(bytes);
        }
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        if let Some(chunk) = self.pending.pop_front() {
            return Ok(Some(chunk));
        }
        while !self.finished {
            match self.stream.next().await {
                Some(chunk) => {
                    let chunk = chunk?;
                    if !chunk.is_empty() {
                        return Ok(Some(chunk));
                    }
                }
                None => self.finished = true,
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use futures::stream;

    use super::*;

    fn reader(chunks: &[&'static [u8]]) -> PartReader {
        let chunks: Vec<Result<Bytes>> = chunks.iter().map(|c| Ok(Bytes::from_static(c))).collect();
        PartReader::new(stream::iter(chunks).boxed())
    }

    #[tokio::test]
    async fn parts_are_cut_at_exact_sizes_across_chunks() {
        let mut parts = reader(&[b"ab", b"", b"cde", b"fghij", b"k"]);
        assert_eq!(parts.next_part(4).await.unwrap().unwrap(), "abcd");
        assert_eq!(parts.next_part(4).await.unwrap().unwrap(), "efgh");
        assert_eq!(parts.next_part(4).await.unwrap().unwrap(), "ijk");
        assert_eq!(parts.next_part(4).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_part_within_one_chunk_is_not_copied() {
        let source: &'static [u8] = b"0123456789";
        let mut parts = reader(&[source]);
        let part = parts.next_part(4).await.unwrap().unwrap();
        assert_eq!(part.as_ptr(), source.as_ptr());
        let rest = parts.next_part(100).await.unwrap().unwrap();
        assert_eq!(rest, "456789");
        assert_eq!(rest.as_ptr(), source[4..].as_ptr());
    }

    #[tokio::test]
    async fn a_short_part_keeps_no_more_than_it_holds_and_can_be_unread() {
        let mut parts = reader(&[b"abc", b"def"]);
        let part = parts.next_part(1 << 20).await.unwrap().unwrap();
        assert_eq!(part, "abcdef");
        parts.unread(part);
        assert_eq!(parts.next_part(2).await.unwrap().unwrap(), "ab");
        assert_eq!(parts.next_part(10).await.unwrap().unwrap(), "cdef");
    }

    #[tokio::test]
    async fn a_failing_source_fails_the_part() {
        let chunks = vec![
            Ok(Bytes::from_static(b"ab")),
            Err(crate::Error::Io {
                message: "broken".into(),
            }),
        ];
        let mut parts = PartReader::new(stream::iter(chunks).boxed());
        assert!(matches!(
            parts.next_part(10).await,
            Err(crate::Error::Io { .. })
        ));
    }
}
