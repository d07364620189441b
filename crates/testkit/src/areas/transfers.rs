//! Objects of any size: multipart puts (known and unknown length), uploads that fail or are
//! dropped midway, copies in parts, and parallel ranged downloads that resume and refuse to
//! splice two versions.
//!
//! The areas size their objects from [`Fixture::transfer`], the settings the backend was
//! built with, so a backend configured with 5 MiB parts is exercised in parts with objects
//! of a few MiB. Where [`Capabilities::multipart_uploads`](crate::Capabilities) holds, the
//! store's MD5 ETags must be S3's multipart form and no unfinished upload may remain; where
//! it does not, `list_multipart_uploads` must be `Error::Unsupported`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, stream};
use md5::{Digest, Md5};
use stowage_core::transfer::{MIN_PART_SIZE, PartPlan, TransferSettings, download};
use stowage_core::{CopyOptions, Error, Payload, PutOptions, S3Path};

use crate::support::{pattern, read_all};
use crate::{Fixture, FlakyBodies};

/// How long a dropped upload's background abort may take to show.
const ABORT_DEADLINE: Duration = Duration::from_secs(30);

/// Parts the caller sends itself (`create_multipart_upload`, `upload_part`,
/// `complete_multipart_upload`), in any order, make the object of their bytes in part order;
/// a part number outside 1..=10,000 is refused before any request, and a part of an
/// aborted upload is S3's `NoSuchUpload`. The store lists the parts where it lists uploads
/// ([`Capabilities::multipart_uploads`](crate::Capabilities)). Where callers cannot drive
/// uploads, starting one and sending a part are `Error::Unsupported`.
pub async fn parts_sent_by_the_caller(f: &Fixture<'_>) {
    let base = f.fresh_prefix("caller-parts");
    let path = base.join("object").unwrap();
    let options = PutOptions::new();
    if !f.capabilities.caller_driven_uploads {
        let started = f.storage.create_multipart_upload(&path, &options).await;
        assert!(
            matches!(started, Err(Error::Unsupported { .. })),
            "{started:?}"
        );
        let id = stowage_core::transfer::UploadId::new("an-upload");
        let part = f.storage.upload_part(&path, &id, 1, Bytes::new()).await;
        assert!(matches!(part, Err(Error::Unsupported { .. })), "{part:?}");
        return;
    }
    let id = f
        .storage
        .create_multipart_upload(&path, &options)
        .await
        .expect("an upload starts");
    for number in [0, 10_001] {
        let refused = f
            .storage
            .upload_part(&path, &id, number, Bytes::new())
            .await;
        assert!(
            matches!(refused, Err(Error::InvalidArgument { .. })),
            "part {number}: {refused:?}"
        );
    }
    let first = pattern(MIN_PART_SIZE, 7);
    let last = pattern(12_345, 8);
    let second = f
        .storage
        .upload_part(&path, &id, 2, last.clone())
        .await
        .expect("part 2, sent first");
    let first_part = f
        .storage
        .upload_part(&path, &id, 1, first.clone())
        .await
        .expect("part 1");
    assert_eq!((first_part.number, second.number), (1, 2));
    let listed = f.storage.list_parts(&path, &id).await;
    if f.capabilities.multipart_uploads {
        let sizes: Vec<(u32, u64)> = listed
            .expect("the parts")
            .iter()
            .map(|part| (part.number, part.size))
            .collect();
        assert_eq!(sizes, [(1, MIN_PART_SIZE), (2, last.len() as u64)]);
    } else {
        assert!(
            matches!(listed, Err(Error::Unsupported { .. })),
            "{listed:?}"
        );
    }
    let put = f
        .storage
        .complete_multipart_upload(&path, &id, vec![first_part, second], None)
        .await
        .expect("the upload completes");
    let mut whole = first.to_vec();
    whole.extend_from_slice(&last);
    assert_eq!(
        read_all(f.storage, &path).await,
        whole,
        "the parts in part order"
    );
    if f.capabilities.md5_etags {
        let expected = crate::support::multipart_etag(&whole, first.len());
        assert_eq!(put.etag.as_deref(), Some(expected.as_str()));
    }

    let aborted = base.join("aborted").unwrap();
    let id = f
        .storage
        .create_multipart_upload(&aborted, &options)
        .await
        .expect("a second upload starts");
    f.storage
        .abort_multipart_upload(&aborted, &id)
        .await
        .expect("the abort");
    let late = f.storage.upload_part(&aborted, &id, 1, last).await;
    assert!(
        matches!(&late, Err(Error::Service { status: 404, code, .. }) if code == "NoSuchUpload"),
        "{late:?}"
    );
    assert_nothing_pending(f, &base, "completed and aborted uploads").await;
}

