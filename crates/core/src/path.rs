//! `s3://bucket/key` paths: parsing, validation and display.

use std::fmt;
use std::str::FromStr;

use crate::hash::hash_s3_key;

/// The only accepted scheme, matched exactly (S3 URIs are lowercase by convention).
const SCHEME: &str = "s3://";
/// Shortest bucket name S3 accepts.
const BUCKET_MIN_LEN: usize = 3;
/// Longest bucket name S3 accepts.
const BUCKET_MAX_LEN: usize = 63;
/// Longest object key S3 accepts, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// Why a string or a bucket/key pair is not a valid S3 path.
///
/// Each variant names the rule that was broken. None of them echoes the key, so the
/// message is safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The string does not start with `s3://` (exactly, in lowercase).
    #[error("an S3 path must start with `s3://`")]
    MissingScheme,
    /// Nothing between `s3://` and the first `/`.
    #[error("the bucket name is empty")]
    EmptyBucket,
    /// The bucket name is shorter than 3 or longer than 63 characters.
    #[error("a bucket name must be 3 to 63 characters long, this one has {len}")]
    BucketLength {
        /// Length of the rejected bucket name, in bytes.
        len: usize,
    },
    /// The bucket name contains a character other than `a-z`, `0-9`, `.` and `-`.
    #[error("a bucket name may contain only lowercase letters, digits, `.` and `-`, not {ch:?}")]
    BucketCharacter {
        /// The first offending character.
        ch: char,
    },
    /// The bucket name starts or ends with `.` or `-`.
    #[error("a bucket name must start and end with a lowercase letter or a digit")]
    BucketEdge,
    /// The bucket name contains `..`.
    #[error("a bucket name must not contain two adjacent periods")]
    BucketAdjacentPeriods,
    /// The bucket name looks like an IPv4 address.
    #[error("a bucket name must not be formatted as an IPv4 address")]
    BucketIpAddress,
    /// The key is longer than 1024 UTF-8 bytes.
    #[error("an object key may be at most {MAX_KEY_BYTES} bytes long, this one has {len}")]
    KeyTooLong {
        /// Length of the rejected key, in bytes.
        len: usize,
    },
    /// An object operation was given a path with no key (`s3://bucket` or `s3://bucket/`).
    ///
    /// Such a path is valid as a listing prefix, but names no object.
    #[error("this operation needs an object key, but the path names only a bucket")]
    EmptyKey,
}

/// A validated `s3://bucket/key` location.
///
/// The key is kept verbatim: `?`, `#`, `%`, spaces, unicode and a leading `/` are all legal
/// key characters in S3 and are preserved; nothing is read as a URL query or fragment. An
/// empty key is allowed, so that a path can also serve as a listing prefix; object
/// operations reject it with [`PathError::EmptyKey`].
///
/// `Display` prints the full path and round-trips through [`S3Path::parse`]. `Debug` prints
/// the bucket and the [`hash_s3_key`] of the key, never the key itself, so a path that ends
/// up in a log line leaks nothing.
///
/// ```
/// use stowage::S3Path;
///
/// let path: S3Path = "s3://scans/2024/patient 7/t1.nii.gz?v=2".parse()?;
/// assert_eq!(path.bucket(), "scans");
/// assert_eq!(path.key(), "2024/patient 7/t1.nii.gz?v=2");
/// assert_eq!(path.to_string(), "s3://scans/2024/patient 7/t1.nii.gz?v=2");
/// # Ok::<(), stowage::PathError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct S3Path {
    /// The whole path, `s3://bucket/key`, in one allocation: a path costs one heap block,
    /// and displaying it is a copy.
    full: String,
    /// Length of the bucket name, which S3 caps at 63 bytes.
    bucket_len: u8,
}

impl S3Path {
    /// Parses `s3://bucket/key`, validating the bucket name and the key length.
    pub fn parse(s: &str) -> Result<Self, PathError> {
        let rest = s.strip_prefix(SCHEME).ok_or(PathError::MissingScheme)?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        Self::new(bucket, key)
    }

    /// Builds a path from a bucket name and a key, with the same validation as [`S3Path::parse`].
    pub fn new(bucket: impl AsRef<str>, key: impl AsRef<str>) -> Result<Self, PathError> {
        let (bucket, key) = (bucket.as_ref(), key.as_ref());
        validate_bucket(bucket)?;
        validate_key(key)?;
        let mut full = String::with_capacity(SCHEME.len() + bucket.len() + 1 + key.len());
        full.push_str(SCHEME);
        full.push_str(bucket);
        full.push('/');
        full.push_str(key);
        Ok(Self {
            full,
            bucket_len: u8::try_from(bucket.len()).expect("validated: at most 63 bytes"),
        })
    }

