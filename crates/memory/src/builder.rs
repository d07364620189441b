//! [`MemoryStorageBuilder`]: buckets, clock and TTL ceilings for a new [`MemoryStorage`].

use std::sync::Arc;

use stowage_core::{Clock, SystemClock, TtlLimits};

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

    /// Builds the store.
    pub fn build(self) -> MemoryStorage {
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let storage = MemoryStorage::with_settings(clock, self.ttl_limits);
        for bucket in self.buckets {
            if let Err(error) = storage.create_bucket(&bucket) {
                panic!("MemoryStorageBuilder::bucket: {error}");
            }
        }
        storage
    }
}