/// The size of an object that goes in three parts under `settings`: two whole parts and a
/// short last one.
pub(crate) fn three_parts(settings: &TransferSettings) -> u64 {
    2 * settings.part_size + 12_345
}

/// S3's ETag of `data` uploaded in the parts the engine plans for `part_size`.
fn multipart_etag(data: &[u8], part_size: u64) -> String {
    let plan = PartPlan::for_length(data.len() as u64, part_size).expect("a valid plan");
    let part_size = usize::try_from(plan.part_size(1)).expect("a test-sized part");
    crate::support::multipart_etag(data, part_size)
}

/// `data` as a stream of `chunk`-byte pieces of unknown total length.
fn unsized_payload(data: Bytes, chunk: usize) -> Payload {
    let pieces: Vec<std::io::Result<Bytes>> = (0..data.len())
        .step_by(chunk)
        .map(|start| Ok(data.slice(start..data.len().min(start + chunk))))
        .collect();
    Payload::from_unsized_stream(stream::iter(pieces))
}

/// The unfinished uploads under `prefix`, or `None` where the store keeps none (checked to
/// be `Unsupported`).
async fn pending(f: &Fixture<'_>, prefix: &S3Path) -> Option<usize> {
    let listed = f.storage.list_multipart_uploads(prefix).await;
    if f.capabilities.multipart_uploads {
        Some(listed.expect("list_multipart_uploads").len())
    } else {
        assert!(
            matches!(listed, Err(Error::Unsupported { .. })),
            "a store without multipart uploads says so: {listed:?}"
        );
        None
    }
}

async fn assert_nothing_pending(f: &Fixture<'_>, prefix: &S3Path, what: &str) {
    if let Some(count) = pending(f, prefix).await {
        assert_eq!(count, 0, "{what}: no unfinished multipart upload remains");
    }
}

/// A payload above the threshold goes in parts, known length or not, with S3's multipart
/// ETag; one up to the threshold of unknown length stays one put with a plain MD5 ETag.
pub async fn multipart_puts(f: &Fixture<'_>) {
    let base = f.fresh_prefix("multipart-puts");
    let settings = &f.transfer;
    let data = pattern(three_parts(settings), 1);
    let expected = multipart_etag(&data, settings.part_size);

    let sized = base.join("sized").unwrap();
    let put = f
        .storage
        .put_object(&sized, data.clone().into(), PutOptions::new())
        .await
        .expect("a put above the threshold");
    assert_eq!(
        read_all(f.storage, &sized).await,
        data,
        "the bytes come back whole"
    );
    let meta = f.storage.head_object(&sized).await.expect("head");
    assert_eq!(meta.size, data.len() as u64);
    if f.capabilities.multipart_uploads {
        assert_eq!(put.etag.as_deref(), Some(expected.as_str()));
        assert_eq!(meta.etag.as_deref(), Some(expected.as_str()));
    }

    let of_unknown_length = base.join("unsized").unwrap();
    f.storage
        .put_object(
            &of_unknown_length,
            unsized_payload(data.clone(), 100_000),
            PutOptions::new(),
        )
        .await
        .expect("a put of unknown length above the threshold");
    assert_eq!(read_all(f.storage, &of_unknown_length).await, data);
    if f.capabilities.multipart_uploads {
        let meta = f
            .storage
            .head_object(&of_unknown_length)
            .await
            .expect("head");
        assert_eq!(meta.etag.as_deref(), Some(expected.as_str()));
    }

    let small = base.join("small").unwrap();
    let little = pattern(1000, 2);
    let put = f
        .storage
        .put_object(
            &small,
            unsized_payload(little.clone(), 300),
            PutOptions::new(),
        )
        .await
        .expect("a small put of unknown length");
    assert_eq!(read_all(f.storage, &small).await, little);
    if f.capabilities.multipart_uploads {
        let plain = format!("\"{}\"", hex::encode(Md5::digest(&little)));
        assert_eq!(put.etag.as_deref(), Some(plain.as_str()), "one PutObject");
    }

    let empty = base.join("empty").unwrap();
    f.storage
        .put_object(&empty, unsized_payload(Bytes::new(), 1), PutOptions::new())
        .await
        .expect("an empty put of unknown length");
    assert_eq!(f.storage.head_object(&empty).await.expect("head").size, 0);
    assert_nothing_pending(f, &base, "completed puts").await;
}

