//! Uppy's browser bundle, served by the app itself: fetched once from the npm registry by
//! `scripts/uppy.sh` into the cache, never from a CDN at run time.

use std::path::{Path, PathBuf};
use std::process::Command;

use bytes::Bytes;

/// The `uppy` npm package version the page is written for.
pub const UPPY_VERSION: &str = "6.0.1";

/// The two files the page loads.
#[derive(Debug, Clone)]
pub struct UppyAssets {
    /// `uppy.min.mjs`: one ES module exporting `Uppy`, `Dashboard` and `AwsS3`.
    pub(crate) script: Bytes,
    /// `uppy.min.css`: the Dashboard's styles.
    pub(crate) styles: Bytes,
}

impl UppyAssets {
    /// Reads the bundle from the cache, running `scripts/uppy.sh` first when it is not
    /// there (one `npm pack` from the registry).
    pub fn load() -> std::io::Result<Self> {
        let dir = cache_dir();
        if !dir.join("uppy.min.mjs").is_file() || !dir.join("uppy.min.css").is_file() {
            fetch()?;
        }
        Ok(Self {
            script: Bytes::from(std::fs::read(dir.join("uppy.min.mjs"))?),
            styles: Bytes::from(std::fs::read(dir.join("uppy.min.css"))?),
        })
    }
}

/// `$STOWAGE_CACHE_DIR/uppy-VERSION`, by default under `~/.cache/stowage`, as the script
/// puts it.
fn cache_dir() -> PathBuf {
    let root = std::env::var_os("STOWAGE_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_default();
            Path::new(&home).join(".cache").join("stowage")
        });
    root.join(format!("uppy-{UPPY_VERSION}"))
}

/// Runs the project's fetch script.
fn fetch() -> std::io::Result<()> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/uppy.sh");
    let status = Command::new("bash")
        .arg(&script)
        .env("STOWAGE_UPPY_VERSION", UPPY_VERSION)
        .stdout(std::process::Stdio::null())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "{} could not fetch Uppy {UPPY_VERSION} from the npm registry ({status}); \
             it needs npm and the registry",
            script.display()
        )))
    }
}
