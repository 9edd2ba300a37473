//! The service side by side with PostGraphile and the raw-SQL floor on the
//! same PostgreSQL database and data.
//!
//! Each implementation runs as its own process so that its CPU time and
//! resident memory can be read from `/proc`: the service (the release binary
//! `alliance`), PostGraphile (`npx postgraphile`), and for the floor
//! PostgreSQL itself driven by `pgbench -M prepared`. Every query is checked
//! first: each implementation's answer must be free of errors and agree with
//! the others (same project codes in the same order, same number of names,
//! roles, funding stages and RACI entries, same counts). Then the load
//! generators run: `oha` (closed loop at each connection count, open loop at
//! a fixed rate with latency correction), `wrk` for the create mutation
//! (every request needs a new project code, which its Lua script makes) and
//! `pgbench` for the floor. Implementations alternate within each round
//! (A B C A B C …). SQL statements per request come from
//! `pg_stat_statements` when the server has it loaded.
//!
//! The service keeps query answers until the data changes, and every request
//! of a measurement asks the same thing, so `alliance` measures the service
//! as deployed: mostly kept answers. `alliance-fresh` is the same process
//! asked with `Cache-Control: no-cache, no-store` on every request (checks,
//! statement counts, closed and open loops), so that it computes every
//! answer and keeps none: the engine itself. It leaves out Q6, whose
//! mutation is never kept.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use serde_json::Value;
use tokio::process::{Child, Command};

use crate::Error;
use crate::queries::{self, CODE, Params, Query};

/// An implementation under comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    /// This service, as deployed: answers kept until the data changes.
    Alliance,
    /// The same service process, every request with `Cache-Control:
    /// no-cache, no-store`: every answer computed, none kept.
    AllianceFresh,
    /// PostGraphile 4 from npm.
    PostGraphile,
    /// One hand-written SQL statement per query, run by pgbench.
    Sql,
    /// A trivial endpoint of the service returning Q2's bytes.
    Baseline,
}

impl Peer {
    /// The implementation's name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Peer::Alliance => "alliance",
            Peer::AllianceFresh => "alliance (no-cache)",
            Peer::PostGraphile => "postgraphile",
            Peer::Sql => "raw SQL (pgbench)",
            Peer::Baseline => "alliance /baseline",
        }
    }

    /// The implementation whose process serves this one (`None`: pgbench,
    /// no HTTP process): the service serves its fresh answers and its
    /// trivial endpoint too.
    fn process(self) -> Option<Peer> {
        match self {
            Peer::Alliance | Peer::AllianceFresh | Peer::Baseline => Some(Peer::Alliance),
            Peer::PostGraphile => Some(Peer::PostGraphile),
            Peer::Sql => None,
        }
    }

    /// The `Cache-Control` every request of this implementation carries.
    fn cache_control(self) -> Option<&'static str> {
        (self == Peer::AllianceFresh).then_some("no-cache, no-store")
    }

    /// Whether `query` is checked and timed on this implementation: the
    /// fresh answers leave out the create, which is never kept (it would be
    /// the same measurement twice).
    pub fn runs(self, query: Query) -> bool {
        !(self == Peer::AllianceFresh && query == Query::Q6)
    }
}

impl std::str::FromStr for Peer {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "alliance" => Ok(Peer::Alliance),
            "alliance-fresh" => Ok(Peer::AllianceFresh),
            "postgraphile" => Ok(Peer::PostGraphile),
            "sql" => Ok(Peer::Sql),
            other => Err(format!(
                "unknown implementation `{other}` (alliance, alliance-fresh, postgraphile, sql)"
            )),
        }
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The benchmark database (PostgreSQL).
    pub database_url: String,
    /// Queries to compare.
    pub queries: Vec<Query>,
    /// Implementations to compare (the baseline endpoint joins Q2 with the
    /// service; `AllianceFresh` shares the service's process).
    pub peers: Vec<Peer>,
    /// Rounds of alternation.
    pub rounds: usize,
    /// Seconds per measurement.
    pub seconds: u64,
    /// Closed-loop connection counts.
    pub connections: Vec<usize>,
    /// Also run an open loop at a fixed rate (half the slowest closed-loop rate).
    pub open_loop: bool,
    /// The service's release binary.
    pub alliance_binary: PathBuf,
    /// Where scripts, bodies and logs go.
    pub work_dir: PathBuf,
    /// Rows before the deep page of Q5.
    pub deep: u64,
    /// Connection pool of both HTTP implementations.
    pub pool: u32,
}

/// One measurement.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Query.
    pub query: Query,
    /// Implementation.
    pub peer: Peer,
    /// Connections.
    pub connections: usize,
    /// Offered rate of an open loop (`None`: closed loop).
    pub rate: Option<u64>,
    /// Round.
    pub round: usize,
    /// Completed requests.
    pub requests: u64,
    /// Failed requests (transport errors, non-2xx, rows not created).
    pub errors: u64,
    /// Requests per second.
    pub rps: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// SQL statements per request, when `pg_stat_statements` is there.
    pub statements: Option<f64>,
    /// CPU time of the implementation's process per request, ms.
    pub service_cpu_ms: Option<f64>,
    /// CPU time of PostgreSQL per request, ms.
    pub postgres_cpu_ms: f64,
    /// Peak resident memory of the implementation's processes, MiB.
    pub peak_rss_mib: Option<f64>,
}

/// Requests whose statements are counted per query and implementation.
const STATEMENT_SAMPLES: u64 = 3;

/// A running HTTP implementation.
struct Service {
    peer: Peer,
    child: Child,
    url: String,
}

