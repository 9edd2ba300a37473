//! GraphQL over HTTP at `/graphql`: POST with `application/json` runs any
//! operation, GET runs queries only (`?query=…&variables=…`), other content
//! types are refused with 415 before anything runs (which also closes
//! cross-site form posts that need no preflight). Every request passes the
//! guards (shape before parsing, limits, cost) and the caller's rate limit
//! before it runs; every error carries the request id.
//!
//! A query's answer is kept until the data changes ([`crate::responses`]):
//! the same query from the same caller is answered again without running
//! while nothing changed. `Cache-Control: no-cache` in the request asks for
//! a fresh answer, `no-store` for the answer not to be kept; a single
//! operation's response says which happened in `Cache-Status` (RFC 9211).

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql::{ServerError, Variables};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use async_graphql::parser::types::OperationType;

use crate::compiled::{self, Splices};
use crate::error::AppError;
use crate::guard;
use crate::i18n::PreferredLang;
use crate::loader::{Batched, LoadQueue, Loaders};
use crate::pipeline::{self, Caller};
use crate::ratelimit::Decision;
use crate::responses::{Answer, Key, Stamp};
use crate::server::AppState;
use crate::server::errors::{classify_errors, error_response, request_id};

/// The media type of the GraphQL-over-HTTP specification.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Query parameters of `GET /graphql`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
}

/// One operation as a client sent it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Operation {
    query: String,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<Value>,
}

/// What one operation produced.
struct Outcome {
    /// The `data` member's JSON text, in parts (the engine's text and the
    /// JSON texts PostgreSQL built, see [`Splices`]); `None` for a request
    /// that could not run.
    data: Option<Vec<Bytes>>,
    /// The other members: `errors` and `extensions`.
    body: Value,
    /// Refused before it ran (parse, validation, limits): a request error.
    request_error: bool,
    decision: Option<Decision>,
    /// What the kept answers did for it, for `Cache-Status`.
    cache: Option<Cached>,
}

impl Outcome {
    /// A request error: `errors` only.
    fn request_error(body: Value) -> Self {
        Self {
            data: None,
            body,
            request_error: true,
            decision: None,
            cache: None,
        }
    }

    /// The operation's response object, appended to `parts`: `data` first,
    /// then the other members.
    fn write(self, parts: &mut Vec<Bytes>) -> Result<(), serde_json::Error> {
        let mut text = String::from("{");
        let mut first = true;
        if let Some(data) = self.data {
            text.push_str("\"data\":");
            parts.push(Bytes::from(std::mem::take(&mut text)));
            parts.extend(data);
            first = false;
        }
        if let Value::Object(fields) = self.body {
            for (name, value) in fields {
                if !first {
                    text.push(',');
                }
                first = false;
                text.push_str(&serde_json::to_string(&name)?);
                text.push(':');
                text.push_str(&serde_json::to_string(&value)?);
            }
        }
        text.push('}');
        parts.push(Bytes::from(text));
        Ok(())
    }
}

/// What the kept answers did for one operation (RFC 9211's terms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cached {
    /// Answered with a kept answer.
    Hit,
    /// Computed: no answer was kept for it (`miss`), the client asked for a
    /// fresh one (`request`), or it could not be kept (`bypass`: not a
    /// query, answers are not kept here, or the client asked for it not to
    /// be); `stored` when the answer is now kept.
    Computed { why: &'static str, stored: bool },
}

impl Cached {
    fn header(self) -> HeaderValue {
        match self {
            Cached::Hit => HeaderValue::from_static("alliance; hit"),
            Cached::Computed { why, stored } => {
                let text = format!(
                    "alliance; fwd={why}{}",
                    if stored { "; stored" } else { "" }
                );
                HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("alliance"))
            }
        }
    }
}

/// What the client's `Cache-Control` asks of the kept answers.
#[derive(Clone, Copy, Default)]
struct Directives {
    /// `no-cache`: answer afresh.
    no_cache: bool,
    /// `no-store`: do not keep the answer.
    no_store: bool,
}

