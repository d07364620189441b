//! When the lean request path tries again, and after how long: the SDK's standard retry
//! mode, read from the client's own retry configuration.

use std::time::Duration;

use aws_config::retry::{RetryConfig, RetryMode};

/// The status codes the SDK retries whatever the error code
/// (`aws_smithy_runtime`'s `TRANSIENT_ERROR_STATUS_CODES`).
const TRANSIENT_STATUSES: [u16; 4] = [500, 502, 503, 504];

/// The error codes the SDK retries as throttling or transient errors
/// (`aws_runtime`'s `THROTTLING_ERRORS` and `TRANSIENT_ERRORS`).
const RETRYABLE_CODES: [&str; 16] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// Attempts and backoff: full jitter over an exponential ceiling, as the SDK's standard mode.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl RetryPolicy {
    /// The policy of a client configured with `config` (the SDK's defaults when `None`);
    /// `None` for the adaptive mode, whose client-side rate limiting only the SDK applies.
    pub(crate) fn from_config(config: Option<&RetryConfig>) -> Option<Self> {
        let standard = RetryConfig::standard();
        let config = config.unwrap_or(&standard);
        if config.mode() != RetryMode::Standard {
            return None;
        }
        Some(Self {
            max_attempts: config.max_attempts().max(1),
            initial_backoff: config.initial_backoff(),
            max_backoff: config.max_backoff(),
        })
    }

    /// Whether another attempt may follow attempt number `attempt` (from 1).
    pub(crate) fn allows_another(&self, attempt: u32) -> bool {
        attempt < self.max_attempts
    }

    /// How long to wait after failed attempt number `attempt` (from 1): a random share of
    /// `initial_backoff * 2^(attempt - 1)`, at most `max_backoff`.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(self.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// Whether an error answer is worth another attempt: a transient status or a throttling or
/// timeout code, as the SDK decides.
pub(crate) fn retryable_answer(status: u16, code: &str) -> bool {
    TRANSIENT_STATUSES.contains(&status) || RETRYABLE_CODES.contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_follows_the_client_configuration() {
        let config = RetryConfig::standard()
            .with_max_attempts(5)
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_millis(300));
        let policy = RetryPolicy::from_config(Some(&config)).unwrap();
        assert!(policy.allows_another(4));
        assert!(!policy.allows_another(5));
        for attempt in 1..=8 {
            let ceiling =
                Duration::from_millis(100 << (attempt - 1)).min(Duration::from_millis(300));
            assert!(policy.backoff(attempt) <= ceiling);
        }
        assert!(RetryPolicy::from_config(Some(&RetryConfig::adaptive())).is_none());
        let default = RetryPolicy::from_config(None).unwrap();
        assert!(default.allows_another(2) && !default.allows_another(3));
    }

    #[test]
    fn transient_answers_are_retried_client_errors_are_not() {
        assert!(retryable_answer(503, "SlowDown"));
        assert!(retryable_answer(500, "InternalError"));
        assert!(retryable_answer(400, "RequestTimeout"));
        assert!(!retryable_answer(404, "NoSuchKey"));
        assert!(!retryable_answer(403, "SignatureDoesNotMatch"));
        assert!(!retryable_answer(412, "PreconditionFailed"));
    }
}
