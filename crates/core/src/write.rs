//! Writes with options: conditional modes, server-side encryption, copies.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::etag::validate_etag;
use crate::meta::ObjectMeta;

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
/// use stowage::{CopyOptions, PutMode, PutOptions};
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

/// Options for [`crate::ObjectStorage::put_object`]: the object's attributes and metadata,
/// the write's mode, and where the store supports them, encryption and storage class.
///
/// ```
/// use stowage::{PutMode, PutOptions};
/// let options = PutOptions::new()
///     .content_type("application/gzip")
///     .content_disposition("attachment; filename=\"scan.nii.gz\"")
///     .metadata("owner", "imaging-team")
///     .mode(PutMode::Create);
/// assert_eq!(options.content_type.as_deref(), Some("application/gzip"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutOptions {
    /// Content-Type to store with the object.
    pub content_type: Option<String>,
    /// `Cache-Control` to store and serve with the object.
    pub cache_control: Option<String>,
    /// `Content-Disposition` to store and serve with the object.
    pub content_disposition: Option<String>,
    /// `Content-Encoding` to store and serve with the object.
    pub content_encoding: Option<String>,
    /// `Content-Language` to store and serve with the object.
    pub content_language: Option<String>,
    /// User metadata to store with the object. S3 lowercases the names.
    pub metadata: BTreeMap<String, String>,
    /// When the write may replace an existing object.
    pub mode: PutMode,
    /// Server-side encryption (S3 backend; others answer [`Error::Unsupported`] unless they
    /// encrypt anyway).
    pub encryption: Option<Encryption>,
    /// Storage class (`STANDARD`, `STANDARD_IA`, `GLACIER_IR`, ...).
    pub storage_class: Option<String>,
}

impl PutOptions {
    /// No attributes, no metadata, overwrite.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the Content-Type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets `Cache-Control`.
    pub fn cache_control(mut self, value: impl Into<String>) -> Self {
        self.cache_control = Some(value.into());
        self
    }

    /// Sets `Content-Disposition`.
    pub fn content_disposition(mut self, value: impl Into<String>) -> Self {
        self.content_disposition = Some(value.into());
        self
    }

    /// Sets `Content-Encoding`.
    pub fn content_encoding(mut self, value: impl Into<String>) -> Self {
        self.content_encoding = Some(value.into());
        self
    }

    /// Sets `Content-Language`.
    pub fn content_language(mut self, value: impl Into<String>) -> Self {
        self.content_language = Some(value.into());
        self
    }

    /// Adds one user metadata entry.
    pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(name.into(), value.into());
        self
    }

    /// Sets when the write may replace an existing object.
    pub fn mode(mut self, mode: PutMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets server-side encryption.
    pub fn encryption(mut self, encryption: Encryption) -> Self {
        self.encryption = Some(encryption);
        self
    }

    /// Sets the storage class.
    pub fn storage_class(mut self, storage_class: impl Into<String>) -> Self {
        self.storage_class = Some(storage_class.into());
        self
    }

    /// The attribute and metadata fields of `meta`, as a copy keeps them.
    pub fn attributes_of(meta: &ObjectMeta) -> Self {
        Self {
            content_type: meta.content_type.clone(),
            cache_control: meta.cache_control.clone(),
            content_disposition: meta.content_disposition.clone(),
            content_encoding: meta.content_encoding.clone(),
            content_language: meta.content_language.clone(),
            metadata: meta.metadata.clone(),
            ..Self::default()
        }
    }
}

/// What [`crate::ObjectStorage::put_object`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutResult {
    /// The new object's entity tag, with its quotes.
    pub etag: Option<String>,
}
