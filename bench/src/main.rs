//! `alliance-bench`: generate the benchmark data set and measure the service on it.

use std::process::ExitCode;

use alliance_bench::compare::{Options, Peer, compare, render};
use alliance_bench::generate::{Sizes, generate};
use alliance_bench::measure::{open_needs, suggestions};
use alliance_bench::queries::Query;
use alliance_bench::server::Server;
use clap::{Parser, Subcommand};
use sea_orm::ConnectionTrait;

/// Benchmark harness of the Alliance reconstruction API.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fill an empty database with the benchmark data set (migrating it first).
    Generate(Data),
    /// Time `matchSuggestions` for open needs among the generated offers
    /// (generating the data set first when the database is empty).
    Suggestions {
        #[command(flatten)]
        data: Data,
        /// Timed requests.
        #[arg(long, default_value_t = 500)]
        requests: usize,
        /// Untimed requests first.
        #[arg(long, default_value_t = 20)]
        warmup: usize,
        /// How many different needs to cycle through.
        #[arg(long, default_value_t = 100)]
        needs: u64,
    },
    /// Mixed load (80% reads, 15% change-feed reads, 5% writes) for a fixed
    /// time; reports errors, latencies and resident memory.
    Load {
        #[command(flatten)]
        data: Data,
        /// How long, in seconds.
        #[arg(long, default_value_t = 300)]
        seconds: u64,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        clients: usize,
    },
    /// The service side by side with PostGraphile and the raw-SQL floor on
    /// the same PostgreSQL database (generating the data set first when it is
    /// empty): every query checked on every implementation, then timed in
    /// alternating rounds; the service both with its kept answers and
    /// computing every answer. Needs `oha`, `wrk`, `pgbench` and `npx`; writes a
    /// Markdown report to stdout.
    Compare {
        #[command(flatten)]
        data: Data,
        /// Queries, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "q1,q2,q3,q4,q5,q6")]
        queries: Vec<Query>,
        /// Implementations, comma-separated: alliance (the service as
        /// deployed, answers kept until the data changes), alliance-fresh
        /// (the same process, every request with `Cache-Control: no-cache,
        /// no-store`: every answer computed; not for Q6), postgraphile, sql.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "alliance,alliance-fresh,postgraphile,sql"
        )]
        peers: Vec<Peer>,
        /// Rounds of alternation.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Seconds per measurement.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Closed-loop connection counts, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "10,50")]
        connections: Vec<usize>,
        /// Leave out the open loop at a fixed rate.
        #[arg(long)]
        no_open_loop: bool,
        /// Rows before the deep page of Q5.
        #[arg(long, default_value_t = 40_000)]
        deep: u64,
        /// Connection pool of both HTTP implementations (16: the service's
        /// default; about twice PostgreSQL's cores keeps queries from queueing
        /// inside it, docs/BENCHMARKS.md).
        #[arg(long, default_value_t = 16)]
        pool: u32,
        /// The service binary (default: `alliance` beside this program,
        /// i.e. `cargo build --release` first).
        #[arg(long)]
        alliance_binary: Option<std::path::PathBuf>,
        /// Folder for scripts and logs.
        #[arg(long, default_value = "target/bench-work")]
        work_dir: std::path::PathBuf,
    },
}

#[derive(clap::Args)]
struct Data {
    /// Database: `sqlite://FILE?mode=rwc` or `postgres://USER@HOST/DB` (an empty one).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Size of the data set: 1.0 is 2,000 members, 50,000 projects, 20,000 offers, …
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

async fn prepare(data: &Data) -> Result<Server, alliance_bench::Error> {
    let server = Server::start(&data.database_url).await?;
    let sizes = Sizes::at(data.scale);
    match generate(&server.db, sizes, data.seed).await {
        Ok(_) => {
            eprintln!("generated {sizes:?}");
            if server.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
                server.db.execute_unprepared("ANALYZE").await?;
            }
        }
        Err(alliance_bench::Error::NotEmpty) => eprintln!("using the data already there"),
        Err(e) => return Err(e),
    }
    Ok(server)
}

async fn run(cli: Cli) -> Result<(), alliance_bench::Error> {
    match cli.command {
        Command::Generate(data) => {
            prepare(&data).await?;
        }
        Command::Suggestions {
            data,
            requests,
            warmup,
            needs,
        } => {
            let server = prepare(&data).await?;
            let needs = open_needs(&server.db, needs).await?;
            let latency = suggestions(&server, &needs, requests, warmup).await?;
            println!("| query | requests | p50 ms | p99 ms | mean ms | candidates scored (mean) |");
            println!("|---|---|---|---|---|---|");
            println!(
                "| matchSuggestions(needId), first 20 | {} | {:.2} | {:.2} | {:.2} | {:.0} |",
                latency.requests,
                latency.p50_ms,
                latency.p99_ms,
                latency.mean_ms,
                latency.mean_candidates
            );
        }
        Command::Compare {
            data,
            queries,
            peers,
            rounds,
            seconds,
            connections,
            no_open_loop,
            deep,
            pool,
            alliance_binary,
            work_dir,
        } => {
            if !data.database_url.starts_with("postgres") {
                return Err(alliance_bench::Error::Service(
                    "the comparison runs on PostgreSQL (PostGraphile and pgbench need it)".into(),
                ));
            }
            let server = prepare(&data).await?;
            let alliance_binary = match alliance_binary {
                Some(path) => path,
                None => std::env::current_exe()
                    .map_err(|e| alliance_bench::Error::Service(e.to_string()))?
                    .with_file_name("alliance"),
            };
            let options = Options {
                database_url: data.database_url.clone(),
                queries,
                peers,
                rounds,
                seconds,
                connections,
                open_loop: !no_open_loop,
                alliance_binary,
                work_dir,
                deep,
                pool,
            };
            let report = compare(&server.db, &options).await?;
            print!("{}", render(&report, &options));
            let errors: u64 = report.samples.iter().map(|s| s.errors).sum();
            if errors > 0 {
                return Err(alliance_bench::Error::Request(format!(
                    "{errors} requests failed under load"
                )));
            }
        }
        Command::Load {
            data,
            seconds,
            clients,
        } => {
            let server = prepare(&data).await?;
            let report = alliance_bench::load::mixed(
                &server,
                std::time::Duration::from_secs(seconds),
                clients,
                data.seed,
            )
            .await?;
            print!("{}", alliance_bench::load::render(&report));
            if report.errors > 0 {
                return Err(alliance_bench::Error::Request(format!(
                    "{} requests failed",
                    report.errors
                )));
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("alliance-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
