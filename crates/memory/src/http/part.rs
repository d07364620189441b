//! `PUT /{bucket}/{key}?partNumber=..&uploadId=..&X-Amz-...`: a presigned UploadPart.

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, ETAG, HeaderValue};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Limited};

use super::response::{self, Reply};
use crate::errors::HttpRejection;
use crate::storage::MemoryStorage;

/// Redeems a part URL: the signature is checked against the request's `Content-Length`
/// before the body is read, and the body is read up to that length and no further.
/// Success is `200 OK` with the part's `ETag`, as S3 answers.
pub(super) async fn handle(
    storage: &MemoryStorage,
    request: Request<super::request_body::RequestBody>,
) -> Result<Reply, HttpRejection> {
    let length = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        .ok_or_else(|| {
            HttpRejection::new(
                411,
                "MissingContentLength",
                "You must provide the Content-Length HTTP header.",
            )
        })?;
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/", |value| value.as_str());
    let url = format!("{}{path_and_query}", storage.endpoint());
    // The URL is judged before a byte of the body is read, and once.
    let part = storage.check_presigned_part(&url, length)?;
    let limit = usize::try_from(length)
        .map_err(|_| HttpRejection::new(400, "EntityTooLarge", "the part is too large"))?;
    let body: Bytes = Limited::new(request.into_body(), limit)
        .collect()
        .await
        .map_err(|_| incomplete_body())?
        .to_bytes();
    if body.len() as u64 != length {
        return Err(incomplete_body());
    }
    let etag = storage.store_granted_part(&part, body)?;
    let mut reply = response::empty(StatusCode::OK);
    let etag = HeaderValue::from_str(&etag).map_err(|_| {
        HttpRejection::new(
            500,
            "InternalError",
            "the part's ETag is not a header value",
        )
    })?;
    reply.headers_mut().insert(ETAG, etag);
    Ok(reply)
}

/// A body shorter than its `Content-Length`: `400 IncompleteBody`, as S3 answers.
fn incomplete_body() -> HttpRejection {
    HttpRejection::new(
        400,
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header.",
    )
}
