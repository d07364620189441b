//! Arguments of `uploads ls` and `uploads abort`.

use std::time::Duration;

use clap::{Args, Subcommand};

use super::parse::parse_age;

/// The subcommands of `uploads`: multipart uploads started and neither completed nor
/// aborted.
#[derive(Debug, Subcommand)]
pub(crate) enum UploadsCommand {
    /// List the pending multipart uploads under a prefix, one JSON object per line:
    /// {"path", "upload_id", "initiated", "age_seconds"}.
    ///
    /// "path" is the s3:// path the upload would create, "initiated" its start (RFC 3339,
    /// UTC) and "age_seconds" the whole seconds since then; both are null when the store
    /// does not say. Lines come in the store's order (by key, then start).
    Ls(UploadsLsArgs),
    /// Abort the pending multipart uploads under a prefix started more than --older-than
    /// ago, and print a JSON report: {"aborted": [UPLOAD, ...], "failed": [UPLOAD with
    /// "code" and "message", ...], "kept": [UPLOAD, ...]}.
    ///
    /// Each UPLOAD is an object as `uploads ls` prints it. Every pending upload under the
    /// prefix is in exactly one list: uploads started more recently, and uploads of unknown
    /// age, are kept. Exit 4 when any abort failed.
    Abort(UploadsAbortArgs),
}

/// Arguments of `uploads ls`.
#[derive(Debug, Args)]
pub(crate) struct UploadsLsArgs {
    /// Whose uploads to list: s3://BUCKET, s3://BUCKET/ or s3://BUCKET/PREFIX (a plain
    /// string prefix of the keys the uploads would create).
    #[arg(value_name = "S3PREFIX")]
    pub(crate) prefix: String,
}

/// Arguments of `uploads abort`.
#[derive(Debug, Args)]
pub(crate) struct UploadsAbortArgs {
    /// Whose uploads to abort: s3://BUCKET, s3://BUCKET/ or s3://BUCKET/PREFIX (a plain
    /// string prefix of the keys the uploads would create).
    #[arg(value_name = "S3PREFIX")]
    pub(crate) prefix: String,

    /// Abort only uploads started more than this long ago: a number and a unit, e.g. 30m,
    /// 24h, 7d (0s aborts every upload of known age). An upload still being sent looks
    /// like an abandoned one: keep this above the longest upload.
    #[arg(long, value_name = "AGE", default_value = "24h", value_parser = parse_age)]
    pub(crate) older_than: Duration,
}
