//! `head`, `exists`, `cp`, `rm` and `ls`.

use std::io::Write;

use super::{
    CliError, CmdResult, EXIT_ABSENT, EXIT_FAILURE, EXIT_OK, Settings, parse_object_path,
    parse_path,
};
use crate::cli::{CpArgs, LsArgs, PathArgs, RmArgs};
use crate::output::{self, HeadOutput, RmOutput};

/// Prints an object's metadata as JSON.
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

/// Server-side copy.
pub(super) async fn cp(settings: &Settings, args: &CpArgs) -> CmdResult {
    let source = parse_object_path("SRC", &args.source)?;
    let destination = parse_object_path("DST", &args.destination)?;
    settings
        .storage(None)
        .await?
        .copy_object(&source, &destination)
        .await?;
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

/// Every object under the prefix, then the common prefixes, one `s3://` path per line.
pub(super) async fn ls(settings: &Settings, args: &LsArgs) -> CmdResult {
    let prefix = parse_path("S3PREFIX", &args.prefix)?;
    if args.delimiter.as_deref() == Some("") {
        return Err(CliError::Invalid(
            "invalid --delimiter: it must not be empty".to_owned(),
        ));
    }
    let listing = settings
        .storage(None)
        .await?
        .list_objects(&prefix, args.delimiter.as_deref())
        .await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for path in listing.paths().chain(listing.common_prefixes.iter()) {
        writeln!(out, "{path}")
            .map_err(|error| CliError::Local(format!("cannot write the listing: {error}")))?;
    }
    out.flush()
        .map_err(|error| CliError::Local(format!("cannot write the listing: {error}")))?;
    Ok(EXIT_OK)
}
