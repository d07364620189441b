//! The store as an S3 endpoint: what an SDK, the AWS CLI or rclone sends.
//!
//! [`s3s`] routes each request (path-style, or virtual-host-style under `localhost`),
//! parses its XML and headers, checks its SigV4 signature (header or presigned query),
//! decodes `aws-chunked` bodies and verifies their chunk signatures; this module answers
//! the operation from the [`MemoryStorage`] and checks what `s3s` leaves to the store:
//! checksums and `Content-MD5`, conditions, ranges, part numbers, CORS rules.
//!
//! `s3s` logs request paths and signatures at debug level; its events are silenced, and
//! the store's own (which carry key hashes only) are kept: see [`Logs`].

mod body;
mod buckets;
mod checksums;
mod convert;
mod errors;
mod listing;
mod multipart;
mod objects;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use s3s::access::{S3Access, S3AccessContext};
use s3s::auth::{S3Auth, SecretKey};
use s3s::dto::*;
use s3s::host::{S3Host, VirtualHost};
use s3s::service::{S3Service, S3ServiceBuilder};
use s3s::{S3, S3ErrorCode, S3Request, S3Response, S3Result};
use stowage_core::SigningCredentials;
use tracing::Dispatch;
use tracing::instrument::WithSubscriber as _;

use super::cors::BucketCors;
use crate::storage::MemoryStorage;
use checksums::Checksums;

/// The base domain of virtual-host-style requests: `bucket.localhost:port`.
const VIRTUAL_HOST_DOMAIN: &str = "localhost";

/// The dispatcher the store's own events go to while `s3s`'s are silenced: the one that was
/// current when the request arrived, carried in the request's extensions.
#[derive(Clone)]
pub(super) struct Logs(pub(super) Dispatch);

/// The `s3s` service answering for `storage`, its signatures checked against the store's
/// credentials; unsigned requests are refused unless `unsigned` allows them.
pub(super) fn service(
    storage: MemoryStorage,
    cors: Arc<BucketCors>,
    unsigned: Arc<AtomicBool>,
) -> S3Service {
    let credentials = storage.inner.credentials().clone();
    let mut builder = S3ServiceBuilder::new(Endpoint {
        storage,
        cors,
        checksums: Checksums::default(),
    });
    builder.set_auth(Keys(credentials));
    builder.set_access(Unsigned(unsigned));
    builder.set_host(Hosts);
    builder.build()
}

/// Where a request names its bucket: in the host under `localhost`
/// (`bucket.localhost:port`, virtual-host style), else in the path (an IP address,
/// `localhost` itself, or any other name the server is reached by).
struct Hosts;

impl S3Host for Hosts {
    fn parse_host_header<'a>(&'a self, host: &'a str) -> S3Result<VirtualHost<'a>> {
        Ok(match virtual_host_bucket(host) {
            Some(bucket) => VirtualHost::new(VIRTUAL_HOST_DOMAIN).with_bucket(bucket),
            None => VirtualHost::new(host),
        })
    }
}

/// The bucket a `Host` header names, if it is `bucket.localhost`, with or without a port.
pub(super) fn virtual_host_bucket(host: &str) -> Option<&str> {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    name.strip_suffix(VIRTUAL_HOST_DOMAIN)
        .and_then(|rest| rest.strip_suffix('.'))
        .filter(|bucket| !bucket.is_empty())
}

/// The store's one key pair: any other access key is `403 InvalidAccessKeyId`.
struct Keys(SigningCredentials);

#[async_trait::async_trait]
impl S3Auth for Keys {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        if access_key == self.0.access_key_id() {
            Ok(SecretKey::from(self.0.secret_access_key()))
        } else {
            Err(errors::coded(
                S3ErrorCode::InvalidAccessKeyId,
                http::StatusCode::FORBIDDEN,
                "The AWS Access Key Id you provided does not exist in our records.",
            ))
        }
    }
}

/// Whether a request without a signature may proceed. A signed request is verified
/// whatever this says: a wrong signature is refused before access is decided.
struct Unsigned(Arc<AtomicBool>);

