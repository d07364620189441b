//! Arguments of `presign-post` and `presign-get`.

use clap::Args;
use time::OffsetDateTime;

use super::parse::parse_rfc3339;

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
