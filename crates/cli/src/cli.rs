//! Command-line syntax: every flag and argument, with the help text `--help` shows.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Presigned URLs, browser upload policies and object operations on S3 and S3-compatible
/// stores (MinIO, Garage, Ceph, R2).
///
/// Credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
/// AWS_SESSION_TOKEN, AWS_PROFILE and ~/.aws files, SSO, instance metadata). The region comes
/// from --region, else AWS_REGION / AWS_DEFAULT_REGION / the profile, else us-east-1.
///
/// Exit codes: 0 success; 1 `exists` found nothing; 2 invalid input or usage; 3 not found
/// (object or bucket); 4 any other failure (access denied, unreachable, timeout, partial
/// batch failure). Error messages name object keys only by their hash, never raw.
#[derive(Debug, Parser)]
#[command(name = "stowage", version, propagate_version = true)]
pub(crate) struct Cli {
    /// Endpoint of an S3-compatible server, e.g. http://127.0.0.1:3900 (default: AWS S3,
    /// or AWS_ENDPOINT_URL when set).
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) endpoint_url: Option<String>,

    /// Region requests are signed for (default: AWS_REGION, AWS_DEFAULT_REGION or the
    /// profile's region, else us-east-1).
    #[arg(long, global = true, value_name = "REGION")]
    pub(crate) region: Option<String>,

    /// Path-style addressing (ENDPOINT/BUCKET/KEY) instead of virtual-hosted
    /// (BUCKET.ENDPOINT/KEY); most S3-compatible servers need it.
    #[arg(long, global = true)]
    pub(crate) path_style: bool,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print a browser upload policy (presigned POST) for one key as JSON:
    /// {"url": ..., "fields": {...}}. The form must send the fields in this order, file last.
    PresignPost(PresignPostArgs),
    /// Print a presigned GET URL for one object.
    PresignGet(PresignGetArgs),
    /// Upload a file (or standard input) to an object, streaming.
    Put(PutArgs),
    /// Download an object to a file or standard output, streaming.
    Get(GetArgs),
    /// Print an object's metadata as JSON: size, etag, last_modified, content_type, metadata.
    Head(PathArgs),
    /// Print `true` (exit 0) when the object exists, `false` (exit 1) when it does not.
    ///
    /// Only "not found" prints false; access denied or an unreachable store is an error
    /// (exit 4), never mistaken for absence.
    Exists(PathArgs),
    /// Copy an object server-side (across buckets too), with its Content-Type and metadata.
    Cp(CpArgs),
    /// Delete objects in one batch and print a JSON report:
    /// {"deleted": [PATH, ...], "failed": [{"path", "code", "message"}, ...]}.
    ///
    /// Deleting a missing key counts as deleted, as in S3. Exit 4 when any path failed.
    Rm(RmArgs),
    /// List every object under a prefix, one s3:// path per line, reading every page.
    ///
    /// With --delimiter, the common prefixes (the "directories") are printed after all the
    /// objects, one per line, each ending with the delimiter.
    Ls(LsArgs),
    /// Print the 16-hex-character key hash that stowage logs and errors show instead of a
    /// key (first 16 hex digits of SHA-256 over the UTF-8 key).
    HashKey(HashKeyArgs),
}

/// Arguments of `presign-post`.
#[derive(Debug, Args)]
pub(crate) struct PresignPostArgs {
    /// The object the browser may upload: s3://BUCKET/KEY (the key is locked exactly).
    #[arg(value_name = "S3PATH")]
    pub(crate) path: String,

    /// Largest file the browser may upload, in bytes. The policy's content-length-range
    /// allows this plus 16384 bytes of multipart overhead.
    #[arg(long, value_name = "N")]
    pub(crate) max_bytes: u64,

    /// Lock the upload's Content-Type to exactly this value (the form must send it).
    #[arg(long, value_name = "T")]
    pub(crate) content_type: Option<String>,

