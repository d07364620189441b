//! PutObject: attributes, metadata, mode, encryption and storage class; a streamed body
//! with no request checksum.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::RequestChecksumCalculation;
use stowage_core::{Error, Payload, PutOptions, PutResult, Result, S3Path};

use crate::body::payload_body;
use crate::errors::failure;
use crate::logging::SdkLogs;
use crate::write::WriteSettings;

/// PutObject under `options`; see [`stowage_core::ObjectStorage::put_object`].
///
/// Every check runs before the payload is read or a request is sent: a malformed ETag, a
/// condition the store does not enforce, an encryption this backend cannot send.
pub(crate) async fn put_object(
    client: &Client,
    logs: &SdkLogs,
    settings: &WriteSettings,
    path: &S3Path,
    payload: Payload,
    options: PutOptions,
) -> Result<PutResult> {
    let conditions = settings.conditions(&options.mode, "conditional put_object")?;
    let key = path.object_key()?;
    let storage = settings.storage_fields(
        options.encryption.as_ref(),
        options.storage_class.as_deref(),
    )?;
    let length = i64::try_from(payload.len())
        .map_err(|_| Error::invalid_argument("the payload is too large for one PutObject"))?;
    let (body, streamed) = payload_body(payload).await?;
    let metadata = (!options.metadata.is_empty()).then(|| options.metadata.into_iter().collect());
    let request = client
        .put_object()
        .bucket(path.bucket())
        .key(key)
        .body(body)
        .content_length(length)
        .set_content_type(options.content_type)
        .set_cache_control(options.cache_control)
        .set_content_disposition(options.content_disposition)
        .set_content_encoding(options.content_encoding)
        .set_content_language(options.content_language)
        .set_metadata(metadata)
        .set_if_match(conditions.if_match)
        .set_if_none_match(conditions.if_none_match)
        .set_server_side_encryption(storage.encryption)
        .set_ssekms_key_id(storage.kms_key_id)
        .set_storage_class(storage.storage_class);
    let sent = if streamed {
        // A stream cannot be hashed up front; the SDK's default then is an aws-chunked
        // body with a trailing checksum, which S3-compatible servers do not all accept
        // (Garage 2.5 rejects its signature). Send it with no request checksum instead.
        let checksum = aws_sdk_s3::config::Builder::default()
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired);
        logs.run(request.customize().config_override(checksum).send())
            .await
    } else {
        logs.run(request.send()).await
    };
    let output = sent.map_err(|e| failure(e, path))?;
    Ok(PutResult {
        etag: output.e_tag().map(str::to_owned),
    })
}
