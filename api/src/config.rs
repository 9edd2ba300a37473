//! One typed configuration, from flags and the environment.

use std::net::IpAddr;

use clap::{Args, ValueEnum};

/// Where the embedded default keeps its database.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://alliance.db?mode=rwc";

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Database settings, shared by every subcommand.
#[derive(Clone, Args)]
pub struct DatabaseConfig {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded default) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
    /// Maximum connections in the pool.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 16)]
    pub database_max_connections: u32,
    /// How long a request waits for a pooled connection before it fails with
    /// UNAVAILABLE, in milliseconds: short, so that requests fail fast while the
    /// database is away.
    #[arg(long, env = "DATABASE_ACQUIRE_TIMEOUT_MS", default_value_t = 500)]
    pub database_acquire_timeout_ms: u64,
}

impl std::fmt::Debug for DatabaseConfig {
    /// Never prints the URL: it may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("backend", &self.backend_name())
            .field("database_max_connections", &self.database_max_connections)
            .field(
                "database_acquire_timeout_ms",
                &self.database_acquire_timeout_ms,
            )
            .finish()
    }
}

impl DatabaseConfig {
    /// Whether the database is the embedded SQLite file.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// Whether the database is an in-memory SQLite database (it lives as long
    /// as its connection pool).
    pub fn is_in_memory(&self) -> bool {
        self.is_sqlite()
            && (self.database_url.contains(":memory:") || self.database_url.contains("mode=memory"))
    }

    /// The SQLite database file, when the database is one (not in memory).
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        if self.is_in_memory() {
            return None;
        }
        let rest = self.database_url.strip_prefix("sqlite:")?;
        let file = rest.trim_start_matches("//").split('?').next()?;
        (!file.is_empty()).then(|| std::path::PathBuf::from(file))
    }

    /// `sqlite` or `postgres`, for logs.
    pub fn backend_name(&self) -> &'static str {
        if self.is_sqlite() {
            "sqlite"
        } else {
            "postgres"
        }
    }
}

/// Token verification settings.
#[derive(Clone, Args)]
pub struct AuthConfig {
    /// HS256 signing secret (at least 32 characters). When unset on the embedded
    /// SQLite default, one is generated on first start and kept beside the
    /// database file as `<file>.jwt-secret`.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// JWKS file with the RS256 or Ed25519 public keys of an identity provider, chosen by `kid`.
    #[arg(long, env = "JWT_JWKS_FILE")]
    pub jwt_jwks_file: Option<std::path::PathBuf>,
    /// Required `iss` claim.
    #[arg(long, env = "JWT_ISSUER", default_value = "alliance")]
    pub jwt_issuer: String,
    /// Required `aud` claim.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "alliance-api")]
    pub jwt_audience: String,
    /// A bearer token (at least 32 characters) that opens `/metrics` to a
    /// scraper. Without it, only administrators' tokens open it.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
}

impl std::fmt::Debug for AuthConfig {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("jwt_jwks_file", &self.jwt_jwks_file)
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<set>"),
            )
            .finish()
    }
}

/// Settings of `alliance serve`.
#[derive(Clone, Debug, Args)]
pub struct ServeConfig {
    /// Database settings.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Token settings.
    #[command(flatten)]
    pub auth: AuthConfig,
    /// Address to bind.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to bind; 0 picks a free one.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// Fill an empty database with demonstration data on start. Defaults to on
    /// for SQLite and off for PostgreSQL.
    #[arg(long, env = "DEMO_DATA")]
    pub demo_data: Option<bool>,
    /// Limits on what a request may ask.
    #[command(flatten)]
    pub limits: Limits,
    /// Benchmarking aid: serve this file's bytes as JSON at `POST /baseline`,
    /// through the same middleware as `/graphql`, so that a benchmark can
    /// compare a query with an endpoint that only returns its bytes
    /// (docs/BENCHMARKS.md). No such route exists when unset.
    #[arg(long, env = "BASELINE_RESPONSE_FILE", hide = true)]
    pub baseline_response_file: Option<std::path::PathBuf>,
}

