//! SDK outputs as core's metadata: [`ObjectMeta`] from GetObject and HeadObject,
//! [`ObjectSummary`] from a listing entry.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::primitives::DateTime;
use aws_sdk_s3::types::Object;
use stowage_core::{ObjectMeta, ObjectSummary, Result, S3Path};

/// The object headers GetObject and HeadObject both return.
pub(crate) trait ObjectHeaders {
    /// `Content-Length`.
    fn content_length(&self) -> Option<i64>;
    /// `ETag`, quotes included.
    fn e_tag(&self) -> Option<&str>;
    /// `Last-Modified`.
    fn last_modified(&self) -> Option<&DateTime>;
    /// `Content-Type`.
    fn content_type(&self) -> Option<&str>;
    /// `Cache-Control`.
    fn cache_control(&self) -> Option<&str>;
    /// `Content-Disposition`.
    fn content_disposition(&self) -> Option<&str>;
    /// `Content-Encoding`.
    fn content_encoding(&self) -> Option<&str>;
    /// `Content-Language`.
    fn content_language(&self) -> Option<&str>;
    /// The `x-amz-meta-*` user metadata.
    fn metadata(&self) -> Option<&HashMap<String, String>>;
}

/// Implements [`ObjectHeaders`] for SDK outputs whose accessors have the trait's names.
macro_rules! object_headers {
    ($($output:ty),* $(,)?) => {$(
        impl ObjectHeaders for $output {
            fn content_length(&self) -> Option<i64> {
                self.content_length()
            }
            fn e_tag(&self) -> Option<&str> {
                self.e_tag()
            }
            fn last_modified(&self) -> Option<&DateTime> {
                self.last_modified()
            }
            fn content_type(&self) -> Option<&str> {
                self.content_type()
            }
            fn cache_control(&self) -> Option<&str> {
                self.cache_control()
            }
            fn content_disposition(&self) -> Option<&str> {
                self.content_disposition()
            }
            fn content_encoding(&self) -> Option<&str> {
                self.content_encoding()
            }
            fn content_language(&self) -> Option<&str> {
                self.content_language()
            }
            fn metadata(&self) -> Option<&HashMap<String, String>> {
                self.metadata()
            }
        }
    )*};
}

object_headers!(GetObjectOutput, HeadObjectOutput);

/// The metadata of the object at `path`, from the headers S3 returned for it.
pub(crate) fn object_meta(path: &S3Path, headers: &impl ObjectHeaders) -> ObjectMeta {
    ObjectMeta {
        path: path.clone(),
        size: non_negative(headers.content_length()),
        etag: headers.e_tag().map(str::to_owned),
        last_modified: system_time(headers.last_modified()),
        content_type: headers.content_type().map(str::to_owned),
        cache_control: headers.cache_control().map(str::to_owned),
        content_disposition: headers.content_disposition().map(str::to_owned),
        content_encoding: headers.content_encoding().map(str::to_owned),
        content_language: headers.content_language().map(str::to_owned),
        metadata: user_metadata(headers.metadata()),
    }
}

/// A listing entry of `bucket`; `None` for an entry without a key.
pub(crate) fn object_summary(bucket: &str, object: &Object) -> Result<Option<ObjectSummary>> {
    let Some(key) = object.key() else {
        return Ok(None);
    };
    Ok(Some(ObjectSummary {
        path: S3Path::new(bucket, key)?,
        size: non_negative(object.size()),
        etag: object.e_tag().map(str::to_owned),
        last_modified: system_time(object.last_modified()),
    }))
}

/// A size S3 reports as a signed number; missing or negative reads as 0.
fn non_negative(value: Option<i64>) -> u64 {
    value.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

/// An SDK timestamp as a [`SystemTime`], when it has one.
pub(crate) fn system_time(value: Option<&DateTime>) -> Option<SystemTime> {
    value.and_then(|t| SystemTime::try_from(*t).ok())
}

/// User metadata with lowercase names, in name order.
fn user_metadata(value: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    value
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}
