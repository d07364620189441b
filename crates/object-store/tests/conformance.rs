//! The conformance suite (`stowage-testkit`) against `LocalFileSystem` and `InMemory`
//! through [`ObjectStoreAdapter`], plus the adapter's own behaviour.
//!
//! Capabilities record the differences from S3 the suite finds; the crate docs list them.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::signer::Signer;
use object_store::{ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};
use stowage_core::{
    ByteRange, CopyOptions, Encryption, Error, FormField, GetOptions, GetOutcome, ListOptions,
    ListPage, ListStreamExt, ListToken, ObjectStorage, PutMode, PutOptions, S3Path,
};
use stowage_object_store::ObjectStoreAdapter;
use stowage_testkit::areas::transfers::small_parts;
use stowage_testkit::{Backend, Capabilities, Fixture, Redeemer};

const BUCKET: &str = "stowage-test";
const BUCKET2: &str = "stowage-test-2";

/// A redeemer for stores without presigning: the suite must never call it.
#[derive(Debug)]
struct NoRedeemer;

#[async_trait]
impl Redeemer for NoRedeemer {
    async fn get(&self, _url: &str) -> (u16, Bytes) {
        panic!("a store without a signer produced a URL")
    }
    async fn post(&self, _url: &str, _fields: &[FormField], _file: Bytes) -> u16 {
        panic!("a store without POST policies produced a form")
    }
}

/// What `LocalFileSystem` and `InMemory` support of what S3 does (see the crate docs).
#[derive(Debug, Clone, Copy)]
struct Store {
    /// Keys of up to 1024 bytes, whatever their segments.
    long_keys: bool,
    /// Content-Type, the other HTTP attributes and user metadata are kept.
    attributes: bool,
    /// `PutMode::IfMatch` is enforced (`PutMode::Create` is on both stores).
    compare_and_swap: bool,
}

/// `LocalFileSystem`: no attributes, no compare-and-swap, file names of at most 255 bytes.
const LOCAL: Store = Store {
    long_keys: false,
    attributes: false,
    compare_and_swap: false,
};

/// `InMemory`: attributes, compare-and-swap, long keys.
const IN_MEMORY: Store = Store {
    long_keys: true,
    attributes: true,
    compare_and_swap: true,
};

/// The capabilities a store declares to the suite.
///
/// Both stores evaluate the four read conditions, and both enforce create-only puts and
/// copies; a copy cannot replace attributes or be compare-and-swap on either, since
/// `object_store`'s copy has neither.
fn restricted(store: Store, presigned_get: bool) -> Capabilities {
    let mut capabilities = Capabilities::full();
    capabilities.presigned_get = presigned_get;
    capabilities.post_policy = false;
    capabilities.long_keys = store.long_keys;
    capabilities.s3_key_syntax = false;
    capabilities.object_metadata = store.attributes;
    capabilities.md5_etags = false;
    capabilities.http_attributes = store.attributes;
    capabilities.conditional_reads = true;
    capabilities.create_only_writes = true;
    capabilities.compare_and_swap_writes = store.compare_and_swap;
    capabilities.create_only_copies = true;
    capabilities.compare_and_swap_copies = false;
    capabilities.replace_on_copy = false;
    capabilities.multipart_uploads = false;
    capabilities.caller_driven_uploads = false;
    capabilities.multipart_copies = false;
    capabilities
}

/// Two temporary directories, one per bucket; the directories live as long as the adapter.
fn local() -> (ObjectStoreAdapter, [tempfile::TempDir; 2]) {
    let dirs = [
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    ];
    let store = |dir: &tempfile::TempDir| -> Arc<dyn ObjectStore> {
        Arc::new(
            LocalFileSystem::new_with_prefix(dir.path())
                .expect("local store")
                .with_automatic_cleanup(true),
        )
    };
    let adapter = ObjectStoreAdapter::builder()
        .bucket(BUCKET, store(&dirs[0]))
        .bucket(BUCKET2, store(&dirs[1]))
        .transfer_settings(small_parts())
        .build()
        .expect("adapter");
    (adapter, dirs)
}

