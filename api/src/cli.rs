//! The command line: `alliance serve | migrate | seed | schema`.

use clap::{Args, Parser, Subcommand};

use crate::auth::{self, Claims, Role};
use crate::config::{AuthConfig, DatabaseConfig, LogFormat, ServeConfig};
use crate::error::{AppError, Result};
use crate::server::startup::Application;
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
    /// Import records from other registries.
    #[command(subcommand)]
    Import(ImportCommand),
}

/// `alliance import` subcommands.
#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import DREAM project records (the format of DREAM's public API, as a JSON
    /// array, `{"data": [...]}` or JSON Lines), idempotently by DREAM id: new
    /// ones become draft projects, known ones are updated. Prints what became of
    /// every record; exit status 1 when any was rejected.
    Dream(DreamArgs),
}

/// Arguments of `alliance import dream`.
#[derive(Args, Debug)]
pub struct DreamArgs {
    /// Database settings.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The file of DREAM project records.
    pub file: std::path::PathBuf,
    /// Slug of the member that leads a new project when none of the record's
    /// parties is a member (parties are matched by their UA-EDR code).
    #[arg(long)]
    pub owner: Option<String>,
    /// OECD DAC 5-digit purpose code of new projects (DREAM does not classify by DAC).
    #[arg(long, default_value = "43030")]
    pub sector_code: String,
    /// Theme of new projects, e.g. `HOUSING`, `WATER`.
    #[arg(long, default_value = "MUNICIPAL_SERVICES", value_parser = parse_theme)]
    pub theme: crate::codes::Theme,
}

fn parse_theme(text: &str) -> std::result::Result<crate::codes::Theme, String> {
    use crate::codes::{Code, Theme};
    Theme::from_code(text).ok_or_else(|| {
        format!(
            "not a theme; one of {}",
            Theme::all()
                .iter()
                .map(|t| t.code())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
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
                let conn = db::connect_patiently(&config).await?;
                db::migrate(&conn).await?;
                println!("migrations applied");
                Ok(true)
            }
            Command::Seed(config) => {
                let conn = db::connect_patiently(&config).await?;
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
            Command::Import(ImportCommand::Dream(args)) => import_dream(args).await,
            Command::Audit(AuditCommand::Verify(config)) => {
                let conn = db::connect_patiently(&config).await?;
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
        let conn = db::connect_patiently(&args.database).await?;
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

/// Runs `alliance import dream`: a progress bar on the terminal, one report
/// line per record on standard output, a summary at the end.
async fn import_dream(args: DreamArgs) -> Result<bool> {
    use crate::dream::import::{self, Fate, ImportOptions};
    let text = std::fs::read_to_string(&args.file).map_err(|e| {
        AppError::bad_input("file", format!("cannot read {}: {e}", args.file.display()))
    })?;
    let conn = db::connect_patiently(&args.database).await?;
    db::migrate(&conn).await?;
    let owner = match &args.owner {
        Some(slug) => Some(
            member::service::standing_by_slug(&conn, slug)
                .await?
                .filter(|(_, applicant)| !applicant)
                .map(|(id, _)| id)
                .ok_or_else(|| {
                    AppError::bad_input("owner", format!("--owner {slug:?} is no active member"))
                })?,
        ),
        None => None,
    };
    let options = ImportOptions {
        owner,
        sector_code: args.sector_code,
        theme: args.theme,
    };
    let records = import::records(&text);
    let bar = indicatif::ProgressBar::new(records.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} records ({per_sec}, {eta} left) {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let reports = import::import(&conn, records, &options, |report| {
        bar.suspend(|| println!("{report}"));
        bar.inc(1);
    })
    .await?;
    bar.finish_and_clear();
    let count = |f: fn(&Fate) -> bool| reports.iter().filter(|r| f(&r.fate)).count();
    let rejected = count(|f| matches!(f, Fate::Rejected(_)));
    println!(
        "{} records: {} created, {} updated, {} unchanged, {rejected} rejected",
        reports.len(),
        count(|f| matches!(f, Fate::Created(_))),
        count(|f| matches!(f, Fate::Updated(_))),
        count(|f| matches!(f, Fate::Unchanged(_))),
    );
    Ok(rejected == 0)
}
