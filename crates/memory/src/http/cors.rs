//! Bucket CORS configurations, stored as PutBucketCors sends them and applied as S3 applies
//! them: a preflight is answered from the first rule that allows its origin, method and
//! headers; another answer is marked readable by the origin of the first rule that allows
//! the origin and the method.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use http::HeaderMap;
use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, HeaderValue, ORIGIN, VARY,
};
use s3s::dto::CORSRule;

use crate::errors::HttpRejection;

/// Every bucket's CORS rules.
#[derive(Debug, Default)]
pub(crate) struct BucketCors {
    /// Rules by bucket; a bucket without an entry has no CORS configuration.
    rules: RwLock<HashMap<String, Vec<CORSRule>>>,
}

impl BucketCors {
    /// Replaces `bucket`'s rules (PutBucketCors); no rules removes the configuration.
    pub(crate) fn set(&self, bucket: &str, rules: Vec<CORSRule>) {
        let mut all = self.rules.write().unwrap_or_else(PoisonError::into_inner);
        if rules.is_empty() {
            all.remove(bucket);
        } else {
            all.insert(bucket.to_owned(), rules);
        }
    }

    /// `bucket`'s rules (GetBucketCors), `None` without a configuration.
    pub(crate) fn get(&self, bucket: &str) -> Option<Vec<CORSRule>> {
        let all = self.rules.read().unwrap_or_else(PoisonError::into_inner);
        all.get(bucket).cloned()
    }

    /// Removes `bucket`'s configuration (DeleteBucketCors).
    pub(crate) fn remove(&self, bucket: &str) {
        self.set(bucket, Vec::new());
    }

    /// The answer to a preflight (`OPTIONS`) on `bucket` with `request`'s headers: the
    /// allowed origin, methods, headers, exposed headers and max age of the first rule that
    /// allows them all, or S3's `403 AccessForbidden`.
    pub(crate) fn preflight(
        &self,
        bucket: &str,
        request: &HeaderMap,
    ) -> Result<HeaderMap, HttpRejection> {
        let all = self.rules.read().unwrap_or_else(PoisonError::into_inner);
        let rules = all
            .get(bucket)
            .ok_or_else(|| forbidden("CORSResponse: CORS is not enabled for this bucket."))?;
        let origin = header_text(request, ORIGIN.as_str());
        let method = header_text(request, ACCESS_CONTROL_REQUEST_METHOD.as_str());
        let (Some(origin), Some(method)) = (origin, method) else {
            return Err(HttpRejection::new(
                400,
                "BadRequest",
                "Insufficient information. Origin request header needed.",
            ));
        };
        let asked: Vec<&str> = header_text(request, ACCESS_CONTROL_REQUEST_HEADERS.as_str())
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let rule = rules
            .iter()
            .find(|rule| {
                allows_origin(rule, origin)
                    && allows_method(rule, method)
                    && asked.iter().all(|name| allows_header(rule, name))
            })
            .ok_or_else(|| {
                forbidden(
                    "CORSResponse: This CORS request is not allowed. This is usually because the \
                     evalution of Origin, request method / Access-Control-Request-Method or \
                     Access-Control-Request-Headers are not whitelisted by the resource's CORS \
                     spec.",
                )
            })?;
        let mut answer = HeaderMap::new();
        allow(&mut answer, rule, origin);
        if !asked.is_empty() {
            insert(&mut answer, ACCESS_CONTROL_ALLOW_HEADERS, &asked.join(", "));
        }
        if let Some(seconds) = rule.max_age_seconds {
            insert(&mut answer, ACCESS_CONTROL_MAX_AGE, &seconds.to_string());
        }
        answer.insert(
            VARY,
            HeaderValue::from_static(
                "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
            ),
        );
        Ok(answer)
    }

    /// The CORS headers of an answer to `method` from `origin` on `bucket`: empty when no
    /// rule allows them (the browser then hides the answer from the page).
    pub(crate) fn answer_headers(&self, bucket: &str, origin: &str, method: &str) -> HeaderMap {
        let mut answer = HeaderMap::new();
        let all = self.rules.read().unwrap_or_else(PoisonError::into_inner);
        let rule = all.get(bucket).and_then(|rules| {
            rules
                .iter()
                .find(|rule| allows_origin(rule, origin) && allows_method(rule, method))
        });
        if let Some(rule) = rule {
            allow(&mut answer, rule, origin);
            answer.insert(VARY, HeaderValue::from_static("Origin"));
        }
        answer
    }
}

