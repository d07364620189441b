//! The buckets and objects behind one lock, and the S3 rules for finding them.

use std::collections::BTreeMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

use stowage_core::{Error, PutMode, Result, S3Path};

use crate::bucket::Bucket;
use crate::errors::{no_such_bucket, not_found};
use crate::object::StoredObject;
use crate::write_mode;

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

    /// Creates `bucket` at `now` if it does not exist yet.
    pub(crate) fn create_bucket(&self, bucket: &str, now: SystemTime) {
        self.write()
            .entry(bucket.to_owned())
            .or_insert_with(|| Bucket::created_at(now));
    }

    /// Every bucket's name and creation time, in name order.
    pub(crate) fn buckets(&self) -> Vec<(String, Option<SystemTime>)> {
        self.read()
            .iter()
            .map(|(name, bucket)| (name.clone(), bucket.created()))
            .collect()
    }

    /// Deletes `bucket`, which must exist and hold no object (S3's `BucketNotEmpty`).
    pub(crate) fn delete_bucket(&self, bucket: &str) -> Result<()> {
        let mut buckets = self.write();
        match buckets.get(bucket) {
            None => Err(Error::NoSuchBucket {
                bucket: bucket.to_owned(),
            }),
            Some(found) if found.len() > 0 => Err(Error::Service {
                code: "BucketNotEmpty".to_owned(),
                status: 409,
                message: "The bucket you tried to delete is not empty".to_owned(),
                path: None,
            }),
            Some(_) => {
                buckets.remove(bucket);
                Ok(())
            }
        }
    }

    /// Stores `object` at `path` if `mode` allows it (see [`write_mode::check`]), checked
    /// and written under one write lock; a missing bucket is `NoSuchBucket`.
    pub(crate) fn put(
        &self,
        path: &S3Path,
        object: StoredObject,
        mode: &PutMode,
        operation: &'static str,
    ) -> Result<()> {
        let key = path.object_key()?;
        let replaced = {
            let mut buckets = self.write();
            let bucket = buckets
                .get_mut(path.bucket())
                .ok_or_else(|| no_such_bucket(path))?;
            write_mode::check(mode, || bucket.get(key), path, operation)?;
            bucket.put(key, object)
        };
        // The replaced object is freed after the lock is released.
        drop(replaced);
        Ok(())
    }

    /// Copies the object at `from` to `to` as `copy` makes it (or refuses it), if `mode`
    /// allows the write to `to`; all under one write lock, so the copy reads and writes one
    /// state.
    ///
    /// The source is looked up first (`NoSuchBucket`, then `NotFound` naming `from`), then
    /// `copy` runs, then the destination's bucket is looked up, then the mode.
    pub(crate) fn copy(
        &self,
        from: &S3Path,
        to: &S3Path,
        mode: &PutMode,
        operation: &'static str,
        copy: impl FnOnce(&StoredObject) -> Result<StoredObject>,
    ) -> Result<()> {
        let (from_key, to_key) = (from.object_key()?, to.object_key()?);
        let replaced = {
            let mut buckets = self.write();
            let source = buckets
                .get(from.bucket())
                .ok_or_else(|| no_such_bucket(from))?
                .get(from_key)
                .ok_or_else(|| not_found(from))?;
            let object = copy(source)?;
            let bucket = buckets
                .get_mut(to.bucket())
                .ok_or_else(|| no_such_bucket(to))?;
            write_mode::check(mode, || bucket.get(to_key), to, operation)?;
            bucket.put(to_key, object)
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

    /// `read` applied to the bucket of `path` under the lock, for listings; a missing
    /// bucket is `NoSuchBucket`.
    pub(crate) fn in_bucket<T>(
        &self,
        path: &S3Path,
        read: impl FnOnce(&Bucket) -> Result<T>,
    ) -> Result<T> {
        let buckets = self.read();
        let bucket = buckets
            .get(path.bucket())
            .ok_or_else(|| no_such_bucket(path))?;
        read(bucket)
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
}
