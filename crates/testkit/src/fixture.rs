//! The backend under test, as the suite's areas borrow it and as a test binary owns it.

use std::any::Any;
use std::sync::Arc;

use stowage_core::transfer::TransferSettings;
use stowage_core::{ObjectStorage, S3Path};

use crate::support::unique_name;
use crate::{Capabilities, Redeemer};

/// The backend under test and where it may write.
#[derive(Debug)]
pub struct Fixture<'a> {
    /// The backend.
    pub storage: &'a dyn ObjectStorage,
    /// The same backend, shared, for work that outlives a borrow: transfers run their parts
    /// as tasks of their own ([`stowage_core::transfer::download`] takes an `Arc`).
    pub shared: Arc<dyn ObjectStorage>,
    /// A bucket the suite may write to.
    pub bucket: String,
    /// A second bucket, for cross-bucket copies and batch deletes.
    pub bucket2: String,
    /// Redeems presigned URLs and posts upload forms.
    pub redeemer: &'a dyn Redeemer,
    /// What the backend claims to support.
    pub capabilities: Capabilities,
    /// The transfer settings the backend was built with: the suite's transfer areas size
    /// their objects from them.
    pub transfer: TransferSettings,
}

impl<'a> Fixture<'a> {
    /// A fixture over two existing buckets.
    pub fn new(
        storage: &'a Arc<dyn ObjectStorage>,
        bucket: &str,
        bucket2: &str,
        redeemer: &'a dyn Redeemer,
        capabilities: Capabilities,
    ) -> Self {
        Self {
            storage: storage.as_ref(),
            shared: Arc::clone(storage),
            bucket: bucket.to_owned(),
            bucket2: bucket2.to_owned(),
            redeemer,
            capabilities,
            transfer: crate::areas::transfers::small_parts(),
        }
    }

    /// Declares the transfer settings the backend was built with (by default
    /// [`small_parts`](crate::areas::transfers::small_parts)).
    #[must_use]
    pub fn with_transfer(mut self, settings: TransferSettings) -> Self {
        self.transfer = settings;
        self
    }

    /// A fresh prefix in the first bucket, unique within this process and across runs.
    pub fn fresh_prefix(&self, area: &str) -> S3Path {
        S3Path::new(
            &self.bucket,
            format!("{}{}/", crate::SUITE_KEY_PREFIX, unique_name(area)),
        )
        .expect("a short ASCII prefix is a valid key")
    }

    /// The same key under the second bucket.
    pub fn in_bucket2(&self, path: &S3Path) -> S3Path {
        S3Path::new(&self.bucket2, path.key()).expect("same key, valid bucket")
    }
}

/// A backend set up for the suite: it owns the storage, the redeemer and whatever must live
/// as long as they do (temporary directories, a server handle), and lends a [`Fixture`].
///
/// [`conformance_tests!`](crate::conformance_tests) builds one per test from a setup
/// expression.
pub struct Backend {
    storage: Arc<dyn ObjectStorage>,
    redeemer: Box<dyn Redeemer>,
    bucket: String,
    bucket2: String,
    capabilities: Capabilities,
    transfer: TransferSettings,
    kept: Vec<Box<dyn Any + Send + Sync>>,
}

impl Backend {
    /// A backend over two existing buckets.
    pub fn new(
        storage: impl ObjectStorage + 'static,
        redeemer: impl Redeemer + 'static,
        bucket: &str,
        bucket2: &str,
        capabilities: Capabilities,
    ) -> Self {
        Self {
            storage: Arc::new(storage),
            redeemer: Box::new(redeemer),
            bucket: bucket.to_owned(),
            bucket2: bucket2.to_owned(),
            capabilities,
            transfer: crate::areas::transfers::small_parts(),
            kept: Vec::new(),
        }
    }

    /// Declares the transfer settings `storage` was built with, which the suite's transfer
    /// areas size their objects from. Without it the suite assumes
    /// [`small_parts`](crate::areas::transfers::small_parts): build the backend with those.
    #[must_use]
    pub fn transfer_settings(mut self, settings: TransferSettings) -> Self {
        self.transfer = settings;
        self
    }

    /// Keeps `value` alive as long as the backend (a temporary directory, say).
    #[must_use]
    pub fn keeping(mut self, value: impl Any + Send + Sync) -> Self {
        self.kept.push(Box::new(value));
        self
    }

    /// The fixture the suite's areas take.
    pub fn fixture(&self) -> Fixture<'_> {
        Fixture::new(
            &self.storage,
            &self.bucket,
            &self.bucket2,
            self.redeemer.as_ref(),
            self.capabilities,
        )
        .with_transfer(self.transfer.clone())
    }
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("storage", &self.storage)
            .field("bucket", &self.bucket)
            .field("bucket2", &self.bucket2)
            .field("capabilities", &self.capabilities)
            .finish_non_exhaustive()
    }
}
