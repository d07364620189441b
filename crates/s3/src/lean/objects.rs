//! GetObject, HeadObject, PutObject and DeleteObject on the lean path, with the same
//! inputs, outputs and errors as their SDK twins.

use std::time::SystemTime;

use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
use bytes::Bytes;
use http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_ENCODING, CONTENT_LANGUAGE, CONTENT_TYPE, IF_MATCH,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_UNMODIFIED_SINCE, RANGE,
};
use http::{HeaderName, HeaderValue, Method, StatusCode};
use stowage_core::{
    Error, GetObjectOutput, GetOptions, GetOutcome, NotModified, ObjectBody, ObjectMeta,
    PutOptions, PutResult, Result, S3Path,
};

use crate::get::served_range;
use crate::lean::Lean;
use crate::lean::answer::{AnswerHeaders, header, http_date};
use crate::lean::body::object_body;
use crate::lean::checksum::BodyChecksum;
use crate::lean::exchange::Exchange;
use crate::logging::SdkLogs;
use crate::meta::system_time;
use crate::multipart::{DEFAULT_CONTENT_TYPE, crc32};
use crate::write::WriteSettings;

/// Asks S3 for the whole object's checksum, which the body is then checked against.
const CHECKSUM_MODE: (HeaderName, HeaderValue) = (
    HeaderName::from_static("x-amz-checksum-mode"),
    HeaderValue::from_static("ENABLED"),
);

/// A header value from text the caller gave.
fn value(text: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(text)
        .map_err(|_| Error::invalid_argument("a header value holds a character HTTP forbids"))
}

/// An HTTP date header value.
fn date_value(time: SystemTime) -> Result<HeaderValue> {
    let text = DateTime::from(time)
        .fmt(DateTimeFormat::HttpDate)
        .map_err(|_| Error::invalid_argument("a date is out of HTTP's range"))?;
    value(&text)
}

/// GetObject under `options`; see [`stowage::ObjectStorage::get_object_with`].
///
/// [`stowage::ObjectStorage::get_object_with`]: stowage_core::ObjectStorage::get_object_with
pub(crate) async fn get_object_with(
    lean: &Lean,
    logs: &SdkLogs,
    path: &S3Path,
    options: &GetOptions,
) -> Result<GetOutcome> {
    options.validate()?;
    let mut headers = vec![CHECKSUM_MODE];
    if let Some(range) = options.range {
        headers.push((RANGE, value(&range.to_header())?));
    }
    if let Some(etag) = &options.if_match {
        headers.push((IF_MATCH, value(etag)?));
    }
    if let Some(etag) = &options.if_none_match {
        headers.push((IF_NONE_MATCH, value(etag)?));
    }
    if let Some(time) = options.if_modified_since {
        headers.push((IF_MODIFIED_SINCE, date_value(time)?));
    }
    if let Some(time) = options.if_unmodified_since {
        headers.push((IF_UNMODIFIED_SINCE, date_value(time)?));
    }
    let exchange = Exchange {
        method: Method::GET,
        path,
        headers,
        body: None,
        streamed: true,
    };
    let answer = lean.send(logs, &exchange).await?;
    if answer.status == StatusCode::NOT_MODIFIED {
        return Ok(GetOutcome::NotModified(NotModified {
            path: path.clone(),
            etag: header(&answer.headers, "etag").map(str::to_owned),
            last_modified: system_time(http_date(&answer.headers, "last-modified").as_ref()),
        }));
    }
    let mut meta = AnswerHeaders::new(&answer.headers).object_meta(path);
    let range = served_range(path, &mut meta, header(&answer.headers, "content-range"))?;
    // A whole-object checksum says nothing about a part of the object.
    let checksum = (answer.status == StatusCode::OK)
        .then(|| BodyChecksum::from_headers(&answer.headers))
        .flatten();
    let body = answer.body.ok_or_else(|| Error::Io {
        message: "the answer to a GetObject came without its body".into(),
    })?;
    let announced = header(&answer.headers, "content-length").and_then(|text| text.parse().ok());
    let body = object_body(body, announced, checksum, lean.idle_timeout());
    Ok(GetOutcome::Found(GetObjectOutput {
        meta,
        range,
        body: ObjectBody::new(body),
    }))
}

