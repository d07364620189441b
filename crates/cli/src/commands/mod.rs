//! The subcommands, and what every one of them shares: building the storage, parsing
//! paths, mapping failures onto exit codes.

mod hash;
mod objects;
mod presign;
mod progress;
mod transfer;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use aws_config::meta::region::RegionProviderChain;
use stowage_core::{Clock, ManualClock, ObjectStorage, S3Path, SystemClock};
use stowage_s3::S3Storage;
use time::OffsetDateTime;

use crate::cli::{Cli, Command};

/// Exit code: success.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code: `exists` found nothing.
pub(crate) const EXIT_ABSENT: u8 = 1;
/// Exit code: invalid input or usage (clap uses 2 for usage errors too).
pub(crate) const EXIT_INVALID: u8 = 2;
/// Exit code: the object or bucket does not exist.
pub(crate) const EXIT_NOT_FOUND: u8 = 3;
/// Exit code: any other failure.
pub(crate) const EXIT_FAILURE: u8 = 4;

/// The region used when none is configured anywhere, as the AWS CLI does.
const FALLBACK_REGION: &str = "us-east-1";

/// Why a command failed. `Display` never contains a raw key, URL, signature or credential.
#[derive(Debug)]
pub(crate) enum CliError {
    /// A storage operation failed; its `Display` names keys only by hash.
    Storage(stowage_core::Error),
    /// An argument broke a rule (exit 2).
    Invalid(String),
    /// A local file or stream failed (exit 4).
    Local(String),
    /// The command already reported its outcome on stdout and only sets the exit code.
    Reported(u8),
}

impl CliError {
    /// The process exit code for this failure.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Storage(error) => match error {
                stowage_core::Error::InvalidPath(_)
                | stowage_core::Error::InvalidArgument { .. } => EXIT_INVALID,
                error if error.is_not_found() => EXIT_NOT_FOUND,
                _ => EXIT_FAILURE,
            },
            CliError::Invalid(_) => EXIT_INVALID,
            CliError::Local(_) => EXIT_FAILURE,
            CliError::Reported(code) => *code,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Storage(error) => write!(f, "{error} [{}]", error.kind_name()),
            CliError::Invalid(message) | CliError::Local(message) => f.write_str(message),
            CliError::Reported(code) => write!(f, "failed (exit code {code})"),
        }
    }
}

impl From<stowage_core::Error> for CliError {
    fn from(error: stowage_core::Error) -> Self {
        CliError::Storage(error)
    }
}

/// Result of a command: the exit code on success.
pub(crate) type CmdResult = Result<u8, CliError>;

/// Runs the parsed command line.
pub(crate) async fn run(cli: Cli) -> CmdResult {
    let Cli {
        endpoint_url,
        region,
        path_style,
        command,
    } = cli;
    let settings = Settings {
        endpoint_url,
        region,
        path_style,
    };
    match command {
        Command::HashKey(args) => hash::hash_key(&args),
        Command::PresignPost(args) => presign::presign_post(&settings, args).await,
        Command::PresignGet(args) => presign::presign_get(&settings, args).await,
        Command::Put(args) => transfer::put(&settings, args).await,
        Command::Get(args) => transfer::get(&settings, args).await,
        Command::Head(args) => objects::head(&settings, &args).await,
        Command::Exists(args) => objects::exists(&settings, &args).await,
        Command::Cp(args) => objects::cp(&settings, &args).await,
        Command::Rm(args) => objects::rm(&settings, &args).await,
        Command::Ls(args) => objects::ls(&settings, &args).await,
    }
}

/// The global connection flags.
#[derive(Debug)]
pub(crate) struct Settings {
    endpoint_url: Option<String>,
    region: Option<String>,
    path_style: bool,
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
        let mut builder = S3Storage::builder().region(region).clock(clock);
        if let Some(endpoint_url) = &self.endpoint_url {
            builder = builder.endpoint_url(endpoint_url.clone());
        }
        if self.path_style {
            builder = builder.force_path_style(true);
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
