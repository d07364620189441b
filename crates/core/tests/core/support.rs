//! Helpers every area shares: instants, captured logs, and a key that must never leak.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use stowage_core::S3Path;

/// The instant an RFC 3339 timestamp names.
pub(crate) fn instant(rfc3339: &str) -> SystemTime {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .into()
}

/// A `tracing` writer that appends to a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything written so far.
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Runs `f` with a subscriber that records every event, and returns the logs it wrote.
pub(crate) fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    let buffer = Captured::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let value = tracing::subscriber::with_default(subscriber, f);
    (value, buffer.text())
}

/// A key with personal data in it: it must never show up in logs, errors or `Debug`.
pub(crate) const SECRET_KEY: &str = "patient-4711/secret scan.nii";
/// `hash_s3_key(SECRET_KEY)`, what output shows instead.
pub(crate) const SECRET_KEY_HASH: &str = "d16c4e94f0986eb4";
/// Parts of the key that must never show up in output.
const SECRET_KEY_PARTS: [&str; 5] = [
    SECRET_KEY,
    "patient-4711",
    "4711",
    "secret scan",
    "scan.nii",
];

/// `s3://clinic-data/` + [`SECRET_KEY`].
pub(crate) fn secret_path() -> S3Path {
    S3Path::new("clinic-data", SECRET_KEY).unwrap()
}

/// Fails when `text` contains the secret key or a recognisable part of it.
pub(crate) fn assert_no_key(text: &str, context: &str) {
    for part in SECRET_KEY_PARTS {
        assert!(
            !text.contains(part),
            "{context}: {part:?} leaked in {text:?}"
        );
    }
}
