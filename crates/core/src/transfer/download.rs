//! [`download`] and [`download_to_file`]: an object read as parallel ranged GETs pinned to
//! one version, delivered in order, each range resumed where its body broke.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::error::{Error, Result};
use crate::object::{GetObjectOutput, ObjectBody, ObjectMeta};
use crate::path::S3Path;
use crate::read::{ByteRange, GetOptions, GetOutcome};
use crate::storage::ObjectStorage;
use crate::transfer::file::write_to_file;
use crate::transfer::settings::TransferSettings;
use crate::transfer::tasks::PartTask;

/// Downloads `path` from any backend: its metadata at once, its body as a stream.
///
/// The first request is a GET of the object's first
/// `max(multipart_threshold, part_size)` bytes: an object up to that size arrives whole in
/// that one request, and a missing object or bucket fails as a plain GET fails. A larger
/// object's remaining bytes are ranged GETs of `part_size` bytes, delivered in order, with
/// `concurrency` parts in memory at most: the one being delivered and the others in
/// flight (two parts when `concurrency` is 1). Every
/// later GET is pinned to the ETag the first one saw (`If-Match`): an object replaced midway
/// is [`Error::ObjectChanged`], never a body spliced from two versions. A body that breaks
/// midway ([`Error::Io`], a timeout, a 5xx) is resumed from the last byte received, up to
/// [`TransferSettings::body_resumes`] times per range.
///
/// ```
/// # async fn run() -> stowage_core::Result<()> {
/// use std::sync::Arc;
/// use stowage_core::{ObjectStorage, S3Path};
/// use stowage_core::transfer::{TransferSettings, download};
///
/// async fn checksum(storage: Arc<dyn ObjectStorage>, path: &S3Path) -> stowage_core::Result<u64> {
///     let output = download(storage, path, &TransferSettings::default()).await?;
///     let bytes = output.body.bytes().await?;
///     Ok(bytes.iter().map(|&b| u64::from(b)).sum())
/// }
/// # Ok(()) }
/// ```
pub async fn download<S>(
    storage: Arc<S>,
    path: &S3Path,
    settings: &TransferSettings,
) -> Result<GetObjectOutput>
where
    S: ObjectStorage + ?Sized + 'static,
{
    settings.validate()?;
    let first_len = settings.multipart_threshold.max(settings.part_size);
    let head = ByteRange::inclusive(0, first_len - 1);
    let first = match storage
        .get_object_with(path, &GetOptions::new().range(head))
        .await
    {
        Ok(outcome) => found(outcome)?,
        // An empty object has no first byte: it is read whole, in one request.
        Err(Error::RangeNotSatisfiable { .. }) => {
            return found(storage.get_object_with(path, &GetOptions::new()).await?);
        }
        Err(error) => return Err(error),
    };
    let meta = first.meta.clone();
    let size = meta.size;
    let head_range = first.range.clone();
    let reader = RangeReader {
        storage,
        path: path.clone(),
        etag: meta.etag.clone(),
        resumes: settings.body_resumes,
    };
    let rest: Vec<Range<u64>> = (head_range.end..size)
        .step_by(usize::try_from(settings.part_size).unwrap_or(usize::MAX))
        .map(|start| start..size.min(start + settings.part_size))
        .collect();
    let first_part = PartTask::start(reader.clone().read(head_range, Some(first)));
    let body = stream::iter(std::iter::once(first_part))
        .chain(
            stream::iter(rest).map(move |range| PartTask::start(reader.clone().read(range, None))),
        )
        .buffered(in_flight(settings.concurrency))
        .map_ok(|part| stream::iter(part.chunks.into_iter().map(Ok)))
        .try_flatten();
    Ok(GetObjectOutput {
        meta,
        range: 0..size,
        body: ObjectBody::new(body),
    })
}

/// How many ranges are read at once so that, with the one being delivered, `concurrency`
/// parts are in memory (two when `concurrency` is 1).
fn in_flight(concurrency: usize) -> usize {
    concurrency.saturating_sub(1).max(1)
}

/// The object of a read without conditions: a 304 there is the store's mistake.
fn found(outcome: GetOutcome) -> Result<GetObjectOutput> {
    match outcome {
        GetOutcome::Found(output) => Ok(output),
        GetOutcome::NotModified(_) => Err(Error::Io {
            message: "the store answered 304 to a read without If-None-Match".into(),
        }),
    }
}