impl Service {
    fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

impl Drop for Service {
    /// Stops the whole process tree: `npx` runs PostGraphile as a
    /// grandchild, which outlives `npx` when only `npx` is killed (as
    /// `kill_on_drop` does), and would keep its connections and memory
    /// through the rest of the run and after it.
    fn drop(&mut self) {
        let Some(root) = self.child.id() else {
            return;
        };
        let descendants: Vec<String> = process_tree(root)
            .into_iter()
            .filter(|pid| *pid != root)
            .map(|pid| pid.to_string())
            .collect();
        if !descendants.is_empty() {
            let _ = std::process::Command::new("kill")
                .arg("-KILL")
                .args(&descendants)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn free_port() -> Result<u16, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::Service(format!("no free port: {e}")))?;
    Ok(listener
        .local_addr()
        .map_err(|e| Error::Service(e.to_string()))?
        .port())
}

async fn wait_ready(http: &reqwest::Client, service: &mut Service) -> Result<(), Error> {
    for _ in 0..600 {
        if let Ok(Some(status)) = service.child.try_wait() {
            return Err(Error::Service(format!(
                "{} exited during start: {status}",
                service.peer.name()
            )));
        }
        let answer = http
            .post(&service.url)
            .header("content-type", "application/json")
            .body(r#"{"query":"{ __typename }"}"#)
            .send()
            .await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(Error::Service(format!(
        "{} did not become ready within 60 s",
        service.peer.name()
    )))
}

/// Starts `command` (serving GraphQL on `port`) and waits until it answers.
async fn launch(
    peer: Peer,
    mut command: Command,
    port: u16,
    http: &reqwest::Client,
) -> Result<Service, Error> {
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| Error::Service(format!("cannot start {}: {e}", peer.name())))?;
    let mut service = Service {
        peer,
        child,
        url: format!("http://127.0.0.1:{port}/graphql"),
    };
    wait_ready(http, &mut service).await?;
    Ok(service)
}

async fn start_alliance(
    options: &Options,
    http: &reqwest::Client,
    baseline: Option<&Path>,
) -> Result<Service, Error> {
    if !options.alliance_binary.exists() {
        return Err(Error::Service(format!(
            "{} is missing: build it with `cargo build --release`",
            options.alliance_binary.display()
        )));
    }
    let port = free_port()?;
    let mut command = Command::new(&options.alliance_binary);
    command
        .env("DATABASE_URL", &options.database_url)
        .env("DATABASE_MAX_CONNECTIONS", options.pool.to_string())
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DEMO_DATA", "false")
        .env("JWT_SECRET", crate::server::SECRET)
        .env("METRICS_TOKEN", METRICS_TOKEN)
        // The comparison measures the service, not its rate limiter.
        .env("RATE_LIMIT_ANONYMOUS", (u64::MAX / 4).to_string())
        .env("RATE_LIMIT_TOKEN", (u64::MAX / 4).to_string());
    if let Some(file) = baseline {
        command.env("BASELINE_RESPONSE_FILE", file);
    }
    launch(Peer::Alliance, command, port, http).await
}

async fn start_postgraphile(options: &Options, http: &reqwest::Client) -> Result<Service, Error> {
    let port = free_port()?;
    let mut command = Command::new("npx");
    command
        .args([
            "--yes",
            "postgraphile@4",
            "--connection",
            &options.database_url,
            "--schema",
            &format!("public,{}", queries::POSTGRAPHILE_SCHEMA),
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--max-pool-size",
            &options.pool.to_string(),
            "--disable-query-log",
            "--disable-graphiql",
            "--no-setof-functions-contain-nulls",
        ])
        .env("NODE_ENV", "production");
    launch(Peer::PostGraphile, command, port, http).await
}

/// The processes of a tree (a process and its descendants).
fn process_tree(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = processes().map(|(pid, stat)| (pid, stat.ppid)).collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    tree
}

struct Stat {
    comm: String,
    ppid: u32,
    /// utime + stime, clock ticks.
    own: u64,
    /// cutime + cstime of waited-for children, clock ticks.
    children: u64,
}

fn read_stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text[open + 1..close].to_owned();
    let fields: Vec<&str> = text[close + 2..].split_whitespace().collect();
    // Fields after the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
    let num = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Some(Stat {
        comm,
        ppid: num(1) as u32,
        own: num(11) + num(12),
        children: num(13) + num(14),
    })
}

fn ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or(100.0)
}

fn tree_cpu(root: u32) -> u64 {
    process_tree(root)
        .into_iter()
        .filter_map(read_stat)
        .map(|s| s.own)
        .sum()
}

/// A `/proc/PID/status` figure in KiB (`VmRSS`, `VmHWM`) of `pid` (or `self`).
pub fn status_kib(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| {
                    l.strip_prefix(field)
                        .is_some_and(|rest| rest.starts_with(':'))
                })
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A `/proc/PID/status` figure summed over a process tree.
fn tree_kib(root: u32, field: &str) -> u64 {
    process_tree(root)
        .into_iter()
        .map(|pid| status_kib(&pid.to_string(), field))
        .sum()
}

/// CPU time of every PostgreSQL process, plus what the postmaster collected
/// from backends that have exited.
fn postgres_cpu() -> u64 {
    let is_postgres = |comm: &str| comm == "postgres" || comm == "postmaster";
    processes()
        .filter(|(_, stat)| is_postgres(&stat.comm))
        .map(|(_, stat)| {
            let parent_is_postgres = read_stat(stat.ppid).is_some_and(|p| is_postgres(&p.comm));
            stat.own + if parent_is_postgres { 0 } else { stat.children }
        })
        .sum()
}

/// Every process on the machine with its `/proc/PID/stat`.
fn processes() -> impl Iterator<Item = (u32, Stat)> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, read_stat(pid)?)))
}

