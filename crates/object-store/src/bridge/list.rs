//! Listings: `list` and `list_with_offset` as streams holding one page,
//! `list_with_delimiter`, and `list_paginated` page by page.

use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use object_store::ListResult;
use object_store::list::{PaginatedListOptions, PaginatedListResult};
use object_store::path::Path;
use stowage_core::{ListOptions, ListPage, ListToken, MAX_PAGE_SIZE, ObjectStorage, S3Path};

use crate::bridge::attributes::summary_meta;
use crate::bridge::errors::{Intent, to_object_store};
use crate::bridge::locations::Locations;

/// Every object under `prefix` (after `offset`, exclusive), read a page at a time as the
/// stream is polled, in key order.
pub(crate) fn objects(
    storage: Arc<dyn ObjectStorage>,
    locations: Locations,
    prefix: Option<&Path>,
    offset: Option<&Path>,
) -> BoxStream<'static, object_store::Result<object_store::ObjectMeta>> {
    let listed = prefix.cloned().unwrap_or_default();
    let directory = match locations.directory(prefix) {
        Ok(directory) => directory,
        Err(error) => return stream::once(async move { Err(error) }).boxed(),
    };
    let mut options = ListOptions::new();
    options.start_after =
        offset.and_then(|offset| start_after(&directory, locations.key(offset.as_ref())));
    stream::try_unfold(Some(None::<ListToken>), move |state| {
        let storage = Arc::clone(&storage);
        let (directory, options, locations, listed) = (
            directory.clone(),
            options.clone(),
            locations.clone(),
            listed.clone(),
        );
        async move {
            let Some(token) = state else {
                return Ok::<_, object_store::Error>(None);
            };
            let page = storage
                .list_page(&directory, &options, token.as_ref())
                .await
                .map_err(|error| to_object_store(error, &listed, Intent::Plain))?;
            // Each entry becomes `object_store`'s as the stream reaches it: the page is
            // held once, as stowage's summaries.
            let metas = page.objects.into_iter().map(move |object| {
                let location = locations.path_of_key(object.path.key())?;
                Ok(summary_meta(location, object))
            });
            Ok(Some((stream::iter(metas), page.next.map(Some))))
        }
    })
    .try_flatten()
    .boxed()
}

/// The objects directly under `prefix` and the folders below it.
pub(crate) async fn with_delimiter(
    storage: &dyn ObjectStorage,
    locations: &Locations,
    prefix: Option<&Path>,
) -> object_store::Result<ListResult> {
    let listed = prefix.cloned().unwrap_or_default();
    let directory = locations.directory(prefix)?;
    let result = storage
        .list_objects(&directory, Some("/"))
        .await
        .map_err(|error| to_object_store(error, &listed, Intent::Plain))?;
    let page = ListPage {
        objects: result.objects,
        common_prefixes: result.common_prefixes,
        next: None,
    };
    list_result(locations, page, "/")
}

/// One page of a listing by raw string prefix, as S3 pages it.
pub(crate) async fn paginated(
    storage: &dyn ObjectStorage,
    locations: &Locations,
    prefix: Option<&str>,
    options: PaginatedListOptions,
) -> object_store::Result<PaginatedListResult> {
    let listed = Path::from(prefix.unwrap_or_default());
    let prefix: S3Path = locations.raw_prefix(prefix)?;
    let mut list = ListOptions::new();
    list.delimiter = options.delimiter.as_deref().map(str::to_owned);
    list.start_after = options
        .offset
        .as_deref()
        .and_then(|offset| start_after(&prefix, locations.key(offset)));
    list.page_size = options
        .max_keys
        .map(|keys| keys.clamp(1, MAX_PAGE_SIZE as usize) as u32);
    let token = options.page_token.map(ListToken::new);
    let page = storage
        .list_page(&prefix, &list, token.as_ref())
        .await
        .map_err(|error| to_object_store(error, &listed, Intent::Plain))?;
    let delimiter = options.delimiter.as_deref().unwrap_or("/");
    let page_token = page.next.as_ref().map(|token| token.as_str().to_owned());
    Ok(PaginatedListResult {
        result: list_result(locations, page, delimiter)?,
        page_token,
    })
}

/// The key a listing of `prefix` starts after, or `None` when every key under `prefix`
/// sorts after it anyway: Garage 2.5 lists nothing when `StartAfter` sorts before
/// `Prefix`, where S3 lists everything.
fn start_after(prefix: &S3Path, key: String) -> Option<String> {
    (key.as_str() >= prefix.key()).then_some(key)
}

fn list_result(
    locations: &Locations,
    page: ListPage,
    delimiter: &str,
) -> object_store::Result<ListResult> {
    let objects = page
        .objects
        .into_iter()
        .map(|object| {
            let location = locations.path_of_key(object.path.key())?;
            Ok(summary_meta(location, object))
        })
        .collect::<object_store::Result<_>>()?;
    let common_prefixes = page
        .common_prefixes
        .iter()
        .map(|prefix| locations.path_of_prefix(prefix.key(), delimiter))
        .collect::<object_store::Result<_>>()?;
    Ok(ListResult {
        objects,
        common_prefixes,
        extensions: Default::default(),
    })
}
