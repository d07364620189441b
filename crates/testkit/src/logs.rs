//! Every log event of a test binary, at TRACE and from every target (the SDK's, hyper's,
//! stowage's), captured as text, to check that none carries a raw key, a presigned URL, a
//! signature, a credential or a policy.
//!
//! Two ways to check. [`Logs::assert_free_of`] looks at everything captured so far, at the
//! end of a test. [`forbid`] registers strings no event may ever contain, for the rest of the
//! process, together with the markers of signatures, credentials and policies: the first
//! event that holds one aborts the test binary, whichever test or task emitted it, so a leak
//! cannot pass unseen in a binary that forbids.
//!
//! ```no_run
//! let logs = stowage_testkit::logs::capture();
//! // ... run operations on keys containing "patient-4711" ...
//! logs.assert_free_of(&["patient-4711", "X-Amz-Signature"]);
//!
//! // From here on, no event of this process may name these, or a signature.
//! stowage_testkit::logs::forbid(["patient-"]);
//! ```

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The events captured so far in this process.
#[derive(Debug, Clone)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

/// Strings that appear in presigned URLs, signed headers and POST forms, and must never in
/// a log: the signature and credential parameters, and the start of a base64-encoded JSON
/// policy (`{"` encodes to `eyJ`). [`forbid`] always forbids them.
const SIGNING_MARKERS: [&str; 6] = [
    "X-Amz-Signature",
    "x-amz-signature",
    "Signature=",
    "Credential=",
    "x-amz-credential",
    "eyJ",
];

/// What no event may contain, in this process, from the moment [`forbid`] added it.
static FORBIDDEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let event = String::from_utf8_lossy(buf);
        if let Some(needle) = leak(
            &event,
            &FORBIDDEN.lock().unwrap_or_else(PoisonError::into_inner),
        ) {
            // Straight to the process's stderr: the test harness would swallow `eprintln!`.
            let _ = writeln!(
                std::io::stderr(),
                "stowage_testkit::logs: {needle:?} leaked into a log event: {event}"
            );
            std::process::abort();
        }
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static CAPTURE: OnceLock<Logs> = OnceLock::new();

/// Installs the capture as this process's global subscriber, the first time it is called,
/// and returns it.
///
/// # Panics
///
/// When another global subscriber was installed first: the capture would see nothing.
pub fn capture() -> &'static Logs {
    CAPTURE.get_or_init(|| {
        let logs = Logs(Arc::new(Mutex::new(Vec::new())));
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("the log capture is the process's only global subscriber");
        logs
    })
}

/// Installs the capture (see [`capture`]) and forbids every one of `needles`, and the
/// markers of signatures, credentials and base64 policies, in every event from now on, in
/// this whole process: an event that contains one aborts the process, naming it. Returns
/// the capture.
///
/// # Panics
///
/// As [`capture`].
pub fn forbid<S: Into<String>>(needles: impl IntoIterator<Item = S>) -> &'static Logs {
    let logs = capture();
    let mut forbidden = FORBIDDEN.lock().unwrap_or_else(PoisonError::into_inner);
    let markers = SIGNING_MARKERS.iter().map(|&marker| marker.to_owned());
    for needle in markers.chain(needles.into_iter().map(Into::into)) {
        if !needle.is_empty() && !forbidden.contains(&needle) {
            forbidden.push(needle);
        }
    }
    logs
}

/// The first of `needles` that `event` contains.
fn leak<'n>(event: &str, needles: &'n [String]) -> Option<&'n str> {
    needles
        .iter()
        .find(|needle| event.contains(needle.as_str()))
        .map(String::as_str)
}

impl Logs {
    /// Everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }

    /// Panics naming the first line that contains one of `needles`.
    pub fn assert_free_of(&self, needles: &[&str]) {
        let logs = self.text();
        for needle in needles {
            if let Some(at) = logs.find(needle) {
                let line_start = logs[..at].rfind('\n').map_or(0, |i| i + 1);
                let line_end = logs[at..].find('\n').map_or(logs.len(), |i| at + i);
                panic!(
                    "{needle:?} leaked into the logs: {}",
                    &logs[line_start..line_end]
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_holding_a_forbidden_string_is_a_leak() {
        let needles = vec!["patient-".to_owned(), "X-Amz-Signature".to_owned()];
        assert_eq!(
            leak("GET key=users/patient-4711.pdf", &needles),
            Some("patient-")
        );
        assert_eq!(
            leak("url=https://h/k?X-Amz-Signature=ab", &needles),
            Some("X-Amz-Signature")
        );
        assert_eq!(leak("key_hash=9252375ff413b5e2", &needles), None);
    }
}
