//! Building and running the application: `Application::build(config)` connects,
//! migrates, seeds when asked, binds; `run_until_stopped` serves until a signal.

use std::net::SocketAddr;
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::Verifier;
use crate::config::ServeConfig;
use crate::db::{self, StatementCounter};
use crate::error::{AppError, Result};
use crate::feed::signal::ChangeSignal;
use crate::http::{self, AppState};
use crate::schema::build_schema;
use crate::seed;

/// A bound, ready-to-run service.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    db: DatabaseConnection,
    statements: StatementCounter,
    shutdown: watch::Sender<bool>,
}

impl Application {
    /// Connects to the database, applies migrations, seeds demonstration data
    /// into an empty database when configured, and binds the listener.
    pub async fn build(config: &ServeConfig) -> Result<Self> {
        let (db, statements) = db::connect(&config.database).await?;
        db::migrate(&db).await?;
        if config.seeds_demo_data() {
            let report = seed::seed_demo_data(&db).await?;
            if report.inserted {
                tracing::info!("demonstration data inserted");
            }
        }
        let address = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(address)
            .await
            .map_err(|e| AppError::internal(format!("cannot bind {address}: {e}")))?;
        let verifier = Verifier::from_config(&config.auth, &config.database)?;
        let changes = Arc::new(ChangeSignal::start(
            db.clone(),
            &config.database.database_url,
        ));
        let (shutdown, shutdown_seen) = watch::channel(false);
        let router = http::router(AppState {
            db: db.clone(),
            schema: build_schema(),
            verifier: Arc::new(verifier),
            changes,
            shutdown: shutdown_seen,
        });
        Ok(Self {
            listener,
            router,
            db,
            statements,
            shutdown,
        })
    }

    /// The bound address (the port is the real one when 0 was asked for).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| AppError::internal(format!("no local address: {e}")))
    }

    /// The connection pool, for tests and maintenance commands.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Statements executed since start.
    pub fn statements(&self) -> StatementCounter {
        self.statements.clone()
    }

    /// Serves until SIGINT or SIGTERM, then lets requests in flight finish.
    pub async fn run_until_stopped(self) -> Result<()> {
        let shutdown = self.shutdown;
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(async move {
                shutdown_signal().await;
                // Live connections close with "going away"; requests in flight finish.
                shutdown.send_replace(true);
            })
            .await
            .map_err(|e| AppError::internal(format!("server error: {e}")))?;
        self.db.close_by_ref().await?;
        Ok(())
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
