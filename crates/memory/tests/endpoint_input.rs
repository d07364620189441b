//! Bad input against the memory backend's S3 endpoint ([`HttpServer`]), generated and sent
//! as raw, correctly signed HTTP/1.1: malformed XML bodies for the XML operations, invalid
//! part numbers, truncated and corrupt `aws-chunked` bodies (unsigned with a trailer, and
//! with chunk signatures), oversized request heads, and clients that send slowly.
//!
//! Every input must get S3's answer: a 4xx with an XML error document (or, for a request
//! head past hyper's limits, a 431/414 or a closed connection), leave the store exactly as
//! it was (objects, buckets, uploads, parts, CORS rules), keep the server answering, and
//! never panic it; memory stays bounded. Each test prints how many inputs it tried
//! (`cargo test -- --nocapture`); `PROPTEST_CASES` raises the count.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::Digest as _;
use proptest::prelude::*;
use sha2::Sha256;
use stowage_core::sigv4::{Authorize, SigningKeyCache, SigningTime};
use stowage_core::transfer::UploadId;
use stowage_core::{ObjectStorage, S3Path, SigningCredentials};
use stowage_memory::{HttpServer, MemoryStorage};
use stowage_testkit::support::proptest_config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ID: &str = "AKIDENDPOINTINPUT";
const SECRET: &str = "endpoint-input-secret-key";
const REGION: &str = "us-east-1";
const BUCKET: &str = "input-bucket";
/// The object the bad requests aim at.
const KEY: &str = "inputs/target";
/// An object stored before every test: a DeleteObjects must not remove it.
const KEEP: &str = "inputs/keep";
/// The server's header read timeout (`HEADER_READ_TIMEOUT` in `src/http/mod.rs`).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest any single exchange may take before the server counts as hung.
const EXCHANGE_LIMIT: Duration = Duration::from_secs(10);
/// The name prefix of the server's runtime threads, to tell its panics apart.
const SERVER_THREAD: &str = "endpoint-input";
/// S3's XML namespace.
const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// Panics on the server's threads, by thread name, since the process started.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Counts panics on any server runtime thread (the default hook still prints them).
fn watch_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Some(name) = std::thread::current().name()
                && name.starts_with(SERVER_THREAD)
            {
                PANICS
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(format!("{name}: {info}"));
            }
            default(info);
        }));
    });
}

/// The lowercase hex SHA-256 of `bytes`.
fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `text` percent-encoded as SigV4 encodes query names and values.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One request to sign: its head is built by [`Fixture::head`].
#[derive(Debug, Clone)]
struct Request {
    method: &'static str,
    /// The path as sent (already percent-encoded), e.g. `/b/inputs/target`.
    path: String,
    /// Query parameters, decoded.
    query: Vec<(String, String)>,
    /// Headers sent and signed.
    signed: Vec<(String, String)>,
    /// Headers sent but not signed.
    unsigned: Vec<(String, String)>,
    /// `x-amz-content-sha256`: a hex SHA-256, `UNSIGNED-PAYLOAD` or a `STREAMING-*` value.
    payload_hash: String,
}

impl Request {
    fn new(method: &'static str, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            signed: Vec::new(),
            unsigned: Vec::new(),
            payload_hash: "UNSIGNED-PAYLOAD".to_owned(),
        }
    }

    fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    fn signed(mut self, name: &str, value: impl Into<String>) -> Self {
        self.signed.push((name.to_owned(), value.into()));
        self
    }

    fn unsigned(mut self, name: &str, value: impl Into<String>) -> Self {
        self.unsigned.push((name.to_owned(), value.into()));
        self
    }

    fn payload_hash(mut self, hash: impl Into<String>) -> Self {
        self.payload_hash = hash.into();
        self
    }

    /// Signed with the SHA-256 of `body`, with its `Content-Length` and `Content-MD5`.
    fn with_body(self, body: &[u8]) -> Self {
        let md5 = STANDARD.encode(md5::Md5::digest(body));
        self.payload_hash(sha256_hex(body))
            .signed("content-md5", md5)
            .unsigned("content-length", body.len().to_string())
    }
}

/// A signed request's head, and the signature that seeds its chunk signatures.
struct Head {
    bytes: Vec<u8>,
    seed: String,
    time: SigningTime,
}

/// What came back over one connection.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    /// An HTTP answer: status, head, body.
    Http {
        status: u16,
        head: String,
        body: String,
    },
    /// The server closed (or reset) the connection without an answer.
    Closed,
    /// Nothing for [`EXCHANGE_LIMIT`]: the server hung.
    Hung,
}

impl Answer {
    fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    fn header(&self, name: &str) -> Option<String> {
        let Self::Http { head, .. } = self else {
            return None;
        };
        head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    /// The text of `<tag>` in the body.
    fn element(&self, tag: &str) -> Option<String> {
        let Self::Http { body, .. } = self else {
            return None;
        };
        let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
        let end = body[start..].find(&format!("</{tag}>"))? + start;
        Some(body[start..end].to_owned())
    }

    /// The S3 error code, when this is a 4xx with an XML error document.
    fn s3_error(&self) -> Result<String, String> {
        match self {
            Self::Http { status, body, .. }
                if (400..500).contains(status) && body.contains("<Error>") =>
            {
                self.element("Code")
                    .ok_or_else(|| format!("{status} without <Code>: {body:.300}"))
            }
            Self::Http { status, body, .. } => Err(format!(
                "answered {status}, not a 4xx XML error: {body:.300}"
            )),
            other => Err(format!("no answer: {other:?}")),
        }
    }
}

/// Sends `head` and `body` over a fresh connection, reading the answer meanwhile; with
/// `close`, the client shuts its sending side once the bytes are out. Whatever the server
/// does (answer early, close, reset), the bytes it sent are the answer.
async fn exchange(addr: SocketAddr, head: &[u8], body: &[u8], close: bool) -> Answer {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return Answer::Closed;
    };
    let (mut reader, mut writer) = stream.split();
    let read = async {
        let mut answer = Vec::new();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break answer,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    };
    let write = async {
        if writer.write_all(head).await.is_ok() && writer.write_all(body).await.is_ok() && close {
            let _ = writer.shutdown().await;
        }
        // Keep the sending side open until the answer is read.
        std::future::pending::<()>().await;
    };
    let answer = tokio::time::timeout(EXCHANGE_LIMIT, async {
        tokio::select! {
            answer = read => answer,
            () = write => unreachable!(),
        }
    })
    .await;
    match answer {
        Err(_) => Answer::Hung,
        Ok(bytes) => parse_answer(&bytes),
    }
}

