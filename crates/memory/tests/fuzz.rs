//! Bad input against the memory backend's verifiers, generated: upload forms with broken,
//! reordered, oversized or forged fields and policies (base64 and JSON), presigned URLs
//! mangled character by character, and raw multipart bodies posted to its HTTP server.
//!
//! Every input must be refused with a 4xx rejection and leave nothing stored; nothing may
//! panic. Each test prints how many inputs it tried (`cargo test -- --nocapture`);
//! `PROPTEST_CASES` raises the count.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use proptest::prelude::*;
use stowage_core::{ObjectStorage, PostPolicyRequest, S3Path};
use stowage_memory::{HttpServer, MemoryStorage};
use stowage_testkit::support::proptest_config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BUCKET: &str = "uploads";
const KEY: &str = "users/alice/scan.png";

/// The store under test; from its first use on, no event of this binary may carry the key,
/// a signature or a policy, whatever the input.
fn storage() -> MemoryStorage {
    stowage_testkit::logs::forbid([KEY]);
    MemoryStorage::builder().bucket(BUCKET).build()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A genuine form for `KEY`: at most 1 KiB, `image/png`.
fn genuine_form(
    runtime: &tokio::runtime::Runtime,
    storage: &MemoryStorage,
) -> (String, Vec<(String, String)>) {
    let request = PostPolicyRequest::new(1024)
        .content_type("image/png")
        .ttl(Duration::from_secs(600));
    let post = runtime
        .block_on(storage.presigned_post(&S3Path::new(BUCKET, KEY).unwrap(), &request))
        .expect("a policy");
    let fields = post
        .fields()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    (post.url().to_owned(), fields)
}

/// One way to spoil a form.
#[derive(Debug, Clone)]
enum Spoil {
    /// Replace the value of field `index` with `value`.
    Value(usize, String),
    /// Drop field `index`.
    Drop(usize),
    /// Add a field the policy does not cover.
    Extra(String, String),
    /// Replace the policy with base64 of `json`, which need not be JSON at all.
    Policy(String),
    /// Replace the policy with text that is not base64.
    NotBase64(String),
    /// A field value far larger than any a policy has.
    Huge(usize, usize),
}

fn spoil() -> impl Strategy<Value = Spoil> {
    let json = prop_oneof![
        any::<String>(),
        "\\{\"expiration\": \"[0-9TZ:.-]{0,30}\", \"conditions\": \\[.{0,80}\\]\\}",
        Just("{\"conditions\": [[\"content-length-range\", -1, 99999999999999999999]]}".to_owned()),
        Just("{\"expiration\": \"2099-01-01T00:00:00Z\", \"conditions\": [{\"bucket\": \"uploads\"}, [\"starts-with\", \"$key\", \"\"]]}".to_owned()),
    ];
    prop_oneof![
        (0..8usize, any::<String>()).prop_map(|(i, v)| Spoil::Value(i, v)),
        (0..8usize).prop_map(Spoil::Drop),
        ("[a-zA-Z-]{1,20}", any::<String>()).prop_map(|(n, v)| Spoil::Extra(n, v)),
        json.prop_map(Spoil::Policy),
        "[^A-Za-z0-9+/=]{1,40}".prop_map(Spoil::NotBase64),
        (0..8usize, 20_000..200_000usize).prop_map(|(i, n)| Spoil::Huge(i, n)),
    ]
}

fn apply(fields: &mut Vec<(String, String)>, spoil: &Spoil) {
    let policy = fields.iter().position(|(name, _)| name == "policy");
    match spoil {
        Spoil::Value(i, value) => {
            let i = i % fields.len();
            fields[i].1 = value.clone();
        }
        Spoil::Drop(i) => {
            let i = i % fields.len();
            fields.remove(i);
        }
        Spoil::Extra(name, value) => fields.push((name.clone(), value.clone())),
        Spoil::Policy(json) => {
            if let Some(i) = policy {
                fields[i].1 = STANDARD.encode(json);
            }
        }
        Spoil::NotBase64(text) => {
            if let Some(i) = policy {
                fields[i].1 = text.clone();
            }
        }
        Spoil::Huge(i, n) => {
            let i = i % fields.len();
            fields[i].1 = "A".repeat(*n);
        }
    }
}

/// A spoiled form is refused with a 4xx and stores nothing; the genuine one, sent after
/// every spoiled one, is still accepted (a refusal leaves no state behind).
#[test]
fn spoiled_upload_forms_are_refused() {
    let runtime = runtime();
    let storage = storage();
    let (url, genuine) = genuine_form(&runtime, &storage);
    let target = S3Path::new(BUCKET, KEY).unwrap();
    let tried = AtomicUsize::new(0);
    proptest!(proptest_config(), |(spoils in proptest::collection::vec(spoil(), 1..4), file in proptest::collection::vec(any::<u8>(), 0..2048))| {
        tried.fetch_add(1, Ordering::Relaxed);
        let mut fields = genuine.clone();
        for spoil in &spoils {
            apply(&mut fields, spoil);
        }
        let file = Bytes::from(file);
        let unchanged = fields == genuine;
        match storage.submit_post(&url, &fields, file.clone()) {
            Ok(_) => {
                prop_assert!(unchanged || fields_equivalent(&fields, &genuine), "accepted {spoils:?}");
                prop_assert!(file.len() <= 1024 + 16 * 1024);
                runtime.block_on(storage.delete_object(&target)).unwrap();
            }
            Err(rejection) => {
                prop_assert!((400..500).contains(&rejection.status), "{rejection:?}");
                prop_assert!(!runtime.block_on(storage.object_exists(&target)).unwrap());
            }
        }
    });
    storage
        .submit_post(&url, &genuine, Bytes::from_static(b"png"))
        .expect("the genuine form still works");
    eprintln!(
        "spoiled_upload_forms_are_refused: {} inputs tried",
        tried.load(Ordering::Relaxed)
    );
}

/// Spoils that leave a form as good as the genuine one: a field set to the value it had,
/// or an extra field S3 ignores (`x-ignore-*`).
fn fields_equivalent(fields: &[(String, String)], genuine: &[(String, String)]) -> bool {
    let relevant = |f: &[(String, String)]| {
        let mut kept: Vec<(String, String)> = f
            .iter()
            .filter(|(name, _)| !name.to_ascii_lowercase().starts_with("x-ignore-"))
            .cloned()
            .collect();
        kept.sort();
        kept
    };
    relevant(fields) == relevant(genuine)
}

/// A presigned URL with characters replaced, removed or inserted, or cut short, is refused
/// with a 4xx; only the untouched URL downloads.
#[test]
fn mangled_presigned_urls_are_refused() {
    let runtime = runtime();
    let storage = storage();
    let path = S3Path::new(BUCKET, KEY).unwrap();
    runtime
        .block_on(storage.put_object(&path, "secret scan".into(), Default::default()))
        .unwrap();
    let url = runtime
        .block_on(storage.presigned_get_url(&path, Duration::from_secs(600)))
        .unwrap()
        .into_string();
    let tried = AtomicUsize::new(0);
    let edit = prop_oneof![
        (any::<usize>(), any::<char>()).prop_map(|(at, c)| (at, Some(c), true)),
        (any::<usize>(), any::<char>()).prop_map(|(at, c)| (at, Some(c), false)),
        any::<usize>().prop_map(|at| (at, None, true)),
    ];
    proptest!(proptest_config(), |(edits in proptest::collection::vec(edit, 1..4), cut in proptest::option::of(any::<usize>()))| {
        tried.fetch_add(1, Ordering::Relaxed);
        let mut chars: Vec<char> = url.chars().collect();
        for (at, c, replace) in &edits {
            let at = at % (chars.len() + 1);
            match (c, replace) {
                (Some(c), true) if at < chars.len() => chars[at] = *c,
                (Some(c), _) => chars.insert(at, *c),
                (None, _) if at < chars.len() => { chars.remove(at); }
                (None, _) => {}
            }
        }
        if let Some(cut) = cut {
            chars.truncate(cut % (chars.len() + 1));
        }
        let mangled: String = chars.into_iter().collect();
        match storage.fetch_presigned(&mangled) {
            Ok(body) => {
                prop_assert_eq!(&mangled, &url, "only the untouched URL downloads");
                prop_assert_eq!(body, Bytes::from_static(b"secret scan"));
            }
            Err(rejection) => prop_assert!((400..500).contains(&rejection.status), "{rejection:?}"),
        }
    });
    eprintln!(
        "mangled_presigned_urls_are_refused: {} inputs tried",
        tried.load(Ordering::Relaxed)
    );
}

/// Raw multipart bodies (random bytes, broken boundaries, huge or endless fields) posted
/// to the HTTP server get a 4xx XML answer; the server keeps answering.
#[test]
fn malformed_multipart_bodies_get_a_4xx() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let storage = storage();
    let server = runtime.block_on(HttpServer::start(&storage)).unwrap();
    let addr = server.local_addr();
    let tried = AtomicUsize::new(0);
    let part = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        ("[a-z-]{0,12}", proptest::collection::vec(any::<u8>(), 0..200)).prop_map(|(name, value)| {
            let mut part = format!("--b0undary\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").into_bytes();
            part.extend(value);
            part.extend_from_slice(b"\r\n");
            part
        }),
        Just(b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\nfile bytes\r\n".to_vec()),
        Just(b"--b0undary--\r\n".to_vec()),
        (1_000..70_000usize).prop_map(|n| {
            let mut part = b"--b0undary\r\nContent-Disposition: form-data; name=\"policy\"\r\n\r\n".to_vec();
            part.extend(std::iter::repeat_n(b'A', n));
            part.extend_from_slice(b"\r\n");
            part
        }),
    ];
    proptest!(proptest_config(), |(parts in proptest::collection::vec(part, 0..6), boundary in prop_oneof![Just("b0undary".to_owned()), "[ -~]{0,20}"])| {
        tried.fetch_add(1, Ordering::Relaxed);
        let body: Vec<u8> = parts.concat();
        let status = runtime.block_on(post_raw(addr, &boundary, &body));
        prop_assert!((400..500).contains(&status), "status {status}");
    });
    let status = runtime.block_on(post_raw(addr, "b0undary", b"--b0undary--\r\n"));
    assert!(
        (400..500).contains(&status),
        "the server still answers: {status}"
    );
    assert!(
        runtime
            .block_on(storage.list_objects(&S3Path::new(BUCKET, "").unwrap(), None))
            .unwrap()
            .objects
            .is_empty(),
        "nothing was stored"
    );
    eprintln!(
        "malformed_multipart_bodies_get_a_4xx: {} inputs tried",
        tried.load(Ordering::Relaxed)
    );
}

/// Posts `body` to the bucket as `multipart/form-data` with `boundary`; the status.
async fn post_raw(addr: std::net::SocketAddr, boundary: &str, body: &[u8]) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /{BUCKET} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before reading everything: that is allowed.
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {answer:?}"))
}
