//! Faults, the requests they apply to, and the record of what the proxy saw.

/// What the proxy does to a request that a [`FaultRule`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Reads the request head and half of its body (one read of a chunked body), then
    /// resets the client connection. Nothing reaches the upstream server.
    ResetDuringRequest,
    /// Forwards the request, relays the response head and the first `after_bytes` bytes
    /// of the response body as sent on the wire, then resets the client connection. A
    /// shorter body is relayed whole before the reset.
    ResetDuringResponseBody {
        /// Body bytes the client receives before the reset.
        after_bytes: usize,
    },
    /// Forwards the request, relays the response head and the first `after_bytes` bytes
    /// of the response body as sent on the wire, then relays nothing more while keeping the
    /// connection open until the client closes it: a server stalled in the middle of a body.
    StallDuringResponseBody {
        /// Body bytes the client receives before the stall.
        after_bytes: usize,
    },
    /// Reads the request and never answers; the connection stays open until the client
    /// closes it or the proxy is dropped. Nothing reaches the upstream server.
    NeverAnswer,
    /// Answers `503 Slow Down` with S3's XML error body, code `SlowDown`, without
    /// contacting the upstream server.
    SlowDown,
    /// Answers `500 Internal Server Error` with S3's XML error body, code
    /// `InternalError`, without contacting the upstream server.
    InternalError,
    /// Forwards the request with one bit flipped in the request body byte at `offset`
    /// (counted in body bytes, after chunked framing). A body no longer than `offset`
    /// goes through unchanged.
    CorruptRequestBody {
        /// Position of the corrupted byte in the request body.
        offset: usize,
    },
    /// Forwards the request, relaying the request body and the response at
    /// `bytes_per_second` each way (at least 1).
    Throttle {
        /// The rate of each direction.
        bytes_per_second: u64,
    },
}

/// Which requests a rule or a count applies to: every condition given must hold.
///
/// ```
/// use stowage_testkit::fault_proxy::RequestMatch;
///
/// // UploadPart: a PUT whose query names a part number.
/// let upload_part = RequestMatch::method("PUT").query_contains("partNumber=");
/// // Everything.
/// let any = RequestMatch::any();
/// # let _ = (upload_part, any);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMatch {
    method: Option<String>,
    path_contains: Vec<String>,
    query_contains: Vec<String>,
    headers: Vec<String>,
}

impl RequestMatch {
    /// Matches every request.
    pub fn any() -> Self {
        Self::default()
    }

    /// Matches requests with this method (`GET`, `PUT`, `HEAD`, ...), in any letter case.
    pub fn method(method: &str) -> Self {
        Self {
            method: Some(method.to_owned()),
            ..Self::default()
        }
    }

    /// Also requires the request path, as sent (percent-encoded, without the query), to
    /// contain `part`.
    pub fn path_contains(mut self, part: impl Into<String>) -> Self {
        self.path_contains.push(part.into());
        self
    }

    /// Also requires the query string, as sent (without the `?`), to contain `part`:
    /// `uploads`, `uploadId`, `partNumber=`, `list-type=2`, `delete`.
    pub fn query_contains(mut self, part: impl Into<String>) -> Self {
        self.query_contains.push(part.into());
        self
    }

    /// Also requires a header with this name, in any letter case (`content-md5`).
    pub fn header(mut self, name: impl Into<String>) -> Self {
        self.headers.push(name.into());
        self
    }

    /// True when `request` meets every condition.
    pub(super) fn matches(&self, request: &RequestInfo) -> bool {
        self.method
            .as_ref()
            .is_none_or(|method| method.eq_ignore_ascii_case(&request.method))
            && self
                .path_contains
                .iter()
                .all(|part| request.path.contains(part.as_str()))
            && self
                .query_contains
                .iter()
                .all(|part| request.query.contains(part.as_str()))
            && self.headers.iter().all(|name| {
                request
                    .headers
                    .iter()
                    .any(|present| present.eq_ignore_ascii_case(name))
            })
    }
}

/// A fault, the requests it applies to and how many of them it takes.
///
/// ```
/// use stowage_testkit::fault_proxy::{Fault, FaultRule, RequestMatch};
///
/// // The next two UploadPart requests get a 503 SlowDown.
/// let rule = FaultRule::new(Fault::SlowDown)
///     .matching(RequestMatch::method("PUT").query_contains("partNumber="))
///     .times(2);
/// # let _ = rule;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    fault: Fault,
    matcher: RequestMatch,
    times: usize,
}

