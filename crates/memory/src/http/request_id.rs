//! What S3 adds to every answer and that clients log: a request id in `x-amz-request-id`
//! and `x-amz-id-2`, repeated in error documents, and a message in every error document.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::HeaderValue;

use super::response::Reply;

/// A fresh request id: 16 upper-case hex digits, as S3's.
pub(super) fn next() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(
        "{:016X}",
        mix(seed ^ n.rotate_left(32) ^ u64::from(std::process::id()))
    )
}

/// splitmix64's finalizer: consecutive inputs give unrelated-looking ids.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Stamps `reply` with `id`, and completes its error document, if it is one: S3's message
/// for the code when it has none, and the request id.
pub(super) fn stamp(reply: &mut Reply, id: &str) {
    if let Ok(value) = HeaderValue::from_str(id) {
        reply
            .headers_mut()
            .insert("x-amz-request-id", value.clone());
        reply.headers_mut().insert("x-amz-id-2", value);
    }
    if reply.status().is_client_error() || reply.status().is_server_error() {
        let completed = reply
            .body()
            .bytes()
            .and_then(|body| complete_error(&body, id));
        if let Some(completed) = completed {
            reply
                .headers_mut()
                .insert(http::header::CONTENT_LENGTH, completed.len().into());
            *reply.body_mut() = s3s::Body::from(completed);
        }
    }
}

/// The error document `body` with a `<Message>` (when it has none) and a `<RequestId>`;
/// `None` when `body` is not an error document.
fn complete_error(body: &[u8], id: &str) -> Option<Bytes> {
    let text = std::str::from_utf8(body).ok()?;
    let code_end = text.find("</Code>")? + "</Code>".len();
    let code = &text[text.find("<Code>")? + "<Code>".len()..code_end - "</Code>".len()];
    let close = text.rfind("</Error>")?;
    let mut completed = String::with_capacity(text.len() + 160);
    completed.push_str(&text[..code_end]);
    if !text.contains("<Message>") {
        completed.push_str("<Message>");
        completed.push_str(message(code));
        completed.push_str("</Message>");
    }
    completed.push_str(&text[code_end..close]);
    if !text.contains("<RequestId>") {
        completed.push_str("<RequestId>");
        completed.push_str(id);
        completed.push_str("</RequestId><HostId>");
        completed.push_str(id);
        completed.push_str("</HostId>");
    }
    completed.push_str(&text[close..]);
    Some(Bytes::from(completed))
}

/// S3's message for an error `code` that came without one.
fn message(code: &str) -> &'static str {
    match code {
        "SignatureDoesNotMatch" => {
            "The request signature we calculated does not match the signature you provided. \
             Check your key and signing method."
        }
        "AccessDenied" => "Access Denied",
        "InvalidAccessKeyId" => "The AWS Access Key Id you provided does not exist in our records.",
        "RequestTimeTooSkewed" => {
            "The difference between the request time and the current time is too large."
        }
        "MalformedXML" => {
            "The XML you provided was not well-formed or did not validate against our published \
             schema"
        }
        "InvalidRequest" => "Invalid Request",
        "InvalidArgument" => "Invalid Argument",
        "AuthorizationHeaderMalformed" => "The authorization header is malformed.",
        "AuthorizationQueryParametersError" => {
            "Error parsing the X-Amz-Credential parameter or the query parameters of a presigned URL."
        }
        "MissingSecurityHeader" => "Your request is missing a required header.",
        "NoSuchBucket" => "The specified bucket does not exist",
        "NoSuchKey" => "The specified key does not exist.",
        "NotImplemented" => "A header you provided implies functionality that is not implemented",
        "MethodNotAllowed" => "The specified method is not allowed against this resource.",
        "IncompleteBody" => {
            "You did not provide the number of bytes specified by the Content-Length HTTP header."
        }
        _ => "The request was refused.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_without_a_message_gets_s3s_and_the_request_id() {
        let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SignatureDoesNotMatch</Code></Error>";
        let completed = complete_error(body, "0123456789ABCDEF").unwrap();
        let text = std::str::from_utf8(&completed).unwrap();
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SignatureDoesNotMatch</Code>\
             <Message>The request signature we calculated does not match the signature you \
             provided. Check your key and signing method.</Message><RequestId>0123456789ABCDEF\
             </RequestId><HostId>0123456789ABCDEF</HostId></Error>"
        );
    }

    #[test]
    fn a_message_already_there_is_kept() {
        let body = b"<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>";
        let completed = complete_error(body, "ID").unwrap();
        let text = std::str::from_utf8(&completed).unwrap();
        assert!(text.contains("<Message>gone</Message>") && text.contains("<RequestId>ID"));
        assert_eq!(text.matches("<Message>").count(), 1);
        assert!(complete_error(b"<ListBucketResult/>", "ID").is_none());
    }

    #[test]
    fn ids_are_sixteen_hex_digits_and_differ() {
        let (a, b) = (next(), next());
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