/// A source that fails midway fails the put with its own error: no object, no upload left.
pub async fn failed_uploads_leave_nothing(f: &Fixture<'_>) {
    let base = f.fresh_prefix("failed-uploads");
    let settings = &f.transfer;
    let data = pattern(three_parts(settings), 3);
    for (name, length) in [("sized", Some(data.len() as u64)), ("unsized", None)] {
        let path = base.join(name).unwrap();
        let cut = usize::try_from(settings.part_size + settings.part_size / 2).unwrap();
        let pieces = vec![
            Ok(data.slice(..cut)),
            Err(std::io::Error::other("the source broke")),
        ];
        let payload = match length {
            Some(length) => Payload::from_stream(stream::iter(pieces), length),
            None => Payload::from_unsized_stream(stream::iter(pieces)),
        };
        let result = f
            .storage
            .put_object(&path, payload, PutOptions::new())
            .await;
        match result {
            Err(Error::Io { message }) => {
                assert!(message.contains("the source broke"), "{message}")
            }
            other => panic!("{name}: the source's error, got {other:?}"),
        }
        assert!(
            !f.storage.object_exists(&path).await.expect("exists"),
            "{name}: a failed put stores nothing"
        );
    }
    assert_nothing_pending(f, &base, "failed puts").await;
}

