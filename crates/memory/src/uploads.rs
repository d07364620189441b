//! [`Uploads`]: the multipart uploads a store started and has not completed or aborted,
//! with their parts, and S3's rules for completing one.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use stowage_core::transfer::{CompletedPart, PendingUpload, UploadId, UploadedPart};
use stowage_core::{PutOptions, Result, S3Path};

use crate::etag::EntityTag;
use crate::limits::{self, Limits};
use crate::object::StoredObject;

/// Uploads by id.
type Started = HashMap<UploadId, Upload>;

/// What a CompleteMultipartUpload names: the parts, and the total size when the request
/// carries `x-amz-mp-object-size`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Completion<'a> {
    /// The parts, in the order the request lists them.
    pub(crate) parts: &'a [CompletedPart],
    /// The size the parts must add up to.
    pub(crate) object_size: Option<u64>,
}

/// The pending multipart uploads of one store.
#[derive(Debug, Default)]
pub(crate) struct Uploads {
    /// Every started upload, behind one lock of its own: parts arrive without blocking
    /// reads and writes of objects.
    started: Mutex<Started>,
}

/// One started upload.
#[derive(Debug)]
struct Upload {
    /// The object it will create.
    path: S3Path,
    /// The object's Content-Type, attributes and metadata; the mode comes with completion.
    options: PutOptions,
    /// When CreateMultipartUpload was called.
    initiated: SystemTime,
    /// The parts uploaded so far, by number; a part sent again replaces the earlier one.
    parts: BTreeMap<u32, Part>,
}

/// One uploaded part.
#[derive(Debug)]
struct Part {
    /// Its bytes.
    data: Bytes,
    /// Its ETag, the quoted MD5 of its bytes.
    etag: EntityTag,
}

impl Uploads {
    /// The uploads, locked; a poisoned lock is still used.
    fn lock(&self) -> MutexGuard<'_, Started> {
        self.started
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts an upload of the object at `path`, described by `options`, at `now`.
    pub(crate) fn start(&self, path: &S3Path, options: PutOptions, now: SystemTime) -> UploadId {
        let id = new_id();
        let upload = Upload {
            path: path.clone(),
            options,
            initiated: now,
            parts: BTreeMap::new(),
        };
        self.lock().insert(id.clone(), upload);
        id
    }

    /// Stores `data` as part `number` of upload `id` of `path` (replacing an earlier part
    /// with that number, as S3 does); `NoSuchUpload` when no such upload of `path` is
    /// pending.
    pub(crate) fn add_part(
        &self,
        path: &S3Path,
        id: &UploadId,
        number: u32,
        data: Bytes,
    ) -> Result<CompletedPart> {
        // Hashed before the lock is taken: parts of one upload arrive concurrently.
        let etag = EntityTag::of_body(&data);
        let mut started = self.lock();
        let upload = pending(&mut started, path, id)?;
        upload.parts.insert(number, Part { data, etag });
        Ok(CompletedPart {
            number,
            etag: etag.text().as_str().to_owned(),
            checksum_crc32: None,
        })
    }

    /// `NoSuchUpload` unless upload `id` of `path` is pending.
    pub(crate) fn check_pending(&self, path: &S3Path, id: &UploadId) -> Result<()> {
        pending(&mut self.lock(), path, id).map(drop)
    }

    /// The parts of upload `id` of `path`, in part order, as ListParts reports them;
    /// `NoSuchUpload` when no such upload of `path` is pending.
    pub(crate) fn parts(&self, path: &S3Path, id: &UploadId) -> Result<Vec<UploadedPart>> {
        let mut started = self.lock();
        let upload = pending(&mut started, path, id)?;
        Ok(upload
            .parts
            .iter()
            .map(|(number, part)| UploadedPart {
                number: *number,
                etag: part.etag.text().as_str().to_owned(),
                size: part.data.len() as u64,
            })
            .collect())
    }

