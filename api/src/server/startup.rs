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
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::schema::build_schema_with;
use crate::seed;
use crate::server::{self as http, AppState};

/// A bound, ready-to-run service.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    db: DatabaseConnection,
    statements: StatementCounter,
    shutdown: watch::Sender<bool>,
    stop: Arc<tokio::sync::Notify>,
    drain: std::time::Duration,
}

impl Application {
    /// Connects to the database, applies migrations, seeds demonstration data
    /// into an empty database when configured, and binds the listener.
    pub async fn build(config: &ServeConfig) -> Result<Self> {
        // An in-memory SQLite database lives as long as its pool: it is
        // migrated and seeded on the serving pool itself.
        let startup = if config.database.is_in_memory() {
            None
        } else {
            Some(db::connect_patiently(&config.database).await?)
        };
        let (db, statements) = db::connect(&config.database).await?;
        let prepare = startup.as_ref().unwrap_or(&db);
        db::migrate(prepare).await?;
        if config.seeds_demo_data() {
            let report = seed::seed_demo_data(prepare).await?;
            if report.inserted {
                tracing::info!("demonstration data inserted");
            }
        }
        if let Some(startup) = startup {
            startup.close().await?;
        }
        let address = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(address)
            .await
            .map_err(|e| AppError::internal(format!("cannot bind {address}: {e}")))?;
        let verifier = Verifier::from_config(&config.auth, &config.database)?;
        if config
            .auth
            .metrics_token
            .as_ref()
            .is_some_and(|token| token.len() < 32)
        {
            return Err(AppError::internal(
                "METRICS_TOKEN must be at least 32 characters",
            ));
        }
        let changes = Arc::new(ChangeSignal::start(
            db.clone(),
            &config.database.database_url,
        ));
        let baseline = match &config.baseline_response_file {
            Some(path) => Some(axum::body::Bytes::from(std::fs::read(path).map_err(
                |e| AppError::internal(format!("cannot read {}: {e}", path.display())),
            )?)),
            None => None,
        };
        // Creates are written together on a connection of their own.
        let appends = if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            crate::audit::append::Appends::grouped(
                db.clone(),
                db::connect_writer(&config.database, &statements).await?,
            )
        } else {
            crate::audit::append::Appends::direct(db.clone())
        };
        let (shutdown, shutdown_seen) = watch::channel(false);
        let router = http::router(AppState {
            db: db.clone(),
            appends,
            schema: build_schema_with(&config.limits),
            verifier: Arc::new(verifier),
            changes,
            shutdown: shutdown_seen,
            limits: Arc::new(config.limits.clone()),
            limiter: Arc::new(RateLimiter::default()),
            applications: Arc::new(RateLimiter::per(std::time::Duration::from_secs(3600))),
            metrics: Arc::new(Metrics::default()),
            statements: statements.clone(),
            connections: Arc::default(),
            baseline,
            admission: Arc::new(crate::admission::Admission::new(
                config.limits.max_inflight_cost,
                config.database.database_max_connections,
            )),
            documents: Arc::default(),
            responses: Arc::new(crate::responses::Responses::new(
                config.limits.response_cache_bytes,
            )),
            metrics_token: config.auth.metrics_token.as_deref().map(Arc::from),
        });
        Ok(Self {
            listener,
            router,
            db,
            statements,
            shutdown,
            stop: Arc::new(tokio::sync::Notify::new()),
            drain: std::time::Duration::from_secs(config.limits.shutdown_drain_secs),
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
        let stop = self.stopper();
        self.run_until(async move {
            tokio::select! {
                () = shutdown_signal() => {},
                () = stop.stopped() => {},
            }
        })
        .await
    }

    /// A handle that stops the service as SIGTERM does (for tests and embedding).
    pub fn stopper(&self) -> Stopper {
        Stopper(self.stop.clone())
    }

    /// Serves until `signal` completes: then new connections are refused, live
    /// subscriptions are closed with "going away", requests in flight finish
    /// within the drain timeout, and the pool closes.
    async fn run_until(self, signal: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let shutdown = self.shutdown;
        let mut draining = shutdown.subscribe();
        let drain = self.drain;
        let server = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            signal.await;
            tracing::info!("shutting down: finishing requests in flight");
            shutdown.send_replace(true);
        });
        let deadline = async move {
            let _ = draining.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(drain).await;
        };
        tokio::select! {
            served = server => {
                served.map_err(|e| AppError::internal(format!("server error: {e}")))?;
            }
            () = deadline => {
                tracing::warn!(seconds = drain.as_secs(), "drain timeout: stopping with requests still in flight");
                // Connections still lent to those requests are not waited for.
                let _ = tokio::time::timeout(std::time::Duration::from_secs(1), self.db.close_by_ref()).await;
                return Ok(());
            }
        }
        self.db.close_by_ref().await?;
        Ok(())
    }
}

/// Stops a running [`Application`] gracefully.
#[derive(Clone)]
pub struct Stopper(Arc<tokio::sync::Notify>);

impl Stopper {
    /// Starts the graceful shutdown.
    pub fn stop(&self) {
        self.0.notify_one();
    }

    async fn stopped(&self) {
        self.0.notified().await;
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
}
