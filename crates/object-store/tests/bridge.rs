//! [`ObjectStoreBridge`] judged by object_store's own integration suite
//! (`object_store::integration`, pinned with object_store 0.14.2) over the memory backend,
//! the S3 backend on Garage and the S3 backend on moto; stowage's conformance suite on the
//! adapter over the bridge over the memory backend; and the bridge's own guarantees.
//!
//! Every store works under a fresh key prefix below [`PREFIX`], which no log event of this
//! binary may contain.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use object_store::integration;
use object_store::multipart::MultipartStore;
use object_store::path::Path;
use object_store::signer::Signer;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, WriteMultipart};
use stowage_core::{
    CopyOptions, DeleteReport, GetOptions, GetOutcome, ListOptions, ListPage, ListToken,
    ObjectMeta, ObjectStorage, Payload, PresignedPost, PresignedUrl, PutOptions, PutResult, S3Path,
};
use stowage_memory::MemoryStorage;
use stowage_object_store::{ObjectStoreAdapter, ObjectStoreBridge};
use stowage_testkit::areas::transfers::small_parts;
use stowage_testkit::servers::moto::MotoServer;
use stowage_testkit::support::unique_name;
use stowage_testkit::{Backend, Capabilities, MemoryRedeemer, TestServer};

/// The prefix of every key this binary writes through a bridge.
const PREFIX: &str = "bridge-suite/";
const BUCKET: &str = "stowage-test";
const BUCKET2: &str = "stowage-test-2";

/// A fresh prefix for one test.
fn prefix(name: &str) -> String {
    format!("{PREFIX}{}", unique_name(name))
}

/// No log event may carry a key of this binary (or, once a server is up, its secret).
fn forbid_keys_in_logs() {
    stowage_testkit::logs::forbid([PREFIX]);
}

/// A memory backend with S3's smallest parts, so multipart writes go in parts at 5 MiB.
fn memory_storage() -> MemoryStorage {
    MemoryStorage::builder()
        .bucket(BUCKET)
        .bucket(BUCKET2)
        .transfer_settings(small_parts())
        .build()
}

fn bridge(storage: Arc<dyn ObjectStorage>, bucket: &str, name: &str) -> ObjectStoreBridge {
    ObjectStoreBridge::new(storage, bucket)
        .expect("bridge")
        .with_prefix(&prefix(name))
        .expect("prefix")
}

async fn memory(name: &str) -> ObjectStoreBridge {
    forbid_keys_in_logs();
    bridge(Arc::new(memory_storage()), BUCKET, name)
}

async fn garage(name: &str) -> ObjectStoreBridge {
    let server = TestServer::get();
    stowage_testkit::logs::forbid([PREFIX, server.secret_access_key.as_str()]);
    let storage = server
        .s3_builder()
        .transfer_settings(small_parts())
        .build()
        .await
        .expect("an S3 backend on Garage");
    bridge(Arc::new(storage), &server.bucket, name)
}

async fn moto(name: &str) -> ObjectStoreBridge {
    forbid_keys_in_logs();
    let server = MotoServer::get();
    let storage = server
        .s3_builder()
        .transfer_settings(small_parts())
        .build()
        .await
        .expect("an S3 backend on moto");
    bridge(Arc::new(storage), &server.bucket, name)
}

/// Runs one integration function and returns its panic message: for a function shown to
/// fail, the message says why.
async fn panic_of(run: impl Future<Output = ()> + Send + 'static) -> String {
    let error = tokio::spawn(run)
        .await
        .expect_err("the integration function was expected to fail");
    message(error.into_panic())
}

fn message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|text| (*text).to_owned())
            .unwrap_or_default(),
    }
}

