//! `/graphql/ws`: GraphQL over WebSocket with the graphql-transport-ws
//! protocol (the one `graphql-ws` clients speak).
//!
//! The client authenticates in `connection_init` (`{"Authorization": "Bearer
//! <token>"}`, or `{"token": "<token>"}`; no payload is anonymous). The
//! protocol's close codes apply: 4400 for a message that is not one of the
//! protocol's, 4401 for `subscribe` before the connection is acknowledged, 4403
//! for a token that is refused (or has expired since), 4406 without the
//! protocol, 4408 without `connection_init` within ten seconds, 4409 for a
//! subscription id in use, 4429 for a second `connection_init`; 1001 when the
//! service shuts down.
//!
//! Every operation goes through the same pipeline as over HTTP
//! ([`crate::pipeline`]): limits, cost, the caller's budgets, and for
//! queries and mutations the in-flight budget and the time limit (an
//! operation cut at the limit ends with a `TIMEOUT` error). The caller is
//! checked again before every operation and every
//! [`RECHECK_EVERY`]: a token that expired or an organisation that is no
//! longer a member or applicant closes the connection with 4403.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_graphql::futures_util::StreamExt;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use async_graphql::parser::types::OperationType;

use crate::auth::Principal;
use crate::error::AppError;
use crate::guard;
use crate::i18n::PreferredLang;
use crate::loader::Loaders;
use crate::pipeline::{self, Caller};
use crate::server::AppState;
use crate::server::caller::authorize;
use crate::server::errors::classify_errors;

/// The subprotocol spoken.
pub const PROTOCOL: &str = "graphql-transport-ws";
/// How long a client has to send `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Live WebSocket connections one client address may hold at a time.
pub const MAX_CONNECTIONS_PER_ADDRESS: usize = 32;
/// Live operations one connection may hold at a time.
pub const MAX_OPERATIONS: usize = 100;
/// How often a connection's caller is checked again while no operation
/// arrives (its organisation may have been suspended meanwhile).
pub const RECHECK_EVERY: Duration = Duration::from_secs(30);

/// A message from the client.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    // Their optional payloads are not used.
    Ping {},
    Pong {},
    Subscribe {
        id: String,
        payload: Box<async_graphql::Request>,
    },
    Complete {
        id: String,
    },
}

/// What an operation's task hands to the connection.
enum Outgoing {
    /// A `next` message of run `run` of operation `id`.
    Message {
        id: String,
        run: u64,
        message: Value,
    },
    /// Run `run` of operation `id` ended: send this last message (`complete`
    /// or `error`) and forget it.
    Finished {
        id: String,
        run: u64,
        message: Value,
    },
}

