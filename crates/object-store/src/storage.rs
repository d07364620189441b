//! The [`ObjectStorage`] implementation.

use std::time::Duration;

use async_trait::async_trait;
use bytes::BytesMut;
use futures::StreamExt;
use object_store::path::Path;
use object_store::{Attributes, GetOptions, ObjectStore, PutMultipartOptions, WriteMultipart};
use stowage_core::span;
use stowage_core::{
    ByteStream, DeleteReport, Error, GetObjectOutput, ListResult, ObjectMeta, ObjectStorage,
    Payload, PostPolicyRequest, PresignedPost, PresignedUrl, PutOptions, PutResult, Result, S3Path,
};
use tracing::Instrument;

use crate::adapter::ObjectStoreAdapter;
use crate::convert::{attributes, body, object_meta, quoted_etag};
use crate::errors::{Access, BACKEND, map_error};
use crate::{delete, keys, listing};

/// Bodies up to this size are written with one `put`; larger ones stream as a multipart
/// upload, so no more than this is ever held in memory.
const SINGLE_PUT_MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Part size of a streamed upload.
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts in flight during a streamed upload.
const PARTS_IN_FLIGHT: usize = 4;

impl ObjectStoreAdapter {
    /// The store and path of an object that is read: a key that is not a path cannot
    /// exist, so it is [`Error::NotFound`].
    fn read_target(&self, path: &S3Path) -> Result<(&dyn ObjectStore, Path)> {
        path.object_key()?;
        let store = self.bucket(path)?.store.as_ref();
        let location =
            keys::to_path(path.key()).map_err(|_| Error::NotFound { path: path.clone() })?;
        Ok((store, location))
    }

    /// The store and path of an object that is written: a key that is not a path is
    /// refused with [`Error::InvalidArgument`].
    fn write_target(&self, path: &S3Path) -> Result<(&dyn ObjectStore, Path)> {
        path.object_key()?;
        let store = self.bucket(path)?.store.as_ref();
        Ok((store, keys::write_path(path)?))
    }

    /// Writes `length` bytes from `stream` with `attributes`.
    async fn write(
        &self,
        path: &S3Path,
        attributes: Attributes,
        length: u64,
        mut stream: ByteStream,
    ) -> Result<PutResult> {
        let (store, location) = self.write_target(path)?;
        let operation = if attributes.is_empty() {
            "put_object"
        } else {
            "put_object with Content-Type or user metadata"
        };
        let fail = |error| map_error(error, path, Access::Write, operation);
        let result = if length <= SINGLE_PUT_MAX_BYTES {
            let mut buffer = BytesMut::with_capacity(usize::try_from(length).unwrap_or(0));
            while let Some(chunk) = stream.next().await {
                buffer.extend_from_slice(&chunk?);
            }
            let options = object_store::PutOptions {
                attributes,
                ..Default::default()
            };
            store
                .put_opts(&location, buffer.freeze().into(), options)
                .await
                .map_err(fail)?
        } else {
            let options = PutMultipartOptions {
                attributes,
                ..Default::default()
            };
            let upload = store
                .put_multipart_opts(&location, options)
                .await
                .map_err(fail)?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
            while let Some(chunk) = stream.next().await {
                let ready = match chunk {
                    Ok(chunk) => writer
                        .wait_for_capacity(PARTS_IN_FLIGHT)
                        .await
                        .map(|()| chunk)
                        .map_err(fail),
                    Err(error) => Err(error),
                };
                match ready {
                    Ok(chunk) => writer.put(chunk),
                    Err(error) => {
                        // Best effort: the upload failed either way.
                        let _ = writer.abort().await;
                        return Err(error);
                    }
                }
            }
            writer.finish().await.map_err(fail)?
        };
        Ok(PutResult {
            etag: quoted_etag(result.e_tag),
        })
    }
}

#[async_trait]
impl ObjectStorage for ObjectStoreAdapter {
    async fn put_object(
        &self,
        path: &S3Path,
        payload: Payload,
        options: PutOptions,
    ) -> Result<PutResult> {
        let length = payload.len();
        self.write(path, attributes(options), length, payload.into_stream())
            .instrument(span::operation(BACKEND, "put_object", path))
            .await
    }

