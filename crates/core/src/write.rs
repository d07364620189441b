//! Writes with options: conditional modes, server-side encryption, copies.

use crate::error::{Error, Result};
use crate::object::PutOptions;
use crate::read::validate_etag;

/// When a write may replace what is at its key.
///
/// A store that cannot enforce a mode answers [`Error::Unsupported`]; it never falls back
/// to an overwrite.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PutMode {
    /// Replace whatever is there (S3's default).
    #[default]
    Overwrite,
    /// Only if no object is there (`If-None-Match: *`); else
    /// [`Error::PreconditionFailed`]. Of two concurrent creates of one key, exactly one wins.
    Create,
    /// Only if the object there has this ETag (`If-Match`): compare-and-swap; else
    /// [`Error::PreconditionFailed`].
    IfMatch(String),
}

impl PutMode {
    /// True for [`PutMode::Overwrite`].
    pub fn is_overwrite(&self) -> bool {
        matches!(self, Self::Overwrite)
    }

    /// [`Error::InvalidArgument`] for a malformed ETag.
    pub fn validate(&self) -> Result<()> {
        match self {
            Self::IfMatch(etag) if etag == "*" => Err(Error::invalid_argument(
                "a compare-and-swap write needs the ETag to replace, not `*`",
            )),
            Self::IfMatch(etag) => validate_etag(etag),
            _ => Ok(()),
        }
    }
}

/// Server-side encryption of a stored object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encryption {
    /// SSE-S3: keys managed by the store (`AES256`).
    S3Managed,
    /// SSE-KMS: a KMS key, the account's default one when `key_id` is `None`.
    Kms {
        /// The KMS key id or ARN.
        key_id: Option<String>,
    },
}

/// Options for [`ObjectStorage::copy_object_with`](crate::ObjectStorage::copy_object_with).
///
/// By default the copy keeps the source's Content-Type, attributes and user metadata, and
/// replaces whatever is at the destination.
///
/// ```
/// use stowage_core::{CopyOptions, PutMode, PutOptions};
/// let options = CopyOptions::new()
///     .mode(PutMode::Create)
///     .replace_attributes(PutOptions::new().content_type("text/csv").cache_control("no-store"));
/// assert!(options.replace.is_some());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyOptions {
    /// When the copy may replace the destination.
    pub mode: PutMode,
    /// Content-Type, attributes and user metadata for the copy instead of the source's
    /// (S3's `MetadataDirective: REPLACE`); `None` keeps the source's. Only their attribute
    /// and metadata fields are read; encryption and storage class come from this value's
    /// own fields.
    pub replace: Option<PutOptions>,
    /// Server-side encryption of the copy.
    pub encryption: Option<Encryption>,
    /// Storage class of the copy (`STANDARD`, `STANDARD_IA`, ...).
    pub storage_class: Option<String>,
}

impl CopyOptions {
    /// Keep the source's attributes, overwrite the destination.
    pub fn new() -> Self {
        Self::default()
    }

    /// When the copy may replace the destination.
    pub fn mode(mut self, mode: PutMode) -> Self {
        self.mode = mode;
        self
    }

    /// Give the copy these attributes and metadata instead of the source's.
    pub fn replace_attributes(mut self, attributes: PutOptions) -> Self {
        self.replace = Some(attributes);
        self
    }

    /// Encrypt the copy.
    pub fn encryption(mut self, encryption: Encryption) -> Self {
        self.encryption = Some(encryption);
        self
    }

    /// Store the copy in this storage class.
    pub fn storage_class(mut self, storage_class: impl Into<String>) -> Self {
        self.storage_class = Some(storage_class.into());
        self
    }
}
