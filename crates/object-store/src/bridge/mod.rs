//! [`ObjectStoreBridge`]: any stowage backend as an [`object_store::ObjectStore`], for
//! the crates that take `Arc<dyn ObjectStore>` (DataFusion, parquet, delta-rs, Lance).

mod attributes;
mod delete;
mod errors;
mod list;
mod locations;
mod parts;
mod read;
#[cfg(feature = "signer")]
mod signer;
mod upload;
mod write;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;
use object_store::list::{PaginatedListOptions, PaginatedListResult, PaginatedListStore};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartId, MultipartUpload, ObjectMeta,
    ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult,
};
use stowage_core::{ObjectStorage, hash_s3_key};

use crate::bridge::locations::Locations;

/// A stowage backend, one bucket of it (optionally one key prefix), as an
/// [`object_store::ObjectStore`].
///
/// Hand it to anything that takes `Arc<dyn ObjectStore>`: the same S3 backend a service
/// uses, or the memory backend that enforces S3's rules in unit tests.
///
/// ```
/// use std::sync::Arc;
/// use object_store::{ObjectStore, ObjectStoreExt, path::Path};
/// use stowage::memory::MemoryStorage;
/// use stowage_object_store::ObjectStoreBridge;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let storage = MemoryStorage::builder().bucket("lake").build();
/// let store: Arc<dyn ObjectStore> =
///     Arc::new(ObjectStoreBridge::new(Arc::new(storage), "lake")?.with_prefix("tables")?);
/// store.put(&Path::from("events/part-0.parquet"), "data".into()).await?;
/// let listed = store.list_with_delimiter(Some(&Path::from("events"))).await?;
/// assert_eq!(listed.objects[0].location, Path::from("events/part-0.parquet"));
/// # Ok(())
/// # }
/// ```
///
/// How each call maps:
///
/// - **Paths** are keys under the prefix, with exactly the path's text; a listed key that
///   is not an `object_store` path (`a//b`, a `folder/` marker) is `InvalidPath`, as
///   `AmazonS3` answers. A path whose key would pass S3's 1024 bytes is refused before any
///   request.
/// - **`put_opts`**: [`PutMode::Create`](object_store::PutMode::Create) and
///   [`PutMode::Update`](object_store::PutMode::Update) become stowage's create-only and
///   compare-and-swap (`If-Match` on the ETag) writes. A backend that cannot enforce them
///   (Garage, a custom endpoint with conditional writes off) answers `NotImplemented` and
///   writes nothing: never a silent overwrite. Attributes (the HTTP ones, the storage
///   class, user metadata) become put options; tags are ignored, as `object_store` allows.
/// - **`put_multipart_opts`** streams the parts into one `put_object` of unknown length:
///   the backend's own transfer engine sends them as a multipart upload (see
///   [`TransferSettings`](stowage_core::transfer::TransferSettings)); an aborted or dropped
///   write leaves no object and no pending upload.
/// - **`get_opts`**: bounded, offset and suffix ranges, the four conditions in S3's order,
///   and `head`; versions are `NotImplemented` (stowage backends read the current object).
/// - **`list`** and **`list_with_offset`** are streams that hold one page;
///   **`list_with_delimiter`** reads every page; [`PaginatedListStore`] gives S3's pages
///   and tokens with any delimiter.
/// - **`copy_opts`** is a server-side copy; create-only where the backend enforces it.
/// - **`delete_stream`** deletes in batches of 1000 keys and answers every path, in order.
/// - **[`Signer`](object_store::signer::Signer)** (feature `signer`) gives the backend's
///   presigned GET URLs; other methods are `NotImplemented`.
/// - **[`MultipartStore`]** drives the backend's multipart upload part by part:
///   `create_multipart_opts`, `put_part`, `complete_multipart` and `abort_multipart` are
///   [`create_multipart_upload`](ObjectStorage::create_multipart_upload),
///   [`upload_part`](ObjectStorage::upload_part),
///   [`complete_multipart_upload`](ObjectStorage::complete_multipart_upload) and
///   [`abort_multipart_upload`](ObjectStorage::abort_multipart_upload). Part `i` is S3's
///   part `i + 1`, its `content_id` the part's ETag; every part but the last needs 5 MiB,
///   as on S3. An upload completed without a part gets one empty part, which S3 needs. A
///   backend without multipart uploads answers `NotImplemented`.
///
/// Errors keep `object_store`'s kinds (`NotFound`, `AlreadyExists`, `Precondition`,
/// `NotModified`, `NotImplemented`, `PermissionDenied`); their source is the stowage error,
/// whose message shows keys only as their hash. The bridge itself logs nothing: the
/// backend's spans and events carry key hashes.
#[derive(Clone)]
pub struct ObjectStoreBridge {
    storage: Arc<dyn ObjectStorage>,
    locations: Locations,
}

