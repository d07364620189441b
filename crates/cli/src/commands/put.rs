//! `put`: streamed uploads with bounded memory, conditional or not.

use futures::TryStreamExt;
use stowage_core::Payload;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use tokio_util::io::ReaderStream;

use super::error::{CliError, CmdResult, EXIT_OK};
use super::{Settings, is_dash, local, parse_object_path, progress, write_options};
use crate::cli::PutArgs;

/// Read size for uploads: big enough for throughput, small enough for memory.
const CHUNK_BYTES: usize = 256 * 1024;

/// Uploads a file, or standard input spooled to an anonymous temporary file first.
pub(super) async fn put(settings: &Settings, args: PutArgs) -> CmdResult {
    let path = parse_object_path("S3PATH", &args.path)?;
    let options = write_options::put_options(&args.attributes, &args.write)?;
    let mode = options.mode.clone();
    let file = if is_dash(&args.source) {
        spool_stdin().await?
    } else {
        tokio::fs::File::open(&args.source).await.map_err(|error| {
            CliError::Invalid(format!(
                "FILE must be a readable file ({}): {error}",
                args.source.display()
            ))
        })?
    };
    let length = file
        .metadata()
        .await
        .map_err(|error| CliError::Local(format!("cannot read the file's length: {error}")))?
        .len();
    let storage = settings.storage(None).await?;
    let bar = progress::bar(length);
    let counter = bar.clone();
    let stream = ReaderStream::with_capacity(file, CHUNK_BYTES).inspect_ok(move |chunk| {
        counter.inc(chunk.len() as u64);
    });
    let result = storage
        .put_object(&path, Payload::from_stream(stream, length), options)
        .await;
    bar.finish_and_clear();
    result.map_err(|error| write_options::write_failure(error, &mode))?;
    Ok(EXIT_OK)
}

/// Copies standard input into an anonymous temporary file (deleted on exit), rewound.
///
/// S3's PutObject needs the length before the body; a pipe has none, and buffering it in
/// memory would make memory grow with the input.
async fn spool_stdin() -> Result<tokio::fs::File, CliError> {
    let spool = tempfile::tempfile()
        .map_err(|error| CliError::Local(format!("cannot create a temporary file: {error}")))?;
    let mut spool = tokio::fs::File::from_std(spool);
    let mut stdin = tokio::io::stdin();
    tokio::io::copy(&mut stdin, &mut spool)
        .await
        .map_err(|error| CliError::Local(format!("cannot spool standard input: {error}")))?;
    spool.flush().await.map_err(local)?;
    spool.rewind().await.map_err(local)?;
    Ok(spool)
}
