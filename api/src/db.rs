//! Connecting to the database, migrating it, and counting its statements.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

use crate::config::DatabaseConfig;
use crate::error::Result;

/// Statements executed since start: the figure behind the N+1 tests and `/metrics`.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements executed so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts the statements `db` executes.
    fn count(&self, db: &mut DatabaseConnection) {
        let count = Arc::clone(&self.0);
        db.set_metric_callback(move |_| {
            count.fetch_add(1, Ordering::Relaxed);
        });
    }
}

/// How long start-up and the maintenance commands wait for the database: a
/// database that is starting, or slow on a busy machine, is waited for rather
/// than failing the start.
const STARTUP_PATIENCE: Duration = Duration::from_secs(15);

/// Opens the serving pool. SQLite gets foreign keys, WAL and a busy timeout;
/// the file is created when missing.
pub async fn connect(config: &DatabaseConfig) -> Result<(DatabaseConnection, StatementCounter)> {
    // Requests wait for a connection only briefly (DATABASE_ACQUIRE_TIMEOUT_MS):
    // while the database is away they get UNAVAILABLE instead of hanging.
    let patience = Duration::from_millis(config.database_acquire_timeout_ms);
    // Connections open when first needed, except for an in-memory database,
    // which must hold one from the start.
    let lazy = !config.is_in_memory();
    let mut db = open(config, config.database_max_connections, patience, lazy).await?;
    // Said once, when the service opens its serving pool.
    #[cfg(unix)]
    if let Some(file) = config.sqlite_file() {
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(&file).is_ok_and(|m| m.permissions().mode() & 0o077 != 0) {
            tracing::warn!(
                path = %file.display(),
                "the database file (which holds contact details) is readable by others: chmod 600 it"
            );
        }
    }
    let counter = StatementCounter::default();
    counter.count(&mut db);
    Ok((db, counter))
}

/// Opens the connection of the writer of creates (PostgreSQL,
/// [`crate::audit::append::Appends::grouped`]): a pool of one, its
/// statements counted with the serving pool's, so that a group of creates
/// never waits for a connection behind the queries holding the serving pool.
pub async fn connect_writer(
    config: &DatabaseConfig,
    counter: &StatementCounter,
) -> Result<DatabaseConnection> {
    let patience = Duration::from_millis(config.database_acquire_timeout_ms);
    let mut db = open(config, 1, patience, true).await?;
    counter.count(&mut db);
    Ok(db)
}

/// Opens a small pool that waits for the database as long as start-up may: for
/// migrations, seeding and the maintenance commands (the service closes it
/// before it opens its serving pool).
pub async fn connect_patiently(config: &DatabaseConfig) -> Result<DatabaseConnection> {
    open(config, 2, STARTUP_PATIENCE, false).await
}

/// `lazy`: connections are opened when first needed (start-up has just
/// reached the database on the patient pool; the first request waits for its
/// connection as any request does).
async fn open(
    config: &DatabaseConfig,
    max_connections: u32,
    patience: Duration,
    lazy: bool,
) -> Result<DatabaseConnection> {
    // A new SQLite file is created by the service, private to its owner
    // (SQLite gives its journal files the same mode), before SQLite would
    // create it readable by everyone.
    if let Some(file) = config.sqlite_file()
        && config.database_url.contains("mode=rwc")
        && !file.exists()
    {
        // Another process may have created it meanwhile.
        if let Err(error) = crate::auth::create_private(&file)
            && !file.exists()
        {
            return Err(error);
        }
    }
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .max_connections(max_connections)
        .min_connections(if config.is_sqlite() { 1 } else { 0 })
        .acquire_timeout(patience)
        .connect_lazy(lazy)
        .connect_timeout(Duration::from_secs(3))
        .sqlx_logging(false);
    if config.is_sqlite() {
        options.map_sqlx_sqlite_opts(|o| {
            o.foreign_keys(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
        });
    } else {
        // The service's statements are short and planned often: compiling
        // them (PostgreSQL's JIT, from an estimated cost of 100,000) took
        // longer than running them — a nested page of 1,000 projects spent
        // 50 ms of 150 compiling its expressions.
        options.map_sqlx_postgres_pool_opts(|pool| {
            pool.after_connect(|connection, _| {
                Box::pin(async move {
                    sea_orm::sqlx::Executor::execute(connection, "SET jit = off")
                        .await
                        .map(|_| ())
                })
            })
        });
    }
    Ok(Database::connect(options).await?)
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// Whether the database answers.
pub async fn ping(db: &DatabaseConnection) -> bool {
    let backend = db.get_database_backend();
    db.execute_raw(sea_orm::Statement::from_string(backend, "SELECT 1"))
        .await
        .is_ok()
}
