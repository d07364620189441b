//! SigV4 for S3 in one place: minting presigned URLs for any request, and verifying every
//! way a request carries a signature.
//!
//! - [`Authorize`] signs a request in its headers (`Authorization`, `x-amz-date`,
//!   `x-amz-content-sha256`), as the SDKs send most requests.
//! - [`Presign`] mints a presigned URL for any method, operation parameters and signed
//!   headers (a GET, a PUT, an UploadPart bound to its `content-length`), laid out as
//!   `aws-sdk-s3`'s presigner lays them out.
//! - [`Verifier`] checks an `Authorization` header, a presigned URL's query or a POST
//!   form's policy signature with S3's rules: scope, 15 minutes of clock skew, expiry of at
//!   most 7 days, constant-time comparison; a [`Rejection`] says what S3 answers.
//! - [`SigningKeyCache`] derives the signing key ([`signing_key`]) once per secret, UTC day
//!   and region; a signature then costs one HMAC over the string to sign.
//! - [`SigningTime`] formats and parses SigV4's timestamps.
//!
//! The S3 backend mints with it, the memory backend verifies with it, and the POST-policy
//! signer signs with its key cache, so the three can never disagree on a byte.

mod authorize;
mod canonical;
mod key;
mod presign;
mod time;
mod verify;

use std::time::Duration;

pub use authorize::Authorize;
pub use canonical::query_pairs;
pub use key::{SigningKeyCache, signing_key};
pub use presign::Presign;
pub use time::SigningTime;
pub use verify::{Rejection, SignedRequest, Verified, Verifier};

/// The SigV4 algorithm name.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The payload hash of a presigned URL: the body is not signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The service S3 signs for.
pub const SERVICE: &str = "s3";
/// The longest a presigned URL may last: 7 days.
pub const MAX_EXPIRES_SECONDS: u64 = 604_800;
/// How far a request's time may be from the server's clock.
pub const CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);