/// Limits on requests, with their documented defaults (docs/SECURITY.md).
#[derive(Clone, Debug, Args)]
pub struct Limits {
    /// Largest request body in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,
    /// Deepest selection nesting of a query.
    #[arg(long, env = "MAX_DEPTH", default_value_t = 16)]
    pub max_depth: usize,
    /// Highest cost of a query: every object it may return, a list counting as
    /// many as its `first`/`last` (20 when not given) times its children.
    #[arg(long, env = "MAX_COST", default_value_t = 200_000)]
    pub max_cost: u64,
    /// Most aliased fields in one request.
    #[arg(long, env = "MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Most directives on one field.
    #[arg(long, env = "MAX_DIRECTIVES_PER_FIELD", default_value_t = 4)]
    pub max_directives_per_field: usize,
    /// Deepest nesting of values (lists, input objects) in arguments and variables.
    #[arg(long, env = "MAX_VALUE_DEPTH", default_value_t = 10)]
    pub max_value_depth: usize,
    /// Most operations in one batched request (a JSON array); 0 turns batching off.
    #[arg(long, env = "MAX_BATCH", default_value_t = 0)]
    pub max_batch: usize,
    /// The longest a request may take, in seconds.
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Serve introspection, field suggestions and GraphiQL (turn off for public deployments).
    #[arg(long, env = "INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,
    /// Origins allowed to call the API from browsers (comma-separated); none by default.
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Query cost an anonymous client address may spend per minute.
    #[arg(long, env = "RATE_LIMIT_ANONYMOUS", default_value_t = 200_000)]
    pub rate_limit_anonymous: u64,
    /// Query cost a token may spend per minute.
    #[arg(long, env = "RATE_LIMIT_TOKEN", default_value_t = 2_000_000)]
    pub rate_limit_token: u64,
    /// How long requests in flight may take to finish on shutdown, in seconds.
    #[arg(long, env = "SHUTDOWN_DRAIN_SECS", default_value_t = 20)]
    pub shutdown_drain_secs: u64,
    /// Total cost of the queries executing at once: a query waits (within
    /// the request time limit) until its cost fits, so memory stays bounded
    /// whatever the number of connections. A query costing more than this
    /// runs alone.
    #[arg(long, env = "MAX_INFLIGHT_COST", default_value_t = 100_000)]
    pub max_inflight_cost: u64,
    /// Membership applications one client address may file per hour without
    /// a token (each is also charged as a query).
    #[arg(long, env = "APPLICATIONS_PER_HOUR", default_value_t = 10)]
    pub applications_per_hour: u64,
    /// Applications filed without a token from one client address that may
    /// wait for the secretariat's decision at a time.
    #[arg(long, env = "OPEN_APPLICATIONS_PER_ADDRESS", default_value_t = 3)]
    pub open_applications_per_address: u64,
    /// Memory for answers kept until the data changes, in bytes; 0 keeps
    /// none. On PostgreSQL only (docs/OPERATIONS.md).
    #[arg(long, env = "RESPONSE_CACHE_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub response_cache_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            max_depth: 16,
            max_cost: 200_000,
            max_aliases: 30,
            max_directives_per_field: 4,
            max_value_depth: 10,
            max_batch: 0,
            request_timeout_secs: 30,
            introspection: true,
            cors_origins: Vec::new(),
            rate_limit_anonymous: 200_000,
            rate_limit_token: 2_000_000,
            shutdown_drain_secs: 20,
            max_inflight_cost: 100_000,
            applications_per_hour: 10,
            open_applications_per_address: 3,
            response_cache_bytes: 4 * 1024 * 1024,
        }
    }
}

impl ServeConfig {
    /// Whether to seed demonstration data on start.
    pub fn seeds_demo_data(&self) -> bool {
        self.demo_data.unwrap_or_else(|| self.database.is_sqlite())
    }
}
