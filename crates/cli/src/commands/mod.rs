//! The subcommands, and what every one of them shares: building the storage, parsing
//! paths, mapping failures onto exit codes.

mod error;
mod get;
mod hash;
mod ls;
mod objects;
mod presign;
mod progress;
mod put;
mod serve;
mod uploads;
mod write_options;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::meta::region::RegionProviderChain;
use stowage_core::transfer::TransferSettings;
use stowage_core::{Clock, ManualClock, ObjectStorage, S3Path, SystemClock};
use stowage_s3::S3Storage;
use time::OffsetDateTime;

pub(crate) use error::{CliError, CmdResult, EXIT_FAILURE};

use crate::cli::{Cli, Command};

/// The region used when none is configured anywhere, as the AWS CLI does.
const FALLBACK_REGION: &str = "us-east-1";

/// Runs the parsed command line.
pub(crate) async fn run(cli: Cli) -> CmdResult {
    let settings = Settings {
        conditional_writes: cli.conditional_writes(),
        transfer: transfer_settings(cli.part_size, cli.concurrency)?,
        connect_timeout: cli.connect_timeout,
        read_timeout: cli.read_timeout,
        max_attempts: cli.max_attempts,
        endpoint_url: cli.endpoint_url,
        region: cli.region,
        path_style: cli.path_style,
    };
    match cli.command {
        Command::HashKey(args) => hash::hash_key(&args),
        Command::PresignPost(args) => presign::presign_post(&settings, args).await,
        Command::PresignGet(args) => presign::presign_get(&settings, args).await,
        Command::Put(args) => put::put(&settings, args).await,
        Command::Get(args) => get::get(&settings, args).await,
        Command::Head(args) => objects::head(&settings, &args).await,
        Command::Exists(args) => objects::exists(&settings, &args).await,
        Command::Cp(args) => objects::cp(&settings, &args).await,
        Command::Rm(args) => objects::rm(&settings, &args).await,
        Command::Ls(args) => ls::ls(&settings, &args).await,
        Command::Uploads(command) => uploads::uploads(&settings, &command).await,
        Command::Serve(args) => serve::serve(&args).await,
    }
}

/// The transfer settings `--part-size` and `--concurrency` ask for: one part is also the
/// threshold above which uploads and downloads go in parts. Checked before any request.
fn transfer_settings(
    part_size: Option<u64>,
    concurrency: Option<usize>,
) -> Result<TransferSettings, CliError> {
    let mut settings = TransferSettings::default();
    if let Some(part_size) = part_size {
        settings = settings.part_size(part_size).multipart_threshold(part_size);
    }
    if let Some(concurrency) = concurrency {
        settings = settings.concurrency(concurrency);
    }
    settings.validate().map_err(|error| match error {
        stowage_core::Error::InvalidArgument { message } => {
            CliError::Invalid(format!("invalid --part-size or --concurrency: {message}"))
        }
        other => CliError::Storage(other),
    })?;
    Ok(settings)
}

/// The global connection and transfer flags.
#[derive(Debug)]
pub(crate) struct Settings {
    endpoint_url: Option<String>,
    region: Option<String>,
    path_style: bool,
    conditional_writes: Option<bool>,
    transfer: TransferSettings,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    max_attempts: Option<u32>,
}

impl Settings {
    /// Builds the S3 storage, signing as of `signing_time` when given.
    pub(crate) async fn storage(
        &self,
        signing_time: Option<OffsetDateTime>,
    ) -> Result<Arc<dyn ObjectStorage>, CliError> {
        let region = match &self.region {
            Some(region) => region.clone(),
            None => RegionProviderChain::default_provider()
                .region()
                .await
                .map_or_else(|| FALLBACK_REGION.to_owned(), |r| r.to_string()),
        };
        let clock: Arc<dyn Clock> = match signing_time {
            Some(instant) => Arc::new(ManualClock::new(SystemTime::from(instant))),
            None => Arc::new(SystemClock),
        };
        let mut builder = S3Storage::builder()
            .region(region)
            .clock(clock)
            .transfer_settings(self.transfer.clone());
        if let Some(endpoint_url) = &self.endpoint_url {
            builder = builder.endpoint_url(endpoint_url.clone());
        }
        if self.path_style {
            builder = builder.force_path_style(true);
        }
        if let Some(enforced) = self.conditional_writes {
            builder = builder.conditional_writes(enforced);
        }
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(timeout) = self.read_timeout {
            builder = builder.read_timeout(timeout);
        }
        if let Some(attempts) = self.max_attempts {
            builder = builder.max_attempts(attempts);
        }
        Ok(Arc::new(builder.build().await?))
    }
}

/// Parses an `s3://` argument; the message names the argument and the rule, not the key.
pub(crate) fn parse_path(argument: &str, value: &str) -> Result<S3Path, CliError> {
    S3Path::parse(value).map_err(|error| CliError::Invalid(format!("invalid {argument}: {error}")))
}

/// Parses an `s3://` argument that must name an object (non-empty key).
pub(crate) fn parse_object_path(argument: &str, value: &str) -> Result<S3Path, CliError> {
    let path = parse_path(argument, value)?;
    path.object_key()
        .map_err(|error| CliError::Invalid(format!("invalid {argument}: {error}")))?;
    Ok(path)
}

/// True for the `-` that means standard input or output.
fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A local I/O failure as the command's error.
fn local(error: std::io::Error) -> CliError {
    CliError::Local(error.to_string())
}
