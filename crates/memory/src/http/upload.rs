//! `POST /{bucket}`: a browser upload form, parsed as a stream with bounded memory and
//! judged by the store's own form verifier.

use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_TYPE, ETAG, HeaderValue};
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;

use super::meter::{Meter, MeteredBody};
use super::response::{self, Reply};
use crate::errors::HttpRejection;
use crate::storage::MemoryStorage;

/// The most body bytes read before the `file` field (S3 allows 20 KiB of fields; the rest
/// is room for part headers and boundaries).
pub const MAX_PRE_FILE_BYTES: u64 = 64 * 1024;
/// The longest value of a field other than `file`.
pub const MAX_FIELD_BYTES: usize = 20 * 1024;
/// The most fields before `file`.
pub const MAX_FIELDS: usize = 64;
/// The largest file a form may carry when its policy sets no `content-length-range`
/// (S3's limit for a POST upload: 5 GiB).
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024 * 1024;
/// Room after the file for its closing boundary.
const TRAILER_BYTES: u64 = 4 * 1024;

/// The 400 for a body that is not multipart/form-data.
fn malformed() -> HttpRejection {
    HttpRejection::new(
        400,
        "MalformedPOSTRequest",
        "The body of your POST request is not well-formed multipart/form-data.",
    )
}

/// The 400 for fields before the file that are too large or too many.
fn pre_data_too_large(message: &str) -> HttpRejection {
    HttpRejection::new(400, "MaxPostPreDataLengthExceededError", message)
}

/// The 400 for a file over the policy's maximum.
fn too_large() -> HttpRejection {
    HttpRejection::new(
        400,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
    )
}

/// Reads the form: fields in order (each capped, their number capped), checked against the
/// policy as soon as `file` starts; then the file, refused as soon as it passes the
/// policy's maximum; then the store's `submit_post` decides and stores.
pub(super) async fn handle(
    storage: &MemoryStorage,
    bucket: &str,
    request: Request<super::request_body::RequestBody>,
) -> Result<Reply, HttpRejection> {
    let boundary = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| multer::parse_boundary(value).ok())
        .ok_or_else(malformed)?;
    let meter = Meter::new(MAX_PRE_FILE_BYTES);
    let body = MeteredBody::new(request.into_body().into_data_stream(), meter.clone());
    let mut multipart = multer::Multipart::new(body, boundary);
    let url = format!("{}/{bucket}", storage.endpoint());
    let mut fields: Vec<(String, String)> = Vec::new();
    loop {
        let field = meter
            .bounded(multipart.next_field())
            .await
            .ok_or_else(|| {
                pre_data_too_large(
                    "Your POST request fields preceding the upload file were too large.",
                )
            })?
            .map_err(|_| malformed())?
            .ok_or_else(|| {
                HttpRejection::bad_request("POST requires exactly one file upload per request.")
            })?;
        let name = field.name().ok_or_else(malformed)?.to_owned();
        if name.eq_ignore_ascii_case("file") {
            let max = storage
                .check_post_fields(&url, &fields)?
                .map_or(MAX_FILE_BYTES, |max| max.min(MAX_FILE_BYTES));
            meter.set_budget(MAX_PRE_FILE_BYTES + max + TRAILER_BYTES);
            let file = read_file(field, &meter, max).await?;
            let stored = storage.submit_post(&url, &fields, file)?;
            let mut reply = response::empty(StatusCode::NO_CONTENT);
            if let Some(etag) = stored
                .etag
                .and_then(|etag| HeaderValue::from_str(&etag).ok())
            {
                reply.headers_mut().insert(ETAG, etag);
            }
            return Ok(reply);
        }
        if fields.len() == MAX_FIELDS {
            return Err(pre_data_too_large("Your POST request has too many fields."));
        }
        let value = read_field(field, &meter).await?;
        fields.push((name, value));
    }
}

/// Reads one field's value: UTF-8, at most [`MAX_FIELD_BYTES`].
async fn read_field(mut field: multer::Field<'_>, meter: &Meter) -> Result<String, HttpRejection> {
    let mut value = Vec::new();
    loop {
        let chunk = meter
            .bounded(field.chunk())
            .await
            .ok_or_else(|| {
                pre_data_too_large(
                    "Your POST request fields preceding the upload file were too large.",
                )
            })?
            .map_err(|_| malformed())?;
        let Some(chunk) = chunk else { break };
        if value.len() + chunk.len() > MAX_FIELD_BYTES {
            return Err(pre_data_too_large(
                "A field of your POST request is too large.",
            ));
        }
        value.extend_from_slice(&chunk);
    }
    String::from_utf8(value).map_err(|_| malformed())
}

/// Reads the file, refusing it as soon as it passes `max` bytes.
async fn read_file(
    mut field: multer::Field<'_>,
    meter: &Meter,
    max: u64,
) -> Result<Bytes, HttpRejection> {
    let mut file = BytesMut::new();
    loop {
        let chunk = meter
            .bounded(field.chunk())
            .await
            .ok_or_else(too_large)?
            .map_err(|_| malformed())?;
        let Some(chunk) = chunk else { break };
        if (file.len() + chunk.len()) as u64 > max {
            return Err(too_large());
        }
        file.extend_from_slice(&chunk);
    }
    Ok(file.freeze())
}
