//! Names no other test, process or run has used, for tests that share a server.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// `{base}-{process}-{nanoseconds}-{counter}`, in hex: unique within this process (the
/// counter), across the processes of one run (the process id) and across runs against a
/// long-lived server (the clock). Tests build key prefixes and user names from it.
pub fn unique_name(base: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_nanos())
        .unwrap_or(0);
    format!("{base}-{:x}-{nanos:x}-{n:x}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::unique_name;

    #[test]
    fn names_start_with_the_base_and_never_repeat() {
        let names: std::collections::HashSet<String> =
            (0..1000).map(|_| unique_name("area")).collect();
        assert_eq!(names.len(), 1000);
        assert!(names.iter().all(|name| name.starts_with("area-")));
    }
}