/// The rule `HttpServer::allow_origins` sets: pages from `origins` may send every method
/// the server answers with any header, and read the `ETag`.
pub(crate) fn origins_rule(origins: Vec<String>) -> CORSRule {
    CORSRule {
        allowed_headers: Some(vec!["*".to_owned()]),
        allowed_methods: ["GET", "PUT", "POST", "DELETE", "HEAD"]
            .map(str::to_owned)
            .to_vec(),
        allowed_origins: origins,
        expose_headers: Some(vec!["ETag".to_owned()]),
        id: None,
        max_age_seconds: Some(600),
    }
}

/// Checks a configuration as S3 does before storing it: at least one rule, each with an
/// origin and a method S3 knows, and at most one `*` in each origin and header.
pub(crate) fn validate(rules: &[CORSRule]) -> Result<(), String> {
    if rules.is_empty() {
        return Err("a CORS configuration needs at least one CORSRule".to_owned());
    }
    if rules.len() > 100 {
        return Err("a CORS configuration holds at most 100 rules".to_owned());
    }
    for rule in rules {
        if rule.allowed_origins.is_empty() || rule.allowed_methods.is_empty() {
            return Err("every CORSRule needs an AllowedOrigin and an AllowedMethod".to_owned());
        }
        if let Some(method) = rule
            .allowed_methods
            .iter()
            .find(|method| !matches!(method.as_str(), "GET" | "PUT" | "POST" | "DELETE" | "HEAD"))
        {
            return Err(format!(
                "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
            ));
        }
        let patterns = rule
            .allowed_origins
            .iter()
            .chain(rule.allowed_headers.iter().flatten());
        if let Some(pattern) = patterns
            .into_iter()
            .find(|pattern| pattern.matches('*').count() > 1)
        {
            return Err(format!("{pattern:?} can not have more than one wildcard."));
        }
    }
    Ok(())
}

/// Whether one of `rule`'s origins (each with at most one `*`) matches `origin`.
fn allows_origin(rule: &CORSRule, origin: &str) -> bool {
    rule.allowed_origins
        .iter()
        .any(|pattern| wildcard_match(pattern, origin, false))
}

fn allows_method(rule: &CORSRule, method: &str) -> bool {
    rule.allowed_methods.iter().any(|allowed| allowed == method)
}

/// Whether one of `rule`'s headers matches `name`, ignoring case as HTTP does.
fn allows_header(rule: &CORSRule, name: &str) -> bool {
    rule.allowed_headers
        .iter()
        .flatten()
        .any(|pattern| wildcard_match(pattern, name, true))
}

/// `*` when the rule allows any origin, else the request's origin.
fn allowed_origin<'a>(rule: &CORSRule, origin: &'a str) -> &'a str {
    if rule.allowed_origins.iter().any(|pattern| pattern == "*") {
        "*"
    } else {
        origin
    }
}

/// What every answer a `rule` allows carries: the origin, the rule's methods, and the
/// headers it exposes.
fn allow(answer: &mut HeaderMap, rule: &CORSRule, origin: &str) {
    insert(
        answer,
        ACCESS_CONTROL_ALLOW_ORIGIN,
        allowed_origin(rule, origin),
    );
    insert(
        answer,
        ACCESS_CONTROL_ALLOW_METHODS,
        &rule.allowed_methods.join(", "),
    );
    expose(answer, rule);
}

fn expose(answer: &mut HeaderMap, rule: &CORSRule) {
    if let Some(names) = rule
        .expose_headers
        .as_ref()
        .filter(|names| !names.is_empty())
    {
        insert(answer, ACCESS_CONTROL_EXPOSE_HEADERS, &names.join(", "));
    }
}

