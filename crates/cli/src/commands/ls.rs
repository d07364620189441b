//! `ls`: a listing streamed page by page, in key order.

use std::io::{ErrorKind, Write};

use futures::StreamExt;
use stowage_core::{ListOptions, ListPage, ListStreamExt, MAX_PAGE_SIZE, S3Path};

use super::error::{CliError, CmdResult, EXIT_OK};
use super::{Settings, parse_path};
use crate::cli::LsArgs;

/// Prints every object (and with a delimiter, every common prefix) under the prefix, one
/// `s3://` path per line, each page as soon as it arrives; stops after `--limit` lines
/// without reading further pages, or quietly when the reader closes the pipe.
pub(super) async fn ls(settings: &Settings, args: &LsArgs) -> CmdResult {
    let prefix = parse_path("S3PREFIX", &args.prefix)?;
    if args.delimiter.as_deref() == Some("") {
        return Err(CliError::Invalid(
            "invalid --delimiter: it must not be empty".to_owned(),
        ));
    }
    let options = list_options(args);
    let storage = settings.storage(None).await?;
    let mut pages = storage.list_pages(&prefix, &options);
    let mut remaining = args.limit.unwrap_or(u64::MAX);
    let mut last_prefix: Option<S3Path> = None;
    while remaining > 0 {
        let Some(page) = pages.next().await else {
            break;
        };
        let page = page?;
        let mut text = String::new();
        for entry in in_key_order(&page) {
            if remaining == 0 {
                break;
            }
            if let Entry::Prefix(path) = entry {
                // A common prefix is listed once, even if a store repeats it on a later page.
                if last_prefix.as_ref() == Some(path) {
                    continue;
                }
                last_prefix = Some(path.clone());
            }
            text.push_str(entry.path().as_str());
            text.push('\n');
            remaining -= 1;
        }
        match print(&text) {
            Ok(()) => {}
            // The reader has what it wanted (`ls | head`): stop listing, quietly.
            Err(error) if error.kind() == ErrorKind::BrokenPipe => return Ok(EXIT_OK),
            Err(error) => {
                return Err(CliError::Local(format!(
                    "cannot write the listing: {error}"
                )));
            }
        }
    }
    Ok(EXIT_OK)
}

/// The listing options the flags ask for; with `--limit N`, pages hold at most N entries.
fn list_options(args: &LsArgs) -> ListOptions {
    let mut options = ListOptions::new();
    if let Some(delimiter) = &args.delimiter {
        options = options.delimiter(delimiter.clone());
    }
    if let Some(key) = &args.start_after {
        options = options.start_after(key.clone());
    }
    let limit = args
        .limit
        .map(|limit| u32::try_from(limit).unwrap_or(MAX_PAGE_SIZE));
    match (args.page_size, limit) {
        (Some(size), Some(limit)) => options.page_size(size.min(limit)),
        (None, Some(limit)) => options.page_size(limit.min(MAX_PAGE_SIZE)),
        (Some(size), None) => options.page_size(size),
        (None, None) => options,
    }
}

/// Writes one page's lines to stdout and flushes them, so they show before the next page
/// is requested.
pub(super) fn print(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// One line of a listing.
#[derive(Debug, Clone, Copy)]
enum Entry<'a> {
    /// An object.
    Object(&'a S3Path),
    /// A common prefix.
    Prefix(&'a S3Path),
}

impl<'a> Entry<'a> {
    /// The printed path.
    fn path(self) -> &'a S3Path {
        match self {
            Entry::Object(path) | Entry::Prefix(path) => path,
        }
    }
}

/// A page's objects and common prefixes merged in key order (UTF-8 bytes), as S3 orders
/// them across the whole listing: both lists are sorted, and a page covers one span of keys.
fn in_key_order(page: &ListPage) -> Vec<Entry<'_>> {
    let mut objects = page.objects.iter().map(|o| &o.path).peekable();
    let mut prefixes = page.common_prefixes.iter().peekable();
    let mut merged = Vec::with_capacity(page.objects.len() + page.common_prefixes.len());
    loop {
        let entry = match (objects.peek(), prefixes.peek()) {
            (Some(object), Some(prefix)) if object.key() <= prefix.key() => {
                objects.next().map(Entry::Object)
            }
            (_, Some(_)) => prefixes.next().map(Entry::Prefix),
            (Some(_), None) => objects.next().map(Entry::Object),
            (None, None) => None,
        };
        match entry {
            Some(entry) => merged.push(entry),
            None => return merged,
        }
    }
}

#[cfg(test)]
mod tests {
    use stowage_core::ObjectSummary;

    use super::*;

    /// A path in bucket `bucket`.
    fn path(key: &str) -> S3Path {
        S3Path::new("bucket", key).unwrap()
    }

    /// Common prefixes fall between the objects around them.
    #[test]
    fn objects_and_prefixes_merge_in_key_order() {
        let mut page = ListPage::default();
        for key in ["p/a", "p/c", "p/e"] {
            page.objects.push(ObjectSummary {
                path: path(key),
                size: 0,
                etag: None,
                last_modified: None,
            });
        }
        page.common_prefixes = vec![path("p/b/"), path("p/d/"), path("p/f/")];
        let keys: Vec<&str> = in_key_order(&page)
            .into_iter()
            .map(|entry| entry.path().key())
            .collect();
        assert_eq!(keys, ["p/a", "p/b/", "p/c", "p/d/", "p/e", "p/f/"]);
    }
}
