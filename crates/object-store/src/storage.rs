//! The [`ObjectStorage`] implementation: each method opens its span and hands over to the
//! module of its concern.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use object_store::{GetOptions, ObjectStoreExt};
use stowage_core::span;
use stowage_core::transfer::{CompletedPart, UploadId};
use stowage_core::{
    CopyOptions, DeleteReport, Error, GetOutcome, ListOptions, ListPage, ListResult, ListToken,
    ObjectMeta, ObjectStorage, Payload, PostPolicyRequest, PresignedPost, PresignedUrl, PutOptions,
    PutResult, Result, S3Path,
};
use tracing::Instrument;

use crate::adapter::ObjectStoreAdapter;
use crate::convert::object_meta;
use crate::errors::{Access, BACKEND, map_error, unsupported};
use crate::{caller_uploads, copy, delete, keys, listing, read, write};

#[async_trait]
impl ObjectStorage for ObjectStoreAdapter {
    async fn put_object(
        &self,
        path: &S3Path,
        payload: Payload,
        options: PutOptions,
    ) -> Result<PutResult> {
        let length = payload.length();
        write::put_object(self, path, length, payload.into_stream(), &options)
            .instrument(span::operation(BACKEND, "put_object", path))
            .await
    }

    async fn get_object_with(
        &self,
        path: &S3Path,
        options: &stowage_core::GetOptions,
    ) -> Result<GetOutcome> {
        read::get_object_with(self, path, options)
            .instrument(span::operation(BACKEND, "get_object_with", path))
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

    async fn copy_object_with(
        &self,
        from: &S3Path,
        to: &S3Path,
        options: &CopyOptions,
    ) -> Result<()> {
        copy::copy_object_with(self, from, to, options)
            .instrument(span::operation(BACKEND, "copy_object_with", from))
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

    /// One pass over the keys rather than the provided page after page, each of which
    /// reads every key after it: the same entries in the same order, read once.
    async fn list_objects<'a>(
        &self,
        prefix: &S3Path,
        delimiter: Option<&'a str>,
    ) -> Result<ListResult> {
        listing::list_objects(self, prefix, delimiter)
            .instrument(span::operation(BACKEND, "list_objects", prefix))
            .await
    }

    async fn list_page<'a>(
        &self,
        prefix: &S3Path,
        options: &ListOptions,
        token: Option<&'a ListToken>,
    ) -> Result<ListPage> {
        listing::list_page(self, prefix, options, token)
            .instrument(span::operation(BACKEND, "list_page", prefix))
            .await
    }

    /// Aborts an upload a caller drove (see
    /// [`ObjectStoreAdapterBuilder::multipart_store`](crate::ObjectStoreAdapterBuilder::multipart_store));
    /// `object_store` lists no pending uploads to abort otherwise.
    async fn abort_multipart_upload(&self, path: &S3Path, id: &UploadId) -> Result<()> {
        caller_uploads::abort(self, path, id)
            .instrument(span::operation(BACKEND, "abort_multipart_upload", path))
            .await
    }

    async fn create_multipart_upload(
        &self,
        path: &S3Path,
        options: &PutOptions,
    ) -> Result<UploadId> {
        caller_uploads::create(self, path, options)
            .instrument(span::operation(BACKEND, "create_multipart_upload", path))
            .await
    }

    async fn upload_part(
        &self,
        path: &S3Path,
        upload: &UploadId,
        number: u32,
        body: Bytes,
    ) -> Result<CompletedPart> {
        caller_uploads::upload_part(self, path, upload, number, body)
            .instrument(span::operation(BACKEND, "upload_part", path))
            .await
    }

    /// `object_store` reads no expected object size: `object_size` is not checked.
    async fn complete_multipart_upload(
        &self,
        path: &S3Path,
        upload: &UploadId,
        parts: Vec<CompletedPart>,
        object_size: Option<u64>,
    ) -> Result<PutResult> {
        let _ = object_size;
        caller_uploads::complete(self, path, upload, parts)
            .instrument(span::operation(BACKEND, "complete_multipart_upload", path))
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
            Err(unsupported("presigned_get_url"))
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
        Err(unsupported("presigned_post"))
    }
}
