//! [`proptest_config`]: the one case count of the workspace's property tests.

use proptest::prelude::ProptestConfig;

/// The fewest cases a property test runs.
const MIN_CASES: u32 = 256;

/// A property test's configuration: `PROPTEST_CASES` cases, at least 256, and no failure
/// file (a failing case is printed instead, so a run leaves nothing in the tree).
pub fn proptest_config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(MIN_CASES)
        .max(MIN_CASES);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
