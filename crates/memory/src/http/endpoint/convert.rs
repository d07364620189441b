//! S3's wire types and the store's, both ways: ETags, times, attributes, conditions.

use std::collections::BTreeMap;
use std::time::SystemTime;

use http::HeaderMap;
use s3s::S3Result;
use s3s::dto::{ETag, ETagCondition, Metadata, Timestamp};
use stowage_core::{ObjectMeta, PutMode, PutOptions};

use super::errors::invalid_argument;

/// The store's quoted ETag (`"abc"`, or `W/"abc"`) as S3's type.
pub(super) fn etag(quoted: &str) -> ETag {
    quoted
        .parse()
        .unwrap_or_else(|_| ETag::Strong(quoted.trim_matches('"').to_owned()))
}

/// S3's ETag as the store writes it: quoted.
pub(super) fn quoted(etag: &ETag) -> String {
    format!("\"{}\"", etag.value())
}

/// A condition header's value as the store reads it: a quoted ETag, or `*`.
pub(super) fn condition(condition: &ETagCondition) -> String {
    match condition {
        ETagCondition::Any => "*".to_owned(),
        ETagCondition::ETag(etag) => quoted(etag),
    }
}

/// S3's time as the store's.
pub(super) fn system_time(timestamp: Timestamp) -> SystemTime {
    time::OffsetDateTime::from(timestamp).into()
}

/// The store's time as S3's.
pub(super) fn timestamp(time: SystemTime) -> Timestamp {
    Timestamp::from(time)
}

/// The mode of a write under `If-None-Match` and `If-Match`, as S3 reads them: `*` in the
/// first creates only, an ETag in the second replaces only that version.
pub(super) fn write_mode(
    if_none_match: Option<&ETagCondition>,
    if_match: Option<&ETagCondition>,
) -> S3Result<PutMode> {
    match (if_none_match, if_match) {
        (None, None) => Ok(PutMode::Overwrite),
        (Some(ETagCondition::Any), None) => Ok(PutMode::Create),
        (None, Some(ETagCondition::ETag(etag))) => Ok(PutMode::IfMatch(quoted(etag))),
        (Some(ETagCondition::ETag(_)), _) => Err(super::errors::not_implemented(
            "If-None-Match with an ETag on a write (S3 takes only `*`)",
        )),
        (None, Some(ETagCondition::Any)) => {
            Err(super::errors::not_implemented("If-Match: * on a write"))
        }
        (Some(_), Some(_)) => Err(invalid_argument(
            "If-None-Match and If-Match cannot be combined on a write",
        )),
    }
}

/// The conditions of a write sent as raw headers (operations whose `s3s` input lacks them,
/// such as CopyObject).
pub(super) fn write_mode_of_headers(headers: &HeaderMap) -> S3Result<PutMode> {
    let parse = |name: &str| -> S3Result<Option<ETagCondition>> {
        headers
            .get(name)
            .map(|value| {
                ETagCondition::parse_http_header(value.as_bytes())
                    .map_err(|_| invalid_argument(format!("{name} is not an ETag or `*`")))
            })
            .transpose()
    };
    write_mode(
        parse("if-none-match")?.as_ref(),
        parse("if-match")?.as_ref(),
    )
}

/// The attributes a request sets on the object it writes.
#[derive(Debug, Default)]
pub(super) struct Attributes {
    /// `Content-Type`.
    pub(super) content_type: Option<String>,
    /// `Cache-Control`.
    pub(super) cache_control: Option<String>,
    /// `Content-Disposition`.
    pub(super) content_disposition: Option<String>,
    /// `Content-Encoding`, without the `aws-chunked` framing of the upload itself.
    pub(super) content_encoding: Option<String>,
    /// `Content-Language`.
    pub(super) content_language: Option<String>,
    /// `x-amz-meta-*`.
    pub(super) metadata: Option<Metadata>,
}

