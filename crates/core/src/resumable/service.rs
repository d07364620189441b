//! [`ResumableUploads`]: the service side of browser uploads of any size.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::clock::{Clock, SystemClock};
use crate::hash::hash_s3_key;
use crate::part_url::PartUrlRequest;
use crate::path::S3Path;
use crate::presigned_url::PresignedUrl;
use crate::resumable::error::{PartMismatch, ResumableError};
use crate::resumable::grant::{GrantKey, UploadGrant};
use crate::resumable::plan::UploadPlan;
use crate::storage::ObjectStorage;
use crate::transfer::{CompletedPart, UploadedPart};
use crate::ttl::MAX_PUT_PRESIGNED_URL_TTL_SECONDS;
use crate::write::{PutOptions, PutResult};

/// The default part size: 8 MiB, a part a browser resends in seconds on a slow link.
pub const DEFAULT_PART_SIZE: u64 = 8 * 1024 * 1024;

/// An upload to start: the key the service chose, the size the client declared, the cap,
/// the Content-Type and how long the upload may take.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use stowage::S3Path;
/// use stowage::resumable::StartUpload;
///
/// let path = S3Path::new("uploads", "users/alice/study.zip")?;
/// let start = StartUpload::new(path, "alice", 3 << 30)
///     .max_bytes(50 << 30)
///     .content_type("application/zip")
///     .ttl(Duration::from_secs(24 * 3600));
/// # Ok::<(), stowage::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StartUpload {
    /// The object to create; the service decides it, never the client.
    pub path: S3Path,
    /// The user the upload belongs to: only they can continue it.
    pub owner: String,
    /// The file's size as the client declared it; every part is signed for its share.
    pub size: u64,
    /// The largest size accepted.
    pub max_bytes: u64,
    /// The object's Content-Type, set by the service when the upload is created.
    pub content_type: String,
    /// How long the client may take, resumes included (part URLs, listing, completion).
    pub ttl: Duration,
}

impl StartUpload {
    /// An upload of `size` bytes to `path` for `owner`, capped at `size` itself, typed
    /// `application/octet-stream`, for one day.
    pub fn new(path: S3Path, owner: impl Into<String>, size: u64) -> Self {
        Self {
            path,
            owner: owner.into(),
            size,
            max_bytes: size,
            content_type: "application/octet-stream".into(),
            ttl: Duration::from_secs(24 * 3600),
        }
    }

    /// Sets the cap.
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets the Content-Type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Sets how long the upload may take.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }
}

/// A started upload: the grant and the token that carries it to the client.
#[derive(Debug, Clone)]
pub struct StartedUpload {
    /// The upload, as the service's later calls take it.
    pub grant: UploadGrant,
    /// The grant MACed, URL-safe: what the client sends back as its upload id. It names
    /// the key and store upload id in clear (the client knows both); `Debug` leaves it out.
    pub token: GrantToken,
}

/// A grant as a client carries it (URL-safe base64 and a MAC); `Debug` shows its length.
#[derive(Clone, PartialEq, Eq)]
pub struct GrantToken(String);

impl GrantToken {
    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for GrantToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GrantToken(<{} chars>)", self.0.len())
    }
}

/// A presigned URL for one part, and the exact length it takes.
#[derive(Debug, Clone)]
pub struct SignedPart {
    /// The URL: a `PUT` of exactly `content_length` bytes.
    pub url: PresignedUrl,
    /// The part's length, signed into the URL.
    pub content_length: u64,
}

/// Browser uploads of any size over any [`ObjectStorage`] with client-driven multipart
/// uploads, with the POST policy's guarantees: the exact key, a size cap, a Content-Type
/// lock and an expiry, enforced by the store and by this service, never by the page.
///
/// Who checks what:
/// - [`start`](Self::start): the service chose the key; the declared size is within the
///   cap; the store creates the upload with the Content-Type; the plan is fixed and MACed
///   with the owner, key, upload id and expiry into a [`GrantToken`], so any replica can
///   verify it without shared state.
/// - [`sign_part`](Self::sign_part): only parts of the plan, each URL signing the part's
///   exact length; the store refuses a body of any other length.
/// - [`complete`](Self::complete): the store's own ListParts (every page), never the
///   client's list: every planned part present at its planned length, no other part, so
///   the total is the declared size, within the cap. Anything else aborts the upload.
///
/// ```
/// use std::sync::Arc;
/// use stowage::resumable::{GrantKey, ResumableUploads, StartUpload};
/// use stowage::{ObjectStorage, S3Path};
///
/// async fn start(storage: Arc<dyn ObjectStorage>) -> Result<(), Box<dyn std::error::Error>> {
///     let uploads = ResumableUploads::new(storage, GrantKey::random()?);
///     let path = S3Path::new("uploads", "users/alice/weights.bin")?;
///     let started = uploads
///         .start(&StartUpload::new(path, "alice", 40 << 20).max_bytes(1 << 30))
///         .await?;
///     // The client gets `started.token` and the plan; later it sends the token back:
///     let grant = uploads.open(started.token.as_str(), "alice")?;
///     let first = uploads.sign_part(&grant, 1).await?;
///     assert_eq!(first.content_length, grant.plan().part_size);
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct ResumableUploads {
    /// Where the uploads go.
    storage: Arc<dyn ObjectStorage>,
    /// MACs the grants.
    key: GrantKey,
    /// The smallest part size; larger for files above 10,000 of them.
    part_size: u64,
    /// How long a part URL lives, at most.
    part_url_ttl: Duration,
    /// Where time comes from, for grant expiry.
    clock: Arc<dyn Clock>,
}