    async fn get_object(&self, path: &S3Path) -> Result<GetObjectOutput> {
        async {
            let (store, location) = self.read_target(path)?;
            let result = store
                .get(&location)
                .await
                .map_err(|e| map_error(e, path, Access::Read, "get_object"))?;
            let meta = object_meta(path, &result.meta, &result.attributes);
            Ok(GetObjectOutput {
                meta,
                body: body(path, result),
            })
        }
        .instrument(span::operation(BACKEND, "get_object", path))
        .await
    }

    async fn head_object(&self, path: &S3Path) -> Result<ObjectMeta> {
        async {
            let (store, location) = self.read_target(path)?;
            // `head` has no attributes; a get with `head: true` reads them without the body.
            let options = GetOptions {
                head: true,
                ..Default::default()
            };
            let result = store
                .get_opts(&location, options)
                .await
                .map_err(|e| map_error(e, path, Access::Read, "head_object"))?;
            Ok(object_meta(path, &result.meta, &result.attributes))
        }
        .instrument(span::operation(BACKEND, "head_object", path))
        .await
    }

    async fn copy_object(&self, from: &S3Path, to: &S3Path) -> Result<()> {
        async {
            let (source_store, source) = self.read_target(from)?;
            let (target_store, target) = self.write_target(to)?;
            if from.bucket() == to.bucket() {
                let Err(error) = target_store.copy(&source, &target).await else {
                    return Ok(());
                };
                // Tell a missing source from a target the store cannot write.
                if !self.object_exists(from).await? {
                    return Err(Error::NotFound { path: from.clone() });
                }
                return Err(map_error(error, to, Access::Write, "copy_object"));
            }
            // Across stores: stream the source into the target, with its attributes.
            let result = source_store
                .get(&source)
                .await
                .map_err(|e| map_error(e, from, Access::Read, "copy_object"))?;
            let attributes = result.attributes.clone();
            let length = result.meta.size;
            let stream = body(from, result).boxed();
            self.write(to, attributes, length, stream).await.map(|_| ())
        }
        .instrument(span::operation(BACKEND, "copy_object", from))
        .await
    }

    async fn delete_object(&self, path: &S3Path) -> Result<()> {
        async {
            let (store, location) = match self.read_target(path) {
                Err(Error::NotFound { .. }) => return Ok(()),
                other => other?,
            };
            match store.delete(&location).await {
                Ok(()) => Ok(()),
                Err(error) => match map_error(error, path, Access::Read, "delete_object") {
                    Error::NotFound { .. } => Ok(()),
                    error => Err(error),
                },
            }
        }
        .instrument(span::operation(BACKEND, "delete_object", path))
        .await
    }

    async fn delete_objects(&self, paths: &[S3Path]) -> Result<DeleteReport> {
        delete::delete_objects(self, paths)
            .instrument(span::batch(BACKEND, "delete_objects", paths))
            .await
    }

    async fn list_objects<'a>(
        &self,
        prefix: &S3Path,
        delimiter: Option<&'a str>,
    ) -> Result<ListResult> {
        async {
            let store = self.bucket(prefix)?.store.as_ref();
            listing::list(store, prefix, delimiter).await
        }
        .instrument(span::operation(BACKEND, "list_objects", prefix))
        .await
    }

    async fn presigned_get_url(&self, path: &S3Path, ttl: Duration) -> Result<PresignedUrl> {
        async {
            path.object_key()?;
            let bucket = self.bucket(path)?;
            #[cfg(feature = "signer")]
            if let Some(signer) = &bucket.signer {
                let ttl = self.ttl_limits.get_ttl(ttl, path)?;
                let location = keys::write_path(path)?;
                let now = std::time::SystemTime::now();
                let url = signer
                    .signed_url(http::Method::GET, &location, ttl)
                    .await
                    .map_err(|e| map_error(e, path, Access::Read, "presigned_get_url"))?;
                return Ok(PresignedUrl::new(url.into(), now + ttl));
            }
            let _ = (bucket, ttl);
            Err(Error::Unsupported {
                operation: "presigned_get_url",
                backend: BACKEND,
            })
        }
        .instrument(span::operation(BACKEND, "presigned_get_url", path))
        .await
    }

    async fn presigned_post(
        &self,
        path: &S3Path,
        _request: &PostPolicyRequest,
    ) -> Result<PresignedPost> {
        let _span = span::operation(BACKEND, "presigned_post", path).entered();
        path.object_key()?;
        Err(Error::Unsupported {
            operation: "presigned_post",
            backend: BACKEND,
        })
    }
}
