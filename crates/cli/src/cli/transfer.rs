//! Arguments of `put` and `get`.

use std::path::PathBuf;

use clap::Args;
use stowage_core::ByteRange;
use time::OffsetDateTime;

use super::parse::{parse_range, parse_read_etag, parse_rfc3339};
use super::write::{AttributeArgs, WriteArgs};

/// Arguments of `put`.
#[derive(Debug, Args)]
pub(crate) struct PutArgs {
    /// The destination object: s3://BUCKET/KEY (replaced if it exists, unless --no-clobber
    /// or --if-match says otherwise).
    #[arg(value_name = "S3PATH")]
    pub(crate) path: String,

    /// The file to upload, or `-` for standard input. Standard input is streamed as it
    /// arrives, its length unknown: up to one part it is one PutObject, beyond it a
    /// multipart upload. Memory stays below part size x concurrency either way.
    #[arg(value_name = "FILE|-")]
    pub(crate) source: PathBuf,

    /// Attributes stored with the object.
    #[command(flatten, next_help_heading = "Attributes")]
    pub(crate) attributes: AttributeArgs,

    /// When the upload may replace an object, and how it is stored.
    #[command(flatten, next_help_heading = "Conditions and storage")]
    pub(crate) write: WriteArgs,
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

    /// Flush the file to disk before renaming it into place, so that it survives a power
    /// loss (slower; like curl and the AWS CLI, the default leaves that to the system).
    #[arg(long)]
    pub(crate) fsync: bool,

    /// Only these bytes, as in HTTP and curl: FIRST-LAST (both included, e.g. 0-99 for the
    /// first 100 bytes; a LAST past the end means "to the end"), FIRST- (from FIRST to the
    /// end) or -N (the last N bytes, the whole object when it is shorter). One range,
    /// decimal offsets; a `bytes=` prefix is accepted. A malformed range exits 2 before any
    /// request; a range starting at or past the end of the object exits 7.
    #[arg(long, value_name = "RANGE", value_parser = parse_range, allow_hyphen_values = true)]
    pub(crate) range: Option<ByteRange>,

    /// Download only if the object's ETag is this one (quoted or bare, as `head` prints it;
    /// `*` for any object); else exit 5 and nothing is written.
    #[arg(long, value_name = "ETAG", value_parser = parse_read_etag)]
    pub(crate) if_match: Option<String>,

    /// Download only if the object's ETag is not this one (the copy you hold is stale);
    /// else exit 6 (not modified) and nothing is printed or written.
    #[arg(long, value_name = "ETAG", value_parser = parse_read_etag)]
    pub(crate) if_none_match: Option<String>,

    /// Download only if the object changed after this instant (RFC 3339, to the second);
    /// else exit 6 (not modified). Ignored when --if-none-match is given.
    #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
    pub(crate) if_modified_since: Option<OffsetDateTime>,

    /// Download only if the object did not change after this instant (RFC 3339, to the
    /// second); else exit 5. Ignored when --if-match is given.
    #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
    pub(crate) if_unmodified_since: Option<OffsetDateTime>,
}
