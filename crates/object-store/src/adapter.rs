//! [`ObjectStoreAdapter`]: bucket names mapped to `object_store` stores.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::multipart::MultipartStore;
use object_store::path::Path;
use stowage_core::transfer::TransferSettings;
use stowage_core::{Error, Result, S3Path, TtlLimits};

use crate::errors::unsupported;
use crate::keys;

/// One bucket: the store that holds it, the signer that presigns its URLs and the store
/// of the uploads callers drive part by part, if any.
#[derive(Clone)]
pub(crate) struct Bucket {
    pub(crate) store: Arc<dyn ObjectStore>,
    #[cfg(feature = "signer")]
    pub(crate) signer: Option<Arc<dyn object_store::signer::Signer>>,
    pub(crate) parts: Option<Arc<dyn MultipartStore>>,
}

/// An [`ObjectStorage`](stowage_core::ObjectStorage) over any `object_store::ObjectStore`:
/// each S3 bucket name maps to one store (a local directory, an `InMemory` store, a GCS
/// bucket, an Azure container, ...).
///
/// Cheap to clone: clones share the stores. See the [crate docs](crate) for the differences
/// from S3 that a store may show.
///
/// ```
/// use std::sync::Arc;
/// use object_store::memory::InMemory;
/// use stowage::{ObjectStorage, PutOptions, S3Path};
/// use stowage_object_store::ObjectStoreAdapter;
///
/// # futures::executor::block_on(async {
/// let storage = ObjectStoreAdapter::builder()
///     .bucket("reports", Arc::new(InMemory::new()))
///     .build()?;
/// let path = S3Path::parse("s3://reports/2024/q1.csv")?;
/// storage.put_object(&path, "a,b\n".into(), PutOptions::new()).await?;
/// assert!(storage.object_exists(&path).await?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct ObjectStoreAdapter {
    pub(crate) buckets: Arc<BTreeMap<String, Bucket>>,
    pub(crate) ttl_limits: TtlLimits,
    /// When puts go as multipart uploads, their part size and parts in flight.
    pub(crate) transfer: TransferSettings,
}

impl ObjectStoreAdapter {
    /// A builder: add buckets, then [`ObjectStoreAdapterBuilder::build`].
    pub fn builder() -> ObjectStoreAdapterBuilder {
        ObjectStoreAdapterBuilder::default()
    }

    /// The store behind `path`'s bucket, or [`Error::NoSuchBucket`].
    pub(crate) fn bucket(&self, path: &S3Path) -> Result<&Bucket> {
        self.buckets
            .get(path.bucket())
            .ok_or_else(|| Error::NoSuchBucket {
                bucket: path.bucket().to_owned(),
            })
    }

    /// The store and path of an object that is read: a key that is not a path cannot
    /// exist, so it is [`Error::NotFound`].
    pub(crate) fn read_target(&self, path: &S3Path) -> Result<(&dyn ObjectStore, Path)> {
        path.object_key()?;
        let store = self.bucket(path)?.store.as_ref();
        let location =
            keys::to_path(path.key()).map_err(|_| Error::NotFound { path: path.clone() })?;
        Ok((store, location))
    }

    /// The store and path of an object that is written: a key that is not a path is
    /// refused with [`Error::InvalidArgument`].
    pub(crate) fn write_target(&self, path: &S3Path) -> Result<(&dyn ObjectStore, Path)> {
        path.object_key()?;
        let store = self.bucket(path)?.store.as_ref();
        Ok((store, keys::write_path(path)?))
    }

    /// The multipart store and path of an upload a caller drives, or `Unsupported` named
    /// `operation` for a bucket built without one.
    pub(crate) fn parts_target(
        &self,
        path: &S3Path,
        operation: &'static str,
    ) -> Result<(&dyn MultipartStore, Path)> {
        path.object_key()?;
        let parts = self
            .bucket(path)?
            .parts
            .as_deref()
            .ok_or_else(|| unsupported(operation))?;
        Ok((parts, keys::write_path(path)?))
    }
}

impl fmt::Debug for ObjectStoreAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bucket names and whether each can presign; never a store's configuration,
        // which for a cloud store may hold credentials.
        let buckets: BTreeMap<&str, &str> = self
            .buckets
            .iter()
            .map(|(name, bucket)| (name.as_str(), bucket.describe()))
            .collect();
        f.debug_struct("ObjectStoreAdapter")
            .field("buckets", &buckets)
            .field("ttl_limits", &self.ttl_limits)
            .field("transfer", &self.transfer)
            .finish()
    }
}

impl Bucket {
    /// What the adapter's `Debug` shows of this bucket.
    fn describe(&self) -> &'static str {
        #[cfg(feature = "signer")]
        let signer = self.signer.is_some();
        #[cfg(not(feature = "signer"))]
        let signer = false;
        match (signer, self.parts.is_some()) {
            (true, true) => "store with signer and multipart store",
            (true, false) => "store with signer",
            (false, true) => "store with multipart store",
            (false, false) => "store",
        }
    }
}

