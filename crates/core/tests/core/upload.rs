//! The upload engine's memory bound: a part counts until its last reference is dropped,
//! wherever that reference is, and a store that keeps its parts does not stall an upload;
//! and the choice between one request and parts for a payload already in memory.

use std::ops::Range;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use stowage_core::transfer::{CompletedPart, MultipartStore, TransferSettings, UploadId, upload};
use stowage_core::{Payload, PutMode, PutOptions, PutResult, Result, S3Path};
use tokio::sync::Notify;

const MIB: usize = 1024 * 1024;

/// Where the parts given to a [`RecordingStore`] are.
#[derive(Default)]
struct Parts {
    /// The body of each single PutObject.
    singles: Vec<Bytes>,
    /// Every part received, by number.
    received: Vec<(u32, Bytes)>,
    /// Bodies the store still references after their request returned, as a transport may.
    lingering: Vec<Bytes>,
    /// Requests started and not returned.
    in_calls: usize,
    /// The most parts referenced by the store at the start of a request, that one included.
    most_alive: usize,
}

/// A store whose first part lingers after its request returned (until the test releases
/// it), whose second part's request waits for the test, and which keeps a copy of every
/// part's bytes, not the bytes themselves, unless told to keep them (then no part lingers
/// or waits). It records the body of a single PutObject as it was given.
#[derive(Clone)]
struct RecordingStore {
    parts: Arc<Mutex<Parts>>,
    second_part_may_return: Arc<Notify>,
    keep_references: bool,
}

impl RecordingStore {
    fn new(keep_references: bool) -> Self {
        Self {
            parts: Arc::default(),
            second_part_may_return: Arc::new(Notify::new()),
            keep_references,
        }
    }

    fn parts(&self) -> std::sync::MutexGuard<'_, Parts> {
        self.parts.lock().unwrap()
    }
}

#[async_trait]
impl MultipartStore for RecordingStore {
    async fn put_single(&self, _: &S3Path, body: Bytes, _: &PutOptions) -> Result<PutResult> {
        self.parts().singles.push(body);
        Ok(PutResult {
            etag: Some("\"single\"".into()),
        })
    }

    async fn create_upload(&self, _: &S3Path, _: &PutOptions) -> Result<UploadId> {
        Ok(UploadId::new("upload"))
    }

    async fn upload_part(
        &self,
        _: &S3Path,
        _: &UploadId,
        number: u32,
        body: Bytes,
    ) -> Result<CompletedPart> {
        {
            let mut parts = self.parts();
            parts.in_calls += 1;
            let alive = parts.in_calls + parts.lingering.len();
            parts.most_alive = parts.most_alive.max(alive);
            let kept = if self.keep_references {
                body.clone()
            } else {
                Bytes::copy_from_slice(&body)
            };
            parts.received.push((number, kept));
            if !self.keep_references && number == 1 {
                parts.lingering.push(body.clone());
            }
        }
        if !self.keep_references && number == 2 {
            self.second_part_may_return.notified().await;
        }
        self.parts().in_calls -= 1;
        Ok(CompletedPart {
            number,
            etag: format!("\"{number}\""),
            checksum_crc32: None,
        })
    }

    async fn copy_part(
        &self,
        _: &S3Path,
        _: Option<&str>,
        _: Range<u64>,
        _: &S3Path,
        _: &UploadId,
        _: u32,
    ) -> Result<CompletedPart> {
        unreachable!("no copies here")
    }

    async fn complete_upload(
        &self,
        _: &S3Path,
        _: &UploadId,
        _: Vec<CompletedPart>,
        _: &PutMode,
    ) -> Result<PutResult> {
        Ok(PutResult {
            etag: Some("\"done\"".into()),
        })
    }

    async fn abort_upload(&self, _: &S3Path, _: &UploadId) -> Result<()> {
        Ok(())
    }
}

