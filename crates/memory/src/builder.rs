//! [`MemoryStorageBuilder`]: buckets, clock, TTL ceilings, transfer settings and S3's size
//! limits for a new [`MemoryStorage`].

use std::sync::Arc;

use stowage_core::transfer::TransferSettings;
use stowage_core::{Clock, SigningCredentials, SystemClock, TtlLimits};

use crate::limits::Limits;
use crate::storage::{MemoryStorage, Settings};

impl MemoryStorage {
    /// A builder for buckets, clock, TTL ceilings, transfer settings and size limits.
    pub fn builder() -> MemoryStorageBuilder {
        MemoryStorageBuilder::default()
    }
}

/// Configures a [`MemoryStorage`]: buckets, clock, TTL ceilings, when puts and copies go in
/// parts, and the S3 size limits it enforces.
///
/// ```
/// use stowage::memory::MemoryStorage;
/// use stowage::transfer::TransferSettings;
///
/// const MIB: u64 = 1024 * 1024;
/// // Multipart from 5 MiB on, and S3's 5 GiB single-request limit at 8 MiB, so a test
/// // reaches both with small objects.
/// let storage = MemoryStorage::builder()
///     .bucket("models")
///     .transfer_settings(TransferSettings::new().multipart_threshold(5 * MIB).part_size(5 * MIB))
///     .single_request_limit(8 * MIB)
///     .build();
/// # let _ = storage;
/// ```
#[derive(Debug, Default)]
pub struct MemoryStorageBuilder {
    /// Buckets to create, in order.
    buckets: Vec<String>,
    /// The clock; the system clock when unset.
    clock: Option<Arc<dyn Clock>>,
    /// TTL ceilings for presigned URLs and POST policies.
    ttl_limits: TtlLimits,
    /// The credentials tokens are signed and checked with; fresh ones when unset.
    credentials: Option<SigningCredentials>,
    /// When puts and copies go in parts, and how.
    transfer: TransferSettings,
    /// The size rules of one request and of parts.
    limits: Limits,
}

impl MemoryStorageBuilder {
    /// Creates `bucket` when the store is built.
    ///
    /// # Panics
    ///
    /// [`MemoryStorageBuilder::build`] panics if a name breaks S3's bucket naming rules;
    /// use [`MemoryStorage::create_bucket`] to handle that as an error instead.
    pub fn bucket(mut self, bucket: impl Into<String>) -> Self {
        self.buckets.push(bucket.into());
        self
    }

    /// Reads time from `clock` (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Sets the TTL ceilings for presigned URLs and POST policies.
    pub fn ttl_limits(mut self, limits: TtlLimits) -> Self {
        self.ttl_limits = limits;
        self
    }

    /// Signs and checks tokens with `credentials` instead of fresh ones unique to the
    /// store: an S3 client given the same credentials (region `us-east-1`, path-style, the
    /// store's [`endpoint`](MemoryStorage::endpoint)) then mints upload forms and presigned
    /// URLs the store accepts, e.g. against `stowage serve`.
    pub fn credentials(mut self, credentials: SigningCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Puts and copies go in parts as `settings` say (default
    /// [`TransferSettings::default`]); settings S3 would refuse make every put and copy
    /// fail with [`Error::InvalidArgument`](stowage_core::Error::InvalidArgument).
    pub fn transfer_settings(mut self, settings: TransferSettings) -> Self {
        self.transfer = settings;
        self
    }

    /// The most bytes one PutObject, UploadPart, CopyObject or UploadPartCopy may carry
    /// (default S3's 5 GiB, [`MAX_SINGLE_REQUEST_SIZE`](stowage_core::transfer::MAX_SINGLE_REQUEST_SIZE)).
    ///
    /// Above it a put or part is refused with `EntityTooLarge` and a copy with
    /// `InvalidRequest` (both `Error::Service`, status 400), as S3 answers; lowering it lets a
    /// test show that large objects take the multipart paths.
    pub fn single_request_limit(mut self, bytes: u64) -> Self {
        self.limits.single_request = bytes;
        self
    }

    /// The smallest part, but the last, that completing a multipart upload accepts
    /// (default S3's 5 MiB, [`MIN_PART_SIZE`](stowage_core::transfer::MIN_PART_SIZE));
    /// a smaller one fails the completion with `EntityTooSmall` (`Error::Service`, 400).
    pub fn min_part_size(mut self, bytes: u64) -> Self {
        self.limits.min_part_size = bytes;
        self
    }

    /// Builds the store.
    pub fn build(self) -> MemoryStorage {
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let credentials = self
            .credentials
            .unwrap_or_else(crate::auth::generate_credentials);
        let storage = MemoryStorage::with_settings(Settings {
            clock,
            ttl_limits: self.ttl_limits,
            credentials,
            transfer: self.transfer,
            limits: self.limits,
        });
        for bucket in self.buckets {
            if let Err(error) = storage.create_bucket(&bucket) {
                panic!("MemoryStorageBuilder::bucket: {error}");
            }
        }
        storage
    }
}