/// HeadObject.
pub(crate) async fn head_object(lean: &Lean, logs: &SdkLogs, path: &S3Path) -> Result<ObjectMeta> {
    let exchange = Exchange {
        method: Method::HEAD,
        path,
        headers: Vec::new(),
        body: None,
        streamed: false,
    };
    let answer = lean.send(logs, &exchange).await?;
    Ok(AnswerHeaders::new(&answer.headers).object_meta(path))
}

/// DeleteObject.
pub(crate) async fn delete_object(lean: &Lean, logs: &SdkLogs, path: &S3Path) -> Result<()> {
    let exchange = Exchange {
        method: Method::DELETE,
        path,
        headers: Vec::new(),
        body: None,
        streamed: false,
    };
    lean.send(logs, &exchange).await?;
    Ok(())
}

/// Whether a PutObject with `options` can go on the lean path: every attribute and
/// metadata entry is visible ASCII, as SigV4 signs it. Others go through the SDK, which
/// decides what to make of them.
pub(crate) fn sends_put(options: &PutOptions) -> bool {
    let visible = |text: &str| text.bytes().all(|byte| (0x20..0x7f).contains(&byte));
    [
        &options.content_type,
        &options.cache_control,
        &options.content_disposition,
        &options.content_encoding,
        &options.content_language,
    ]
    .into_iter()
    .flatten()
    .all(|text| visible(text))
        && options.metadata.iter().all(|(name, text)| {
            HeaderName::from_bytes(format!("x-amz-meta-{name}").as_bytes()).is_ok() && visible(text)
        })
}

/// PutObject of a body in memory, with a CRC32 the server checks; see [`sends_put`] for
/// the options it takes.
pub(crate) async fn put_object(
    lean: &Lean,
    logs: &SdkLogs,
    writes: &WriteSettings,
    path: &S3Path,
    body: Bytes,
    options: &PutOptions,
) -> Result<PutResult> {
    let conditions = writes.conditions(&options.mode, "conditional put_object")?;
    let storage = writes.storage_fields(
        options.encryption.as_ref(),
        options.storage_class.as_deref(),
    )?;
    let content_type = options
        .content_type
        .as_deref()
        .unwrap_or(DEFAULT_CONTENT_TYPE);
    let mut headers = vec![
        (CONTENT_TYPE, value(content_type)?),
        (
            HeaderName::from_static("x-amz-checksum-crc32"),
            value(&crc32(&body))?,
        ),
    ];
    let attributes = [
        (CACHE_CONTROL, &options.cache_control),
        (CONTENT_DISPOSITION, &options.content_disposition),
        (CONTENT_ENCODING, &options.content_encoding),
        (CONTENT_LANGUAGE, &options.content_language),
        (IF_MATCH, &conditions.if_match),
        (IF_NONE_MATCH, &conditions.if_none_match),
        (
            HeaderName::from_static("x-amz-server-side-encryption-aws-kms-key-id"),
            &storage.kms_key_id,
        ),
    ];
    for (name, text) in attributes {
        if let Some(text) = text {
            headers.push((name, value(text)?));
        }
    }
    if let Some(encryption) = &storage.encryption {
        headers.push((
            HeaderName::from_static("x-amz-server-side-encryption"),
            value(encryption.as_str())?,
        ));
    }
    if let Some(class) = &storage.storage_class {
        headers.push((
            HeaderName::from_static("x-amz-storage-class"),
            value(class.as_str())?,
        ));
    }
    for (name, text) in &options.metadata {
        let name = HeaderName::from_bytes(format!("x-amz-meta-{name}").as_bytes())
            .map_err(|_| Error::invalid_argument("a metadata name is not a valid header name"))?;
        headers.push((name, value(text)?));
    }
    let exchange = Exchange {
        method: Method::PUT,
        path,
        headers,
        body: Some(body),
        streamed: false,
    };
    let answer = lean.send(logs, &exchange).await?;
    Ok(PutResult {
        etag: header(&answer.headers, "etag").map(str::to_owned),
    })
}
