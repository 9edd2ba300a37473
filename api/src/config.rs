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
}

impl std::fmt::Debug for DatabaseConfig {
    /// Never prints the URL: it may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("backend", &self.backend_name())
            .field("database_max_connections", &self.database_max_connections)
            .finish()
    }
}

impl DatabaseConfig {
    /// Whether the database is the embedded SQLite file.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
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
}

impl std::fmt::Debug for AuthConfig {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("jwt_jwks_file", &self.jwt_jwks_file)
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
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
}

impl ServeConfig {
    /// Whether to seed demonstration data on start.
    pub fn seeds_demo_data(&self) -> bool {
        self.demo_data.unwrap_or_else(|| self.database.is_sqlite())
    }
}