    /// The path of a whole bucket (an empty key), for listing it.
    pub fn bucket_root(bucket: impl AsRef<str>) -> Result<Self, PathError> {
        Self::new(bucket, "")
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.full[SCHEME.len()..self.key_start() - 1]
    }

    /// The object key (or prefix), verbatim. Empty for a bucket root.
    pub fn key(&self) -> &str {
        &self.full[self.key_start()..]
    }

    /// The whole path, `s3://bucket/key` (the same text as `Display`).
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// Byte offset of the key in `full`: after the scheme, the bucket and its `/`.
    fn key_start(&self) -> usize {
        SCHEME.len() + usize::from(self.bucket_len) + 1
    }

    /// The key, or [`PathError::EmptyKey`] when the path names only a bucket.
    ///
    /// Backends call this at the start of every object operation.
    pub fn object_key(&self) -> Result<&str, PathError> {
        match self.key() {
            "" => Err(PathError::EmptyKey),
            key => Ok(key),
        }
    }

    /// [`hash_s3_key`] of the key: what logs and errors show instead of the key.
    pub fn key_hash(&self) -> String {
        hash_s3_key(self.key())
    }

    /// A path in the same bucket whose key is this key followed by `suffix`.
    ///
    /// ```
    /// use stowage::S3Path;
    /// let dir = S3Path::parse("s3://models/llama/")?;
    /// assert_eq!(dir.join("weights.bin")?.key(), "llama/weights.bin");
    /// # Ok::<(), stowage::PathError>(())
    /// ```
    pub fn join(&self, suffix: &str) -> Result<Self, PathError> {
        validate_key_len(self.key().len() + suffix.len())?;
        let mut full = String::with_capacity(self.full.len() + suffix.len());
        full.push_str(&self.full);
        full.push_str(suffix);
        Ok(Self {
            full,
            bucket_len: self.bucket_len,
        })
    }

    /// Splits the path into its bucket and key.
    pub fn into_parts(self) -> (String, String) {
        (self.bucket().to_owned(), self.key().to_owned())
    }
}

/// Parses `s3://bucket/key` into `(bucket, key)`, with the validation of [`S3Path::parse`]:
/// a missing scheme or a bad bucket name is a [`PathError`], and `?`/`#` stay in the key.
///
/// ```
/// let (bucket, key) = stowage::parse_s3_path("s3://bucket-name/a/b#1")?;
/// assert_eq!((bucket.as_str(), key.as_str()), ("bucket-name", "a/b#1"));
/// # Ok::<(), stowage::PathError>(())
/// ```
pub fn parse_s3_path(s: &str) -> Result<(String, String), PathError> {
    S3Path::parse(s).map(S3Path::into_parts)
}

impl FromStr for S3Path {
    type Err = PathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for S3Path {
    type Error = PathError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

/// Paths order by bucket, then by key bytes (the order S3 lists keys in).
impl Ord for S3Path {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.bucket(), self.key()).cmp(&(other.bucket(), other.key()))
    }
}

impl PartialOrd for S3Path {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for S3Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

impl fmt::Debug for S3Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Path")
            .field("bucket", &self.bucket())
            .field("key_hash", &self.key_hash())
            .finish()
    }
}

/// A log- and error-safe rendering of a path: `s3://bucket/<key sha256:…>`.
#[derive(Clone, Copy)]
pub(crate) struct Redacted<'a>(pub(crate) &'a S3Path);

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{SCHEME}{}/<key sha256:{}>",
            self.0.bucket(),
            self.0.key_hash()
        )
    }
}

fn validate_bucket(bucket: &str) -> Result<(), PathError> {
    if bucket.is_empty() {
        return Err(PathError::EmptyBucket);
    }
    if let Some(ch) = bucket
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return Err(PathError::BucketCharacter { ch });
    }
    if !(BUCKET_MIN_LEN..=BUCKET_MAX_LEN).contains(&bucket.len()) {
        return Err(PathError::BucketLength { len: bucket.len() });
    }
    let alphanumeric = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = bucket.as_bytes();
    if !alphanumeric(bytes[0]) || !alphanumeric(bytes[bytes.len() - 1]) {
        return Err(PathError::BucketEdge);
    }
    if bucket.contains("..") {
        return Err(PathError::BucketAdjacentPeriods);
    }
    if bucket.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(PathError::BucketIpAddress);
    }
    Ok(())
}

fn validate_key(key: &str) -> Result<(), PathError> {
    validate_key_len(key.len())
}

fn validate_key_len(len: usize) -> Result<(), PathError> {
    if len > MAX_KEY_BYTES {
        return Err(PathError::KeyTooLong { len });
    }
    Ok(())
}
