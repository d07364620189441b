//! Listings with S3 semantics over `object_store`'s path-segment listings.
//!
//! S3 prefixes are string prefixes (`p` matches `p`, `pa` and `p/x`); `object_store`
//! prefixes are whole path segments (`p` matches `p/x` only). So a listing reads the
//! directory that holds the prefix's last, possibly partial, segment and keeps the keys
//! that start with the prefix as a string. A `/` delimiter uses the store's own
//! delimited listing; any other delimiter is applied to a full recursive listing.

use std::collections::BTreeSet;

use futures::TryStreamExt;
use object_store::ObjectStore;
use stowage_core::{Error, ListResult, Result, S3Path};

use crate::convert::summary;
use crate::errors::map_bucket_error;
use crate::keys;

/// Every object under `prefix` (complete: every page), rolled up by `delimiter`.
pub(crate) async fn list(
    store: &dyn ObjectStore,
    prefix: &S3Path,
    delimiter: Option<&str>,
) -> Result<ListResult> {
    match list_inner(store, prefix, delimiter).await {
        // A directory that does not exist (or is a file) holds no keys: S3 lists nothing.
        Err(Error::NotFound { .. }) => Ok(ListResult::default()),
        other => other,
    }
}

async fn list_inner(
    store: &dyn ObjectStore,
    prefix: &S3Path,
    delimiter: Option<&str>,
) -> Result<ListResult> {
    let wanted = prefix.key();
    let Some(root) = keys::listing_root(wanted) else {
        // The prefix's directory part is not a path: no stored key can start with it.
        return Ok(ListResult::default());
    };
    let mut objects = Vec::new();
    let mut common = BTreeSet::new();
    match delimiter.filter(|d| !d.is_empty()) {
        Some("/") => {
            let listing = store
                .list_with_delimiter(root.as_ref())
                .await
                .map_err(|e| map_bucket_error(e, prefix))?;
            for meta in &listing.objects {
                if meta.location.as_ref().starts_with(wanted) {
                    objects.push(summary(key_path(prefix, meta.location.as_ref())?, meta));
                }
            }
            for dir in listing.common_prefixes {
                let rolled = format!("{}/", dir.as_ref());
                if rolled.starts_with(wanted) {
                    common.insert(rolled);
                }
            }
        }
        delimiter => {
            let mut stream = store.list(root.as_ref());
            while let Some(meta) = stream
                .try_next()
                .await
                .map_err(|e| map_bucket_error(e, prefix))?
            {
                let key = meta.location.as_ref();
                let Some(rest) = key.strip_prefix(wanted) else {
                    continue;
                };
                if let Some(at) = delimiter.and_then(|d| rest.find(d).map(|at| at + d.len())) {
                    common.insert(key[..wanted.len() + at].to_owned());
                } else {
                    objects.push(summary(key_path(prefix, key)?, &meta));
                }
            }
        }
    }
    objects.sort_unstable_by(|a, b| a.path.key().cmp(b.path.key()));
    let common_prefixes = common
        .into_iter()
        .map(|key| key_path(prefix, &key))
        .collect::<Result<_>>()?;
    Ok(ListResult {
        objects,
        common_prefixes,
    })
}

fn key_path(prefix: &S3Path, key: &str) -> Result<S3Path> {
    Ok(S3Path::new(prefix.bucket(), key)?)
}
