//! HeadObject.

use aws_sdk_s3::Client;
use stowage_core::{ObjectMeta, Result, S3Path};

use crate::errors::failure;
use crate::logging::SdkLogs;
use crate::meta::object_meta;

/// The object's metadata.
pub(crate) async fn head_object(
    client: &Client,
    logs: &SdkLogs,
    path: &S3Path,
) -> Result<ObjectMeta> {
    let key = path.object_key()?;
    let output = logs
        .run(client.head_object().bucket(path.bucket()).key(key).send())
        .await
        .map_err(|e| failure(e, path))?;
    Ok(object_meta(path, &output))
}