impl Directives {
    fn of(headers: &HeaderMap) -> Self {
        let mut directives = Self::default();
        for directive in headers
            .get_all(header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
        {
            let name = directive.split('=').next().unwrap_or_default().trim();
            if name.eq_ignore_ascii_case("no-cache") {
                directives.no_cache = true;
            } else if name.eq_ignore_ascii_case("no-store") {
                directives.no_store = true;
            }
        }
        directives
    }
}

/// `GET /graphql`: runs a query from the URL; without one, serves GraphiQL
/// (when introspection is on).
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Result<Caller, Response>,
    params: Result<Query<GetParams>, QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return refuse(
            &headers,
            StatusCode::BAD_REQUEST,
            "the query string cannot be read",
        );
    };
    let Some(query) = params.query else {
        if state.limits.introspection {
            return Html(
                GraphiQLSource::build()
                    .endpoint("/graphql")
                    .subscription_endpoint("/graphql/ws")
                    .title("Alliance reconstruction API")
                    .finish(),
            )
            .into_response();
        }
        return refuse(&headers, StatusCode::BAD_REQUEST, "`query` is missing");
    };
    let variables = match params
        .variables
        .as_deref()
        .map(serde_json::from_str::<Value>)
    {
        None => None,
        Some(Ok(variables)) => Some(variables),
        Some(Err(_)) => {
            return refuse(&headers, StatusCode::BAD_REQUEST, "`variables` is not JSON");
        }
    };
    let operation = Operation {
        query,
        operation_name: params.operation_name,
        variables,
    };
    run(state, caller, headers, Method::GET, vec![operation], false).await
}

/// `POST /graphql` with `application/json`: one operation, or a batch (a JSON
/// array) when batching is on.
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Result<Caller, Response>,
    body: Bytes,
) -> Response {
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json_body {
        return refuse(
            &headers,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send GraphQL requests as `Content-Type: application/json`",
        );
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(_) => return refuse(&headers, StatusCode::BAD_REQUEST, "the body is not JSON"),
    };
    let batched = value.is_array();
    let items = match value {
        Value::Array(items) => items,
        single => vec![single],
    };
    if batched {
        let max = state.limits.max_batch;
        if max == 0 {
            return refuse(
                &headers,
                StatusCode::BAD_REQUEST,
                "batched requests are turned off: send one operation per request",
            );
        }
        if items.len() > max || items.is_empty() {
            return refuse(
                &headers,
                StatusCode::BAD_REQUEST,
                &format!("a batch holds 1 to {max} operations, got {}", items.len()),
            );
        }
    }
    let mut operations = Vec::with_capacity(items.len());
    for item in items {
        match serde_json::from_value::<Operation>(item) {
            Ok(operation) => operations.push(operation),
            Err(_) => {
                return refuse(
                    &headers,
                    StatusCode::BAD_REQUEST,
                    "the body is not a GraphQL request: give `query` (a string) and optionally `variables` and `operationName`",
                );
            }
        }
    }
    run(state, caller, headers, Method::POST, operations, batched).await
}