fn parse_answer(bytes: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(bytes);
    let Some(status) = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
    else {
        return Answer::Closed;
    };
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Answer::Http {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// Everything the store holds that a request could have changed.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    buckets: Vec<String>,
    /// Key, size, ETag.
    objects: Vec<(String, u64, Option<String>)>,
    uploads: Vec<Pending>,
}

/// A pending upload: key, upload id, parts (number, size).
type Pending = (String, String, Vec<(u32, u64)>);

/// Slow clients of one kind: held, closed, and the first and last close.
type Closes = (usize, usize, Option<Duration>, Option<Duration>);

/// A store with one bucket and the `KEEP` object, served over HTTP.
struct Fixture {
    runtime: tokio::runtime::Runtime,
    storage: MemoryStorage,
    server: HttpServer,
    credentials: SigningCredentials,
    keys: SigningKeyCache,
    thread: String,
}

impl Fixture {
    fn new(test: &str) -> Self {
        watch_panics();
        let thread = format!("{SERVER_THREAD}-{test}");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(thread.clone())
            .enable_all()
            .build()
            .unwrap();
        let credentials = SigningCredentials::new(ID, SECRET);
        let storage = MemoryStorage::builder()
            .bucket(BUCKET)
            .credentials(credentials.clone())
            .build();
        let server = runtime.block_on(HttpServer::start(&storage)).unwrap();
        runtime
            .block_on(storage.put_object(
                &S3Path::new(BUCKET, KEEP).unwrap(),
                "kept".into(),
                Default::default(),
            ))
            .unwrap();
        Self {
            runtime,
            storage,
            server,
            credentials,
            keys: SigningKeyCache::new(),
            thread,
        }
    }

    fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The head of `request`, signed now.
    fn head(&self, request: &Request) -> Head {
        self.head_at(request, &SigningTime::new(SystemTime::now()).unwrap())
    }

    /// The head of `request`, signed at `time`.
    fn head_at(&self, request: &Request, time: &SigningTime) -> Head {
        let url = format!("http://{}{}", self.addr(), request.path);
        let mut authorize =
            Authorize::new(request.method, &url, REGION).payload_hash(&request.payload_hash);
        for (name, value) in &request.query {
            authorize = authorize.query(name, value);
        }
        for (name, value) in &request.signed {
            authorize = authorize.header(name, value);
        }
        let signed = authorize.sign(&self.credentials, time, &self.keys).unwrap();
        let seed = signed[0]
            .1
            .rsplit_once("Signature=")
            .map(|(_, signature)| signature.to_owned())
            .unwrap();
        let query = request
            .query
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let target = if query.is_empty() {
            request.path.clone()
        } else {
            format!("{}?{query}", request.path)
        };
        let mut head = format!(
            "{} {target} HTTP/1.1\r\nhost: {}\r\n",
            request.method,
            self.addr()
        );
        let headers = signed
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .chain(request.signed.iter().cloned())
            .chain(request.unsigned.iter().cloned());
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("connection: close\r\n\r\n");
        Head {
            bytes: head.into_bytes(),
            seed,
            time: *time,
        }
    }

    /// Sends `request` with `body` (its whole `Content-Length`).
    fn send(&self, request: &Request, body: &[u8]) -> Answer {
        let head = self.head(request);
        self.runtime
            .block_on(exchange(self.addr(), &head.bytes, body, false))
    }

    /// Whether the server still answers a valid signed request (HeadBucket) with 200.
    fn alive(&self) -> Result<(), String> {
        let answer = self.send(&Request::new("HEAD", format!("/{BUCKET}")), b"");
        match answer.status() {
            Some(200) => Ok(()),
            _ => Err(format!(
                "the server no longer answers HeadBucket: {answer:?}"
            )),
        }
    }

    fn snapshot(&self) -> Snapshot {
        self.runtime.block_on(async {
            let buckets = self
                .storage
                .buckets()
                .into_iter()
                .map(|(name, _)| name)
                .collect();
            let root = S3Path::new(BUCKET, "").unwrap();
            let objects = self
                .storage
                .list_objects(&root, None)
                .await
                .unwrap()
                .objects
                .into_iter()
                .map(|object| (object.path.key().to_owned(), object.size, object.etag))
                .collect();
            let mut uploads = Vec::new();
            for upload in self.storage.list_multipart_uploads(&root).await.unwrap() {
                let mut parts: Vec<(u32, u64)> = self
                    .storage
                    .list_parts(&upload.path, &upload.id)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|part| (part.number, part.size))
                    .collect();
                parts.sort_unstable();
                uploads.push((
                    upload.path.key().to_owned(),
                    upload.id.as_str().to_owned(),
                    parts,
                ));
            }
            uploads.sort();
            Snapshot {
                buckets,
                objects,
                uploads,
            }
        })
    }

    /// Removes `KEY` if a request stored it, so that the next case starts clean.
    fn forget_target(&self) {
        let _ = self.runtime.block_on(
            self.storage
                .delete_object(&S3Path::new(BUCKET, KEY).unwrap()),
        );
    }

    /// The panics on this fixture's server threads so far.
    fn panics(&self) -> Vec<String> {
        let prefix = format!("{}: ", self.thread);
        PANICS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .filter(|panic| panic.starts_with(&prefix))
            .cloned()
            .collect()
    }

    /// A CreateMultipartUpload of `KEY` over HTTP: the upload id.
    fn create_upload(&self) -> String {
        let request = Request::new("POST", format!("/{BUCKET}/{KEY}"))
            .query("uploads", "")
            .unsigned("content-length", "0");
        let answer = self.send(&request, b"");
        assert_eq!(answer.status(), Some(200), "{answer:?}");
        answer.element("UploadId").expect("an UploadId")
    }

    /// An UploadPart over HTTP: the part's ETag, quoted.
    fn upload_part(&self, upload: &str, number: u32, body: &[u8]) -> String {
        let request = Request::new("PUT", format!("/{BUCKET}/{KEY}"))
            .query("partNumber", &number.to_string())
            .query("uploadId", upload)
            .with_body(body);
        let answer = self.send(&request, body);
        assert_eq!(answer.status(), Some(200), "{answer:?}");
        answer.header("etag").expect("an ETag")
    }

    /// GetBucketCors over HTTP.
    fn get_cors(&self) -> Answer {
        self.send(
            &Request::new("GET", format!("/{BUCKET}")).query("cors", ""),
            b"",
        )
    }
}

// ---------------------------------------------------------------------------------------
// a. Malformed XML bodies
// ---------------------------------------------------------------------------------------

/// The operations that take an XML body.
#[derive(Debug, Clone, Copy, PartialEq)]
enum XmlOp {
    /// `POST /b?delete`
    DeleteObjects,
    /// `POST /b/k?uploadId=..`
    Complete,
    /// `PUT /b?cors`
    PutBucketCors,
}

const XML_OPS: [XmlOp; 3] = [XmlOp::DeleteObjects, XmlOp::Complete, XmlOp::PutBucketCors];

impl XmlOp {
    fn root(self) -> &'static str {
        match self {
            Self::DeleteObjects => "Delete",
            Self::Complete => "CompleteMultipartUpload",
            Self::PutBucketCors => "CORSConfiguration",
        }
    }

    /// The children of a valid document, which the store would act on: delete `KEEP`,
    /// complete the upload from its one part, set a CORS rule.
    fn inner(self, etag: &str) -> String {
        match self {
            Self::DeleteObjects => format!("<Object><Key>{KEEP}</Key></Object><Quiet>true</Quiet>"),
            Self::Complete => {
                format!("<Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>")
            }
            Self::PutBucketCors => "<CORSRule><AllowedOrigin>*</AllowedOrigin>\
                 <AllowedMethod>GET</AllowedMethod></CORSRule>"
                .to_owned(),
        }
    }

    fn valid(self, etag: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><{root} xmlns=\"{XMLNS}\">{inner}</{root}>",
            root = self.root(),
            inner = self.inner(etag)
        )
    }

    /// A document of this operation with `text` as the value of a typed field that must
    /// not hold it; unclosed, it ends inside that element.
    fn huge_text(self, text: &str, closed: bool, etag: &str) -> String {
        let (open, close) = match self {
            Self::DeleteObjects => (
                format!("<Delete xmlns=\"{XMLNS}\"><Object><Key>{KEEP}</Key></Object><Quiet>"),
                "</Quiet></Delete>".to_owned(),
            ),
            Self::Complete => (
                format!("<CompleteMultipartUpload xmlns=\"{XMLNS}\"><Part><PartNumber>"),
                format!("</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"),
            ),
            Self::PutBucketCors => (
                format!(
                    "<CORSConfiguration xmlns=\"{XMLNS}\"><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>"
                ),
                "</AllowedMethod></CORSRule></CORSConfiguration>".to_owned(),
            ),
        };
        if closed {
            format!("{open}{text}{close}")
        } else {
            format!("{open}{text}")
        }
    }

    fn request(self, upload: &str) -> Request {
        match self {
            Self::DeleteObjects => Request::new("POST", format!("/{BUCKET}")).query("delete", ""),
            Self::Complete => {
                Request::new("POST", format!("/{BUCKET}/{KEY}")).query("uploadId", upload)
            }
            Self::PutBucketCors => Request::new("PUT", format!("/{BUCKET}")).query("cors", ""),
        }
    }
}

/// One way to spoil an XML body.
#[derive(Debug, Clone)]
enum BadXml {
    /// Random bytes.
    Bytes(Vec<u8>),
    /// The valid document cut short (at `n` modulo its length; 0 is an empty body).
    Truncated(usize),
    /// The valid document's children under another root element.
    WrongRoot(String),
    /// The valid document of another operation.
    OtherDocument(usize),
    /// The right root with `depth` nested `<tag>` elements inside and no required child,
    /// closed or not.
    Nested {
        tag: &'static str,
        depth: usize,
        closed: bool,
    },
    /// `len` copies of `fill` in a typed field (`Quiet`, `PartNumber`, `AllowedMethod`);
    /// `<` is escaped (`&lt;`), one parser event each, so only an eighth as many.
    HugeText {
        fill: char,
        len: usize,
        closed: bool,
    },
    /// The valid document with its last closing tag misspelt.
    MismatchedEnd(String),
    /// A document type declaring entities that expand exponentially, used in the text.
    EntityBomb(usize),
}

