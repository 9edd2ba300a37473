//! Errors as responses: every refusal in the GraphQL error format with its
//! code and the request's id; internal detail goes to the log only.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::REQUEST_ID;
use crate::error::AppError;

/// The request's id (set or kept by the request-id layer).
pub(crate) fn request_id(headers: &HeaderMap) -> &str {
    headers
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// A GraphQL error response for a request refused before execution, with the
/// request's id (left out when there is none to give).
pub(crate) fn error_response(error: &AppError, request_id: &str) -> Response {
    let status = match error {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::BadUserInput { .. } | AppError::LimitExceeded(_) | AppError::NotInSchema => {
            StatusCode::BAD_REQUEST
        }
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut extensions = json!({ "code": error.code() });
    if !request_id.is_empty() {
        extensions["requestId"] = json!(request_id);
    }
    let body =
        Json(json!({ "errors": [{ "message": error.to_string(), "extensions": extensions }] }));
    let mut response = (status, body).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// Gives every error a code. Resolver errors carry theirs already (see
/// `AppError`); the rest come from the GraphQL engine: argument and variable
/// values that do not fit their type are `BAD_USER_INPUT`, everything else
/// (syntax, unknown fields, limits) is `GRAPHQL_VALIDATION_FAILED`.
pub(crate) fn classify_errors(errors: &mut [async_graphql::ServerError]) {
    for error in errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_some() {
            continue;
        }
        let message = error.message.as_str();
        let bad_value = message.starts_with("Invalid value for argument")
            || message.starts_with("Failed to parse")
            || message.starts_with("Invalid value for variable")
            || message.contains("is not a valid");
        extensions.set(
            "code",
            if bad_value {
                "BAD_USER_INPUT"
            } else {
                "GRAPHQL_VALIDATION_FAILED"
            },
        );
    }
}

/// Refusals made by the middleware (body too large, time limit) come as plain
/// text; clients get them in the GraphQL error format with the request id,
/// like every other error.
pub(crate) async fn plain_errors_as_json<B>(response: axum::http::Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let response = response.map(axum::body::Body::new);
    let (message, code) = match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ("the request body is too large", "LIMIT_EXCEEDED"),
        StatusCode::SERVICE_UNAVAILABLE => (crate::pipeline::TIMEOUT_MESSAGE, "TIMEOUT"),
        _ => return response,
    };
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let request_id = request_id(&parts.headers).to_owned();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code, "requestId": request_id } }] });
    Response::from_parts(parts, axum::body::Body::from(body.to_string()))
}

/// A handler panicked: the client gets a plain 500, the detail goes to the log.
pub(crate) fn panicked(detail: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = detail
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| detail.downcast_ref::<&str>().copied())
        .unwrap_or("unknown");
    tracing::error!(%detail, "handler panicked");
    error_response(&AppError::internal("handler panicked"), "")
}
