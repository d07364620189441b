//! The core options of a `put` or `cp`, from its flags, and what a failed write means.

use stowage_core::{CopyOptions, Encryption, Error, PutMode, PutOptions};

use super::error::CliError;
use crate::cli::{AttributeArgs, SseAlgorithm, WriteArgs};

/// The write mode the flags ask for.
pub(super) fn mode(write: &WriteArgs) -> PutMode {
    match (&write.if_match, write.no_clobber) {
        (Some(etag), _) => PutMode::IfMatch(etag.clone()),
        (None, true) => PutMode::Create,
        (None, false) => PutMode::Overwrite,
    }
}

/// The encryption the flags ask for; `--sse-kms-key-id` needs `--sse aws:kms`.
pub(super) fn encryption(write: &WriteArgs) -> Result<Option<Encryption>, CliError> {
    match (write.sse, &write.sse_kms_key_id) {
        (None, None) => Ok(None),
        (Some(SseAlgorithm::Aes256), None) => Ok(Some(Encryption::S3Managed)),
        (Some(SseAlgorithm::AwsKms), key_id) => Ok(Some(Encryption::Kms {
            key_id: key_id.clone(),
        })),
        (_, Some(_)) => Err(CliError::Invalid(
            "invalid --sse-kms-key-id: it needs --sse aws:kms".to_owned(),
        )),
    }
}

/// `put`'s options: attributes, mode, encryption, storage class.
pub(super) fn put_options(
    attributes: &AttributeArgs,
    write: &WriteArgs,
) -> Result<PutOptions, CliError> {
    let mut options = attribute_options(attributes)?.mode(mode(write));
    if let Some(encryption) = encryption(write)? {
        options = options.encryption(encryption);
    }
    if let Some(storage_class) = &write.storage_class {
        options = options.storage_class(storage_class.clone());
    }
    Ok(options)
}

/// `cp`'s options: any attribute flag replaces all of the source's attributes.
pub(super) fn copy_options(
    attributes: &AttributeArgs,
    write: &WriteArgs,
) -> Result<CopyOptions, CliError> {
    let mut options = CopyOptions::new().mode(mode(write));
    if attributes.any() {
        options = options.replace_attributes(attribute_options(attributes)?);
    }
    if let Some(encryption) = encryption(write)? {
        options = options.encryption(encryption);
    }
    if let Some(storage_class) = &write.storage_class {
        options = options.storage_class(storage_class.clone());
    }
    Ok(options)
}

/// The attribute and metadata fields; a metadata name given twice is invalid input
/// (S3 lowercases names, so `Owner` and `owner` are the same).
fn attribute_options(attributes: &AttributeArgs) -> Result<PutOptions, CliError> {
    let mut options = PutOptions::new();
    if let Some(value) = &attributes.content_type {
        options = options.content_type(value.clone());
    }
    if let Some(value) = &attributes.cache_control {
        options = options.cache_control(value.clone());
    }
    if let Some(value) = &attributes.content_disposition {
        options = options.content_disposition(value.clone());
    }
    if let Some(value) = &attributes.content_encoding {
        options = options.content_encoding(value.clone());
    }
    if let Some(value) = &attributes.content_language {
        options = options.content_language(value.clone());
    }
    for (name, value) in &attributes.metadata {
        let duplicate = options
            .metadata
            .keys()
            .any(|seen| seen.eq_ignore_ascii_case(name));
        if duplicate {
            return Err(CliError::Invalid(format!(
                "invalid --metadata: the name {name:?} is given twice (names are case-insensitive)"
            )));
        }
        options = options.metadata(name.clone(), value.clone());
    }
    Ok(options)
}

/// A failed write, explained in terms of the flags that made it conditional.
pub(super) fn write_failure(error: Error, mode: &PutMode) -> CliError {
    let hint = match (&error, mode) {
        (Error::Unsupported { .. }, PutMode::Create | PutMode::IfMatch(_)) => Some(
            "this store is not trusted to enforce conditional writes (off by default with a \
             custom endpoint), so nothing was written; if it enforces them (AWS S3, MinIO, \
             R2), pass --conditional-writes",
        ),
        (Error::PreconditionFailed { .. }, PutMode::Create) => {
            Some("an object already exists there (--no-clobber); nothing was written")
        }
        (Error::PreconditionFailed { .. }, PutMode::IfMatch(_)) => {
            Some("the object's current ETag is not the --if-match one; nothing was written")
        }
        _ => None,
    };
    CliError::explained(error, hint)
}
