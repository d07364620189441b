//! [`write_to_file`]: a body written to a file in large blocking writes, off the async
//! threads, while the next bytes arrive.

use std::io::Write;

use bytes::Bytes;
use futures::{Stream, TryStreamExt};

use crate::error::{Error, Result};

/// The bytes gathered before one write: large enough that the cost of handing a write to a
/// blocking thread disappears, small enough to add little to a download's memory.
const WRITE_BATCH_BYTES: usize = 2 * 1024 * 1024;

/// Writes every chunk of `body` to `file` and returns the file and the bytes written.
///
/// Chunks are gathered into batches of about 2 MiB, and each batch is written on Tokio's
/// blocking threads while the next one arrives, without copying the chunks: a body
/// arriving in many small chunks is written at the disk's pace, not at the pace of one
/// thread hand-off per chunk (as `tokio::fs::File` would). At most two batches are held.
/// The file is not synced: call [`std::fs::File::sync_all`] on the result for durability.
///
/// Needs a Tokio runtime. A failure of the body or of a write ends the copy with that
/// error.
pub async fn write_to_file<B>(body: B, file: std::fs::File) -> Result<(std::fs::File, u64)>
where
    B: Stream<Item = Result<Bytes>> + Unpin,
{
    let mut body = body;
    let mut writer = Writer::Idle(file);
    let mut batch: Vec<Bytes> = Vec::new();
    let mut batched = 0;
    let mut written = 0;
    while let Some(chunk) = body.try_next().await? {
        batched += chunk.len();
        batch.push(chunk);
        if batched >= WRITE_BATCH_BYTES {
            writer = writer.write(std::mem::take(&mut batch)).await?;
            written += batched as u64;
            batched = 0;
        }
    }
    let file = writer.write(batch).await?.finish().await?;
    Ok((file, written + batched as u64))
}

/// The file, or the write of one batch into it in progress.
enum Writer {
    Idle(std::fs::File),
    Writing(tokio::task::JoinHandle<std::io::Result<std::fs::File>>),
}

impl Writer {
    /// Waits for the write in progress, then starts writing `batch`.
    async fn write(self, batch: Vec<Bytes>) -> Result<Self> {
        let mut file = self.finish().await?;
        Ok(Self::Writing(tokio::task::spawn_blocking(move || {
            for chunk in &batch {
                file.write_all(chunk)?;
            }
            Ok(file)
        })))
    }

    /// The file, once every write started has finished.
    async fn finish(self) -> Result<std::fs::File> {
        match self {
            Self::Idle(file) => Ok(file),
            Self::Writing(write) => match write.await {
                Ok(Ok(file)) => Ok(file),
                Ok(Err(error)) => Err(Error::Io {
                    message: format!("writing the file failed: {error}"),
                }),
                Err(error) => Err(Error::Io {
                    message: format!("writing the file stopped: {error}"),
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::stream;

    use super::*;

    #[tokio::test]
    async fn every_chunk_lands_in_order() {
        let dir = std::env::temp_dir().join(format!("stowage-write-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.bin");
        let chunks: Vec<Result<Bytes>> = (0..3000u32)
            .map(|i| Ok(Bytes::from(vec![(i % 251) as u8; 4096 + (i as usize % 7)])))
            .collect();
        let expected: Vec<u8> = chunks
            .iter()
            .flat_map(|c| c.as_ref().unwrap().to_vec())
            .collect();
        let file = std::fs::File::create(&path).unwrap();
        let (_, written) = write_to_file(stream::iter(chunks), file).await.unwrap();
        assert_eq!(written, expected.len() as u64);
        assert_eq!(std::fs::read(&path).unwrap(), expected);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_failing_body_fails_the_write() {
        let dir = std::env::temp_dir().join(format!("stowage-write-err-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = std::fs::File::create(dir.join("out.bin")).unwrap();
        let body = stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(Error::Io {
                message: "reset".into(),
            }),
        ]);
        assert!(matches!(
            write_to_file(body, file).await,
            Err(Error::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
