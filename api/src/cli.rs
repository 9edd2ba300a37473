//! The command line: `alliance serve | migrate | seed | schema`.

use clap::{Args, Parser, Subcommand};

use crate::auth::{self, Claims, Role};
use crate::config::{AuthConfig, DatabaseConfig, LogFormat, ServeConfig};
use crate::error::{AppError, Result};
use crate::startup::Application;
use crate::{audit, db, member, schema, seed};

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
    Schema {
        /// Print the Apollo Federation v2 subgraph schema instead.
        #[arg(long)]
        federation: bool,
    },
    /// Mint a development token signed with the configured HS256 secret.
    Token(TokenArgs),
    /// Audit trail maintenance.
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// `alliance audit` subcommands.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the hash chain and report the first broken link (exit status 1 when broken).
    Verify(DatabaseConfig),
}

/// Arguments of `alliance token`.
#[derive(Args, Debug)]
pub struct TokenArgs {
    /// Database settings (to find the generated secret and check the member).
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Token settings.
    #[command(flatten)]
    pub auth: AuthConfig,
    /// Role to grant.
    #[arg(long, value_enum)]
    pub role: Role,
    /// Slug of the member organisation an editor acts for (required for editors).
    #[arg(long)]
    pub member: Option<String>,
    /// Lifetime, e.g. `15m`, `1h`, `7d`.
    #[arg(long, default_value = "1h", value_parser = auth::parse_ttl)]
    pub ttl: u64,
    /// Subject (`sub` claim).
    #[arg(long, default_value = "developer")]
    pub subject: String,
}

impl Cli {
    /// Runs the chosen command; `false` when it ran but found a problem (a broken audit chain).
    pub async fn run(self) -> Result<bool> {
        match self.command.unwrap_or_else(default_command) {
            Command::Serve(config) => {
                let app = Application::build(&config).await?;
                let address = app.local_addr()?;
                tracing::info!(database = config.database.backend_name(), %address, "listening");
                println!("GraphiQL: http://{address}/graphql");
                app.run_until_stopped().await?;
                Ok(true)
            }
            Command::Migrate(config) => {
                let (conn, _) = db::connect(&config).await?;
                db::migrate(&conn).await?;
                println!("migrations applied");
                Ok(true)
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
                Ok(true)
            }
            Command::Schema { federation } => {
                if federation {
                    print!("{}", schema::federation_sdl());
                } else {
                    print!("{}", schema::sdl());
                }
                Ok(true)
            }
            Command::Token(args) => {
                println!("{}", mint_token(args).await?);
                Ok(true)
            }
            Command::Audit(AuditCommand::Verify(config)) => {
                let (conn, _) = db::connect(&config).await?;
                let report = audit::service::verify(&conn).await?;
                match report.broken_at {
                    None => {
                        println!("audit chain intact: {} events verified", report.checked);
                        Ok(true)
                    }
                    Some(seq) => {
                        println!(
                            "audit chain broken at sequence {seq} ({} events before it verified)",
                            report.checked
                        );
                        Ok(false)
                    }
                }
            }
        }
    }
}

async fn mint_token(args: TokenArgs) -> Result<String> {
    if args.role == Role::Editor && args.member.is_none() {
        return Err(AppError::bad_input(
            "member",
            "an editor token needs --member <slug>",
        ));
    }
    let secret = auth::resolve_secret(&args.auth, &args.database)?
        .ok_or_else(|| AppError::bad_input("JWT_SECRET", "no HS256 secret: set JWT_SECRET"))?;
    if let Some(slug) = &args.member {
        let (conn, _) = db::connect(&args.database).await?;
        db::migrate(&conn).await?;
        if member::service::id_by_slug(&conn, slug).await?.is_none() {
            return Err(AppError::bad_input(
                "member",
                format!("no member with slug {slug:?}"),
            ));
        }
    }
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    auth::mint(
        &secret,
        &Claims {
            sub: args.subject,
            exp: now + args.ttl,
            iat: Some(now),
            iss: args.auth.jwt_issuer,
            aud: args.auth.jwt_audience,
            role: args.role,
            member: args.member,
        },
    )
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