fn bad_xml() -> impl Strategy<Value = BadXml> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048).prop_map(BadXml::Bytes),
        any::<usize>().prop_map(BadXml::Truncated),
        "[A-Za-z_][A-Za-z0-9_.-]{0,24}".prop_map(BadXml::WrongRoot),
        any::<usize>().prop_map(BadXml::OtherDocument),
        (
            prop_oneof![Just("a"), Just("Object"), Just("Part"), Just("CORSRule")],
            1..50_000usize,
            any::<bool>()
        )
            .prop_map(|(tag, depth, closed)| BadXml::Nested { tag, depth, closed }),
        (
            prop_oneof![Just('A'), Just('9'), Just('<'), Just('é')],
            64 * 1024..1024 * 1024usize,
            any::<bool>()
        )
            .prop_map(|(fill, len, closed)| BadXml::HugeText { fill, len, closed }),
        "[A-Za-z]{1,12}".prop_map(BadXml::MismatchedEnd),
        (2..12usize).prop_map(BadXml::EntityBomb),
    ]
}

impl BadXml {
    fn body(&self, op: XmlOp, etag: &str) -> Vec<u8> {
        match self {
            Self::Bytes(bytes) => bytes.clone(),
            Self::Truncated(at) => {
                let valid = op.valid(etag);
                valid.as_bytes()[..at % valid.len()].to_vec()
            }
            Self::WrongRoot(name) => {
                let name = if name == op.root() {
                    format!("{name}x")
                } else {
                    name.clone()
                };
                format!(
                    "<{name} xmlns=\"{XMLNS}\">{inner}</{name}>",
                    inner = op.inner(etag)
                )
                .into_bytes()
            }
            Self::OtherDocument(n) => {
                let others: Vec<XmlOp> = XML_OPS.into_iter().filter(|o| *o != op).collect();
                others[n % others.len()].valid(etag).into_bytes()
            }
            Self::Nested { tag, depth, closed } => {
                let mut body = format!("<{} xmlns=\"{XMLNS}\">", op.root());
                body.push_str(&format!("<{tag}>").repeat(*depth));
                if *closed {
                    body.push_str(&format!("</{tag}>").repeat(*depth));
                    body.push_str(&format!("</{}>", op.root()));
                }
                body.into_bytes()
            }
            Self::HugeText { fill, len, closed } => {
                let text = if *fill == '<' {
                    "&lt;".repeat(len / 8)
                } else {
                    std::iter::repeat_n(*fill, *len).collect()
                };
                op.huge_text(&text, *closed, etag).into_bytes()
            }
            Self::MismatchedEnd(name) => {
                let valid = op.valid(etag);
                let root_end = format!("</{}>", op.root());
                let name = if name == op.root() {
                    format!("{name}x")
                } else {
                    name.clone()
                };
                valid.replace(&root_end, &format!("</{name}>")).into_bytes()
            }
            Self::EntityBomb(levels) => {
                let mut doctype = format!(
                    "<?xml version=\"1.0\"?><!DOCTYPE {} [<!ENTITY e0 \"{}\">",
                    op.root(),
                    "x".repeat(64)
                );
                for level in 1..*levels {
                    let previous = format!("&e{};", level - 1);
                    doctype.push_str(&format!("<!ENTITY e{level} \"{}\">", previous.repeat(10)));
                }
                doctype.push(']');
                doctype.push('>');
                let entity = format!("&e{};", levels - 1);
                let document = op.huge_text(&entity, true, etag);
                format!("{doctype}{document}").into_bytes()
            }
        }
    }
}

/// The codes S3 gives a malformed XML body: `MalformedXML` for anything that does not
/// parse or does not validate against the schema (all that was observed but one case),
/// `MissingRequestBodyError` for an empty DeleteObjects or PutBucketCors body (S3's
/// "Request Body is empty"; observed from s3s; an empty CompleteMultipartUpload is
/// `MalformedXML`, as in S3), and `InvalidRequest`, S3's code for a CORS rule naming an
/// unsupported method ("Found unsupported HTTP method in CORS config"; this store says
/// `MalformedXML` there, which is allowed too).
const XML_CODES: [&str; 3] = ["MalformedXML", "MissingRequestBodyError", "InvalidRequest"];

/// A malformed, truncated, mis-rooted, deeply nested or oversized XML body, signed
/// correctly (payload SHA-256 and Content-MD5), is refused with 400 and one of
/// [`XML_CODES`]; nothing is deleted, completed or configured; the server keeps answering.
#[test]
fn malformed_xml_bodies_are_refused() {
    let fixture = Fixture::new("xml");
    let upload = fixture.create_upload();
    let etag = fixture.upload_part(&upload, 1, b"the only part");
    let before = fixture.snapshot();
    let tried = AtomicUsize::new(0);
    let codes = Mutex::new(HashMap::<String, usize>::new());
    proptest!(proptest_config(), |(op in proptest::sample::select(XML_OPS.to_vec()), bad in bad_xml())| {
        tried.fetch_add(1, Ordering::Relaxed);
        let body = bad.body(op, &etag);
        let answer = fixture.send(&op.request(&upload).with_body(&body), &body);
        let code = answer.s3_error();
        prop_assert!(code.is_ok(), "{op:?} {bad:?}: {}", code.unwrap_err());
        let code = code.unwrap();
        prop_assert_eq!(answer.status(), Some(400), "{:?} {:?}: {}", op, bad, code);
        prop_assert!(XML_CODES.contains(&code.as_str()), "{op:?} {bad:?}: code {code}");
        *codes.lock().unwrap().entry(format!("{op:?} {code}")).or_default() += 1;
        prop_assert_eq!(fixture.snapshot(), before.clone(), "{:?} {:?} changed the store", op, bad);
        let cors = fixture.get_cors().s3_error();
        prop_assert_eq!(cors.as_deref(), Ok("NoSuchCORSConfiguration"), "{:?} {:?} set CORS rules", op, bad);
        prop_assert!(fixture.alive().is_ok(), "{:?} {:?}: {:?}", op, bad, fixture.alive());
    });
    assert_eq!(fixture.panics(), Vec::<String>::new());
    // The untouched documents are accepted: the refusals were the spoiling's doing.
    for op in XML_OPS {
        let body = op.valid(&etag).into_bytes();
        let answer = fixture.send(&op.request(&upload).with_body(&body), &body);
        assert_eq!(answer.status(), Some(200), "valid {op:?}: {answer:?}");
    }
    eprintln!(
        "malformed_xml_bodies_are_refused: {} inputs tried; answers {:?}",
        tried.load(Ordering::Relaxed),
        codes.into_inner().unwrap()
    );
}

/// An XML body past s3s's 20 MiB limit (`xml_max_body_size`) is refused with S3's
/// `400 MaxMessageLengthExceeded` before it is parsed, and nothing changes.
#[test]
fn an_xml_body_over_the_limit_is_refused() {
    let fixture = Fixture::new("xml-limit");
    let before = fixture.snapshot();
    let mut body = format!("<Delete xmlns=\"{XMLNS}\"><Object><Key>").into_bytes();
    body.resize(21 * 1024 * 1024, b'k');
    body.extend_from_slice(b"</Key></Object></Delete>");
    let answer = fixture.send(&XmlOp::DeleteObjects.request("").with_body(&body), &body);
    // S3: 400 MaxMessageLengthExceeded ("Your request was too big"). The server may also
    // answer before reading the rest and reset the connection, losing the answer.
    if answer != Answer::Closed {
        assert_eq!(
            answer.s3_error().as_deref(),
            Ok("MaxMessageLengthExceeded"),
            "a 21 MiB DeleteObjects body: S3 answers 400 MaxMessageLengthExceeded; got {answer:?}"
        );
        assert_eq!(answer.status(), Some(400), "{answer:?}");
    }
    assert_eq!(fixture.snapshot(), before);
    fixture.alive().unwrap();
    assert_eq!(fixture.panics(), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------
// b. Invalid part numbers
// ---------------------------------------------------------------------------------------

/// Part numbers S3 refuses: outside 1..=10000 or not an integer at all.
fn bad_part_number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_owned()),
        Just("10001".to_owned()),
        Just(String::new()),
        (i64::MIN..0).prop_map(|n| n.to_string()),
        (10_001..=i64::MAX).prop_map(|n| n.to_string()),
        "[1-9][0-9]{19,40}",
        "[0-9]{1,4}\\.[0-9]{1,3}",
        "0x[0-9a-f]{1,4}",
        "[0-9]{1,3}[a-z ]{1,3}",
        " [0-9]{1,3}",
        "[^0-9]{1,12}",
        any::<String>(),
    ]
    .prop_filter("not a valid part number", |text| {
        !matches!(text.parse::<i32>(), Ok(1..=10_000))
    })
}

