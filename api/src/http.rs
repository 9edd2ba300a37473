//! The HTTP surface: `/graphql` (POST executes, GET serves GraphiQL),
//! `/graphql/ws` (subscriptions), `/exports/…`, `/healthz`, `/readyz`, and the middleware every request passes.

use std::time::Duration;

use axum::extract::State;
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tokio::sync::watch;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{Principal, Role, Verifier};
use crate::config::Limits;
use crate::db::{self, StatementCounter};
use crate::error::AppError;
use crate::feed::signal::ChangeSignal;
use crate::member;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::schema::AppSchema;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// Where creates are written: concurrent ones grouped into one statement.
    pub appends: crate::audit::append::Appends,
    /// The GraphQL schema.
    pub schema: AppSchema,
    /// Bearer token verification.
    pub verifier: Arc<Verifier>,
    /// Wakes live subscriptions when changes commit.
    pub changes: Arc<ChangeSignal>,
    /// Turns true when the service shuts down: live connections close.
    pub shutdown: watch::Receiver<bool>,
    /// Limits on requests.
    pub limits: Arc<Limits>,
    /// Query cost budgets of the callers.
    pub limiter: Arc<RateLimiter>,
    /// Budgets of membership applications filed without a token, per client
    /// address and hour.
    pub applications: Arc<RateLimiter>,
    /// Counters behind `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Statements run since start.
    pub statements: StatementCounter,
    /// Live WebSocket connections per client address.
    pub connections: Arc<crate::ws::ConnectionCounts>,
    /// The bytes `POST /baseline` answers with, when configured.
    pub baseline: Option<axum::body::Bytes>,
    /// Admission of queries to execution by cost.
    pub admission: Arc<crate::admission::Admission>,
    /// Parsed documents by their text.
    pub documents: Arc<crate::documents::Documents>,
    /// Answers kept until the data changes.
    pub responses: Arc<crate::responses::Responses>,
    /// The bearer token that opens `/metrics` to a scraper, if configured.
    pub metrics_token: Option<Arc<str>>,
}

/// What answers a route.
pub type Handler = fn() -> MethodRouter<AppState>;

/// Every route of the public listener: its path and what answers it. The
/// router is built from this table, and the access tests enumerate it, so
/// that a route added without a row in their matrix fails them. (The
/// benchmark's `/baseline` is added only when configured.)
pub const ROUTES: &[(&str, Handler)] = &[
    ("/graphql", || {
        get(crate::graphql_http::get).post(crate::graphql_http::post)
    }),
    ("/graphql/ws", || get(crate::ws::upgrade)),
    ("/exports/{file}", || get(export)),
    ("/metrics", || get(metrics)),
    ("/healthz", || get(healthz)),
    ("/readyz", || get(readyz)),
];

/// The router with its middleware.
pub fn router(state: AppState) -> Router {
    let limits = Arc::clone(&state.limits);
    let origins = if limits.cors_origins.iter().any(|o| o.trim() == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            limits
                .cors_origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin.trim()).ok()),
        )
    };
    let cors = CorsLayer::new()
        .allow_origin(origins)
        .expose_headers([
            REQUEST_ID,
            HeaderName::from_static("ratelimit-limit"),
            HeaderName::from_static("ratelimit-remaining"),
            HeaderName::from_static("ratelimit-reset"),
            header::RETRY_AFTER,
            HeaderName::from_static("cache-status"),
        ])
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::ACCEPT_LANGUAGE,
            header::CACHE_CONTROL,
        ])
        .max_age(Duration::from_secs(600));
    let mut routes = Router::new();
    if state.baseline.is_some() {
        routes = routes.route("/baseline", axum::routing::post(baseline));
    }
    for (path, handler) in ROUTES {
        routes = routes.route(path, handler());
    }
    routes
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::map_request(plain_request_ids))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(axum::middleware::map_response(plain_errors_as_json))
                .layer(TraceLayer::new_for_http().make_span_with(
                    |request: &axum::http::Request<_>| {
                        let id = request
                            .headers()
                            .get(&REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default();
                        tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id = %id)
                    },
                ))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(cors)
                .layer(CatchPanicLayer::custom(panicked))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(limits.request_timeout_secs),
                ))
                .layer(RequestBodyLimitLayer::new(limits.max_body_bytes)),
        )
}

/// Query parameters of a download.
#[derive(serde::Deserialize)]
struct ExportParams {
    /// A `ProjectFilter` as JSON, as in the GraphQL `projects` list.
    filter: Option<String>,
}

