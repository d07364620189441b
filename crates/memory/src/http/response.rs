//! HTTP answers: S3-style XML errors, CORS headers.

use bytes::Bytes;
use http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};

use crate::errors::HttpRejection;

/// The response type of every route: the store's own, and `s3s`'s.
pub(super) type Reply = Response<s3s::Body>;

/// A response with `status` and an empty body.
pub(super) fn empty(status: StatusCode) -> Reply {
    let mut response = Response::new(s3s::Body::empty());
    *response.status_mut() = status;
    response
}

/// The S3 error document for `rejection`, with its status and `Access-Control-Allow-Origin: *`
/// so that a page can read why it was refused.
pub(super) fn error(rejection: &HttpRejection) -> Reply {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message></Error>",
        escape(rejection.code),
        escape(&rejection.message)
    );
    let mut response = Response::new(s3s::Body::from(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(rejection.status).unwrap_or(StatusCode::BAD_REQUEST);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

/// Adds `headers` (a CORS rule's answer headers) to `response`.
pub(super) fn add_headers(response: &mut Reply, headers: http::HeaderMap) {
    response.headers_mut().extend(headers);
}

/// Escapes XML text.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&apos;");
    }
}
