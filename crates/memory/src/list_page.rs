//! Listings: the entries under a prefix in key order, cut into pages or read whole.

use stowage_core::{ListPage, ListResult, ObjectSummary, Result, S3Path};

use crate::bucket::Bucket;
use crate::list_token;
use crate::object::StoredObject;

/// One entry of a listing: an object, or a common prefix standing for every key under it.
enum Entry<'a> {
    /// An object and its key.
    Object(&'a str, &'a StoredObject),
    /// A common prefix, up to and including the delimiter.
    Prefix(&'a str),
}

impl<'a> Entry<'a> {
    /// The key or common prefix: where a listing that ends here resumes after.
    fn name(&self) -> &'a str {
        match *self {
            Self::Object(key, _) => key,
            Self::Prefix(prefix) => prefix,
        }
    }
}

/// The entries of a listing of `prefix` (a key prefix) in `bucket`, in key order, strictly
/// after `after`: objects and common prefixes merged, each common prefix once.
///
/// A common prefix equal to `after` is the one a previous page ended with, so it is not
/// listed again; every key under it is skipped.
fn entries<'a>(
    bucket: &'a Bucket,
    prefix: &'a str,
    delimiter: Option<&'a str>,
    after: Option<&'a str>,
) -> impl Iterator<Item = Entry<'a>> + 'a {
    let mut previous = after;
    bucket
        .with_prefix(prefix, after)
        .filter_map(move |(key, object)| {
            let rest = &key[prefix.len()..];
            let Some(end) = delimiter.and_then(|d| rest.find(d).map(|at| at + d.len())) else {
                return Some(Entry::Object(key, object));
            };
            // The keys under one common prefix are adjacent: it is listed at the first.
            let common = &key[..prefix.len() + end];
            if previous == Some(common) {
                return None;
            }
            previous = Some(common);
            Some(Entry::Prefix(common))
        })
}

/// The listing of `prefix` as a whole, or one page of it.
pub(crate) struct Listing<'a> {
    /// The listed prefix; its bucket and key.
    prefix: &'a S3Path,
    /// The delimiter, if a non-empty one was given.
    delimiter: Option<&'a str>,
    /// List strictly after this key or common prefix.
    after: Option<&'a str>,
}

impl<'a> Listing<'a> {
    /// The listing of `prefix`, rolled up at `delimiter` (an empty one counts as none),
    /// strictly after the key or common prefix `after`.
    pub(crate) fn new(
        prefix: &'a S3Path,
        delimiter: Option<&'a str>,
        after: Option<&'a str>,
    ) -> Self {
        Self {
            prefix,
            delimiter: delimiter.filter(|d| !d.is_empty()),
            after,
        }
    }

    /// The entries of this listing in `bucket`.
    fn entries<'b>(&'b self, bucket: &'b Bucket) -> impl Iterator<Item = Entry<'b>> + 'b {
        entries(bucket, self.prefix.key(), self.delimiter, self.after)
    }

    /// At most `page_size` entries, and a token when more follow.
    pub(crate) fn page(&self, bucket: &Bucket, page_size: usize) -> Result<ListPage> {
        let mut page = ListPage::default();
        let mut entries = self.entries(bucket);
        let mut last = None;
        for entry in entries.by_ref().take(page_size) {
            last = Some(entry.name());
            self.push(entry, &mut page.objects, &mut page.common_prefixes)?;
        }
        if let Some(last) = last
            && entries.next().is_some()
        {
            page.next = Some(list_token::encode(last));
        }
        Ok(page)
    }

    /// Every entry: the same objects and common prefixes as reading every page.
    pub(crate) fn all(&self, bucket: &Bucket) -> Result<ListResult> {
        let mut result = ListResult::default();
        if self.delimiter.is_none() && self.prefix.key().is_empty() {
            // A whole-bucket listing returns every object: size the vector once.
            result.objects.reserve_exact(bucket.len());
        }
        for entry in self.entries(bucket) {
            self.push(entry, &mut result.objects, &mut result.common_prefixes)?;
        }
        Ok(result)
    }

    /// Adds `entry` to the objects or the common prefixes.
    fn push(
        &self,
        entry: Entry<'_>,
        objects: &mut Vec<ObjectSummary>,
        common_prefixes: &mut Vec<S3Path>,
    ) -> Result<()> {
        // `join` keeps the already-validated bucket and checks only the key's length.
        let rest = &entry.name()[self.prefix.key().len()..];
        match entry {
            Entry::Object(_, object) => objects.push(ObjectSummary {
                path: self.prefix.join(rest)?,
                size: object.data.len() as u64,
                etag: Some(object.etag()),
                last_modified: Some(object.last_modified),
            }),
            Entry::Prefix(_) => common_prefixes.push(self.prefix.join(rest)?),
        }
        Ok(())
    }
}
