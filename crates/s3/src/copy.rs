//! CopyObject: the source's attributes kept or replaced, the destination's mode,
//! encryption and storage class.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::MetadataDirective;
use stowage_core::{CopyOptions, Error, Result, S3Path};

use crate::errors::failure;
use crate::keys::copy_source;
use crate::logging::SdkLogs;
use crate::write::WriteSettings;

/// CopyObject under `options`; see [`stowage_core::ObjectStorage::copy_object_with`].
///
/// The mode is checked before any request, as for a put. A failed condition names the
/// destination; every other failure (a missing source first of all) names the source.
pub(crate) async fn copy_object_with(
    client: &Client,
    logs: &SdkLogs,
    settings: &WriteSettings,
    from: &S3Path,
    to: &S3Path,
    options: &CopyOptions,
) -> Result<()> {
    let conditions = settings.conditions(&options.mode, "conditional copy_object")?;
    let source_key = from.object_key()?;
    let key = to.object_key()?;
    let storage = settings.storage_fields(
        options.encryption.as_ref(),
        options.storage_class.as_deref(),
    )?;
    let mut request = client
        .copy_object()
        .copy_source(copy_source(from.bucket(), source_key))
        .bucket(to.bucket())
        .key(key)
        .set_if_match(conditions.if_match)
        .set_if_none_match(conditions.if_none_match)
        .set_server_side_encryption(storage.encryption)
        .set_ssekms_key_id(storage.kms_key_id)
        .set_storage_class(storage.storage_class);
    if let Some(attributes) = &options.replace {
        let metadata = (!attributes.metadata.is_empty()).then(|| {
            attributes
                .metadata
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect()
        });
        request = request
            .metadata_directive(MetadataDirective::Replace)
            .set_content_type(attributes.content_type.clone())
            .set_cache_control(attributes.cache_control.clone())
            .set_content_disposition(attributes.content_disposition.clone())
            .set_content_encoding(attributes.content_encoding.clone())
            .set_content_language(attributes.content_language.clone())
            .set_metadata(metadata);
    }
    match logs.run(request.send()).await {
        Ok(_) => Ok(()),
        Err(error) => match failure(error, from) {
            Error::PreconditionFailed { .. } => Err(Error::PreconditionFailed { path: to.clone() }),
            other => Err(other),
        },
    }
}
