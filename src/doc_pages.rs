//! The Markdown pages of the repository, compiled as doctests: every Rust snippet of the
//! README, CONTRIBUTING.md and `docs/*.md` builds (and runs, unless marked `no_run`) under
//! `cargo test`. Nothing here exists outside `cfg(doctest)`.

/// `README.md`.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmePage;

/// `CONTRIBUTING.md`.
#[doc = include_str!("../CONTRIBUTING.md")]
#[cfg(doctest)]
pub struct ContributingPage;

/// `docs/backends.md`.
#[doc = include_str!("../docs/backends.md")]
#[cfg(doctest)]
pub struct BackendsPage;

/// `docs/s3-endpoint.md`.
#[doc = include_str!("../docs/s3-endpoint.md")]
#[cfg(doctest)]
pub struct S3EndpointPage;

/// `docs/memory.md`.
#[doc = include_str!("../docs/memory.md")]
#[cfg(doctest)]
pub struct MemoryPage;

/// `docs/large-objects.md`.
#[doc = include_str!("../docs/large-objects.md")]
#[cfg(doctest)]
pub struct LargeObjectsPage;

/// `docs/resumable-uploads.md`.
#[doc = include_str!("../docs/resumable-uploads.md")]
#[cfg(doctest)]
pub struct ResumableUploadsPage;

/// `docs/browser-uploads.md`.
#[doc = include_str!("../docs/browser-uploads.md")]
#[cfg(doctest)]
pub struct BrowserUploadsPage;

/// `docs/reliability.md`.
#[doc = include_str!("../docs/reliability.md")]
#[cfg(doctest)]
pub struct ReliabilityPage;

/// `docs/performance.md`.
#[doc = include_str!("../docs/performance.md")]
#[cfg(doctest)]
pub struct PerformancePage;

/// `docs/cli.md`.
#[doc = include_str!("../docs/cli.md")]
#[cfg(doctest)]
pub struct CliPage;

/// `docs/migrating-from-python.md`.
#[doc = include_str!("../docs/migrating-from-python.md")]
#[cfg(doctest)]
pub struct MigratingFromPythonPage;

/// `docs/writing-a-backend.md`.
#[doc = include_str!("../docs/writing-a-backend.md")]
#[cfg(doctest)]
pub struct WritingABackendPage;

/// `docs/object-store.md` (its snippets are shell commands; included so that any Rust
/// snippet added there is compiled too).
#[doc = include_str!("../docs/object-store.md")]
#[cfg(doctest)]
pub struct ObjectStorePage;