/// UploadPart with a part number outside 1..=10000, negative, huge or not a number is
/// refused with 400 InvalidArgument, and no part is recorded.
#[test]
fn invalid_part_numbers_are_refused() {
    let fixture = Fixture::new("parts");
    let upload = fixture.create_upload();
    let before = fixture.snapshot();
    let tried = AtomicUsize::new(0);
    proptest!(proptest_config(), |(number in bad_part_number(), body in proptest::collection::vec(any::<u8>(), 0..512), signed_payload in any::<bool>())| {
        tried.fetch_add(1, Ordering::Relaxed);
        let request = Request::new("PUT", format!("/{BUCKET}/{KEY}"))
            .query("partNumber", &number)
            .query("uploadId", &upload);
        let request = if signed_payload {
            request.with_body(&body)
        } else {
            request.unsigned("content-length", body.len().to_string())
        };
        let answer = fixture.send(&request, &body);
        let code = answer.s3_error();
        prop_assert!(code.is_ok(), "partNumber={number:?}: {}", code.unwrap_err());
        prop_assert_eq!(answer.status(), Some(400), "partNumber={:?}", number);
        prop_assert_eq!(code.unwrap(), "InvalidArgument", "partNumber={:?}", number);
        prop_assert_eq!(fixture.snapshot(), before.clone(), "partNumber={:?} stored something", number);
        prop_assert!(fixture.alive().is_ok(), "partNumber={:?}: {:?}", number, fixture.alive());
    });
    // ListParts over HTTP shows no part either.
    let parts = fixture.send(
        &Request::new("GET", format!("/{BUCKET}/{KEY}")).query("uploadId", &upload),
        b"",
    );
    assert_eq!(parts.status(), Some(200), "{parts:?}");
    assert_eq!(parts.element("Part"), None, "{parts:?}");
    let listed = fixture
        .runtime
        .block_on(fixture.storage.list_parts(
            &S3Path::new(BUCKET, KEY).unwrap(),
            &UploadId::new(upload.clone()),
        ))
        .unwrap();
    assert!(listed.is_empty(), "{listed:?}");
    assert_eq!(fixture.panics(), Vec::<String>::new());
    eprintln!(
        "invalid_part_numbers_are_refused: {} inputs tried",
        tried.load(Ordering::Relaxed)
    );
}

// ---------------------------------------------------------------------------------------
// c. Truncated and corrupt aws-chunked bodies
// ---------------------------------------------------------------------------------------

/// How an `aws-chunked` body is framed and signed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Framing {
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, with an `x-amz-checksum-crc32` trailer.
    UnsignedTrailer,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: every chunk signed, chained from the seed.
    SignedChunks,
}

/// One chunk of an encoded body: its size line's parts and its data.
#[derive(Debug, Clone)]
struct Chunk {
    size: String,
    /// `;chunk-signature=..`, or empty.
    extension: String,
    data: Vec<u8>,
}

/// An `aws-chunked` body before it is laid out, so that it can be spoiled piece by piece.
#[derive(Debug, Clone)]
struct Chunked {
    chunks: Vec<Chunk>,
    /// Trailer lines (`name:value`), after the final chunk.
    trailers: Vec<String>,
}

impl Chunked {
    /// `data` in chunks of `chunk` bytes (S3 wants at least 8 KiB but for the last), then the
    /// zero-length final chunk, signed from `head`'s seed when the framing signs chunks.
    fn encode(
        framing: Framing,
        data: &[u8],
        chunk: usize,
        head: &Head,
        keys: &SigningKeyCache,
    ) -> Self {
        let mut pieces: Vec<&[u8]> = data.chunks(chunk).collect();
        pieces.push(&[]);
        let mut previous = head.seed.clone();
        let chunks = pieces
            .into_iter()
            .map(|piece| {
                let extension = match framing {
                    Framing::UnsignedTrailer => String::new(),
                    Framing::SignedChunks => {
                        let signature = chunk_signature(head, keys, &previous, piece);
                        previous = signature.clone();
                        format!(";chunk-signature={signature}")
                    }
                };
                Chunk {
                    size: format!("{:x}", piece.len()),
                    extension,
                    data: piece.to_vec(),
                }
            })
            .collect();
        let trailers = match framing {
            Framing::UnsignedTrailer => vec![format!("x-amz-checksum-crc32:{}", crc32(data))],
            Framing::SignedChunks => Vec::new(),
        };
        Self { chunks, trailers }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in &self.chunks {
            out.extend_from_slice(chunk.size.as_bytes());
            out.extend_from_slice(chunk.extension.as_bytes());
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&chunk.data);
            if !chunk.data.is_empty() {
                out.extend_from_slice(b"\r\n");
            }
        }
        for trailer in &self.trailers {
            out.extend_from_slice(trailer.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// Where the data of chunk `index` starts in [`Chunked::bytes`].
    fn data_offset(&self, index: usize) -> usize {
        let mut offset = 0;
        for (i, chunk) in self.chunks.iter().enumerate() {
            offset += chunk.size.len() + chunk.extension.len() + 2;
            if i == index {
                return offset;
            }
            offset += chunk.data.len() + if chunk.data.is_empty() { 0 } else { 2 };
        }
        offset
    }
}

/// The base64 CRC32 of `data`, as `x-amz-checksum-crc32` carries it.
fn crc32(data: &[u8]) -> String {
    STANDARD.encode(crc32fast::hash(data).to_be_bytes())
}

/// The SigV4 signature of one chunk: `AWS4-HMAC-SHA256-PAYLOAD`, the date, the scope, the
/// previous signature, the hash of nothing and the hash of the chunk.
fn chunk_signature(head: &Head, keys: &SigningKeyCache, previous: &str, data: &[u8]) -> String {
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}/{REGION}/s3/aws4_request\n{previous}\n{}\n{}",
        head.time.amz_date(),
        head.time.date(),
        sha256_hex(b""),
        sha256_hex(data)
    );
    keys.signature(SECRET, &head.time, REGION, string_to_sign.as_bytes())
}

