//! The `ObjectStorage` trait: one interface, any backend.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::object::{
    DeleteReport, GetObjectOutput, ListResult, ObjectMeta, Payload, PresignedUrl, PutOptions,
    PutResult,
};
use crate::path::S3Path;
use crate::policy::{PostPolicyRequest, PresignedPost};

/// An object store with S3 semantics.
///
/// Application code holds an `Arc<dyn ObjectStorage>` and does not care which backend is
/// behind it: S3 or an S3-compatible server in production, the in-memory fake or a
/// [`MockObjectStorage`](crate::MockObjectStorage) (feature `mock`) in tests.
///
/// Every method validates its paths first (an empty key is [`crate::PathError::EmptyKey`]
/// for object operations) and reports failures as [`crate::Error`] kinds that mean the same
/// on every backend. No method logs or returns a raw key in an error message.
///
/// ```
/// use std::sync::Arc;
/// use stowage_core::{ObjectStorage, S3Path, Result};
///
/// /// Application code: it works with any backend.
/// async fn archive(storage: Arc<dyn ObjectStorage>, report: &S3Path) -> Result<bool> {
///     let archived = report.join(".archived")?;
///     if storage.object_exists(report).await? {
///         storage.copy_object(report, &archived).await?;
///         storage.delete_object(report).await?;
///         return Ok(true);
///     }
///     Ok(false)
/// }
/// ```
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ObjectStorage: Send + Sync + Debug {
    /// Stores `payload` at `path`, replacing any object there.
    async fn put_object(
        &self,
        path: &S3Path,
        payload: Payload,
        options: PutOptions,
    ) -> Result<PutResult>;

    /// Downloads an object: metadata at once, the body as a stream.
    ///
    /// A missing key is [`crate::Error::NotFound`]; a missing bucket is
    /// [`crate::Error::NoSuchBucket`].
    async fn get_object(&self, path: &S3Path) -> Result<GetObjectOutput>;

    /// Reads an object's metadata: size, ETag, last-modified, Content-Type, user metadata.
    async fn head_object(&self, path: &S3Path) -> Result<ObjectMeta>;

    /// True when the object exists, false when it does not.
    ///
    /// Only "not found" means false: access denied, an unreachable endpoint and every other
    /// failure is an error, so a permissions problem is never mistaken for absence.
    ///
    /// Provided as [`head_object`](Self::head_object) with [`Error::NotFound`] read as
    /// false, which is what S3 itself offers; a backend overrides it only where it has a
    /// cheaper existence check.
    async fn object_exists(&self, path: &S3Path) -> Result<bool> {
        match self.head_object(path).await {
            Ok(_) => Ok(true),
            Err(Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Copies an object server-side (across buckets too), with its Content-Type and metadata.
    async fn copy_object(&self, from: &S3Path, to: &S3Path) -> Result<()>;

    /// Deletes an object. Deleting a missing key succeeds, as in S3.
    async fn delete_object(&self, path: &S3Path) -> Result<()>;

    /// Deletes many objects, across buckets, in batches of at most 1000 keys per request.
    ///
    /// The report accounts for every input path exactly once: deleted, or failed with its
    /// error code. A request that fails as a whole marks each of its keys failed; the call
    /// itself fails only for invalid input.
    async fn delete_objects(&self, paths: &[S3Path]) -> Result<DeleteReport>;

    /// Lists every object whose key starts with `prefix`'s key, reading every page.
    ///
    /// With a `delimiter`, keys containing it after the prefix are rolled up into
    /// [`ListResult::common_prefixes`], as S3 does.
    async fn list_objects<'a>(
        &self,
        prefix: &S3Path,
        delimiter: Option<&'a str>,
    ) -> Result<ListResult>;

    /// A URL that downloads the object with a plain HTTP GET until it expires.
    ///
    /// A TTL above 7 days (the SigV4 maximum) is an error; above the backend's lower
    /// ceiling, if one is configured, it is clamped with a warning.
    async fn presigned_get_url(&self, path: &S3Path, ttl: Duration) -> Result<PresignedUrl>;

    /// A browser upload form for exactly this key, with a size cap and an optional
    /// Content-Type lock enforced by the store.
    ///
    /// A TTL above the ceiling (600 s by default) is clamped with a warning, never an error.
    async fn presigned_post(
        &self,
        path: &S3Path,
        request: &PostPolicyRequest,
    ) -> Result<PresignedPost>;
}
