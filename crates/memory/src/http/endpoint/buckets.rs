//! Bucket operations: CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation and the
//! bucket's CORS configuration (Put, Get, Delete).

use http::StatusCode;
use s3s::S3ErrorCode;
use s3s::dto::{
    CreateBucketInput, CreateBucketOutput, DeleteBucketCorsInput, DeleteBucketCorsOutput,
    DeleteBucketInput, DeleteBucketOutput, GetBucketCorsInput, GetBucketCorsOutput,
    GetBucketLocationInput, GetBucketLocationOutput, GetBucketVersioningInput,
    GetBucketVersioningOutput, HeadBucketInput, HeadBucketOutput, PutBucketCorsInput,
    PutBucketCorsOutput,
};
use s3s::{S3Request, S3Response, S3Result};

use super::errors::{bucket_root, coded, s3_error};
use crate::http::cors::{self, BucketCors};
use crate::storage::MemoryStorage;

/// The region the store answers for.
const REGION: &str = "us-east-1";

/// CreateBucket: a new, empty bucket; creating one that exists succeeds, as in us-east-1.
pub(super) fn create(
    storage: &MemoryStorage,
    request: S3Request<CreateBucketInput>,
) -> S3Result<S3Response<CreateBucketOutput>> {
    let bucket = request.input.bucket;
    storage.create_bucket(&bucket).map_err(s3_error)?;
    Ok(S3Response::new(CreateBucketOutput {
        location: Some(format!("/{bucket}")),
    }))
}

/// HeadBucket: `200` with the region, or `404`.
pub(super) fn head(
    storage: &MemoryStorage,
    request: S3Request<HeadBucketInput>,
) -> S3Result<S3Response<HeadBucketOutput>> {
    existing(storage, &request.input.bucket)?;
    Ok(S3Response::new(HeadBucketOutput {
        bucket_region: Some(REGION.to_owned()),
        ..Default::default()
    }))
}

/// DeleteBucket: only an empty bucket, as S3 (`409 BucketNotEmpty`); its CORS rules go with
/// it.
pub(super) fn delete(
    storage: &MemoryStorage,
    cors: &BucketCors,
    request: S3Request<DeleteBucketInput>,
) -> S3Result<S3Response<DeleteBucketOutput>> {
    let bucket = request.input.bucket;
    storage.delete_bucket(&bucket).map_err(s3_error)?;
    cors.remove(&bucket);
    Ok(S3Response::new(DeleteBucketOutput {}))
}

/// GetBucketLocation: us-east-1, which S3 reports as no constraint.
pub(super) fn location(
    storage: &MemoryStorage,
    request: S3Request<GetBucketLocationInput>,
) -> S3Result<S3Response<GetBucketLocationOutput>> {
    existing(storage, &request.input.bucket)?;
    Ok(S3Response::new(GetBucketLocationOutput {
        location_constraint: None,
    }))
}

/// GetBucketVersioning: never versioned, which S3 answers with an empty configuration.
pub(super) fn versioning(
    storage: &MemoryStorage,
    request: S3Request<GetBucketVersioningInput>,
) -> S3Result<S3Response<GetBucketVersioningOutput>> {
    existing(storage, &request.input.bucket)?;
    Ok(S3Response::new(GetBucketVersioningOutput::default()))
}

/// PutBucketCors: the rules, checked as S3 checks them, replace the bucket's.
pub(super) fn put_cors(
    storage: &MemoryStorage,
    cors: &BucketCors,
    request: S3Request<PutBucketCorsInput>,
) -> S3Result<S3Response<PutBucketCorsOutput>> {
    let input = request.input;
    existing(storage, &input.bucket)?;
    let rules = input.cors_configuration.cors_rules;
    cors::validate(&rules).map_err(|message| {
        coded(
            S3ErrorCode::InvalidRequest,
            StatusCode::BAD_REQUEST,
            message,
        )
    })?;
    cors.set(&input.bucket, rules);
    Ok(S3Response::new(PutBucketCorsOutput {}))
}

/// GetBucketCors: the rules, or `404 NoSuchCORSConfiguration`.
pub(super) fn get_cors(
    storage: &MemoryStorage,
    cors: &BucketCors,
    request: S3Request<GetBucketCorsInput>,
) -> S3Result<S3Response<GetBucketCorsOutput>> {
    let bucket = request.input.bucket;
    existing(storage, &bucket)?;
    let rules = cors.get(&bucket).ok_or_else(|| {
        coded(
            S3ErrorCode::NoSuchCORSConfiguration,
            StatusCode::NOT_FOUND,
            "The CORS configuration does not exist",
        )
    })?;
    Ok(S3Response::new(GetBucketCorsOutput {
        cors_rules: Some(rules),
    }))
}

/// DeleteBucketCors: idempotent, as S3's.
pub(super) fn delete_cors(
    storage: &MemoryStorage,
    cors: &BucketCors,
    request: S3Request<DeleteBucketCorsInput>,
) -> S3Result<S3Response<DeleteBucketCorsOutput>> {
    let bucket = request.input.bucket;
    existing(storage, &bucket)?;
    cors.remove(&bucket);
    Ok(S3Response::new(DeleteBucketCorsOutput {}))
}

/// `bucket` when it exists, else `404 NoSuchBucket` (`400` for a name S3 refuses).
fn existing(storage: &MemoryStorage, bucket: &str) -> S3Result<()> {
    bucket_root(bucket)?;
    if storage.buckets().iter().any(|(name, _)| name == bucket) {
        Ok(())
    } else {
        Err(s3_error(stowage_core::Error::NoSuchBucket {
            bucket: bucket.to_owned(),
        }))
    }
}
