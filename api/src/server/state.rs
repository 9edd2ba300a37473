//! What every handler shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::auth::Verifier;
use crate::config::Limits;
use crate::db::StatementCounter;
use crate::feed::signal::ChangeSignal;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::schema::AppSchema;

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
    pub connections: Arc<super::ws::ConnectionCounts>,
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
