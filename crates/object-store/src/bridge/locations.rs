//! Where an `object_store` [`Path`] lives in the stowage backend: a bucket and an optional
//! key prefix, and the way back from keys to paths.

use std::sync::Arc;

use object_store::path::Path;
use stowage_core::{Error, S3Path};

use crate::bridge::errors::invalid_location;

/// The bucket and key prefix a bridge serves; cheap to clone into streams.
#[derive(Clone)]
pub(crate) struct Locations {
    /// The bucket and the prefix (empty, or ending with `/`), validated once: every path
    /// is joined onto it without validating the bucket again.
    root: Arc<S3Path>,
}

impl Locations {
    /// Every path under `prefix` (a path such as `tenant/data`; empty for the bucket root)
    /// of `bucket`; an invalid bucket name or prefix is [`Error::InvalidPath`] or
    /// [`Error::InvalidArgument`].
    pub(crate) fn new(bucket: &str, prefix: &str) -> Result<Self, Error> {
        S3Path::bucket_root(bucket)?;
        let trimmed = prefix.trim_end_matches('/');
        let base = if trimmed.is_empty() {
            String::new()
        } else {
            match Path::parse(trimmed) {
                Ok(path) if path.as_ref() == trimmed => format!("{trimmed}/"),
                _ => {
                    return Err(Error::invalid_argument(
                        "a bridge prefix must be an object_store path: `/`-separated segments, \
                         none empty, `.` or `..`",
                    ));
                }
            }
        };
        Ok(Self {
            root: Arc::new(S3Path::new(bucket, &base)?),
        })
    }

    /// The bucket.
    pub(crate) fn bucket(&self) -> &str {
        self.root.bucket()
    }

    /// The key prefix, empty or ending with `/`.
    pub(crate) fn base(&self) -> &str {
        self.root.key()
    }

    /// The object at `location`.
    pub(crate) fn object(&self, location: &Path) -> object_store::Result<S3Path> {
        self.root
            .join(location.as_ref())
            .map_err(|error| invalid_location(error.into()))
    }

    /// The S3 prefix of `object_store`'s listing of `prefix`: whole segments, so `foo`
    /// lists `foo/...` and not `foo.bar`.
    pub(crate) fn directory(&self, prefix: Option<&Path>) -> object_store::Result<S3Path> {
        match prefix.map(Path::as_ref) {
            None | Some("") => Ok(S3Path::clone(&self.root)),
            Some(prefix) => self.key_path(&format!("{prefix}/")),
        }
    }

    /// The S3 prefix of a listing by raw string prefix (`fo` matches `foo/...` and `fob`).
    pub(crate) fn raw_prefix(&self, prefix: Option<&str>) -> object_store::Result<S3Path> {
        self.key_path(prefix.unwrap_or_default())
    }

    /// The key a listing offset names.
    pub(crate) fn key(&self, location: &str) -> String {
        format!("{}{location}", self.base())
    }

    /// The path of a listed key; a key that is not an `object_store` path (`a//b`, a
    /// `folder/` marker) is `object_store`'s `InvalidPath`, as `AmazonS3` answers.
    pub(crate) fn path_of_key(&self, key: &str) -> object_store::Result<Path> {
        Ok(Path::parse(self.relative(key))?)
    }

    /// The path of a listed common prefix, without its trailing delimiter.
    pub(crate) fn path_of_prefix(&self, key: &str, delimiter: &str) -> object_store::Result<Path> {
        let relative = self.relative(key);
        Ok(Path::parse(
            relative.strip_suffix(delimiter).unwrap_or(relative),
        )?)
    }

    fn relative<'k>(&self, key: &'k str) -> &'k str {
        key.strip_prefix(self.base()).unwrap_or(key)
    }

    /// The root's key followed by `suffix`.
    fn key_path(&self, suffix: &str) -> object_store::Result<S3Path> {
        self.root
            .join(suffix)
            .map_err(|error| invalid_location(error.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_live_under_the_prefix() {
        let locations = Locations::new("bucket", "tenant/data/").unwrap();
        let object = locations.object(&Path::from("a/b.parquet")).unwrap();
        assert_eq!(object.key(), "tenant/data/a/b.parquet");
        assert_eq!(
            locations.directory(Some(&Path::from("a"))).unwrap().key(),
            "tenant/data/a/"
        );
        assert_eq!(locations.directory(None).unwrap().key(), "tenant/data/");
        assert_eq!(
            locations.raw_prefix(Some("fo")).unwrap().key(),
            "tenant/data/fo"
        );
        assert_eq!(
            locations.path_of_key("tenant/data/a/b.parquet").unwrap(),
            Path::from("a/b.parquet")
        );
        assert_eq!(
            locations.path_of_prefix("tenant/data/a/", "/").unwrap(),
            Path::from("a")
        );
    }

    #[test]
    fn prefixes_that_are_not_paths_are_refused() {
        for prefix in ["a//b", "/a", "a/../b"] {
            assert!(matches!(
                Locations::new("bucket", prefix),
                Err(Error::InvalidArgument { .. })
            ));
        }
        assert!(matches!(
            Locations::new("Not A Bucket", ""),
            Err(Error::InvalidPath(_))
        ));
    }

    #[test]
    fn keys_that_are_not_paths_are_invalid_paths() {
        let locations = Locations::new("bucket", "").unwrap();
        assert!(matches!(
            locations.path_of_key("folder//x"),
            Err(object_store::Error::InvalidPath { .. })
        ));
    }

    #[test]
    fn keys_over_1024_bytes_are_refused_before_any_request() {
        let locations = Locations::new("bucket", "p").unwrap();
        let long = Path::from("x".repeat(1023));
        assert!(matches!(
            locations.object(&long),
            Err(object_store::Error::Generic { .. })
        ));
    }
}