/// Downloads `path` into the file `destination`, as [`download`] does, and returns the
/// object's metadata.
///
/// The bytes go to a hidden temporary file beside `destination`, renamed over it only once
/// the whole object arrived: a failed download leaves `destination` as it was and removes
/// the temporary file.
pub async fn download_to_file<S>(
    storage: Arc<S>,
    path: &S3Path,
    destination: &Path,
    settings: &TransferSettings,
) -> Result<ObjectMeta>
where
    S: ObjectStorage + ?Sized + 'static,
{
    let output = download(storage, path, settings).await?;
    let partial = partial_path(destination)?;
    let written = write_body(output.body, &partial).await;
    let renamed = match written {
        Ok(()) => tokio::fs::rename(&partial, destination)
            .await
            .map_err(|error| file_error("renaming the downloaded file", &error)),
        Err(error) => Err(error),
    };
    if let Err(error) = renamed {
        // The failure that matters is the download's; a missing temporary file is fine.
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(error);
    }
    Ok(output.meta)
}

/// A sibling of `destination` named after it, unique to this process and moment.
fn partial_path(destination: &Path) -> Result<PathBuf> {
    let name = destination
        .file_name()
        .ok_or_else(|| Error::invalid_argument("the download destination names no file"))?;
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    let mut partial = std::ffi::OsString::from(".");
    partial.push(name);
    partial.push(format!(".{}-{nonce}.partial", std::process::id()));
    Ok(destination.with_file_name(partial))
}

async fn write_body(body: ObjectBody, partial: &Path) -> Result<()> {
    let file = std::fs::File::create(partial)
        .map_err(|error| file_error("creating the download file", &error))?;
    write_to_file(body, file).await.map(|_| ())
}

fn file_error(what: &str, error: &std::io::Error) -> Error {
    Error::Io {
        message: format!("{what} failed: {error}"),
    }
}

/// Reads ranges of one object version.
struct RangeReader<S: ?Sized> {
    storage: Arc<S>,
    path: S3Path,
    etag: Option<String>,
    resumes: u32,
}

impl<S: ?Sized> Clone for RangeReader<S> {
    fn clone(&self) -> Self {
        Self {
            storage: Arc::clone(&self.storage),
            path: self.path.clone(),
            etag: self.etag.clone(),
            resumes: self.resumes,
        }
    }
}

impl<S: ObjectStorage + ?Sized> RangeReader<S> {
    /// The bytes of `range`, from `first` (a response already received for it) if given,
    /// resuming after broken bodies.
    async fn read(self, range: Range<u64>, mut first: Option<GetObjectOutput>) -> Result<Received> {
        let mut received = Received::default();
        let mut resumes_left = self.resumes;
        loop {
            let rest = range.start + received.len..range.end;
            let attempt = match first.take() {
                Some(output) => append(output, rest, &mut received).await,
                None => self.read_into(rest, &mut received).await,
            };
            match attempt {
                Ok(()) => return Ok(received),
                Err(error) if resumes_left > 0 && resumable(&error) => {
                    resumes_left -= 1;
                    tracing::debug!(kind = error.kind_name(), "resuming a broken ranged read");
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// One GET of `range` pinned to the ETag, appended to `received` as it arrives.
    async fn read_into(&self, range: Range<u64>, received: &mut Received) -> Result<()> {
        if range.is_empty() {
            return Ok(());
        }
        let mut options = GetOptions::new().range(ByteRange::inclusive(range.start, range.end - 1));
        if let Some(etag) = &self.etag {
            options = options.if_match(etag.clone());
        }
        let output = match self.storage.get_object_with(&self.path, &options).await {
            Ok(outcome) => found(outcome)?,
            Err(Error::PreconditionFailed { .. }) => {
                return Err(Error::ObjectChanged {
                    path: self.path.clone(),
                });
            }
            Err(error) => return Err(error),
        };
        append(output, range, received).await
    }
}

/// The bytes of one range as the store sent them: chunks, kept as they arrived rather than
/// copied into one buffer.
#[derive(Default)]
struct Received {
    chunks: Vec<Bytes>,
    len: u64,
}

/// Appends the body of `output`, a response for `range`, to `received`.
async fn append(output: GetObjectOutput, range: Range<u64>, received: &mut Received) -> Result<()> {
    if output.range != range {
        return Err(Error::Io {
            message: format!(
                "asked for bytes {}..{} and the store sent {}..{}",
                range.start, range.end, output.range.start, output.range.end
            ),
        });
    }
    let wanted = received.len + (range.end - range.start);
    let mut body = output.body.into_stream();
    while let Some(chunk) = body.try_next().await? {
        if received.len + chunk.len() as u64 > wanted {
            return Err(Error::Io {
                message: "the store sent more bytes than the range holds".into(),
            });
        }
        received.len += chunk.len() as u64;
        received.chunks.push(chunk);
    }
    if received.len < wanted {
        return Err(Error::Io {
            message: "the body ended before the range did".into(),
        });
    }
    Ok(())
}

/// Failures a new request from the last byte received may get past.
fn resumable(error: &Error) -> bool {
    match error {
        Error::Io { .. } | Error::Timeout { .. } | Error::Unreachable { .. } => true,
        Error::Service { status, .. } => *status >= 500,
        _ => false,
    }
}