fn data(len: usize) -> Bytes {
    (0..len)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// `data` as a stream of 64 KiB chunks of known length.
fn payload(data: &Bytes) -> Payload {
    let chunks: Vec<std::io::Result<Bytes>> = data
        .chunks(64 * 1024)
        .map(|chunk| Ok(data.slice_ref(chunk)))
        .collect();
    Payload::from_stream(futures::stream::iter(chunks), data.len() as u64)
}

fn settings() -> TransferSettings {
    TransferSettings::new()
        .multipart_threshold(5 * MIB as u64)
        .part_size(5 * MIB as u64)
        .concurrency(2)
}

fn reassembled(parts: &Parts) -> Vec<u8> {
    let mut received = parts.received.clone();
    received.sort_by_key(|(number, _)| *number);
    received
        .iter()
        .flat_map(|(_, bytes)| bytes.to_vec())
        .collect()
}

/// Lets every task of the current-thread runtime run until none can go further.
async fn settle() {
    for _ in 0..200 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_part_still_referenced_after_its_request_keeps_the_next_part_unread() {
    let store = RecordingStore::new(false);
    let source = data(6 * 5 * MIB);
    let path = S3Path::parse("s3://bucket/model.bin").unwrap();
    let upload = tokio::spawn({
        let store = store.clone();
        let payload = payload(&source);
        async move { upload(&store, &path, payload, PutOptions::new(), &settings()).await }
    });
    settle().await;
    {
        let parts = store.parts();
        assert_eq!(
            parts.received.len(),
            2,
            "part 1 lingers and part 2 is in its request: a third part must wait"
        );
        assert_eq!(parts.most_alive, 2);
    }
    store.parts().lingering.clear();
    store.second_part_may_return.notify_one();
    let result = upload.await.unwrap().expect("the upload completes");
    assert_eq!(result.etag.as_deref(), Some("\"done\""));
    let parts = store.parts();
    assert_eq!(parts.received.len(), 6);
    assert!(
        parts.most_alive <= 2,
        "never more parts alive than the concurrency"
    );
    assert!(
        reassembled(&parts) == source,
        "the parts hold the payload, in order"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_store_that_keeps_its_parts_does_not_stall_the_upload() {
    let store = RecordingStore::new(true);
    let source = data(7 * 5 * MIB + 123);
    let path = S3Path::parse("s3://bucket/model.bin").unwrap();
    upload(
        &store,
        &path,
        payload(&source),
        PutOptions::new(),
        &settings(),
    )
    .await
    .expect("the upload completes though every part is still referenced");
    let parts = store.parts();
    assert_eq!(parts.received.len(), 8);
    assert!(
        reassembled(&parts) == source,
        "the parts hold the payload, in order"
    );
}

/// Uploads `source`, held in memory, through `store` with [`settings`].
async fn upload_in_memory(store: &RecordingStore, source: &Bytes) -> PutResult {
    let path = S3Path::parse("s3://bucket/in-memory.bin").unwrap();
    let payload = Payload::from(source.clone());
    upload(store, &path, payload, PutOptions::new(), &settings())
        .await
        .expect("the upload completes")
}

#[tokio::test(flavor = "current_thread")]
async fn bytes_in_memory_up_to_the_threshold_are_one_put_of_those_very_bytes() {
    let (store, source) = (RecordingStore::new(true), data(5 * MIB));
    let result = upload_in_memory(&store, &source).await;
    assert_eq!(result.etag.as_deref(), Some("\"single\""));
    let parts = store.parts();
    assert!(parts.received.is_empty());
    assert_eq!(parts.singles.len(), 1);
    assert_eq!(
        parts.singles[0].as_ptr(),
        source.as_ptr(),
        "the body is the caller's bytes, not a copy"
    );
    assert_eq!(parts.singles[0], source);
}

#[tokio::test(flavor = "current_thread")]
async fn bytes_in_memory_over_the_threshold_go_in_parts() {
    let (store, source) = (RecordingStore::new(true), data(5 * MIB + 1));
    let result = upload_in_memory(&store, &source).await;
    assert_eq!(result.etag.as_deref(), Some("\"done\""));
    let parts = store.parts();
    assert!(parts.singles.is_empty());
    let mut sizes: Vec<_> = parts
        .received
        .iter()
        .map(|(number, body)| (*number, body.len()))
        .collect();
    sizes.sort();
    assert_eq!(sizes, [(1, 5 * MIB), (2, 1)]);
    assert!(
        reassembled(&parts) == source,
        "the parts hold the payload, in order"
    );
}