impl Attributes {
    /// The store's options for a write of these attributes under `mode`; user metadata over
    /// S3's 2 KiB (names and values, in UTF-8 bytes) is `400 MetadataTooLarge`.
    pub(super) fn into_put_options(self, mode: PutMode) -> S3Result<PutOptions> {
        let metadata_bytes: usize = self
            .metadata
            .iter()
            .flatten()
            .map(|(name, value)| name.len() + value.len())
            .sum();
        if metadata_bytes > MAX_METADATA_BYTES {
            return Err(super::errors::coded(
                s3s::S3ErrorCode::MetadataTooLarge,
                http::StatusCode::BAD_REQUEST,
                "Your metadata headers exceed the maximum allowed metadata size.",
            ));
        }
        let mut options = PutOptions::new().mode(mode);
        options.content_type = self.content_type;
        options.cache_control = self.cache_control;
        options.content_disposition = self.content_disposition;
        options.content_encoding = self.content_encoding.and_then(without_aws_chunked);
        options.content_language = self.content_language;
        options.metadata = self
            .metadata
            .map(|metadata| metadata.into_iter().collect::<BTreeMap<_, _>>())
            .unwrap_or_default();
        Ok(options)
    }
}

/// S3's limit on an object's user metadata, names and values together.
const MAX_METADATA_BYTES: usize = 2 * 1024;

/// `Content-Encoding` without `aws-chunked`, which names how the upload was framed and is
/// not stored, as S3 does; `None` when nothing else remains.
fn without_aws_chunked(encoding: String) -> Option<String> {
    let kept: Vec<&str> = encoding
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty() && !part.eq_ignore_ascii_case("aws-chunked"))
        .collect();
    (!kept.is_empty()).then(|| kept.join(","))
}

/// User metadata as S3 sends it, `None` when there is none.
pub(super) fn metadata(meta: &ObjectMeta) -> Option<Metadata> {
    (!meta.metadata.is_empty()).then(|| {
        meta.metadata
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_keep_their_quotes_both_ways() {
        let parsed = etag("\"abc-2\"");
        assert_eq!(parsed, ETag::Strong("abc-2".into()));
        assert_eq!(quoted(&parsed), "\"abc-2\"");
        assert_eq!(condition(&ETagCondition::Any), "*");
    }

    #[test]
    fn write_conditions_map_to_modes() {
        assert_eq!(write_mode(None, None).unwrap(), PutMode::Overwrite);
        assert_eq!(
            write_mode(Some(&ETagCondition::Any), None).unwrap(),
            PutMode::Create
        );
        let tag = ETagCondition::ETag(ETag::Strong("v1".into()));
        assert_eq!(
            write_mode(None, Some(&tag)).unwrap(),
            PutMode::IfMatch("\"v1\"".into())
        );
        assert!(write_mode(Some(&ETagCondition::Any), Some(&tag)).is_err());
        let mut headers = HeaderMap::new();
        headers.insert("if-none-match", "*".parse().unwrap());
        assert_eq!(write_mode_of_headers(&headers).unwrap(), PutMode::Create);
    }

    #[test]
    fn user_metadata_over_2_kib_is_refused() {
        let with = |len: usize| Attributes {
            metadata: Some([("k".to_owned(), "v".repeat(len))].into_iter().collect()),
            ..Attributes::default()
        };
        assert!(with(2047).into_put_options(PutMode::Overwrite).is_ok());
        let error = with(2048).into_put_options(PutMode::Overwrite).unwrap_err();
        assert_eq!(error.code(), &s3s::S3ErrorCode::MetadataTooLarge);
    }

    #[test]
    fn aws_chunked_is_not_stored_as_an_encoding() {
        assert_eq!(without_aws_chunked("aws-chunked".into()), None);
        assert_eq!(
            without_aws_chunked("gzip, aws-chunked".into()).as_deref(),
            Some("gzip")
        );
        assert_eq!(without_aws_chunked("gzip".into()).as_deref(), Some("gzip"));
    }
}
