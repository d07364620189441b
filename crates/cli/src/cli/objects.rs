//! Arguments of `head`, `exists`, `cp`, `rm` and `hash-key`.

use clap::Args;

use super::write::{AttributeArgs, WriteArgs};

/// A single object path argument.
#[derive(Debug, Args)]
pub(crate) struct PathArgs {
    /// The object: s3://BUCKET/KEY.
    #[arg(value_name = "S3PATH")]
    pub(crate) path: String,
}

/// Arguments of `cp`.
#[derive(Debug, Args)]
pub(crate) struct CpArgs {
    /// The source object: s3://BUCKET/KEY.
    #[arg(value_name = "SRC")]
    pub(crate) source: String,

    /// The destination object: s3://BUCKET/KEY (replaced if it exists, unless
    /// --no-clobber or --if-match says otherwise).
    #[arg(value_name = "DST")]
    pub(crate) destination: String,

    /// Attributes of the copy; any one of them replaces all of the source's.
    #[command(
        flatten,
        next_help_heading = "Attributes (giving any replaces ALL of the source's)"
    )]
    pub(crate) attributes: AttributeArgs,

    /// When the copy may replace DST, and how it is stored.
    #[command(flatten, next_help_heading = "Conditions and storage")]
    pub(crate) write: WriteArgs,
}

/// Arguments of `rm`.
#[derive(Debug, Args)]
pub(crate) struct RmArgs {
    /// The objects to delete: s3://BUCKET/KEY, any number, any buckets.
    #[arg(value_name = "S3PATH", required = true, num_args = 1..)]
    pub(crate) paths: Vec<String>,
}

/// Arguments of `hash-key`.
#[derive(Debug, Args)]
pub(crate) struct HashKeyArgs {
    /// The object key (only the key, not an s3:// path); may be empty or start with `-`.
    #[arg(value_name = "KEY", allow_hyphen_values = true)]
    pub(crate) key: String,
}
