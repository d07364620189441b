//! `head`, `exists`, `cp` and `rm`.

use super::error::{CliError, CmdResult, EXIT_ABSENT, EXIT_FAILURE, EXIT_OK};
use super::{Settings, parse_object_path, write_options};
use crate::cli::{CpArgs, PathArgs, RmArgs};
use crate::output::{self, HeadOutput, RmOutput};

/// Prints an object's metadata and attributes as JSON.
pub(super) async fn head(settings: &Settings, args: &PathArgs) -> CmdResult {
    let path = parse_object_path("S3PATH", &args.path)?;
    let meta = settings.storage(None).await?.head_object(&path).await?;
    println!("{}", output::to_json(&HeadOutput::new(&meta)));
    Ok(EXIT_OK)
}

/// Prints `true` or `false`; exit 1 for false.
pub(super) async fn exists(settings: &Settings, args: &PathArgs) -> CmdResult {
    let path = parse_object_path("S3PATH", &args.path)?;
    let found = settings.storage(None).await?.object_exists(&path).await?;
    println!("{found}");
    Ok(if found { EXIT_OK } else { EXIT_ABSENT })
}

/// Server-side copy, keeping the source's attributes unless any attribute flag is given.
pub(super) async fn cp(settings: &Settings, args: &CpArgs) -> CmdResult {
    let source = parse_object_path("SRC", &args.source)?;
    let destination = parse_object_path("DST", &args.destination)?;
    let options = write_options::copy_options(&args.attributes, &args.write)?;
    settings
        .storage(None)
        .await?
        .copy_object_with(&source, &destination, &options)
        .await
        .map_err(|error| write_options::write_failure(error, &options.mode))?;
    Ok(EXIT_OK)
}

/// One batch delete; prints the report; exit 4 when any path failed.
pub(super) async fn rm(settings: &Settings, args: &RmArgs) -> CmdResult {
    let paths = args
        .paths
        .iter()
        .map(|path| parse_object_path("S3PATH", path))
        .collect::<Result<Vec<_>, _>>()?;
    let report = settings.storage(None).await?.delete_objects(&paths).await?;
    println!("{}", output::to_json(&RmOutput::from(&report)));
    if report.is_success() {
        Ok(EXIT_OK)
    } else {
        eprintln!(
            "stowage: error: {} of {} paths could not be deleted (see \"failed\")",
            report.failed.len(),
            paths.len()
        );
        Err(CliError::Reported(EXIT_FAILURE))
    }
}
