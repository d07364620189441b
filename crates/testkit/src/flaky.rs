//! [`FlakyBodies`]: a backend whose downloads break midway, as a reset connection breaks
//! them, to show that a reader resumes where the body broke.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream;
use stowage_core::transfer::{PendingUpload, UploadId};
use stowage_core::{
    CopyOptions, DeleteReport, Error, GetOptions, GetOutcome, ListOptions, ListPage, ListResult,
    ListToken, ObjectBody, ObjectMeta, ObjectStorage, Payload, PostPolicyRequest, PresignedPost,
    PresignedUrl, PutOptions, PutResult, Result, S3Path,
};

/// The message of the error a broken body ends with.
pub const BROKEN_BODY: &str = "FlakyBodies broke the body";

/// Wraps a backend: the bodies of its first `broken` reads fail with [`Error::Io`] after
/// `after` bytes; everything else passes through unchanged. It counts every read.
///
/// A read whose body holds `after` bytes or fewer ends normally, though it used up one of
/// the broken reads.
///
/// ```
/// # futures::executor::block_on(async {
/// use std::sync::Arc;
/// use stowage_core::transfer::{TransferSettings, download};
/// use stowage_core::{ObjectStorage, PutOptions, S3Path};
/// use stowage_testkit::FlakyBodies;
///
/// let storage = stowage_memory::MemoryStorage::builder().bucket("bkt").build();
/// let path = S3Path::parse("s3://bkt/k")?;
/// storage.put_object(&path, vec![7u8; 1000].into(), PutOptions::new()).await?;
/// let flaky = Arc::new(FlakyBodies::new(Arc::new(storage), 100, 1));
/// let output = download(flaky.clone(), &path, &TransferSettings::default()).await?;
/// assert_eq!(output.body.bytes().await?.len(), 1000);
/// assert_eq!(flaky.reads(), 2, "one read broke, one resumed it");
/// # Ok::<(), stowage_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct FlakyBodies {
    /// The backend.
    inner: Arc<dyn ObjectStorage>,
    /// How many bytes a broken body yields before it fails.
    after: u64,
    /// How many of the next reads still break.
    broken_left: AtomicU32,
    /// How many reads were asked for.
    reads: AtomicU32,
}

impl FlakyBodies {
    /// `inner`, whose next `broken` reads fail after `after` bytes of body.
    pub fn new(inner: Arc<dyn ObjectStorage>, after: u64, broken: u32) -> Self {
        Self {
            inner,
            after,
            broken_left: AtomicU32::new(broken),
            reads: AtomicU32::new(0),
        }
    }

    /// How many reads (`get_object_with` calls) were made so far.
    pub fn reads(&self) -> u32 {
        self.reads.load(Ordering::SeqCst)
    }

    /// Whether the read being made now is one that breaks.
    fn breaks_next(&self) -> bool {
        self.broken_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }
}

/// `body`, failing with [`Error::Io`] once `after` bytes went through.
fn break_after(body: ObjectBody, after: u64) -> ObjectBody {
    ObjectBody::new(stream::unfold(Some((body, after)), |state| async move {
        let (mut body, left) = state?;
        if left == 0 {
            let broken = Error::Io {
                message: BROKEN_BODY.into(),
            };
            return Some((Err(broken), None));
        }
        match body.next().await? {
            Ok(mut chunk) => {
                let left = match usize::try_from(left) {
                    Ok(left) if left <= chunk.len() => {
                        chunk.truncate(left);
                        0
                    }
                    _ => left - chunk.len() as u64,
                };
                Some((Ok(chunk), Some((body, left))))
            }
            Err(error) => Some((Err(error), None)),
        }
    }))
}

#[async_trait]
impl ObjectStorage for FlakyBodies {
    async fn put_object(
        &self,
        path: &S3Path,
        payload: Payload,
        options: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_object(path, payload, options).await
    }

    /// The inner backend's answer, its body broken if this read is one of the first ones.
    async fn get_object_with(&self, path: &S3Path, options: &GetOptions) -> Result<GetOutcome> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let outcome = self.inner.get_object_with(path, options).await?;
        match outcome {
            GetOutcome::Found(mut output) if self.breaks_next() => {
                output.body = break_after(output.body, self.after);
                Ok(GetOutcome::Found(output))
            }
            other => Ok(other),
        }
    }

    async fn head_object(&self, path: &S3Path) -> Result<ObjectMeta> {
        self.inner.head_object(path).await
    }

    async fn object_exists(&self, path: &S3Path) -> Result<bool> {
        self.inner.object_exists(path).await
    }

    async fn copy_object_with(
        &self,
        from: &S3Path,
        to: &S3Path,
        options: &CopyOptions,
    ) -> Result<()> {
        self.inner.copy_object_with(from, to, options).await
    }

    async fn delete_object(&self, path: &S3Path) -> Result<()> {
        self.inner.delete_object(path).await
    }

    async fn delete_objects(&self, paths: &[S3Path]) -> Result<DeleteReport> {
        self.inner.delete_objects(paths).await
    }

    async fn list_objects<'a>(
        &self,
        prefix: &S3Path,
        delimiter: Option<&'a str>,
    ) -> Result<ListResult> {
        self.inner.list_objects(prefix, delimiter).await
    }

    async fn list_page<'a>(
        &self,
        prefix: &S3Path,
        options: &ListOptions,
        token: Option<&'a ListToken>,
    ) -> Result<ListPage> {
        self.inner.list_page(prefix, options, token).await
    }

    async fn list_multipart_uploads(&self, prefix: &S3Path) -> Result<Vec<PendingUpload>> {
        self.inner.list_multipart_uploads(prefix).await
    }

    async fn abort_multipart_upload(&self, path: &S3Path, id: &UploadId) -> Result<()> {
        self.inner.abort_multipart_upload(path, id).await
    }

    async fn presigned_get_url(&self, path: &S3Path, ttl: Duration) -> Result<PresignedUrl> {
        self.inner.presigned_get_url(path, ttl).await
    }

    async fn presigned_post(
        &self,
        path: &S3Path,
        request: &PostPolicyRequest,
    ) -> Result<PresignedPost> {
        self.inner.presigned_post(path, request).await
    }
}
