//! The backend's presigned GET URLs through `object_store`'s [`Signer`].

use std::time::Duration;

use async_trait::async_trait;
use http::Method;
use object_store::path::Path;
use object_store::signer::Signer;
use url::Url;

use crate::bridge::ObjectStoreBridge;
use crate::bridge::errors::{Intent, generic, not_implemented, to_object_store};

#[async_trait]
impl Signer for ObjectStoreBridge {
    /// A URL that GETs `path` until it expires, from the backend's `presigned_get_url`
    /// (its TTL rules apply: above 7 days is an error). Other methods are
    /// `NotImplemented`.
    async fn signed_url(
        &self,
        method: Method,
        path: &Path,
        expires_in: Duration,
    ) -> object_store::Result<Url> {
        if method != Method::GET {
            return Err(not_implemented(
                &format!("signed_url for {method}"),
                "object_store bridge",
            ));
        }
        let object = self.locations.object(path)?;
        let url = self
            .storage
            .presigned_get_url(&object, expires_in)
            .await
            .map_err(|error| to_object_store(error, path, Intent::Plain))?;
        let parsed = Url::parse(url.as_str()).ok();
        match parsed {
            // `Url` must not re-encode the path or query: the signature covers them as signed.
            Some(parsed) if parsed.as_str() == url.as_str() => Ok(parsed),
            _ => Err(generic(stowage_core::Error::invalid_argument(
                "the backend's presigned URL does not survive parsing as a `Url` unchanged",
            ))),
        }
    }
}
