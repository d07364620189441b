//! `put` and `get`: streamed uploads and downloads with bounded memory.

use std::path::{Path, PathBuf};

use futures::{StreamExt, TryStreamExt};
use stowage_core::{Payload, PutOptions};
use tokio::io::{AsyncSeekExt, AsyncWrite, AsyncWriteExt};
use tokio_util::io::ReaderStream;

use super::{CliError, CmdResult, EXIT_OK, Settings, parse_object_path, progress};
use crate::cli::{GetArgs, PutArgs};

/// Read size for uploads: big enough for throughput, small enough for memory.
const CHUNK_BYTES: usize = 256 * 1024;

/// Uploads a file, or standard input spooled to an anonymous temporary file first.
pub(super) async fn put(settings: &Settings, args: PutArgs) -> CmdResult {
    let path = parse_object_path("S3PATH", &args.path)?;
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
    let mut options = PutOptions::new();
    if let Some(content_type) = args.content_type {
        options = options.content_type(content_type);
    }
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
    result?;
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

/// Downloads an object to stdout, or to a file renamed into place when complete.
pub(super) async fn get(settings: &Settings, args: GetArgs) -> CmdResult {
    let path = parse_object_path("S3PATH", &args.path)?;
    let destination = args.destination.filter(|d| !is_dash(d));
    // Fail on an unusable destination before any network traffic.
    let temp = match &destination {
        Some(file) => Some(temp_sibling(file)?),
        None => None,
    };
    let storage = settings.storage(None).await?;
    let object = storage.get_object(&path).await?;
    let bar = progress::bar(object.meta.size);
    match (destination, temp) {
        (Some(destination), Some(temp)) => {
            let (file, temp_path) = temp.into_parts();
            let mut file = tokio::fs::File::from_std(file);
            copy_body(object.body, &mut file, &bar).await?;
            file.sync_all().await.map_err(local)?;
            drop(file);
            temp_path.persist(&destination).map_err(|error| {
                CliError::Local(format!(
                    "cannot move the download into place ({}): {}",
                    destination.display(),
                    error.error
                ))
            })?;
        }
        _ => {
            let mut stdout = tokio::io::stdout();
            copy_body(object.body, &mut stdout, &bar).await?;
        }
    }
    bar.finish_and_clear();
    Ok(EXIT_OK)
}

/// Writes each chunk as it arrives: memory holds one chunk at a time.
async fn copy_body(
    mut body: stowage_core::ObjectBody,
    out: &mut (impl AsyncWrite + Unpin),
    bar: &indicatif::ProgressBar,
) -> Result<(), CliError> {
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        out.write_all(&chunk)
            .await
            .map_err(|error| CliError::Local(format!("cannot write the body: {error}")))?;
        bar.inc(chunk.len() as u64);
    }
    out.flush()
        .await
        .map_err(|error| CliError::Local(format!("cannot write the body: {error}")))
}

/// A temporary file next to `destination`, so the final rename stays on one filesystem.
fn temp_sibling(destination: &Path) -> Result<tempfile::NamedTempFile, CliError> {
    let dir = match destination.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    tempfile::Builder::new()
        .prefix(".stowage-download-")
        .tempfile_in(&dir)
        .map_err(|error| {
            CliError::Invalid(format!(
                "FILE must be in a writable directory ({}): {error}",
                dir.display()
            ))
        })
}

/// True for the `-` that means standard input or output.
fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A local I/O failure as the command's error.
fn local(error: std::io::Error) -> CliError {
    CliError::Local(error.to_string())
}
