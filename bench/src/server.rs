//! The service, started in-process on a benchmark database.

use alliance_api::auth::{Claims, Role, mint};
use alliance_api::config::{AuthConfig, DatabaseConfig, Limits, ServeConfig};
use alliance_api::server::startup::Application;
use sea_orm::DatabaseConnection;

use crate::Error;

/// Signing secret of the benchmark tokens (the service is local and throwaway).
pub const SECRET: &str = "benchmark-secret-0123456789abcdef0123456789";

/// A running service.
pub struct Server {
    /// Base address, `http://127.0.0.1:PORT`.
    pub address: String,
    /// Its database connection.
    pub db: DatabaseConnection,
}

impl Server {
    /// Migrates `database_url` and serves it on a free local port, without demo data.
    pub async fn start(database_url: &str) -> Result<Self, Error> {
        let config = ServeConfig {
            database: DatabaseConfig {
                database_url: database_url.to_owned(),
                database_max_connections: 16,
                database_acquire_timeout_ms: 500,
            },
            auth: AuthConfig {
                jwt_secret: Some(SECRET.to_owned()),
                jwt_jwks_file: None,
                jwt_issuer: "alliance".into(),
                jwt_audience: "alliance-api".into(),
                metrics_token: None,
            },
            host: "127.0.0.1"
                .parse()
                .map_err(|_| Error::Service("loopback address".into()))?,
            port: 0,
            demo_data: Some(false),
            // The benchmark measures the service, not its rate limiter.
            limits: Limits {
                rate_limit_anonymous: u64::MAX / 4,
                rate_limit_token: u64::MAX / 4,
                ..Limits::default()
            },
            baseline_response_file: None,
        };
        let app = Application::build(&config)
            .await
            .map_err(|e| Error::Service(e.to_string()))?;
        let address = format!(
            "http://{}",
            app.local_addr()
                .map_err(|e| Error::Service(e.to_string()))?
        );
        let db = app.db().clone();
        tokio::spawn(app.run_until_stopped());
        Ok(Self { address, db })
    }

    /// A coordinator's token, valid for a day.
    pub fn coordinator_token(&self) -> Result<String, Error> {
        token(SECRET)
    }
}

/// A coordinator's token signed with `secret`, valid for a day.
pub fn token(secret: &str) -> Result<String, Error> {
    let now = chrono::Utc::now().timestamp() as u64;
    mint(
        secret,
        &Claims {
            sub: "benchmark".into(),
            exp: now + 86_400,
            iat: Some(now),
            iss: "alliance".into(),
            aud: "alliance-api".into(),
            role: Role::Coordinator,
            member: None,
        },
    )
    .map_err(|e| Error::Service(e.to_string()))
}
