//! One handler per request of Uppy's S3 protocol.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Companion, Refusal, UserRules, check_file_name};
use crate::hash::hash_s3_key;
use crate::path::S3Path;
use crate::policy::PostPolicyRequest;
use crate::resumable::{StartUpload, UploadGrant};

/// How long the `location` link of a completed upload stays valid.
const LOCATION_TTL: Duration = Duration::from_secs(600);

/// The query of `GET /params`.
#[derive(Debug, Deserialize)]
pub(super) struct ParamsQuery {
    /// The file's name.
    filename: Option<String>,
    /// The file's Content-Type.
    #[serde(rename = "type")]
    content_type: Option<String>,
}

/// The answer of `GET /params`: a POST form Uppy fills and sends.
#[derive(Debug, Serialize)]
pub(super) struct PostParams {
    /// Always `POST`.
    method: &'static str,
    /// Where the form goes.
    url: String,
    /// The form's fields, the policy and its signature among them.
    fields: serde_json::Map<String, Value>,
    /// Seconds the policy stays valid.
    expires: u64,
}

/// `GET /params?filename=&type=`: a POST policy for a small file.
pub(super) async fn params(
    State(companion): State<Arc<Companion>>,
    parts: Parts,
    query: Result<Query<ParamsQuery>, QueryRejection>,
) -> Result<Json<PostParams>, Refusal> {
    let rules = companion.authorize.authorize(&parts)?;
    let Query(query) = query.map_err(|rejection| Refusal::bad_request(rejection.body_text()))?;
    let name = query
        .filename
        .ok_or_else(|| Refusal::bad_request("filename is required"))?;
    let content_type = query.content_type.unwrap_or_default();
    let path = file_path(&rules, &name, &content_type)?;
    let mut request = PostPolicyRequest::new(rules.max_bytes).ttl(rules.policy_ttl);
    if !content_type.is_empty() {
        request = request.content_type(&content_type);
    }
    let form = companion
        .uploads
        .storage()
        .presigned_post(&path, &request)
        .await?;
    let expires = form
        .expires_at()
        .duration_since(SystemTime::now())
        .map_or(0, |left| left.as_secs());
    let fields = form
        .fields()
        .iter()
        .map(|(name, value)| (name.to_string(), Value::String(value.to_string())))
        .collect();
    tracing::info!(op = "uppy_params", user = rules.user, key_hash = %hash_s3_key(path.key()), "upload policy issued");
    Ok(Json(PostParams {
        method: "POST",
        url: form.url().to_owned(),
        fields,
        expires,
    }))
}

/// The body of `POST /multipart`.
#[derive(Debug, Deserialize)]
pub(super) struct CreateBody {
    /// The file's name.
    filename: Option<String>,
    /// The file's Content-Type.
    #[serde(rename = "type")]
    content_type: Option<String>,
    /// The file's metadata; `size` is the declared size.
    #[serde(default)]
    metadata: serde_json::Map<String, Value>,
}

/// The answer of `POST /multipart`: Uppy's fields and the plan.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Created {
    /// The object's key.
    key: String,
    /// The grant token, as Uppy's upload id.
    upload_id: String,
    /// The bucket.
    bucket: String,
    /// The size of every part but the last.
    part_size: u64,
    /// How many parts.
    part_count: u32,
}

/// `POST /multipart`: starts an upload of the declared size.
pub(super) async fn create(
    State(companion): State<Arc<Companion>>,
    parts: Parts,
    body: Result<Json<CreateBody>, JsonRejection>,
) -> Result<Json<Created>, Refusal> {
    let rules = companion.authorize.authorize(&parts)?;
    let Json(body) =
        body.map_err(|rejection| Refusal::new(rejection.status(), rejection.body_text()))?;
    let name = body
        .filename
        .ok_or_else(|| Refusal::bad_request("filename is required"))?;
    let content_type = body
        .content_type
        .filter(|content_type| !content_type.is_empty())
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let size = declared_size(body.metadata.get("size"))?;
    let path = file_path(&rules, &name, &content_type)?;
    let start = StartUpload::new(path, rules.user.clone(), size)
        .max_bytes(rules.max_bytes)
        .content_type(content_type)
        .ttl(rules.upload_ttl);
    let started = companion.uploads.start(&start).await?;
    let grant = &started.grant;
    tracing::info!(op = "uppy_create", user = rules.user, key_hash = %hash_s3_key(grant.path().key()), size, "multipart upload started");
    Ok(Json(Created {
        key: grant.path().key().to_owned(),
        upload_id: started.token.as_str().to_owned(),
        bucket: grant.path().bucket().to_owned(),
        part_size: grant.plan().part_size,
        part_count: grant.plan().part_count,
    }))
}

/// The `?key=` of the requests on one upload.
#[derive(Debug, Deserialize)]
pub(super) struct KeyQuery {
    /// The object's key, as the create answer named it.
    key: Option<String>,
}

/// The answer of `GET /multipart/{uploadId}/{partNumber}`.
#[derive(Debug, Serialize)]
pub(super) struct SignedUrl {
    /// A `PUT` of exactly the part's planned length.
    url: String,
    /// Seconds the URL stays valid.
    expires: u64,
}

