//! [`download`] and [`download_to_file`]: an object read as parallel ranged GETs pinned to
//! one version, delivered in order, each range resumed where its body broke.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::error::{Error, Result};
use crate::meta::ObjectMeta;
use crate::path::S3Path;
use crate::read::{ByteRange, GetOptions, GetOutcome};
use crate::read::{GetObjectOutput, ObjectBody};
use crate::storage::ObjectStorage;
use crate::transfer::offset_writer::{OffsetWriter, file_error};
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
/// To write the object to a file, [`download_to_file`] or [`Download::write_into`] hold far
/// less: they write each range at its offset as it arrives.
///
/// ```
/// # async fn run() -> stowage::Result<()> {
/// use std::sync::Arc;
/// use stowage::{ObjectStorage, S3Path};
/// use stowage::transfer::{TransferSettings, download};
///
/// async fn checksum(storage: Arc<dyn ObjectStorage>, path: &S3Path) -> stowage::Result<u64> {
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
    Ok(Download::open(storage, path, settings).await?.into_output())
}

/// Downloads `path` into the file `destination`, as [`Download::write_into`] does, and
/// returns the object's metadata.
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
    Download::open(storage, path, settings)
        .await?
        .write_to_path(destination)
        .await
}

/// A download whose first request was answered: the object's metadata is known, its bytes
/// are yet to be read, as a stream ([`into_output`](Self::into_output)) or into a file
/// ([`write_into`](Self::write_into), [`write_to_path`](Self::write_to_path)).
///
/// Every read after the first is pinned to the ETag the first one saw, as in [`download`].
///
/// ```
/// # async fn run() -> stowage::Result<()> {
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use stowage::{ObjectStorage, S3Path};
/// use stowage::transfer::{Download, TransferSettings};
///
/// async fn fetch(storage: Arc<dyn ObjectStorage>, path: &S3Path) -> stowage::Result<()> {
///     let download = Download::open(storage, path, &TransferSettings::default()).await?;
///     let size = download.meta().size;
///     let file = std::fs::File::create("weights.bin").map_err(|e| stowage::Error::Io {
///         message: e.to_string(),
///     })?;
///     let written = Arc::new(AtomicU64::new(0));
///     let counter = Arc::clone(&written);
///     download
///         .write_into(&file, move |bytes| {
///             counter.fetch_add(bytes, Ordering::Relaxed);
///         })
///         .await?;
///     assert_eq!(written.load(Ordering::Relaxed), size);
///     Ok(())
/// }
/// # Ok(()) }
/// ```
pub struct Download<S: ?Sized> {
    first: GetObjectOutput,
    reader: RangeReader<S>,
    /// The size of each range after the first.
    part_size: u64,
    concurrency: usize,
}

impl<S: ?Sized> std::fmt::Debug for Download<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("key_hash", &self.reader.path.key_hash())
            .field("size", &self.first.meta.size)
            .field("part_size", &self.part_size)
            .finish_non_exhaustive()
    }
}

