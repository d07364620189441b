//! The checksums objects were uploaded with, returned as S3 returns them: on a GET or HEAD
//! with `x-amz-checksum-mode: ENABLED`, and in the answer to CompleteMultipartUpload.
//!
//! A checksum is kept beside the store, under the object's path and the ETag the upload
//! produced, and given only while the object still has that ETag: an object replaced by
//! another client, or through the in-process store, never answers with a stale checksum.
//! A multipart upload started with an algorithm keeps each part's checksum; completing it
//! gives S3's composite checksum (the checksum of the parts' checksums, `-N`), or the whole
//! object's for a `FULL_OBJECT` upload.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use s3s::checksum::ChecksumHasher;
use s3s::crypto::Checksum as _;
use s3s::dto::{Checksum, ChecksumAlgorithm, ChecksumType};
use stowage_core::S3Path;

/// Checksums of objects and of the parts of open uploads.
#[derive(Debug, Default)]
pub(super) struct Checksums {
    /// By bucket and key: the ETag the checksum belongs to, the checksum, its type.
    objects: Mutex<HashMap<(String, String), Recorded>>,
    /// By upload id: the algorithm and type it was started with, and each part's checksum.
    uploads: Mutex<HashMap<String, Upload>>,
}

#[derive(Debug, Clone)]
struct Recorded {
    etag: String,
    checksum: Checksum,
    kind: ChecksumType,
}

#[derive(Debug)]
struct Upload {
    algorithm: ChecksumAlgorithm,
    kind: ChecksumType,
    parts: BTreeMap<u32, String>,
}

/// The checksum of a finished upload, to return and to keep.
#[derive(Debug, Clone)]
pub(super) struct Finished {
    /// The value, in the field of its algorithm.
    pub(super) checksum: Checksum,
    /// `COMPOSITE` or `FULL_OBJECT`.
    pub(super) kind: ChecksumType,
}

impl Checksums {
    /// Keeps `checksum` for the object at `path` while it has `etag`; an upload without a
    /// checksum forgets the path's.
    pub(super) fn record(&self, path: &S3Path, etag: Option<&str>, checksum: &Checksum) {
        let key = key_of(path);
        let mut objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        match etag.filter(|_| is_set(checksum)) {
            Some(etag) => {
                objects.insert(
                    key,
                    Recorded {
                        etag: etag.to_owned(),
                        checksum: checksum.clone(),
                        kind: ChecksumType::from_static(ChecksumType::FULL_OBJECT),
                    },
                );
            }
            None => {
                objects.remove(&key);
            }
        }
    }

    /// Keeps a finished upload's checksum for `path` while it has `etag`.
    pub(super) fn record_finished(&self, path: &S3Path, etag: &str, finished: &Finished) {
        let mut objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        objects.insert(
            key_of(path),
            Recorded {
                etag: etag.to_owned(),
                checksum: finished.checksum.clone(),
                kind: finished.kind.clone(),
            },
        );
    }

    /// Gives `to`, now with `etag`, the checksum `from` has while it has `from_etag`.
    pub(super) fn copy(
        &self,
        from: &S3Path,
        from_etag: Option<&str>,
        to: &S3Path,
        etag: Option<&str>,
    ) {
        let found = from_etag.and_then(|from_etag| self.lookup(from, from_etag));
        let mut objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        match (found, etag) {
            (Some((checksum, kind)), Some(etag)) => {
                objects.insert(
                    key_of(to),
                    Recorded {
                        etag: etag.to_owned(),
                        checksum,
                        kind,
                    },
                );
            }
            _ => {
                objects.remove(&key_of(to));
            }
        }
    }

    /// Forgets the checksum of a deleted object.
    pub(super) fn forget(&self, path: &S3Path) {
        let mut objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        objects.remove(&key_of(path));
    }

    /// The checksum and its type of the object at `path`, if it was uploaded with one and
    /// still has `etag`.
    pub(super) fn lookup(&self, path: &S3Path, etag: &str) -> Option<(Checksum, ChecksumType)> {
        let objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        objects
            .get(&key_of(path))
            .filter(|recorded| recorded.etag == etag)
            .map(|recorded| (recorded.checksum.clone(), recorded.kind.clone()))
    }

    /// Notes that `upload` was started with `algorithm` (and `kind`, `COMPOSITE` unless
    /// `FULL_OBJECT` was asked); answers the type the upload will have.
    pub(super) fn start_upload(
        &self,
        upload: &str,
        algorithm: ChecksumAlgorithm,
        kind: Option<ChecksumType>,
    ) -> ChecksumType {
        let kind = kind
            .filter(|kind| kind.as_str() == ChecksumType::FULL_OBJECT)
            .unwrap_or_else(|| ChecksumType::from_static(ChecksumType::COMPOSITE));
        let mut uploads = self.uploads.lock().unwrap_or_else(PoisonError::into_inner);
        uploads.insert(
            upload.to_owned(),
            Upload {
                algorithm,
                kind: kind.clone(),
                parts: BTreeMap::new(),
            },
        );
        kind
    }

