//! Whether an `aws-config` configuration points S3 at a custom endpoint rather than AWS.

use aws_config::SdkConfig;
use aws_types::service_config::ServiceConfigKey;

/// True when S3 requests will go to a custom endpoint URL: one set for every service
/// (`endpoint_url`, `AWS_ENDPOINT_URL`) or for S3 alone (`AWS_ENDPOINT_URL_S3`, an `s3`
/// section's `endpoint_url` in the profile), as the SDK itself resolves it.
pub(crate) fn custom_endpoint(config: &SdkConfig) -> bool {
    if config.endpoint_url().is_some() {
        return true;
    }
    let key = ServiceConfigKey::builder()
        .service_id("S3")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build();
    match (key, config.service_config()) {
        (Ok(key), Some(service)) => service.load_config(key).is_some(),
        (Ok(_), None) => false,
        // Every field is set, so this cannot happen; when unsure, treat the endpoint as
        // custom, which keeps conditional writes off rather than risking an overwrite.
        (Err(_), _) => true,
    }
}

#[cfg(test)]
mod tests {
    use aws_config::BehaviorVersion;
    use aws_types::service_config::LoadServiceConfig;

    use super::*;

    /// A service configuration that answers one S3 endpoint URL.
    #[derive(Debug)]
    struct S3Only;

    impl LoadServiceConfig for S3Only {
        fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
            (key.service_id() == "S3" && key.env() == "AWS_ENDPOINT_URL")
                .then(|| "http://127.0.0.1:3900".to_owned())
        }
    }

    #[test]
    fn aws_has_no_custom_endpoint() {
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build();
        assert!(!custom_endpoint(&config));
    }

    #[test]
    fn a_shared_or_an_s3_only_endpoint_is_custom() {
        let shared = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url("http://127.0.0.1:3900")
            .build();
        assert!(custom_endpoint(&shared));
        let s3_only = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .service_config(S3Only)
            .build();
        assert!(custom_endpoint(&s3_only));
    }
}
