//! [`PartBuffer`]: the memory one upload part is gathered in, a memory mapping of its own;
//! [`BufferPool`]: the buffers of one upload, reused from part to part.
//!
//! Parts are large (16 MiB by default) and are allocated and freed on different threads.
//! From the heap, a freed part may stay resident in one thread's arena while another thread
//! allocates the next one, so a process can hold a part more than the transfer does. A
//! mapping of its own is unmapped when it goes, and an upload reuses the buffers of the parts
//! it sent rather than mapping new ones (whose pages the kernel would have to supply again):
//! an upload's memory stays at `part size x concurrency`.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use memmap2::{MmapMut, MmapOptions};

use crate::error::{Error, Result};

/// A fixed-capacity buffer in its own anonymous memory mapping.
pub(crate) struct PartBuffer {
    map: MmapMut,
    len: usize,
}

impl PartBuffer {
    /// An empty buffer for `capacity` bytes (at least one). Pages take memory only once
    /// written, so a short payload read with a generous limit costs what it holds.
    pub(crate) fn with_capacity(capacity: usize) -> Result<Self> {
        let map = MmapOptions::new()
            .len(capacity.max(1))
            .map_anon()
            .map_err(|error| Error::Io {
                message: format!("mapping {capacity} bytes for an upload part failed: {error}"),
            })?;
        Ok(Self { map, len: 0 })
    }

    /// The bytes gathered so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// How many bytes the buffer holds at most.
    pub(crate) fn capacity(&self) -> usize {
        self.map.len()
    }

    /// Appends `bytes`, which must fit in what is left of the capacity.
    pub(crate) fn extend_from_slice(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        self.map[self.len..end].copy_from_slice(bytes);
        self.len = end;
    }

    /// The bytes gathered, without a copy; the mapping goes when the last reference does.
    pub(crate) fn freeze(self) -> Bytes {
        Bytes::from_owner(self)
    }
}

/// The buffers of one upload's parts once the parts are gone, for the next parts to reuse.
///
/// It holds only buffers given back, so it never holds more than the parts alive at once did.
#[derive(Clone, Default)]
pub(crate) struct BufferPool(Arc<Mutex<Vec<PartBuffer>>>);

impl BufferPool {
    /// An empty buffer for at least `capacity` bytes: one given back if one is large enough
    /// (smaller ones are unmapped), else a new one.
    pub(crate) fn take(&self, capacity: usize) -> Result<PartBuffer> {
        let reused = {
            let mut buffers = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            buffers.retain(|buffer| buffer.capacity() >= capacity);
            buffers.pop()
        };
        match reused {
            Some(mut buffer) => {
                buffer.len = 0;
                Ok(buffer)
            }
            None => PartBuffer::with_capacity(capacity),
        }
    }

    /// Gives `buffer` back for a later part.
    pub(crate) fn give_back(&self, buffer: PartBuffer) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(buffer);
    }
}

impl AsRef<[u8]> for PartBuffer {
    fn as_ref(&self) -> &[u8] {
        &self.map[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathered_bytes_freeze_without_a_copy() {
        let mut buffer = PartBuffer::with_capacity(10).unwrap();
        buffer.extend_from_slice(b"abc");
        buffer.extend_from_slice(b"defg");
        assert_eq!((buffer.len(), buffer.capacity()), (7, 10));
        let start = buffer.as_ref().as_ptr();
        let bytes = buffer.freeze();
        assert_eq!(bytes, "abcdefg");
        assert_eq!(bytes.as_ptr(), start);
        assert_eq!(bytes.slice(2..4), "cd");
    }

    #[test]
    fn a_buffer_given_back_is_reused_empty_when_large_enough() {
        let pool = BufferPool::default();
        let mut buffer = pool.take(8).unwrap();
        buffer.extend_from_slice(b"old");
        let start = buffer.as_ref().as_ptr();
        pool.give_back(buffer);
        let reused = pool.take(8).unwrap();
        assert_eq!((reused.len(), reused.as_ref().as_ptr()), (0, start));
        pool.give_back(reused);
        let larger = pool.take(4096 * 4).unwrap();
        assert_eq!(larger.capacity(), 4096 * 4);
        assert!(
            pool.0.lock().unwrap().is_empty(),
            "the smaller buffer was unmapped"
        );
    }
}
