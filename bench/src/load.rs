//! Mixed load: 80% reads, 15% change-feed reads, 5% writes, from many
//! concurrent clients for a fixed time; every answer checked (a 200 with
//! `errors` is an error), latencies per kind and the process's resident
//! memory sampled along the way.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::Error;
use crate::measure::quantile;
use crate::server::Server;

/// The kinds of requests in the mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Project lists and single projects with their relations.
    Read,
    /// The change feed read on from a cursor.
    Feed,
    /// Project creations.
    Write,
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Report {
    /// Wall time of the run.
    pub duration: Duration,
    /// Latencies per kind.
    pub latencies: Vec<(Kind, Duration)>,
    /// Failed requests (transport errors, non-200, GraphQL errors), with the first messages.
    pub errors: u64,
    /// The first few error messages.
    pub samples: Vec<String>,
    /// Resident memory of the process (KiB) at each sample.
    pub rss_kib: Vec<u64>,
}

const LIST: &str = r#"query($o: ID) { projects(first: 20, filter: { territoryId: $o }) { nodes { code title status owner { name } participants(first: 5) { nodes { allianceRole member { name } } } funding(first: 5) { nodes { stage amount { amount currency } funder { name } } } } } }"#;
const ONE: &str = r#"query($c: String!) { project(code: $c) { code title status budget { amount currency } owner { name } territory { name } responsibilities(first: 10) { nodes { function phase raci } } } }"#;
const FEED: &str = r#"query($a: String) { changes(after: $a, first: 50) { nodes { sequence operation entityType entityId } pageInfo { endCursor } } }"#;
const CREATE: &str = r#"mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id } userErrors { message } } }"#;

fn rss_kib() -> u64 {
    crate::compare::status_kib("self", "VmRSS")
}

