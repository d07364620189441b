//! The conformance suite (`stowage-testkit`) against `LocalFileSystem` and `InMemory`
//! through [`ObjectStoreAdapter`], plus the adapter's own behaviour.
//!
//! Capabilities record the differences from S3 the suite finds; the crate docs list them.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::signer::Signer;
use sha2::{Digest, Sha256};
use stowage_core::{Error, FormField, ObjectStorage, PutOptions, S3Path};
use stowage_object_store::ObjectStoreAdapter;
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

/// What a filesystem or in-memory store cannot do like S3 (see the crate docs).
fn restricted(long_keys: bool, object_metadata: bool, presigned_get: bool) -> Capabilities {
    let mut capabilities = Capabilities::full();
    capabilities.presigned_get = presigned_get;
    capabilities.post_policy = false;
    capabilities.long_keys = long_keys;
    capabilities.s3_key_syntax = false;
    capabilities.object_metadata = object_metadata;
    capabilities.md5_etags = false;
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
        .build()
        .expect("adapter");
    (adapter, dirs)
}

fn in_memory() -> ObjectStoreAdapter {
    ObjectStoreAdapter::builder()
        .bucket(BUCKET, Arc::new(InMemory::new()))
        .bucket(BUCKET2, Arc::new(InMemory::new()))
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
        restricted(false, false, false),
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
        restricted(true, true, false),
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
    let storage = ObjectStoreAdapter::builder()
        .bucket_with_signer(BUCKET, store, Arc::new(signer.clone()))
        .bucket(BUCKET2, Arc::new(InMemory::new()))
        .build()
        .expect("adapter");
    let fixture = Fixture::new(
        &storage,
        BUCKET,
        BUCKET2,
        &signer,
        restricted(true, true, true),
    );
    stowage_testkit::presign::presigned_get(&fixture).await;
    let debug = format!("{storage:?}");
    assert!(
        !debug.contains("test-secret") && debug.contains("store with signer"),
        "{debug}"
    );
}

fn path(bucket: &str, key: &str) -> S3Path {
    S3Path::new(bucket, key).unwrap()
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