    /// Keeps part `number`'s checksum of `upload`, in the upload's algorithm.
    pub(super) fn record_part(&self, upload: &str, number: u32, checksum: &Checksum) {
        let mut uploads = self.uploads.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(open) = uploads.get_mut(upload)
            && let Some(value) = value_of(checksum, &open.algorithm)
        {
            open.parts.insert(number, value.to_owned());
        }
    }

    /// Whether completing `upload` needs the whole object: a `FULL_OBJECT` checksum.
    pub(super) fn wants_whole(&self, upload: &str) -> bool {
        let uploads = self.uploads.lock().unwrap_or_else(PoisonError::into_inner);
        uploads
            .get(upload)
            .is_some_and(|open| open.kind.as_str() == ChecksumType::FULL_OBJECT)
    }

    /// The checksum of `upload` completed with `parts` (in order): the composite of the
    /// parts' checksums, or `None` when the upload has no algorithm or a part has no
    /// checksum. A `FULL_OBJECT` upload is computed over `whole` instead (see
    /// [`Checksums::wants_whole`]).
    pub(super) fn finish_upload(
        &self,
        upload: &str,
        parts: &[u32],
        whole: Option<bytes::Bytes>,
    ) -> Option<Finished> {
        let open = self
            .uploads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(upload)?;
        let mut hasher = hasher_for(&open.algorithm)?;
        if open.kind.as_str() == ChecksumType::FULL_OBJECT {
            hasher.update(&whole?);
            return Some(Finished {
                checksum: hasher.finalize(),
                kind: open.kind,
            });
        }
        for number in parts {
            let raw = STANDARD.decode(open.parts.get(number)?).ok()?;
            hasher.update(&raw);
        }
        let mut checksum = hasher.finalize();
        for value in fields_mut(&mut checksum).into_iter().flatten() {
            value.push_str(&format!("-{}", parts.len()));
        }
        Some(Finished {
            checksum,
            kind: open.kind,
        })
    }

    /// The algorithm `upload` was started with, if any.
    pub(super) fn upload_algorithm(&self, upload: &str) -> Option<ChecksumAlgorithm> {
        let uploads = self.uploads.lock().unwrap_or_else(PoisonError::into_inner);
        uploads.get(upload).map(|open| open.algorithm.clone())
    }

    /// Part `number`'s checksum of `upload`, in its algorithm's field, as ListParts reports
    /// it (empty when the upload has no algorithm or the part no checksum).
    pub(super) fn part(&self, upload: &str, number: u32) -> Checksum {
        let uploads = self.uploads.lock().unwrap_or_else(PoisonError::into_inner);
        let mut checksum = Checksum::default();
        if let Some(open) = uploads.get(upload)
            && let Some(field) = field_mut(&mut checksum, &open.algorithm)
        {
            *field = open.parts.get(&number).cloned();
        }
        checksum
    }

    /// Forgets an aborted upload's parts.
    pub(super) fn abort_upload(&self, upload: &str) {
        let mut uploads = self.uploads.lock().unwrap_or_else(PoisonError::into_inner);
        uploads.remove(upload);
    }
}

fn key_of(path: &S3Path) -> (String, String) {
    (path.bucket().to_owned(), path.key().to_owned())
}

/// Whether any algorithm's value is set.
fn is_set(checksum: &Checksum) -> bool {
    checksum.checksum_crc32.is_some()
        || checksum.checksum_crc32c.is_some()
        || checksum.checksum_crc64nvme.is_some()
        || checksum.checksum_sha1.is_some()
        || checksum.checksum_sha256.is_some()
}

/// The value of `algorithm` in `checksum`.
fn value_of<'a>(checksum: &'a Checksum, algorithm: &ChecksumAlgorithm) -> Option<&'a str> {
    match algorithm.as_str() {
        ChecksumAlgorithm::CRC32 => checksum.checksum_crc32.as_deref(),
        ChecksumAlgorithm::CRC32C => checksum.checksum_crc32c.as_deref(),
        ChecksumAlgorithm::CRC64NVME => checksum.checksum_crc64nvme.as_deref(),
        ChecksumAlgorithm::SHA1 => checksum.checksum_sha1.as_deref(),
        ChecksumAlgorithm::SHA256 => checksum.checksum_sha256.as_deref(),
        _ => None,
    }
}