impl<S> Download<S>
where
    S: ObjectStorage + ?Sized + 'static,
{
    /// Sends the first GET, of the object's first `max(multipart_threshold, part_size)`
    /// bytes, and plans the ranged GETs of the rest, `part_size` bytes each.
    ///
    /// Invalid settings are [`Error::InvalidArgument`]; a missing object or bucket fails as
    /// a plain GET fails.
    pub async fn open(storage: Arc<S>, path: &S3Path, settings: &TransferSettings) -> Result<Self> {
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
                found(storage.get_object_with(path, &GetOptions::new()).await?)?
            }
            Err(error) => return Err(error),
        };
        let reader = RangeReader {
            storage,
            path: path.clone(),
            etag: first.meta.etag.clone(),
            resumes: settings.body_resumes,
        };
        Ok(Self {
            first,
            reader,
            part_size: settings.part_size,
            concurrency: settings.concurrency,
        })
    }

    /// The object's size, ETag, Content-Type, attributes and user metadata.
    pub fn meta(&self) -> &ObjectMeta {
        &self.first.meta
    }

    /// The object's metadata, the reader, every range to read (the first with the response
    /// already received for it) and how many at once.
    fn into_ranges(
        self,
    ) -> (
        ObjectMeta,
        RangeReader<S>,
        impl Iterator<Item = RangeToRead>,
        usize,
    ) {
        let meta = self.first.meta.clone();
        let (size, part_size) = (meta.size, self.part_size);
        let head = self.first.range.clone();
        let rest = (head.end..size)
            .step_by(usize::try_from(part_size).unwrap_or(usize::MAX))
            .map(move |start| (start..size.min(start + part_size), None));
        let ranges = std::iter::once((head, Some(self.first))).chain(rest);
        (meta, self.reader, ranges, self.concurrency)
    }

    /// The whole object as one stream, in order: the ranges are read `concurrency - 1` at
    /// a time ahead of the one being delivered (one when `concurrency` is 1).
    pub fn into_output(self) -> GetObjectOutput {
        let (meta, reader, ranges, concurrency) = self.into_ranges();
        let size = meta.size;
        let body = stream::iter(ranges)
            .map(move |(range, first)| {
                PartTask::start(reader.clone().read(range, first, Received::default()))
            })
            .buffered(in_flight(concurrency))
            .map_ok(|part| stream::iter(part.chunks.into_iter().map(Ok)))
            .try_flatten();
        GetObjectOutput {
            meta,
            range: 0..size,
            body: ObjectBody::new(body),
        }
    }

    /// Writes the object into `file`, each range at its offset as its bytes arrive,
    /// `concurrency` ranges at once, and returns the object's metadata.
    ///
    /// The file is first set to the object's length, so it ends up holding exactly the
    /// object, whatever it held before. No range waits for another, and memory holds at most
    /// two write batches of about 1 MiB per range in flight, whatever the part size.
    /// `progress` is called, from any thread, with the number of bytes of each batch once it
    /// is written. The file is not synced: call [`std::fs::File::sync_all`] for durability.
    ///
    /// On failure (the first error of any range: [`Error::ObjectChanged`] when the object
    /// was replaced, [`Error::Io`] for the file) the file holds part of the object: write to
    /// a temporary file, as [`write_to_path`](Self::write_to_path) does, to keep a
    /// destination intact. Needs a Tokio runtime.
    pub async fn write_into(
        self,
        file: &std::fs::File,
        progress: impl Fn(u64) + Send + Sync + 'static,
    ) -> Result<ObjectMeta> {
        let (meta, reader, ranges, concurrency) = self.into_ranges();
        let file = OffsetWriter::new(file, meta.size, Arc::new(progress))?;
        stream::iter(ranges)
            .map(|(range, first)| {
                let sink = file.at(range.start);
                let reader = reader.clone();
                PartTask::start(
                    async move { reader.read(range, first, sink).await?.finish().await },
                )
            })
            .buffer_unordered(concurrency)
            .try_collect::<()>()
            .await?;
        Ok(meta)
    }

    /// Writes the object to `destination` through a hidden temporary file beside it,
    /// renamed over it once the whole object arrived, as [`write_into`](Self::write_into)
    /// writes. A failed download leaves `destination` as it was and removes the temporary
    /// file.
    pub async fn write_to_path(self, destination: &Path) -> Result<ObjectMeta> {
        let partial = partial_path(destination)?;
        let written = match std::fs::File::create(&partial) {
            Ok(file) => self.write_into(&file, |_| {}).await,
            Err(error) => Err(file_error("creating the download file", &error)),
        };
        let renamed = match written {
            Ok(meta) => tokio::fs::rename(&partial, destination)
                .await
                .map(|()| meta)
                .map_err(|error| file_error("renaming the downloaded file", &error)),
            Err(error) => Err(error),
        };
        if renamed.is_err() {
            // The failure that matters is the download's; a missing temporary file is fine.
            let _ = tokio::fs::remove_file(&partial).await;
        }
        renamed
    }
}

