//! The flags `put` and `cp` share: the object's attributes, the write's condition,
//! server-side encryption and storage class.

use clap::{Args, ValueEnum};

use super::parse::{parse_header_value, parse_metadata, parse_storage_class, parse_write_etag};

/// Attributes stored and served with the object.
#[derive(Debug, Args)]
pub(crate) struct AttributeArgs {
    /// Content-Type to store with the object.
    #[arg(long, value_name = "T", value_parser = parse_header_value)]
    pub(crate) content_type: Option<String>,

    /// Cache-Control to store and serve with the object, e.g. `max-age=3600`.
    #[arg(long, value_name = "V", value_parser = parse_header_value)]
    pub(crate) cache_control: Option<String>,

    /// Content-Disposition to store and serve with the object, e.g.
    /// `attachment; filename="scan.nii.gz"`.
    #[arg(long, value_name = "V", value_parser = parse_header_value)]
    pub(crate) content_disposition: Option<String>,

    /// Content-Encoding to store and serve with the object, e.g. `gzip` (the body is
    /// uploaded as is, not compressed by stowage).
    #[arg(long, value_name = "V", value_parser = parse_header_value)]
    pub(crate) content_encoding: Option<String>,

    /// Content-Language to store and serve with the object, e.g. `en`.
    #[arg(long, value_name = "V", value_parser = parse_header_value)]
    pub(crate) content_language: Option<String>,

    /// User metadata (x-amz-meta-NAME), repeatable; S3 lowercases the names. NAME is an
    /// HTTP token (letters, digits, `-`, `_`, ...); VALUE has no control characters.
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_metadata)]
    pub(crate) metadata: Vec<(String, String)>,
}

impl AttributeArgs {
    /// True when at least one attribute flag was given.
    pub(crate) fn any(&self) -> bool {
        self.content_type.is_some()
            || self.cache_control.is_some()
            || self.content_disposition.is_some()
            || self.content_encoding.is_some()
            || self.content_language.is_some()
            || !self.metadata.is_empty()
    }
}

/// When a write may replace what is at its key, and how the object is stored.
#[derive(Debug, Args)]
pub(crate) struct WriteArgs {
    /// Create only: fail (exit 5) and write nothing when an object already exists at the
    /// destination (If-None-Match: *). Needs a store that enforces conditional writes, see
    /// --conditional-writes; otherwise exit 4 and nothing is written.
    #[arg(long, conflicts_with = "if_match")]
    pub(crate) no_clobber: bool,

    /// Compare-and-swap: replace the destination only if its current ETag is this one
    /// (quoted or bare, as `head` prints it); else exit 5 and nothing is written. Needs a
    /// store that enforces conditional writes, see --conditional-writes; otherwise exit 4
    /// and nothing is written.
    #[arg(long, value_name = "ETAG", value_parser = parse_write_etag)]
    pub(crate) if_match: Option<String>,

    /// Server-side encryption of the stored object.
    #[arg(long, value_name = "ALGORITHM", ignore_case = true)]
    pub(crate) sse: Option<SseAlgorithm>,

    /// The KMS key (id, ARN or alias) for --sse aws:kms; without it, the account's default
    /// key for S3. Requires --sse aws:kms.
    #[arg(long, value_name = "KEY_ID", value_parser = parse_header_value)]
    pub(crate) sse_kms_key_id: Option<String>,

    /// Storage class of the stored object, e.g. STANDARD, STANDARD_IA, INTELLIGENT_TIERING,
    /// GLACIER_IR (the store decides which it offers).
    #[arg(long, value_name = "CLASS", value_parser = parse_storage_class)]
    pub(crate) storage_class: Option<String>,
}

/// The `--sse` algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SseAlgorithm {
    /// SSE-S3: keys managed by the store.
    #[value(name = "AES256")]
    Aes256,
    /// SSE-KMS: a KMS key, --sse-kms-key-id or the account's default one.
    #[value(name = "aws:kms")]
    AwsKms,
}
