//! Listings with S3 semantics over `object_store`'s path-segment listings, whole or a page
//! at a time.
//!
//! S3 prefixes are string prefixes (`p` matches `p`, `pa` and `p/x`); `object_store`
//! prefixes are whole path segments (`p` matches `p/x` only). So a listing reads the
//! directory that holds the prefix's last, possibly partial, segment, recursively, keeps
//! the keys that start with the prefix as a string, and rolls them up at the delimiter
//! itself (any delimiter, `/` included).
//!
//! `object_store` promises no order, so a page reads every key after its starting point
//! and keeps the first `page size + 1` entries in key order: memory holds one page however
//! many keys there are, and the extra entry says whether another page follows. The
//! starting point is pushed down with `list_with_offset`.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use object_store::ObjectStore;
use stowage_core::{Error, ListOptions, ListPage, ListResult, ListToken, Result, S3Path};

use crate::adapter::ObjectStoreAdapter;
use crate::convert::summary;
use crate::errors::{Access, map_error};
use crate::keys;

/// Every object under `prefix` (complete: one pass over the keys), rolled up by
/// `delimiter`; see [`stowage::ObjectStorage::list_objects`].
///
/// [`stowage::ObjectStorage::list_objects`]: stowage_core::ObjectStorage::list_objects
pub(crate) async fn list_objects(
    adapter: &ObjectStoreAdapter,
    prefix: &S3Path,
    delimiter: Option<&str>,
) -> Result<ListResult> {
    let store = adapter.bucket(prefix)?.store.as_ref();
    let scan = Scan {
        prefix,
        delimiter: delimiter.filter(|d| !d.is_empty()),
        start_after: None,
        resume_after: None,
        limit: None,
        operation: "list_objects",
    };
    let (objects, common_prefixes) = split(prefix, scan.run(store).await?)?;
    Ok(ListResult {
        objects,
        common_prefixes,
    })
}

/// One page of a listing; see [`stowage::ObjectStorage::list_page`].
///
/// [`stowage::ObjectStorage::list_page`]: stowage_core::ObjectStorage::list_page
pub(crate) async fn list_page(
    adapter: &ObjectStoreAdapter,
    prefix: &S3Path,
    options: &ListOptions,
    token: Option<&ListToken>,
) -> Result<ListPage> {
    let page_size = usize::try_from(options.effective_page_size()?).unwrap_or(usize::MAX);
    let resume_after = token.map(|token| decode_token(token, prefix)).transpose()?;
    let store = adapter.bucket(prefix)?.store.as_ref();
    let scan = Scan {
        prefix,
        delimiter: options.delimiter.as_deref().filter(|d| !d.is_empty()),
        // `start_after` places the first page; a token places every later one.
        start_after: options.start_after.as_deref().filter(|_| token.is_none()),
        resume_after: resume_after.as_deref(),
        limit: Some(page_size.saturating_add(1)),
        operation: "list_page",
    };
    let mut entries = scan.run(store).await?;
    let next = if entries.len() > page_size {
        entries.pop_last();
        entries.last_key_value().map(|(name, _)| encode_token(name))
    } else {
        None
    };
    let (objects, common_prefixes) = split(prefix, entries)?;
    Ok(ListPage {
        objects,
        common_prefixes,
        next,
    })
}

/// One entry of a listing, by its name (a key, or a common prefix).
enum Entry {
    /// An object.
    Object(object_store::ObjectMeta),
    /// A common prefix: keys rolled up at the delimiter.
    Prefix,
}

/// One pass over the keys under a prefix.
struct Scan<'a> {
    /// Keys start with this prefix's key, as a string.
    prefix: &'a S3Path,
    /// Keys with this after the prefix roll up into a common prefix.
    delimiter: Option<&'a str>,
    /// Only keys after this one.
    start_after: Option<&'a str>,
    /// Only entries (keys and common prefixes) after this one.
    resume_after: Option<&'a str>,
    /// Keep only the first this many entries.
    limit: Option<usize>,
    /// The operation errors name.
    operation: &'static str,
}

