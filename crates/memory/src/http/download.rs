//! `GET /{bucket}/{key}?X-Amz-...`: a presigned download, served as S3 serves it. The URL
//! is checked against the one the store minted (whatever `Host` the request arrives with,
//! so that it works behind a proxy), then the object is sent with its attributes, the
//! `Range` and conditions a browser sends, and the `response-*` overrides the URL signed.

use http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_ENCODING, CONTENT_LANGUAGE,
    CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, EXPIRES, HeaderName, HeaderValue, IF_MATCH,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_UNMODIFIED_SINCE, LAST_MODIFIED, RANGE,
};
use http::{Request, StatusCode};
use stowage_core::{ByteRange, GetOptions, GetOutcome, ObjectMeta, ObjectStorage as _};

use super::dates;
use super::request_body::RequestBody;
use super::response::{self, Reply};
use crate::errors::HttpRejection;
use crate::storage::MemoryStorage;

/// The type of an object stored without one, as S3 answers it.
const DEFAULT_CONTENT_TYPE: &str = "binary/octet-stream";

/// Redeems the presigned URL of `request`.
pub(super) async fn handle(
    storage: &MemoryStorage,
    request: &Request<RequestBody>,
) -> Result<Reply, HttpRejection> {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/", |value| value.as_str());
    let path = storage.verify_presigned_get(&format!("{}{path_and_query}", storage.endpoint()))?;
    let header = |name: HeaderName| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let mut options = GetOptions::new();
    options.range = header(RANGE).and_then(parse_range);
    options.if_match = header(IF_MATCH).map(str::to_owned);
    options.if_none_match = header(IF_NONE_MATCH).map(str::to_owned);
    options.if_modified_since = header(IF_MODIFIED_SINCE).and_then(dates::parse);
    options.if_unmodified_since = header(IF_UNMODIFIED_SINCE).and_then(dates::parse);
    let output = match storage.get_object_with(&path, &options).await? {
        GetOutcome::Found(output) => output,
        GetOutcome::NotModified(not_modified) => {
            let mut reply = response::empty(StatusCode::NOT_MODIFIED);
            insert(&mut reply, ETAG, not_modified.etag.as_deref());
            insert(
                &mut reply,
                LAST_MODIFIED,
                not_modified.last_modified.map(dates::format).as_deref(),
            );
            return Ok(reply);
        }
    };
    let range = output.range.clone();
    let data = output.body.bytes().await?;
    let mut reply = Reply::new(s3s::Body::from(data));
    if options.range.is_some() {
        *reply.status_mut() = StatusCode::PARTIAL_CONTENT;
        let content_range = format!(
            "bytes {}-{}/{}",
            range.start,
            range.end.saturating_sub(1),
            output.meta.size
        );
        insert(&mut reply, CONTENT_RANGE, Some(&content_range));
    }
    insert(
        &mut reply,
        CONTENT_LENGTH,
        Some(&(range.end - range.start).to_string()),
    );
    insert(&mut reply, ACCEPT_RANGES, Some("bytes"));
    attributes(&mut reply, &output.meta, &overrides(request.uri().query()));
    Ok(reply)
}

/// The `response-*` parameters of a presigned URL, decoded: they replace the object's
/// headers in the answer.
#[derive(Debug, Default)]
struct Overrides {
    content_type: Option<String>,
    content_disposition: Option<String>,
    content_encoding: Option<String>,
    content_language: Option<String>,
    cache_control: Option<String>,
    expires: Option<String>,
}

fn overrides(query: Option<&str>) -> Overrides {
    let mut overrides = Overrides::default();
    for pair in query.unwrap_or_default().split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_encoding::percent_decode_str(&value.replace('+', "%20"))
            .decode_utf8_lossy()
            .into_owned();
        let slot = match name {
            "response-content-type" => &mut overrides.content_type,
            "response-content-disposition" => &mut overrides.content_disposition,
            "response-content-encoding" => &mut overrides.content_encoding,
            "response-content-language" => &mut overrides.content_language,
            "response-cache-control" => &mut overrides.cache_control,
            "response-expires" => &mut overrides.expires,
            _ => continue,
        };
        *slot = Some(value);
    }
    overrides
}

/// The object's headers, each replaced by its override when the URL carries one.
fn attributes(reply: &mut Reply, meta: &ObjectMeta, overrides: &Overrides) {
    let pick = |given: &Option<String>, stored: &Option<String>| given.clone().or(stored.clone());
    let content_type = pick(&overrides.content_type, &meta.content_type)
        .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned());
    insert(reply, CONTENT_TYPE, Some(&content_type));
    for (name, value) in [
        (
            CONTENT_DISPOSITION,
            pick(&overrides.content_disposition, &meta.content_disposition),
        ),
        (
            CONTENT_ENCODING,
            pick(&overrides.content_encoding, &meta.content_encoding),
        ),
        (
            CONTENT_LANGUAGE,
            pick(&overrides.content_language, &meta.content_language),
        ),
        (
            CACHE_CONTROL,
            pick(&overrides.cache_control, &meta.cache_control),
        ),
        (EXPIRES, overrides.expires.clone()),
    ] {
        insert(reply, name, value.as_deref());
    }
    insert(reply, ETAG, meta.etag.as_deref());
    insert(
        reply,
        LAST_MODIFIED,
        meta.last_modified.map(dates::format).as_deref(),
    );
    for (name, value) in &meta.metadata {
        if let Ok(name) = HeaderName::try_from(format!("x-amz-meta-{name}")) {
            insert(reply, name, Some(value));
        }
    }
}

/// Sets `name` when there is a value and it is a valid header value.
fn insert(reply: &mut Reply, name: HeaderName, value: Option<&str>) {
    if let Some(value) = value.and_then(|value| HeaderValue::from_str(value).ok()) {
        reply.headers_mut().insert(name, value);
    }
}

/// One `bytes=` range; anything else (several ranges, other units, nonsense) is ignored and
/// the whole object sent, as S3 does.
fn parse_range(header: &str) -> Option<ByteRange> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    match (first.trim(), last.trim()) {
        ("", "") => None,
        ("", suffix) => suffix.parse().ok().map(ByteRange::suffix),
        (first, "") => first.parse().ok().map(ByteRange::from_offset),
        (first, last) => {
            let (first, last) = (first.parse().ok()?, last.parse().ok()?);
            (first <= last).then(|| ByteRange::inclusive(first, last))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_s3_serves_and_those_it_ignores() {
        assert_eq!(parse_range("bytes=2-4"), Some(ByteRange::inclusive(2, 4)));
        assert_eq!(parse_range("bytes=3-"), Some(ByteRange::from_offset(3)));
        assert_eq!(parse_range("bytes=-5"), Some(ByteRange::suffix(5)));
        for ignored in [
            "bytes=0-1,4-5",
            "items=1-2",
            "bytes=5-2",
            "bytes=-",
            "bytes=x-1",
        ] {
            assert_eq!(parse_range(ignored), None, "{ignored}");
        }
    }

    #[test]
    fn overrides_are_decoded() {
        let given = overrides(Some(
            "response-content-type=text%2Fplain&X-Amz-Signature=00&response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22",
        ));
        assert_eq!(given.content_type.as_deref(), Some("text/plain"));
        assert_eq!(
            given.content_disposition.as_deref(),
            Some("attachment; filename=\"a b.txt\"")
        );
        assert_eq!(given.cache_control, None);
    }
}