/// A signed PutObject of `KEY` whose body is `aws-chunked` with `framing`, declaring
/// `decoded` bytes; `Content-Length` is added when sent.
fn chunked_put(framing: Framing, decoded: usize) -> Request {
    let request = Request::new("PUT", format!("/{BUCKET}/{KEY}"))
        .signed("content-encoding", "aws-chunked")
        .signed("x-amz-decoded-content-length", decoded.to_string());
    match framing {
        Framing::UnsignedTrailer => request
            .payload_hash("STREAMING-UNSIGNED-PAYLOAD-TRAILER")
            .signed("x-amz-trailer", "x-amz-checksum-crc32"),
        Framing::SignedChunks => request.payload_hash("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
    }
}

/// The codes S3 gives a body that is cut, mis-framed, mis-signed or fails its checksum.
const CHUNKED_CODES: [&str; 7] = [
    "IncompleteBody",
    "BadDigest",
    "SignatureDoesNotMatch",
    "InvalidRequest",
    "InvalidArgument",
    "MalformedTrailerError",
    "InvalidChunkSizeError",
];

/// Data of 1 byte to 40 KiB, and a chunk size of 8 to 16 KiB (S3's smallest but the last).
fn payload() -> impl Strategy<Value = (Vec<u8>, usize)> {
    (
        proptest::collection::vec(any::<u8>(), 1..40 * 1024),
        8 * 1024..=16 * 1024usize,
    )
}

fn framing() -> impl Strategy<Value = Framing> {
    prop_oneof![Just(Framing::UnsignedTrailer), Just(Framing::SignedChunks)]
}

/// Sends `body` for `request`, declaring `Content-Length: content_length`; with `close`,
/// shuts the sending side after it.
fn send_body(
    fixture: &Fixture,
    request: Request,
    body: &[u8],
    content_length: usize,
    close: bool,
) -> Answer {
    let request = request.unsigned("content-length", content_length.to_string());
    let head = fixture.head(&request);
    fixture
        .runtime
        .block_on(exchange(fixture.addr(), &head.bytes, body, close))
}

/// Checks one refused chunked upload: a 4xx XML answer with one of [`CHUNKED_CODES`] (or
/// the connection closed, when the client closed first), nothing stored, server alive.
fn check_refused(
    fixture: &Fixture,
    before: &Snapshot,
    answer: &Answer,
    closed_by_client: bool,
    codes: &Mutex<HashMap<String, usize>>,
) -> Result<(), String> {
    // The store first, and put right, so that the next case starts from `before`.
    let stored = if fixture.snapshot() == *before {
        None
    } else {
        let size = fixture
            .runtime
            .block_on(
                fixture
                    .storage
                    .head_object(&S3Path::new(BUCKET, KEY).unwrap()),
            )
            .map(|meta| meta.size);
        fixture.forget_target();
        Some(size)
    };
    let outcome = match (answer.s3_error(), answer) {
        (Ok(code), _) if CHUNKED_CODES.contains(&code.as_str()) => code,
        (Ok(code), _) => return Err(format!("refused with an unexpected code {code}")),
        (Err(_), Answer::Closed) if closed_by_client => "(closed)".to_owned(),
        (Err(error), _) => {
            return Err(match stored {
                Some(size) => format!("{error}; stored {KEY} with size {size:?}"),
                None => error,
            });
        }
    };
    if let Some(size) = stored {
        return Err(format!(
            "refused ({outcome}) yet the store changed: {KEY} has size {size:?}"
        ));
    }
    *codes.lock().unwrap().entry(outcome).or_default() += 1;
    fixture.alive()
}

/// Sanity: the unspoiled encodings are accepted and store exactly the data, so that every
/// refusal below is the spoiling's doing.
#[test]
fn valid_chunked_bodies_are_stored() {
    let fixture = Fixture::new("chunked-valid");
    for framing in [Framing::UnsignedTrailer, Framing::SignedChunks] {
        for (len, chunk) in [
            (1usize, 8192usize),
            (8192, 8192),
            (20_000, 8192),
            (40_000, 16_384),
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let (request, head, encoded) = chunked(&fixture, framing, &data, chunk, data.len());
            let body = encoded.bytes();
            let answer = send_chunked(&fixture, &request, &head, &body, body.len(), false);
            assert_eq!(answer.status(), Some(200), "{framing:?} {len}: {answer:?}");
            let stored = fixture.runtime.block_on(async {
                fixture
                    .storage
                    .get_object(&S3Path::new(BUCKET, KEY).unwrap())
                    .await
                    .unwrap()
                    .body
                    .bytes()
                    .await
                    .unwrap()
            });
            assert_eq!(stored.as_ref(), data.as_slice(), "{framing:?} {len}");
            fixture.forget_target();
        }
    }
}

/// A signed chunked PutObject, its head and its encoded body, sharing one signing time.
fn chunked(
    fixture: &Fixture,
    framing: Framing,
    data: &[u8],
    chunk: usize,
    decoded: usize,
) -> (Request, Head, Chunked) {
    let request = chunked_put(framing, decoded);
    // Content-Length is not signed, so the seed does not depend on it.
    let head = fixture.head(&request);
    let encoded = Chunked::encode(framing, data, chunk, &head, &fixture.keys);
    (request, head, encoded)
}

/// Sends `request` (signed at `head.time`) with `body`, `content_length` and `close`.
fn send_chunked(
    fixture: &Fixture,
    request: &Request,
    head: &Head,
    body: &[u8],
    content_length: usize,
    close: bool,
) -> Answer {
    let request = request
        .clone()
        .unsigned("content-length", content_length.to_string());
    let sent = fixture.head_at(&request, &head.time);
    assert_eq!(sent.seed, head.seed, "the seed signature is stable");
    fixture
        .runtime
        .block_on(exchange(fixture.addr(), &sent.bytes, body, close))
}

/// How a body is cut short.
#[derive(Debug, Clone)]
enum Cut {
    /// The stream ends at byte `n` (modulo the cuttable length), and `Content-Length` says
    /// so: a well-framed HTTP message whose `aws-chunked` content is incomplete.
    Short(usize),
    /// As `Short`, at a chunk boundary: after chunk `k`'s data and its CRLF (modulo the
    /// chunks; the last boundary is after the final chunk's line, before any trailer).
    AtBoundary(usize),
    /// `Content-Length` is the whole body's, but only `n` bytes are sent, then the client
    /// closes its sending side.
    ThenClose(usize),
    /// A plain (not chunked) unsigned PutObject whose `Content-Length` is `extra` bytes more
    /// than it sends before closing.
    PlainThenClose(usize),
}

/// An `aws-chunked` body cut short, or any body shorter than its `Content-Length` followed
/// by the client closing: 4xx (`IncompleteBody`), nothing stored.
#[test]
fn truncated_chunked_bodies_are_refused() {
    let fixture = Fixture::new("chunked-cut");
    let before = fixture.snapshot();
    let tried = AtomicUsize::new(0);
    let codes = Mutex::new(HashMap::new());
    let cut = prop_oneof![
        any::<usize>().prop_map(Cut::Short),
        any::<usize>().prop_map(Cut::AtBoundary),
        any::<usize>().prop_map(Cut::ThenClose),
        (1..100_000usize).prop_map(Cut::PlainThenClose),
    ];
    proptest!(proptest_config(), |(framing in framing(), (data, chunk) in payload(), cut in cut)| {
        tried.fetch_add(1, Ordering::Relaxed);
        let (request, head, encoded) = chunked(&fixture, framing, &data, chunk, data.len());
        let body = encoded.bytes();
        // Only the blank line(s) ending the body may go missing without losing content:
        // those cuts are not generated.
        let tail = match framing {
            Framing::UnsignedTrailer => 4,
            Framing::SignedChunks => 2,
        };
        let cuttable = body.len() - tail;
        let (answer, closed) = match &cut {
            Cut::Short(at) => {
                let at = at % cuttable;
                (send_chunked(&fixture, &request, &head, &body[..at], at, false), false)
            }
            Cut::AtBoundary(k) => {
                // Boundaries: before chunk 1.., and after the final chunk's size line.
                let count = encoded.chunks.len();
                let k = k % count;
                let at = if k + 1 < count {
                    encoded.data_offset(k + 1) - encoded.chunks[k + 1].size.len()
                        - encoded.chunks[k + 1].extension.len() - 2
                } else {
                    encoded.data_offset(count - 1)
                };
                let at = at.min(cuttable);
                (send_chunked(&fixture, &request, &head, &body[..at], at, false), false)
            }
            Cut::ThenClose(at) => {
                let at = at % cuttable;
                (send_chunked(&fixture, &request, &head, &body[..at], body.len(), true), true)
            }
            Cut::PlainThenClose(extra) => {
                let request = Request::new("PUT", format!("/{BUCKET}/{KEY}"));
                (send_body(&fixture, request, &data, data.len() + extra, true), true)
            }
        };
        let checked = check_refused(&fixture, &before, &answer, closed, &codes);
        prop_assert!(checked.is_ok(), "{framing:?} {} bytes in chunks of {chunk}, {cut:?} (body {} bytes): {answer:?}: {}",
            data.len(), body.len(), checked.unwrap_err());
    });
    assert_eq!(fixture.panics(), Vec::<String>::new());
    eprintln!(
        "truncated_chunked_bodies_are_refused: {} inputs tried; answers {:?}",
        tried.load(Ordering::Relaxed),
        codes.into_inner().unwrap()
    );
}

/// How a chunk's framing or signature is spoiled.
#[derive(Debug, Clone)]
enum BadFrame {
    /// Chunk `index`'s size changed to `size + delta` (wrapping, never equal).
    WrongSize { index: usize, delta: i64 },
    /// Chunk `index`'s size replaced by text that is no chunk size: empty, not hexadecimal,
    /// signed, led by a space, or more than 16 hex digits.
    NotHex { index: usize, text: String },
    /// Chunk `index`'s size followed by text that is not hexadecimal.
    HexThenJunk { index: usize, junk: String },
    /// A size line longer than any chunk needs.
    LongMeta { index: usize, len: usize },
    /// One data byte changed (`xor` is never 0).
    FlipData { at: usize, xor: u8 },
    /// Chunk `index`'s signature replaced (signed chunks only).
    WrongSignature { index: usize, signature: String },
    /// Chunk `index`'s signature dropped (signed chunks only).
    NoSignature { index: usize },
    /// The chunks' CRLF after the data replaced with `text`.
    BadDelimiter { index: usize, text: String },
}

/// Spoilings of either framing.
fn bad_frame() -> impl Strategy<Value = BadFrame> {
    prop_oneof![
        (
            any::<usize>(),
            prop_oneof![
                -20_000..=-1i64,
                1..=20_000i64,
                Just(i64::from(u32::MAX)),
                Just(i64::MAX / 2)
            ]
        )
            .prop_map(|(index, delta)| BadFrame::WrongSize { index, delta }),
        (
            any::<usize>(),
            prop_oneof![
                Just(String::new()),
                "[g-zG-Z ._+-]{1,8}",
                "-[0-9a-f]{1,4}",
                " [0-9a-f]{1,4}",
                "[0-9a-f]{17,24}"
            ]
        )
            .prop_map(|(index, text)| BadFrame::NotHex { index, text }),
        (any::<usize>(), "[g-zG-Z ._+-]{1,8}")
            .prop_map(|(index, junk)| BadFrame::HexThenJunk { index, junk }),
        (any::<usize>(), 1_100..100_000usize)
            .prop_map(|(index, len)| BadFrame::LongMeta { index, len }),
        (any::<usize>(), 1..=255u8).prop_map(|(at, xor)| BadFrame::FlipData { at, xor }),
        (any::<usize>(), "[ -~]{0,2}|\n|\r|\r\r\n")
            .prop_map(|(index, text)| BadFrame::BadDelimiter { index, text }),
    ]
}

/// A framing and a spoiling that applies to it: signatures are spoilt only where chunks
/// are signed.
fn framing_and_bad_frame() -> impl Strategy<Value = (Framing, BadFrame)> {
    let signature = prop_oneof![
        (any::<usize>(), "[0-9a-f]{64}|[0-9a-f]{0,63}|[0-9A-F]{64}")
            .prop_map(|(index, signature)| BadFrame::WrongSignature { index, signature }),
        any::<usize>().prop_map(|index| BadFrame::NoSignature { index }),
    ];
    prop_oneof![
        (Just(Framing::UnsignedTrailer), bad_frame()),
        (
            Just(Framing::SignedChunks),
            prop_oneof![bad_frame(), signature]
        ),
    ]
}

impl BadFrame {
    /// Spoils `encoded` (signed with `framing`): the body to send.
    fn apply(&self, framing: Framing, encoded: &mut Chunked) -> Vec<u8> {
        let count = encoded.chunks.len();
        match self {
            Self::WrongSize { index, delta } => {
                let chunk = &mut encoded.chunks[index % count];
                let size = i64::try_from(chunk.data.len()).unwrap();
                let wrong = size.wrapping_add(*delta).rem_euclid(i64::MAX);
                chunk.size = format!("{wrong:x}");
            }
            Self::NotHex { index, text } => {
                encoded.chunks[index % count].size = text.clone();
            }
            Self::HexThenJunk { index, junk } => {
                encoded.chunks[index % count].size.push_str(junk);
            }
            Self::LongMeta { index, len } => {
                let chunk = &mut encoded.chunks[index % count];
                chunk.size = format!("{}{}", "0".repeat(*len), chunk.size);
            }
            Self::FlipData { at, xor } => {
                let total: usize = encoded.chunks.iter().map(|c| c.data.len()).sum();
                let mut at = at % total;
                let chunk = encoded
                    .chunks
                    .iter_mut()
                    .find(|chunk| {
                        if at < chunk.data.len() {
                            true
                        } else {
                            at -= chunk.data.len();
                            false
                        }
                    })
                    .unwrap();
                chunk.data[at] ^= xor;
            }
            Self::WrongSignature { index, signature } => {
                assert_eq!(framing, Framing::SignedChunks);
                let chunk = &mut encoded.chunks[index % count];
                let mut wrong = format!(";chunk-signature={signature}");
                if chunk.extension == wrong {
                    // One chance in 2^256: make it wrong after all.
                    wrong.push('0');
                }
                chunk.extension = wrong;
            }
            Self::NoSignature { index } => {
                assert_eq!(framing, Framing::SignedChunks);
                encoded.chunks[index % count].extension.clear();
            }
            Self::BadDelimiter { index, text } => {
                // The chunks with data (all but the final one) have a CRLF after it; the
                // generated text is never CRLF.
                let index = index % (count - 1);
                let mut bytes = encoded.bytes();
                let end = encoded.data_offset(index) + encoded.chunks[index].data.len();
                bytes.splice(end..end + 2, text.bytes());
                return bytes;
            }
        }
        encoded.bytes()
    }
}

/// Wrong chunk sizes, sizes that are not hexadecimal, oversized size lines, changed data,
/// wrong or missing chunk signatures, broken delimiters: 4xx, nothing stored.
#[test]
fn corrupt_chunk_framing_is_refused() {
    let fixture = Fixture::new("chunked-frame");
    let before = fixture.snapshot();
    let tried = AtomicUsize::new(0);
    let codes = Mutex::new(HashMap::new());
    proptest!(proptest_config(), |((framing, bad) in framing_and_bad_frame(), (data, chunk) in payload())| {
        tried.fetch_add(1, Ordering::Relaxed);
        let (request, head, mut encoded) = chunked(&fixture, framing, &data, chunk, data.len());
        let body = bad.apply(framing, &mut encoded);
        let answer = send_chunked(&fixture, &request, &head, &body, body.len(), false);
        let checked = check_refused(&fixture, &before, &answer, false, &codes);
        prop_assert!(checked.is_ok(), "{framing:?} {} bytes in chunks of {chunk}, {bad:?}: {answer:?}: {}",
            data.len(), checked.unwrap_err());
    });
    assert_eq!(fixture.panics(), Vec::<String>::new());
    eprintln!(
        "corrupt_chunk_framing_is_refused: {} inputs tried; answers {:?}",
        tried.load(Ordering::Relaxed),
        codes.into_inner().unwrap()
    );
}

/// How what a chunked body claims about itself is falsified.
#[derive(Debug, Clone)]
enum BadClaim {
    /// The trailer's checksum is of other data, or not a checksum at all.
    WrongChecksum(String),
    /// The trailer announced in `x-amz-trailer` is left out.
    NoTrailer,
    /// The trailer's name is changed, so the announced one is missing.
    RenamedTrailer(String),
    /// `x-amz-decoded-content-length` differs from the data's length by `delta`.
    DecodedLength(i64),
}

/// A framing and a false claim that applies to it: trailers only where there are some.
fn framing_and_bad_claim() -> impl Strategy<Value = (Framing, BadClaim)> {
    let decoded_length =
        prop_oneof![-40_000..=-1i64, 1..=40_000i64].prop_map(BadClaim::DecodedLength);
    let trailer = prop_oneof![
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..64).prop_map(|other| crc32(&other)),
            "[A-Za-z0-9+/=]{0,12}",
            "[ -~]{1,40}",
        ]
        .prop_map(BadClaim::WrongChecksum),
        Just(BadClaim::NoTrailer),
        "x-amz-checksum-(crc32c|sha1|sha256|crc64nvme|crc3|crc32x)|x-amz-meta-[a-z]{1,8}"
            .prop_map(BadClaim::RenamedTrailer),
    ];
    prop_oneof![
        (
            Just(Framing::UnsignedTrailer),
            prop_oneof![trailer, decoded_length.clone()]
        ),
        (Just(Framing::SignedChunks), decoded_length),
    ]
}

