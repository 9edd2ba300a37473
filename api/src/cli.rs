//! The command line: `alliance serve | migrate | seed | schema`.

use clap::{Parser, Subcommand};

use crate::config::{DatabaseConfig, LogFormat, ServeConfig};
use crate::error::Result;
use crate::startup::Application;
use crate::{db, schema, seed};

/// The Alliance reconstruction API: members, reconstruction projects and their
/// funding, technical assistance and multilevel governance, over GraphQL.
#[derive(Parser, Debug)]
#[command(name = "alliance", version, about)]
pub struct Cli {
    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the service (migrates the database and, on the embedded default, fills it with demo data on first start).
    Serve(ServeConfig),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseConfig),
    /// Fill an empty database with demonstration data and exit (does nothing when data exists).
    Seed(DatabaseConfig),
    /// Print the GraphQL schema (SDL) to standard output.
    Schema,
}

impl Cli {
    /// Runs the chosen command.
    pub async fn run(self) -> Result<()> {
        match self.command.unwrap_or_else(default_command) {
            Command::Serve(config) => {
                let app = Application::build(&config).await?;
                let address = app.local_addr()?;
                tracing::info!(database = config.database.backend_name(), %address, "listening");
                println!("GraphiQL: http://{address}/graphql");
                app.run_until_stopped().await
            }
            Command::Migrate(config) => {
                let (conn, _) = db::connect(&config).await?;
                db::migrate(&conn).await?;
                println!("migrations applied");
                Ok(())
            }
            Command::Seed(config) => {
                let (conn, _) = db::connect(&config).await?;
                db::migrate(&conn).await?;
                let report = seed::seed_demo_data(&conn).await?;
                println!(
                    "{}",
                    if report.inserted {
                        "demonstration data inserted"
                    } else {
                        "database already holds data; nothing inserted"
                    }
                );
                Ok(())
            }
            Command::Schema => {
                print!("{}", schema::sdl());
                Ok(())
            }
        }
    }
}

/// `serve` with its settings from the environment, for a bare `alliance`.
fn default_command() -> Command {
    #[derive(Parser)]
    struct ServeOnly {
        #[command(flatten)]
        config: ServeConfig,
    }
    Command::Serve(ServeOnly::parse_from(["alliance"]).config)
}