/// `GET /multipart/{uploadId}/{partNumber}?key=`: a URL for one part of the plan.
pub(super) async fn sign_part(
    State(companion): State<Arc<Companion>>,
    parts: Parts,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<KeyQuery>, QueryRejection>,
) -> Result<Json<SignedUrl>, Refusal> {
    let Path((upload_id, number)) =
        path.map_err(|rejection| Refusal::bad_request(rejection.body_text()))?;
    let grant = open(&companion, &parts, &upload_id, query)?;
    let number: u32 = number
        .parse()
        .map_err(|_| Refusal::bad_request("the part number is not a number"))?;
    let signed = companion.uploads.sign_part(&grant, number).await?;
    let expires = signed
        .url
        .expires_at()
        .duration_since(SystemTime::now())
        .map_or(0, |left| left.as_secs());
    Ok(Json(SignedUrl {
        url: signed.url.into_string(),
        expires,
    }))
}

/// One part in the answer of `GET /multipart/{uploadId}`, as S3's ListParts names it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListedPart {
    /// The part's number.
    part_number: u32,
    /// Its ETag.
    #[serde(rename = "ETag")]
    etag: String,
    /// Its size.
    size: u64,
}

/// `GET /multipart/{uploadId}?key=`: the parts the store holds, to resume from.
pub(super) async fn list_parts(
    State(companion): State<Arc<Companion>>,
    parts: Parts,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<KeyQuery>, QueryRejection>,
) -> Result<Json<Vec<ListedPart>>, Refusal> {
    let Path(upload_id) = path.map_err(|rejection| Refusal::bad_request(rejection.body_text()))?;
    let grant = open(&companion, &parts, &upload_id, query)?;
    let listed = companion.uploads.list_parts(&grant).await?;
    Ok(Json(
        listed
            .into_iter()
            .map(|part| ListedPart {
                part_number: part.number,
                etag: part.etag,
                size: part.size,
            })
            .collect(),
    ))
}

/// The answer of `POST /multipart/{uploadId}/complete`.
#[derive(Debug, Serialize)]
pub(super) struct Completed {
    /// A presigned download link of the stored file.
    location: String,
    /// The object's key.
    key: String,
    /// The bucket.
    bucket: String,
}

/// `POST /multipart/{uploadId}/complete?key=`: completes from the store's parts; the body
/// (the client's part list) is not read.
pub(super) async fn complete(
    State(companion): State<Arc<Companion>>,
    parts: Parts,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<KeyQuery>, QueryRejection>,
) -> Result<Json<Completed>, Refusal> {
    let Path(upload_id) = path.map_err(|rejection| Refusal::bad_request(rejection.body_text()))?;
    let grant = open(&companion, &parts, &upload_id, query)?;
    companion.uploads.complete(&grant).await?;
    let location = companion
        .uploads
        .storage()
        .presigned_get_url(grant.path(), LOCATION_TTL)
        .await?;
    Ok(Json(Completed {
        location: location.into_string(),
        key: grant.path().key().to_owned(),
        bucket: grant.path().bucket().to_owned(),
    }))
}

/// `DELETE /multipart/{uploadId}?key=`: aborts the upload.
pub(super) async fn abort(
    State(companion): State<Arc<Companion>>,
    parts: Parts,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<KeyQuery>, QueryRejection>,
) -> Result<Json<Value>, Refusal> {
    let Path(upload_id) = path.map_err(|rejection| Refusal::bad_request(rejection.body_text()))?;
    let grant = open(&companion, &parts, &upload_id, query)?;
    companion.uploads.abort(&grant).await?;
    tracing::info!(op = "uppy_abort", key_hash = %hash_s3_key(grant.path().key()), "multipart upload aborted");
    Ok(Json(serde_json::json!({})))
}

/// The grant of a request on one upload: the user authorized, the token MACed by this
/// service and theirs, the key theirs and the grant's, all before any store request.
fn open(
    companion: &Companion,
    parts: &Parts,
    upload_id: &str,
    query: Result<Query<KeyQuery>, QueryRejection>,
) -> Result<UploadGrant, Refusal> {
    let rules = companion.authorize.authorize(parts)?;
    let Query(query) = query.map_err(|rejection| Refusal::bad_request(rejection.body_text()))?;
    let key = query
        .key
        .ok_or_else(|| Refusal::bad_request("key is required"))?;
    let grant = companion.uploads.open(upload_id, &rules.user)?;
    if grant.path().key() != key {
        return Err(crate::resumable::ResumableError::KeyMismatch.into());
    }
    if grant.path().bucket() != rules.prefix.bucket()
        || !grant.path().key().starts_with(rules.prefix.key())
    {
        return Err(Refusal::forbidden(
            "the upload is outside the user's folder",
        ));
    }
    Ok(grant)
}

/// The path of file `name` for the user, when the name and type are acceptable.
fn file_path(rules: &UserRules, name: &str, content_type: &str) -> Result<S3Path, Refusal> {
    check_file_name(name)?;
    if !rules.content_types.is_empty()
        && !rules
            .content_types
            .iter()
            .any(|allowed| allowed == content_type)
    {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("files of type {content_type:?} are not accepted"),
        ));
    }
    rules
        .prefix
        .join(name)
        .map_err(|error| Refusal::bad_request(error.to_string()))
}

/// `metadata.size`: a whole number of bytes, as a JSON number or a decimal string.
fn declared_size(size: Option<&Value>) -> Result<u64, Refusal> {
    let size = match size {
        Some(Value::Number(number)) => number.as_u64(),
        Some(Value::String(text)) => text.parse().ok(),
        _ => {
            return Err(Refusal::bad_request(
                "metadata.size (the file's size in bytes) is required",
            ));
        }
    };
    size.ok_or_else(|| Refusal::bad_request("metadata.size is not a whole number of bytes"))
}