/// A trailer checksum that does not match, a missing or renamed trailer, or an
/// `x-amz-decoded-content-length` that is not the data's: 4xx, nothing stored.
#[test]
fn false_chunked_claims_are_refused() {
    let fixture = Fixture::new("chunked-claims");
    let before = fixture.snapshot();
    let tried = AtomicUsize::new(0);
    let codes = Mutex::new(HashMap::new());
    proptest!(proptest_config(), |((framing, bad) in framing_and_bad_claim(), (data, chunk) in payload())| {
        let decoded = match &bad {
            // Never negative, never the data's length (which is at least 1).
            BadClaim::DecodedLength(delta) => {
                usize::try_from((i64::try_from(data.len()).unwrap() + delta).max(0)).unwrap()
            }
            _ => data.len(),
        };
        let (request, head, mut encoded) = chunked(&fixture, framing, &data, chunk, decoded);
        match &bad {
            BadClaim::WrongChecksum(value) => {
                let value = if *value == crc32(&data) {
                    format!("{value}x")
                } else {
                    value.clone()
                };
                encoded.trailers = vec![format!("x-amz-checksum-crc32:{value}")];
            }
            BadClaim::NoTrailer => encoded.trailers.clear(),
            BadClaim::RenamedTrailer(name) => {
                encoded.trailers = vec![format!("{name}:{}", crc32(&data))];
            }
            BadClaim::DecodedLength(_) => {}
        }
        tried.fetch_add(1, Ordering::Relaxed);
        let body = encoded.bytes();
        let answer = send_chunked(&fixture, &request, &head, &body, body.len(), false);
        let checked = check_refused(&fixture, &before, &answer, false, &codes);
        prop_assert!(checked.is_ok(), "{framing:?} {} bytes in chunks of {chunk}, declared {decoded}, {bad:?}: {answer:?}: {}",
            data.len(), checked.unwrap_err());
    });
    assert_eq!(fixture.panics(), Vec::<String>::new());
    eprintln!(
        "false_chunked_claims_are_refused: {} inputs tried; answers {:?}",
        tried.load(Ordering::Relaxed),
        codes.into_inner().unwrap()
    );
}

/// One named edge case of an `aws-chunked` upload: the framing, the declared decoded
/// length's offset from the data's, the body, and the `Content-Length` sent.
type EdgeCase = (String, Framing, i64, fn(&Chunked) -> Vec<u8>);

/// The body up to the start of chunk `index` (the final chunk when `index` is past the
/// data chunks).
fn up_to_chunk(encoded: &Chunked, index: usize) -> Vec<u8> {
    let index = index.min(encoded.chunks.len() - 1);
    let chunk = &encoded.chunks[index];
    let start = encoded.data_offset(index) - chunk.size.len() - chunk.extension.len() - 2;
    encoded.bytes()[..start].to_vec()
}