/// An upload whose future is dropped midway is aborted: nothing stored, nothing pending.
pub async fn dropped_uploads_leave_nothing(f: &Fixture<'_>) {
    let base = f.fresh_prefix("dropped-uploads");
    let path = base.join("dropped").unwrap();
    let first = pattern(f.transfer.part_size + 1, 4);
    // One part and a byte, then a source that never yields again: the upload has started
    // and cannot finish.
    let body = stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(stream::pending());
    let storage = Arc::clone(&f.shared);
    let upload_path = path.clone();
    let upload = tokio::spawn(async move {
        storage
            .put_object(
                &upload_path,
                Payload::from_unsized_stream(body),
                PutOptions::new(),
            )
            .await
    });
    if f.capabilities.multipart_uploads {
        wait_until(f, &base, |count| count == 1, "the upload to start").await;
    } else {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    upload.abort();
    assert!(upload.await.is_err_and(|error| error.is_cancelled()));
    if f.capabilities.multipart_uploads {
        wait_until(f, &base, |count| count == 0, "the dropped upload's abort").await;
    }
    assert!(
        !f.storage.object_exists(&path).await.expect("exists"),
        "a dropped upload stores nothing"
    );
    assert_nothing_pending(f, &base, "a dropped put").await;
}

/// Polls the pending uploads under `prefix` until `done` holds for their count.
async fn wait_until(f: &Fixture<'_>, prefix: &S3Path, done: impl Fn(usize) -> bool, what: &str) {
    let deadline = tokio::time::Instant::now() + ABORT_DEADLINE;
    loop {
        let count = pending(f, prefix).await.expect("multipart uploads listed");
        if done(count) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited {ABORT_DEADLINE:?} for {what}; {count} pending"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A copy above the copy threshold goes in parts and keeps the source's bytes, attributes
/// and metadata, across buckets too; a copy that replaces them replaces them all.
pub async fn multipart_copies(f: &Fixture<'_>) {
    let base = f.fresh_prefix("multipart-copies");
    let settings = &f.transfer;
    assert!(
        settings.copy_threshold <= 64 * 1024 * 1024,
        "declare small transfer settings for the suite (`transfers::small_parts()`): a copy \
         threshold of {} bytes would copy gigabytes",
        settings.copy_threshold
    );
    let size = three_parts(settings).max(settings.copy_threshold + 1);
    let data = pattern(size, 5);
    let source = base.join("source").unwrap();
    let mut options = PutOptions::new();
    if f.capabilities.object_metadata {
        options = options
            .content_type("application/x-model")
            .metadata("owner", "imaging");
    }
    if f.capabilities.http_attributes {
        options = options.cache_control("max-age=60");
    }
    f.storage
        .put_object(&source, data.clone().into(), options)
        .await
        .expect("put the source");

    let target = f.in_bucket2(&base.join("copy").unwrap());
    f.storage
        .copy_object(&source, &target)
        .await
        .expect("a copy above the threshold");
    assert_eq!(
        read_all(f.storage, &target).await,
        data,
        "the copy holds the source's bytes"
    );
    let meta = f.storage.head_object(&target).await.expect("head the copy");
    assert_eq!(meta.size, size);
    if f.capabilities.object_metadata {
        assert_eq!(meta.content_type.as_deref(), Some("application/x-model"));
        assert_eq!(
            meta.metadata.get("owner").map(String::as_str),
            Some("imaging")
        );
    }
    if f.capabilities.http_attributes {
        assert_eq!(meta.cache_control.as_deref(), Some("max-age=60"));
    }
    if f.capabilities.multipart_copies {
        let etag = meta.etag.as_deref().expect("an ETag");
        assert!(
            etag.ends_with(&format!("-{}\"", size.div_ceil(settings.part_size))),
            "a copy in parts has a multipart ETag: {etag}"
        );
    }

    if f.capabilities.replace_on_copy {
        let replaced = base.join("replaced").unwrap();
        let copy =
            CopyOptions::new().replace_attributes(PutOptions::new().content_type("text/plain"));
        f.storage
            .copy_object_with(&source, &replaced, &copy)
            .await
            .expect("a copy in parts that replaces the attributes");
        let meta = f.storage.head_object(&replaced).await.expect("head");
        assert_eq!(meta.content_type.as_deref(), Some("text/plain"));
        assert!(meta.metadata.is_empty(), "{:?}", meta.metadata);
        assert_eq!(read_all(f.storage, &replaced).await, data);
    }
    assert_nothing_pending(f, &base, "completed copies").await;
}

/// A large object downloads as ranged reads, in order and whole; broken bodies resume from
/// the last byte received; an object replaced midway is `ObjectChanged`, never a splice.
pub async fn parallel_downloads(f: &Fixture<'_>) {
    let base = f.fresh_prefix("parallel-downloads");
    let settings = f.transfer.clone();
    let data = pattern(three_parts(&settings), 6);
    let path = base.join("object").unwrap();
    f.storage
        .put_object(&path, data.clone().into(), PutOptions::new())
        .await
        .expect("put");

    let output = download(Arc::clone(&f.shared), &path, &settings)
        .await
        .expect("download");
    assert_eq!(output.range, 0..data.len() as u64);
    assert_eq!(output.meta.size, data.len() as u64);
    assert_eq!(output.body.bytes().await.expect("body"), data);

    let parts = data.len() as u64 / settings.part_size + 1;
    let flaky = Arc::new(FlakyBodies::new(Arc::clone(&f.shared), 1000, 2));
    let output = download(Arc::clone(&flaky), &path, &settings)
        .await
        .expect("download through broken bodies");
    assert_eq!(output.body.bytes().await.expect("body"), data);
    assert_eq!(
        u64::from(flaky.reads()),
        parts + 2,
        "one read per part and one per resume"
    );

    let output = download(
        Arc::clone(&f.shared),
        &path,
        &settings.clone().concurrency(1),
    )
    .await
    .expect("download");
    let mut body = output.body;
    let first = body.next().await.expect("a first part").expect("its bytes");
    assert_eq!(first, data.slice(..first.len()));
    f.storage
        .put_object(
            &path,
            pattern(data.len() as u64, 7).into(),
            PutOptions::new(),
        )
        .await
        .expect("replace the object");
    let mut rest = Vec::new();
    while let Some(chunk) = body.next().await {
        rest.push(chunk);
    }
    assert!(
        matches!(rest.last(), Some(Err(Error::ObjectChanged { .. }))),
        "a replaced object ends the download with ObjectChanged: {:?}",
        rest.iter()
            .map(|r| r.as_ref().map(Bytes::len))
            .collect::<Vec<_>>()
    );
    let mut delivered = first.to_vec();
    for chunk in rest.iter().filter_map(|chunk| chunk.as_ref().ok()) {
        delivered.extend_from_slice(chunk);
    }
    assert!(
        data.starts_with(&delivered),
        "what was delivered is a prefix of the old version, no byte of the new one"
    );

    let empty = base.join("empty").unwrap();
    f.storage
        .put_object(&empty, Bytes::new().into(), PutOptions::new())
        .await
        .expect("put an empty object");
    let output = download(Arc::clone(&f.shared), &empty, &settings)
        .await
        .expect("download an empty object");
    assert_eq!((output.range, output.meta.size), (0..0, 0));
    assert!(output.body.bytes().await.expect("body").is_empty());

    let small = base.join("small").unwrap();
    f.storage
        .put_object(&small, "a few bytes".into(), PutOptions::new())
        .await
        .expect("put a small object");
    let output = download(Arc::clone(&f.shared), &small, &settings)
        .await
        .expect("download a small object");
    assert_eq!(output.body.bytes().await.expect("body"), "a few bytes");

    let missing = base.join("missing").unwrap();
    let result = download(Arc::clone(&f.shared), &missing, &settings).await;
    assert!(
        matches!(result, Err(Error::NotFound { .. })),
        "{:?}",
        result.map(|o| o.meta)
    );
    let invalid = settings.concurrency(0);
    let result = download(Arc::clone(&f.shared), &path, &invalid).await;
    assert!(
        matches!(result, Err(Error::InvalidArgument { .. })),
        "{:?}",
        result.map(|o| o.meta)
    );
}

/// The settings the areas above size their objects with when a backend declares none:
/// S3's smallest parts, so multipart paths run on objects of a few MiB.
pub fn small_parts() -> TransferSettings {
    const MIB: u64 = 1024 * 1024;
    TransferSettings::new()
        .multipart_threshold(5 * MIB)
        .copy_threshold(5 * MIB)
        .part_size(5 * MIB)
        .concurrency(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_multipart_etag_is_the_md5_of_the_parts_md5s() {
        // Two parts of "a" x 5 MiB and "b": MD5(MD5(part1) || MD5(part2)), "-2".
        let mut data = vec![b'a'; 5 * 1024 * 1024];
        data.push(b'b');
        let mut digests = Md5::new();
        digests.update(Md5::digest(&data[..5 * 1024 * 1024]));
        digests.update(Md5::digest(b"b"));
        let expected = format!("\"{}-2\"", hex::encode(digests.finalize()));
        assert_eq!(multipart_etag(&data, 5 * 1024 * 1024), expected);
    }

    #[test]
    fn three_parts_is_three_parts() {
        let settings = small_parts();
        let size = three_parts(&settings);
        assert_eq!(size.div_ceil(settings.part_size), 3);
    }
}
