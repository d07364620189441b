//! [`Refusal`]: every answer that is not a success, as `{"error": ...}` JSON.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::Error;
use crate::resumable::ResumableError;

/// A refused request: its status and a message for the page, as `{"error": message}`.
///
/// The message never names a key, a grant or a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status, always 4xx or 5xx.
    pub status: StatusCode,
    /// What the page shows.
    pub message: String,
}

impl Refusal {
    /// A refusal with `status`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// `400`: input the service cannot use.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// `401`: no user could be named.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// `403`: the user may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
}

impl From<ResumableError> for Refusal {
    fn from(error: ResumableError) -> Self {
        let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_GATEWAY);
        if status.is_server_error() {
            tracing::warn!(%error, "resumable upload step failed");
        }
        Self::new(status, error.to_string())
    }
}

impl From<Error> for Refusal {
    fn from(error: Error) -> Self {
        ResumableError::Storage(error).into()
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}