impl FaultRule {
    /// `fault` for the next request, whatever it is.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            matcher: RequestMatch::any(),
            times: 1,
        }
    }

    /// Applies only to requests `matcher` matches.
    pub fn matching(mut self, matcher: RequestMatch) -> Self {
        self.matcher = matcher;
        self
    }

    /// Applies to the next `times` matching requests instead of one.
    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }
}

/// What a rule can match on in one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RequestInfo {
    /// The method, as sent.
    pub(super) method: String,
    /// The path, without the query.
    pub(super) path: String,
    /// The query, without the `?`.
    pub(super) query: String,
    /// The header names.
    pub(super) headers: Vec<String>,
}

/// The rules still in force, the requests seen and the faults applied.
#[derive(Debug, Default)]
pub(super) struct Registry {
    rules: Vec<FaultRule>,
    seen: Vec<RequestInfo>,
    faults_applied: usize,
}

impl Registry {
    /// Adds `rule` after the others.
    pub(super) fn push(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    /// Removes every remaining rule.
    pub(super) fn clear(&mut self) {
        self.rules.clear();
    }

    /// Records `request` and returns the fault of the first rule with a remaining count
    /// that matches it, using up one of that count.
    pub(super) fn admit(&mut self, request: RequestInfo) -> Option<Fault> {
        let index = self
            .rules
            .iter()
            .position(|rule| rule.times > 0 && rule.matcher.matches(&request));
        self.seen.push(request);
        let rule = &mut self.rules[index?];
        rule.times -= 1;
        let fault = rule.fault;
        self.faults_applied += 1;
        Some(fault)
    }

    /// How many requests seen `matcher` matches.
    pub(super) fn requests_seen(&self, matcher: &RequestMatch) -> usize {
        self.seen
            .iter()
            .filter(|request| matcher.matches(request))
            .count()
    }

    /// How many requests a rule took.
    pub(super) fn faults_applied(&self) -> usize {
        self.faults_applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, path: &str, query: &str, headers: &[&str]) -> RequestInfo {
        RequestInfo {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: headers.iter().map(|&name| name.to_owned()).collect(),
        }
    }

    #[test]
    fn every_condition_must_hold() {
        let part = request("PUT", "/b/k", "partNumber=1&uploadId=x", &["Content-MD5"]);
        assert!(RequestMatch::any().matches(&part));
        assert!(RequestMatch::method("put").matches(&part));
        assert!(
            RequestMatch::method("PUT")
                .path_contains("/b/")
                .query_contains("partNumber=")
                .query_contains("uploadId")
                .header("content-md5")
                .matches(&part)
        );
        assert!(!RequestMatch::method("GET").matches(&part));
        assert!(!RequestMatch::any().query_contains("uploads").matches(&part));
        assert!(!RequestMatch::any().path_contains("other").matches(&part));
        assert!(!RequestMatch::any().header("range").matches(&part));
    }

    #[test]
    fn the_first_matching_rule_with_a_count_left_takes_the_request() {
        let mut registry = Registry::default();
        registry.push(FaultRule::new(Fault::SlowDown).matching(RequestMatch::method("PUT")));
        registry.push(FaultRule::new(Fault::InternalError).times(2));
        let get = request("GET", "/b/k", "", &[]);
        let put = request("PUT", "/b/k", "", &[]);
        assert_eq!(registry.admit(get.clone()), Some(Fault::InternalError));
        assert_eq!(registry.admit(put.clone()), Some(Fault::SlowDown));
        assert_eq!(registry.admit(put.clone()), Some(Fault::InternalError));
        assert_eq!(registry.admit(put.clone()), None);
        assert_eq!(registry.faults_applied(), 3);
        assert_eq!(registry.requests_seen(&RequestMatch::method("PUT")), 3);
        assert_eq!(registry.requests_seen(&RequestMatch::any()), 4);
    }

    #[test]
    fn clear_removes_the_remaining_rules() {
        let mut registry = Registry::default();
        registry.push(FaultRule::new(Fault::NeverAnswer).times(5));
        registry.clear();
        assert_eq!(registry.admit(request("GET", "/", "", &[])), None);
        assert_eq!(registry.faults_applied(), 0);
    }
}
