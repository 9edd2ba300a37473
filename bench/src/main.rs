//! `alliance-bench`: generate the benchmark data set and measure the service on it.

use std::process::ExitCode;

use alliance_bench::generate::{Sizes, generate};
use alliance_bench::measure::{open_needs, suggestions};
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
