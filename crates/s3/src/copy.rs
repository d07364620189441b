//! Copies: one CopyObject up to the copy threshold, ranged part copies above it; the
//! source's attributes kept or replaced, the destination's mode, encryption and storage
//! class.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::MetadataDirective;
use stowage_core::transfer::{MAX_SINGLE_REQUEST_SIZE, TransferSettings, copy_in_parts};
use stowage_core::{CopyOptions, Error, Result, S3Path};

use crate::errors::failure;
use crate::head::head_object;
use crate::keys::copy_source;
use crate::logging::SdkLogs;
use crate::multipart::S3Multipart;
use crate::timeouts::{COPY_READ_TIMEOUT, patient_override};
use crate::write::{WriteSettings, with_object_fields};

/// What a copy needs: the client, the log guard, the write settings and the thresholds.
pub(crate) struct Copier<'a> {
    /// The SDK client.
    pub(crate) client: &'a Client,
    /// The operation's SDK log guard.
    pub(crate) logs: &'a SdkLogs,
    /// Conditions, encryption and storage class defaults.
    pub(crate) writes: &'a WriteSettings,
    /// When a copy goes in parts.
    pub(crate) transfer: &'a TransferSettings,
}

impl Copier<'_> {
    /// A copy under `options`; see [`stowage::ObjectStorage::copy_object_with`].
    ///
    /// With the default threshold (S3's 5 GiB CopyObject limit) a copy is one CopyObject,
    /// and only a source the store refuses as too large is looked up and copied in parts.
    /// With a lower threshold the source's size is looked up first.
    ///
    /// [`stowage::ObjectStorage::copy_object_with`]: stowage_core::ObjectStorage::copy_object_with
    pub(crate) async fn copy(
        &self,
        from: &S3Path,
        to: &S3Path,
        options: &CopyOptions,
    ) -> Result<()> {
        // Both keys are checked before any request, whichever way the copy goes.
        from.object_key()?;
        to.object_key()?;
        if self.transfer.copy_threshold < MAX_SINGLE_REQUEST_SIZE {
            let source = head_object(self.client, self.logs, from).await?;
            if source.size > self.transfer.copy_threshold {
                return self.copy_in_parts(from, to, options).await;
            }
            return self.copy_once(from, to, options).await;
        }
        match self.copy_once(from, to, options).await {
            Err(error) if too_large_for_one_copy(&error) => {
                self.copy_in_parts(from, to, options).await
            }
            copied => copied,
        }
    }

    async fn copy_in_parts(&self, from: &S3Path, to: &S3Path, options: &CopyOptions) -> Result<()> {
        // The mode must be enforceable before any part is copied.
        self.writes
            .conditions(&options.mode, "conditional copy_object")?;
        let source = head_object(self.client, self.logs, from).await?;
        let store = S3Multipart::new(
            self.client.clone(),
            None,
            self.logs.clone(),
            self.writes.clone(),
        );
        copy_in_parts(&store, from, &source, to, options, self.transfer).await?;
        Ok(())
    }

    /// One CopyObject. A failed condition names the destination; every other failure (a
    /// missing source first of all) names the source.
    async fn copy_once(&self, from: &S3Path, to: &S3Path, options: &CopyOptions) -> Result<()> {
        let conditions = self
            .writes
            .conditions(&options.mode, "conditional copy_object")?;
        let source_key = from.object_key()?;
        let key = to.object_key()?;
        let storage = self.writes.storage_fields(
            options.encryption.as_ref(),
            options.storage_class.as_deref(),
        )?;
        let request = self
            .client
            .copy_object()
            .copy_source(copy_source(from.bucket(), source_key))
            .bucket(to.bucket())
            .key(key)
            .set_if_match(conditions.if_match)
            .set_if_none_match(conditions.if_none_match);
        let request = match &options.replace {
            Some(attributes) => with_object_fields!(
                request
                    .metadata_directive(MetadataDirective::Replace)
                    .set_content_type(attributes.content_type.clone()),
                attributes,
                storage
            ),
            None => request
                .set_server_side_encryption(storage.encryption)
                .set_ssekms_key_id(storage.kms_key_id)
                .set_storage_class(storage.storage_class),
        };
        let request = request
            .customize()
            .config_override(patient_override(self.client, COPY_READ_TIMEOUT));
        match self.logs.run(request.send()).await {
            Ok(_) => Ok(()),
            Err(error) => match failure(error, from) {
                Error::PreconditionFailed { .. } => {
                    Err(Error::PreconditionFailed { path: to.clone() })
                }
                other => Err(other),
            },
        }
    }
}

/// S3's answer to a CopyObject of a source above 5 GiB: `InvalidRequest`, "The specified
/// copy source is larger than the maximum allowable size for a copy source".
fn too_large_for_one_copy(error: &Error) -> bool {
    matches!(
        error,
        Error::Service { code, status: 400, message, .. }
            if code == "InvalidRequest" && message.contains("copy source is larger")
    )
}
