//! The S3-compatible server integration tests run against.
//!
//! [`TestServer::get`] answers the same server to every test of a binary. When the
//! `STOWAGE_TEST_S3_*` variables are set (`scripts/test.sh` sets them), it is the server they
//! name. Otherwise the binary starts a private Garage from the cache (see
//! [`crate::servers::garage`]), which stops when the binary exits. Where neither is possible the call
//! panics with the command that installs Garage: a server test never passes by skipping.

use std::fmt;
use std::sync::OnceLock;

use crate::servers::garage::PrivateGarage;

/// Names of the variables that point the tests at a running server.
pub const ENV_VARS: [&str; 6] = [
    "STOWAGE_TEST_S3_ENDPOINT",
    "STOWAGE_TEST_S3_REGION",
    "STOWAGE_TEST_S3_ACCESS_KEY_ID",
    "STOWAGE_TEST_S3_SECRET_ACCESS_KEY",
    "STOWAGE_TEST_S3_BUCKET",
    "STOWAGE_TEST_S3_BUCKET2",
];

/// Connection settings of the test server: endpoint, region, credentials, two buckets.
///
/// `Debug` redacts the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct TestServer {
    /// The S3 endpoint, `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The region requests are signed for.
    pub region: String,
    /// The access key id of a key that owns both buckets.
    pub access_key_id: String,
    /// Its secret.
    pub secret_access_key: String,
    /// A bucket the tests may write to.
    pub bucket: String,
    /// A second bucket, for cross-bucket copies and batch deletes.
    pub bucket2: String,
}

impl TestServer {
    /// The server for this test binary, found or started on first use.
    ///
    /// # Panics
    ///
    /// When only some of the `STOWAGE_TEST_S3_*` variables are set, or none are and no
    /// Garage binary is installed or it fails to start; the message says what to run.
    pub fn get() -> &'static TestServer {
        static SERVER: OnceLock<TestServer> = OnceLock::new();
        SERVER.get_or_init(|| match Self::from_env() {
            Ok(Some(server)) => server,
            Ok(None) => PrivateGarage::start()
                .unwrap_or_else(|problem| panic!("{problem}"))
                .server(),
            Err(problem) => panic!("{problem}"),
        })
    }

    /// The server the `STOWAGE_TEST_S3_*` variables name: `Ok(None)` when none is set, an
    /// explanation when only some are.
    pub fn from_env() -> Result<Option<TestServer>, String> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The server that `lookup` (a variable's value by name) names, as [`TestServer::from_env`].
    pub fn from_vars(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<TestServer>, String> {
        let values = ENV_VARS.map(|name| lookup(name).filter(|value| !value.is_empty()));
        if values.iter().all(Option::is_none) {
            return Ok(None);
        }
        let missing: Vec<&str> = ENV_VARS
            .iter()
            .zip(&values)
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "{} not set while other STOWAGE_TEST_S3_* variables are: set all six \
                 (scripts/garage.sh start DIR writes them to DIR/env) or none, and the tests \
                 start a private Garage",
                missing.join(", ")
            ));
        }
        let [
            endpoint,
            region,
            access_key_id,
            secret_access_key,
            bucket,
            bucket2,
        ] = values.map(Option::unwrap_or_default);
        Ok(Some(TestServer {
            endpoint,
            region,
            access_key_id,
            secret_access_key,
            bucket,
            bucket2,
        }))
    }

    /// The settings as `export NAME=value` lines, the format of `scripts/garage.sh`'s env
    /// file, for a shell to `source`.
    pub fn to_env_lines(&self) -> String {
        let values = [
            &self.endpoint,
            &self.region,
            &self.access_key_id,
            &self.secret_access_key,
            &self.bucket,
            &self.bucket2,
        ];
        ENV_VARS
            .iter()
            .zip(values)
            .map(|(name, value)| format!("export {name}={value}\n"))
            .collect()
    }

    /// An S3 backend builder pointed at this server: endpoint, path-style, region,
    /// credentials.
    #[cfg(feature = "s3")]
    pub fn s3_builder(&self) -> stowage_s3::S3StorageBuilder {
        stowage_s3::S3Storage::builder()
            .endpoint_url(&self.endpoint)
            .force_path_style(true)
            .region(&self.region)
            .credentials(&self.access_key_id, &self.secret_access_key)
    }

    /// An S3 backend on this server with default settings.
    ///
    /// # Panics
    ///
    /// When the backend cannot be built from the server's settings.
    #[cfg(feature = "s3")]
    pub async fn s3_storage(&self) -> stowage_s3::S3Storage {
        self.s3_builder()
            .build()
            .await
            .expect("the S3 backend builds from the test server's settings")
    }
}

impl fmt::Debug for TestServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServer")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("bucket", &self.bucket)
            .field("bucket2", &self.bucket2)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> TestServer {
        TestServer {
            endpoint: "http://127.0.0.1:3900".into(),
            region: "garage".into(),
            access_key_id: "GK1".into(),
            secret_access_key: "s3cr3t".into(),
            bucket: "b1".into(),
            bucket2: "b2".into(),
        }
    }

    fn lookup_in(lines: &str) -> impl Fn(&str) -> Option<String> + '_ {
        move |name| {
            lines.lines().find_map(|line| {
                let (key, value) = line.strip_prefix("export ")?.split_once('=')?;
                (key == name).then(|| value.to_owned())
            })
        }
    }

    #[test]
    fn env_lines_round_trip() {
        let lines = server().to_env_lines();
        assert_eq!(TestServer::from_vars(lookup_in(&lines)), Ok(Some(server())));
    }

    #[test]
    fn no_variables_mean_a_private_server() {
        assert_eq!(TestServer::from_vars(|_| None), Ok(None));
        assert_eq!(TestServer::from_vars(|_| Some(String::new())), Ok(None));
    }

    #[test]
    fn some_variables_are_an_error_naming_the_missing_ones() {
        let error = TestServer::from_vars(|name| {
            (name == "STOWAGE_TEST_S3_ENDPOINT").then(|| "http://127.0.0.1:1".to_owned())
        })
        .unwrap_err();
        assert!(error.contains("STOWAGE_TEST_S3_REGION"), "{error}");
        assert!(error.contains("STOWAGE_TEST_S3_BUCKET2"), "{error}");
        assert!(!error.contains("STOWAGE_TEST_S3_ENDPOINT,"), "{error}");
    }

    #[test]
    fn debug_redacts_the_secret() {
        let debug = format!("{:?}", server());
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("GK1"), "{debug}");
    }
}
