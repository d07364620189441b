//! [`copy_in_parts`]: a server-side copy of an object too large for one CopyObject, as
//! ranged part copies pinned to the source's ETag.

use std::ops::Range;

use crate::error::{Error, Result};
use crate::meta::ObjectMeta;
use crate::path::S3Path;
use crate::transfer::abort::AbortOnDrop;
use crate::transfer::parts::PartPlan;
use crate::transfer::settings::TransferSettings;
use crate::transfer::store::{CompletedPart, MultipartStore, UploadId};
use crate::transfer::tasks::PartTasks;
use crate::write::CopyOptions;
use crate::write::{PutOptions, PutResult};

/// Copies `from`, whose metadata is `source`, to `to` as a multipart upload of ranged part
/// copies, `concurrency` at a time.
///
/// The copy keeps the source's Content-Type, attributes and metadata unless the options
/// replace them, and takes the options' mode, encryption and storage class. Every part is
/// copied only while the source's ETag is unchanged: a source replaced midway is
/// [`Error::ObjectChanged`]. On any failure, and when the future is dropped, the upload is
/// aborted.
///
/// Backends call this for objects above [`TransferSettings::copy_threshold`]; it works for
/// any size above zero.
pub async fn copy_in_parts<M: MultipartStore>(
    store: &M,
    from: &S3Path,
    source: &ObjectMeta,
    to: &S3Path,
    options: &CopyOptions,
    settings: &TransferSettings,
) -> Result<PutResult> {
    settings.validate()?;
    options.mode.validate()?;
    let plan = PartPlan::for_length(source.size, settings.part_size)?;
    let mut put_options = options
        .replace
        .clone()
        .unwrap_or_else(|| PutOptions::attributes_of(source));
    put_options.mode = options.mode.clone();
    put_options.encryption = options.encryption.clone();
    put_options.storage_class = options.storage_class.clone();
    let guard = AbortOnDrop::start(store, to, &put_options).await?;
    let copied = copy_parts(store, from, source, to, guard.id(), plan, settings).await;
    guard.complete(copied, &options.mode).await
}

async fn copy_parts<M: MultipartStore>(
    store: &M,
    from: &S3Path,
    source: &ObjectMeta,
    to: &S3Path,
    id: &UploadId,
    plan: PartPlan,
    settings: &TransferSettings,
) -> Result<Vec<CompletedPart>> {
    let mut ranges = plan.ranges(source.size);
    let mut tasks = PartTasks::new();
    let mut done = Vec::new();
    loop {
        while tasks.len() < settings.concurrency {
            let Some((number, range)) = ranges.next() else {
                break;
            };
            let part = PartCopy {
                store: store.clone(),
                from: from.clone(),
                etag: source.etag.clone(),
                to: to.clone(),
                id: id.clone(),
            };
            tasks.start(part.copy(number, range));
        }
        match tasks.next().await {
            Some(part) => done.push(part?),
            None => break,
        }
    }
    done.sort_by_key(|part| part.number);
    Ok(done)
}

/// What every part copy of one upload shares.
struct PartCopy<M> {
    store: M,
    from: S3Path,
    etag: Option<String>,
    to: S3Path,
    id: UploadId,
}

impl<M: MultipartStore> PartCopy<M> {
    async fn copy(self, number: u32, range: Range<u64>) -> Result<CompletedPart> {
        let copied = self
            .store
            .copy_part(
                &self.from,
                self.etag.as_deref(),
                range,
                &self.to,
                &self.id,
                number,
            )
            .await;
        copied.map_err(|error| match error {
            Error::PreconditionFailed { .. } => Error::ObjectChanged { path: self.from },
            other => other,
        })
    }
}