impl ObjectStoreBridge {
    /// Every key of `bucket` in `storage`.
    ///
    /// An invalid bucket name is
    /// [`stowage::Error::InvalidPath`](stowage_core::Error::InvalidPath).
    pub fn new(storage: Arc<dyn ObjectStorage>, bucket: &str) -> stowage_core::Result<Self> {
        Ok(Self {
            locations: Locations::new(bucket, "")?,
            storage,
        })
    }

    /// Only the keys under `prefix` (`tenant/tables`, a trailing `/` optional): paths are
    /// relative to it, and listings and deletes never reach outside it.
    ///
    /// A prefix that is not an `object_store` path is
    /// [`stowage::Error::InvalidArgument`](stowage_core::Error::InvalidArgument).
    pub fn with_prefix(self, prefix: &str) -> stowage_core::Result<Self> {
        Ok(Self {
            locations: Locations::new(self.locations.bucket(), prefix)?,
            storage: self.storage,
        })
    }

    /// The backend behind the bridge.
    pub fn storage(&self) -> &Arc<dyn ObjectStorage> {
        &self.storage
    }
}

/// The prefix as its hash: a prefix names keys, which never appear raw.
struct PrefixHash<'a>(&'a str);

impl fmt::Display for PrefixHash<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("none")
        } else {
            write!(f, "<sha256:{}>", hash_s3_key(self.0))
        }
    }
}

impl fmt::Display for ObjectStoreBridge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ObjectStoreBridge(bucket {:?}, prefix {}, {:?})",
            self.locations.bucket(),
            PrefixHash(self.locations.base()),
            self.storage
        )
    }
}

impl fmt::Debug for ObjectStoreBridge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStoreBridge")
            .field("bucket", &self.locations.bucket())
            .field(
                "prefix",
                &format_args!("{}", PrefixHash(self.locations.base())),
            )
            .field("storage", &self.storage)
            .finish()
    }
}

#[async_trait]
impl ObjectStore for ObjectStoreBridge {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        write::put(&*self.storage, &self.locations, location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        let path = self.locations.object(location)?;
        let options = attributes::put_options(&opts.attributes)?;
        let upload = upload::BridgeUpload::start(
            Arc::clone(&self.storage),
            path,
            location.clone(),
            options,
        )?;
        Ok(Box::new(upload))
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        read::get(&*self.storage, &self.locations, location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        delete::delete_stream(Arc::clone(&self.storage), self.locations.clone(), locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        list::objects(
            Arc::clone(&self.storage),
            self.locations.clone(),
            prefix,
            None,
        )
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        list::objects(
            Arc::clone(&self.storage),
            self.locations.clone(),
            prefix,
            Some(offset),
        )
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        list::with_delimiter(&*self.storage, &self.locations, prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        write::copy(&*self.storage, &self.locations, from, to, options).await
    }
}

#[async_trait]
impl MultipartStore for ObjectStoreBridge {
    async fn create_multipart(&self, path: &Path) -> object_store::Result<MultipartId> {
        parts::create(
            &*self.storage,
            &self.locations,
            path,
            PutMultipartOptions::default(),
        )
        .await
    }

    async fn create_multipart_opts(
        &self,
        path: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<MultipartId> {
        parts::create(&*self.storage, &self.locations, path, opts).await
    }

    async fn put_part(
        &self,
        path: &Path,
        id: &MultipartId,
        part_idx: usize,
        data: PutPayload,
    ) -> object_store::Result<PartId> {
        parts::put(&*self.storage, &self.locations, path, id, part_idx, data).await
    }

    async fn complete_multipart(
        &self,
        path: &Path,
        id: &MultipartId,
        parts: Vec<PartId>,
    ) -> object_store::Result<PutResult> {
        parts::complete(&*self.storage, &self.locations, path, id, parts).await
    }

    async fn abort_multipart(&self, path: &Path, id: &MultipartId) -> object_store::Result<()> {
        parts::abort(&*self.storage, &self.locations, path, id).await
    }
}

#[async_trait]
impl PaginatedListStore for ObjectStoreBridge {
    async fn list_paginated(
        &self,
        prefix: Option<&str>,
        opts: PaginatedListOptions,
    ) -> object_store::Result<PaginatedListResult> {
        list::paginated(&*self.storage, &self.locations, prefix, opts).await
    }
}
