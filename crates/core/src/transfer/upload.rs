//! [`upload`]: one PutObject for a small payload, a multipart upload with parts in flight
//! concurrently for a large one or one of unknown length.

use bytes::Bytes;
use futures::future::Either;

use crate::error::{Error, Result};
use crate::path::S3Path;
use crate::payload::Payload;
use crate::transfer::abort::AbortOnDrop;
use crate::transfer::part_reader::{PartReader, Place, Places};
use crate::transfer::parts::PartPlan;
use crate::transfer::settings::{MAX_PARTS, TransferSettings};
use crate::transfer::store::{CompletedPart, MultipartStore, UploadId};
use crate::transfer::tasks::PartTasks;
use crate::write::{PutOptions, PutResult};

/// Stores `payload` at `path` through `store`: one PutObject up to the multipart threshold,
/// a multipart upload above it or when the length is unknown and turns out larger.
///
/// The payload is read once, part by part: at most `part_size x concurrency` bytes are in
/// memory. Parts go out concurrently; each is in memory, so the store's retries can resend
/// it. When a part, the source or the completion fails, the upload is aborted and the first
/// error returned; when the returned future is dropped midway, the upload is aborted in the
/// background. Either way no object and no multipart upload is left behind.
///
/// Invalid settings are [`Error::InvalidArgument`] before the payload is read.
pub async fn upload<M: MultipartStore>(
    store: &M,
    path: &S3Path,
    payload: Payload,
    options: PutOptions,
    settings: &TransferSettings,
) -> Result<PutResult> {
    settings.validate()?;
    options.mode.validate()?;
    let payload = match payload.into_whole() {
        Ok(body) if body.len() as u64 <= settings.multipart_threshold => {
            return store.put_single(path, body, &options).await;
        }
        Ok(body) => Payload::from(body),
        Err(streamed) => streamed,
    };
    let length = payload.length();
    let plan = match length {
        Some(length) => PartPlan::for_length(length, settings.part_size)?,
        None => PartPlan::for_unknown_length(settings.part_size),
    };
    let mut reader = PartReader::new(payload.into_stream(), settings.concurrency);
    if length.is_none_or(|length| length <= settings.multipart_threshold) {
        let head = reader
            .next_part_uncounted(settings.multipart_threshold.saturating_add(1))
            .await?
            .unwrap_or_default();
        if head.len() as u64 <= settings.multipart_threshold {
            return store.put_single(path, head, &options).await;
        }
        reader.unread(head);
    }
    let guard = AbortOnDrop::start(store, path, &options).await?;
    let sent = send_parts(store, path, guard.id(), &mut reader, plan, settings).await;
    guard.complete(sent, &options.mode).await
}

/// Reads and sends every part, `concurrency` at a time; the parts in number order.
///
/// A part is read only once one of `concurrency` places is free: a part gives its place back
/// when the last reference to its bytes is dropped, so a body the transport still holds after
/// its request returned counts too. A store that keeps the parts it was given (an in-process
/// one) would hold every place: with no part in flight left to wait for, the next part is
/// read without one rather than waiting forever.
async fn send_parts<M: MultipartStore>(
    store: &M,
    path: &S3Path,
    id: &UploadId,
    reader: &mut PartReader,
    plan: PartPlan,
    settings: &TransferSettings,
) -> Result<Vec<CompletedPart>> {
    let mut tasks = PartTasks::new();
    let mut done = Vec::new();
    let mut number = 1;
    let mut source_done = false;
    let places = reader.places();
    loop {
        while !source_done && tasks.len() < settings.concurrency {
            let part = match next_place(&places, &mut tasks, &mut done).await? {
                Some(place) => reader.next_part(plan.part_size(number), place).await?,
                None => reader.next_part_uncounted(plan.part_size(number)).await?,
            };
            match part {
                Some(body) => {
                    if number > MAX_PARTS {
                        return Err(too_many_parts());
                    }
                    tasks.start(send_part(
                        store.clone(),
                        path.clone(),
                        id.clone(),
                        number,
                        body,
                    ));
                    number += 1;
                }
                None => source_done = true,
            }
        }
        match tasks.next().await {
            Some(part) => done.push(part?),
            None => break,
        }
    }
    done.sort_by_key(|part| part.number);
    Ok(done)
}

/// A free place for the next part, collecting the parts that finish meanwhile into `done`;
/// `None` when every place is held and no part is in flight to free one.
async fn next_place(
    places: &Places,
    tasks: &mut PartTasks<CompletedPart>,
    done: &mut Vec<CompletedPart>,
) -> Result<Option<Place>> {
    loop {
        if let Some(place) = places.try_place() {
            return Ok(Some(place));
        }
        if tasks.len() == 0 {
            return Ok(None);
        }
        let place = std::pin::pin!(places.place());
        let finished = std::pin::pin!(tasks.next());
        match futures::future::select(place, finished).await {
            Either::Left((place, _)) => return place.map(Some),
            Either::Right((Some(part), _)) => done.push(part?),
            Either::Right((None, _)) => return Ok(None),
        }
    }
}

async fn send_part<M: MultipartStore>(
    store: M,
    path: S3Path,
    id: UploadId,
    number: u32,
    body: Bytes,
) -> Result<CompletedPart> {
    store.upload_part(&path, &id, number, body).await
}

fn too_many_parts() -> Error {
    Error::invalid_argument(format!(
        "the payload needs more than S3's {MAX_PARTS} parts at this part size"
    ))
}