/// A range of the object and the response already received for it, if any.
type RangeToRead = (Range<u64>, Option<GetObjectOutput>);

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
    /// handed to `sink` as they arrive, resuming after broken bodies.
    async fn read<K: RangeSink>(
        self,
        range: Range<u64>,
        mut first: Option<GetObjectOutput>,
        mut sink: K,
    ) -> Result<K> {
        let mut resumes_left = self.resumes;
        loop {
            let rest = range.start + sink.taken()..range.end;
            let attempt = match first.take() {
                Some(output) => append(output, rest, &mut sink).await,
                None => self.read_into(rest, &mut sink).await,
            };
            match attempt {
                Ok(()) => return Ok(sink),
                Err(Interruption::Body(error)) if resumes_left > 0 && resumable(&error) => {
                    resumes_left -= 1;
                    tracing::debug!(kind = error.kind_name(), "resuming a broken ranged read");
                }
                Err(Interruption::Body(error) | Interruption::Sink(error)) => return Err(error),
            }
        }
    }

    /// One GET of `range` pinned to the ETag, handed to `sink` as it arrives.
    async fn read_into<K: RangeSink>(
        &self,
        range: Range<u64>,
        sink: &mut K,
    ) -> std::result::Result<(), Interruption> {
        if range.is_empty() {
            return Ok(());
        }
        let mut options = GetOptions::new().range(ByteRange::inclusive(range.start, range.end - 1));
        if let Some(etag) = &self.etag {
            options = options.if_match(etag.clone());
        }
        let output = match self.storage.get_object_with(&self.path, &options).await {
            Ok(outcome) => found(outcome).map_err(Interruption::Body)?,
            Err(Error::PreconditionFailed { .. }) => {
                return Err(Interruption::Body(Error::ObjectChanged {
                    path: self.path.clone(),
                }));
            }
            Err(error) => return Err(Interruption::Body(error)),
        };
        append(output, range, sink).await
    }
}

/// Why a range stopped short: its body (which a new request may get past) or where its bytes
/// go (which no request fixes).
enum Interruption {
    Body(Error),
    Sink(Error),
}

/// Where the bytes of one range go as they arrive.
pub(super) trait RangeSink: Send + 'static {
    /// The bytes taken so far: the range resumes after them.
    fn taken(&self) -> u64;

    /// Takes the next chunk of the range.
    fn take(&mut self, chunk: Bytes) -> impl Future<Output = Result<()>> + Send;
}

/// The bytes of one range as the store sent them: chunks, kept as they arrived rather than
/// copied into one buffer.
#[derive(Default)]
struct Received {
    chunks: Vec<Bytes>,
    len: u64,
}

impl RangeSink for Received {
    fn taken(&self) -> u64 {
        self.len
    }

    async fn take(&mut self, chunk: Bytes) -> Result<()> {
        self.len += chunk.len() as u64;
        self.chunks.push(chunk);
        Ok(())
    }
}

/// Hands the body of `output`, a response for `range`, to `sink`.
async fn append<K: RangeSink>(
    output: GetObjectOutput,
    range: Range<u64>,
    sink: &mut K,
) -> std::result::Result<(), Interruption> {
    if output.range != range {
        return Err(Interruption::Body(Error::Io {
            message: format!(
                "asked for bytes {}..{} and the store sent {}..{}",
                range.start, range.end, output.range.start, output.range.end
            ),
        }));
    }
    let wanted = sink.taken() + (range.end - range.start);
    let mut body = output.body.into_stream();
    while let Some(chunk) = body.try_next().await.map_err(Interruption::Body)? {
        if sink.taken() + chunk.len() as u64 > wanted {
            return Err(Interruption::Body(Error::Io {
                message: "the store sent more bytes than the range holds".into(),
            }));
        }
        sink.take(chunk).await.map_err(Interruption::Sink)?;
    }
    if sink.taken() < wanted {
        return Err(Interruption::Body(Error::Io {
            message: "the body ended before the range did".into(),
        }));
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