/// `pg_stat_statements`, when the server loads it.
struct StatementStats {
    db: DatabaseConnection,
    database: String,
}

impl StatementStats {
    async fn open(db: &DatabaseConnection, url: &str) -> Option<Self> {
        let statement = |sql: &str| Statement::from_string(DatabaseBackend::Postgres, sql);
        db.execute_raw(statement(
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
        ))
        .await
        .ok()?;
        db.query_one_raw(statement("SELECT count(*) FROM pg_stat_statements"))
            .await
            .ok()?;
        let database = url.rsplit('/').next()?.split('?').next()?.to_owned();
        Some(Self {
            db: db.clone(),
            database,
        })
    }

    async fn reset(&self) {
        let _ = self
            .db
            .execute_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                "SELECT pg_stat_statements_reset()",
            ))
            .await;
    }

    /// Statements run in the database since the reset, transaction control
    /// and session settings left out.
    async fn count(&self) -> Option<u64> {
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT CAST(coalesce(sum(s.calls), 0) AS BIGINT) FROM pg_stat_statements s \
                 JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 \
                 AND s.query !~* '^\\s*(begin|commit|rollback|start|set |reset|show|savepoint|release|discard|deallocate|listen|unlisten)' \
                 AND s.query !~* 'pg_stat_statements'",
                [self.database.clone().into()],
            ))
            .await
            .ok()??;
        row.try_get_by_index::<i64>(0).ok().map(|n| n as u64)
    }
}

/// What a load generator reported.
#[derive(Debug, Default)]
struct Load {
    requests: u64,
    errors: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn run_tool(mut command: Command, what: &str) -> Result<String, Error> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| Error::Service(format!("cannot run {what}: {e}")))?;
    if !output.status.success() {
        return Err(Error::Service(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&output.stderr)
                .chars()
                .take(500)
                .collect::<String>()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `oha` POSTing `body` with `headers` (beside the content type).
async fn oha(
    url: &str,
    body: &str,
    headers: &[(&str, String)],
    connections: usize,
    seconds: u64,
    rate: Option<u64>,
) -> Result<Load, Error> {
    let mut command = Command::new("oha");
    command.args([
        "--no-tui",
        "--output-format",
        "json",
        "-z",
        &format!("{seconds}s"),
        // Requests in flight at the deadline finish and count, so that the
        // CPU they used is divided among requests that completed.
        "--wait-ongoing-requests-after-deadline",
        "-c",
        &connections.to_string(),
        "-m",
        "POST",
        "-H",
        "content-type: application/json",
        "-d",
        body,
    ]);
    for (name, value) in headers {
        command.args(["-H", &format!("{name}: {value}")]);
    }
    if let Some(rate) = rate {
        command.args(["-q", &rate.to_string(), "--latency-correction"]);
    }
    command.arg(url);
    let out = run_tool(command, "oha (install it with `cargo install oha`)").await?;
    let report: Value = serde_json::from_str(&out)
        .map_err(|e| Error::Service(format!("oha printed no JSON report: {e}")))?;
    let statuses = report["statusCodeDistribution"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let count = |ok: bool| -> u64 {
        statuses
            .iter()
            .filter(|(code, _)| code.starts_with('2') == ok)
            .map(|(_, n)| n.as_u64().unwrap_or(0))
            .sum()
    };
    let transport: u64 = report["errorDistribution"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(what, _)| !what.contains("deadline"))
                .map(|(_, n)| n.as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0);
    let ok = count(true);
    let duration = report["summary"]["total"]
        .as_f64()
        .unwrap_or(seconds as f64);
    Ok(Load {
        requests: ok + count(false),
        errors: count(false) + transport,
        rps: ok as f64 / duration.max(0.001),
        p50_ms: report["latencyPercentiles"]["p50"].as_f64().unwrap_or(0.0) * 1000.0,
        p99_ms: report["latencyPercentiles"]["p99"].as_f64().unwrap_or(0.0) * 1000.0,
    })
}

/// `wrk` with a Lua script that gives every request a new project code and
/// `headers` (beside the content type).
async fn wrk(
    work_dir: &Path,
    url: &str,
    body: &str,
    headers: &[(&str, String)],
    connections: usize,
    seconds: u64,
    run: &str,
) -> Result<Load, Error> {
    let script = work_dir.join(format!("{run}.lua"));
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!("wrk.headers[\"{name}\"] = [==[{value}]==]\n"))
        .collect();
    let lua = format!(
        r#"local made = 0
function setup(thread)
  made = made + 1
  thread:set("tid", made)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
{headers}local template = [==[{body}]==]
local counter = 0
request = function()
  counter = counter + 1
  local code = "{run}-" .. tid .. "-" .. counter
  return wrk.format(nil, nil, nil, (template:gsub("{CODE}", code)))
end
"#
    );
    std::fs::write(&script, lua).map_err(|e| Error::Service(e.to_string()))?;
    let mut command = Command::new("wrk");
    command.args([
        "--latency",
        "-t",
        &connections.clamp(1, 2).to_string(),
        "-c",
        &connections.to_string(),
        "-d",
        &format!("{seconds}s"),
        "-s",
    ]);
    command.arg(&script).arg(url);
    let out = run_tool(command, "wrk (apt-get install wrk)").await?;
    let millis = |text: &str| -> f64 {
        let text = text.trim();
        let (number, unit) = text.split_at(
            text.find(|c: char| c.is_ascii_alphabetic())
                .unwrap_or(text.len()),
        );
        let n: f64 = number.parse().unwrap_or(0.0);
        match unit {
            "us" => n / 1000.0,
            "s" => n * 1000.0,
            "m" => n * 60_000.0,
            _ => n,
        }
    };
    let mut load = Load::default();
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", v] => load.p50_ms = millis(v),
            ["99%", v] => load.p99_ms = millis(v),
            ["Requests/sec:", v] => load.rps = v.parse().unwrap_or(0.0),
            [n, "requests", "in", ..] => load.requests = n.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", n] => load.errors += n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                load.errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    Ok(load)
}

#[allow(clippy::too_many_arguments)]
async fn pgbench(
    work_dir: &Path,
    database_url: &str,
    script: &str,
    vars: &[(&str, String)],
    connections: usize,
    seconds: u64,
    rate: Option<u64>,
    run: &str,
) -> Result<Load, Error> {
    let file = work_dir.join(format!("{run}.sql"));
    std::fs::write(&file, script).map_err(|e| Error::Service(e.to_string()))?;
    let prefix = work_dir.join(format!("{run}-log"));
    let mut command = Command::new("pgbench");
    command.args([
        "--no-vacuum",
        "--protocol=prepared",
        "--client",
        &connections.to_string(),
        "--jobs",
        &connections.clamp(1, 2).to_string(),
        "--time",
        &seconds.to_string(),
        "--log",
    ]);
    command.arg(format!("--log-prefix={}", prefix.display()));
    command.arg("--file").arg(&file);
    for (name, value) in vars {
        command.args(["--define", &format!("{name}={value}")]);
    }
    if let Some(rate) = rate {
        command.args(["--rate", &rate.to_string()]);
    }
    command.arg(database_url);
    let out = run_tool(command, "pgbench").await?;
    let mut load = Load::default();
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("tps = ") {
            load.rps = rest
                .split_whitespace()
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0);
        }
        if let Some(rest) = line.strip_prefix("number of failed transactions: ") {
            load.errors = rest
                .split_whitespace()
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
        }
    }
    // Per-transaction log: client, transaction, latency µs, script, epoch, µs [, schedule lag µs].
    let mut latencies: Vec<f64> = Vec::new();
    let name = prefix
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    for entry in std::fs::read_dir(work_dir)
        .map_err(|e| Error::Service(e.to_string()))?
        .flatten()
    {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !file_name.starts_with(&name) {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let Some(latency) = fields.get(2).and_then(|v| v.parse::<f64>().ok()) else {
                continue;
            };
            // With a rate, latency counts from the scheduled start (lag included).
            let lag = fields
                .get(6)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0);
            latencies.push((latency + if rate.is_some() { lag } else { 0.0 }) / 1000.0);
        }
        std::fs::remove_file(entry.path()).ok();
    }
    latencies.sort_by(f64::total_cmp);
    load.requests = latencies.len() as u64;
    load.p50_ms = percentile(&latencies, 0.50);
    load.p99_ms = percentile(&latencies, 0.99);
    Ok(load)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Everything a comparison found.
