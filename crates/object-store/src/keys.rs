//! S3 keys as `object_store` paths, and the keys a path-based store cannot hold.
//!
//! A key maps to the [`Path`] with the same text (`Path::parse`), so other tools reading
//! the store see the names S3 clients wrote. `object_store` paths are `/`-separated
//! segments, and some S3 keys are not such paths: an empty segment (`a//b`, a leading or
//! trailing `/`), a `.` or `..` segment, or an ASCII control character. Such a key is never
//! rewritten into another one: writing it is refused with [`Error::InvalidArgument`], and
//! since no object can exist under it, reading it is "not found".

use object_store::path::Path;
use stowage_core::{Error, S3Path};

/// Why a key has no `object_store` path, without echoing the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unmappable {
    /// `a//b`, a leading `/` or a trailing `/`.
    EmptySegment,
    /// A `.` or `..` segment.
    DotSegment,
    /// An ASCII control character.
    ControlCharacter,
}

impl Unmappable {
    /// The refusal a write gets.
    pub(crate) fn into_error(self) -> Error {
        let rule = match self {
            Unmappable::EmptySegment => {
                "an empty path segment (`//`, or a leading or trailing `/`)"
            }
            Unmappable::DotSegment => "a `.` or `..` path segment",
            Unmappable::ControlCharacter => "an ASCII control character",
        };
        Error::invalid_argument(format!(
            "the object_store backend cannot hold a key with {rule}: such keys are not object_store paths"
        ))
    }
}

/// The `object_store` path with exactly the key's text, or why there is none.
pub(crate) fn to_path(key: &str) -> Result<Path, Unmappable> {
    for segment in key.split('/') {
        if segment.is_empty() {
            return Err(Unmappable::EmptySegment);
        }
        if segment == "." || segment == ".." {
            return Err(Unmappable::DotSegment);
        }
    }
    if key.chars().any(|c| c.is_ascii_control()) {
        return Err(Unmappable::ControlCharacter);
    }
    match Path::parse(key) {
        Ok(path) if path.as_ref() == key => Ok(path),
        // `parse` accepted the key but changed it: never store under another name.
        _ => Err(Unmappable::EmptySegment),
    }
}

/// The path of an object key, for an operation that writes it.
pub(crate) fn write_path(path: &S3Path) -> Result<Path, Error> {
    let key = path.object_key()?;
    to_path(key).map_err(Unmappable::into_error)
}

/// The directory a listing under `prefix` starts from: every key with the S3 string
/// prefix `prefix` lies under it. `None` means no stored key can match.
pub(crate) fn listing_root(prefix: &str) -> Option<Option<Path>> {
    match prefix.rfind('/') {
        None => Some(None),
        Some(end) => to_path(&prefix[..end]).ok().map(Some),
    }
}

/// A path at or before `key` in byte order, for `list_with_offset` (which lists paths
/// after it): `key` itself when it is a path, else its longest prefix of whole segments
/// that is one. `None` when no prefix is a path; the listing then starts at the beginning.
pub(crate) fn offset_at_or_before(key: &str) -> Option<Path> {
    let cuts = key.match_indices('/').map(|(at, _)| at).rev();
    std::iter::once(key.len())
        .chain(cuts)
        .find_map(|cut| to_path(&key[..cut]).ok())
}

/// True when `LocalFileSystem` refuses the key's file name: a last segment ending in `#`
/// and digits, the names it uses for in-progress uploads.
pub(crate) fn local_fs_reserved(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key);
    match name.rsplit_once('#') {
        Some((_, suffix)) => !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_verbatim_or_not_at_all() {
        for key in [
            "a",
            "a/b",
            "été/😀",
            "what?x=1&y=2",
            "part#1",
            "100%25 %20 %",
            "a b+c=d;e,f",
        ] {
            assert_eq!(to_path(key).unwrap().as_ref(), key);
        }
        assert_eq!(to_path("a//b"), Err(Unmappable::EmptySegment));
        assert_eq!(to_path("folder/"), Err(Unmappable::EmptySegment));
        assert_eq!(to_path("/lead"), Err(Unmappable::EmptySegment));
        assert_eq!(to_path("./x"), Err(Unmappable::DotSegment));
        assert_eq!(to_path("a/../x"), Err(Unmappable::DotSegment));
        assert_eq!(to_path("a\u{1}b"), Err(Unmappable::ControlCharacter));
    }

    #[test]
    fn listing_root_is_the_last_complete_directory() {
        assert_eq!(listing_root("abc"), Some(None));
        assert_eq!(listing_root("a/b/c"), Some(Some(Path::from("a/b"))));
        assert_eq!(listing_root("a/b/"), Some(Some(Path::from("a/b"))));
        assert_eq!(listing_root("a//"), None);
    }

    #[test]
    fn offsets_never_pass_the_key() {
        assert_eq!(offset_at_or_before("a/b"), Some(Path::from("a/b")));
        assert_eq!(offset_at_or_before("a/b//c"), Some(Path::from("a/b")));
        assert_eq!(offset_at_or_before("folder/"), Some(Path::from("folder")));
        assert_eq!(offset_at_or_before("a/./b"), Some(Path::from("a")));
        assert_eq!(offset_at_or_before("/lead"), None);
        assert_eq!(offset_at_or_before(""), None);
    }

    #[test]
    fn local_fs_reserved_names() {
        assert!(local_fs_reserved("x/part#1"));
        assert!(!local_fs_reserved("x/part#a1"));
        assert!(!local_fs_reserved("x#1/part"));
        assert!(!local_fs_reserved("x/part#"));
    }
}
