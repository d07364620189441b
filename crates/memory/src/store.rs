//! The buckets and objects, and the S3 rules for reading and writing them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use md5::{Digest, Md5};
use stowage_core::{Error, ListResult, ObjectMeta, ObjectSummary, PutOptions, Result, S3Path};

/// One stored object.
#[derive(Debug, Clone)]
pub(crate) struct StoredObject {
    pub(crate) data: Bytes,
    pub(crate) etag: String,
    pub(crate) last_modified: SystemTime,
    pub(crate) content_type: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
}

impl StoredObject {
    /// A freshly written object: quoted MD5 ETag, whole-second timestamp, lowercased metadata names.
    pub(crate) fn new(data: Bytes, options: PutOptions, now: SystemTime) -> Self {
        let etag = format!("\"{}\"", hex::encode(Md5::digest(&data)));
        let metadata = options
            .metadata
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .collect();
        Self {
            data,
            etag,
            last_modified: whole_seconds(now),
            content_type: options.content_type,
            metadata,
        }
    }

    pub(crate) fn meta(&self, path: &S3Path) -> ObjectMeta {
        ObjectMeta {
            path: path.clone(),
            size: self.data.len() as u64,
            etag: Some(self.etag.clone()),
            last_modified: Some(self.last_modified),
            content_type: self.content_type.clone(),
            metadata: self.metadata.clone(),
        }
    }
}

/// S3 reports modification times to the second.
fn whole_seconds(instant: SystemTime) -> SystemTime {
    let secs = instant
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// Buckets by name; keys in each bucket sorted by UTF-8 bytes, as S3 lists them.
#[derive(Debug, Default)]
pub(crate) struct Store {
    buckets: RwLock<BTreeMap<String, BTreeMap<String, StoredObject>>>,
}

impl Store {
    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, BTreeMap<String, StoredObject>>> {
        self.buckets
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, BTreeMap<String, StoredObject>>> {
        self.buckets
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn create_bucket(&self, bucket: &str) {
        self.write().entry(bucket.to_owned()).or_default();
    }

    pub(crate) fn put(&self, path: &S3Path, object: StoredObject) -> Result<()> {
        let key = path.object_key()?;
        let mut buckets = self.write();
        let objects = buckets
            .get_mut(path.bucket())
            .ok_or_else(|| no_such_bucket(path))?;
        objects.insert(key.to_owned(), object);
        Ok(())
    }

    /// The object at `path`; a missing bucket is `NoSuchBucket`, a missing key `NotFound`.
    pub(crate) fn get(&self, path: &S3Path) -> Result<StoredObject> {
        let key = path.object_key()?;
        let buckets = self.read();
        let objects = buckets
            .get(path.bucket())
            .ok_or_else(|| no_such_bucket(path))?;
        objects.get(key).cloned().ok_or_else(|| not_found(path))
    }

    /// Like [`Store::get`], but a missing bucket is also plain `NotFound`, because S3's
    /// HeadObject answers both with a bodiless 404 that cannot tell them apart.
    pub(crate) fn head(&self, path: &S3Path) -> Result<StoredObject> {
        self.get(path).map_err(|error| match error {
            Error::NoSuchBucket { .. } => not_found(path),
            other => other,
        })
    }

    pub(crate) fn delete(&self, path: &S3Path) -> Result<()> {
        let key = path.object_key()?;
        let mut buckets = self.write();
        let objects = buckets
            .get_mut(path.bucket())
            .ok_or_else(|| no_such_bucket(path))?;
        objects.remove(key);
        Ok(())
    }

    pub(crate) fn bucket_exists(&self, bucket: &str) -> bool {
        self.read().contains_key(bucket)
    }

    /// Every key under the prefix, with common prefixes when a delimiter is given.
    pub(crate) fn list(&self, prefix: &S3Path, delimiter: Option<&str>) -> Result<ListResult> {
        let buckets = self.read();
        let objects = buckets
            .get(prefix.bucket())
            .ok_or_else(|| no_such_bucket(prefix))?;
        let delimiter = delimiter.filter(|d| !d.is_empty());
        let mut result = ListResult::default();
        let mut common_prefixes = BTreeSet::new();
        let keys = objects
            .range::<str, _>((
                std::ops::Bound::Included(prefix.key()),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(key, _)| key.starts_with(prefix.key()));
        for (key, object) in keys {
            let rest = &key[prefix.key().len()..];
            if let Some(index) = delimiter.and_then(|d| rest.find(d).map(|i| i + d.len())) {
                common_prefixes.insert(key[..prefix.key().len() + index].to_owned());
                continue;
            }
            result.objects.push(ObjectSummary {
                path: S3Path::new(prefix.bucket(), key.as_str())?,
                size: object.data.len() as u64,
                etag: Some(object.etag.clone()),
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

pub(crate) fn not_found(path: &S3Path) -> Error {
    Error::NotFound { path: path.clone() }
}

pub(crate) fn no_such_bucket(path: &S3Path) -> Error {
    Error::NoSuchBucket {
        bucket: path.bucket().to_owned(),
    }
}
