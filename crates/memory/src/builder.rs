//! [`MemoryStorageBuilder`]: buckets, clock and TTL ceilings for a new [`MemoryStorage`].

use std::sync::Arc;

use stowage_core::{Clock, SigningCredentials, SystemClock, TtlLimits};

use crate::storage::MemoryStorage;

impl MemoryStorage {
    /// A builder for buckets, clock and TTL ceilings.
    pub fn builder() -> MemoryStorageBuilder {
        MemoryStorageBuilder::default()
    }
}

/// Configures a [`MemoryStorage`]: buckets, clock, TTL ceilings.
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

    /// Builds the store.
    pub fn build(self) -> MemoryStorage {
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let credentials = self
            .credentials
            .unwrap_or_else(crate::auth::generate_credentials);
        let storage = MemoryStorage::with_settings(clock, self.ttl_limits, credentials);
        for bucket in self.buckets {
            if let Err(error) = storage.create_bucket(&bucket) {
                panic!("MemoryStorageBuilder::bucket: {error}");
            }
        }
        storage
    }
}
