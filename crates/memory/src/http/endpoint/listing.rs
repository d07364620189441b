//! Listings: ListObjectsV2, ListObjects (V1, which older clients use) and ListBuckets.

use s3s::dto::{
    Bucket, CommonPrefix, ListBucketsInput, ListBucketsOutput, ListObjectsInput, ListObjectsOutput,
    ListObjectsV2Input, ListObjectsV2Output, Object, ObjectStorageClass, Owner,
};
use s3s::{S3Request, S3Response, S3Result};
use stowage_core::{ListOptions, ListPage, ListToken, ObjectStorage as _, S3Path};

use super::convert;
use super::errors::{invalid_argument, object_path, s3_error};
use crate::storage::MemoryStorage;

/// S3's most keys per page, and the default.
const MAX_KEYS: i32 = 1000;

/// The owner every bucket and object of the store reports.
pub(super) fn owner() -> Owner {
    Owner {
        display_name: Some("stowage".to_owned()),
        id: Some("stowage-memory".to_owned()),
    }
}

/// ListObjectsV2: one page from the start, a `start-after` key or a continuation token.
pub(super) async fn list_v2(
    storage: &MemoryStorage,
    request: S3Request<ListObjectsV2Input>,
) -> S3Result<S3Response<ListObjectsV2Output>> {
    let input = request.input;
    let max_keys = page_size(input.max_keys)?;
    let prefix = input.prefix.clone().unwrap_or_default();
    let mut output = ListObjectsV2Output {
        name: Some(input.bucket.clone()),
        prefix: input.prefix.clone(),
        delimiter: input.delimiter.clone(),
        max_keys: Some(max_keys),
        continuation_token: input.continuation_token.clone(),
        start_after: input.start_after.clone(),
        key_count: Some(0),
        is_truncated: Some(false),
        ..Default::default()
    };
    let root = object_path(&input.bucket, &prefix)?;
    let options = list_options(input.delimiter, input.start_after, max_keys);
    let token = input.continuation_token.map(ListToken::new);
    let Some(page) = page_of(storage, &root, options, token.as_ref()).await? else {
        return Ok(S3Response::new(output));
    };
    output.next_continuation_token = page.next.as_ref().map(|token| token.as_str().to_owned());
    output.is_truncated = Some(page.next.is_some());
    let (contents, common_prefixes) = entries(page);
    output.key_count = Some((contents.len() + common_prefixes.len()) as i32);
    output.contents = (!contents.is_empty()).then_some(contents);
    output.common_prefixes = (!common_prefixes.is_empty()).then_some(common_prefixes);
    Ok(S3Response::new(output))
}

/// ListObjects (V1): pages follow a `marker`, the last key or common prefix listed.
pub(super) async fn list_v1(
    storage: &MemoryStorage,
    request: S3Request<ListObjectsInput>,
) -> S3Result<S3Response<ListObjectsOutput>> {
    let input = request.input;
    let max_keys = page_size(input.max_keys)?;
    let prefix = input.prefix.clone().unwrap_or_default();
    let mut output = ListObjectsOutput {
        name: Some(input.bucket.clone()),
        prefix: input.prefix.clone(),
        delimiter: input.delimiter.clone(),
        marker: input.marker.clone(),
        max_keys: Some(max_keys),
        is_truncated: Some(false),
        ..Default::default()
    };
    let root = object_path(&input.bucket, &prefix)?;
    let start_after = input
        .marker
        .map(|marker| past_rolled_up(&prefix, input.delimiter.as_deref(), marker));
    let options = list_options(input.delimiter, start_after, max_keys);
    let Some(page) = page_of(storage, &root, options, None).await? else {
        return Ok(S3Response::new(output));
    };
    let truncated = page.next.is_some();
    let (contents, common_prefixes) = entries(page);
    if truncated {
        let last_key = contents.last().and_then(|object| object.key.clone());
        let last_prefix = common_prefixes
            .last()
            .and_then(|prefix| prefix.prefix.clone());
        output.next_marker = last_key.max(last_prefix);
    }
    output.is_truncated = Some(truncated);
    output.contents = (!contents.is_empty()).then_some(contents);
    output.common_prefixes = (!common_prefixes.is_empty()).then_some(common_prefixes);
    Ok(S3Response::new(output))
}