/// Streams a download (`/exports/projects.csv`, …) over the projects the caller
/// may see that match `?filter=` (a `ProjectFilter` as JSON).
async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(file): axum::extract::Path<String>,
    axum::extract::Query(params): axum::extract::Query<ExportParams>,
) -> Response {
    let principal = match authenticate(&state, &headers).await {
        Ok(principal) => principal,
        Err(error) => return error_response(&error, request_id(&headers)),
    };
    let export = match crate::export::parse_name(&file) {
        Ok(export) => export,
        Err(error) => return error_response(&error, request_id(&headers)),
    };
    let filter = match parse_filter(export.filter_kind(), params.filter.as_deref()) {
        Ok(filter) => filter,
        Err(error) => return error_response(&error, request_id(&headers)),
    };
    let writer = crate::export::Writer::new(state.db.clone(), principal, filter, export);
    match writer.lacks_required_rows().await {
        Ok(false) => {}
        Ok(true) => {
            let body = Json(json!({ "errors": [{
                "message": "no published project matches: an IATI activity file holds at least one activity",
                "extensions": { "code": "NOT_FOUND" },
            }]}));
            return (StatusCode::NOT_FOUND, body).into_response();
        }
        Err(error) => return error_response(&error, request_id(&headers)),
    }
    let stream = async_graphql::futures_util::stream::unfold(writer, |mut writer| async move {
        writer.next().await.map(|piece| (piece, writer))
    });
    (
        [
            (header::CONTENT_TYPE, export.content_type()),
            (header::CACHE_CONTROL, "no-store"),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

/// Parses `?filter=` as the GraphQL filter input of the download's list
/// (`ProjectFilter`, `AssistanceOfferFilter` or `AssistanceNeedFilter`).
fn parse_filter(
    kind: crate::export::FilterKind,
    text: Option<&str>,
) -> Result<crate::export::Filter, AppError> {
    use crate::assistance::query::{AssistanceNeedFilter, AssistanceOfferFilter};
    use crate::export::{Filter, FilterKind};
    let graphql = |e: async_graphql::Error| AppError::bad_input("filter", e.message);
    Ok(match kind {
        FilterKind::Projects => Filter::Projects(
            filter_input::<crate::project::query::ProjectFilter>(text, "ProjectFilter")?
                .into_filter()?,
        ),
        FilterKind::Offers => Filter::Assistance(
            filter_input::<AssistanceOfferFilter>(text, "AssistanceOfferFilter")?
                .into_filter()
                .map_err(graphql)?,
        ),
        FilterKind::Needs => Filter::Assistance(
            filter_input::<AssistanceNeedFilter>(text, "AssistanceNeedFilter")?
                .into_filter()
                .map_err(graphql)?,
        ),
    })
}

/// Parses `?filter=` JSON as the GraphQL input `T` (called `name`). Unknown
/// fields are refused, not ignored: a filter that filters nothing is a mistake.
fn filter_input<T: async_graphql::InputType>(
    text: Option<&str>,
    name: &str,
) -> Result<T, AppError> {
    let bad = |detail: String| AppError::bad_input("filter", format!("`filter` {detail}"));
    let json: serde_json::Value = match text {
        // No filter: every condition left out.
        None => serde_json::json!({}),
        Some(text) => serde_json::from_str(text).map_err(|_| {
            bad(format!(
                "is not JSON: give a {name} as in the GraphQL lists"
            ))
        })?,
    };
    let value =
        async_graphql::Value::from_json(json).map_err(|_| bad(format!("is not a {name}")))?;
    let parsed = T::parse(Some(value.clone())).map_err(|e| {
        bad(format!(
            "is not a {name}: {}",
            e.into_server_error(Default::default()).message
        ))
    })?;
    if let (async_graphql::Value::Object(given), async_graphql::Value::Object(fields)) =
        (&value, parsed.to_value())
        && let Some(key) = given.keys().find(|key| !fields.contains_key(*key))
    {
        return Err(bad(format!("has no field {key:?}: it is a {name}")));
    }
    Ok(parsed)
}

/// The caller of a request: anonymous without an `Authorization` header, else
/// the verified bearer token's subject. A header that is present but not a
/// valid token is refused, never treated as anonymous.
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Principal, AppError> {
    match headers.get(header::AUTHORIZATION) {
        None => Ok(Principal::Anonymous),
        Some(value) => {
            let value = value.to_str().map_err(|_| AppError::Unauthenticated)?;
            Ok(authorize(state, Some(value)).await?.0)
        }
    }
}

/// The caller behind an `Authorization` value (`Bearer <token>`), with the
/// token's expiry (seconds since the epoch); anonymous without one.
pub(crate) async fn authorize(
    state: &AppState,
    authorization: Option<&str>,
) -> Result<(Principal, Option<u64>), AppError> {
    let Some(value) = authorization else {
        return Ok((Principal::Anonymous, None));
    };
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token)
        .ok_or(AppError::Unauthenticated)?;
    let claims = state.verifier.verify(token.trim())?;
    // Editors act for organisations that are members or applying; a rejected,
    // suspended or withdrawn organisation's tokens no longer count. An
    // applicant's editor only reads and amends its application (policy).
    let (member_id, applicant) = match &claims.member {
        Some(slug) => {
            let (id, applicant) = member::service::standing_by_slug(&state.db, slug)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            (Some(id), applicant)
        }
        None => (None, false),
    };
    if claims.role == Role::Editor && member_id.is_none() {
        return Err(AppError::Unauthenticated);
    }
    Ok((
        Principal::User {
            subject: claims.sub,
            role: claims.role,
            member_id,
            applicant,
        },
        Some(claims.exp),
    ))
}

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

/// A client may send its own `x-request-id` to follow a request through the
/// logs; one that is long or holds other than letters, digits, `-`, `_` and
/// `.` is replaced by a generated one.
async fn plain_request_ids(mut request: axum::extract::Request) -> axum::extract::Request {
    let usable = request.headers().get(&REQUEST_ID).is_none_or(|id| {
        id.len() <= 64
            && id
                .as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    if !usable {
        request.headers_mut().remove(&REQUEST_ID);
    }
    request
}

/// Refusals made by the middleware (body too large, time limit) come as plain
/// text; clients get them in the GraphQL error format with the request id,
/// like every other error.
async fn plain_errors_as_json<B>(response: axum::http::Response<B>) -> Response
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
fn panicked(detail: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = detail
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| detail.downcast_ref::<&str>().copied())
        .unwrap_or("unknown");
    tracing::error!(%detail, "handler panicked");
    error_response(&AppError::internal("handler panicked"), "")
}

/// The Prometheus metrics of this instance, for a scraper with the
/// configured `METRICS_TOKEN` or an administrator's token.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
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
async fn baseline(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.baseline.unwrap_or_default(),
    )
        .into_response()
}

/// The process is alive.
async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The database answers: the instance can take traffic.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if db::ping(&state.db).await {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": "database unreachable" })),
        )
    }
}
