//! ListObjectsV2, one page per call: a page of objects and common prefixes, and the token
//! of the next page.

use aws_sdk_s3::Client;
use stowage_core::{Error, ListOptions, ListPage, ListToken, Result, S3Path};

use crate::errors::failure;
use crate::logging::SdkLogs;
use crate::meta::object_summary;

/// One ListObjectsV2 request; see [`stowage::ObjectStorage::list_page`].
///
/// `start_after` applies to the first page only; later pages resume from `token`.
///
/// [`stowage::ObjectStorage::list_page`]: stowage_core::ObjectStorage::list_page
pub(crate) async fn list_page(
    client: &Client,
    logs: &SdkLogs,
    prefix: &S3Path,
    options: &ListOptions,
    token: Option<&ListToken>,
) -> Result<ListPage> {
    let page_size = i32::try_from(options.effective_page_size()?)
        .map_err(|_| Error::invalid_argument("the page size does not fit a request"))?;
    let mut request = client
        .list_objects_v2()
        .bucket(prefix.bucket())
        .max_keys(page_size)
        .set_delimiter(options.delimiter.clone());
    if !prefix.key().is_empty() {
        request = request.prefix(prefix.key());
    }
    request = match token {
        Some(token) => request.continuation_token(token.as_str()),
        None => request.set_start_after(options.start_after.clone()),
    };
    let output = logs
        .run(request.send())
        .await
        .map_err(|e| failure(e, prefix))?;
    let mut page = ListPage::default();
    for object in output.contents() {
        if let Some(summary) = object_summary(prefix.bucket(), object)? {
            page.objects.push(summary);
        }
    }
    for common in output.common_prefixes() {
        if let Some(common) = common.prefix() {
            page.common_prefixes
                .push(S3Path::new(prefix.bucket(), common)?);
        }
    }
    page.next = match (output.is_truncated(), output.next_continuation_token()) {
        (Some(true), Some(next)) => Some(ListToken::new(next)),
        // Stopping here would drop the rest of the listing without a word.
        (Some(true), None) => {
            return Err(Error::Service {
                code: "MissingContinuationToken".into(),
                status: 200,
                message: "a truncated listing page carries no continuation token".into(),
                path: Some(prefix.clone()),
            });
        }
        _ => None,
    };
    tracing::debug!(
        objects = page.objects.len(),
        common_prefixes = page.common_prefixes.len(),
        last = page.next.is_none(),
        "listed a page"
    );
    Ok(page)
}