fn in_memory() -> ObjectStoreAdapter {
    ObjectStoreAdapter::builder()
        .bucket(BUCKET, Arc::new(InMemory::new()))
        .bucket(BUCKET2, Arc::new(InMemory::new()))
        .transfer_settings(small_parts())
        .build()
        .expect("adapter")
}

/// A signer that mints `https://signer.invalid/?path=…&expires=…&X-Amz-Signature=…` with a
/// keyed SHA-256, and redeems its own URLs against the store, as an HTTP server would.
#[derive(Debug, Clone)]
struct TestSigner {
    secret: &'static str,
    store: Arc<InMemory>,
}

impl TestSigner {
    fn signature(&self, path: &str, expires: u64) -> String {
        hex::encode(Sha256::digest(format!(
            "{}\n{path}\n{expires}",
            self.secret
        )))
    }
}

#[async_trait]
impl Signer for TestSigner {
    async fn signed_url(
        &self,
        method: http::Method,
        path: &Path,
        expires_in: Duration,
    ) -> object_store::Result<url::Url> {
        assert_eq!(method, http::Method::GET);
        let expires = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + expires_in.as_secs();
        let mut url = url::Url::parse("https://signer.invalid/").unwrap();
        url.query_pairs_mut()
            .append_pair("path", path.as_ref())
            .append_pair("expires", &expires.to_string())
            .append_pair("X-Amz-Signature", &self.signature(path.as_ref(), expires));
        Ok(url)
    }
}

#[async_trait]
impl Redeemer for TestSigner {
    async fn get(&self, url: &str) -> (u16, Bytes) {
        let url = url::Url::parse(url).expect("a URL");
        let param = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let (path, expires) = (param("path"), param("expires").parse::<u64>().unwrap_or(0));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        if param("X-Amz-Signature") != self.signature(&path, expires) || expires < now {
            return (403, Bytes::new());
        }
        match self
            .store
            .get(&Path::parse(&path).expect("a signed path"))
            .await
        {
            Ok(result) => (200, result.bytes().await.expect("body")),
            Err(_) => (404, Bytes::new()),
        }
    }
    async fn post(&self, _url: &str, _fields: &[FormField], _file: Bytes) -> u16 {
        panic!("no POST policies")
    }
}

/// `LocalFileSystem`: no metadata, no presigning, filesystem-shaped keys of at most 255
/// bytes per segment.
async fn local_backend() -> Backend {
    let (storage, dirs) = local();
    Backend::new(
        storage,
        NoRedeemer,
        BUCKET,
        BUCKET2,
        restricted(LOCAL, false),
    )
    .keeping(dirs)
}

/// `InMemory`: metadata and long keys, no presigning.
async fn in_memory_backend() -> Backend {
    Backend::new(
        in_memory(),
        NoRedeemer,
        BUCKET,
        BUCKET2,
        restricted(IN_MEMORY, false),
    )
}

stowage_testkit::conformance_tests!(local_filesystem, local_backend());
stowage_testkit::conformance_tests!(in_memory, in_memory_backend());

/// With a signer, presigned GET URLs work end to end (the suite's presign area).
#[tokio::test]
async fn in_memory_with_signer_presigned_get() {
    let store = Arc::new(InMemory::new());
    let signer = TestSigner {
        secret: "test-secret",
        store: store.clone(),
    };
    let storage: Arc<dyn ObjectStorage> = Arc::new(
        ObjectStoreAdapter::builder()
            .bucket_with_signer(BUCKET, store, Arc::new(signer.clone()))
            .bucket(BUCKET2, Arc::new(InMemory::new()))
            .build()
            .expect("adapter"),
    );
    let fixture = Fixture::new(
        &storage,
        BUCKET,
        BUCKET2,
        &signer,
        restricted(IN_MEMORY, true),
    );
    stowage_testkit::areas::presign::presigned_get(&fixture).await;
    let debug = format!("{storage:?}");
    assert!(
        !debug.contains("test-secret") && debug.contains("store with signer"),
        "{debug}"
    );
}

