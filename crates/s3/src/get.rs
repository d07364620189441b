//! GetObject with a byte range and conditions: the body streamed, a 304 as
//! [`GetOutcome::NotModified`], a 206 read through its `Content-Range`.

use std::ops::Range;
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::get_object::GetObjectOutput as SdkGetObjectOutput;
use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
use aws_smithy_runtime_api::http::Response as HttpResponse;
use stowage_core::{
    Error, GetObjectOutput, GetOptions, GetOutcome, NotModified, ObjectBody, ObjectMeta, Result,
    S3Path,
};

use crate::body::body_stream;
use crate::content_range;
use crate::errors::failure;
use crate::logging::SdkLogs;
use crate::meta::{object_meta, system_time};

/// GetObject under `options`; see [`stowage::ObjectStorage::get_object_with`].
///
/// [`stowage::ObjectStorage::get_object_with`]: stowage_core::ObjectStorage::get_object_with
pub(crate) async fn get_object_with(
    client: &Client,
    logs: SdkLogs,
    path: &S3Path,
    options: &GetOptions,
) -> Result<GetOutcome> {
    options.validate()?;
    let key = path.object_key()?;
    let request = client
        .get_object()
        .bucket(path.bucket())
        .key(key)
        .set_range(options.range.map(|range| range.to_header()))
        .set_if_match(options.if_match.clone())
        .set_if_none_match(options.if_none_match.clone())
        .set_if_modified_since(options.if_modified_since.map(DateTime::from))
        .set_if_unmodified_since(options.if_unmodified_since.map(DateTime::from));
    let idle = client
        .config()
        .timeout_config()
        .and_then(|config| config.read_timeout());
    match logs.run(request.send()).await {
        Ok(output) => found(path, output, logs, idle).map(GetOutcome::Found),
        Err(error) => match not_modified(path, &error) {
            Some(current) => Ok(GetOutcome::NotModified(current)),
            None => Err(failure(error, path)),
        },
    }
}

/// The object, or the part of it a 206 answer holds: [`GetObjectOutput::range`] from the
/// `Content-Range` header, the size the object's total; a body that sends nothing for `idle`
/// fails with [`Error::Timeout`].
fn found(
    path: &S3Path,
    output: SdkGetObjectOutput,
    logs: SdkLogs,
    idle: Option<Duration>,
) -> Result<GetObjectOutput> {
    let mut meta = object_meta(path, &output);
    let range = served_range(path, &mut meta, output.content_range())?;
    Ok(GetObjectOutput {
        meta,
        range,
        body: ObjectBody::new(body_stream(output.body, logs, idle)),
    })
}

/// The bytes a GetObject answer holds: all of them without a `Content-Range`, else the
/// range it names, `meta.size` then set to the object's total.
pub(crate) fn served_range(
    path: &S3Path,
    meta: &mut ObjectMeta,
    content_range: Option<&str>,
) -> Result<Range<u64>> {
    match content_range {
        None => Ok(0..meta.size),
        // No byte of an empty object can be served, whatever a server answers (Garage 2.5
        // sends 206 with `bytes 0-18446744073709551615/0` for a suffix range); S3 says 416.
        Some(header) if content_range::total(header) == Some(0) => {
            Err(Error::RangeNotSatisfiable {
                path: path.clone(),
                size: Some(0),
            })
        }
        Some(header) => {
            let parsed = content_range::parse(header).ok_or_else(|| Error::Service {
                code: "InvalidContentRange".into(),
                status: 206,
                message: "the answer to a ranged read has a malformed Content-Range".into(),
                path: Some(path.clone()),
            })?;
            meta.size = parsed.total;
            Ok(parsed.range)
        }
    }
}

/// The SDK reports a 304 as an error with no code; its headers name the current version.
fn not_modified<E>(path: &S3Path, error: &SdkError<E, HttpResponse>) -> Option<NotModified> {
    let response = error.raw_response()?;
    if response.status().as_u16() != 304 {
        return None;
    }
    let headers = response.headers();
    let last_modified = headers
        .get("last-modified")
        .and_then(|value| DateTime::from_str(value, DateTimeFormat::HttpDate).ok());
    Some(NotModified {
        path: path.clone(),
        etag: headers.get("etag").map(str::to_owned),
        last_modified: system_time(last_modified.as_ref()),
    })
}