/// Configures an [`ObjectStoreAdapter`]: buckets, signers, multipart stores, TTL ceilings,
/// transfer settings.
#[derive(Default)]
pub struct ObjectStoreAdapterBuilder {
    buckets: Vec<(String, Bucket)>,
    parts: Vec<(String, Arc<dyn MultipartStore>)>,
    ttl_limits: TtlLimits,
    transfer: TransferSettings,
}

impl fmt::Debug for ObjectStoreAdapterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.buckets.iter().map(|(name, _)| name.as_str()).collect();
        let parts: Vec<&str> = self.parts.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("ObjectStoreAdapterBuilder")
            .field("buckets", &names)
            .field("multipart_stores", &parts)
            .field("ttl_limits", &self.ttl_limits)
            .field("transfer", &self.transfer)
            .finish()
    }
}

impl ObjectStoreAdapterBuilder {
    /// Serves bucket `name` from `store`. Presigned URLs for it are
    /// [`Error::Unsupported`].
    pub fn bucket(mut self, name: impl Into<String>, store: Arc<dyn ObjectStore>) -> Self {
        self.buckets.push((
            name.into(),
            Bucket {
                store,
                #[cfg(feature = "signer")]
                signer: None,
                parts: None,
            },
        ));
        self
    }

    /// Serves bucket `name` from `store`, presigning GET URLs with `signer` (usually the
    /// same cloud store, e.g. `Arc<AmazonS3>` or `Arc<GoogleCloudStorage>`, which
    /// implement both traits).
    #[cfg(feature = "signer")]
    pub fn bucket_with_signer(
        mut self,
        name: impl Into<String>,
        store: Arc<dyn ObjectStore>,
        signer: Arc<dyn object_store::signer::Signer>,
    ) -> Self {
        self.buckets.push((
            name.into(),
            Bucket {
                store,
                signer: Some(signer),
                parts: None,
            },
        ));
        self
    }

    /// Lets callers drive multipart uploads of bucket `name` part by part through `parts`
    /// (usually the bucket's store itself, such as `Arc<AmazonS3>` or an
    /// `ObjectStoreBridge`, which implement both traits): `create_multipart_upload`,
    /// `upload_part`, `complete_multipart_upload` and `abort_multipart_upload` become its
    /// calls. Without it they are [`Error::Unsupported`], and `object_store` lists neither
    /// pending uploads nor their parts, so `list_multipart_uploads`, `list_parts` and
    /// `presigned_upload_part` are either way.
    ///
    /// The bucket is added by [`bucket`](Self::bucket) or
    /// [`bucket_with_signer`](Self::bucket_with_signer), before or after this call.
    pub fn multipart_store(
        mut self,
        name: impl Into<String>,
        parts: Arc<dyn MultipartStore>,
    ) -> Self {
        self.parts.push((name.into(), parts));
        self
    }

    /// Sets the TTL ceilings for presigned GET URLs.
    pub fn ttl_limits(mut self, limits: TtlLimits) -> Self {
        self.ttl_limits = limits;
        self
    }

    /// Puts go as `object_store` multipart uploads above `settings.multipart_threshold` (and
    /// when their length is unknown and turns out larger), in parts of `settings.part_size`,
    /// `settings.concurrency` in flight (default [`TransferSettings::default`]).
    ///
    /// `object_store` sends every part of an upload at one size: for a payload of known
    /// length the part size grows so that it fits in 10,000 parts (S3's limit, which the
    /// cloud stores share); for one of unknown length it stays `part_size`, so choose it
    /// for the largest payload expected on a cloud store. Copies go through the store's own
    /// copy, or across buckets as a put of the source, under the same settings.
    pub fn transfer_settings(mut self, settings: TransferSettings) -> Self {
        self.transfer = settings;
        self
    }

    /// Builds the adapter.
    ///
    /// Fails with [`Error::InvalidPath`] when a name breaks S3's bucket naming rules, and
    /// with [`Error::InvalidArgument`] when a bucket is added twice, a multipart store is
    /// given for a bucket that was not added or twice for one, or the transfer settings are
    /// invalid ([`TransferSettings::validate`]).
    pub fn build(self) -> Result<ObjectStoreAdapter> {
        self.transfer.validate()?;
        let mut buckets = BTreeMap::new();
        for (name, bucket) in self.buckets {
            S3Path::bucket_root(&name)?;
            if buckets.contains_key(&name) {
                return Err(Error::invalid_argument(format!(
                    "bucket {name:?} was added twice"
                )));
            }
            buckets.insert(name, bucket);
        }
        for (name, parts) in self.parts {
            let bucket = buckets.get_mut(&name).ok_or_else(|| {
                Error::invalid_argument(format!(
                    "a multipart store was given for bucket {name:?}, which was not added"
                ))
            })?;
            if bucket.parts.replace(parts).is_some() {
                return Err(Error::invalid_argument(format!(
                    "bucket {name:?} was given a multipart store twice"
                )));
            }
        }
        Ok(ObjectStoreAdapter {
            buckets: Arc::new(buckets),
            ttl_limits: self.ttl_limits,
            transfer: self.transfer,
        })
    }
}