impl ResumableUploads {
    /// Uploads into `storage`, grants MACed with `key`, 8 MiB parts, part URLs valid
    /// 10 minutes.
    pub fn new(storage: Arc<dyn ObjectStorage>, key: GrantKey) -> Self {
        Self {
            storage,
            key,
            part_size: DEFAULT_PART_SIZE,
            part_url_ttl: Duration::from_secs(MAX_PUT_PRESIGNED_URL_TTL_SECONDS),
            clock: Arc::new(SystemClock),
        }
    }

    /// Sets the part size (at least 5 MiB; [`start`](Self::start) refuses a smaller one).
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes;
        self
    }

    /// Sets how long a part URL lives (the store clamps it to its upload ceiling).
    pub fn part_url_ttl(mut self, ttl: Duration) -> Self {
        self.part_url_ttl = ttl;
        self
    }

    /// Takes time from `clock`: a test's [`crate::ManualClock`] expires grants at will.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The store the uploads go to.
    pub fn storage(&self) -> &Arc<dyn ObjectStorage> {
        &self.storage
    }

    /// The plan a file of `size` bytes gets: what a client must cut it into.
    pub fn plan(&self, size: u64) -> Result<UploadPlan, ResumableError> {
        UploadPlan::new(size, self.part_size)
    }

    /// Starts an upload: checks the size against the cap, plans the parts, creates the
    /// store's upload with the Content-Type, and seals the grant.
    pub async fn start(&self, request: &StartUpload) -> Result<StartedUpload, ResumableError> {
        if request.size > request.max_bytes {
            return Err(ResumableError::TooLarge {
                size: request.size,
                cap: request.max_bytes,
            });
        }
        let plan = self.plan(request.size)?;
        let ttl = Duration::from_secs(request.ttl.as_secs());
        if ttl.is_zero() {
            return Err(crate::Error::invalid_argument(
                "an upload needs a TTL of at least one second",
            )
            .into());
        }
        let mut options = PutOptions::new();
        options.content_type = Some(request.content_type.clone());
        let upload = self
            .storage
            .create_multipart_upload(&request.path, &options)
            .await?;
        let grant = UploadGrant {
            owner: request.owner.clone(),
            path: request.path.clone(),
            upload,
            plan,
            content_type: request.content_type.clone(),
            // Whole seconds, as the token carries it.
            expires_at: whole_seconds(self.clock.now() + ttl),
        };
        tracing::info!(
            op = "resumable_start",
            bucket = request.path.bucket(),
            key_hash = %hash_s3_key(request.path.key()),
            size = plan.size,
            part_size = plan.part_size,
            part_count = plan.part_count,
            "resumable upload started"
        );
        let token = GrantToken(self.key.seal(&grant));
        Ok(StartedUpload { grant, token })
    }

    /// The grant `token` carries, for `owner`: [`ResumableError::InvalidGrant`] unless this
    /// service's key MACed it, [`ResumableError::NotOwner`] when it is another user's.
    /// An expired grant opens (it can still be aborted); the other calls refuse it.
    pub fn open(&self, token: &str, owner: &str) -> Result<UploadGrant, ResumableError> {
        let grant = self.key.open(token)?;
        if grant.owner != owner {
            return Err(ResumableError::NotOwner);
        }
        Ok(grant)
    }

    /// A URL for part `number` of the plan, signing its exact length, valid for the part
    /// URL TTL or what is left of the grant, whichever is shorter.
    pub async fn sign_part(
        &self,
        grant: &UploadGrant,
        number: u32,
    ) -> Result<SignedPart, ResumableError> {
        let left = grant.check_live(self.clock.now())?;
        let content_length =
            grant
                .plan
                .part_length(number)
                .ok_or(ResumableError::PartOutOfPlan {
                    number,
                    count: grant.plan.part_count,
                })?;
        let ttl = self.part_url_ttl.min(left).max(Duration::from_secs(1));
        let request = PartUrlRequest::new(number, content_length).ttl(ttl);
        let url = self
            .storage
            .presigned_upload_part(&grant.path, &grant.upload, &request)
            .await?;
        Ok(SignedPart {
            url,
            content_length,
        })
    }

    /// The parts the store holds, in part order: what a client resumes from.
    pub async fn list_parts(
        &self,
        grant: &UploadGrant,
    ) -> Result<Vec<UploadedPart>, ResumableError> {
        grant.check_live(self.clock.now())?;
        Ok(self.storage.list_parts(&grant.path, &grant.upload).await?)
    }

    /// Completes the upload from the store's own parts, after checking them against the
    /// plan; on a mismatch the upload is aborted and [`ResumableError::Mismatch`] says why.
    pub async fn complete(&self, grant: &UploadGrant) -> Result<PutResult, ResumableError> {
        grant.check_live(self.clock.now())?;
        let parts = self.storage.list_parts(&grant.path, &grant.upload).await?;
        if let Err(mismatch) = check_parts(&grant.plan, &parts) {
            tracing::warn!(
                op = "resumable_complete",
                bucket = grant.path.bucket(),
                key_hash = %hash_s3_key(grant.path.key()),
                %mismatch,
                "the store's parts do not match the plan; aborting the upload"
            );
            self.abort(grant).await?;
            return Err(ResumableError::Mismatch(mismatch));
        }
        let parts: Vec<CompletedPart> = parts.iter().map(CompletedPart::from).collect();
        let result = self
            .storage
            .complete_multipart_upload(&grant.path, &grant.upload, parts, Some(grant.plan.size))
            .await?;
        tracing::info!(
            op = "resumable_complete",
            bucket = grant.path.bucket(),
            key_hash = %hash_s3_key(grant.path.key()),
            size = grant.plan.size,
            "resumable upload completed"
        );
        Ok(result)
    }

    /// Aborts the upload: its parts are discarded. An expired grant can still abort.
    pub async fn abort(&self, grant: &UploadGrant) -> Result<(), ResumableError> {
        self.storage
            .abort_multipart_upload(&grant.path, &grant.upload)
            .await?;
        Ok(())
    }
}

