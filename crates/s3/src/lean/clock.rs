//! The server's clock as the lean path signs with it: the local clock shifted by the skew
//! measured from the `Date` of the last answer, as the SDK corrects it, so a client whose
//! clock is off by more than S3's 15 minutes recovers with a retry instead of failing.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use http::HeaderMap;

use crate::lean::answer::http_date;

/// The error codes of a signature refused for its time, when the clock is the cause
/// (`aws_runtime`'s `CLOCK_SKEW_ERROR_CODES`).
const SKEW_ERROR_CODES: [&str; 5] = [
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "RequestTimeTooSkewed",
    "AccessDeniedException",
];

/// Below this skew a refused signature is a wrong signature, not a wrong clock.
const SKEW_DETECTION_THRESHOLD: Duration = Duration::from_secs(4 * 60);

/// A round trip longer than this says too little about the server's clock.
const MAX_TRUSTED_ROUND_TRIP: Duration = Duration::from_secs(15 * 60);

/// The skew between the local clock and the server's, in milliseconds (positive when the
/// server is ahead), kept across requests.
#[derive(Debug, Default)]
pub(crate) struct ServerClock {
    skew_ms: AtomicI64,
}

impl ServerClock {
    /// The server's time now, as far as it is known.
    pub(crate) fn now(&self) -> SystemTime {
        shifted(SystemTime::now(), self.skew_ms.load(Ordering::Relaxed))
    }

    /// Measures the skew from an answer's `Date`, against the middle of the round trip
    /// from `sent` to now. Answers from a cache (`Age`) and slow round trips are not trusted.
    pub(crate) fn observe(&self, sent: SystemTime, headers: &HeaderMap) {
        if headers.contains_key("age") {
            return;
        }
        let Some(server) =
            http_date(headers, "date").and_then(|date| SystemTime::try_from(date).ok())
        else {
            return;
        };
        let elapsed = SystemTime::now().duration_since(sent).unwrap_or_default();
        if elapsed > MAX_TRUSTED_ROUND_TRIP {
            return;
        }
        let midpoint = sent + elapsed / 2;
        let skew_ms = match server.duration_since(midpoint) {
            Ok(ahead) => millis(ahead),
            Err(behind) => -millis(behind.duration()),
        };
        self.skew_ms.store(skew_ms, Ordering::Relaxed);
    }

    /// Whether a refusal with `code` is the local clock's fault, and worth a retry signed
    /// with the corrected time.
    pub(crate) fn explains(&self, code: &str) -> bool {
        SKEW_ERROR_CODES.contains(&code)
            && self.skew_ms.load(Ordering::Relaxed).unsigned_abs()
                >= millis(SKEW_DETECTION_THRESHOLD).unsigned_abs()
    }
}

/// `duration` in whole milliseconds, saturating.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// `time` moved by `skew_ms`, unchanged where that leaves the clock's range.
fn shifted(time: SystemTime, skew_ms: i64) -> SystemTime {
    let by = Duration::from_millis(skew_ms.unsigned_abs());
    if skew_ms >= 0 {
        time.checked_add(by)
    } else {
        time.checked_sub(by)
    }
    .unwrap_or(time)
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};

    use super::*;

    fn dated(time: SystemTime) -> HeaderMap {
        let text = DateTime::from(time).fmt(DateTimeFormat::HttpDate).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("date", text.parse().unwrap());
        headers
    }

    #[test]
    fn a_server_an_hour_ahead_moves_the_signing_time_and_explains_a_refusal() {
        let clock = ServerClock::default();
        assert!(!clock.explains("RequestTimeTooSkewed"));
        let sent = SystemTime::now();
        clock.observe(sent, &dated(sent + Duration::from_secs(3600)));
        let ahead = clock.now().duration_since(SystemTime::now()).unwrap();
        assert!(ahead > Duration::from_secs(3590) && ahead < Duration::from_secs(3610));
        assert!(clock.explains("RequestTimeTooSkewed"));
        assert!(!clock.explains("NoSuchKey"));
        clock.observe(SystemTime::now(), &dated(SystemTime::now()));
        assert!(!clock.explains("RequestTimeTooSkewed"));
    }

    #[test]
    fn cached_and_undated_answers_are_not_trusted() {
        let clock = ServerClock::default();
        let sent = SystemTime::now();
        let mut cached = dated(sent - Duration::from_secs(7200));
        cached.insert("age", "10".parse().unwrap());
        clock.observe(sent, &cached);
        clock.observe(sent, &HeaderMap::new());
        assert!(!clock.explains("RequestTimeTooSkewed"));
    }
}
