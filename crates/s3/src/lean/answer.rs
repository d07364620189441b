//! What the lean request path reads from an answer: the code and message of an error
//! document, and an object's metadata from its headers.

use std::collections::HashMap;

use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
use aws_smithy_xml::decode::{Document, XmlDecodeError, try_data};
use http::{HeaderMap, HeaderValue};
use stowage_core::{ObjectMeta, S3Path};

use crate::meta::{ObjectHeaders, object_meta};

/// The prefix of user metadata headers.
const METADATA_PREFIX: &str = "x-amz-meta-";

/// The `Code` and `Message` of an S3 error document, read as the SDK reads them: empty
/// strings when the body is not a whole XML document (a HEAD answer has no body, a proxy's
/// answer may not be XML).
pub(crate) fn error_fields(body: &[u8]) -> (String, String) {
    fields(body).unwrap_or_default()
}

/// The fields of [`error_fields`], or the first decoding failure.
fn fields(body: &[u8]) -> Result<(String, String), XmlDecodeError> {
    let mut document = Document::try_from(body)?;
    let mut root = document.root_element()?;
    let (mut code, mut message) = (String::new(), String::new());
    while let Some(mut tag) = root.next_tag() {
        match tag.start_el().local() {
            "Code" => code = try_data(&mut tag)?.into_owned(),
            "Message" => message = try_data(&mut tag)?.into_owned(),
            _ => {}
        }
    }
    Ok((code, message))
}

/// Whether a successful answer's body is an `<Error>` document: S3 may answer 200 and
/// report a failure in the body, which the SDK takes as an error.
pub(crate) fn is_error_document(body: &[u8]) -> bool {
    Document::try_from(body)
        .ok()
        .and_then(|mut document| {
            document
                .root_element()
                .ok()
                .map(|root| root.start_el().matches("Error"))
        })
        .unwrap_or(false)
}

/// The value of header `name` as text; `None` when missing or not UTF-8 (the SDK reads
/// header values as UTF-8, not only as visible ASCII).
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| text(value))
}

/// A header value as UTF-8 text.
fn text(value: &HeaderValue) -> Option<&str> {
    std::str::from_utf8(value.as_bytes()).ok()
}

/// An HTTP date header (`Last-Modified`).
pub(crate) fn http_date(headers: &HeaderMap, name: &str) -> Option<DateTime> {
    header(headers, name).and_then(|text| DateTime::from_str(text, DateTimeFormat::HttpDate).ok())
}

/// The object headers of a GetObject or HeadObject answer, read as the SDK reads them.
pub(crate) struct AnswerHeaders<'a> {
    headers: &'a HeaderMap,
    content_length: Option<i64>,
    last_modified: Option<DateTime>,
    metadata: Option<HashMap<String, String>>,
}

impl<'a> AnswerHeaders<'a> {
    /// Parses the headers whose values are not text.
    pub(crate) fn new(headers: &'a HeaderMap) -> Self {
        let metadata: HashMap<String, String> = headers
            .iter()
            .filter_map(|(name, value)| {
                let name = name.as_str().strip_prefix(METADATA_PREFIX)?;
                Some((name.to_owned(), text(value)?.to_owned()))
            })
            .collect();
        Self {
            headers,
            content_length: header(headers, "content-length").and_then(|text| text.parse().ok()),
            last_modified: http_date(headers, "last-modified"),
            metadata: (!metadata.is_empty()).then_some(metadata),
        }
    }

    /// The object's metadata at `path`.
    pub(crate) fn object_meta(&self, path: &S3Path) -> ObjectMeta {
        object_meta(path, self)
    }
}

impl ObjectHeaders for AnswerHeaders<'_> {
    fn content_length(&self) -> Option<i64> {
        self.content_length
    }
    fn e_tag(&self) -> Option<&str> {
        header(self.headers, "etag")
    }
    fn last_modified(&self) -> Option<&DateTime> {
        self.last_modified.as_ref()
    }
    fn content_type(&self) -> Option<&str> {
        header(self.headers, "content-type")
    }
    fn cache_control(&self) -> Option<&str> {
        header(self.headers, "cache-control")
    }
    fn content_disposition(&self) -> Option<&str> {
        header(self.headers, "content-disposition")
    }
    fn content_encoding(&self) -> Option<&str> {
        header(self.headers, "content-encoding")
    }
    fn content_language(&self) -> Option<&str> {
        header(self.headers, "content-language")
    }
    fn metadata(&self) -> Option<&HashMap<String, String>> {
        self.metadata.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_document_gives_its_code_and_message() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The key &amp; more</Message><Key>k</Key></Error>"#;
        assert_eq!(
            error_fields(body),
            ("NoSuchKey".to_owned(), "The key & more".to_owned())
        );
        assert_eq!(error_fields(b""), (String::new(), String::new()));
        assert_eq!(error_fields(b"<html>"), (String::new(), String::new()));
        // A document cut short gives what the SDK's parser reads of it.
        assert_eq!(
            error_fields(b"<Error><Code>NoSuchKe"),
            ("NoSuchKe".to_owned(), String::new())
        );
        assert!(is_error_document(body));
        assert!(!is_error_document(b"<CopyObjectResult></CopyObjectResult>"));
        assert!(!is_error_document(b""));
    }

    #[test]
    fn headers_become_object_metadata() {
        let mut headers = HeaderMap::new();
        headers.insert("content-length", "5".parse().unwrap());
        headers.insert("etag", "\"e1\"".parse().unwrap());
        headers.insert(
            "last-modified",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        headers.insert("content-type", "text/plain".parse().unwrap());
        headers.insert("x-amz-meta-owner", "ada".parse().unwrap());
        let path = S3Path::new("bucket", "k").unwrap();
        let meta = AnswerHeaders::new(&headers).object_meta(&path);
        assert_eq!(meta.size, 5);
        assert_eq!(meta.etag.as_deref(), Some("\"e1\""));
        assert_eq!(meta.content_type.as_deref(), Some("text/plain"));
        assert_eq!(meta.metadata.get("owner").map(String::as_str), Some("ada"));
        assert!(meta.last_modified.is_some());
    }
}