impl Scan<'_> {
    /// The entries in key order: all of them, or the first `limit`.
    async fn run(&self, store: &dyn ObjectStore) -> Result<BTreeMap<String, Entry>> {
        match self.entries(store).await {
            // A directory that does not exist (or is a file) holds no keys: S3 lists nothing.
            Err(Error::NotFound { .. }) => Ok(BTreeMap::new()),
            other => other,
        }
    }

    /// [`Scan::run`], with a missing directory still an error.
    async fn entries(&self, store: &dyn ObjectStore) -> Result<BTreeMap<String, Entry>> {
        let wanted = self.prefix.key();
        let mut entries = BTreeMap::new();
        let Some(root) = keys::listing_root(wanted) else {
            // The prefix's directory part is not a path: no stored key can start with it.
            return Ok(entries);
        };
        // Every key listed is after both bounds; a key is at or after its entry's name.
        let lower = self.start_after.max(self.resume_after);
        let mut stream = match lower.and_then(keys::offset_at_or_before) {
            Some(offset) => store.list_with_offset(root.as_ref(), &offset),
            None => store.list(root.as_ref()),
        };
        while let Some(meta) = stream
            .try_next()
            .await
            .map_err(|e| map_error(e, self.prefix, Access::Read, self.operation))?
        {
            let key = meta.location.as_ref();
            let Some(rest) = key.strip_prefix(wanted) else {
                continue;
            };
            if self.start_after.is_some_and(|after| key <= after) {
                continue;
            }
            let rolled = self
                .delimiter
                .and_then(|d| rest.find(d).map(|at| wanted.len() + at + d.len()));
            let name = &key[..rolled.unwrap_or(key.len())];
            if self.resume_after.is_some_and(|after| name <= after) {
                continue;
            }
            if let Some(limit) = self.limit
                && entries.len() >= limit
                && entries
                    .last_key_value()
                    .is_some_and(|(last, _)| name >= last.as_str())
            {
                continue;
            }
            let name = name.to_owned();
            let entry = match rolled {
                Some(_) => Entry::Prefix,
                None => Entry::Object(meta),
            };
            entries.entry(name).or_insert(entry);
            if self.limit.is_some_and(|limit| entries.len() > limit) {
                entries.pop_last();
            }
        }
        Ok(entries)
    }
}

/// The objects and the common prefixes of `entries`, each in key order.
fn split(
    prefix: &S3Path,
    entries: BTreeMap<String, Entry>,
) -> Result<(Vec<stowage_core::ObjectSummary>, Vec<S3Path>)> {
    let mut objects = Vec::new();
    let mut common_prefixes = Vec::new();
    for (name, entry) in entries {
        let path = S3Path::new(prefix.bucket(), &name)?;
        match entry {
            Entry::Object(meta) => objects.push(summary(path, &meta)),
            Entry::Prefix => common_prefixes.push(path),
        }
    }
    Ok((objects, common_prefixes))
}

/// The token of a page whose last entry is `name`: its UTF-8 bytes in hex, so that it
/// travels in a URL as it is.
fn encode_token(name: &str) -> ListToken {
    ListToken::new(hex::encode(name))
}

/// The entry a token resumes after; [`Error::InvalidArgument`] for a token no listing
/// under `prefix` gave.
fn decode_token(token: &ListToken, prefix: &S3Path) -> Result<String> {
    hex::decode(token.as_str())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|name| !name.is_empty() && name.starts_with(prefix.key()))
        .ok_or_else(|| {
            Error::invalid_argument("the list token was not given by a listing under this prefix")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_strangers() {
        let prefix = S3Path::new("bucket", "logs/").unwrap();
        let token = encode_token("logs/2026-11-01");
        assert_eq!(decode_token(&token, &prefix).unwrap(), "logs/2026-11-01");
        assert!(
            !token.as_str().contains('/'),
            "URL-safe: {:?}",
            token.as_str()
        );
        for bad in [
            ListToken::new("zz"),
            ListToken::new(""),
            ListToken::new(hex::encode("other/key")),
            ListToken::new(hex::encode([0xff, 0xfe])),
        ] {
            let error = decode_token(&bad, &prefix).unwrap_err();
            assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
        }
    }
}
