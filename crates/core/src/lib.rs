//! Core of stowage: the [`ObjectStorage`] trait and what every backend shares.
//!
//! - [`S3Path`] and [`parse_s3_path`]: validated `s3://bucket/key` paths.
//! - [`hash_s3_key`]: the key hash that logs and errors show instead of keys.
//! - [`Error`]: one error enum whose kinds mean the same on every backend.
//! - [`PostPolicySigner`] and friends: browser upload policies, signed with SigV4.
//! - [`TtlLimits`]: TTL ceilings for presigned URLs and policies.
//! - [`Clock`]: injectable time for reproducible signatures.
//! - [`sigv4`]: SigV4 in one place: presigned URLs minted for any request, and header,
//!   query and POST-form signatures verified with S3's rules.
//! - [`uri`]: the percent-encoding sets of SigV4 and S3 URLs.
//! - [`span`]: the span every backend opens for an operation.
//! - [`resumable`]: browser uploads of any size that resume, with a cap the store enforces.
//! - [`transfer`]: objects of any size: multipart uploads and copies, parallel downloads.
//!
//! Backends live in their own crates (`stowage-s3`, `stowage-memory`, ...); the `stowage`
//! facade crate re-exports this one.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod clock;
mod delete;
mod error;
mod etag;
mod hash;
mod list;
mod meta;
mod part_url;
mod path;
mod payload;
mod policy;
mod presigned_url;
mod read;
pub mod resumable;
pub mod sigv4;
pub mod span;
mod storage;
pub mod transfer;
mod ttl;
pub mod uri;
mod write;

pub use clock::{Clock, ManualClock, SystemClock};
pub use delete::{DeleteFailure, DeleteReport};
pub use error::{Error, Result, redact_key};
pub use etag::{etag_matches, validate_etag};
pub use hash::hash_s3_key;
pub use list::{ListOptions, ListPage, ListResult, ListStreamExt, ListToken, MAX_PAGE_SIZE};
pub use meta::{ObjectMeta, ObjectSummary};
pub use part_url::PartUrlRequest;
pub use path::{MAX_KEY_BYTES, PathError, S3Path, parse_s3_path};
pub use payload::{ByteStream, Payload};
pub use policy::{
    Condition, FormField, MULTIPART_OVERHEAD_BUFFER_BYTES, PolicyDocument, PostPolicyParams,
    PostPolicyRequest, PostPolicySigner, PresignedPost, SigningCredentials,
};
pub use presigned_url::PresignedUrl;
pub use read::{
    ByteRange, GetObjectOutput, GetOptions, GetOutcome, NotModified, ObjectBody, Precondition,
};
#[cfg(feature = "mock")]
pub use storage::MockObjectStorage;
pub use storage::ObjectStorage;
pub use ttl::{
    DEFAULT_GET_URL_TTL_SECONDS, MAX_PUT_PRESIGNED_URL_TTL_SECONDS, SIGV4_MAX_TTL_SECONDS,
    TtlLimits,
};
pub use write::{CopyOptions, Encryption, PutMode, PutOptions, PutResult};
