//! [`OffsetWriter`]: one file written at many offsets at once, each range of a download
//! landing where it belongs as its bytes arrive.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, Result};
use crate::transfer::download::RangeSink;

/// The bytes one range gathers before one write: large enough that handing a write to the
/// writer thread costs nothing next to it, small enough that eight ranges in flight add
/// little to a download's memory.
const WRITE_BATCH_BYTES: usize = 1024 * 1024;

/// Told the size of each batch once it is written.
pub(crate) type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// One batch of a range, to be written at `offset`; `done` hears how it went.
struct WriteJob {
    offset: u64,
    batch: Vec<Bytes>,
    done: oneshot::Sender<std::io::Result<()>>,
}

/// A file that ranges write into at their own offsets, from any task.
///
/// One thread writes every batch, in the order they come. Buffered writes to one file take
/// the file's lock in turn anyway; writers on several threads only spin on that lock,
/// burning the CPU the server and the network need (a tenth of a download's CPU time, in
/// profiles on 2 cores).
pub(crate) struct OffsetWriter {
    jobs: mpsc::UnboundedSender<WriteJob>,
}

impl OffsetWriter {
    /// Writes into `file`, first set to `len` bytes so that every range can land at its
    /// offset, in any order. The writer thread ends once this and every [`RangeAt`] are
    /// dropped.
    pub(crate) fn new(file: &std::fs::File, len: u64, progress: Progress) -> Result<Self> {
        let file = file
            .try_clone()
            .map_err(|error| file_error("opening the download file", &error))?;
        file.set_len(len)
            .map_err(|error| file_error("sizing the download file", &error))?;
        reserve_space(&file, len)?;
        let (jobs, queue) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("stowage-file-writer".into())
            .spawn(move || write_jobs(&file, queue, &progress))
            .map_err(|error| file_error("starting the download file's writer", &error))?;
        Ok(Self { jobs })
    }

    /// The writer of the range that starts at `offset`.
    pub(crate) fn at(&self, offset: u64) -> RangeAt {
        RangeAt {
            jobs: self.jobs.clone(),
            next_write: offset,
            batch: Vec::new(),
            batched: 0,
            taken: 0,
            writing: None,
        }
    }
}

/// The writer thread: each job written at its offset, then reported.
fn write_jobs(
    file: &std::fs::File,
    mut queue: mpsc::UnboundedReceiver<WriteJob>,
    progress: &Progress,
) {
    while let Some(job) = queue.blocking_recv() {
        let mut at = job.offset;
        let result = job.batch.iter().try_for_each(|chunk| {
            write_all_at(file, chunk, at)?;
            at += chunk.len() as u64;
            Ok(())
        });
        if result.is_ok() {
            progress(at - job.offset);
        }
        // A range that stopped waiting no longer needs the answer.
        let _ = job.done.send(result);
    }
}

/// One range's bytes, gathered into batches of about 1 MiB, each written at its offset by
/// the writer thread while the next one gathers, without copying the chunks: at most two
/// batches are held.
pub(crate) struct RangeAt {
    jobs: mpsc::UnboundedSender<WriteJob>,
    /// Where the batch being gathered goes.
    next_write: u64,
    batch: Vec<Bytes>,
    batched: usize,
    taken: u64,
    writing: Option<oneshot::Receiver<std::io::Result<()>>>,
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

    /// Waits for the write in progress, then hands the gathered batch to the writer.
    async fn write_batch(&mut self) -> Result<()> {
        self.wait().await?;
        if self.batch.is_empty() {
            return Ok(());
        }
        let (done, writing) = oneshot::channel();
        let job = WriteJob {
            offset: self.next_write,
            batch: std::mem::take(&mut self.batch),
            done,
        };
        self.next_write += self.batched as u64;
        self.batched = 0;
        self.jobs.send(job).map_err(|_| writer_stopped())?;
        self.writing = Some(writing);
        Ok(())
    }

    /// Waits for the write in progress, if any.
    async fn wait(&mut self) -> Result<()> {
        match self.writing.take() {
            None => Ok(()),
            Some(writing) => match writing.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(file_error("writing the download file", &error)),
                Err(_) => Err(writer_stopped()),
            },
        }
    }
}

/// Allocates the file's blocks before the first write: a disk too full for the object fails
/// the download at once rather than gigabytes later, and the filesystem need not reserve
/// blocks page by page as the writes come (a twentieth of a download's CPU time on ext4).
#[cfg(unix)]
fn reserve_space(file: &std::fs::File, len: u64) -> Result<()> {
    use rustix::io::Errno;
    if len == 0 {
        return Ok(());
    }
    match rustix::fs::fallocate(file, rustix::fs::FallocateFlags::empty(), 0, len) {
        // A filesystem that cannot allocate ahead is written as the bytes come.
        Ok(()) | Err(Errno::OPNOTSUPP | Errno::NOSYS | Errno::INVAL) => Ok(()),
        Err(errno) => Err(file_error(
            "reserving space for the download file",
            &errno.into(),
        )),
    }
}

/// Other systems write the file as the bytes come.
#[cfg(not(unix))]
fn reserve_space(_file: &std::fs::File, _len: u64) -> Result<()> {
    Ok(())
}

/// The writer thread is gone before answering (it panicked).
fn writer_stopped() -> Error {
    Error::Io {
        message: "writing the download file stopped: its writer thread ended".into(),
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

    #[cfg(target_os = "linux")]
    #[test]
    fn the_files_blocks_are_allocated_before_the_first_write() {
        use std::os::unix::fs::MetadataExt;

        let dir = tempfile::tempdir().unwrap();
        let file = std::fs::File::create(dir.path().join("out.bin")).unwrap();
        let len = 3 * 1024 * 1024;
        let _writer = OffsetWriter::new(&file, len, Arc::new(|_| {})).unwrap();
        let meta = file.metadata().unwrap();
        assert_eq!(meta.len(), len);
        assert!(meta.blocks() * 512 >= len, "{} blocks", meta.blocks());
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
