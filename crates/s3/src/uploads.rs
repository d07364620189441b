//! ListMultipartUploads and AbortMultipartUpload: the pending uploads under a prefix, every
//! page read.

use aws_sdk_s3::Client;
use stowage_core::transfer::{PendingUpload, UploadId};
use stowage_core::{Result, S3Path};

use crate::errors::failure;
use crate::logging::SdkLogs;
use crate::meta::system_time;

/// Every multipart upload under `prefix` that was neither completed nor aborted.
pub(crate) async fn list_multipart_uploads(
    client: &Client,
    logs: &SdkLogs,
    prefix: &S3Path,
) -> Result<Vec<PendingUpload>> {
    let mut pending = Vec::new();
    let mut key_marker: Option<String> = None;
    let mut upload_id_marker: Option<String> = None;
    loop {
        let request = client
            .list_multipart_uploads()
            .bucket(prefix.bucket())
            .prefix(prefix.key())
            .set_key_marker(key_marker.take())
            .set_upload_id_marker(upload_id_marker.take());
        let page = logs
            .run(request.send())
            .await
            .map_err(|e| failure(e, prefix))?;
        for upload in page.uploads() {
            let (Some(key), Some(id)) = (upload.key(), upload.upload_id()) else {
                continue;
            };
            pending.push(PendingUpload {
                path: S3Path::new(prefix.bucket(), key)?,
                id: UploadId::new(id),
                initiated: system_time(upload.initiated()),
            });
        }
        if page.is_truncated() != Some(true) {
            return Ok(pending);
        }
        key_marker = page.next_key_marker().map(str::to_owned);
        upload_id_marker = page.next_upload_id_marker().map(str::to_owned);
        if key_marker.is_none() && upload_id_marker.is_none() {
            return Ok(pending);
        }
    }
}

/// AbortMultipartUpload of one listed upload.
pub(crate) async fn abort_multipart_upload(
    client: &Client,
    logs: &SdkLogs,
    path: &S3Path,
    id: &UploadId,
) -> Result<()> {
    let key = path.object_key()?;
    let request = client
        .abort_multipart_upload()
        .bucket(path.bucket())
        .key(key)
        .upload_id(id.as_str());
    logs.run(request.send())
        .await
        .map_err(|e| failure(e, path))?;
    Ok(())
}