/// ListBuckets: every bucket, in name order.
pub(super) async fn list_buckets(
    storage: &MemoryStorage,
    request: S3Request<ListBucketsInput>,
) -> S3Result<S3Response<ListBucketsOutput>> {
    let prefix = request.input.prefix.unwrap_or_default();
    let buckets = storage
        .buckets()
        .into_iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .map(|(name, created)| Bucket {
            name: Some(name),
            creation_date: created.map(convert::timestamp),
            bucket_region: None,
        })
        .collect();
    Ok(S3Response::new(ListBucketsOutput {
        buckets: Some(buckets),
        owner: Some(owner()),
        ..Default::default()
    }))
}

/// The page `options` and `token` ask for, or none for `max-keys=0`, which still answers
/// `NoSuchBucket` for a missing bucket (checked with a page of one entry).
async fn page_of(
    storage: &MemoryStorage,
    root: &S3Path,
    options: ListOptions,
    token: Option<&ListToken>,
) -> S3Result<Option<ListPage>> {
    if options.page_size == Some(0) {
        let mut one = ListOptions::new();
        one.page_size = Some(1);
        storage
            .list_page(root, &one, None)
            .await
            .map_err(s3_error)?;
        return Ok(None);
    }
    let page = storage
        .list_page(root, &options, token)
        .await
        .map_err(s3_error)?;
    Ok(Some(page))
}

/// `max-keys` within S3's bounds: negative is refused, above 1000 is 1000.
fn page_size(max_keys: Option<i32>) -> S3Result<i32> {
    match max_keys {
        None => Ok(MAX_KEYS),
        Some(n) if n < 0 => Err(invalid_argument("max-keys must be a non-negative integer")),
        Some(n) => Ok(n.min(MAX_KEYS)),
    }
}

fn list_options(
    delimiter: Option<String>,
    start_after: Option<String>,
    max_keys: i32,
) -> ListOptions {
    let mut options = ListOptions::new();
    options.delimiter = delimiter.filter(|delimiter| !delimiter.is_empty());
    options.start_after = start_after.filter(|key| !key.is_empty());
    options.page_size = u32::try_from(max_keys).ok();
    options
}

/// A V1 `marker` that names a common prefix (`photos/` under delimiter `/`) resumes past
/// every key rolled up into it, as S3 does: those keys were reported as that prefix.
fn past_rolled_up(prefix: &str, delimiter: Option<&str>, marker: String) -> String {
    let Some(delimiter) = delimiter.filter(|delimiter| !delimiter.is_empty()) else {
        return marker;
    };
    let Some(rest) = marker.strip_prefix(prefix) else {
        return marker;
    };
    match rest.find(delimiter) {
        Some(at) => {
            let mut past = format!("{prefix}{}", &rest[..at + delimiter.len()]);
            past.push(char::MAX);
            past
        }
        None => marker,
    }
}

/// A page's objects and common prefixes as S3's entries.
fn entries(page: ListPage) -> (Vec<Object>, Vec<CommonPrefix>) {
    let objects = page
        .objects
        .into_iter()
        .map(|summary| Object {
            key: Some(summary.path.key().to_owned()),
            size: Some(summary.size as i64),
            e_tag: summary.etag.as_deref().map(convert::etag),
            last_modified: summary.last_modified.map(convert::timestamp),
            storage_class: Some(ObjectStorageClass::from_static(
                ObjectStorageClass::STANDARD,
            )),
            ..Default::default()
        })
        .collect();
    let prefixes = page
        .common_prefixes
        .into_iter()
        .map(|prefix| CommonPrefix {
            prefix: Some(prefix.key().to_owned()),
        })
        .collect();
    (objects, prefixes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_inside_a_rolled_up_prefix_resumes_after_all_of_it() {
        let past = past_rolled_up("", Some("/"), "photos/".to_owned());
        assert!(past.starts_with("photos/") && past.ends_with(char::MAX));
        assert!(past.as_str() > "photos/zzz");
        assert_eq!(past_rolled_up("", Some("/"), "a.txt".to_owned()), "a.txt");
        assert_eq!(past_rolled_up("", None, "photos/".to_owned()), "photos/");
        let nested = past_rolled_up("p/", Some("/"), "p/x/y".to_owned());
        assert!(nested.starts_with("p/x/") && nested.as_str() > "p/x/zz");
    }

    #[test]
    fn page_sizes_follow_s3() {
        assert_eq!(page_size(None).unwrap(), 1000);
        assert_eq!(page_size(Some(5000)).unwrap(), 1000);
        assert_eq!(page_size(Some(0)).unwrap(), 0);
        assert!(page_size(Some(-1)).is_err());
    }
}
