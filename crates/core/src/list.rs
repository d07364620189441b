//! Listings page by page: options, pages, resumable tokens, and a stream of pages.

use std::fmt;

use futures::stream::{self, BoxStream, StreamExt};

use crate::error::{Error, Result};
use crate::meta::ObjectSummary;
use crate::path::S3Path;
use crate::storage::ObjectStorage;

/// S3's largest page: 1000 keys and common prefixes.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Options for a listing: delimiter, where to start, page size.
///
/// ```
/// use stowage::ListOptions;
/// let options = ListOptions::new().delimiter("/").start_after("logs/2026-11-01").page_size(100);
/// assert_eq!(options.page_size, Some(100));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListOptions {
    /// Keys with this after the prefix roll up into common prefixes.
    pub delimiter: Option<String>,
    /// Only keys after this one (in UTF-8 byte order); used by the first page only.
    pub start_after: Option<String>,
    /// At most this many objects and common prefixes per page, 1 to 1000 (1000 when unset).
    pub page_size: Option<u32>,
}

impl ListOptions {
    /// No delimiter, from the start, pages of 1000.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rolls keys up at this delimiter.
    pub fn delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into());
        self
    }

    /// Starts after this key.
    pub fn start_after(mut self, key: impl Into<String>) -> Self {
        self.start_after = Some(key.into());
        self
    }

    /// Entries per page.
    pub fn page_size(mut self, entries: u32) -> Self {
        self.page_size = Some(entries);
        self
    }

    /// The page size in force, or [`Error::InvalidArgument`] outside 1..=1000.
    pub fn effective_page_size(&self) -> Result<u32> {
        match self.page_size {
            None => Ok(MAX_PAGE_SIZE),
            Some(size @ 1..=MAX_PAGE_SIZE) => Ok(size),
            Some(size) => Err(Error::invalid_argument(format!(
                "a listing page holds 1 to {MAX_PAGE_SIZE} entries, not {size}"
            ))),
        }
    }
}

/// Where a listing resumes: an opaque value a caller may store (in a URL, say) and hand back
/// to [`ObjectStorage::list_page`] later.
///
/// It may encode a key, so `Debug` shows only its length.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ListToken(String);

impl ListToken {
    /// A token from its string form, as [`ListToken::as_str`] gave it.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The string form, to store or send.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ListToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ListToken(<{} bytes>)", self.0.len())
    }
}

/// One page of a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPage {
    /// The objects of this page, in key order.
    pub objects: Vec<ObjectSummary>,
    /// The common prefixes of this page, in order.
    pub common_prefixes: Vec<S3Path>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<ListToken>,
}

/// Listing as a stream, for every [`ObjectStorage`].
pub trait ListStreamExt: ObjectStorage {
    /// Every page of a listing, read one at a time as the stream is polled: memory holds
    /// one page, whatever the number of keys.
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// use stowage::{ListOptions, ListStreamExt, ObjectStorage, Result, S3Path};
    ///
    /// async fn count(storage: &dyn ObjectStorage, prefix: &S3Path) -> Result<usize> {
    ///     let options = ListOptions::new();
    ///     storage
    ///         .list_pages(prefix, &options)
    ///         .try_fold(0, |n, page| async move { Ok(n + page.objects.len()) })
    ///         .await
    /// }
    /// ```
    fn list_pages<'a>(
        &'a self,
        prefix: &'a S3Path,
        options: &'a ListOptions,
    ) -> BoxStream<'a, Result<ListPage>> {
        let state = Some(None::<ListToken>);
        stream::unfold(state, move |state| async move {
            let token = state?;
            match self.list_page(prefix, options, token.as_ref()).await {
                Ok(page) => {
                    let next = page.next.clone().map(Some);
                    Some((Ok(page), next))
                }
                Err(error) => Some((Err(error), None)),
            }
        })
        .boxed()
    }
}

impl<T: ObjectStorage + ?Sized> ListStreamExt for T {}

/// A complete listing: every page has been read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListResult {
    /// The objects, in S3's order (ascending UTF-8 bytes of the key).
    pub objects: Vec<ObjectSummary>,
    /// With a delimiter, the distinct key prefixes up to and including the delimiter, sorted.
    pub common_prefixes: Vec<S3Path>,
}

impl ListResult {
    /// The objects' paths, in listing order.
    pub fn paths(&self) -> impl Iterator<Item = &S3Path> {
        self.objects.iter().map(|object| &object.path)
    }
}