/// The field of `algorithm` in `checksum`.
fn field_mut<'a>(
    checksum: &'a mut Checksum,
    algorithm: &ChecksumAlgorithm,
) -> Option<&'a mut Option<String>> {
    match algorithm.as_str() {
        ChecksumAlgorithm::CRC32 => Some(&mut checksum.checksum_crc32),
        ChecksumAlgorithm::CRC32C => Some(&mut checksum.checksum_crc32c),
        ChecksumAlgorithm::CRC64NVME => Some(&mut checksum.checksum_crc64nvme),
        ChecksumAlgorithm::SHA1 => Some(&mut checksum.checksum_sha1),
        ChecksumAlgorithm::SHA256 => Some(&mut checksum.checksum_sha256),
        _ => None,
    }
}

fn fields_mut(checksum: &mut Checksum) -> [Option<&mut String>; 5] {
    [
        checksum.checksum_crc32.as_mut(),
        checksum.checksum_crc32c.as_mut(),
        checksum.checksum_crc64nvme.as_mut(),
        checksum.checksum_sha1.as_mut(),
        checksum.checksum_sha256.as_mut(),
    ]
}

/// A hasher of `algorithm` alone.
fn hasher_for(algorithm: &ChecksumAlgorithm) -> Option<ChecksumHasher> {
    let mut hasher = ChecksumHasher::default();
    match algorithm.as_str() {
        ChecksumAlgorithm::CRC32 => hasher.crc32 = Some(s3s::crypto::Crc32::new()),
        ChecksumAlgorithm::CRC32C => hasher.crc32c = Some(s3s::crypto::Crc32c::new()),
        ChecksumAlgorithm::CRC64NVME => hasher.crc64nvme = Some(s3s::crypto::Crc64Nvme::new()),
        ChecksumAlgorithm::SHA1 => hasher.sha1 = Some(s3s::crypto::Sha1::new()),
        ChecksumAlgorithm::SHA256 => hasher.sha256 = Some(s3s::crypto::Sha256::new()),
        _ => return None,
    }
    Some(hasher)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crc32(data: &[u8]) -> String {
        STANDARD.encode(crc32fast::hash(data).to_be_bytes())
    }

    fn path() -> S3Path {
        S3Path::new("bucket", "key").unwrap()
    }

    #[test]
    fn a_checksum_is_given_only_while_the_object_keeps_its_etag() {
        let checksums = Checksums::default();
        let checksum = Checksum {
            checksum_crc32: Some(crc32(b"a")),
            ..Checksum::default()
        };
        checksums.record(&path(), Some("\"e1\""), &checksum);
        assert_eq!(checksums.lookup(&path(), "\"e1\"").unwrap().0, checksum);
        assert!(checksums.lookup(&path(), "\"e2\"").is_none());
        checksums.record(&path(), Some("\"e2\""), &Checksum::default());
        assert!(checksums.lookup(&path(), "\"e1\"").is_none());
    }

    #[test]
    fn a_composite_checksum_is_the_checksum_of_the_parts_checksums() {
        let checksums = Checksums::default();
        checksums.start_upload(
            "u",
            ChecksumAlgorithm::from_static(ChecksumAlgorithm::CRC32),
            None,
        );
        for (number, data) in [(1, b"first".as_slice()), (2, b"second".as_slice())] {
            let part = Checksum {
                checksum_crc32: Some(crc32(data)),
                ..Checksum::default()
            };
            checksums.record_part("u", number, &part);
        }
        let algorithm = checksums.upload_algorithm("u").unwrap();
        assert_eq!(algorithm.as_str(), ChecksumAlgorithm::CRC32);
        assert_eq!(
            checksums.part("u", 2).checksum_crc32,
            Some(crc32(b"second"))
        );
        let finished = checksums.finish_upload("u", &[1, 2], None).unwrap();
        let mut raw = crc32fast::hash(b"first").to_be_bytes().to_vec();
        raw.extend(crc32fast::hash(b"second").to_be_bytes());
        assert_eq!(
            finished.checksum.checksum_crc32,
            Some(format!("{}-2", crc32(&raw)))
        );
        assert_eq!(finished.kind.as_str(), ChecksumType::COMPOSITE);
        assert!(
            checksums.finish_upload("u", &[1, 2], None).is_none(),
            "finished once"
        );
    }

    #[test]
    fn a_full_object_upload_is_summed_over_the_object() {
        let checksums = Checksums::default();
        checksums.start_upload(
            "u",
            ChecksumAlgorithm::from_static(ChecksumAlgorithm::CRC32),
            Some(ChecksumType::from_static(ChecksumType::FULL_OBJECT)),
        );
        let finished = checksums
            .finish_upload("u", &[1], Some(bytes::Bytes::from_static(b"whole")))
            .unwrap();
        assert_eq!(finished.checksum.checksum_crc32, Some(crc32(b"whole")));
    }
}