async fn run(
    state: AppState,
    caller: Result<Caller, Response>,
    headers: HeaderMap,
    method: Method,
    operations: Vec<Operation>,
    batched: bool,
) -> Response {
    let request_id = request_id(&headers).to_owned();
    // Refused here, after the body was read: a request with no valid
    // token learns nothing of how it would have been parsed.
    let caller = match caller {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
    let lang = PreferredLang::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let directives = Directives::of(&headers);
    let mut outcomes = Vec::with_capacity(operations.len());
    for operation in operations {
        match one(&state, &caller, lang, &method, operation, directives).await {
            Ok(outcome) => outcomes.push(outcome),
            Err(Refusal::Method) => {
                let mut response = refuse(
                    &headers,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "mutations run over POST only",
                );
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST"));
                return response;
            }
            Err(Refusal::Rate(decision)) => {
                let error = AppError::RateLimited {
                    retry_after_secs: decision.retry_after_secs,
                };
                let mut response = error_response(&error, &request_id);
                with_rate_headers(&mut response, &decision);
                return response;
            }
            Err(Refusal::Failed(error)) => return error_response(&error, &request_id),
        }
    }
    for outcome in &mut outcomes {
        stamp(&mut outcome.body, &request_id, state.limits.introspection);
    }
    let modern = accepts_graphql_response(&headers);
    let status = if modern && !batched && outcomes.iter().all(|o| o.request_error) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let decision = outcomes.iter().rev().find_map(|o| o.decision);
    let cached = match outcomes.as_slice() {
        [single] if !batched => single.cache,
        _ => None,
    };
    let mut parts = Vec::new();
    if batched {
        parts.push(Bytes::from_static(b"["));
    }
    for (index, outcome) in outcomes.into_iter().enumerate() {
        if index > 0 {
            parts.push(Bytes::from_static(b","));
        }
        if let Err(error) = outcome.write(&mut parts) {
            let error = AppError::internal(format!("cannot serialise a response: {error}"));
            return error_response(&error, &request_id);
        }
    }
    if batched {
        parts.push(Bytes::from_static(b"]"));
    }
    let body = Parts::body(parts);
    let content_type = if modern {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    };
    let mut response = (status, [(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Some(decision) = decision {
        with_rate_headers(&mut response, &decision);
    }
    if let Some(cached) = cached {
        response
            .headers_mut()
            .insert(HeaderName::from_static("cache-status"), cached.header());
    }
    response
}

/// A response body written as the parts it is made of (the engine's text
/// and the JSON texts PostgreSQL built, see [`Splices`]), of known length.
struct Parts {
    parts: std::collections::VecDeque<Bytes>,
    remaining: u64,
}

impl Parts {
    fn body(parts: Vec<Bytes>) -> axum::body::Body {
        let remaining = parts.iter().map(|part| part.len() as u64).sum();
        axum::body::Body::new(Self {
            parts: parts.into(),
            remaining,
        })
    }
}

impl http_body::Body for Parts {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        std::task::Poll::Ready(this.parts.pop_front().map(|part| {
            this.remaining -= part.len() as u64;
            Ok(http_body::Frame::data(part))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.parts.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

enum Refusal {
    /// A mutation over GET.
    Method,
    /// Over the caller's rate limit.
    Rate(Decision),
    /// The answer could not be written.
    Failed(AppError),
}

async fn one(
    state: &AppState,
    caller: &Caller,
    lang: PreferredLang,
    method: &Method,
    operation: Operation,
    directives: Directives,
) -> Result<Outcome, Refusal> {
    // The latency metric counts the time from here, a kept answer's too.
    let started = std::time::Instant::now();
    let refused = |error: AppError| {
        Outcome::request_error(
            json!({ "errors": [{ "message": error.to_string(), "extensions": { "code": error.code() } }] }),
        )
    };
    let variables_json = operation.variables.unwrap_or(Value::Null);
    if !(variables_json.is_object() || variables_json.is_null()) {
        return Ok(refused(AppError::bad_input(
            "variables",
            "`variables` must be an object of variable values",
        )));
    }
    // The answer kept for the same query from the same caller, if nothing
    // changed since it was computed.
    let stamp = state
        .responses
        .enabled()
        .then(|| Stamp::now(&state.changes))
        .flatten();
    let key = stamp
        .filter(|_| operation.query.len() <= crate::documents::MAX_TEXT_BYTES)
        .filter(|_| !(directives.no_cache && directives.no_store))
        .map(|_| Key {
            query: operation.query.clone(),
            operation_name: operation.operation_name.clone(),
            variables: variables_json.to_string(),
            principal: caller.principal.clone(),
            lang,
        });
    if let (Some(key), Some(stamp), false) = (&key, stamp, directives.no_cache)
        && let Some(answer) = state.responses.get(key, stamp)
    {
        return answered(state, caller, &answer, started);
    }
    if let Err(error) = guard::before_parsing(&operation.query, &variables_json, &state.limits) {
        return Ok(refused(error));
    }
    let variables = Variables::from_json(variables_json);
    // A document seen before is not parsed again; a new one is kept with its
    // text once it has passed the guards (below).
    let (kept, mut objects) = match state.documents.get(&operation.query) {
        Some((document, objects)) => (Some(document), Some(objects)),
        None => (None, None),
    };
    let new_text = kept.is_none().then(|| operation.query.clone());
    let mut request = async_graphql::Request::new(operation.query).variables(variables.clone());
    if let Some(name) = &operation.operation_name {
        request = request.operation_name(name);
    }
    if let Some(document) = kept {
        request.set_parsed_query(document);
    }
    let document = match request.parsed_query() {
        Ok(document) => document,
        Err(error) => {
            let mut error = error;
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", "GRAPHQL_PARSE_FAILED");
            return Ok(Outcome::request_error(json!({ "errors": [error] })));
        }
    };
    if *method == Method::GET && guard::is_mutation(document, operation.operation_name.as_deref()) {
        return Err(Refusal::Method);
    }
    let checked = match pipeline::check(
        state,
        caller,
        document,
        operation.operation_name.as_deref(),
        &variables,
    ) {
        Ok(checked) => checked,
        Err(pipeline::Refusal::Invalid(error)) => return Ok(refused(error)),
        Err(pipeline::Refusal::Rate(decision)) => return Err(Refusal::Rate(decision)),
    };
    let query = checked.kind == OperationType::Query;
    let (shape, decision) = (checked.shape, checked.decision);
    // Metrics label: the operation's name when the document has it and it is
    // a plain, short name (clients choose names; the label set stays small).
    let label = match operation.operation_name.as_deref() {
        None => "anonymous".to_owned(),
        Some(name)
            if name.len() <= 64
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && guard::operation(document, Some(name)).is_some() =>
        {
            name.to_owned()
        }
        Some(_) => "other".to_owned(),
    };
    // Kept once it has passed the guards and been paid for.
    if let Some(text) = new_text {
        objects = state.documents.keep(text, document);
    }
    let admitted = pipeline::enter(state, shape.cost).await;
    let queue = LoadQueue::default();
    let loaders = Loaders::batched(
        state.db.clone(),
        caller.principal.clone(),
        queue.clone(),
        state.metrics.clone(),
    )
    // A create queued for the writer of creates gives its place back.
    .appending(state.appends.clone().admitted(admitted.clone()));
    // The engine resolves fields of one response key once, their selections
    // merged: such a request takes the general path.
    let splices = Arc::new(Splices::default());
    let loaders = if compiled::keys_repeat(document, operation.operation_name.as_deref()) {
        loaders.general_only()
    } else {
        loaders.splicing(Arc::clone(&splices))
    };
    let mut request = caller.request(request.data(loaders), lang, &state.limits);
    // The objects compiled for a kept document are kept with it.
    if let Some(objects) = objects {
        request = request.data(objects);
    }
    let mut response = Batched::new(state.schema.execute(request), queue).await;
    classify_errors(&mut response.errors);
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    state.metrics.observe(
        Some(&label),
        outcome_label(&response.errors, request_error),
        started.elapsed(),
    );
    // The errors and extensions become JSON values (they are few and are
    // stamped later); the data is serialised once, into the response body.
    let mut body = serde_json::Map::new();
    if !response.errors.is_empty() {
        body.insert(
            "errors".into(),
            serde_json::to_value(&response.errors).unwrap_or(Value::Null),
        );
    }
    let engine_extensions = serde_json::to_value(&response.extensions)
        .ok()
        .and_then(|value| match value {
            Value::Object(fields) => Some(fields),
            _ => None,
        })
        .unwrap_or_default();
    let mut extensions = engine_extensions.clone();
    extensions.insert("cost".into(), cost(shape.cost, &decision));
    body.insert("extensions".into(), Value::Object(extensions));
    // A request that could not run has no `data` (GraphQL over HTTP).
    let mut data = None;
    if !request_error {
        let text = serde_json::to_string(&response.data).map_err(|error| {
            Refusal::Failed(AppError::internal(format!(
                "cannot serialise a response: {error}"
            )))
        })?;
        data = Some(splices.apply(text));
    }
    // A query's answer without errors is kept, unless the client asked not.
    let cacheable = key.is_some() && query && !directives.no_store;
    let why = if !cacheable {
        "bypass"
    } else if directives.no_cache {
        "request"
    } else {
        "miss"
    };
    let keep = key
        .zip(stamp)
        .filter(|_| cacheable && response.errors.is_empty());
    let mut stored = false;
    if let (Some((key, computed)), Some(parts)) = (keep, data.as_mut())
        && let Some(now) = Stamp::now(&state.changes)
    {
        let answer = |data| Answer {
            data,
            extensions: engine_extensions,
            cost: shape.cost,
            label,
        };
        stored = state.responses.keep(key, parts, answer, computed, now);
    }
    Ok(Outcome {
        data,
        body: Value::Object(body),
        request_error,
        decision: Some(decision),
        cache: Some(Cached::Computed { why, stored }),
    })
}

/// The operation's cost and what the caller has left, for `extensions`.
fn cost(requested: u64, decision: &Decision) -> Value {
    json!({
        "requested": requested,
        "limit": decision.limit,
        "remaining": decision.remaining,
        "resetSeconds": decision.reset_secs,
    })
}

/// A kept answer, sent again: the caller's rate limit is charged its cost.
fn answered(
    state: &AppState,
    caller: &Caller,
    answer: &Answer,
    started: std::time::Instant,
) -> Result<Outcome, Refusal> {
    let decision = state
        .limiter
        .charge(&caller.key, answer.cost, caller.budget);
    if !decision.allowed {
        state.metrics.rate_limited();
        return Err(Refusal::Rate(decision));
    }
    state
        .metrics
        .observe(Some(&answer.label), "ok", started.elapsed());
    let mut extensions = answer.extensions.clone();
    extensions.insert("cost".into(), cost(answer.cost, &decision));
    Ok(Outcome {
        data: Some(vec![answer.data.clone()]),
        body: json!({ "extensions": extensions }),
        request_error: false,
        decision: Some(decision),
        cache: Some(Cached::Hit),
    })
}

fn outcome_label(errors: &[ServerError], request_error: bool) -> &'static str {
    if errors.is_empty() {
        "ok"
    } else if request_error {
        "rejected"
    } else {
        "error"
    }
}

/// Adds the request id to every error; with introspection off, validation
/// messages (which name fields and types) are replaced by a plain one.
fn stamp(body: &mut Value, request_id: &str, introspection: bool) {
    let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) else {
        return;
    };
    for error in errors {
        if !introspection && error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" {
            error["message"] = json!("the query does not fit the schema");
            if let Some(fields) = error.as_object_mut() {
                fields.remove("locations");
            }
        }
        if let Some(extensions) = error
            .as_object_mut()
            .map(|e| e.entry("extensions").or_insert_with(|| json!({})))
            .and_then(Value::as_object_mut)
        {
            extensions.insert("requestId".into(), json!(request_id));
        }
    }
}

fn accepts_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(GRAPHQL_RESPONSE_JSON))
        })
}

/// A refusal before anything ran, in the GraphQL error format.
fn refuse(headers: &HeaderMap, status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        _ => "BAD_REQUEST",
    };
    let request_id = request_id(headers);
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code, "requestId": request_id } }] });
    (status, axum::Json(body)).into_response()
}

fn with_rate_headers(response: &mut Response, decision: &Decision) {
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: u64| {
        if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
            headers.insert(name, value);
        }
    };
    set("ratelimit-limit", decision.limit);
    set("ratelimit-remaining", decision.remaining);
    set("ratelimit-reset", decision.reset_secs);
    if !decision.allowed {
        set("retry-after", decision.retry_after_secs.max(1));
    }
}