fn path(bucket: &str, key: &str) -> S3Path {
    S3Path::new(bucket, key).unwrap()
}

/// A bucket given `InMemory`'s `MultipartStore` takes uploads a caller drives: parts sent
/// out of order complete in part order, with the upload's attributes; a completion that
/// skips a part number is refused before the store is asked. A bucket without one answers
/// `Unsupported`.
#[tokio::test]
async fn uploads_a_caller_drives_go_through_the_buckets_multipart_store() {
    let store = Arc::new(InMemory::new());
    let storage = ObjectStoreAdapter::builder()
        .bucket(BUCKET, store.clone())
        .multipart_store(BUCKET, store)
        .bucket(BUCKET2, Arc::new(InMemory::new()))
        .build()
        .expect("adapter");
    assert!(format!("{storage:?}").contains("store with multipart store"));
    let target = path(BUCKET, "driven/object.bin");
    let id = storage
        .create_multipart_upload(&target, &PutOptions::new().content_type("text/csv"))
        .await
        .expect("an upload starts");
    let second = storage
        .upload_part(&target, &id, 2, Bytes::from_static(b"world"))
        .await
        .expect("part 2");
    let first = storage
        .upload_part(&target, &id, 1, Bytes::from_static(b"hello "))
        .await
        .expect("part 1");
    let gap = storage
        .complete_multipart_upload(&target, &id, vec![second.clone()], None)
        .await;
    assert!(matches!(gap, Err(Error::InvalidArgument { .. })), "{gap:?}");
    storage
        .complete_multipart_upload(&target, &id, vec![first, second], None)
        .await
        .expect("the upload completes");
    let read = storage.get_object(&target).await.expect("the object");
    assert_eq!(read.meta.content_type.as_deref(), Some("text/csv"));
    assert_eq!(read.body.bytes().await.unwrap(), "hello world");

    let elsewhere = path(BUCKET2, "driven/object.bin");
    let refused = storage
        .create_multipart_upload(&elsewhere, &PutOptions::new())
        .await;
    assert!(
        matches!(
            refused,
            Err(Error::Unsupported {
                operation: "create_multipart_upload",
                ..
            })
        ),
        "{refused:?}"
    );
    let listed = storage.list_parts(&target, &id).await;
    assert!(
        matches!(listed, Err(Error::Unsupported { .. })),
        "{listed:?}"
    );
}

/// A multipart store for a bucket that was not added, or a second one for a bucket, is a
/// build error.
#[test]
fn a_multipart_store_needs_its_bucket_once() {
    let store = Arc::new(InMemory::new());
    let missing = ObjectStoreAdapter::builder()
        .bucket(BUCKET, store.clone())
        .multipart_store(BUCKET2, store.clone())
        .build();
    assert!(
        matches!(missing, Err(Error::InvalidArgument { .. })),
        "{missing:?}"
    );
    let twice = ObjectStoreAdapter::builder()
        .bucket(BUCKET, store.clone())
        .multipart_store(BUCKET, store.clone())
        .multipart_store(BUCKET, store)
        .build();
    assert!(
        matches!(twice, Err(Error::InvalidArgument { .. })),
        "{twice:?}"
    );
}

#[tokio::test]
async fn refused_keys_are_typed_and_never_echoed() {
    let (storage, _dirs) = local();
    for key in [
        "secret//double",
        "secret/./dot",
        "secret-folder/",
        "secret/part#7",
    ] {
        let target = path(BUCKET, key);
        let error = storage
            .put_object(&target, "x".into(), PutOptions::new())
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
        assert!(!error.to_string().contains("secret"), "{error}");
        assert!(matches!(
            storage.get_object(&target).await,
            Err(Error::NotFound { .. })
        ));
        storage
            .delete_object(&target)
            .await
            .expect("deleting a key that cannot exist succeeds");
    }
    let error = storage
        .put_object(
            &path(BUCKET, "secret-type"),
            "x".into(),
            PutOptions::new().content_type("text/plain"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Unsupported { .. }),
        "LocalFileSystem keeps no Content-Type: {error:?}"
    );
    let error = storage
        .put_object(&path("no-such-bucket", "k"), "x".into(), PutOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::NoSuchBucket { .. }));
}