/// Inserts `value` when it is a valid header value (a rule's text always is: it came from
/// XML text and request headers).
fn insert(answer: &mut HeaderMap, name: http::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        answer.insert(name, value);
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// `pattern` with at most one `*` (any run of characters) against `value`.
fn wildcard_match(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let equal = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match pattern.split_once('*') {
        None => equal(pattern, value),
        Some((head, tail)) => {
            value.len() >= head.len() + tail.len()
                && value.is_char_boundary(head.len())
                && value.is_char_boundary(value.len() - tail.len())
                && equal(&value[..head.len()], head)
                && equal(&value[value.len() - tail.len()..], tail)
        }
    }
}

fn forbidden(message: &'static str) -> HttpRejection {
    HttpRejection::new(403, "AccessForbidden", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(origins: &[&str], methods: &[&str], headers: &[&str]) -> CORSRule {
        CORSRule {
            allowed_headers: Some(headers.iter().map(|h| (*h).to_owned()).collect()),
            allowed_methods: methods.iter().map(|m| (*m).to_owned()).collect(),
            allowed_origins: origins.iter().map(|o| (*o).to_owned()).collect(),
            expose_headers: Some(vec!["ETag".to_owned()]),
            id: None,
            max_age_seconds: Some(30),
        }
    }

    fn preflight_headers(origin: &str, method: &str, headers: &str) -> HeaderMap {
        let mut request = HeaderMap::new();
        request.insert(ORIGIN, HeaderValue::from_str(origin).unwrap());
        request.insert(
            ACCESS_CONTROL_REQUEST_METHOD,
            HeaderValue::from_str(method).unwrap(),
        );
        if !headers.is_empty() {
            request.insert(
                ACCESS_CONTROL_REQUEST_HEADERS,
                HeaderValue::from_str(headers).unwrap(),
            );
        }
        request
    }

    #[test]
    fn wildcards_match_one_run_of_characters() {
        assert!(wildcard_match(
            "http://*.example.com",
            "http://a.b.example.com",
            false
        ));
        assert!(!wildcard_match(
            "http://*.example.com",
            "http://example.com",
            false
        ));
        assert!(wildcard_match("x-amz-*", "X-Amz-Date", true));
        assert!(wildcard_match("*", "anything", false));
        assert!(!wildcard_match("http://a.com", "http://b.com", false));
    }

    #[test]
    fn a_preflight_is_answered_by_the_first_rule_that_allows_it_all() {
        let cors = BucketCors::default();
        cors.set(
            "b",
            vec![
                rule(&["http://app.example"], &["GET"], &[]),
                rule(
                    &["http://*.example"],
                    &["PUT", "GET"],
                    &["content-type", "x-amz-*"],
                ),
            ],
        );
        let answer = cors
            .preflight(
                "b",
                &preflight_headers("http://app.example", "PUT", "Content-Type, X-Amz-Date"),
            )
            .unwrap();
        assert_eq!(answer[ACCESS_CONTROL_ALLOW_ORIGIN], "http://app.example");
        assert_eq!(answer[ACCESS_CONTROL_ALLOW_METHODS], "PUT, GET");
        assert_eq!(
            answer[ACCESS_CONTROL_ALLOW_HEADERS],
            "Content-Type, X-Amz-Date"
        );
        assert_eq!(answer[ACCESS_CONTROL_MAX_AGE], "30");

        let refused = cors
            .preflight(
                "b",
                &preflight_headers("http://app.example", "PUT", "authorization"),
            )
            .unwrap_err();
        assert_eq!((refused.status, refused.code), (403, "AccessForbidden"));
        let no_config = cors
            .preflight("other", &preflight_headers("http://app.example", "GET", ""))
            .unwrap_err();
        assert_eq!(no_config.status, 403);
    }

    #[test]
    fn answers_carry_cors_headers_only_for_allowed_origins_and_methods() {
        let cors = BucketCors::default();
        cors.set("b", vec![rule(&["*"], &["GET"], &[])]);
        assert_eq!(
            cors.answer_headers("b", "http://x", "GET")[ACCESS_CONTROL_ALLOW_ORIGIN],
            "*"
        );
        assert!(cors.answer_headers("b", "http://x", "PUT").is_empty());
        cors.remove("b");
        assert!(cors.get("b").is_none());
        assert!(cors.answer_headers("b", "http://x", "GET").is_empty());
    }

    #[test]
    fn configurations_s3_refuses_are_refused() {
        assert!(validate(&[]).is_err());
        assert!(validate(&[rule(&["http://*.*.com"], &["GET"], &[])]).is_err());
        assert!(validate(&[rule(&["*"], &["PATCH"], &[])]).is_err());
        assert!(validate(&[rule(&["*"], &["GET"], &["*"])]).is_ok());
    }
}
