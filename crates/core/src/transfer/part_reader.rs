//! [`PartReader`]: a payload's chunk stream cut into parts of exact sizes, with a fixed
//! number of parts alive at once.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{Error, Result};
use crate::payload::ByteStream;
use crate::transfer::part_buffer::{BufferPool, PartBuffer};

/// Reads a chunk stream in pieces of chosen sizes.
///
/// A part that arrives as one chunk, or a slice of one, is not copied. A part made of
/// several chunks is copied into one buffer of its own memory mapping ([`PartBuffer`]) as the
/// chunks arrive, each chunk freed once copied, so reading a part holds little more than the
/// part; the buffers of parts gone are reused. A part that ends well short of the size asked
/// for (the end of a payload read with a generous limit) is copied once more into a buffer
/// of its own size, so that what is kept is never larger than what it holds.
///
/// A part read with a [`Place`] holds it until the last reference to its bytes is dropped, in
/// a request still being sent or a retry held by the transport, not only until its upload
/// returned: with at most `parts_alive` places, memory stays at `part size x parts_alive`
/// whatever the transport does with a body.
pub(crate) struct PartReader {
    stream: ByteStream,
    pending: VecDeque<Bytes>,
    finished: bool,
    parts_alive: Arc<Semaphore>,
    pool: BufferPool,
}

impl PartReader {
    /// Reads `stream`, with at most `parts_alive` parts alive at once (at least one).
    pub(crate) fn new(stream: ByteStream, parts_alive: usize) -> Self {
        Self {
            stream,
            pending: VecDeque::new(),
            finished: false,
            parts_alive: Arc::new(Semaphore::new(parts_alive.max(1))),
            pool: BufferPool::default(),
        }
    }

    /// The places among the parts alive, to wait for one without borrowing the reader.
    pub(crate) fn places(&self) -> Places {
        Places(Arc::clone(&self.parts_alive))
    }

    /// The next `size` bytes, fewer at the end of the stream, `None` once it is exhausted,
    /// holding `place` until the last reference to them is dropped. Its buffer, if it needed
    /// one, is reused by a later part then.
    pub(crate) async fn next_part(&mut self, size: u64, place: Place) -> Result<Option<Bytes>> {
        let pool = self.pool.clone();
        Ok(self.gather(size, &pool).await?.map(|gathered| {
            Bytes::from_owner(Part {
                gathered: Some(gathered),
                pool,
                _place: place,
            })
        }))
    }

    /// The next `size` bytes, fewer at the end of the stream, `None` once it is exhausted,
    /// not counted among the parts alive: for a look ahead that is put back with
    /// [`unread`](Self::unread), whose bytes the counted parts cut from it then hold.
    pub(crate) async fn next_part_uncounted(&mut self, size: u64) -> Result<Option<Bytes>> {
        Ok(self
            .gather(size, &BufferPool::default())
            .await?
            .map(|gathered| match gathered {
                Gathered::Slice(bytes) => bytes,
                Gathered::Buffer(buffer) => buffer.freeze(),
            }))
    }

    /// The next `size` bytes, copied into a buffer from `pool` where they span chunks.
    async fn gather(&mut self, size: u64, pool: &BufferPool) -> Result<Option<Gathered>> {
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        let Some(first) = self.next_piece(size).await? else {
            return Ok(None);
        };
        if first.len() == size {
            return Ok(Some(Gathered::Slice(first)));
        }
        let Some(second) = self.next_piece(size - first.len()).await? else {
            return Ok(Some(Gathered::Slice(first)));
        };
        let mut part = pool.take(size)?;
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
            let short = Bytes::copy_from_slice(part.as_ref());
            pool.give_back(part);
            return Ok(Some(Gathered::Slice(short)));
        }
        Ok(Some(Gathered::Buffer(part)))
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

/// The places among the parts alive of one [`PartReader`].
pub(crate) struct Places(Arc<Semaphore>);

impl Places {
    /// A place, if one is free now.
    pub(crate) fn try_place(&self) -> Option<Place> {
        Arc::clone(&self.0)
            .try_acquire_owned()
            .ok()
            .map(Place::holding)
    }

