//! Time-to-live rules for presigned URLs and POST policies.
//!
//! A ceiling is security policy: a caller asking for more gets the ceiling and a warning in
//! the log (with the key hash, so the request can be audited), never an error and never
//! more than the ceiling.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::path::S3Path;

/// Default and maximum lifetime of a browser upload policy or part URL (ten minutes).
pub const MAX_PUT_PRESIGNED_URL_TTL_SECONDS: u64 = 600;
/// Default lifetime of a presigned GET URL (one hour).
pub const DEFAULT_GET_URL_TTL_SECONDS: u64 = 3600;
/// Longest lifetime SigV4 allows for any presigned request (7 days).
pub const SIGV4_MAX_TTL_SECONDS: u64 = 7 * 24 * 3600;

/// The TTL ceilings a backend enforces.
///
/// ```
/// use std::time::Duration;
/// use stowage::TtlLimits;
///
/// let limits = TtlLimits::default().with_post_ceiling(Duration::from_secs(120));
/// assert_eq!(limits.post_ceiling(), Duration::from_secs(120));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TtlLimits {
    post_ceiling: Duration,
    get_ceiling: Duration,
}

impl Default for TtlLimits {
    fn default() -> Self {
        Self {
            post_ceiling: Duration::from_secs(MAX_PUT_PRESIGNED_URL_TTL_SECONDS),
            get_ceiling: Duration::from_secs(SIGV4_MAX_TTL_SECONDS),
        }
    }
}

impl TtlLimits {
    /// Sets the POST-policy ceiling; values above 7 days are reduced to 7 days.
    pub fn with_post_ceiling(mut self, ceiling: Duration) -> Self {
        self.post_ceiling = ceiling.min(Duration::from_secs(SIGV4_MAX_TTL_SECONDS));
        self
    }

    /// Sets the presigned-GET ceiling; values above 7 days are reduced to 7 days.
    pub fn with_get_ceiling(mut self, ceiling: Duration) -> Self {
        self.get_ceiling = ceiling.min(Duration::from_secs(SIGV4_MAX_TTL_SECONDS));
        self
    }

    /// The longest lifetime a POST policy gets.
    pub fn post_ceiling(&self) -> Duration {
        self.post_ceiling
    }

    /// The longest lifetime a presigned GET URL gets.
    pub fn get_ceiling(&self) -> Duration {
        self.get_ceiling
    }

    /// The lifetime a POST policy for `path` actually gets: whole seconds, at most the ceiling.
    ///
    /// A request above the ceiling is clamped and logged as a warning; a zero TTL (a policy
    /// that is dead on arrival) is an error.
    pub fn post_ttl(&self, requested: Duration, path: &S3Path) -> Result<Duration> {
        let requested = whole_seconds(requested, "POST policy")?;
        Ok(clamp(requested, self.post_ceiling, path, "POST policy"))
    }

    /// The lifetime a presigned UploadPart URL for `path` actually gets: the POST-policy
    /// ceiling applies, since both let a client write.
    pub fn part_url_ttl(&self, requested: Duration, path: &S3Path) -> Result<Duration> {
        let requested = whole_seconds(requested, "part URL")?;
        Ok(clamp(requested, self.post_ceiling, path, "part URL"))
    }

    /// The lifetime a presigned GET URL for `path` actually gets.
    ///
    /// Above 7 days is an error, because SigV4 cannot express it and the caller asked for
    /// something that cannot be honoured; above a lower configured ceiling it is clamped
    /// with a warning.
    pub fn get_ttl(&self, requested: Duration, path: &S3Path) -> Result<Duration> {
        let requested = whole_seconds(requested, "presigned URL")?;
        if requested.as_secs() > SIGV4_MAX_TTL_SECONDS {
            return Err(Error::invalid_argument(format!(
                "a presigned URL can live at most {SIGV4_MAX_TTL_SECONDS} s (7 days), {} s was asked",
                requested.as_secs()
            )));
        }
        Ok(clamp(requested, self.get_ceiling, path, "presigned URL"))
    }
}

fn whole_seconds(requested: Duration, what: &str) -> Result<Duration> {
    let secs = requested.as_secs();
    if secs == 0 {
        return Err(Error::invalid_argument(format!(
            "a {what} needs a TTL of at least one second"
        )));
    }
    Ok(Duration::from_secs(secs))
}

fn clamp(requested: Duration, ceiling: Duration, path: &S3Path, what: &str) -> Duration {
    if requested <= ceiling {
        return requested;
    }
    tracing::warn!(
        bucket = path.bucket(),
        key_hash = %path.key_hash(),
        requested_secs = requested.as_secs(),
        ceiling_secs = ceiling.as_secs(),
        "{what} TTL above the ceiling; clamped to the ceiling"
    );
    ceiling
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> S3Path {
        S3Path::parse("s3://bucket/secret-key").unwrap()
    }

    #[test]
    fn post_ttl_above_ceiling_is_clamped() {
        let limits = TtlLimits::default();
        assert_eq!(
            limits.post_ttl(Duration::from_secs(3600), &path()).unwrap(),
            Duration::from_secs(600)
        );
        assert_eq!(
            limits.post_ttl(Duration::from_secs(60), &path()).unwrap(),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn get_ttl_above_sigv4_limit_is_an_error_and_below_lower_ceiling_is_clamped() {
        let limits = TtlLimits::default().with_get_ceiling(Duration::from_secs(900));
        assert!(matches!(
            limits.get_ttl(Duration::from_secs(SIGV4_MAX_TTL_SECONDS + 1), &path()),
            Err(Error::InvalidArgument { .. })
        ));
        assert_eq!(
            limits.get_ttl(Duration::from_secs(3600), &path()).unwrap(),
            Duration::from_secs(900)
        );
    }

    #[test]
    fn zero_ttl_is_an_error_and_fractions_are_truncated() {
        let limits = TtlLimits::default();
        assert!(
            limits
                .post_ttl(Duration::from_millis(999), &path())
                .is_err()
        );
        assert_eq!(
            limits
                .get_ttl(Duration::from_millis(1500), &path())
                .unwrap(),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn part_url_ttl_takes_the_upload_ceiling() {
        let limits = TtlLimits::default().with_post_ceiling(Duration::from_secs(120));
        assert_eq!(
            limits
                .part_url_ttl(Duration::from_secs(3600), &path())
                .unwrap(),
            Duration::from_secs(120)
        );
        assert!(limits.part_url_ttl(Duration::ZERO, &path()).is_err());
    }

    #[test]
    fn ceilings_never_exceed_sigv4_maximum() {
        let limits = TtlLimits::default().with_post_ceiling(Duration::from_secs(u64::MAX / 2));
        assert_eq!(limits.post_ceiling().as_secs(), SIGV4_MAX_TTL_SECONDS);
    }
}
