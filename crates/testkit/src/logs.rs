//! Every log event of a test binary, at TRACE and from every target (the SDK's, hyper's,
//! stowage's), captured as text, to check that none carries a raw key, a presigned URL, a
//! signature, a credential or a policy.
//!
//! ```no_run
//! let logs = stowage_testkit::logs::capture();
//! // ... run operations on keys containing "patient-4711" ...
//! logs.assert_free_of(&["patient-4711", "X-Amz-Signature"]);
//! ```

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The events captured so far in this process.
#[derive(Debug, Clone)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
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