#[async_trait::async_trait]
impl S3Access for Unsigned {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        if cx.credentials().is_some() || self.0.load(Ordering::Relaxed) {
            Ok(())
        } else {
            Err(errors::coded(
                S3ErrorCode::AccessDenied,
                http::StatusCode::FORBIDDEN,
                "Access Denied: the request is not signed",
            ))
        }
    }
}

/// The operations, each answered from the store.
struct Endpoint {
    /// The store.
    storage: MemoryStorage,
    /// Bucket CORS rules, shared with the server's preflight route.
    cors: Arc<BucketCors>,
    /// The checksums objects were uploaded with.
    checksums: Checksums,
}

#[async_trait::async_trait]
impl S3 for Endpoint {
    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(logs, objects::put(&self.storage, &self.checksums, req)).await
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(logs, objects::get(&self.storage, &self.checksums, req)).await
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(logs, objects::head(&self.storage, &self.checksums, req)).await
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(logs, objects::delete(&self.storage, &self.checksums, req)).await
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(
            logs,
            objects::delete_many(&self.storage, &self.checksums, req),
        )
        .await
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(logs, objects::copy(&self.storage, &self.checksums, req)).await
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(logs, listing::list_v2(&self.storage, req)).await
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(logs, listing::list_v1(&self.storage, req)).await
    }

    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        listing::list_buckets(&self.storage, req).await
    }

    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        buckets::create(&self.storage, req)
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        buckets::head(&self.storage, req)
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        buckets::delete(&self.storage, &self.cors, req)
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        buckets::location(&self.storage, req)
    }

    async fn get_bucket_versioning(
        &self,
        req: S3Request<GetBucketVersioningInput>,
    ) -> S3Result<S3Response<GetBucketVersioningOutput>> {
        buckets::versioning(&self.storage, req)
    }

    async fn put_bucket_cors(
        &self,
        req: S3Request<PutBucketCorsInput>,
    ) -> S3Result<S3Response<PutBucketCorsOutput>> {
        buckets::put_cors(&self.storage, &self.cors, req)
    }

    async fn get_bucket_cors(
        &self,
        req: S3Request<GetBucketCorsInput>,
    ) -> S3Result<S3Response<GetBucketCorsOutput>> {
        buckets::get_cors(&self.storage, &self.cors, req)
    }

    async fn delete_bucket_cors(
        &self,
        req: S3Request<DeleteBucketCorsInput>,
    ) -> S3Result<S3Response<DeleteBucketCorsOutput>> {
        buckets::delete_cors(&self.storage, &self.cors, req)
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(logs, multipart::create(&self.storage, &self.checksums, req)).await
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(
            logs,
            multipart::upload_part(&self.storage, &self.checksums, req),
        )
        .await
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(logs, multipart::upload_part_copy(&self.storage, req)).await
    }

    async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(
            logs,
            multipart::list_parts(&self.storage, &self.checksums, req),
        )
        .await
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(
            logs,
            multipart::complete(&self.storage, &self.checksums, req),
        )
        .await
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(logs, multipart::abort(&self.storage, &self.checksums, req)).await
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        let logs = req.extensions.get::<Logs>().cloned();
        with_logs(logs, multipart::list_uploads(&self.storage, req)).await
    }
}

/// Runs `operation` with the store's events going to `logs` (the dispatcher current when
/// the request arrived), while `s3s`'s own stay silenced.
async fn with_logs<F: Future>(logs: Option<Logs>, operation: F) -> F::Output {
    match logs {
        Some(Logs(dispatch)) => operation.with_subscriber(dispatch).await,
        None => operation.await,
    }
}

#[cfg(test)]
mod tests {
    use super::virtual_host_bucket;

    #[test]
    fn only_names_under_localhost_carry_the_bucket() {
        assert_eq!(virtual_host_bucket("photos.localhost:9000"), Some("photos"));
        assert_eq!(virtual_host_bucket("photos.localhost"), Some("photos"));
        assert_eq!(virtual_host_bucket("localhost:9000"), None);
        assert_eq!(virtual_host_bucket("127.0.0.1:9000"), None);
        assert_eq!(virtual_host_bucket("s3.example.com"), None);
        assert_eq!(virtual_host_bucket(".localhost"), None);
    }
}
