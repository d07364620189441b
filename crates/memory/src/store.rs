//! The buckets and objects, and the S3 rules for reading and writing them.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use md5::{Digest, Md5};
use stowage_core::{Error, ListResult, ObjectMeta, ObjectSummary, PutOptions, Result, S3Path};

use crate::bucket::Bucket;

/// One stored object, held in its bucket's slab.
#[derive(Debug, Clone)]
pub(crate) struct StoredObject {
    pub(crate) data: Bytes,
    /// MD5 of the body; the ETag is its quoted hex.
    md5: [u8; 16],
    pub(crate) last_modified: SystemTime,
    /// Borrowed for the default type, so most objects carry no allocation for it.
    pub(crate) content_type: Option<Cow<'static, str>>,
    pub(crate) metadata: BTreeMap<String, String>,
}

impl StoredObject {
    /// A freshly written object: quoted MD5 ETag, whole-second timestamp, lowercased metadata names.
    pub(crate) fn new(data: Bytes, options: PutOptions, now: SystemTime) -> Self {
        let md5 = Md5::digest(&data).into();
        let metadata = options
            .metadata
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .collect();
        Self {
            data,
            md5,
            last_modified: whole_seconds(now),
            content_type: options.content_type.map(Cow::Owned),
            metadata,
        }
    }

    /// The ETag as S3 returns it: the quoted MD5 hex of the body.
    pub(crate) fn etag(&self) -> String {
        let mut etag = [b'"'; 34];
        hex::encode_to_slice(self.md5, &mut etag[1..33]).expect("32 hex digits for 16 bytes");
        String::from_utf8(etag.to_vec()).expect("quotes and hex digits are ASCII")
    }

    pub(crate) fn meta(&self, path: &S3Path) -> ObjectMeta {
        ObjectMeta {
            path: path.clone(),
            size: self.data.len() as u64,
            etag: Some(self.etag()),
            last_modified: Some(self.last_modified),
            content_type: self.content_type.as_deref().map(str::to_owned),
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

type Buckets = BTreeMap<String, Bucket>;

/// Buckets by name; keys in each bucket sorted by UTF-8 bytes, as S3 lists them.
#[derive(Debug, Default)]
pub(crate) struct Store {
    buckets: RwLock<Buckets>,
}

impl Store {
    fn read(&self) -> RwLockReadGuard<'_, Buckets> {
        self.buckets
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Buckets> {
        self.buckets
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn create_bucket(&self, bucket: &str) {
        self.write().entry(bucket.to_owned()).or_default();
    }

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

    pub(crate) fn delete(&self, path: &S3Path) -> Result<()> {
        let key = path.object_key()?;
        let mut buckets = self.write();
        let bucket = buckets
            .get_mut(path.bucket())
            .ok_or_else(|| no_such_bucket(path))?;
        let removed = bucket.remove(key);
        drop(buckets);
        drop(removed);
        Ok(())
    }

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

pub(crate) fn not_found(path: &S3Path) -> Error {
    Error::NotFound { path: path.clone() }
}

pub(crate) fn no_such_bucket(path: &S3Path) -> Error {
    Error::NoSuchBucket {
        bucket: path.bucket().to_owned(),
    }
}
