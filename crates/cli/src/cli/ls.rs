//! Arguments of `ls`.

use clap::Args;

use super::parse::{parse_limit, parse_page_size};

/// Arguments of `ls`.
#[derive(Debug, Args)]
pub(crate) struct LsArgs {
    /// What to list: s3://BUCKET, s3://BUCKET/ or s3://BUCKET/PREFIX (a plain string prefix,
    /// not a directory: s3://b/data also matches s3://b/database.csv).
    #[arg(value_name = "S3PREFIX")]
    pub(crate) prefix: String,

    /// Roll up keys containing this string after the prefix into common prefixes (usually
    /// `/`), each printed once, ending with the delimiter, in key order among the objects.
    #[arg(long, value_name = "D")]
    pub(crate) delimiter: Option<String>,

    /// List only what sorts after this key (UTF-8 byte order). KEY is a whole object key,
    /// prefix included, not an s3:// path: to resume a listing, pass the key of the last
    /// line printed.
    #[arg(long, value_name = "KEY", allow_hyphen_values = true)]
    pub(crate) start_after: Option<String>,

    /// Stop after N lines (objects and common prefixes), without reading further pages.
    #[arg(long, value_name = "N", value_parser = parse_limit)]
    pub(crate) limit: Option<u64>,

    /// Entries per request, 1 to 1000 (default 1000). Smaller pages show the first lines
    /// sooner; with --limit N, pages hold at most N entries.
    #[arg(long, value_name = "N", value_parser = parse_page_size)]
    pub(crate) page_size: Option<u32>,
}