/// The inputs the properties above sample, each named and each tried: every way S3 refuses
/// a cut or falsified `aws-chunked` upload that the store is known to accept is listed in
/// one failure, rather than the one input a property shrinks to.
#[test]
fn chunked_edge_cases_are_refused() {
    let fixture = Fixture::new("chunked-edges");
    let before = fixture.snapshot();
    let data: Vec<u8> = (0..20_000usize).map(|i| (i * 31 % 251) as u8).collect();
    let mut cases: Vec<EdgeCase> = Vec::new();
    for framing in [Framing::UnsignedTrailer, Framing::SignedChunks] {
        cases.extend([
            (
                format!("{framing:?}: empty body"),
                framing,
                0,
                (|_: &Chunked| Vec::new()) as fn(&Chunked) -> Vec<u8>,
            ),
            (
                format!("{framing:?}: cut after the first chunk (8192 of 20000 bytes)"),
                framing,
                0,
                |encoded| up_to_chunk(encoded, 1),
            ),
            (
                format!("{framing:?}: cut before the final zero-length chunk"),
                framing,
                0,
                |encoded| up_to_chunk(encoded, usize::MAX),
            ),
            (
                format!("{framing:?}: cut inside the final chunk's size line"),
                framing,
                0,
                |encoded| {
                    let mut body = up_to_chunk(encoded, usize::MAX);
                    body.push(b'0');
                    body
                },
            ),
            (
                format!("{framing:?}: x-amz-decoded-content-length one less"),
                framing,
                -1,
                Chunked::bytes,
            ),
            (
                format!("{framing:?}: x-amz-decoded-content-length one more"),
                framing,
                1,
                Chunked::bytes,
            ),
            (
                format!("{framing:?}: x-amz-decoded-content-length half"),
                framing,
                -10_000,
                Chunked::bytes,
            ),
            (
                format!("{framing:?}: chunk size \"2000zz\" (hex, then junk)"),
                framing,
                0,
                |encoded| {
                    let mut encoded = encoded.clone();
                    encoded.chunks[0].size.push_str("zz");
                    encoded.bytes()
                },
            ),
            (
                format!("{framing:?}: chunk size \"2000.5\""),
                framing,
                0,
                |encoded| {
                    let mut encoded = encoded.clone();
                    encoded.chunks[0].size.push_str(".5");
                    encoded.bytes()
                },
            ),
        ]);
    }
    cases.extend([
        (
            "UnsignedTrailer: the announced trailer left out".to_owned(),
            Framing::UnsignedTrailer,
            0,
            (|encoded: &Chunked| {
                let mut encoded = encoded.clone();
                encoded.trailers.clear();
                encoded.bytes()
            }) as fn(&Chunked) -> Vec<u8>,
        ),
        (
            "UnsignedTrailer: the trailer renamed x-amz-meta-a".to_owned(),
            Framing::UnsignedTrailer,
            0,
            |encoded| {
                let mut encoded = encoded.clone();
                let value = encoded.trailers[0].split_once(':').unwrap().1.to_owned();
                encoded.trailers = vec![format!("x-amz-meta-a:{value}")];
                encoded.bytes()
            },
        ),
        (
            "UnsignedTrailer: a wrong crc32 trailer".to_owned(),
            Framing::UnsignedTrailer,
            0,
            |encoded| {
                let mut encoded = encoded.clone();
                encoded.trailers = vec![format!("x-amz-checksum-crc32:{}", crc32(b"other"))];
                encoded.bytes()
            },
        ),
        (
            "SignedChunks: a wrong signature on the final chunk".to_owned(),
            Framing::SignedChunks,
            0,
            |encoded| {
                let mut encoded = encoded.clone();
                let last = encoded.chunks.len() - 1;
                encoded.chunks[last].extension = format!(";chunk-signature={}", "0".repeat(64));
                encoded.bytes()
            },
        ),
    ]);
    let codes = Mutex::new(HashMap::new());
    let mut failures = Vec::new();
    for (name, framing, offset, build) in &cases {
        let decoded = usize::try_from(i64::try_from(data.len()).unwrap() + offset).unwrap();
        let (request, head, encoded) = chunked(&fixture, *framing, &data, 8192, decoded);
        let body = build(&encoded);
        let answer = send_chunked(&fixture, &request, &head, &body, body.len(), false);
        if let Err(error) = check_refused(&fixture, &before, &answer, false, &codes) {
            failures.push(format!("{name}: {error}"));
        }
    }
    assert_eq!(fixture.panics(), Vec::<String>::new());
    eprintln!(
        "chunked_edge_cases_are_refused: {} inputs tried; {} refused as S3 does",
        cases.len(),
        cases.len() - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cut or falsified aws-chunked uploads were not refused as S3 refuses them:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// d. Oversized heads
// ---------------------------------------------------------------------------------------

/// The resident set of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmRSS:")
                    .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0)
}

/// A request head well past hyper's limits: 408 KiB of buffered head (a soft limit: one
/// read may fill the buffer's spare capacity, up to about twice that, and a head complete
/// in it is parsed), 100 headers, 64 KiB of URI.
#[derive(Debug, Clone)]
enum Oversized {
    /// One header of `len` bytes.
    Header(usize),
    /// `count` small headers.
    Headers(usize),
    /// A key of `len` bytes in the request line.
    Uri(usize),
    /// A header name of `len` bytes.
    HeaderName(usize),
}

/// A signed PutObject of `KEY` with a head past hyper's limits is answered 431 (or 414 for
/// the URI) or the connection is closed; the server keeps serving, nothing is stored, and
/// the process's memory does not grow with what the clients sent.
#[test]
fn oversized_heads_are_cut_off_with_bounded_memory() {
    let fixture = Fixture::new("heads");
    let before = fixture.snapshot();
    let tried = AtomicUsize::new(0);
    let statuses = Mutex::new(HashMap::new());
    let oversized = prop_oneof![
        (1024 * 1024..2 * 1024 * 1024usize).prop_map(Oversized::Header),
        (101..12_000usize).prop_map(Oversized::Headers),
        (64 * 1024..1024 * 1024usize).prop_map(Oversized::Uri),
        (1024 * 1024..2 * 1024 * 1024usize).prop_map(Oversized::HeaderName),
    ];
    let rss_before = rss_kib();
    proptest!(proptest_config(), |(oversized in oversized)| {
        tried.fetch_add(1, Ordering::Relaxed);
        let body = b"must not be stored";
        let mut request = Request::new("PUT", format!("/{BUCKET}/{KEY}"))
            .with_body(body);
        match &oversized {
            Oversized::Header(len) => request = request.unsigned("x-junk", "h".repeat(*len)),
            Oversized::Headers(count) => {
                for i in 0..*count {
                    request = request.unsigned(&format!("x-junk-{i}"), "v");
                }
            }
            Oversized::Uri(len) => request.path = format!("/{BUCKET}/{}", "u".repeat(*len)),
            Oversized::HeaderName(len) => {
                request = request.unsigned(&format!("x-{}", "n".repeat(*len)), "v");
            }
        }
        let answer = fixture.send(&request, body);
        let outcome = match answer.status() {
            Some(status @ (400 | 414 | 431)) => status.to_string(),
            None if answer == Answer::Closed => "closed".to_owned(),
            _ => return Err(TestCaseError::fail(format!("{oversized:?}: {answer:?}"))),
        };
        *statuses.lock().unwrap().entry(outcome).or_insert(0usize) += 1;
        prop_assert_eq!(fixture.snapshot(), before.clone(), "{:?} stored something", oversized);
        prop_assert!(fixture.alive().is_ok(), "{:?}: {:?}", oversized, fixture.alive());
    });
    let grown = rss_kib().saturating_sub(rss_before);
    assert!(
        grown < 64 * 1024,
        "the process grew by {grown} KiB over the oversized heads"
    );
    assert_eq!(fixture.panics(), Vec::<String>::new());
    eprintln!(
        "oversized_heads_are_cut_off_with_bounded_memory: {} inputs tried; answers {:?}; RSS grew {grown} KiB",
        tried.load(Ordering::Relaxed),
        statuses.into_inner().unwrap()
    );
}