/// Runs the mix for `duration` with `clients` concurrent clients.
pub async fn mixed(
    server: &Server,
    duration: Duration,
    clients: usize,
    seed: u64,
) -> Result<Report, Error> {
    let token = server.coordinator_token()?;
    let http = reqwest::Client::new();
    let url = format!("{}/graphql", server.address);
    let post = |query: &'static str, variables: Value| {
        http.post(&url)
            .bearer_auth(&token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
    };
    // What the clients pick from.
    let body: Value = post(
        "{ territories(first: 30, filter: { topLevelOnly: true }) { nodes { id } } projects(first: 100) { nodes { code owner { id } territory { id } } } changes(first: 1) { edges { cursor } } }",
        json!({}),
    )
    .await
    .map_err(|e| Error::Request(e.to_string()))?
    .json()
    .await
    .map_err(|e| Error::Request(e.to_string()))?;
    let oblasts: Vec<Value> = body["data"]["territories"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|n| n["id"].clone())
        .collect();
    let projects: Vec<Value> = body["data"]["projects"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if oblasts.is_empty() || projects.is_empty() {
        return Err(Error::Request(format!("no data to load: {body}")));
    }
    let first_cursor = body["data"]["changes"]["edges"][0]["cursor"].clone();
    let shared = Arc::new((oblasts, projects, first_cursor));
    // Codes of created projects are unique across runs on the same database.
    let run = chrono::Utc::now().timestamp_millis();
    let report = Arc::new(Mutex::new(Report::default()));
    let started = Instant::now();
    let deadline = started + duration;

    let sampler = {
        let report = Arc::clone(&report);
        tokio::spawn(async move {
            while Instant::now() < deadline {
                report.lock().await.rss_kib.push(rss_kib());
                tokio::time::sleep(Duration::from_secs(10)).await;
            }
        })
    };
    let mut workers = Vec::new();
    for client in 0..clients {
        let (http, url, token, shared, report) = (
            http.clone(),
            url.clone(),
            token.clone(),
            Arc::clone(&shared),
            Arc::clone(&report),
        );
        workers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed + client as u64);
            let mut cursor = shared.2.clone();
            let mut latencies = Vec::new();
            let (mut errors, mut samples) = (0u64, Vec::new());
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let roll = rng.random_range(0..100);
                let (kind, query, variables) = if roll < 80 {
                    if roll % 2 == 0 {
                        (Kind::Read, LIST, json!({ "o": shared.0[rng.random_range(0..shared.0.len())] }))
                    } else {
                        let p = &shared.1[rng.random_range(0..shared.1.len())];
                        (Kind::Read, ONE, json!({ "c": p["code"] }))
                    }
                } else if roll < 95 {
                    (Kind::Feed, FEED, json!({ "a": cursor }))
                } else {
                    let p = &shared.1[rng.random_range(0..shared.1.len())];
                    (Kind::Write, CREATE, json!({ "i": {
                        "code": format!("LOAD-{run}-{client}-{n}"),
                        "titles": { "en": "Load test", "uk": "Навантаження" },
                        "descriptions": { "en": "Load test.", "uk": "Навантаження." },
                        "projectType": "REHABILITATION", "purpose": "RESTORATION", "sectorCode": "11220",
                        "theme": "EDUCATION", "territoryId": p["territory"]["id"], "ownerId": p["owner"]["id"]
                    } }))
                };
                let sent = Instant::now();
                let answer = http.post(&url).bearer_auth(&token).json(&json!({ "query": query, "variables": variables })).send().await;
                let body: Result<Value, String> = match answer {
                    Ok(r) if r.status().is_success() => r.json().await.map_err(|e| e.to_string()),
                    Ok(r) => Err(format!("HTTP {}", r.status())),
                    Err(e) => Err(e.to_string()),
                };
                let took = sent.elapsed();
                match body {
                    Ok(body) if body.get("errors").is_none() && body["data"]["createProject"]["userErrors"].as_array().is_none_or(Vec::is_empty) => {
                        if kind == Kind::Feed && let Some(end) = body["data"]["changes"]["pageInfo"]["endCursor"].as_str() {
                            cursor = json!(end);
                        }
                        latencies.push((kind, took));
                    }
                    Ok(body) => {
                        errors += 1;
                        if samples.len() < 3 {
                            samples.push(body.to_string().chars().take(300).collect());
                        }
                    }
                    Err(e) => {
                        errors += 1;
                        if samples.len() < 3 {
                            samples.push(e);
                        }
                    }
                }
            }
            let mut report = report.lock().await;
            report.latencies.extend(latencies);
            report.errors += errors;
            report.samples.extend(samples);
        }));
    }
    for worker in workers {
        worker.await.map_err(|e| Error::Request(e.to_string()))?;
    }
    sampler.abort();
    let _ = sampler.await;
    let mut report = Arc::try_unwrap(report)
        .map_err(|_| Error::Request("report still shared".into()))?
        .into_inner();
    report.duration = started.elapsed();
    report.rss_kib.push(rss_kib());
    Ok(report)
}

/// The report as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let total = report.latencies.len() as u64 + report.errors;
    out.push_str(&format!(
        "{} requests in {:.0} s ({:.0}/s), {} errors\n\n| kind | requests | share | p50 ms | p99 ms |\n|---|---|---|---|---|\n",
        total,
        report.duration.as_secs_f64(),
        total as f64 / report.duration.as_secs_f64(),
        report.errors
    ));
    for kind in [Kind::Read, Kind::Feed, Kind::Write] {
        let samples: Vec<Duration> = report
            .latencies
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, d)| *d)
            .collect();
        let mut sorted = samples.clone();
        sorted.sort();
        out.push_str(&format!(
            "| {kind:?} | {} | {:.1}% | {:.1} | {:.1} |\n",
            samples.len(),
            100.0 * samples.len() as f64 / total.max(1) as f64,
            quantile(&sorted, 0.5).as_secs_f64() * 1000.0,
            quantile(&sorted, 0.99).as_secs_f64() * 1000.0,
        ));
    }
    let rss: Vec<String> = report
        .rss_kib
        .iter()
        .map(|k| format!("{}", k / 1024))
        .collect();
    out.push_str(&format!(
        "\nResident memory (MiB) every 10 s: {}\n",
        rss.join(", ")
    ));
    for sample in &report.samples {
        out.push_str(&format!("\nerror: {sample}\n"));
    }
    out
}
