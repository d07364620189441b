//! The timeouts every request gets unless the builder says otherwise: a server that accepts
//! a connection and never answers fails the request instead of hanging it.

use std::time::Duration;

use aws_config::timeout::{TimeoutConfig, TimeoutConfigBuilder};
use aws_sdk_s3::Client;

/// How long establishing a connection may take by default (`object_store`'s default).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the first byte of a response may take by default, counted from the start of
/// the request, so the upload of a request body (a part) counts too.
///
/// 30 s, `object_store`'s request timeout: a 16 MiB part then needs at least about
/// 0.6 MB/s. Each retried attempt gets the timeout again. It also bounds each wait for the
/// next chunk of a streamed object body, so a server that stalls in the middle of a body is
/// a timeout (which transfers resume from), and, unless an attempt timeout is set, an
/// attempt whose answer is read whole (every request but GetObject) may take twice as long
/// in all, so a stall in the middle of a small answer is a timeout too.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the answer to one CopyObject may take at the least.
///
/// The server copies the whole source (up to 5 GiB) before it answers, so the read timeout
/// of other requests would end a copy that is progressing: a 6 GiB copy on Garage 2.5 took
/// longer than 30 s. A copy's read timeout is the larger of this and the configured one.
pub const COPY_READ_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// How long the answer to one DeleteObjects may take at the least, per key it names.
///
/// The server deletes every key before it answers: Garage 2.5 on three nodes took about
/// 30 ms a key when the keys came one request at a time, so a batch of 1000 keys took as long
/// as the default read timeout. A batch's read timeout is the larger of this times its keys
/// (200 s for 1000) and the configured one.
pub const DELETE_READ_TIMEOUT_PER_KEY: Duration = Duration::from_millis(200);

/// A configuration override for a request whose answer comes only once the server has done
/// all its work (CopyObject, DeleteObjects): the client's timeouts, with a read timeout of
/// at least `at_least` and an attempt timeout of at least twice the read timeout. (An
/// override replaces the whole timeout configuration, so it repeats the client's other
/// timeouts.)
pub(crate) fn patient_override(client: &Client, at_least: Duration) -> aws_sdk_s3::config::Builder {
    let base = client
        .config()
        .timeout_config()
        .cloned()
        .unwrap_or_else(|| Timeouts::default().config());
    let read = base
        .read_timeout()
        .map_or(at_least, |read| read.max(at_least));
    let mut patient = base.to_builder().read_timeout(read);
    if let Some(attempt) = base.operation_attempt_timeout() {
        patient = patient.operation_attempt_timeout(attempt.max(read.saturating_mul(2)));
    }
    aws_sdk_s3::config::Builder::new().timeout_config(patient.build())
}

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
    ///
    /// Without an attempt timeout of its own, an attempt may take twice the read timeout: the
    /// first byte of the answer within the read timeout, the rest of an answer read whole
    /// within as long again. A streamed GetObject body is not part of the attempt (its
    /// chunks are bounded one by one, `crate::body`).
    pub(crate) fn config(&self) -> TimeoutConfig {
        let read = self.read.unwrap_or(DEFAULT_READ_TIMEOUT);
        let mut config = TimeoutConfigBuilder::new()
            .connect_timeout(self.connect.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            .read_timeout(read)
            .operation_attempt_timeout(self.attempt.unwrap_or(read.saturating_mul(2)));
        if let Some(timeout) = self.operation {
            config = config.operation_timeout(timeout);
        }
        config.build()
    }
}
