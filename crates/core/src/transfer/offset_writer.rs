//! [`OffsetWriter`]: one file written at many offsets at once, each range of a download
//! landing where it belongs as its bytes arrive.

use std::sync::Arc;

use bytes::Bytes;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::transfer::download::RangeSink;

/// The bytes one range gathers before one write: large enough that handing a write to a
/// blocking thread costs nothing next to it, small enough that eight ranges in flight add
/// little to a download's memory.
const WRITE_BATCH_BYTES: usize = 1024 * 1024;

/// Told the size of each batch once it is written.
pub(crate) type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// A file that ranges write into at their own offsets, from any task.
pub(crate) struct OffsetWriter {
    file: Arc<std::fs::File>,
    progress: Progress,
}

impl OffsetWriter {
    /// Writes into `file`, first set to `len` bytes so that every range can land at its
    /// offset, in any order.
    pub(crate) fn new(file: &std::fs::File, len: u64, progress: Progress) -> Result<Self> {
        let file = file
            .try_clone()
            .map_err(|error| file_error("opening the download file", &error))?;
        file.set_len(len)
            .map_err(|error| file_error("sizing the download file", &error))?;
        Ok(Self {
            file: Arc::new(file),
            progress,
        })
    }

    /// The writer of the range that starts at `offset`.
    pub(crate) fn at(&self, offset: u64) -> RangeAt {
        RangeAt {
            file: Arc::clone(&self.file),
            progress: Arc::clone(&self.progress),
            next_write: offset,
            batch: Vec::new(),
            batched: 0,
            taken: 0,
            writing: None,
        }
    }
}

/// One range's bytes, gathered into batches of about 1 MiB, each written at its offset on
/// Tokio's blocking threads while the next one gathers, without copying the chunks: at most
/// two batches are held.
pub(crate) struct RangeAt {
    file: Arc<std::fs::File>,
    progress: Progress,
    /// Where the batch being gathered goes.
    next_write: u64,
    batch: Vec<Bytes>,
    batched: usize,
    taken: u64,
    writing: Option<JoinHandle<std::io::Result<()>>>,
}

impl RangeSink for RangeAt {
    /// The bytes taken so far, written or gathered.
    fn taken(&self) -> u64 {
        self.taken
    }

    /// Takes the next chunk of the range; writes a batch once it is large enough.
    async fn take(&mut self, chunk: Bytes) -> Result<()> {
        self.taken += chunk.len() as u64;
        self.batched += chunk.len();
        self.batch.push(chunk);
        if self.batched >= WRITE_BATCH_BYTES {
            self.write_batch().await?;
        }
        Ok(())
    }
}

impl RangeAt {
    /// Writes what is gathered and waits until every byte taken is in the file.
    pub(crate) async fn finish(mut self) -> Result<()> {
        self.write_batch().await?;
        self.wait().await
    }

    /// Waits for the write in progress, then starts writing the gathered batch.
    async fn write_batch(&mut self) -> Result<()> {
        self.wait().await?;
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let offset = self.next_write;
        self.next_write += self.batched as u64;
        self.batched = 0;
        let file = Arc::clone(&self.file);
        let progress = Arc::clone(&self.progress);
        self.writing = Some(tokio::task::spawn_blocking(move || {
            let mut at = offset;
            for chunk in &batch {
                write_all_at(&file, chunk, at)?;
                at += chunk.len() as u64;
            }
            progress(at - offset);
            Ok(())
        }));
        Ok(())
    }

    /// Waits for the write in progress, if any.
    async fn wait(&mut self) -> Result<()> {
        match self.writing.take() {
            None => Ok(()),
            Some(write) => match write.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(file_error("writing the download file", &error)),
                Err(error) => Err(Error::Io {
                    message: format!("writing the download file stopped: {error}"),
                }),
            },
        }
    }
}

#[cfg(unix)]
fn write_all_at(file: &std::fs::File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(windows)]
fn write_all_at(file: &std::fs::File, mut bytes: &[u8], mut offset: u64) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match std::os::windows::fs::FileExt::seek_write(file, bytes, offset) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(written) => {
                bytes = &bytes[written..];
                offset += written as u64;
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// A failure of the download file, saying what was being done.
pub(super) fn file_error(what: &str, error: &std::io::Error) -> Error {
    Error::Io {
        message: format!("{what} failed: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ranges_written_in_any_order_land_at_their_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let file = std::fs::File::create(dir.path().join("out.bin")).unwrap();
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let written = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&written);
        let writer = OffsetWriter::new(
            &file,
            data.len() as u64,
            Arc::new(move |bytes| {
                counter.fetch_add(bytes, Ordering::Relaxed);
            }),
        )
        .unwrap();
        let ranges = [2_000_000..3_000_000, 0..1_000_000, 1_000_000..2_000_000];
        let mut tasks = Vec::new();
        for range in ranges {
            let mut at = writer.at(range.start as u64);
            let bytes = Bytes::copy_from_slice(&data[range]);
            tasks.push(tokio::spawn(async move {
                for chunk in bytes.chunks(70_000) {
                    at.take(bytes.slice_ref(chunk)).await.unwrap();
                }
                at.finish().await.unwrap();
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(std::fs::read(dir.path().join("out.bin")).unwrap(), data);
        assert_eq!(written.load(Ordering::Relaxed), data.len() as u64);
    }

    #[tokio::test]
    async fn the_file_takes_the_objects_length_whatever_it_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        std::fs::write(&path, vec![9u8; 4096]).unwrap();
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let writer = OffsetWriter::new(&file, 3, Arc::new(|_| {})).unwrap();
        let mut at = writer.at(0);
        at.take(Bytes::from_static(b"abc")).await.unwrap();
        at.finish().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"abc");
    }

    #[tokio::test]
    async fn a_file_that_cannot_be_written_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("read-only.bin");
        std::fs::write(&path, b"").unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let result = OffsetWriter::new(&file, 10, Arc::new(|_| {}));
        assert!(matches!(result, Err(Error::Io { .. })));
    }
}
