//! The operators' endpoints: `/healthz`, `/readyz`, `/metrics` (with a
//! bearer token), and the benchmark's `/baseline`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use super::caller::bearer_token;
use super::errors::{error_response, request_id};
use crate::auth::Role;
use crate::db;
use crate::error::AppError;

/// The Prometheus metrics of this instance, for a scraper with the
/// configured `METRICS_TOKEN` or an administrator's token.
pub(crate) async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    let Some(token) = token else {
        return error_response(&AppError::Unauthenticated, request_id(&headers));
    };
    let scraper = state
        .metrics_token
        .as_deref()
        .is_some_and(|expected| same_text(expected, token));
    if !scraper {
        match state.verifier.verify(token) {
            Ok(claims) if claims.role == Role::Admin => {}
            Ok(_) => return error_response(&AppError::Forbidden, request_id(&headers)),
            Err(error) => return error_response(&error, request_id(&headers)),
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(
            &state.db,
            state.changes.subscribers(),
            state.statements.get(),
            &state.responses,
        ),
    )
        .into_response()
}

/// Compares two texts in time that does not depend on where they differ.
fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// The configured bytes, as a GraphQL answer would be sent (benchmarks only).
pub(crate) async fn baseline(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.baseline.unwrap_or_default(),
    )
        .into_response()
}

/// The process is alive.
pub(crate) async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The database answers: the instance can take traffic.
pub(crate) async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if db::ping(&state.db).await {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": "database unreachable" })),
        )
    }
}