    /// Lifetime of the policy in seconds; above 600 it is clamped to 600 with a warning.
    #[arg(long, value_name = "SECS", default_value_t = stowage_core::MAX_PUT_PRESIGNED_URL_TTL_SECONDS)]
    pub(crate) expires_in: u64,

    /// Sign as of this instant (RFC 3339, e.g. 2026-01-02T03:04:05Z) instead of now, so the
    /// output can be reproduced and audited.
    #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
    pub(crate) signing_time: Option<OffsetDateTime>,
}

/// Arguments of `presign-get`.
#[derive(Debug, Args)]
pub(crate) struct PresignGetArgs {
    /// The object to share: s3://BUCKET/KEY.
    #[arg(value_name = "S3PATH")]
    pub(crate) path: String,

    /// Lifetime of the URL in seconds, at most 604800 (7 days, the SigV4 maximum).
    #[arg(long, value_name = "SECS", default_value_t = stowage_core::DEFAULT_GET_URL_TTL_SECONDS)]
    pub(crate) expires_in: u64,

    /// Sign as of this instant (RFC 3339, e.g. 2026-01-02T03:04:05Z) instead of now, so the
    /// output can be reproduced and audited.
    #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
    pub(crate) signing_time: Option<OffsetDateTime>,
}

/// Arguments of `put`.
#[derive(Debug, Args)]
pub(crate) struct PutArgs {
    /// The destination object: s3://BUCKET/KEY (replaced if it exists).
    #[arg(value_name = "S3PATH")]
    pub(crate) path: String,

    /// The file to upload, or `-` for standard input. Standard input is first spooled to an
    /// anonymous temporary file (in TMPDIR), because S3 needs the length up front; memory
    /// use stays bounded either way.
    #[arg(value_name = "FILE|-")]
    pub(crate) source: PathBuf,

    /// Content-Type to store with the object.
    #[arg(long, value_name = "T")]
    pub(crate) content_type: Option<String>,
}

/// Arguments of `get`.
#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// The object to download: s3://BUCKET/KEY.
    #[arg(value_name = "S3PATH")]
    pub(crate) path: String,

    /// Where to write the body: a file, or `-` for standard output (the default). A file is
    /// written to a temporary sibling and renamed into place only when the download is
    /// complete, so a failure never leaves a truncated file.
    #[arg(value_name = "FILE|-")]
    pub(crate) destination: Option<PathBuf>,
}

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

    /// The destination object: s3://BUCKET/KEY (replaced if it exists).
    #[arg(value_name = "DST")]
    pub(crate) destination: String,
}

/// Arguments of `rm`.
#[derive(Debug, Args)]
pub(crate) struct RmArgs {
    /// The objects to delete: s3://BUCKET/KEY, any number, any buckets.
    #[arg(value_name = "S3PATH", required = true, num_args = 1..)]
    pub(crate) paths: Vec<String>,
}

/// Arguments of `ls`.
#[derive(Debug, Args)]
pub(crate) struct LsArgs {
    /// What to list: s3://BUCKET, s3://BUCKET/ or s3://BUCKET/PREFIX (a plain string prefix,
    /// not a directory: s3://b/data also matches s3://b/database.csv).
    #[arg(value_name = "S3PREFIX")]
    pub(crate) prefix: String,

    /// Roll up keys containing this string after the prefix into common prefixes (usually
    /// `/`), printed after the objects.
    #[arg(long, value_name = "D")]
    pub(crate) delimiter: Option<String>,
}

/// Arguments of `hash-key`.
#[derive(Debug, Args)]
pub(crate) struct HashKeyArgs {
    /// The object key (only the key, not an s3:// path); may be empty or start with `-`.
    #[arg(value_name = "KEY", allow_hyphen_values = true)]
    pub(crate) key: String,
}

/// Parses `--signing-time`.
fn parse_rfc3339(value: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(value, &Rfc3339).map_err(|_| {
        "the signing time must be an RFC 3339 timestamp, e.g. 2026-01-02T03:04:05Z".to_owned()
    })
}
