//! [`WriteSettings`]: what PutObject and CopyObject share: whether the store enforces
//! conditional writes, and the default encryption and storage class.

use aws_sdk_s3::types::{ServerSideEncryption, StorageClass};
use stowage_core::{Encryption, Error, PutMode, Result};

use crate::storage::BACKEND;

/// How writes reach the store: the conditions it can be trusted with and the defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct WriteSettings {
    /// The store enforces `If-None-Match: *` and `If-Match` on writes.
    pub(crate) conditional_writes: bool,
    /// Encryption of a write that names none.
    pub(crate) encryption: Option<Encryption>,
    /// Storage class of a write that names none.
    pub(crate) storage_class: Option<String>,
}

/// The request fields of a write's encryption and storage class.
#[derive(Debug, Default)]
pub(crate) struct StorageFields {
    /// `x-amz-server-side-encryption`.
    pub(crate) encryption: Option<ServerSideEncryption>,
    /// `x-amz-server-side-encryption-aws-kms-key-id`.
    pub(crate) kms_key_id: Option<String>,
    /// `x-amz-storage-class`.
    pub(crate) storage_class: Option<StorageClass>,
}

/// The condition headers of a write's mode.
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    /// `If-Match`: replace only this ETag.
    pub(crate) if_match: Option<String>,
    /// `If-None-Match`: `*`, create only.
    pub(crate) if_none_match: Option<String>,
}

impl WriteSettings {
    /// The condition headers of `mode`, after [`PutMode::validate`].
    ///
    /// A mode other than [`PutMode::Overwrite`] on a store that does not enforce conditions
    /// is [`Error::Unsupported`] (`operation` names it): it would overwrite silently.
    pub(crate) fn conditions(&self, mode: &PutMode, operation: &'static str) -> Result<Conditions> {
        mode.validate()?;
        let unsupported = Error::Unsupported {
            operation,
            backend: BACKEND,
        };
        if !mode.is_overwrite() && !self.conditional_writes {
            return Err(unsupported);
        }
        match mode {
            PutMode::Overwrite => Ok(Conditions::default()),
            PutMode::Create => Ok(Conditions {
                if_none_match: Some("*".to_owned()),
                ..Conditions::default()
            }),
            PutMode::IfMatch(etag) => Ok(Conditions {
                if_match: Some(etag.clone()),
                ..Conditions::default()
            }),
            _ => Err(unsupported),
        }
    }

    /// The encryption and storage class fields of a write: its own, else the defaults.
    pub(crate) fn storage_fields(
        &self,
        encryption: Option<&Encryption>,
        storage_class: Option<&str>,
    ) -> Result<StorageFields> {
        let (encryption, kms_key_id) = match encryption.or(self.encryption.as_ref()) {
            None => (None, None),
            Some(Encryption::S3Managed) => (Some(ServerSideEncryption::Aes256), None),
            Some(Encryption::Kms { key_id }) => {
                (Some(ServerSideEncryption::AwsKms), key_id.clone())
            }
            Some(_) => {
                return Err(Error::Unsupported {
                    operation: "this server-side encryption",
                    backend: BACKEND,
                });
            }
        };
        Ok(StorageFields {
            encryption,
            kms_key_id,
            storage_class: storage_class
                .or(self.storage_class.as_deref())
                .map(StorageClass::from),
        })
    }
}

/// The user metadata of `options` as the SDK's request builders take it: `None` when empty.
pub(crate) fn metadata(
    options: &stowage_core::PutOptions,
) -> Option<std::collections::HashMap<String, String>> {
    (!options.metadata.is_empty()).then(|| options.metadata.clone().into_iter().collect())
}

/// Sets the HTTP attributes and user metadata of a `PutOptions` (not its Content-Type, whose
/// default differs per request) and a [`StorageFields`] on a request builder of PutObject,
/// CreateMultipartUpload or CopyObject: the three share these setters but no trait.
macro_rules! with_object_fields {
    ($request:expr, $options:expr, $storage:expr) => {{
        let options: &stowage_core::PutOptions = $options;
        let storage: $crate::write::StorageFields = $storage;
        $request
            .set_cache_control(options.cache_control.clone())
            .set_content_disposition(options.content_disposition.clone())
            .set_content_encoding(options.content_encoding.clone())
            .set_content_language(options.content_language.clone())
            .set_metadata($crate::write::metadata(options))
            .set_server_side_encryption(storage.encryption)
            .set_ssekms_key_id(storage.kms_key_id)
            .set_storage_class(storage.storage_class)
    }};
}
pub(crate) use with_object_fields;

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(conditional_writes: bool) -> WriteSettings {
        WriteSettings {
            conditional_writes,
            ..WriteSettings::default()
        }
    }

    #[test]
    fn modes_become_condition_headers() {
        let on = settings(true);
        let create = on.conditions(&PutMode::Create, "put").unwrap();
        assert_eq!(create.if_none_match.as_deref(), Some("*"));
        assert_eq!(create.if_match, None);
        let swap = on
            .conditions(&PutMode::IfMatch("\"e1\"".into()), "put")
            .unwrap();
        assert_eq!(swap.if_match.as_deref(), Some("\"e1\""));
        assert_eq!(swap.if_none_match, None);
        let plain = on.conditions(&PutMode::Overwrite, "put").unwrap();
        assert!(plain.if_match.is_none() && plain.if_none_match.is_none());
    }

    #[test]
    fn conditions_without_enforcement_are_unsupported_overwrites_are_not() {
        let off = settings(false);
        for mode in [PutMode::Create, PutMode::IfMatch("\"e1\"".into())] {
            let error = off.conditions(&mode, "conditional put_object").unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::Unsupported {
                        operation: "conditional put_object",
                        backend: "s3"
                    }
                ),
                "{error:?}"
            );
        }
        off.conditions(&PutMode::Overwrite, "put").unwrap();
    }

    #[test]
    fn a_malformed_etag_is_an_invalid_argument_first() {
        for conditional_writes in [true, false] {
            let error = settings(conditional_writes)
                .conditions(&PutMode::IfMatch("*".into()), "put")
                .unwrap_err();
            assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
        }
    }

    #[test]
    fn own_encryption_and_class_win_over_the_defaults() {
        let defaults = WriteSettings {
            conditional_writes: true,
            encryption: Some(Encryption::S3Managed),
            storage_class: Some("STANDARD_IA".into()),
        };
        let fields = defaults.storage_fields(None, None).unwrap();
        assert_eq!(fields.encryption, Some(ServerSideEncryption::Aes256));
        assert_eq!(fields.kms_key_id, None);
        assert_eq!(fields.storage_class, Some(StorageClass::StandardIa));
        let kms = Encryption::Kms {
            key_id: Some("alias/k".into()),
        };
        let fields = defaults
            .storage_fields(Some(&kms), Some("GLACIER_IR"))
            .unwrap();
        assert_eq!(fields.encryption, Some(ServerSideEncryption::AwsKms));
        assert_eq!(fields.kms_key_id.as_deref(), Some("alias/k"));
        assert_eq!(fields.storage_class, Some(StorageClass::GlacierIr));
        let none = WriteSettings::default().storage_fields(None, None).unwrap();
        assert!(none.encryption.is_none() && none.storage_class.is_none());
    }
}
