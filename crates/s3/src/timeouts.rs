//! The timeouts every request gets unless the builder says otherwise: a server that accepts
//! a connection and never answers fails the request instead of hanging it.

use std::time::Duration;

use aws_config::timeout::{TimeoutConfig, TimeoutConfigBuilder};

/// How long establishing a connection may take by default (`object_store`'s default).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the first byte of a response may take by default, counted from the start of
/// the request, so the upload of a request body (a part) counts too.
///
/// 30 s, `object_store`'s request timeout: a 16 MiB part then needs at least about
/// 0.6 MB/s. A body that stalls after its first byte is not covered: transfers resume such
/// bodies ([`stowage_core::transfer`]). Each retried attempt gets the timeout again.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The timeouts of one backend: the defaults above where a setting is `None`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Timeouts {
    pub(crate) connect: Option<Duration>,
    pub(crate) read: Option<Duration>,
    pub(crate) operation: Option<Duration>,
    pub(crate) attempt: Option<Duration>,
}

impl Timeouts {
    /// The SDK's timeout configuration for these settings.
    pub(crate) fn config(&self) -> TimeoutConfig {
        let mut config = TimeoutConfigBuilder::new()
            .connect_timeout(self.connect.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            .read_timeout(self.read.unwrap_or(DEFAULT_READ_TIMEOUT));
        if let Some(timeout) = self.operation {
            config = config.operation_timeout(timeout);
        }
        if let Some(timeout) = self.attempt {
            config = config.operation_attempt_timeout(timeout);
        }
        config.build()
    }
}
