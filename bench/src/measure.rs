//! Measured queries: each response is checked (a 200 with `errors` is a
//! failure) before its time counts.

use std::time::{Duration, Instant};

use entity::assistance_need;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use crate::Error;
use crate::server::Server;

/// Suggestions for one need, as a coordinator's screen asks for them.
pub const SUGGESTIONS: &str = r#"query($need: ID!) {
  matchSuggestions(needId: $need, first: 20) {
    totalCount
    nodes { score offer { id title member { name } } parts { factor value reason } }
  }
}"#;

/// Latency figures of one measured query.
#[derive(Clone, Debug)]
pub struct Latency {
    /// Timed requests.
    pub requests: usize,
    /// Median, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile, milliseconds.
    pub p99_ms: f64,
    /// Mean, milliseconds.
    pub mean_ms: f64,
    /// Mean number of candidates scored per request (`totalCount`).
    pub mean_candidates: f64,
}

/// The `q`-quantile of sorted `samples` (nearest rank).
pub fn quantile(samples: &[Duration], q: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((samples.len() as f64) * q).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

/// Global IDs of the first `count` open needs.
pub async fn open_needs(db: &DatabaseConnection, count: u64) -> Result<Vec<String>, Error> {
    let ids: Vec<i64> = assistance_need::Entity::find()
        .filter(assistance_need::Column::Status.eq("OPEN"))
        .select_only()
        .column(assistance_need::Column::Id)
        .order_by_asc(assistance_need::Column::Id)
        .limit(count)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids
        .into_iter()
        .map(|id| alliance_api::ids::encode("AssistanceNeed", id).to_string())
        .collect())
}

/// POSTs `query` and returns its data, failing on any error.
async fn post(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    query: &str,
    variables: Value,
) -> Result<Value, Error> {
    let response = client
        .post(format!("{}/graphql", server.address))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .map_err(|e| Error::Request(e.to_string()))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| Error::Request(e.to_string()))?;
    if !status.is_success() || body.get("errors").is_some() {
        return Err(Error::Request(format!("{status}: {body}")));
    }
    Ok(body["data"].clone())
}

/// Times `requests` suggestion queries, one at a time, cycling through
/// `needs`, after `warmup` untimed ones.
pub async fn suggestions(
    server: &Server,
    needs: &[String],
    requests: usize,
    warmup: usize,
) -> Result<Latency, Error> {
    if needs.is_empty() {
        return Err(Error::Request("no open need to ask suggestions for".into()));
    }
    let client = reqwest::Client::new();
    let token = server.coordinator_token()?;
    let mut samples = Vec::with_capacity(requests);
    let mut candidates = 0u64;
    for i in 0..warmup + requests {
        let need = &needs[i % needs.len()];
        let started = Instant::now();
        let data = post(
            &client,
            server,
            &token,
            SUGGESTIONS,
            json!({ "need": need }),
        )
        .await?;
        let took = started.elapsed();
        if i >= warmup {
            samples.push(took);
            candidates += data["matchSuggestions"]["totalCount"].as_u64().unwrap_or(0);
        }
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let total: Duration = samples.iter().sum();
    Ok(Latency {
        requests,
        p50_ms: ms(quantile(&samples, 0.5)),
        p99_ms: ms(quantile(&samples, 0.99)),
        mean_ms: ms(total) / requests.max(1) as f64,
        mean_candidates: candidates as f64 / requests.max(1) as f64,
    })
}
