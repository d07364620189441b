//! The raw AWS SDK against the memory backend served as an S3 endpoint
//! (`stowage_testkit::servers::memory_endpoint`): the operations and answers stowage's own
//! S3 backend does not send, each as S3 answers it.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart, CorsConfiguration, CorsRule,
};
use stowage_testkit::servers::memory_endpoint::{CREDENTIALS, MemoryEndpoint};

use super::*;

/// The SDK client as an application builds it, on the process's memory endpoint.
fn sdk() -> Client {
    capture_logs();
    let endpoint = MemoryEndpoint::get();
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&endpoint.endpoint)
        .force_path_style(true)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            CREDENTIALS.0,
            CREDENTIALS.1,
            None,
            None,
            "test",
        ))
        .build();
    Client::from_conf(config)
}

/// A key prefix unique to this test. Unlike the other modules' prefixes it is not
/// forbidden in logs: the raw SDK, not stowage, logs these requests' keys at debug level.
fn sdk_prefix(test: &str) -> String {
    format!("sdk-{}/", unique_name(test))
}

/// The first of the endpoint's buckets.
const BUCKET: &str = stowage_testkit::backends::BUCKETS[0];

/// The S3 error code of an SDK error.
fn code_of<E: aws_sdk_s3::error::ProvideErrorMetadata>(error: &E) -> Option<&str> {
    error.code()
}