#[tokio::test]
async fn object_and_folder_with_one_name_on_a_filesystem() {
    let (storage, _dirs) = local();
    storage
        .put_object(&path(BUCKET, "secret/x"), "x".into(), PutOptions::new())
        .await
        .expect("put");
    let error = storage
        .put_object(&path(BUCKET, "secret"), "x".into(), PutOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
    assert!(
        !storage
            .object_exists(&path(BUCKET, "secret"))
            .await
            .expect("exists")
    );
    assert!(
        !storage
            .object_exists(&path(BUCKET, "secret/x/y"))
            .await
            .expect("a file is no folder")
    );
    let error = storage
        .put_object(&path(BUCKET, "secret/x/y"), "x".into(), PutOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
    assert!(!error.to_string().contains("secret"), "{error}");
}

#[tokio::test]
async fn other_delimiters_and_large_streamed_copies() {
    let (storage, _dirs) = local();
    for key in ["a-1-x", "a-1-y", "a-2", "b"] {
        storage
            .put_object(
                &path(BUCKET, &format!("d/{key}")),
                Bytes::new().into(),
                PutOptions::new(),
            )
            .await
            .expect("put");
    }
    let listing = storage
        .list_objects(&path(BUCKET, "d/a"), Some("-"))
        .await
        .expect("list");
    let prefixes: Vec<&str> = listing.common_prefixes.iter().map(S3Path::key).collect();
    assert_eq!(prefixes, ["d/a-"]);
    assert!(listing.objects.is_empty());

    // 20 MiB: above the single-put limit, so it is written and copied as a multipart stream.
    let data: Vec<u8> = (0..20 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let source = path(BUCKET, "big/source.bin");
    let target = path(BUCKET2, "big/target.bin");
    storage
        .put_object(&source, data.clone().into(), PutOptions::new())
        .await
        .expect("put");
    storage
        .copy_object(&source, &target)
        .await
        .expect("copy across buckets");
    let body = storage
        .get_object(&target)
        .await
        .expect("get")
        .body
        .bytes()
        .await
        .expect("body");
    assert_eq!(body.len(), data.len());
    assert!(body == data, "the copied body is identical");
}

/// Both stores, each behind a fresh adapter (with the directories it needs).
fn both() -> Vec<(
    &'static str,
    ObjectStoreAdapter,
    Option<[tempfile::TempDir; 2]>,
)> {
    let (local, dirs) = local();
    vec![
        ("LocalFileSystem", local, Some(dirs)),
        ("InMemory", in_memory(), None),
    ]
}

/// Puts `body` at `target` without options; its ETag.
async fn put(storage: &ObjectStoreAdapter, target: &S3Path, body: &'static str) -> String {
    storage
        .put_object(target, body.into(), PutOptions::new())
        .await
        .expect("put")
        .etag
        .expect("an ETag")
}

/// The body `options` read from `target`, which must be found.
async fn read(storage: &ObjectStoreAdapter, target: &S3Path, options: GetOptions) -> Bytes {
    match storage.get_object_with(target, &options).await {
        Ok(GetOutcome::Found(output)) => output.body.bytes().await.expect("body"),
        other => panic!("{options:?}: expected the object, got {other:?}"),
    }
}

/// Ranges map onto `object_store`'s, and what it reports in its own ways (a generic error
/// past the end, an empty slice of an empty object) is S3's 416 with the object's size.
#[tokio::test]
async fn ranges_past_the_end_and_of_empty_objects_are_416() {
    for (store, storage, _dirs) in both() {
        let digits = path(BUCKET, "digits");
        let empty = path(BUCKET, "empty");
        put(&storage, &digits, "0123456789").await;
        put(&storage, &empty, "").await;
        for (range, bytes, span) in [
            (ByteRange::inclusive(3, 4), "34", 3..5),
            (ByteRange::inclusive(9, u64::MAX), "9", 9..10),
            (ByteRange::from_offset(8), "89", 8..10),
            (ByteRange::suffix(2), "89", 8..10),
            (ByteRange::suffix(11), "0123456789", 0..10),
        ] {
            let options = GetOptions::new().range(range);
            let Ok(GetOutcome::Found(output)) = storage.get_object_with(&digits, &options).await
            else {
                panic!("{store} {range:?}: expected the object");
            };
            assert_eq!((output.range.clone(), output.meta.size), (span, 10));
            assert_eq!(
                output.body.bytes().await.unwrap(),
                bytes,
                "{store} {range:?}"
            );
        }
        for (target, range, size) in [
            (&digits, ByteRange::inclusive(10, 10), 10),
            (&digits, ByteRange::from_offset(11), 10),
            (&empty, ByteRange::inclusive(0, 5), 0),
            (&empty, ByteRange::from_offset(0), 0),
            (&empty, ByteRange::suffix(1), 0),
        ] {
            let result = storage
                .get_object_with(target, &GetOptions::new().range(range))
                .await;
            assert!(
                matches!(&result, Err(Error::RangeNotSatisfiable { path, size: Some(s) })
                    if path == target && *s == size),
                "{store} {range:?}: {result:?}"
            );
        }
        let missing = storage
            .get_object_with(
                &path(BUCKET, "missing"),
                &GetOptions::new().range(ByteRange::from_offset(1)),
            )
            .await;
        assert!(
            matches!(missing, Err(Error::NotFound { .. })),
            "{store}: {missing:?}"
        );
    }
}

/// Conditions reach the store with quoted ETags (bare ones too) and S3's whole seconds:
/// the object's own last-modified second counts as "not modified since".
#[tokio::test]
async fn conditions_use_quoted_etags_and_whole_seconds() {
    for (store, storage, _dirs) in both() {
        let target = path(BUCKET, "conditional");
        let etag = put(&storage, &target, "hello").await;
        let bare = etag.trim_matches('"').to_owned();
        let modified = storage
            .head_object(&target)
            .await
            .unwrap()
            .last_modified
            .unwrap();

        for current in [&etag, &bare] {
            let outcome = storage
                .get_object_with(&target, &GetOptions::new().if_none_match(current.as_str()))
                .await;
            match outcome {
                Ok(GetOutcome::NotModified(not_modified)) => {
                    assert_eq!(not_modified.etag.as_deref(), Some(etag.as_str()), "{store}");
                }
                other => panic!("{store} If-None-Match {current}: {other:?}"),
            }
            let body = read(
                &storage,
                &target,
                GetOptions::new().if_match(current.as_str()),
            )
            .await;
            assert_eq!(body, "hello", "{store} If-Match {current}");
        }
        let outcome = storage
            .get_object_with(&target, &GetOptions::new().if_modified_since(modified))
            .await;
        assert!(
            matches!(outcome, Ok(GetOutcome::NotModified(_))),
            "{store}: not modified since its own second: {outcome:?}"
        );
        let body = read(
            &storage,
            &target,
            GetOptions::new().if_unmodified_since(modified),
        )
        .await;
        assert_eq!(body, "hello", "{store}: unmodified since its own second");
        let earlier = modified - Duration::from_secs(1);
        let failed = storage
            .get_object_with(&target, &GetOptions::new().if_unmodified_since(earlier))
            .await;
        assert!(
            matches!(failed, Err(Error::PreconditionFailed { .. })),
            "{store}: {failed:?}"
        );
    }
}

/// Create-only puts on both stores; compare-and-swap on `InMemory` (bare ETags too), and
/// `Unsupported` without a write on `LocalFileSystem`.
#[tokio::test]
async fn put_modes_map_onto_object_store_modes() {
    for (store, storage, _dirs) in both() {
        let target = path(BUCKET, "modes/object");
        let create = |body: &'static str| {
            let target = target.clone();
            let storage = storage.clone();
            async move {
                storage
                    .put_object(
                        &target,
                        body.into(),
                        PutOptions::new().mode(PutMode::Create),
                    )
                    .await
            }
        };
        let etag = create("v1").await.expect("create").etag.expect("ETag");
        let again = create("v2").await;
        assert!(
            matches!(again, Err(Error::PreconditionFailed { .. })),
            "{store}: {again:?}"
        );

        let swap = |body: &'static str, etag: &str| {
            let target = target.clone();
            let storage = storage.clone();
            let mode = PutMode::IfMatch(etag.to_owned());
            async move {
                storage
                    .put_object(&target, body.into(), PutOptions::new().mode(mode))
                    .await
            }
        };
        let swapped = swap("v2", etag.trim_matches('"')).await;
        if store == "LocalFileSystem" {
            assert!(
                matches!(
                    swapped,
                    Err(Error::Unsupported {
                        operation: "put_object with PutMode::IfMatch",
                        ..
                    })
                ),
                "{swapped:?}"
            );
            assert_eq!(read(&storage, &target, GetOptions::new()).await, "v1");
            continue;
        }
        let etag2 = swapped.expect("compare-and-swap").etag.expect("ETag");
        assert_ne!(etag2, etag);
        let stale = swap("v3", &etag).await;
        assert!(
            matches!(stale, Err(Error::PreconditionFailed { .. })),
            "{stale:?}"
        );
        let missing = storage
            .put_object(
                &path(BUCKET, "modes/missing"),
                "x".into(),
                PutOptions::new().mode(PutMode::IfMatch(etag2)),
            )
            .await;
        assert!(
            matches!(missing, Err(Error::PreconditionFailed { .. })),
            "{missing:?}"
        );
        assert_eq!(read(&storage, &target, GetOptions::new()).await, "v2");
    }
}

/// What `object_store` configures per store or cannot do is refused before anything is
/// written: encryption, storage class, conditional writes above the multipart threshold, attributes on a
/// filesystem, and on copies `If-Match` and replaced attributes.
#[tokio::test]
async fn unsupported_options_write_nothing() {
    for (store, storage, _dirs) in both() {
        let target = path(BUCKET, "refused/object");
        let refusals = [
            PutOptions::new().encryption(Encryption::S3Managed),
            PutOptions::new().storage_class("GLACIER"),
        ];
        for options in refusals {
            let result = storage
                .put_object(&target, "x".into(), options.clone())
                .await;
            assert!(
                matches!(result, Err(Error::Unsupported { .. })),
                "{store} {options:?}: {result:?}"
            );
        }
        let threshold = small_parts().multipart_threshold;
        let big = Bytes::from(vec![7u8; usize::try_from(threshold).unwrap() + 1]);
        let result = storage
            .put_object(&target, big.into(), PutOptions::new().mode(PutMode::Create))
            .await;
        assert!(
            matches!(result, Err(Error::Unsupported { .. })),
            "{store}: {result:?}"
        );
        let result = storage
            .put_object(
                &target,
                "x".into(),
                PutOptions::new().cache_control("no-store"),
            )
            .await;
        if store == "LocalFileSystem" {
            assert!(
                matches!(result, Err(Error::Unsupported { .. })),
                "{result:?}"
            );
        } else {
            result.expect("InMemory keeps attributes");
            storage.delete_object(&target).await.unwrap();
        }
        assert!(!storage.object_exists(&target).await.unwrap(), "{store}");

        let source = path(BUCKET, "refused/source");
        let etag = put(&storage, &source, "source").await;
        for options in [
            CopyOptions::new().mode(PutMode::IfMatch(etag)),
            CopyOptions::new().replace_attributes(PutOptions::new().content_type("text/plain")),
            CopyOptions::new().encryption(Encryption::S3Managed),
            CopyOptions::new().storage_class("GLACIER"),
        ] {
            for to in [&target, &path(BUCKET2, "refused/object")] {
                let result = storage.copy_object_with(&source, to, &options).await;
                assert!(
                    matches!(result, Err(Error::Unsupported { .. })),
                    "{store} {options:?}: {result:?}"
                );
                assert!(!storage.object_exists(to).await.unwrap(), "{store}");
            }
        }
    }
}

/// Create-only copies, within a bucket (`copy_if_not_exists`) and across buckets (a
/// create-only put), on both stores.
#[tokio::test]
async fn create_only_copies() {
    for (store, storage, _dirs) in both() {
        let source = path(BUCKET, "copies/source");
        put(&storage, &source, "source").await;
        let create = CopyOptions::new().mode(PutMode::Create);
        for target in [
            path(BUCKET, "copies/target"),
            path(BUCKET2, "copies/target"),
        ] {
            storage
                .copy_object_with(&source, &target, &create)
                .await
                .expect("create-only copy to a fresh key");
            assert_eq!(read(&storage, &target, GetOptions::new()).await, "source");
            put(&storage, &target, "target").await;
            let again = storage.copy_object_with(&source, &target, &create).await;
            assert!(
                matches!(again, Err(Error::PreconditionFailed { .. })),
                "{store} {target}: {again:?}"
            );
            assert_eq!(read(&storage, &target, GetOptions::new()).await, "target");
        }
        let missing = storage
            .copy_object_with(&path(BUCKET, "copies/missing"), &source, &create)
            .await;
        assert!(
            matches!(missing, Err(Error::NotFound { path }) if path.key() == "copies/missing"),
            "{store}"
        );
    }
}

/// Every entry of a listing read page by page, following the tokens.
async fn paged(
    storage: &ObjectStoreAdapter,
    prefix: &S3Path,
    options: &ListOptions,
) -> Vec<String> {
    let pages: Vec<ListPage> = storage
        .list_pages(prefix, options)
        .try_collect()
        .await
        .expect("pages");
    let size = options.page_size.unwrap_or(1000) as usize;
    for page in &pages[..pages.len() - 1] {
        assert_eq!(
            page.objects.len() + page.common_prefixes.len(),
            size,
            "full pages"
        );
    }
    pages.iter().flat_map(Entries::paths_and_prefixes).collect()
}

/// The keys and common prefixes of a page, in key order.
trait Entries {
    /// The entries' keys, sorted.
    fn paths_and_prefixes(&self) -> Vec<String>;
}

impl Entries for ListPage {
    fn paths_and_prefixes(&self) -> Vec<String> {
        let objects = self
            .objects
            .iter()
            .map(|object| object.path.key().to_owned());
        let prefixes = self.common_prefixes.iter().map(|p| p.key().to_owned());
        let mut entries: Vec<String> = objects.chain(prefixes).collect();
        entries.sort();
        entries
    }
}

/// Pages of any size give exactly what the one-pass `list_objects` gives, on a filesystem
/// that lists in no particular order; tokens resume after a key or a common prefix;
/// start-after may be any key; a token from elsewhere is `InvalidArgument`.
#[tokio::test]
async fn list_pages_agree_with_list_objects() {
    for (store, storage, _dirs) in both() {
        let keys = [
            "p/a", "p/a-1/x", "p/a-1/y", "p/a-2", "p/b/c/d", "p/b/e", "p/b-", "p/c", "pa", "q",
        ];
        for key in keys {
            put(&storage, &path(BUCKET, key), "x").await;
        }
        for (prefix, delimiter) in [
            ("p", None),
            ("p/", Some("/")),
            ("p/", Some("-")),
            ("", Some("/")),
        ] {
            let prefix = path(BUCKET, prefix);
            let whole = storage.list_objects(&prefix, delimiter).await.unwrap();
            let mut expected: Vec<String> = whole.paths().map(|p| p.key().to_owned()).collect();
            expected.extend(whole.common_prefixes.iter().map(|p| p.key().to_owned()));
            expected.sort();
            for size in [1, 2, 3, 1000] {
                let mut options = ListOptions::new().page_size(size);
                options.delimiter = delimiter.map(str::to_owned);
                let listed = paged(&storage, &prefix, &options).await;
                assert_eq!(
                    listed, expected,
                    "{store} {prefix} {delimiter:?} pages of {size}"
                );
            }
        }
        let slash = ListOptions::new().delimiter("/");
        let whole = storage
            .list_objects(&path(BUCKET, "p/"), Some("/"))
            .await
            .unwrap();
        let prefixes: Vec<&str> = whole.common_prefixes.iter().map(S3Path::key).collect();
        assert_eq!(prefixes, ["p/a-1/", "p/b/"], "{store}");
        assert_eq!(paged(&storage, &path(BUCKET, "p/"), &slash).await.len(), 6);

        // Start-after: any string, a path or not; it only places the first page.
        for (after, first) in [
            ("p/a-1/x", "p/a-1/y"),
            ("p/a//", "p/b-"),
            ("p/b/", "p/b/c/d"),
        ] {
            let options = ListOptions::new().page_size(1).start_after(after);
            let listed = paged(&storage, &path(BUCKET, "p"), &options).await;
            assert_eq!(
                listed.first().map(String::as_str),
                Some(first),
                "{store} after {after}"
            );
            assert!(
                listed.iter().all(|key| key.as_str() > after),
                "{store} after {after}"
            );
        }

        // A common prefix ends a page: the next page starts after every key under it.
        let dashed = ListOptions::new().delimiter("-").page_size(2);
        let first = storage
            .list_page(&path(BUCKET, "p/"), &dashed, None)
            .await
            .unwrap();
        assert_eq!(first.paths_and_prefixes(), ["p/a", "p/a-"], "{store}");
        let next = first.next.expect("more");
        assert!(!next.as_str().contains("p/a"), "the token is opaque");
        let second = storage
            .list_page(&path(BUCKET, "p/"), &dashed, Some(&next))
            .await
            .unwrap();
        assert_eq!(second.paths_and_prefixes(), ["p/b-", "p/b/c/d"], "{store}");

        for token in ["not hex", "", "7a7a"] {
            let result = storage
                .list_page(&path(BUCKET, "p/"), &dashed, Some(&ListToken::new(token)))
                .await;
            assert!(
                matches!(result, Err(Error::InvalidArgument { .. })),
                "{store} {token:?}: {result:?}"
            );
        }
    }
}

/// A filesystem keeps empty directories behind deleted keys; listings never show them.
#[tokio::test]
async fn empty_directories_are_not_common_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    let storage = ObjectStoreAdapter::builder()
        .bucket(
            BUCKET,
            Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap()),
        )
        .build()
        .unwrap();
    let gone = path(BUCKET, "gone/x");
    put(&storage, &gone, "x").await;
    storage.delete_object(&gone).await.unwrap();
    assert!(dir.path().join("gone").is_dir(), "the directory stays");
    let root = S3Path::bucket_root(BUCKET).unwrap();
    let listing = storage.list_objects(&root, Some("/")).await.unwrap();
    assert!(listing.common_prefixes.is_empty(), "{listing:?}");
    let page = storage
        .list_page(&root, &ListOptions::new().delimiter("/"), None)
        .await
        .unwrap();
    assert_eq!(page, ListPage::default());
}

/// `object_store` has no presigned part URLs and no ListParts: the calls a browser upload
/// of any size needs are `Unsupported`, and nothing is started or written.
#[tokio::test]
async fn client_driven_multipart_is_unsupported() {
    for (store, storage, _dirs) in both() {
        let target = path(BUCKET, "browser/upload.bin");
        let id = stowage_core::transfer::UploadId::new("any");
        let unsupported = |result: Result<(), Error>| {
            assert!(
                matches!(result, Err(Error::Unsupported { .. })),
                "{store}: {result:?}"
            );
        };
        unsupported(
            storage
                .create_multipart_upload(&target, &PutOptions::new())
                .await
                .map(drop),
        );
        unsupported(
            storage
                .presigned_upload_part(&target, &id, &stowage_core::PartUrlRequest::new(1, 5))
                .await
                .map(drop),
        );
        unsupported(storage.list_parts(&target, &id).await.map(drop));
        unsupported(
            storage
                .complete_multipart_upload(&target, &id, Vec::new(), Some(5))
                .await
                .map(drop),
        );
        assert!(!storage.object_exists(&target).await.unwrap(), "{store}");
    }
}