    /// Completes upload `id` of `path` with `parts`, as S3's CompleteMultipartUpload checks
    /// them, and hands the object to `store`; the upload ends only when `store` succeeds,
    /// so a completion refused by the write's mode can be retried or aborted, as on S3.
    ///
    /// The checks, in order: at least one part (`MalformedXML`), part numbers strictly
    /// ascending (`InvalidPartOrder`), every part uploaded with the ETag named
    /// (`InvalidPart`), every part but the last at least the minimum size
    /// (`EntityTooSmall`), the parts' total equal to `object_size` when one is given
    /// (`InvalidRequest`, as S3 answers a wrong `x-amz-mp-object-size`). The object is the parts' bytes in order, with the multipart
    /// ETag, the upload's attributes and metadata, written at `now`.
    pub(crate) fn complete(
        &self,
        path: &S3Path,
        id: &UploadId,
        completion: Completion<'_>,
        limits: &Limits,
        now: SystemTime,
        store: impl FnOnce(StoredObject) -> Result<()>,
    ) -> Result<EntityTag> {
        let Completion { parts, object_size } = completion;
        let mut started = self.lock();
        let upload = pending(&mut started, path, id)?;
        let chosen = upload.chosen_parts(parts, path)?;
        if let Some((_, all_but_last)) = chosen.split_last() {
            for (number, part) in all_but_last {
                limits.check_part(part.data.len() as u64, *number, path)?;
            }
        }
        let etag = EntityTag::of_parts(chosen.iter().map(|(_, part)| part.etag.digest()));
        let size: usize = chosen.iter().map(|(_, part)| part.data.len()).sum();
        if let Some(expected) = object_size
            && expected != size as u64
        {
            return Err(limits::object_size_mismatch(expected, size as u64, path));
        }
        let mut data = BytesMut::with_capacity(size);
        for (_, part) in &chosen {
            data.extend_from_slice(&part.data);
        }
        let object = StoredObject::described(data.freeze(), etag, upload.options.clone(), now);
        store(object)?;
        let finished = started.remove(id);
        // The parts are freed after the lock is released.
        drop(started);
        drop(finished);
        Ok(etag)
    }

    /// Aborts upload `id` of `path`: its parts are discarded; `NoSuchUpload` when no such
    /// upload of `path` is pending.
    pub(crate) fn abort(&self, path: &S3Path, id: &UploadId) -> Result<()> {
        let mut started = self.lock();
        pending(&mut started, path, id)?;
        let aborted = started.remove(id);
        drop(started);
        drop(aborted);
        Ok(())
    }

    /// The pending uploads in `prefix`'s bucket whose key starts with `prefix`'s key, in
    /// S3's order: by key, then by initiation time.
    pub(crate) fn list(&self, prefix: &S3Path) -> Vec<PendingUpload> {
        let mut listed: Vec<PendingUpload> = self
            .lock()
            .iter()
            .filter(|(_, upload)| {
                upload.path.bucket() == prefix.bucket()
                    && upload.path.key().starts_with(prefix.key())
            })
            .map(|(id, upload)| PendingUpload {
                path: upload.path.clone(),
                id: id.clone(),
                initiated: Some(upload.initiated),
            })
            .collect();
        listed.sort_by(|a, b| {
            (a.path.key(), a.initiated, a.id.as_str()).cmp(&(
                b.path.key(),
                b.initiated,
                b.id.as_str(),
            ))
        });
        listed
    }
}

impl Upload {
    /// The uploaded parts `parts` names, in order, after checking their order and ETags.
    fn chosen_parts<'a>(
        &'a self,
        parts: &[CompletedPart],
        path: &S3Path,
    ) -> Result<Vec<(u32, &'a Part)>> {
        if parts.is_empty() {
            return Err(limits::no_parts(path));
        }
        let mut chosen = Vec::with_capacity(parts.len());
        let mut previous = 0;
        for named in parts {
            if named.number <= previous {
                return Err(limits::invalid_part_order(path));
            }
            previous = named.number;
            let part = self
                .parts
                .get(&named.number)
                .filter(|part| unquoted(&named.etag) == unquoted(part.etag.text().as_str()))
                .ok_or_else(|| limits::invalid_part(named.number, path))?;
            chosen.push((named.number, part));
        }
        Ok(chosen)
    }
}

/// The upload `id` of `path`, or `NoSuchUpload`: an id is only good for the key it was
/// started for.
fn pending<'a>(started: &'a mut Started, path: &S3Path, id: &UploadId) -> Result<&'a mut Upload> {
    started
        .get_mut(id)
        .filter(|upload| upload.path == *path)
        .ok_or_else(|| limits::no_such_upload(path))
}

/// An ETag without its quotes: S3 takes a completion's part ETags quoted or not.
fn unquoted(etag: &str) -> &str {
    etag.trim_matches('"')
}

/// A fresh upload id, unique within the process, so an id from one store is unknown to
/// every other.
fn new_id() -> UploadId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    UploadId::new(format!(
        "memory-upload-{:016x}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}