#[derive(Debug, Default)]
pub struct Report {
    /// Every measurement.
    pub samples: Vec<Sample>,
    /// The parameters the queries ran with.
    pub params: Option<Params>,
    /// Peak resident memory over the whole run per implementation (VmHWM), MiB.
    pub high_water_mib: BTreeMap<Peer, f64>,
    /// Every answer checked before the timed runs, in order.
    pub checks: Vec<Check>,
}

/// One query checked on one implementation before anything was timed: its
/// answer was free of errors and agreed with the others'.
#[derive(Clone, Debug)]
pub struct Check {
    /// Query.
    pub query: Query,
    /// Implementation.
    pub peer: Peer,
    /// The answer's `Cache-Status` header (the service's), when it had one.
    pub cache_status: Option<String>,
}

/// An HTTP implementation's answer that [`post`] accepted.
struct Answer {
    /// The body as sent.
    text: String,
    /// The body as JSON.
    value: Value,
    /// The `Cache-Status` header, when there is one.
    cache_status: Option<String>,
}

/// POSTs `body` with `headers` (beside the content type) and accepts only an
/// answer without errors.
async fn post(
    http: &reqwest::Client,
    url: &str,
    body: &str,
    headers: &[(&str, String)],
) -> Result<Answer, Error> {
    let mut request = http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let answer = request
        .send()
        .await
        .map_err(|e| Error::Request(e.to_string()))?;
    let status = answer.status();
    let cache_status = answer
        .headers()
        .get("cache-status")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = answer
        .text()
        .await
        .map_err(|e| Error::Request(e.to_string()))?;
    if !status.is_success() {
        return Err(Error::Request(format!("HTTP {status}: {text}")));
    }
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Error::Request(format!("not JSON ({e}): {text}")))?;
    if value.get("errors").is_some() || value["data"].is_null() {
        return Err(Error::Request(format!(
            "answered with errors: {}",
            text.chars().take(600).collect::<String>()
        )));
    }
    if let Some(errors) = value["data"]["createProject"]["userErrors"].as_array()
        && !errors.is_empty()
    {
        return Err(Error::Request(format!("user errors: {errors:?}")));
    }
    Ok(Answer {
        text,
        value,
        cache_status,
    })
}

