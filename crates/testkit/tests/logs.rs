//! A forbidden string in any log event fails the whole test binary, whichever thread
//! emitted it.

use std::process::Command;

/// Set in the child process this test starts.
const CHILD: &str = "STOWAGE_TESTKIT_LOGS_CHILD";

#[test]
fn a_forbidden_string_in_an_event_of_any_thread_aborts_the_process() {
    if std::env::var_os(CHILD).is_some() {
        stowage_testkit::logs::forbid(["patient-4711"]);
        tracing::info!(key_hash = "9252375ff413b5e2", "a clean event passes");
        std::thread::spawn(|| tracing::info!(key = "users/patient-4711.pdf", "stored"))
            .join()
            .expect("the emitting thread ends");
        panic!("the leaking event did not abort the process");
    }
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "a_forbidden_string_in_an_event_of_any_thread_aborts_the_process",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .expect("the child runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the child failed: {stderr}");
    assert!(
        stderr.contains("\"patient-4711\" leaked into a log event")
            && !stderr.contains("did not abort"),
        "the child aborted naming the leak: {stderr}"
    );
}
