//! The buckets and objects, and the S3 rules for reading and writing them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use stowage_core::{Error, ListResult, ObjectSummary, Result, S3Path};

use crate::bucket::Bucket;
use crate::object::StoredObject;

/// Buckets by name.
type Buckets = BTreeMap<String, Bucket>;

/// Buckets by name; keys in each bucket sorted by UTF-8 bytes, as S3 lists them.
#[derive(Debug, Default)]
pub(crate) struct Store {
    /// Every bucket, behind one lock.
    buckets: RwLock<Buckets>,
}

impl Store {
    /// The buckets, locked for reading; a poisoned lock is still read.
    fn read(&self) -> RwLockReadGuard<'_, Buckets> {
        self.buckets
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The buckets, locked for writing; a poisoned lock is still written.
    fn write(&self) -> RwLockWriteGuard<'_, Buckets> {
        self.buckets
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Creates `bucket` if it does not exist yet.
    pub(crate) fn create_bucket(&self, bucket: &str) {
        self.write().entry(bucket.to_owned()).or_default();
    }

    /// Stores `object` at `path`, replacing any object there; a missing bucket is
    /// `NoSuchBucket`.
    pub(crate) fn put(&self, path: &S3Path, object: StoredObject) -> Result<()> {
        let key = path.object_key()?;
        let replaced = {
            let mut buckets = self.write();
            let bucket = buckets
                .get_mut(path.bucket())
                .ok_or_else(|| no_such_bucket(path))?;
            bucket.put(key, object)
        };
        // The replaced object is freed after the lock is released.
        drop(replaced);
        Ok(())
    }

    /// `read` applied to the object at `path` under the lock, so only what it takes is
    /// copied; a missing bucket is `NoSuchBucket`, a missing key `NotFound`.
    pub(crate) fn get<T>(&self, path: &S3Path, read: impl FnOnce(&StoredObject) -> T) -> Result<T> {
        let key = path.object_key()?;
        let buckets = self.read();
        let bucket = buckets
            .get(path.bucket())
            .ok_or_else(|| no_such_bucket(path))?;
        bucket.get(key).map(read).ok_or_else(|| not_found(path))
    }

    /// Like [`Store::get`], but a missing bucket is also plain `NotFound`, because S3's
    /// HeadObject answers both with a bodiless 404 that cannot tell them apart.
    pub(crate) fn head<T>(
        &self,
        path: &S3Path,
        read: impl FnOnce(&StoredObject) -> T,
    ) -> Result<T> {
        self.get(path, read).map_err(|error| match error {
            Error::NoSuchBucket { .. } => not_found(path),
            other => other,
        })
    }

    /// Deletes the object at `path`; a missing key is not an error, a missing bucket is
    /// `NoSuchBucket`.
    pub(crate) fn delete(&self, path: &S3Path) -> Result<()> {
        let key = path.object_key()?;
        let mut buckets = self.write();
        let bucket = buckets
            .get_mut(path.bucket())
            .ok_or_else(|| no_such_bucket(path))?;
        let removed = bucket.remove(key);
        // The removed object is freed after the lock is released.
        drop(buckets);
        drop(removed);
        Ok(())
    }

    /// Whether `bucket` exists.
    pub(crate) fn bucket_exists(&self, bucket: &str) -> bool {
        self.read().contains_key(bucket)
    }

    /// Every key under the prefix, with common prefixes when a delimiter is given.
    pub(crate) fn list(&self, prefix: &S3Path, delimiter: Option<&str>) -> Result<ListResult> {
        let buckets = self.read();
        let bucket = buckets
            .get(prefix.bucket())
            .ok_or_else(|| no_such_bucket(prefix))?;
        let delimiter = delimiter.filter(|d| !d.is_empty());
        let mut result = ListResult::default();
        if delimiter.is_none() && prefix.key().is_empty() {
            // A whole-bucket listing returns every object: size the vector once.
            result.objects.reserve_exact(bucket.len());
        }
        let mut common_prefixes = BTreeSet::new();
        for (key, object) in bucket.with_prefix(prefix.key()) {
            let rest = &key[prefix.key().len()..];
            if let Some(index) = delimiter.and_then(|d| rest.find(d).map(|i| i + d.len())) {
                common_prefixes.insert(key[..prefix.key().len() + index].to_owned());
                continue;
            }
            result.objects.push(ObjectSummary {
                // `join` keeps the already-validated bucket and checks only the key.
                path: prefix.join(rest)?,
                size: object.data.len() as u64,
                etag: Some(object.etag()),
                last_modified: Some(object.last_modified),
            });
        }
        result.common_prefixes = common_prefixes
            .into_iter()
            .map(|key| S3Path::new(prefix.bucket(), key))
            .collect::<std::result::Result<_, _>>()?;
        Ok(result)
    }
}

/// The error for a missing key.
pub(crate) fn not_found(path: &S3Path) -> Error {
    Error::NotFound { path: path.clone() }
}

/// The error for a missing bucket.
pub(crate) fn no_such_bucket(path: &S3Path) -> Error {
    Error::NoSuchBucket {
        bucket: path.bucket().to_owned(),
    }
}