/// `time` truncated to a whole second since the Unix epoch.
fn whole_seconds(time: SystemTime) -> SystemTime {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    UNIX_EPOCH + Duration::from_secs(since.as_secs())
}

/// Whether `parts` (the store's, in part order) are exactly the plan's.
fn check_parts(plan: &UploadPlan, parts: &[UploadedPart]) -> Result<(), PartMismatch> {
    let mut next = 1;
    for part in parts {
        let Some(planned) = plan.part_length(part.number) else {
            return Err(PartMismatch::Unplanned {
                number: part.number,
            });
        };
        if part.number != next {
            return Err(PartMismatch::Missing { number: next });
        }
        if part.size != planned {
            return Err(PartMismatch::WrongSize {
                number: part.number,
                planned,
                stored: part.size,
            });
        }
        next += 1;
    }
    if next <= plan.part_count {
        return Err(PartMismatch::Missing { number: next });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn part(number: u32, size: u64) -> UploadedPart {
        UploadedPart {
            number,
            etag: format!("\"{number}\""),
            size,
        }
    }

    #[test]
    fn only_the_exact_plan_passes() {
        let plan = UploadPlan::new(12 * MIB, 5 * MIB).unwrap();
        let exact = [part(1, 5 * MIB), part(2, 5 * MIB), part(3, 2 * MIB)];
        assert_eq!(check_parts(&plan, &exact), Ok(()));
        assert_eq!(
            check_parts(&plan, &exact[..2]),
            Err(PartMismatch::Missing { number: 3 })
        );
        assert_eq!(
            check_parts(&plan, &[part(1, 5 * MIB), part(3, 2 * MIB)]),
            Err(PartMismatch::Missing { number: 2 })
        );
        assert_eq!(
            check_parts(
                &plan,
                &[part(1, 5 * MIB), part(2, 5 * MIB), part(3, 2 * MIB + 1)]
            ),
            Err(PartMismatch::WrongSize {
                number: 3,
                planned: 2 * MIB,
                stored: 2 * MIB + 1
            })
        );
        let mut extra = exact.to_vec();
        extra.push(part(4, 1));
        assert_eq!(
            check_parts(&plan, &extra),
            Err(PartMismatch::Unplanned { number: 4 })
        );
        assert_eq!(
            check_parts(&plan, &[]),
            Err(PartMismatch::Missing { number: 1 })
        );
    }
}
