//! The HTTP server: the router and its middleware. Each job has a file:
//! the shared state ([`state`]), who calls ([`caller`]), errors as responses
//! ([`errors`]), GraphQL over HTTP ([`graphql_http`]) and over WebSocket
//! ([`ws`]), the downloads ([`exports`]), the operators' endpoints
//! ([`probes`]), and start-up and shutdown ([`startup`]). What every GraphQL
//! operation passes, whatever its transport, is [`crate::pipeline`].

pub mod caller;
pub mod errors;
pub mod exports;
pub mod graphql_http;
pub mod probes;
pub mod startup;
pub mod state;
pub mod ws;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::routing::{MethodRouter, get};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use state::AppState;

/// The header that carries a request's id.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What answers a route.
pub type Handler = fn() -> MethodRouter<AppState>;

/// Every route of the public listener: its path and what answers it. The
/// router is built from this table, and the access tests enumerate it, so
/// that a route added without a row in their matrix fails them. (The
/// benchmark's `/baseline` is added only when configured.)
pub const ROUTES: &[(&str, Handler)] = &[
    ("/graphql", || {
        get(graphql_http::get).post(graphql_http::post)
    }),
    ("/graphql/ws", || get(ws::upgrade)),
    ("/exports/{file}", || get(exports::export)),
    ("/metrics", || get(probes::metrics)),
    ("/healthz", || get(probes::healthz)),
    ("/readyz", || get(probes::readyz)),
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
        routes = routes.route("/baseline", axum::routing::post(probes::baseline));
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
                .layer(axum::middleware::map_response(errors::plain_errors_as_json))
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
                .layer(CatchPanicLayer::custom(errors::panicked))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(limits.request_timeout_secs),
                ))
                .layer(RequestBodyLimitLayer::new(limits.max_body_bytes)),
        )
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
