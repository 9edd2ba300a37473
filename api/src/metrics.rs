//! `/metrics` in the Prometheus text format: GraphQL requests by operation
//! name and outcome, their latency, rate-limit refusals, nested pages built
//! as JSON, live subscriptions, the database pool and statements.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend};

use crate::responses::Responses;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
/// Operation names kept apart; the rest are counted as `other` (names are
/// chosen by clients, so their number must stay bounded).
const MAX_OPERATIONS: usize = 200;

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// The service's counters.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<HashMap<(String, &'static str), Series>>,
    rate_limited: AtomicU64,
    json_pages: AtomicU64,
}

impl Metrics {
    /// Records one GraphQL operation.
    pub fn observe(&self, operation: Option<&str>, outcome: &'static str, took: Duration) {
        let mut requests = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut name = operation.unwrap_or("anonymous").to_owned();
        let known = requests.keys().any(|(n, _)| *n == name);
        if !known && requests.len() >= MAX_OPERATIONS {
            name = "other".to_owned();
        }
        let series = requests.entry((name, outcome)).or_default();
        let seconds = took.as_secs_f64();
        series.count += 1;
        series.sum += seconds;
        for (bucket, bound) in series.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    /// Counts a request refused by the rate limiter.
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a nested list's page whose nodes the database built as JSON
    /// (see [`crate::compiled`]).
    pub fn json_page(&self) {
        self.json_pages.fetch_add(1, Ordering::Relaxed);
    }

    /// The text of `/metrics`.
    pub fn render(
        &self,
        db: &DatabaseConnection,
        subscriptions: usize,
        statements: u64,
        responses: &Responses,
    ) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP alliance_graphql_requests_total GraphQL operations by operation name and outcome (ok, error, rejected).\n# TYPE alliance_graphql_requests_total counter"
        );
        let requests = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut keys: Vec<_> = requests.keys().cloned().collect();
        keys.sort();
        for key in &keys {
            let series = &requests[key];
            let _ = writeln!(
                out,
                "alliance_graphql_requests_total{{operation=\"{}\",outcome=\"{}\"}} {}",
                escape(&key.0),
                key.1,
                series.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP alliance_graphql_request_duration_seconds Time to run a GraphQL operation.\n# TYPE alliance_graphql_request_duration_seconds histogram"
        );
        for key in &keys {
            let series = &requests[key];
            let labels = format!("operation=\"{}\",outcome=\"{}\"", escape(&key.0), key.1);
            for (bound, count) in BUCKETS.iter().zip(series.buckets) {
                let _ = writeln!(
                    out,
                    "alliance_graphql_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "alliance_graphql_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\nalliance_graphql_request_duration_seconds_sum{{{labels}}} {}\nalliance_graphql_request_duration_seconds_count{{{labels}}} {}",
                series.count, series.sum, series.count
            );
        }
        drop(requests);
        let (size, idle) = pool(db);
        let (hits, misses) = responses.counts();
        let _ = writeln!(
            out,
            "# HELP alliance_rate_limited_total Requests refused by the rate limiter.\n# TYPE alliance_rate_limited_total counter\nalliance_rate_limited_total {}\n\
             # HELP alliance_json_pages_total Pages of root and nested lists whose nodes the database built as JSON.\n# TYPE alliance_json_pages_total counter\nalliance_json_pages_total {}\n\
             # HELP alliance_subscriptions Live subscriptions on this instance.\n# TYPE alliance_subscriptions gauge\nalliance_subscriptions {subscriptions}\n\
             # HELP alliance_db_pool_connections Open database connections.\n# TYPE alliance_db_pool_connections gauge\nalliance_db_pool_connections {size}\n\
             # HELP alliance_db_pool_idle_connections Idle database connections.\n# TYPE alliance_db_pool_idle_connections gauge\nalliance_db_pool_idle_connections {idle}\n\
             # HELP alliance_db_statements_total SQL statements run.\n# TYPE alliance_db_statements_total counter\nalliance_db_statements_total {statements}\n\
             # HELP alliance_response_cache_total Queries that looked for a kept answer, by whether one was sent (hit) or not (miss).\n# TYPE alliance_response_cache_total counter\nalliance_response_cache_total{{result=\"hit\"}} {hits}\nalliance_response_cache_total{{result=\"miss\"}} {misses}\n\
             # HELP alliance_response_cache_bytes Memory the kept answers take, roughly.\n# TYPE alliance_response_cache_bytes gauge\nalliance_response_cache_bytes {kept}",
            self.rate_limited.load(Ordering::Relaxed),
            self.json_pages.load(Ordering::Relaxed),
            kept = responses.kept_bytes(),
        );
        out
    }
}

fn pool(db: &DatabaseConnection) -> (u32, usize) {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