/// The HTTP status of an SDK error.
fn status_of<E>(
    error: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> Option<u16> {
    error
        .raw_response()
        .map(|response| response.status().as_u16())
}

#[tokio::test(flavor = "multi_thread")]
async fn list_objects_v1_pages_past_rolled_up_prefixes() {
    let sdk = sdk();
    let prefix = sdk_prefix("v1");
    for key in ["a/1", "a/2", "a/3", "b", "c/1", "d"] {
        sdk.put_object()
            .bucket(BUCKET)
            .key(format!("{prefix}{key}"))
            .body(ByteStream::from_static(b"x"))
            .send()
            .await
            .unwrap();
    }
    let mut marker: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let page = sdk
            .list_objects()
            .bucket(BUCKET)
            .prefix(&prefix)
            .delimiter("/")
            .max_keys(1)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        for object in page.contents() {
            seen.push(object.key().unwrap().trim_start_matches(&prefix).to_owned());
        }
        for common in page.common_prefixes() {
            seen.push(
                common
                    .prefix()
                    .unwrap()
                    .trim_start_matches(&prefix)
                    .to_owned(),
            );
        }
        if page.is_truncated() != Some(true) {
            break;
        }
        marker = page.next_marker().map(str::to_owned);
        assert!(
            marker.is_some(),
            "a truncated V1 page names its next marker"
        );
    }
    assert_eq!(seen, ["a/", "b", "c/", "d"]);

    // `max-keys=0`: an empty page of an existing bucket, `NoSuchBucket` for a missing one.
    let none = sdk
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix(&prefix)
        .max_keys(0)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (none.key_count(), none.is_truncated()),
        (Some(0), Some(false))
    );
    let missing = sdk
        .list_objects()
        .bucket("no-such-bucket-here")
        .max_keys(0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&missing), Some("NoSuchBucket"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_multipart_family_with_a_copied_part_and_paged_listings() {
    let sdk = sdk();
    let prefix = sdk_prefix("multipart");
    let source_key = format!("{prefix}source");
    let source = stowage_testkit::support::pattern(6 << 20, 7);
    sdk.put_object()
        .bucket(BUCKET)
        .key(&source_key)
        .body(ByteStream::from(source.clone()))
        .send()
        .await
        .unwrap();
    let key = format!("{prefix}assembled");
    let upload = sdk
        .create_multipart_upload()
        .bucket(BUCKET)
        .key(&key)
        .content_type("application/x-test")
        .checksum_algorithm(ChecksumAlgorithm::Crc32C)
        .send()
        .await
        .unwrap();
    let upload_id = upload.upload_id().unwrap();

    let first = stowage_testkit::support::pattern(5 << 20, 1);
    let part1 = sdk
        .upload_part()
        .bucket(BUCKET)
        .key(&key)
        .upload_id(upload_id)
        .part_number(1)
        .checksum_algorithm(ChecksumAlgorithm::Crc32C)
        .body(ByteStream::from(first.clone()))
        .send()
        .await
        .unwrap();
    let part2 = sdk
        .upload_part_copy()
        .bucket(BUCKET)
        .key(&key)
        .upload_id(upload_id)
        .part_number(2)
        .copy_source(format!("{BUCKET}/{source_key}"))
        .copy_source_range("bytes=1024-2047")
        .send()
        .await
        .unwrap();

    let page = sdk
        .list_parts()
        .bucket(BUCKET)
        .key(&key)
        .upload_id(upload_id)
        .max_parts(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.parts().len(), 1);
    assert_eq!(page.is_truncated(), Some(true));
    assert_eq!(
        page.parts()[0].checksum_crc32_c(),
        part1.checksum_crc32_c(),
        "a part keeps the checksum it was uploaded with"
    );
    assert!(part1.checksum_crc32_c().is_some());
    let rest = sdk
        .list_parts()
        .bucket(BUCKET)
        .key(&key)
        .upload_id(upload_id)
        .part_number_marker(page.next_part_number_marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.parts()[0].part_number(), Some(2));
    assert_eq!(rest.parts()[0].size(), Some(1024));

    let pending = sdk
        .list_multipart_uploads()
        .bucket(BUCKET)
        .prefix(&prefix)
        .send()
        .await
        .unwrap();
    assert_eq!(pending.uploads().len(), 1);
    assert_eq!(pending.uploads()[0].upload_id(), Some(upload_id));

    let parts = CompletedMultipartUpload::builder()
        .parts(
            CompletedPart::builder()
                .part_number(1)
                .e_tag(part1.e_tag().unwrap())
                .build(),
        )
        .parts(
            CompletedPart::builder()
                .part_number(2)
                .e_tag(part2.copy_part_result().unwrap().e_tag().unwrap())
                .build(),
        )
        .build();
    let done = sdk
        .complete_multipart_upload()
        .bucket(BUCKET)
        .key(&key)
        .upload_id(upload_id)
        .multipart_upload(parts)
        .send()
        .await
        .unwrap();
    assert!(
        done.e_tag().unwrap().ends_with("-2\""),
        "{:?}",
        done.e_tag()
    );

    let object = sdk
        .get_object()
        .bucket(BUCKET)
        .key(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(object.content_type(), Some("application/x-test"));
    let body = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(body.len(), (5 << 20) + 1024);
    assert_eq!(&body[..5 << 20], &first[..]);
    assert_eq!(&body[5 << 20..], &source[1024..2048]);
    let pending = sdk
        .list_multipart_uploads()
        .bucket(BUCKET)
        .prefix(&prefix)
        .send()
        .await
        .unwrap();
    assert!(pending.uploads().is_empty());

    let unknown = sdk
        .abort_multipart_upload()
        .bucket(BUCKET)
        .key(&key)
        .upload_id("no-such-upload")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&unknown), Some("NoSuchUpload"));
    let bad_number = sdk
        .upload_part()
        .bucket(BUCKET)
        .key(&key)
        .upload_id(upload_id)
        .part_number(10_001)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&bad_number), Some(400));
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_take_overrides_ranges_and_conditions() {
    let sdk = sdk();
    let key = format!("{}doc.txt", sdk_prefix("reads"));
    let put = sdk
        .put_object()
        .bucket(BUCKET)
        .key(&key)
        .content_type("text/plain")
        .metadata("study", "ct-0001")
        .body(ByteStream::from_static(b"0123456789"))
        .send()
        .await
        .unwrap();
    let etag = put.e_tag().unwrap().to_owned();

    let ranged = sdk
        .get_object()
        .bucket(BUCKET)
        .key(&key)
        .range("bytes=2-4")
        .response_content_type("application/json")
        .response_content_disposition("attachment")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.content_range(), Some("bytes 2-4/10"));
    assert_eq!(ranged.content_type(), Some("application/json"));
    assert_eq!(ranged.content_disposition(), Some("attachment"));
    assert_eq!(
        ranged.metadata().unwrap().get("study").map(String::as_str),
        Some("ct-0001")
    );
    assert_eq!(
        ranged.body.collect().await.unwrap().into_bytes().as_ref(),
        b"234"
    );

    let not_modified = sdk
        .get_object()
        .bucket(BUCKET)
        .key(&key)
        .if_none_match(&etag)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&not_modified), Some(304));
    let failed = sdk
        .head_object()
        .bucket(BUCKET)
        .key(&key)
        .if_match("\"0000\"")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&failed), Some(412));
    let past_end = sdk
        .get_object()
        .bucket(BUCKET)
        .key(&key)
        .range("bytes=20-30")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&past_end), Some(416));
}

