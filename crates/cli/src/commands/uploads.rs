//! `uploads ls` and `uploads abort`: the multipart uploads left pending under a prefix.

use std::io::ErrorKind;
use std::time::SystemTime;

use stowage_core::transfer::abort_stale_uploads;

use super::error::{CliError, CmdResult, EXIT_FAILURE, EXIT_OK};
use super::{Settings, ls, parse_path};
use crate::cli::{UploadsAbortArgs, UploadsCommand, UploadsLsArgs};
use crate::output::{self, AbortOutput, UploadOutput};

/// Runs one `uploads` subcommand.
pub(super) async fn uploads(settings: &Settings, command: &UploadsCommand) -> CmdResult {
    match command {
        UploadsCommand::Ls(args) => list(settings, args).await,
        UploadsCommand::Abort(args) => abort(settings, args).await,
    }
}

/// Prints every pending upload under the prefix, one JSON object per line; stops quietly
/// when the reader closes the pipe.
async fn list(settings: &Settings, args: &UploadsLsArgs) -> CmdResult {
    let prefix = parse_path("S3PREFIX", &args.prefix)?;
    let uploads = settings
        .storage(None)
        .await?
        .list_multipart_uploads(&prefix)
        .await?;
    let now = SystemTime::now();
    let text: String = uploads
        .iter()
        .map(|upload| output::to_json(&UploadOutput::new(upload, now)) + "\n")
        .collect();
    match ls::print(&text) {
        // The reader has what it wanted (`uploads ls | head`).
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(EXIT_OK),
        Err(error) => Err(CliError::Local(format!(
            "cannot write the listing: {error}"
        ))),
        Ok(()) => Ok(EXIT_OK),
    }
}

/// Aborts the uploads under the prefix older than `--older-than`; prints the report; exit 4
/// when any abort failed.
async fn abort(settings: &Settings, args: &UploadsAbortArgs) -> CmdResult {
    let prefix = parse_path("S3PREFIX", &args.prefix)?;
    let storage = settings.storage(None).await?;
    let now = SystemTime::now();
    let report = abort_stale_uploads(storage.as_ref(), &prefix, args.older_than, now).await?;
    println!("{}", output::to_json(&AbortOutput::new(&report, now)));
    if report.failed.is_empty() {
        Ok(EXIT_OK)
    } else {
        eprintln!(
            "stowage: error: {} of {} uploads older than the cutoff could not be aborted \
             (see \"failed\")",
            report.failed.len(),
            report.failed.len() + report.aborted.len()
        );
        Err(CliError::Reported(EXIT_FAILURE))
    }
}