/// A signed PutObject whose user metadata passes S3's 2 KiB, or whose head passes S3's
/// 8 KiB, but not hyper's limits: S3 refuses it (`400 MetadataTooLarge`,
/// `400 RequestHeaderSectionTooLarge`), and stores nothing. (Past hyper's soft limit, a 431
/// or a closed connection is as good.)
#[test]
fn oversized_metadata_and_heads_within_hypers_limits_are_refused() {
    let fixture = Fixture::new("metadata");
    let before = fixture.snapshot();
    let tried = AtomicUsize::new(0);
    let header = prop_oneof![
        (2 * 1024 + 1..400 * 1024usize).prop_map(|len| ("x-amz-meta-big", len)),
        (8 * 1024 + 1..800 * 1024usize).prop_map(|len| ("x-junk", len)),
    ];
    proptest!(proptest_config(), |((name, len) in header)| {
        tried.fetch_add(1, Ordering::Relaxed);
        let body = b"must not be stored";
        let request = Request::new("PUT", format!("/{BUCKET}/{KEY}"))
            .with_body(body)
            .signed(name, "m".repeat(len));
        let answer = fixture.send(&request, body);
        let stored = fixture.snapshot() != before;
        fixture.forget_target();
        let refused = match (answer.s3_error(), &answer) {
            (Ok(code), _) => ["MetadataTooLarge", "RequestHeaderSectionTooLarge"].contains(&code.as_str()),
            (Err(_), Answer::Http { status: 431, .. } | Answer::Closed) => true,
            (Err(_), _) => false,
        };
        prop_assert!(refused && !stored, "{name} of {len} bytes: {answer:?} (stored: {stored})");
        prop_assert!(fixture.alive().is_ok(), "{:?}", fixture.alive());
    });
    assert_eq!(fixture.panics(), Vec::<String>::new());
    eprintln!(
        "oversized_metadata_and_heads_within_hypers_limits_are_refused: {} inputs tried",
        tried.load(Ordering::Relaxed)
    );
}

// ---------------------------------------------------------------------------------------
// e. Slow clients
// ---------------------------------------------------------------------------------------

/// A client that sends too slowly.
#[derive(Debug, Clone)]
enum Slow {
    /// Connects and sends nothing.
    Idle,
    /// Sends a signed PutObject's head one byte every `interval` ms, slower than the header
    /// timeout allows for the whole head, stopping after `stop` bytes if that comes first.
    Head { interval: u64, stop: usize },
    /// Sends the whole head at once, then `sent` bytes of a `len`-byte body, then nothing.
    StalledBody { len: usize, sent: usize },
}

/// How a slow client's connection ended.
#[derive(Debug)]
struct SlowEnd {
    slow: Slow,
    /// When the server closed it, after the client connected.
    closed_after: Option<Duration>,
    answer: Answer,
}

async fn slow_client(addr: SocketAddr, slow: Slow, head: Vec<u8>, deadline: Instant) -> SlowEnd {
    let started = Instant::now();
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return SlowEnd {
            slow,
            closed_after: Some(Duration::ZERO),
            answer: Answer::Closed,
        };
    };
    let (mut reader, mut writer) = stream.split();
    let read = async {
        let mut answer = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break answer,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    };
    let write = async {
        match &slow {
            Slow::Idle => {}
            Slow::Head { interval, stop } => {
                // Never faster than the whole head in 31 s: past the header timeout.
                let floor = 31_000 / head.len() as u64 + 1;
                let interval = Duration::from_millis((*interval).max(floor));
                for byte in head.iter().take(*stop) {
                    if writer.write_all(&[*byte]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(interval).await;
                }
            }
            Slow::StalledBody { sent, .. } => {
                let _ = writer.write_all(&head).await;
                let _ = writer.write_all(&vec![b's'; *sent]).await;
            }
        }
        std::future::pending::<()>().await;
    };
    let ended = tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), async {
        tokio::select! {
            answer = read => answer,
            () = write => unreachable!(),
        }
    })
    .await;
    match ended {
        Ok(bytes) => SlowEnd {
            slow,
            closed_after: Some(started.elapsed()),
            answer: parse_answer(&bytes),
        },
        Err(_) => SlowEnd {
            slow,
            closed_after: None,
            answer: Answer::Hung,
        },
    }
}

/// Hundreds of clients sending heads byte by byte, idling, or stalling mid-body do not keep
/// a valid request from being answered promptly (each case: under 2 s), and none of them
/// stores anything. Slow heads are cut off at the header timeout (30 s); a stalled body gets
/// S3's `400 RequestTimeout` (S3 gives up on an idle connection after about 20 s). Waits
/// for the header timeout: about 36 s, so its name sorts it first, to run beside the rest.
#[test]
fn all_slow_clients_are_cut_off_without_blocking_others() {
    let fixture = Fixture::new("slow");
    let before = fixture.snapshot();
    let tried = AtomicUsize::new(0);
    let started = Instant::now();
    let deadline = started + HEADER_READ_TIMEOUT + Duration::from_secs(6);
    let clients = Mutex::new(Vec::new());
    let slowest = Mutex::new(Duration::ZERO);
    let slow = prop_oneof![
        Just(Slow::Idle),
        (50..2000u64, 1..2000usize).prop_map(|(interval, stop)| Slow::Head { interval, stop }),
        (1..100_000usize, any::<usize>()).prop_map(|(len, sent)| Slow::StalledBody {
            len,
            sent: sent % len
        }),
    ];
    // Held open at once, whatever `PROPTEST_CASES` says: the rest only check promptness.
    let max_clients = 300;
    proptest!(proptest_config(), |(slow in slow)| {
        tried.fetch_add(1, Ordering::Relaxed);
        let len = match &slow {
            Slow::StalledBody { len, .. } => *len,
            _ => 3,
        };
        let request = Request::new("PUT", format!("/{BUCKET}/{KEY}"))
            .unsigned("content-length", len.to_string());
        let head = fixture.head(&request).bytes;
        let mut clients = clients.lock().unwrap();
        if clients.len() < max_clients {
            clients.push(fixture.runtime.spawn(slow_client(fixture.addr(), slow.clone(), head, deadline)));
        }
        drop(clients);
        let asked = Instant::now();
        let alive = fixture.alive();
        let took = asked.elapsed();
        let mut slowest = slowest.lock().unwrap();
        *slowest = (*slowest).max(took);
        prop_assert!(alive.is_ok(), "{slow:?}: {alive:?}");
        prop_assert!(took < Duration::from_secs(2), "{slow:?}: a valid request took {took:?}");
    });
    let spawned = started.elapsed();
    let ends: Vec<SlowEnd> = fixture.runtime.block_on(async {
        let mut ends = Vec::new();
        for client in clients.into_inner().unwrap() {
            ends.push(client.await.unwrap());
        }
        ends
    });
    let mut by_kind: HashMap<&str, Closes> = HashMap::new();
    let mut outcomes = HashMap::new();
    let mut failures = Vec::new();
    for end in &ends {
        let kind = match end.slow {
            Slow::Idle => "idle",
            Slow::Head { .. } => "slow head",
            Slow::StalledBody { .. } => "stalled body",
        };
        let entry = by_kind.entry(kind).or_insert((0, 0, None, None));
        entry.0 += 1;
        if let Some(after) = end.closed_after {
            entry.1 += 1;
            entry.2 = Some(entry.2.map_or(after, |first| first.min(after)));
            entry.3 = Some(entry.3.map_or(after, |last| last.max(after)));
        }
        let outcome = match (&end.answer, end.closed_after) {
            (_, None) => "still open".to_owned(),
            (Answer::Http { status, .. }, _) => status.to_string(),
            (_, Some(_)) => "closed".to_owned(),
        };
        *outcomes
            .entry(format!("{kind}: {outcome}"))
            .or_insert(0usize) += 1;
        let expected = match end.slow {
            Slow::Idle | Slow::Head { .. } => {
                end.closed_after.is_some()
                    && end.answer.status().is_none_or(|s| s == 408 || s == 400)
            }
            Slow::StalledBody { .. } => {
                end.closed_after.is_some()
                    && end.answer.s3_error().as_deref() == Ok("RequestTimeout")
            }
        };
        if !expected {
            failures.push(format!(
                "{:?} -> {:?} after {:?}",
                end.slow, end.answer, end.closed_after
            ));
        }
    }
    eprintln!(
        "all_slow_clients_are_cut_off_without_blocking_others: {} inputs tried, {} clients held \
         (spawned within {spawned:?}), slowest valid request {:?}; (held, closed, first, last \
         close) by kind: {by_kind:?}; outcomes {outcomes:?}",
        tried.load(Ordering::Relaxed),
        ends.len(),
        slowest.into_inner().unwrap(),
    );
    assert_eq!(fixture.snapshot(), before, "a slow client stored something");
    fixture.alive().unwrap();
    assert_eq!(fixture.panics(), Vec::<String>::new());
    assert!(
        failures.is_empty(),
        "{} of {} slow clients were not cut off as S3 does within {:?}; first: {:#?}",
        failures.len(),
        ends.len(),
        deadline - started,
        &failures[..failures.len().min(5)]
    );
}