#[tokio::test(flavor = "multi_thread")]
async fn checksums_are_verified_and_echoed() {
    let sdk = sdk();
    let prefix = sdk_prefix("checksums");
    for algorithm in [
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32C,
        ChecksumAlgorithm::Sha1,
        ChecksumAlgorithm::Sha256,
        ChecksumAlgorithm::Crc64Nvme,
    ] {
        let put = sdk
            .put_object()
            .bucket(BUCKET)
            .key(format!("{prefix}{}", algorithm.as_str()))
            .checksum_algorithm(algorithm.clone())
            .body(ByteStream::from_static(b"checked body"))
            .send()
            .await
            .unwrap_or_else(|error| panic!("{algorithm:?}: {error:?}"));
        assert!(put.e_tag().is_some(), "{algorithm:?}");
    }
    let wrong = sdk
        .put_object()
        .bucket(BUCKET)
        .key(format!("{prefix}wrong"))
        .checksum_crc32(BASE64.encode(1234u32.to_be_bytes()))
        .body(ByteStream::from_static(b"checked body"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&wrong), Some("BadDigest"));
    let listed = sdk
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix(&prefix)
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.key_count(),
        Some(5),
        "the refused put stored nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn buckets_are_created_listed_and_deleted_only_when_empty() {
    let sdk = sdk();
    let bucket = format!("made-{}", unique_name("b").to_lowercase())
        .chars()
        .take(63)
        .collect::<String>();
    sdk.create_bucket().bucket(&bucket).send().await.unwrap();
    let listed = sdk.list_buckets().send().await.unwrap();
    assert!(
        listed
            .buckets()
            .iter()
            .any(|b| b.name() == Some(bucket.as_str()))
    );
    assert!(listed.buckets().iter().all(|b| b.creation_date().is_some()));
    sdk.head_bucket().bucket(&bucket).send().await.unwrap();
    sdk.put_object()
        .bucket(&bucket)
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    let not_empty = sdk
        .delete_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&not_empty), Some("BucketNotEmpty"));
    assert_eq!(status_of(&not_empty), Some(409));
    sdk.delete_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    sdk.delete_bucket().bucket(&bucket).send().await.unwrap();
    let gone = sdk.head_bucket().bucket(&bucket).send().await.unwrap_err();
    assert_eq!(status_of(&gone), Some(404));
    let missing = sdk
        .put_object()
        .bucket(&bucket)
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&missing), Some("NoSuchBucket"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bucket_cors_rules_answer_preflights() {
    let sdk = sdk();
    let bucket = "stowage-test-2";
    let rule = CorsRule::builder()
        .allowed_origins("http://*.page.example")
        .allowed_methods("PUT")
        .allowed_headers("content-type")
        .expose_headers("ETag")
        .max_age_seconds(120)
        .build()
        .unwrap();
    sdk.put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(
            CorsConfiguration::builder()
                .cors_rules(rule)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let rules = sdk.get_bucket_cors().bucket(bucket).send().await.unwrap();
    assert_eq!(
        rules.cors_rules()[0].allowed_origins(),
        ["http://*.page.example"]
    );

    let preflight = |origin: &'static str| {
        reqwest::Client::new()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/{bucket}/some/key", MemoryEndpoint::get().endpoint),
            )
            .header("origin", origin)
            .header("access-control-request-method", "PUT")
            .header("access-control-request-headers", "Content-Type")
            .send()
    };
    let allowed = preflight("http://app.page.example").await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://app.page.example"
    );
    assert_eq!(allowed.headers()["access-control-max-age"], "120");
    assert_eq!(allowed.headers()["access-control-expose-headers"], "ETag");
    assert_eq!(
        preflight("http://elsewhere.example")
            .await
            .unwrap()
            .status(),
        403
    );

    sdk.delete_bucket_cors()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let none = sdk
        .get_bucket_cors()
        .bucket(bucket)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&none), Some("NoSuchCORSConfiguration"));
    assert_eq!(
        preflight("http://app.page.example").await.unwrap().status(),
        403
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deletes_in_batches_report_every_key() {
    let sdk = sdk();
    let prefix = sdk_prefix("batch");
    for key in ["a", "b"] {
        sdk.put_object()
            .bucket(BUCKET)
            .key(format!("{prefix}{key}"))
            .body(ByteStream::from_static(b"x"))
            .send()
            .await
            .unwrap();
    }
    let objects = ["a", "b", "never-there"].map(|key| {
        aws_sdk_s3::types::ObjectIdentifier::builder()
            .key(format!("{prefix}{key}"))
            .build()
            .unwrap()
    });
    let deleted = sdk
        .delete_objects()
        .bucket(BUCKET)
        .delete(
            aws_sdk_s3::types::Delete::builder()
                .set_objects(Some(objects.to_vec()))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.deleted().len(),
        3,
        "S3 reports a missing key as deleted"
    );
    assert!(deleted.errors().is_empty());
    let listed = sdk
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix(&prefix)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.key_count(), Some(0));
}