/// Fails when an answer the implementation asked to be computed afresh and
/// not kept says (`Cache-Status`, RFC 9211) it was a kept one or is now
/// kept: its timings would not be the engine's.
fn ensure_fresh(peer: Peer, query: Query, answer: &Answer) -> Result<(), Error> {
    let Some(status) = answer.cache_status.as_deref() else {
        return Ok(());
    };
    if peer.cache_control().is_none() {
        return Ok(());
    }
    let kept = status
        .split(';')
        .skip(1)
        .map(str::trim)
        .any(|p| p.eq_ignore_ascii_case("hit") || p.eq_ignore_ascii_case("stored"));
    if kept {
        return Err(Error::Request(format!(
            "{query} on {}: asked with `Cache-Control: no-cache, no-store`, the service \
             answered `Cache-Status: {status}`",
            peer.name()
        )));
    }
    Ok(())
}

/// Removes the projects the create runs wrote (codes `BENCH-W…`, `BENCH-SQL-…`,
/// `BENCH-CHECK-…`) with whatever refers to them, and vacuums, so that the
/// next measurement reads the generated data set and nothing else.
async fn remove_created(db: &DatabaseConnection) -> Result<(), Error> {
    let created = "SELECT id FROM project WHERE code LIKE 'BENCH-W%' OR code LIKE 'BENCH-SQL-%' OR code LIKE 'BENCH-CHECK-%'";
    let referring = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT CAST(conrelid::regclass AS TEXT), CAST(a.attname AS TEXT) FROM pg_constraint c \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
             WHERE c.confrelid = 'project'::regclass AND c.contype = 'f'",
        ))
        .await?;
    for row in referring {
        let table: String = row.try_get_by_index(0)?;
        let column: String = row.try_get_by_index(1)?;
        db.execute_unprepared(&format!(
            "DELETE FROM \"{table}\" WHERE \"{column}\" IN ({created})"
        ))
        .await?;
    }
    let removed = db
        .execute_unprepared(&format!("DELETE FROM project WHERE id IN ({created})"))
        .await?
        .rows_affected();
    if removed > 0 {
        db.execute_unprepared("VACUUM ANALYZE project").await?;
    }
    Ok(())
}

/// The token that opens the measured service's `/metrics`.
const METRICS_TOKEN: &str = "bench-metrics-0123456789abcdef0123456789";

/// GraphQL operations the service answered with errors so far (its
/// `/metrics`): the load generators see only HTTP statuses, and a GraphQL
/// error is an HTTP 200.
async fn failed_operations(http: &reqwest::Client, graphql_url: &str) -> u64 {
    let url = graphql_url.replace("/graphql", "/metrics");
    let Ok(answer) = http.get(url).bearer_auth(METRICS_TOKEN).send().await else {
        return 0;
    };
    let text = answer.text().await.unwrap_or_default();
    text.lines()
        .filter(|l| {
            l.starts_with("alliance_graphql_requests_total{")
                && (l.contains("outcome=\"error\"") || l.contains("outcome=\"rejected\""))
        })
        .filter_map(|l| l.rsplit(' ').next().and_then(|n| n.parse::<u64>().ok()))
        .sum()
}

/// The headers a request carries beside its content type: readers are
/// anonymous (public dashboards), the service's create needs a
/// coordinator's token; the fresh answers' `Cache-Control`.
fn headers_for(peer: Peer, query: Query, token: &str) -> Vec<(&'static str, String)> {
    let mut headers = Vec::new();
    if peer == Peer::Alliance && query == Query::Q6 {
        headers.push(("authorization", format!("Bearer {token}")));
    }
    if let Some(directives) = peer.cache_control() {
        headers.push(("cache-control", directives.to_owned()));
    }
    headers
}

fn unique_body(body: &str, tag: &str) -> String {
    body.replace(
        CODE,
        &format!(
            "BENCH-CHECK-{tag}-{}",
            chrono::Utc::now().timestamp_micros()
        ),
    )
}

