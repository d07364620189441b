//! [`RetryPolicy`]: how often and how patiently stowage's own retries try again, from the
//! client's retry settings, so one setting governs every retry: the lean request path's and
//! those of the keys a batch delete reports failed.

use std::time::Duration;

use aws_config::retry::{RetryConfig, RetryMode};

/// Attempts and backoff: full jitter over an exponential ceiling, as the SDK's standard mode
/// (so that many clients told to slow down do not come back together).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    mode: RetryMode,
}

impl RetryPolicy {
    /// The policy of a client configured with `config`; the SDK's standard one when `None`.
    pub(crate) fn from_config(config: Option<&RetryConfig>) -> Self {
        let standard = RetryConfig::standard();
        let config = config.unwrap_or(&standard);
        Self {
            max_attempts: config.max_attempts().max(1),
            initial_backoff: config.initial_backoff(),
            max_backoff: config.max_backoff(),
            mode: config.mode(),
        }
    }

    /// Whether the client is in the SDK's standard mode: the adaptive one also limits the
    /// rate of requests on the client, which only the SDK applies.
    pub(crate) fn is_standard(&self) -> bool {
        self.mode == RetryMode::Standard
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
            .saturating_mul(2_u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
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
        let policy = RetryPolicy::from_config(Some(&config));
        assert!(policy.is_standard());
        assert!(policy.allows_another(4));
        assert!(!policy.allows_another(5));
        for attempt in 1..=40 {
            let ceiling =
                Duration::from_millis(100 << (attempt - 1).min(8)).min(Duration::from_millis(300));
            assert!(policy.backoff(attempt) <= ceiling);
        }
        assert!(!RetryPolicy::from_config(Some(&RetryConfig::adaptive())).is_standard());
        let default = RetryPolicy::from_config(None);
        assert!(default.allows_another(2) && !default.allows_another(3));
    }
}