/// A running operation: which run of its id it is (ids may be reused once an
/// operation completed) and its task, stopped when dropped.
struct Running {
    run: u64,
    _task: AbortOnDrop,
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Upgrades to a WebSocket speaking graphql-transport-ws.
pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let lang = PreferredLang::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let key = crate::ratelimit::address_key(peer.ip());
    let Some(admitted) = state.connections.enter(&key, MAX_CONNECTIONS_PER_ADDRESS) else {
        state.metrics.rate_limited();
        let body = json!({ "errors": [{
            "message": format!("at most {MAX_CONNECTIONS_PER_ADDRESS} live connections per client address"),
            "extensions": { "code": "RATE_LIMITED" },
        }]});
        return (axum::http::StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    };
    let upgrade = upgrade
        .protocols([PROTOCOL])
        .max_message_size(state.limits.max_body_bytes);
    let spoken = upgrade.selected_protocol().is_some();
    upgrade.on_upgrade(move |socket| async move {
        // Counted until the connection ends.
        let _admitted = admitted;
        if spoken {
            Connection::new(socket, state, lang, peer).run().await;
        } else {
            let mut socket = socket;
            close(&mut socket, 4406, "Subprotocol not acceptable").await;
        }
    })
}

/// Live connections per client address.
#[derive(Default)]
pub struct ConnectionCounts {
    counts: std::sync::Mutex<HashMap<String, usize>>,
}

/// One admitted connection; leaving frees its place.
pub struct Admitted {
    counts: Arc<ConnectionCounts>,
    key: String,
}

impl ConnectionCounts {
    /// Admits a connection of `key` unless it holds `max` already.
    pub fn enter(self: &Arc<Self>, key: &str, max: usize) -> Option<Admitted> {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = counts.entry(key.to_owned()).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(Admitted {
            counts: Arc::clone(self),
            key: key.to_owned(),
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self
            .counts
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// One client connection.
struct Connection {
    socket: WebSocket,
    state: AppState,
    lang: PreferredLang,
    /// The client's address (the rate limit of anonymous callers).
    peer: SocketAddr,
    /// The caller once `connection_init` is accepted.
    principal: Option<Principal>,
    /// The `Authorization` value `connection_init` gave, checked again
    /// before every operation.
    authorization: Option<String>,
    /// When the caller's token expires.
    expires: Option<Instant>,
    initialising: bool,
    operations: HashMap<String, Running>,
    runs: u64,
    outgoing: (mpsc::Sender<Outgoing>, mpsc::Receiver<Outgoing>),
}

impl Connection {
    fn new(socket: WebSocket, state: AppState, lang: PreferredLang, peer: SocketAddr) -> Self {
        Self {
            peer,
            socket,
            state,
            lang,
            principal: None,
            authorization: None,
            expires: None,
            initialising: false,
            operations: HashMap::new(),
            runs: 0,
            outgoing: mpsc::channel(64),
        }
    }

    async fn run(mut self) {
        let init_deadline = Instant::now() + INIT_TIMEOUT;
        let shutdown = self.state.shutdown.clone();
        let mut recheck = tokio::time::interval_at(Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
        let closing = loop {
            let deadline = match (&self.principal, self.expires) {
                (None, _) => Some(init_deadline),
                (Some(_), expires) => expires,
            };
            tokio::select! {
                incoming = self.socket.recv() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(closing) = self.receive(text.as_str()).await {
                            break Some(closing);
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        break Some((4400, "Binary messages are not part of the protocol".into()));
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break None,
                },
                Some(outgoing) = self.outgoing.1.recv() => {
                    // Messages of an operation the client completed (or of an
                    // earlier run of a reused id) are dropped.
                    let message = match outgoing {
                        Outgoing::Message { id, run, message } => {
                            if self.operations.get(&id).is_none_or(|r| r.run != run) {
                                continue;
                            }
                            message
                        }
                        Outgoing::Finished { id, run, message } => {
                            if self.operations.get(&id).is_none_or(|r| r.run != run) {
                                continue;
                            }
                            self.operations.remove(&id);
                            message
                        }
                    };
                    if self.send(&message).await.is_err() {
                        break None;
                    }
                }
                () = sleep_until(deadline) => {
                    break Some(if self.principal.is_none() {
                        (4408, "Connection initialisation timeout".into())
                    } else {
                        (4403, "Forbidden: the token has expired".into())
                    });
                }
                () = until_stopping(shutdown.clone()) => {
                    break Some((1001, "The service is shutting down".into()));
                }
                _ = recheck.tick(), if self.principal.is_some() => {
                    if let Err(closing) = self.recheck().await {
                        break Some(closing);
                    }
                }
            }
        };
        // Dropping the operations stops their tasks.
        self.operations.clear();
        if let Some((code, reason)) = closing {
            close(&mut self.socket, code, &reason).await;
        }
    }

    async fn send(&mut self, message: &Value) -> Result<(), axum::Error> {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
    }

    /// Handles one text message; `Some((code, reason))` closes the connection.
    async fn receive(&mut self, text: &str) -> Option<(u16, String)> {
        let Ok(message) = serde_json::from_str::<ClientMessage>(text) else {
            return Some((4400, "Invalid message received".into()));
        };
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if self.initialising || self.principal.is_some() {
                    return Some((4429, "Too many initialisation requests".into()));
                }
                self.initialising = true;
                let authorization = bearer(payload.as_ref());
                match authorize(&self.state, authorization.as_deref()).await {
                    Ok((principal, expires)) => {
                        self.principal = Some(principal);
                        self.authorization = authorization;
                        self.expires = expires.map(instant_of);
                        if self
                            .send(&json!({ "type": "connection_ack" }))
                            .await
                            .is_err()
                        {
                            return Some((1011, "Cannot acknowledge".into()));
                        }
                    }
                    Err(AppError::Unavailable(_)) => {
                        return Some((1013, "The service is unavailable; try again".into()));
                    }
                    Err(AppError::Unauthenticated | AppError::Forbidden) => {
                        return Some((4403, "Forbidden".into()));
                    }
                    Err(error) => {
                        error.log();
                        return Some((1011, "Internal error".into()));
                    }
                }
            }
            ClientMessage::Ping { .. } => {
                if self.send(&json!({ "type": "pong" })).await.is_err() {
                    return Some((1011, "Cannot answer".into()));
                }
            }
            ClientMessage::Pong { .. } => {}
            ClientMessage::Subscribe { id, payload } => {
                let Some(principal) = self.principal.clone() else {
                    return Some((4401, "Unauthorized".into()));
                };
                if self.operations.contains_key(&id) {
                    return Some((4409, format!("Subscriber for {id} already exists")));
                }
                if self.operations.len() >= MAX_OPERATIONS {
                    let message = json!({ "type": "error", "id": id, "payload": [{
                        "message": format!("a connection holds at most {MAX_OPERATIONS} operations: complete one first"),
                        "extensions": { "code": "BAD_USER_INPUT" },
                    }]});
                    if self.send(&message).await.is_err() {
                        return Some((1011, "Cannot answer".into()));
                    }
                    return None;
                }
                let mut request = *payload;
                let caller = Caller::new(principal, self.peer.ip(), &self.state.limits);
                let checked = match self.admit(&caller, &mut request) {
                    Ok(checked) => checked,
                    Err(error) => {
                        let message = json!({ "type": "error", "id": id, "payload": [{
                            "message": error.to_string(),
                            "extensions": { "code": error.code() },
                        }]});
                        if self.send(&message).await.is_err() {
                            return Some((1011, "Cannot answer".into()));
                        }
                        return None;
                    }
                };
                // The caller as it stands now, not as it stood at
                // `connection_init` (checked once the operation is paid
                // for, so that a flood of operations is refused by the
                // budget before it costs a lookup each).
                if let Err(closing) = self.recheck().await {
                    return Some(closing);
                }
                let caller = match self.principal.clone() {
                    Some(principal) => Caller {
                        principal,
                        ..caller
                    },
                    None => return Some((4401, "Unauthorized".into())),
                };
                self.runs += 1;
                let run = self.runs;
                let task = AbortOnDrop(self.start(id.clone(), run, request, caller, checked));
                self.operations.insert(id, Running { run, _task: task });
            }
            ClientMessage::Complete { id } => {
                // Dropping the operation stops its task.
                self.operations.remove(&id);
            }
        }
        None
    }

    /// Checks the caller again (token expiry, its organisation's standing)
    /// and takes the answer as the connection's caller; `Err` closes the
    /// connection.
    async fn recheck(&mut self) -> Result<(), (u16, String)> {
        match authorize(&self.state, self.authorization.as_deref()).await {
            Ok((principal, expires)) => {
                self.principal = Some(principal);
                self.expires = expires.map(instant_of);
                Ok(())
            }
            Err(AppError::Unavailable(_)) => {
                Err((1013, "The service is unavailable; try again".into()))
            }
            Err(AppError::Unauthenticated | AppError::Forbidden) => Err((
                4403,
                "Forbidden: the token or the organisation's access has ended".into(),
            )),
            Err(error) => {
                error.log();
                Err((1011, "Internal error".into()))
            }
        }
    }

    /// The same checks as over HTTP ([`pipeline::check`]): shape, limits,
    /// cost and the caller's budgets. A document that does not parse is
    /// reported by the engine; it costs nothing and runs nothing.
    fn admit(
        &self,
        caller: &Caller,
        request: &mut async_graphql::Request,
    ) -> Result<Option<pipeline::Checked>, AppError> {
        let variables = serde_json::to_value(&request.variables).unwrap_or_default();
        guard::before_parsing(&request.query, &variables, &self.state.limits)?;
        let name = request.operation_name.clone();
        let variables = request.variables.clone();
        let Ok(document) = request.parsed_query() else {
            return Ok(None);
        };
        match pipeline::check(&self.state, caller, document, name.as_deref(), &variables) {
            Ok(checked) => Ok(Some(checked)),
            Err(pipeline::Refusal::Invalid(error)) => Err(error),
            Err(pipeline::Refusal::Rate(decision)) => Err(AppError::RateLimited {
                retry_after_secs: decision.retry_after_secs,
            }),
        }
    }

    /// Runs one operation, forwarding its results to the connection: a
    /// subscription as a stream of results, a query or mutation as one
    /// result within the in-flight budget and the time limit.
    fn start(
        &self,
        id: String,
        run: u64,
        request: async_graphql::Request,
        caller: Caller,
        checked: Option<pipeline::Checked>,
    ) -> JoinHandle<()> {
        let state = self.state.clone();
        let request = caller
            .request(request, self.lang, &state.limits)
            .data(Arc::clone(&state.changes));
        let outgoing = self.outgoing.0.clone();
        let once = checked
            .as_ref()
            .is_some_and(|c| c.kind != OperationType::Subscription);
        if once {
            let cost = checked.as_ref().map_or(0, |c| c.shape.cost);
            return tokio::spawn(async move {
                let work = async {
                    let admitted = pipeline::enter(&state, cost).await;
                    let request = request.data(
                        Loaders::new(state.db.clone(), caller.principal.clone())
                            .appending(state.appends.clone().admitted(admitted)),
                    );
                    state.schema.execute(request).await
                };
                let message = match pipeline::within_time_limit(&state.limits, work).await {
                    Some(mut response) => {
                        classify_errors(&mut response.errors);
                        if refused_before_running(&response) {
                            // Refused before anything ran: the protocol's
                            // `error` message, which ends the operation.
                            let message =
                                json!({ "type": "error", "id": id, "payload": response.errors });
                            let _ = outgoing.send(Outgoing::Finished { id, run, message }).await;
                            return;
                        }
                        json!({ "type": "next", "id": id, "payload": response })
                    }
                    None => json!({ "type": "next", "id": id, "payload": { "errors": [{
                        "message": pipeline::TIMEOUT_MESSAGE,
                        "extensions": { "code": "TIMEOUT" },
                    }]}}),
                };
                let next = Outgoing::Message {
                    id: id.clone(),
                    run,
                    message,
                };
                if outgoing.send(next).await.is_err() {
                    return;
                }
                let message = json!({ "type": "complete", "id": id });
                let _ = outgoing.send(Outgoing::Finished { id, run, message }).await;
            });
        }
        let request = request.data(
            Loaders::new(state.db.clone(), caller.principal.clone())
                .appending(state.appends.clone()),
        );
        let mut results = state.schema.execute_stream(request);
        tokio::spawn(async move {
            let mut first = true;
            while let Some(mut response) = results.next().await {
                classify_errors(&mut response.errors);
                // Refused before anything ran (validation, arguments, access):
                // the protocol's `error` message, which ends the operation.
                // A subscription's field resolves when it starts: a first
                // answer without data is its refusal (the stream then ends).
                if first && response.data == async_graphql::Value::Null && response.is_err() {
                    let message = json!({ "type": "error", "id": id, "payload": response.errors });
                    let _ = outgoing.send(Outgoing::Finished { id, run, message }).await;
                    return;
                }
                first = false;
                let message = json!({ "type": "next", "id": id, "payload": response });
                if outgoing
                    .send(Outgoing::Message {
                        id: id.clone(),
                        run,
                        message,
                    })
                    .await
                    .is_err()
                {
                    return;
                }
            }
            let message = json!({ "type": "complete", "id": id });
            let _ = outgoing.send(Outgoing::Finished { id, run, message }).await;
        })
    }
}

/// Whether a query's or mutation's response is a refusal made before
/// anything ran (validation, arguments, access), which the protocol answers
/// with `error`: no data and only errors without a path, as over HTTP. A
/// mutation whose later field failed after an earlier one was written is a
/// result (`next`).
fn refused_before_running(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// The `Authorization` value in a `connection_init` payload: its
/// `Authorization` (or `authorization`) entry, or `Bearer <token>`.
fn bearer(payload: Option<&Value>) -> Option<String> {
    let payload = payload?;
    for key in ["Authorization", "authorization"] {
        if let Some(value) = payload.get(key).and_then(Value::as_str) {
            return Some(value.to_owned());
        }
    }
    payload
        .get("token")
        .and_then(Value::as_str)
        .map(|token| format!("Bearer {token}"))
}

/// The moment of a token's expiry (`exp`, seconds since the epoch).
fn instant_of(exp: u64) -> Instant {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    Instant::now() + Duration::from_secs(exp.saturating_sub(now))
}

/// Completes when the service starts shutting down (at once if it has).
async fn until_stopping(mut shutdown: tokio::sync::watch::Receiver<bool>) {
    if shutdown.wait_for(|stopping| *stopping).await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