/// Runs the comparison.
pub async fn compare(db: &DatabaseConnection, options: &Options) -> Result<Report, Error> {
    std::fs::create_dir_all(&options.work_dir).map_err(|e| Error::Service(e.to_string()))?;
    let http = reqwest::Client::new();
    remove_created(db).await?;
    let mut params = Params::discover(db, options.deep).await?;
    let token = crate::server::token(crate::server::SECRET)?;
    let stats = StatementStats::open(db, &options.database_url).await;
    if stats.is_none() {
        eprintln!(
            "pg_stat_statements is not loaded: SQL statements per request are not measured \
             (shared_preload_libraries = 'pg_stat_statements')"
        );
    }
    let wants = |peer| options.peers.contains(&peer);
    // The service runs once for its kept and its fresh answers.
    let wants_alliance = wants(Peer::Alliance) || wants(Peer::AllianceFresh);

    // Start the HTTP implementations; the service twice: first to capture
    // Q2's bytes, then with those bytes behind /baseline.
    let mut services: Vec<Service> = Vec::new();
    if wants_alliance {
        let mut alliance = start_alliance(options, &http, None).await?;
        if options.queries.contains(&Query::Q2) {
            let body = queries::alliance(Query::Q2, &params).to_string();
            let bytes = post(&http, &alliance.url, &body, &[]).await?.text;
            let file = options.work_dir.join("q2-response.json");
            std::fs::write(&file, bytes).map_err(|e| Error::Service(e.to_string()))?;
            alliance.child.kill().await.ok();
            alliance = start_alliance(options, &http, Some(&file)).await?;
        }
        services.push(alliance);
    }
    if wants(Peer::PostGraphile) {
        db.execute_unprepared(&queries::postgraphile_setup())
            .await?;
        let service = start_postgraphile(options, &http).await?;
        let cursor = post(
            &http,
            &service.url,
            &queries::postgraphile_cursor_query(&params).to_string(),
            &[],
        )
        .await?
        .value;
        params.postgraphile_cursor = cursor["data"]["allProjects"]["edges"][0]["cursor"]
            .as_str()
            .map(str::to_owned);
        services.push(service);
    }
    // The GraphQL address an implementation is asked at.
    let url_of = |peer: Peer| {
        services
            .iter()
            .find(|s| Some(s.peer) == peer.process())
            .map(|s| s.url.clone())
    };

    // Check every query on every implementation before anything is timed.
    let mut statements_of: BTreeMap<(Query, Peer), f64> = BTreeMap::new();
    let mut report = Report::default();
    for &query in &options.queries {
        let mut reference: Option<(Peer, Vec<(String, String)>)> = None;
        for &peer in &options.peers {
            if !peer.runs(query) {
                continue;
            }
            let headers = headers_for(peer, query, &token);
            let (data, cache_status) = match peer {
                Peer::Alliance | Peer::AllianceFresh | Peer::PostGraphile => {
                    let url = url_of(peer).ok_or_else(|| Error::Service("not started".into()))?;
                    let body = unique_body(&body_of(peer, query, &params), "A");
                    let answer = post(&http, &url, &body, &headers)
                        .await
                        .map_err(|e| Error::Request(format!("{query} on {}: {e}", peer.name())))?;
                    ensure_fresh(peer, query, &answer)?;
                    (answer.value["data"].clone(), answer.cache_status)
                }
                Peer::Sql => (queries::run_sql(db, query, &params).await?, None),
                Peer::Baseline => continue,
            };
            if let Some(stats) = &stats {
                // Statements of one request, measured alone (under load,
                // requests cut off at the end would skew the count).
                stats.reset().await;
                for round in 0..STATEMENT_SAMPLES {
                    match peer {
                        Peer::Sql => {
                            queries::run_sql(db, query, &params).await?;
                        }
                        _ => {
                            let url = url_of(peer).unwrap_or_default();
                            let body =
                                unique_body(&body_of(peer, query, &params), &format!("S{round}"));
                            let answer = post(&http, &url, &body, &headers).await?;
                            ensure_fresh(peer, query, &answer)?;
                        }
                    }
                }
                if let Some(count) = stats.count().await {
                    statements_of.insert((query, peer), count as f64 / STATEMENT_SAMPLES as f64);
                }
            }
            let signature = queries::signature(query, &data);
            match &reference {
                None => reference = Some((peer, signature)),
                Some((first, expected)) if *expected != signature => {
                    return Err(Error::Request(format!(
                        "{query}: {} and {} disagree:\n  {expected:?}\n  {signature:?}",
                        first.name(),
                        peer.name()
                    )));
                }
                Some(_) => {}
            }
            report.checks.push(Check {
                query,
                peer,
                cache_status,
            });
        }
        if let Some((peer, signature)) = &reference {
            let summary: Vec<String> = signature
                .iter()
                .filter(|(k, _)| k != "code list")
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            eprintln!(
                "{query} checked: every implementation agrees with {} ({})",
                peer.name(),
                summary.join(", ")
            );
        }
    }

    let ticks = ticks_per_second();
    let mut run_number = 0u64;
    let run_tag = chrono::Utc::now().timestamp();
    for &query in &options.queries {
        let mut lineup: Vec<Peer> = options
            .peers
            .iter()
            .copied()
            .filter(|peer| peer.runs(query))
            .collect();
        if query == Query::Q2 && wants_alliance {
            lineup.push(Peer::Baseline);
        }
        let mut rate: Option<u64> = None;
        for round in 1..=options.rounds {
            let mut plans: Vec<(usize, Option<u64>)> =
                options.connections.iter().map(|&c| (c, None)).collect();
            if options.open_loop && query != Query::Q6 {
                // Marks the open loop: its rate is set once the first round's
                // closed loops have run.
                plans.push((options.connections[0], Some(0)));
            }
            for &(connections, open) in &plans {
                if open.is_some() && rate.is_none() {
                    // Half the slowest closed-loop rate of the first round, so
                    // every implementation can keep up and latencies compare.
                    let slowest = report
                        .samples
                        .iter()
                        .filter(|s| {
                            s.query == query && s.rate.is_none() && s.peer != Peer::Baseline
                        })
                        .map(|s| s.rps)
                        .fold(f64::INFINITY, f64::min);
                    rate = Some(if slowest.is_finite() {
                        ((slowest / 2.0) as u64).max(1)
                    } else {
                        1
                    });
                }
                let rate = open.and(rate);
                for &peer in &lineup {
                    run_number += 1;
                    let run = format!("BENCH-W{run_tag}-{run_number}");
                    let service = services.iter().find(|s| Some(s.peer) == peer.process());
                    let pid = service.and_then(Service::pid);
                    // Every measurement starts with no dirty pages of the one
                    // before to write out: a checkpoint spread over the next
                    // one (the data set's, or the creates' of Q6) stalls
                    // commits, whichever implementation happens to be running.
                    if let Err(error) = db.execute_unprepared("CHECKPOINT").await {
                        eprintln!("no checkpoint before the measurement: {error}");
                    }
                    let counts_failures = matches!(peer, Peer::Alliance | Peer::AllianceFresh);
                    let failed_before = if counts_failures {
                        failed_operations(&http, &url_of(peer).unwrap_or_default()).await
                    } else {
                        0
                    };
                    let before = (pid.map(tree_cpu), postgres_cpu());
                    let sampling = Arc::new(AtomicBool::new(true));
                    let peak = Arc::new(AtomicU64::new(0));
                    let sampler = pid.map(|pid| {
                        let (sampling, peak) = (Arc::clone(&sampling), Arc::clone(&peak));
                        tokio::spawn(async move {
                            while sampling.load(Ordering::Relaxed) {
                                peak.fetch_max(tree_kib(pid, "VmRSS"), Ordering::Relaxed);
                                tokio::time::sleep(Duration::from_millis(100)).await;
                            }
                        })
                    });
                    let headers = headers_for(peer, query, &token);
                    let mut load = match peer {
                        Peer::Sql => {
                            let (script, vars) = queries::sql(query, &params);
                            pgbench(
                                &options.work_dir,
                                &options.database_url,
                                &script,
                                &vars,
                                connections,
                                options.seconds,
                                rate,
                                &run,
                            )
                            .await?
                        }
                        Peer::Baseline => {
                            let url = url_of(Peer::Alliance)
                                .unwrap_or_default()
                                .replace("/graphql", "/baseline");
                            let body = body_of(Peer::Alliance, query, &params);
                            oha(&url, &body, &headers, connections, options.seconds, rate).await?
                        }
                        Peer::Alliance | Peer::AllianceFresh | Peer::PostGraphile => {
                            let url = url_of(peer).unwrap_or_default();
                            let body = body_of(peer, query, &params);
                            if query == Query::Q6 {
                                wrk(
                                    &options.work_dir,
                                    &url,
                                    &body,
                                    &headers,
                                    connections,
                                    options.seconds,
                                    &run,
                                )
                                .await?
                            } else {
                                oha(&url, &body, &headers, connections, options.seconds, rate)
                                    .await?
                            }
                        }
                    };
                    sampling.store(false, Ordering::Relaxed);
                    if let Some(sampler) = sampler {
                        let _ = sampler.await;
                    }
                    if query == Query::Q6 && peer != Peer::Sql {
                        // Every acknowledged create must have written its row.
                        let created = db
                            .query_one_raw(Statement::from_sql_and_values(
                                DatabaseBackend::Postgres,
                                "SELECT count(*) FROM project WHERE code LIKE $1",
                                [format!("{run}-%").into()],
                            ))
                            .await?
                            .map(|r| r.try_get_by_index::<i64>(0).unwrap_or(0))
                            .unwrap_or(0) as u64;
                        load.errors += load.requests.saturating_sub(created);
                    }
                    let after = (pid.map(tree_cpu), postgres_cpu());
                    if counts_failures {
                        load.errors += failed_operations(&http, &url_of(peer).unwrap_or_default())
                            .await
                            .saturating_sub(failed_before);
                    }
                    if load.errors > 0 && load.requests > 0 {
                        // Throughput counts answers without errors only.
                        load.rps *=
                            load.requests.saturating_sub(load.errors) as f64 / load.requests as f64;
                    }
                    let per_request =
                        |delta: u64| delta as f64 / ticks * 1000.0 / load.requests.max(1) as f64;
                    let sample = Sample {
                        query,
                        peer,
                        connections,
                        rate,
                        round,
                        requests: load.requests,
                        errors: load.errors,
                        rps: load.rps,
                        p50_ms: load.p50_ms,
                        p99_ms: load.p99_ms,
                        statements: statements_of.get(&(query, peer)).copied(),
                        service_cpu_ms: before
                            .0
                            .zip(after.0)
                            .map(|(b, a)| per_request(a.saturating_sub(b))),
                        postgres_cpu_ms: per_request(after.1.saturating_sub(before.1)),
                        peak_rss_mib: pid.map(|_| peak.load(Ordering::Relaxed) as f64 / 1024.0),
                    };
                    eprintln!("{}", line(&sample));
                    report.samples.push(sample);
                    if query == Query::Q6 {
                        remove_created(db).await?;
                    }
                }
            }
        }
    }
    for service in &services {
        if let Some(pid) = service.pid() {
            let hwm = tree_kib(pid, "VmHWM");
            report
                .high_water_mib
                .insert(service.peer, hwm as f64 / 1024.0);
        }
    }
    report.params = Some(params);
    Ok(report)
}

