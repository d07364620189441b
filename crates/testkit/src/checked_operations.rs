//! Every operation of the trait as one checked step, for the tests that run all of them
//! under a fault: the fault-injecting proxy's matrix and the node failures of a cluster.
//!
//! [`run`] either succeeds, after checking every byte and answer, or returns the
//! operation's own error; a wrong answer panics. The caller decides which errors its fault
//! allows.

use std::sync::Arc;

use bytes::Bytes;
use stowage_core::{
    ByteRange, Error, GetOptions, GetOutcome, ListOptions, ObjectStorage, PutOptions, S3Path,
};

use crate::areas::transfers::small_parts;

const MIB: usize = 1024 * 1024;

/// The size of the object [`Operation::PutInParts`] writes: three parts of
/// [`small_parts`].
pub const IN_PARTS_LEN: usize = 11 * MIB;

/// One operation, each on objects of its own under a base path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `put_object` of the source's bytes, read back.
    Put,
    /// `put_object` of [`IN_PARTS_LEN`] bytes, which the store's transfer settings (expected
    /// to be [`small_parts`]) split into parts; read back.
    PutInParts,
    /// `get_object` of the source.
    Get,
    /// A ranged `get_object_with` of the source.
    GetRange,
    /// A parallel [`download`](stowage_core::transfer::download) of the source.
    Download,
    /// `head_object` of the source.
    Head,
    /// `object_exists` of the source.
    Exists,
    /// `copy_object` of the source, read back.
    Copy,
    /// `put_object` then `delete_object`, then `object_exists`.
    Delete,
    /// Three puts, a `delete_objects` of them, then a retry of the keys that failed.
    DeleteMany,
    /// `list_objects` with the source as prefix.
    List,
    /// One `list_page` with the source as prefix.
    ListPage,
}

impl Operation {
    /// Every operation, in a fixed order.
    pub const ALL: [Operation; 12] = [
        Operation::Put,
        Operation::PutInParts,
        Operation::Get,
        Operation::GetRange,
        Operation::Download,
        Operation::Head,
        Operation::Exists,
        Operation::Copy,
        Operation::Delete,
        Operation::DeleteMany,
        Operation::List,
        Operation::ListPage,
    ];
}

/// `len` bytes in which no two neighbouring blocks are alike.
pub fn content(len: usize) -> Bytes {
    (0..len).map(|i| (i * 31 + i / 251) as u8).collect()
}

/// Runs `op` under `base`, where `source` holds `bytes`; `Ok` once every byte and answer
/// was checked, the operation's own error otherwise.
///
/// # Panics
///
/// When the store answers wrongly: other bytes, a missing or left-over object, a path of a
/// batch delete reported twice or not at all.
pub async fn run<S>(
    op: Operation,
    storage: &Arc<S>,
    base: &S3Path,
    source: &S3Path,
    bytes: &Bytes,
) -> Result<(), Error>
where
    S: ObjectStorage + ?Sized + 'static,
{
    let target = base.join(&format!("{op:?}"))?;
    match op {
        Operation::Put => {
            write(storage, &target, bytes).await?;
            assert_eq!(&read(storage, &target).await?, bytes, "{op:?}");
        }
        Operation::PutInParts => {
            let large = content(IN_PARTS_LEN);
            write(storage, &target, &large).await?;
            assert!(read(storage, &target).await? == large, "{op:?}");
        }
        Operation::Get => {
            assert_eq!(&read(storage, source).await?, bytes, "{op:?}");
        }
        Operation::GetRange => {
            let options = GetOptions::new().range(ByteRange::inclusive(100, 1123));
            match storage.get_object_with(source, &options).await? {
                GetOutcome::Found(output) => {
                    assert_eq!(output.body.bytes().await?, bytes.slice(100..1124), "{op:?}");
                }
                other => panic!("{op:?}: {other:?}"),
            }
        }
        Operation::Download => {
            let output =
                stowage_core::transfer::download(Arc::clone(storage), source, &small_parts())
                    .await?;
            assert_eq!(&output.body.bytes().await?, bytes, "{op:?}");
        }
        Operation::Head => {
            let meta = storage.head_object(source).await?;
            assert_eq!(meta.size, bytes.len() as u64, "{op:?}");
        }
        Operation::Exists => {
            assert!(storage.object_exists(source).await?, "{op:?}");
        }
        Operation::Copy => {
            storage.copy_object(source, &target).await?;
            assert_eq!(&read(storage, &target).await?, bytes, "{op:?}");
        }
        Operation::Delete => {
            write(storage, &target, bytes).await?;
            storage.delete_object(&target).await?;
            assert!(!storage.object_exists(&target).await?, "{op:?}");
        }
        Operation::DeleteMany => delete_many(storage, base, bytes).await?,
        Operation::List => {
            let listing = storage.list_objects(source, None).await?;
            assert_eq!(listing.objects.len(), 1, "{op:?}");
        }
        Operation::ListPage => {
            let page = storage.list_page(source, &ListOptions::new(), None).await?;
            assert_eq!(page.objects.len(), 1, "{op:?}");
        }
    }
    Ok(())
}

/// [`Operation::DeleteMany`]: every path is reported exactly once, and retrying the
/// failed ones finishes the job.
async fn delete_many<S>(storage: &Arc<S>, base: &S3Path, bytes: &Bytes) -> Result<(), Error>
where
    S: ObjectStorage + ?Sized,
{
    let paths = (0..3)
        .map(|i| base.join(&format!("many-{i}")))
        .collect::<Result<Vec<_>, _>>()?;
    for path in &paths {
        write(storage, path, bytes).await?;
    }
    let report = storage.delete_objects(&paths).await?;
    let mut reported: Vec<&S3Path> = report
        .deleted
        .iter()
        .chain(report.failed.iter().map(|failure| &failure.path))
        .collect();
    reported.sort();
    let mut expected: Vec<&S3Path> = paths.iter().collect();
    expected.sort();
    assert_eq!(reported, expected, "DeleteMany: every path reported once");
    let failed: Vec<S3Path> = report.failed.iter().map(|f| f.path.clone()).collect();
    let retried = storage.delete_objects(&failed).await?;
    assert!(
        retried.is_success(),
        "DeleteMany: retrying the failed keys finishes"
    );
    for path in &paths {
        assert!(!storage.object_exists(path).await?, "DeleteMany");
    }
    Ok(())
}

/// The object's bytes.
async fn read<S>(storage: &Arc<S>, path: &S3Path) -> Result<Bytes, Error>
where
    S: ObjectStorage + ?Sized,
{
    storage.get_object(path).await?.body.bytes().await
}

/// Stores `bytes` at `path`.
async fn write<S>(storage: &Arc<S>, path: &S3Path, bytes: &Bytes) -> Result<(), Error>
where
    S: ObjectStorage + ?Sized,
{
    storage
        .put_object(path, bytes.clone().into(), PutOptions::new())
        .await
        .map(drop)
}
