//! Redeeming presigned URLs and upload forms, as a browser or HTTP client would.

use async_trait::async_trait;
use bytes::Bytes;
use stowage_core::FormField;
use stowage_memory::MemoryStorage;

/// Turns a presigned URL or form into an HTTP exchange with the store.
#[async_trait]
pub trait Redeemer: Send + Sync + std::fmt::Debug {
    /// GETs `url`; returns the status and the body.
    async fn get(&self, url: &str) -> (u16, Bytes);
    /// POSTs the form (`fields` in order, then `file`) to `url`; returns the status.
    async fn post(&self, url: &str, fields: &[FormField], file: Bytes) -> u16;
}

/// Redeems against a [`MemoryStorage`], in-process.
#[derive(Debug, Clone)]
pub struct MemoryRedeemer {
    storage: MemoryStorage,
}

impl MemoryRedeemer {
    /// Redeems against `storage`.
    pub fn new(storage: MemoryStorage) -> Self {
        Self { storage }
    }
}

#[async_trait]
impl Redeemer for MemoryRedeemer {
    async fn get(&self, url: &str) -> (u16, Bytes) {
        match self.storage.fetch_presigned(url) {
            Ok(body) => (200, body),
            Err(rejection) => (rejection.status, Bytes::new()),
        }
    }

    async fn post(&self, url: &str, fields: &[FormField], file: Bytes) -> u16 {
        match self.storage.submit_post(url, fields, file) {
            Ok(_) => 204,
            Err(rejection) => rejection.status,
        }
    }
}

/// Redeems over real HTTP with reqwest (feature `http`): for S3 and S3-compatible servers.
#[cfg(feature = "http")]
#[derive(Debug, Clone, Default)]
pub struct HttpRedeemer {
    client: reqwest::Client,
}

#[cfg(feature = "http")]
impl HttpRedeemer {
    /// A redeemer with a default reqwest client.
    pub fn new() -> Self {
        Self::default()
    }
}

#[cfg(feature = "http")]
#[async_trait]
impl Redeemer for HttpRedeemer {
    async fn get(&self, url: &str) -> (u16, Bytes) {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .expect("the presigned URL's host answers");
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap_or_default())
    }

    async fn post(&self, url: &str, fields: &[FormField], file: Bytes) -> u16 {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.clone(), value.clone());
        }
        let part = reqwest::multipart::Part::stream(file).file_name("upload.bin");
        form = form.part("file", part);
        self.client
            .post(url)
            .multipart(form)
            .send()
            .await
            .expect("the form's host answers")
            .status()
            .as_u16()
    }
}
