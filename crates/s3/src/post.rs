//! Browser upload policies (presigned POST) signed with the storage's credentials.

use aws_sdk_s3::Client;
use stowage_core::{Error, PostPolicyParams, PostPolicyRequest, PresignedPost, Result, S3Path};

use crate::logging::SdkLogs;
use crate::signing::Signing;

/// A POST policy for uploading `path` from a browser form (TTL clamped to the ceiling).
pub(crate) async fn presigned_post(
    client: &Client,
    signing: &Signing,
    logs: &SdkLogs,
    path: &S3Path,
    request: &PostPolicyRequest,
) -> Result<PresignedPost> {
    path.object_key()?;
    let ttl = signing.ttl_limits().post_ttl(request.ttl, path)?;
    let region = client
        .config()
        .region()
        .ok_or_else(|| Error::invalid_argument("no region is configured; a POST policy needs one"))?
        .as_ref();
    let credentials = signing
        .credentials()
        .ok_or_else(|| {
            Error::invalid_argument(
                "no credentials provider for POST policies: build the storage with the builder, \
                 from_env or from_sdk_config, or call with_credentials_provider",
            )
        })?
        .resolve(logs, path)
        .await?;
    let now = signing.now();
    let url = signing.bucket_url(client, logs, path.bucket(), now).await?;
    signing.signer().sign(&PostPolicyParams {
        url: &url,
        path,
        request,
        ttl,
        credentials: &credentials,
        region,
        now,
    })
}