/// The integration functions that apply to every backend, one test each.
macro_rules! integration_suite {
    ($module:ident, $store:ident) => {
        mod $module {
            use super::*;

            #[tokio::test(flavor = "multi_thread")]
            async fn put_get_delete_list() {
                integration::put_get_delete_list(&$store("put_get_delete_list").await).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn put_get_attributes() {
                integration::put_get_attributes(&$store("put_get_attributes").await).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn get_opts() {
                integration::get_opts(&$store("get_opts").await).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn stream_get() {
                integration::stream_get(&$store("stream_get").await).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn list_uses_directories_correctly() {
                integration::list_uses_directories_correctly(
                    &$store("list_uses_directories_correctly").await,
                )
                .await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn list_with_delimiter() {
                integration::list_with_delimiter(&$store("list_with_delimiter").await).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn get_nonexistent_object() {
                let store = $store("get_nonexistent_object").await;
                let error = integration::get_nonexistent_object(&store, None)
                    .await
                    .unwrap_err();
                assert!(
                    matches!(error, object_store::Error::NotFound { .. }),
                    "{error}"
                );
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn rename_and_copy() {
                integration::rename_and_copy(&$store("rename_and_copy").await).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn copy_rename_nonexistent_object() {
                integration::copy_rename_nonexistent_object(
                    &$store("copy_rename_nonexistent_object").await,
                )
                .await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn multipart_with_opts() {
                let store = $store("multipart_with_opts").await;
                integration::multipart_with_opts(&store, &store).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn multipart_put_part_out_of_order() {
                let store = $store("multipart_put_part_out_of_order").await;
                integration::multipart_put_part_out_of_order(&store, &store).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn multipart_out_of_order() {
                integration::multipart_out_of_order(&$store("multipart_out_of_order").await).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn list_paginated() {
                let store = $store("list_paginated").await;
                integration::list_paginated(&store, &store).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn list_with_offset_exclusivity() {
                integration::list_with_offset_exclusivity(
                    &$store("list_with_offset_exclusivity").await,
                )
                .await;
            }
        }
    };
}

integration_suite!(memory_backend, memory);
integration_suite!(s3_on_garage, garage);

/// The memory backend enforces both conditional modes, on puts and on copies; of two
/// multipart writes of one key, the last to complete wins, as on S3.
mod memory_backend_conditional {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn multipart_race_condition() {
        integration::multipart_race_condition(&memory("multipart_race_condition").await, true)
            .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn put_opts() {
        integration::put_opts(&memory("put_opts").await, true).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn copy_if_not_exists() {
        integration::copy_if_not_exists(&memory("copy_if_not_exists").await).await;
    }
}

/// `multipart` ends with an upload completed without a part, which the bridge completes
/// with one empty part: S3 completes no upload of none.
mod memory_backend_empty_upload {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn multipart() {
        let store = memory("multipart").await;
        integration::multipart(&store, &store).await;
    }
}

/// Garage 2.5 completes no upload without data: it refuses an empty part (`Empty body`)
/// and a completion without parts (`No data was uploaded`). `multipart` completes its
/// two-part upload and fails on the empty one, at the empty part.
mod s3_on_garage_empty_upload {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn multipart_fails_on_its_empty_upload() {
        let store = garage("multipart").await;
        let path = Path::from("test_multipart");
        let run = {
            let store = store.clone();
            async move { integration::multipart(&store, &store).await }
        };
        let panic = panic_of(run).await;
        assert!(panic.contains("Bad request: Empty body"), "{panic}");
        let two_parts = store
            .head(&path)
            .await
            .expect("the two-part upload completed");
        assert_eq!(two_parts.size, 10 * 1024 * 1024);
    }
}

/// Garage 2.5 ignores `If-None-Match` and `If-Match`, so the S3 backend on it refuses
/// conditional writes and copies as unsupported: both functions fail at their first
/// create-only call with `NotImplemented`, and nothing is overwritten.
mod s3_on_garage_conditional {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn put_opts_fails_with_not_implemented() {
        let store = garage("put_opts").await;
        let panic = panic_of(async move { integration::put_opts(&store, false).await }).await;
        assert!(
            panic.contains("NotImplemented { operation: \"conditional put_object\""),
            "{panic}"
        );
    }

    /// The copy is refused (the function's `is_err` holds: nothing was copied over the
    /// target), but as `NotImplemented`, not `AlreadyExists`, as the next test shows.
    #[tokio::test(flavor = "multi_thread")]
    async fn copy_if_not_exists_fails_on_the_kind_of_its_refusal() {
        let store = garage("copy_if_not_exists").await;
        let panic = panic_of(async move { integration::copy_if_not_exists(&store).await }).await;
        assert!(
            panic.contains("matches!(result.unwrap_err(), crate::Error::AlreadyExists"),
            "{panic}"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_create_only_put_is_refused_and_writes_nothing() {
        let store = garage("create_only").await;
        let path = Path::from("kept");
        store.put(&path, "first".into()).await.unwrap();
        let error = store
            .put_opts(&path, "second".into(), PutMode::Create.into())
            .await
            .unwrap_err();
        assert!(
            matches!(error, object_store::Error::NotImplemented { .. }),
            "{error}"
        );
        let kept = store.get(&path).await.unwrap().bytes().await.unwrap();
        assert_eq!(kept, "first");
        let target = Path::from("target");
        store.put(&target, "target".into()).await.unwrap();
        let copy = store.copy_if_not_exists(&path, &target).await.unwrap_err();
        assert!(
            matches!(copy, object_store::Error::NotImplemented { .. }),
            "{copy}"
        );
        let target = store.get(&target).await.unwrap().bytes().await.unwrap();
        assert_eq!(target, "target");
    }
}

/// moto enforces `If-None-Match` and `If-Match` on puts: the S3 backend with conditional
/// writes on passes `put_opts` with updates.
mod s3_on_moto {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn put_opts() {
        integration::put_opts(&moto("put_opts").await, true).await;
    }
}

// ---- the round trip: stowage -> object_store -> stowage ----

/// The adapter over one bridge per bucket over one memory backend, each bridge also the
/// bucket's signer and multipart store. Uploads a caller drives cross both layers; pending
/// uploads and their parts cannot be listed through `object_store`.
async fn bridged_memory() -> Backend {
    let memory = memory_storage();
    let storage: Arc<dyn ObjectStorage> = Arc::new(memory.clone());
    let bridge =
        |name: &str| Arc::new(ObjectStoreBridge::new(Arc::clone(&storage), name).expect("bridge"));
    let (first, second) = (bridge(BUCKET), bridge(BUCKET2));
    let adapter = ObjectStoreAdapter::builder()
        .bucket_with_signer(BUCKET, first.clone(), first.clone())
        .multipart_store(BUCKET, first)
        .bucket_with_signer(BUCKET2, second.clone(), second.clone())
        .multipart_store(BUCKET2, second)
        .transfer_settings(small_parts())
        .build()
        .expect("adapter");
    let capabilities = Capabilities {
        post_policy: false,
        s3_key_syntax: false,
        compare_and_swap_copies: false,
        replace_on_copy: false,
        multipart_uploads: false,
        multipart_copies: false,
        ..Capabilities::full()
    };
    let redeemer = MemoryRedeemer::new(memory);
    Backend::new(adapter, redeemer, BUCKET, BUCKET2, capabilities)
}

stowage_testkit::conformance_tests!(adapter_over_bridge_over_memory, bridged_memory());

// ---- the bridge's own guarantees ----

/// A memory backend that counts its `list_page` calls.
#[derive(Debug, Clone)]
struct CountingPages {
    inner: MemoryStorage,
    pages: Arc<AtomicUsize>,
}

#[async_trait]
impl ObjectStorage for CountingPages {
    async fn put_object(
        &self,
        path: &S3Path,
        payload: Payload,
        options: PutOptions,
    ) -> stowage_core::Result<PutResult> {
        self.inner.put_object(path, payload, options).await
    }
    async fn get_object_with(
        &self,
        path: &S3Path,
        options: &GetOptions,
    ) -> stowage_core::Result<GetOutcome> {
        self.inner.get_object_with(path, options).await
    }
    async fn head_object(&self, path: &S3Path) -> stowage_core::Result<ObjectMeta> {
        self.inner.head_object(path).await
    }
    async fn copy_object_with(
        &self,
        from: &S3Path,
        to: &S3Path,
        options: &CopyOptions,
    ) -> stowage_core::Result<()> {
        self.inner.copy_object_with(from, to, options).await
    }
    async fn delete_object(&self, path: &S3Path) -> stowage_core::Result<()> {
        self.inner.delete_object(path).await
    }
    async fn delete_objects(&self, paths: &[S3Path]) -> stowage_core::Result<DeleteReport> {
        self.inner.delete_objects(paths).await
    }
    async fn list_page<'a>(
        &self,
        prefix: &S3Path,
        options: &ListOptions,
        token: Option<&'a ListToken>,
    ) -> stowage_core::Result<ListPage> {
        self.pages.fetch_add(1, Ordering::SeqCst);
        self.inner.list_page(prefix, options, token).await
    }
    async fn presigned_get_url(
        &self,
        path: &S3Path,
        ttl: Duration,
    ) -> stowage_core::Result<PresignedUrl> {
        self.inner.presigned_get_url(path, ttl).await
    }
    async fn presigned_post(
        &self,
        path: &S3Path,
        request: &stowage_core::PostPolicyRequest,
    ) -> stowage_core::Result<PresignedPost> {
        self.inner.presigned_post(path, request).await
    }
}

/// A body that fails after its first bytes fails the read with `object_store`'s kind for
/// the stowage error, naming the path the caller read, without the bridge's prefix.
#[tokio::test]
async fn a_body_failing_midway_names_the_path_that_was_read() {
    use stowage_core::{GetObjectOutput, MockObjectStorage, ObjectBody};
    let mut storage = MockObjectStorage::new();
    storage
        .expect_get_object_with()
        .times(1)
        .returning(|path, _| {
            assert_eq!(path.key(), "tenant/data/a/b.parquet");
            let vanished = stowage_core::Error::NotFound { path: path.clone() };
            let body = stream::iter([Ok(Bytes::from_static(b"PAR1")), Err(vanished)]);
            Ok(GetOutcome::Found(GetObjectOutput {
                meta: ObjectMeta::new(path.clone(), 8),
                range: 0..8,
                body: ObjectBody::new(body),
            }))
        });
    let store = ObjectStoreBridge::new(Arc::new(storage), BUCKET)
        .unwrap()
        .with_prefix("tenant/data")
        .unwrap();
    let read = store
        .get(&Path::from("a/b.parquet"))
        .await
        .expect("the head");
    let error = read.bytes().await.expect_err("the body fails");
    assert!(
        matches!(&error, object_store::Error::NotFound { path, .. } if path == "a/b.parquet"),
        "{error:?}"
    );
}

/// Writes `count` one-byte objects `k00000`, `k00001`, ... through `store`.
async fn fill(store: &ObjectStoreBridge, count: usize) -> Vec<Path> {
    let paths: Vec<Path> = (0..count).map(|i| Path::from(format!("k{i:05}"))).collect();
    stream::iter(paths.clone())
        .map(|path| async move { store.put(&path, "x".into()).await.map(|_| ()) })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await
        .expect("fill");
    paths
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listing_stream_reads_one_page_at_a_time() {
    forbid_keys_in_logs();
    let counting = CountingPages {
        inner: memory_storage(),
        pages: Arc::new(AtomicUsize::new(0)),
    };
    let store = bridge(Arc::new(counting.clone()), BUCKET, "one_page");
    fill(&store, 2500).await;
    let mut listing = store.list(None);
    let first = listing.next().await.expect("an entry").expect("listed");
    assert_eq!(first.location, Path::from("k00000"));
    assert_eq!(
        counting.pages.load(Ordering::SeqCst),
        1,
        "one page read for the first entry"
    );
    let rest: Vec<_> = listing.try_collect().await.expect("listing");
    assert_eq!(rest.len(), 2499);
    assert_eq!(
        counting.pages.load(Ordering::SeqCst),
        3,
        "2500 keys are three pages"
    );
    let after: Vec<_> = store
        .list_with_offset(None, &Path::from("k02497"))
        .map_ok(|meta| meta.location)
        .try_collect()
        .await
        .expect("listing");
    assert_eq!(after, [Path::from("k02498"), Path::from("k02499")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_stream_answers_every_path_in_order_across_batches() {
    let store = memory("delete_order").await;
    let written = fill(&store, 2100).await;
    let too_long = Path::from("x".repeat(1100));
    let mut input: Vec<object_store::Result<Path>> = Vec::new();
    for (i, path) in written.iter().enumerate() {
        input.push(Ok(path.clone()));
        if i % 700 == 0 {
            input.push(Ok(Path::from(format!("missing-{i}"))));
            input.push(Ok(too_long.clone()));
            input.push(Err(object_store::Error::Generic {
                store: "caller",
                source: format!("input error {i}").into(),
            }));
        }
    }
    let expected: Vec<String> = input
        .iter()
        .map(|item| match item {
            Ok(path) if path == &too_long => "refused".to_owned(),
            Ok(path) => path.to_string(),
            Err(error) => error.to_string(),
        })
        .collect();
    let answers: Vec<String> = store
        .delete_stream(stream::iter(input).boxed())
        .map(|answer| match answer {
            Ok(path) => path.to_string(),
            Err(object_store::Error::Generic {
                store: "stowage", ..
            }) => "refused".to_owned(),
            Err(error) => error.to_string(),
        })
        .collect()
        .await;
    assert_eq!(answers, expected);
    let left: Vec<_> = store.list(None).try_collect().await.expect("listing");
    assert!(left.is_empty(), "{} objects left", left.len());
}

/// A write of 12 MiB in 1 MiB parts through `WriteMultipart`.
async fn write_in_parts(store: &ObjectStoreBridge, path: &Path) -> Bytes {
    let body: Bytes = (0..12 * 1024 * 1024)
        .map(|i: u32| (i % 251) as u8)
        .collect();
    let mut writer = WriteMultipart::new_with_chunk_size(
        store.put_multipart(path).await.expect("multipart write"),
        1024 * 1024,
    );
    writer.write(&body);
    writer.finish().await.expect("finish");
    body
}

async fn multipart_writes_are_the_backends_multipart_uploads(store: ObjectStoreBridge) {
    let path = Path::from("weights.bin");
    let body = write_in_parts(&store, &path).await;
    let read = store.get(&path).await.unwrap().bytes().await.unwrap();
    assert_eq!(read, body);
    let etag = store.head(&path).await.unwrap().e_tag.expect("an ETag");
    assert!(
        etag.ends_with("-3\""),
        "12 MiB in the backend's 5 MiB parts is a 3-part upload: {etag}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn multipart_writes_go_through_the_transfer_engine_on_memory() {
    multipart_writes_are_the_backends_multipart_uploads(memory("engine").await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn multipart_writes_go_through_the_transfer_engine_on_garage() {
    multipart_writes_are_the_backends_multipart_uploads(garage("engine").await).await;
}

/// Starts a write, sends 11 MiB (two of the backend's 5 MiB parts go out), then aborts or
/// drops it. No object and no pending upload may be left; a dropped write is aborted in
/// the background, so it gets a few seconds.
async fn unfinished_writes_leave_nothing(
    storage: Arc<dyn ObjectStorage>,
    bucket: &str,
    name: &str,
    abort: bool,
) {
    forbid_keys_in_logs();
    let prefix = prefix(name);
    let store = ObjectStoreBridge::new(Arc::clone(&storage), bucket)
        .unwrap()
        .with_prefix(&prefix)
        .unwrap();
    let path = Path::from("unfinished.bin");
    let mut upload = store.put_multipart(&path).await.expect("multipart write");
    for _ in 0..11 {
        upload
            .put_part(Bytes::from(vec![7u8; 1024 * 1024]).into())
            .await
            .expect("part taken");
    }
    let started = S3Path::new(bucket, &prefix).unwrap();
    if abort {
        upload.abort().await.expect("abort");
    } else {
        drop(upload);
    }
    let mut pending = storage.list_multipart_uploads(&started).await.unwrap();
    for _ in 0..100 {
        if pending.is_empty() || abort {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        pending = storage.list_multipart_uploads(&started).await.unwrap();
    }
    assert!(pending.is_empty(), "{} uploads pending", pending.len());
    let error = store.head(&path).await.unwrap_err();
    assert!(
        matches!(error, object_store::Error::NotFound { .. }),
        "{error}"
    );
}

/// A part-level upload that is aborted leaves no object and no pending upload; a part of
/// an upload that is gone is `NotFound` (S3's `NoSuchUpload`).
async fn aborted_part_uploads_leave_nothing(storage: Arc<dyn ObjectStorage>, bucket: &str) {
    forbid_keys_in_logs();
    let prefix = prefix("aborted_parts");
    let store = ObjectStoreBridge::new(Arc::clone(&storage), bucket)
        .unwrap()
        .with_prefix(&prefix)
        .unwrap();
    let path = Path::from("parts.bin");
    let id = store.create_multipart(&path).await.expect("create");
    let part = Bytes::from(vec![3u8; 5 * 1024 * 1024]);
    store
        .put_part(&path, &id, 0, part.into())
        .await
        .expect("part 0");
    let started = S3Path::new(bucket, &prefix).unwrap();
    assert_eq!(
        storage
            .list_multipart_uploads(&started)
            .await
            .unwrap()
            .len(),
        1
    );
    store.abort_multipart(&path, &id).await.expect("abort");
    assert!(
        storage
            .list_multipart_uploads(&started)
            .await
            .unwrap()
            .is_empty()
    );
    // A small part: a server may answer a part of a gone upload before reading its body
    // and close the connection, which a large body's send would see as a broken pipe.
    let late = store
        .put_part(&path, &id, 1, "late".into())
        .await
        .unwrap_err();
    assert!(
        matches!(late, object_store::Error::NotFound { .. }),
        "{late:?}"
    );
    let error = store.head(&path).await.unwrap_err();
    assert!(
        matches!(error, object_store::Error::NotFound { .. }),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn aborted_part_uploads_leave_nothing_on_memory() {
    aborted_part_uploads_leave_nothing(Arc::new(memory_storage()), BUCKET).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn aborted_part_uploads_leave_nothing_on_garage() {
    let bucket = TestServer::get().bucket.clone();
    aborted_part_uploads_leave_nothing(garage_storage().await, &bucket).await;
}

/// A backend without multipart uploads answers every part-level call `NotImplemented`.
#[tokio::test(flavor = "multi_thread")]
async fn part_uploads_on_a_backend_without_them_are_not_implemented() {
    forbid_keys_in_logs();
    let counting = CountingPages {
        inner: memory_storage(),
        pages: Arc::new(AtomicUsize::new(0)),
    };
    let store = bridge(Arc::new(counting), BUCKET, "no_parts");
    let path = Path::from("parts.bin");
    let create = store.create_multipart(&path).await.unwrap_err();
    assert!(
        matches!(create, object_store::Error::NotImplemented { .. }),
        "{create:?}"
    );
    let id = "an-upload".to_owned();
    let part = store.put_part(&path, &id, 0, "x".into()).await.unwrap_err();
    assert!(
        matches!(part, object_store::Error::NotImplemented { .. }),
        "{part:?}"
    );
    let complete = store
        .complete_multipart(&path, &id, vec![])
        .await
        .unwrap_err();
    assert!(
        matches!(complete, object_store::Error::NotImplemented { .. }),
        "{complete:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn aborted_writes_leave_nothing_on_memory() {
    unfinished_writes_leave_nothing(Arc::new(memory_storage()), BUCKET, "aborted", true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dropped_writes_leave_nothing_on_memory() {
    unfinished_writes_leave_nothing(Arc::new(memory_storage()), BUCKET, "dropped", false).await;
}

async fn garage_storage() -> Arc<dyn ObjectStorage> {
    Arc::new(
        TestServer::get()
            .s3_builder()
            .transfer_settings(small_parts())
            .build()
            .await
            .expect("an S3 backend on Garage"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn aborted_writes_leave_nothing_on_garage() {
    let bucket = &TestServer::get().bucket;
    unfinished_writes_leave_nothing(garage_storage().await, bucket, "aborted", true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dropped_writes_leave_nothing_on_garage() {
    let bucket = &TestServer::get().bucket;
    unfinished_writes_leave_nothing(garage_storage().await, bucket, "dropped", false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_urls_are_the_backends_presigned_gets() {
    let store = garage("signer").await;
    let path = Path::from("report 1/ünïcode+plus.txt");
    store.put(&path, "signed".into()).await.unwrap();
    let url = store
        .signed_url(http::Method::GET, &path, Duration::from_secs(60))
        .await
        .expect("a signed GET");
    let response = reqwest::get(url).await.expect("GET");
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap(), "signed");
    let put = store
        .signed_url(http::Method::PUT, &path, Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(
        matches!(put, object_store::Error::NotImplemented { .. }),
        "{put}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bridge_shows_its_prefix_only_as_a_hash() {
    let store = memory("shown").await;
    for shown in [store.to_string(), format!("{store:?}")] {
        assert!(!shown.contains(PREFIX), "{shown}");
        assert!(shown.contains(BUCKET), "{shown}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_in_parts_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    let store = memory("runtime").await;
    let outside = std::thread::spawn(move || {
        futures::executor::block_on(store.put_multipart(&Path::from("x"))).map(|_| ())
    })
    .join()
    .expect("thread");
    assert!(
        matches!(outside, Err(object_store::Error::Generic { .. })),
        "{outside:?}"
    );
}
