//! `presign-post` and `presign-get`.

use std::time::Duration;

use stowage_core::PostPolicyRequest;

use super::error::{CmdResult, EXIT_OK};
use super::{Settings, parse_object_path};
use crate::cli::{PresignGetArgs, PresignPostArgs};

/// Prints a browser upload policy as `{"url": ..., "fields": {...}}`.
pub(super) async fn presign_post(settings: &Settings, args: PresignPostArgs) -> CmdResult {
    let path = parse_object_path("S3PATH", &args.path)?;
    let mut request =
        PostPolicyRequest::new(args.max_bytes).ttl(Duration::from_secs(args.expires_in));
    if let Some(content_type) = args.content_type {
        request = request.content_type(content_type);
    }
    let storage = settings.storage(args.signing_time).await?;
    let post = storage.presigned_post(&path, &request).await?;
    println!("{}", post.to_json());
    Ok(EXIT_OK)
}

/// Prints a presigned GET URL.
pub(super) async fn presign_get(settings: &Settings, args: PresignGetArgs) -> CmdResult {
    let path = parse_object_path("S3PATH", &args.path)?;
    let storage = settings.storage(args.signing_time).await?;
    let url = storage
        .presigned_get_url(&path, Duration::from_secs(args.expires_in))
        .await?;
    println!("{}", url.as_str());
    Ok(EXIT_OK)
}