    /// A place, once one is free.
    pub(crate) async fn place(&self) -> Result<Place> {
        Arc::clone(&self.0)
            .acquire_owned()
            .await
            .map(Place::holding)
            .map_err(|_| Error::Io {
                message: "the part reader's limit on parts was closed".into(),
            })
    }
}

/// One of the places among the parts alive.
pub(crate) struct Place {
    _permit: OwnedSemaphorePermit,
}

impl Place {
    fn holding(permit: OwnedSemaphorePermit) -> Self {
        Self { _permit: permit }
    }
}

/// The bytes of one part: a slice of the source, or a buffer of their own.
enum Gathered {
    Slice(Bytes),
    Buffer(PartBuffer),
}

impl AsRef<[u8]> for Gathered {
    fn as_ref(&self) -> &[u8] {
        match self {
            Self::Slice(bytes) => bytes,
            Self::Buffer(buffer) => buffer.as_ref(),
        }
    }
}

/// The bytes of one part and its place among the parts alive, given back when the last
/// reference to the bytes is dropped: the buffer to the pool first, then the place, so the
/// part that takes the place finds the buffer.
struct Part {
    gathered: Option<Gathered>,
    pool: BufferPool,
    _place: Place,
}

impl AsRef<[u8]> for Part {
    fn as_ref(&self) -> &[u8] {
        self.gathered.as_ref().map_or(&[], Gathered::as_ref)
    }
}

impl Drop for Part {
    fn drop(&mut self) {
        if let Some(Gathered::Buffer(buffer)) = self.gathered.take() {
            self.pool.give_back(buffer);
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::stream;

    use super::*;

    fn reader(chunks: &[&'static [u8]]) -> PartReader {
        let chunks: Vec<Result<Bytes>> = chunks.iter().map(|c| Ok(Bytes::from_static(c))).collect();
        PartReader::new(stream::iter(chunks).boxed(), 8)
    }

    #[tokio::test]
    async fn parts_are_cut_at_exact_sizes_across_chunks() {
        let mut parts = reader(&[b"ab", b"", b"cde", b"fghij", b"k"]);
        assert_eq!(parts.next_part_uncounted(4).await.unwrap().unwrap(), "abcd");
        assert_eq!(parts.next_part_uncounted(4).await.unwrap().unwrap(), "efgh");
        assert_eq!(parts.next_part_uncounted(4).await.unwrap().unwrap(), "ijk");
        assert_eq!(parts.next_part_uncounted(4).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_part_within_one_chunk_is_not_copied() {
        let source: &'static [u8] = b"0123456789";
        let mut parts = reader(&[source]);
        let part = parts.next_part_uncounted(4).await.unwrap().unwrap();
        assert_eq!(part.as_ptr(), source.as_ptr());
        let rest = parts.next_part_uncounted(100).await.unwrap().unwrap();
        assert_eq!(rest, "456789");
        assert_eq!(rest.as_ptr(), source[4..].as_ptr());
    }

    #[tokio::test]
    async fn a_short_part_keeps_no_more_than_it_holds_and_can_be_unread() {
        let mut parts = reader(&[b"abc", b"def"]);
        let part = parts.next_part_uncounted(1 << 20).await.unwrap().unwrap();
        assert_eq!(part, "abcdef");
        parts.unread(part);
        assert_eq!(parts.next_part_uncounted(2).await.unwrap().unwrap(), "ab");
        assert_eq!(
            parts.next_part_uncounted(10).await.unwrap().unwrap(),
            "cdef"
        );
    }

    #[tokio::test]
    async fn a_failing_source_fails_the_part() {
        let chunks = vec![
            Ok(Bytes::from_static(b"ab")),
            Err(crate::Error::Io {
                message: "broken".into(),
            }),
        ];
        let mut parts = PartReader::new(stream::iter(chunks).boxed(), 8);
        assert!(matches!(
            parts.next_part_uncounted(10).await,
            Err(crate::Error::Io { .. })
        ));
    }

    #[tokio::test]
    async fn a_part_counts_until_its_last_reference_is_dropped() {
        let chunks: Vec<Result<Bytes>> = vec![Ok(Bytes::from_static(b"abcdefgh"))];
        let mut parts = PartReader::new(stream::iter(chunks).boxed(), 2);
        let place = parts.places().try_place().unwrap();
        let first = parts.next_part(2, place).await.unwrap().unwrap();
        let place = parts.places().place().await.unwrap();
        let second = parts.next_part(2, place).await.unwrap().unwrap();
        let held_by_a_retry = second.clone();
        drop(second);
        assert!(
            parts.places().try_place().is_none(),
            "no third place while two parts are alive"
        );
        drop(held_by_a_retry);
        let place = parts
            .places()
            .try_place()
            .expect("a place once a part is gone");
        assert_eq!(parts.next_part(2, place).await.unwrap().unwrap(), "ef");
        drop(first);
        let place = parts.places().place().await.unwrap();
        assert_eq!(parts.next_part(2, place).await.unwrap().unwrap(), "gh");
    }

    #[tokio::test]
    async fn a_look_ahead_put_back_holds_no_place() {
        let chunks: Vec<Result<Bytes>> = vec![Ok(Bytes::from_static(b"abcdef"))];
        let mut parts = PartReader::new(stream::iter(chunks).boxed(), 1);
        let head = parts.next_part_uncounted(4).await.unwrap().unwrap();
        parts.unread(head);
        let place = parts
            .places()
            .try_place()
            .expect("the look ahead holds no place");
        let first = parts.next_part(3, place).await.unwrap().unwrap();
        assert_eq!(first, "abc");
        drop(first);
        let place = parts.places().try_place().unwrap();
        assert_eq!(parts.next_part(3, place).await.unwrap().unwrap(), "def");
    }
}