fn body_of(peer: Peer, query: Query, params: &Params) -> String {
    match peer {
        Peer::PostGraphile => queries::postgraphile(query, params).to_string(),
        _ => queries::alliance(query, params).to_string(),
    }
}

fn line(s: &Sample) -> String {
    format!(
        "{} round {} {:<20} c={:<3}{} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  {} req, {} err  stmts/req {}  cpu/req {} ms + pg {:.2} ms  rss {}",
        s.query,
        s.round,
        s.peer.name(),
        s.connections,
        s.rate.map(|r| format!(" @{r}/s")).unwrap_or_default(),
        s.rps,
        s.p50_ms,
        s.p99_ms,
        s.requests,
        s.errors,
        s.statements
            .map(|v| format!("{v:.2}"))
            .unwrap_or("n/a".into()),
        s.service_cpu_ms
            .map(|v| format!("{v:.2}"))
            .unwrap_or("-".into()),
        s.postgres_cpu_ms,
        s.peak_rss_mib
            .map(|v| format!("{v:.0} MiB"))
            .unwrap_or("-".into()),
    )
}

/// What the report takes medians over: query, connections and the offered
/// rate of an open loop.
type Group = (Query, usize, Option<u64>);

/// The report as Markdown: medians over rounds per query, implementation
/// and load, then the ratios the targets are stated in.
pub fn render(report: &Report, options: &Options) -> String {
    let mut out = String::new();
    let mut groups: BTreeMap<Group, BTreeMap<Peer, Vec<&Sample>>> = BTreeMap::new();
    for s in &report.samples {
        groups
            .entry((s.query, s.connections, s.rate))
            .or_default()
            .entry(s.peer)
            .or_default()
            .push(s);
    }
    let _ = writeln!(
        out,
        "Medians of {} rounds of {} s per implementation, alternating.\n",
        options.rounds, options.seconds
    );
    let _ = writeln!(
        out,
        "| query | load | implementation | req/s | p50 ms | p99 ms | errors | SQL stmts/req | CPU ms/req (service + PostgreSQL) | peak RSS MiB |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut ratios = String::new();
    for ((query, connections, rate), peers) in &groups {
        let load = match rate {
            Some(rate) => format!("open {rate}/s, {connections} conn"),
            None => format!("closed, {connections} conn"),
        };
        let med = |peer: Peer, f: &dyn Fn(&Sample) -> f64| -> Option<f64> {
            peers
                .get(&peer)
                .map(|samples| median(samples.iter().map(|s| f(s)).collect()))
        };
        for (peer, samples) in peers {
            let m = |f: &dyn Fn(&Sample) -> f64| median(samples.iter().map(|s| f(s)).collect());
            let errors: u64 = samples.iter().map(|s| s.errors).sum();
            let statements = samples
                .iter()
                .all(|s| s.statements.is_some())
                .then(|| m(&|s| s.statements.unwrap_or(0.0)));
            let service_cpu = samples
                .iter()
                .all(|s| s.service_cpu_ms.is_some())
                .then(|| m(&|s| s.service_cpu_ms.unwrap_or(0.0)));
            let rss = samples
                .iter()
                .filter_map(|s| s.peak_rss_mib)
                .fold(None, |acc: Option<f64>, v| {
                    Some(acc.map_or(v, |a| a.max(v)))
                });
            let _ = writeln!(
                out,
                "| {query} | {load} | {} | {:.0} | {:.2} | {:.2} | {errors} | {} | {}{:.2} | {} |",
                peer.name(),
                m(&|s| s.rps),
                m(&|s| s.p50_ms),
                m(&|s| s.p99_ms),
                statements
                    .map(|v| format!("{v:.2}"))
                    .unwrap_or("n/a".into()),
                service_cpu
                    .map(|v| format!("{v:.2} + "))
                    .unwrap_or_default(),
                m(&|s| s.postgres_cpu_ms),
                rss.map(|v| format!("{v:.0}")).unwrap_or("-".into()),
            );
        }
        let rps = |p| med(p, &|s| s.rps);
        let p99 = |p| med(p, &|s| s.p99_ms);
        // The same ratios for the answers as deployed and as computed.
        for service in [Peer::Alliance, Peer::AllianceFresh] {
            let mut parts = Vec::new();
            if let (Some(a), Some(g)) = (rps(service), rps(Peer::PostGraphile)) {
                parts.push(format!("throughput ×{:.2} PostGraphile", a / g.max(0.001)));
            }
            if let (Some(a), Some(g)) = (p99(service), p99(Peer::PostGraphile)) {
                parts.push(format!("p99 ×{:.2} PostGraphile's", a / g.max(0.001)));
            }
            if let (Some(a), Some(f)) = (rps(service), rps(Peer::Sql)) {
                parts.push(format!("throughput ×{:.2} the SQL floor", a / f.max(0.001)));
            }
            if let (Some(a), Some(b)) = (rps(service), rps(Peer::Baseline)) {
                parts.push(format!(
                    "throughput ×{:.2} the trivial endpoint",
                    a / b.max(0.001)
                ));
            }
            if !parts.is_empty() {
                let _ = writeln!(
                    ratios,
                    "| {query} | {load} | {} | {} |",
                    service.name(),
                    parts.join("; ")
                );
            }
        }
    }
    if !ratios.is_empty() {
        let _ = writeln!(
            out,
            "\n| query | load | service | ratios of the service (medians) |\n|---|---|---|---|"
        );
        out.push_str(&ratios);
    }
    if report.samples.iter().any(|s| s.peer == Peer::AllianceFresh) {
        let _ = writeln!(
            out,
            "\n`{}` is the service as deployed, which keeps answers until the data \
             changes (every request of a measurement asks the same, so it mostly sends \
             kept answers). `{}` is the same process with `Cache-Control: no-cache, \
             no-store` on every request: every answer computed, none kept (Q6, never \
             kept, is not timed twice).",
            Peer::Alliance.name(),
            Peer::AllianceFresh.name()
        );
    }
    if !report.high_water_mib.is_empty() {
        let _ = writeln!(out, "\nPeak resident memory over the whole run (VmHWM):");
        for (peer, mib) in &report.high_water_mib {
            let shared = if *peer == Peer::Alliance
                && report.samples.iter().any(|s| s.peer == Peer::AllianceFresh)
            {
                format!(" (one process, {} included)", Peer::AllianceFresh.name())
            } else {
                String::new()
            };
            let _ = writeln!(out, "- {}{shared}: {mib:.0} MiB", peer.name());
        }
    }
    if let Some(p) = &report.params {
        let _ = writeln!(
            out,
            "\nParameters: oblast {}, status {}, project {}, deep page after {} rows, pool {}.",
            p.oblast_id, p.status, p.project_id, p.deep_rows, options.pool
        );
    }
    out
}
