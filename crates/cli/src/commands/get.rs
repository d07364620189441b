//! `get`: streamed downloads with bounded memory: parallel ranged reads of a whole object,
//! one read for a range or a conditional request.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use futures::{StreamExt, TryStreamExt};
use stowage_core::transfer::{Download, write_to_file};
use stowage_core::{Error, GetOptions, GetOutcome};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::error::{CliError, CmdResult, EXIT_NOT_MODIFIED, EXIT_OK};
use super::{Settings, is_dash, local, parse_object_path, progress};
use crate::cli::GetArgs;

/// Downloads an object (or a range of it) to stdout, or to a file renamed into place when
/// complete. A whole object goes as parallel ranged reads, written into the file at their
/// offsets; a range or a conditional request is one read. A holding `--if-none-match` /
/// `--if-modified-since` prints and writes nothing.
pub(super) async fn get(settings: &Settings, args: GetArgs) -> CmdResult {
    let path = parse_object_path("S3PATH", &args.path)?;
    let options = get_options(&args);
    let destination = args.destination.filter(|d| !is_dash(d));
    // Fail on an unusable destination before any network traffic.
    let target = match destination {
        Some(file) => Some((temp_sibling(&file)?, file)),
        None => None,
    };
    let storage = settings.storage(None).await?;
    if options == GetOptions::new() {
        let download = Download::open(storage, &path, &settings.transfer)
            .await
            .map_err(read_failure)?;
        let bar = progress::bar(Some(download.meta().size));
        match target {
            Some((temp, destination)) => {
                let (file, temp_path) = temp.into_parts();
                let counter = bar.clone();
                download
                    .write_into(&file, move |bytes| counter.inc(bytes))
                    .await
                    .map_err(read_failure)?;
                persist(file, temp_path, &destination, args.fsync).await?;
            }
            None => copy_body(download.into_output().body, &mut tokio::io::stdout(), &bar).await?,
        }
        bar.finish_and_clear();
        return Ok(EXIT_OK);
    }
    let object = match storage
        .get_object_with(&path, &options)
        .await
        .map_err(read_failure)?
    {
        GetOutcome::Found(object) => object,
        // The temporary file, if any, is deleted on drop: nothing is written.
        GetOutcome::NotModified(_) => return Ok(EXIT_NOT_MODIFIED),
    };
    let bar = progress::bar(Some(object.range.end.saturating_sub(object.range.start)));
    match target {
        Some((temp, destination)) => {
            let (file, temp_path) = temp.into_parts();
            let body = object.body.inspect_ok(|chunk| bar.inc(chunk.len() as u64));
            let (file, _) = write_to_file(body, file).await.map_err(read_failure)?;
            persist(file, temp_path, &destination, args.fsync).await?;
        }
        None => copy_body(object.body, &mut tokio::io::stdout(), &bar).await?,
    }
    bar.finish_and_clear();
    Ok(EXIT_OK)
}

/// Syncs the downloaded file if asked, then renames it over `destination`.
async fn persist(
    file: std::fs::File,
    temp_path: tempfile::TempPath,
    destination: &Path,
    fsync: bool,
) -> Result<(), CliError> {
    if fsync {
        tokio::task::spawn_blocking(move || file.sync_all())
            .await
            .map_err(|error| CliError::Local(format!("cannot sync the file: {error}")))?
            .map_err(local)?;
    }
    temp_path.persist(destination).map_err(|error| {
        CliError::Local(format!(
            "cannot move the download into place ({}): {}",
            destination.display(),
            error.error
        ))
    })
}

/// The range and conditions the flags ask for (already validated by the parsers).
fn get_options(args: &GetArgs) -> GetOptions {
    let mut options = GetOptions::new();
    if let Some(range) = args.range {
        options = options.range(range);
    }
    if let Some(etag) = &args.if_match {
        options = options.if_match(etag.clone());
    }
    if let Some(etag) = &args.if_none_match {
        options = options.if_none_match(etag.clone());
    }
    if let Some(instant) = args.if_modified_since {
        options = options.if_modified_since(SystemTime::from(instant));
    }
    if let Some(instant) = args.if_unmodified_since {
        options = options.if_unmodified_since(SystemTime::from(instant));
    }
    options
}

/// A failed read, explained in terms of the flags.
fn read_failure(error: Error) -> CliError {
    let hint = match &error {
        Error::PreconditionFailed { .. } => Some(
            "the object's current ETag or modification time does not satisfy --if-match / \
             --if-unmodified-since; nothing was downloaded",
        ),
        Error::RangeNotSatisfiable { .. } => {
            Some("--range starts at or past the end of the object; nothing was downloaded")
        }
        Error::ObjectChanged { .. } => Some(
            "the object was replaced during the download; nothing was written to a file \
             (standard output may hold part of the old version); run the command again",
        ),
        _ => None,
    };
    CliError::explained(error, hint)
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
