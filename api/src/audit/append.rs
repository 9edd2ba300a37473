//! Creates on PostgreSQL that hold the chain's lock for one statement, and
//! concurrent creates written together by one statement (group commit).
//!
//! Every write to the chain takes its one lock, the head row, and holds it
//! until it commits, flush to disk included: that lock, not the work of
//! the write, bounds how many writes a second the chain takes. An
//! [`Append`] holds it for one statement; creates that arrive while another
//! is being written queue ([`Appends::grouped`]) and are then written by one
//! statement, under one lock and one flush, each its own row and event.

use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryTrait,
    SqlErr, Statement, TryIntoModel,
};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::service::{Actor, Checked, reserving};
use crate::admission::Admitted;
use crate::error::{AppError, Result};
use crate::loader::Table;

/// Creates written by one statement at most.
const GROUP: usize = 32;

/// Creates waiting to be written at most; a create beyond them waits to
/// join the queue.
const QUEUE: usize = 1024;

/// Where creates are written: the pool and, when creates are grouped, the
/// queue of the task that writes them; for a request, its place among the
/// queries executing, given back while its create waits in that queue.
#[derive(Clone)]
pub struct Appends {
    db: DatabaseConnection,
    queue: Option<mpsc::Sender<Job>>,
    admitted: Option<Arc<Admitted>>,
}

impl Appends {
    /// Each create written by a statement of its own: for the maintenance
    /// commands, which write one at a time, and for SQLite.
    pub fn direct(db: DatabaseConnection) -> Self {
        Self {
            db,
            queue: None,
            admitted: None,
        }
    }

    /// Creates that arrive while others are being written
    /// are written together, by one statement, as soon as those commit
    /// (at most [`GROUP`] at a time, in the order they arrived), on
    /// `writer`, a connection of their own; their checks read from `db`,
    /// the pool. A lone
    /// create does not wait: it is written at once. A group that a violated
    /// constraint rolled back (one create's code taken meanwhile, say) is
    /// written again one create at a time, so that each gets its own answer;
    /// any other failure is the answer of every create of the group. A
    /// queued create whose caller has gone is not written. PostgreSQL only
    /// (the group's statement is PostgreSQL's; SQLite takes
    /// [`Appends::direct`]). Spawns the writing task on the current Tokio
    /// runtime; it ends when the last handle is dropped.
    pub fn grouped(db: DatabaseConnection, writer: DatabaseConnection) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write_groups(writer, receiver));
        Self {
            db,
            queue: Some(queue),
            admitted: None,
        }
    }

    /// These appends for a request admitted by `admitted`: while one of its
    /// creates waits in the queue, which holds no connection of the pool,
    /// the place is given to the next query waiting for one, so that creates
    /// arriving together are written together however small the pool.
    pub fn admitted(self, admitted: Arc<Admitted>) -> Self {
        Self {
            admitted: Some(admitted),
            ..self
        }
    }

    /// The pool.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}

/// A create on PostgreSQL: a write that only adds one row, whose checks a
/// constraint also enforces, and records one event. Unlike a
/// [`super::service::Writer`] it holds the chain's lock for one statement,
/// not for every round trip of the write: its checks and the new row's id
/// are read first, without the lock and outside any transaction, and the
/// row, its event and the new head are then one statement that commits on
/// its own, perhaps with other creates ([`Appends::grouped`]). That
/// statement takes the lock (`FOR UPDATE` on the head, in a common table)
/// and chains the events to the head it locked; their hashes and time are
/// computed under the lock by PostgreSQL, so sequence order stays commit
/// order and `occurred_at` grows with it (creates written together share
/// it). The checks may be stale by the time the row is written, as those of
/// [`super::service::Writer::begin_checked`] may: answer a constraint's
/// violation at commit as the check would have.
pub struct Append {
    appends: Appends,
    actor: Actor,
    reserved_id: i64,
    insert: Option<Statement>,
}

impl Append {
    /// Reads `checks` (a select of one row, see
    /// [`super::service::Writer::begin_checked`]) and reserves an id of
    /// `table`, in one statement without the lock; `None` on SQLite, whose
    /// writers take a `Writer`.
    pub async fn begin_checked(
        appends: &Appends,
        actor: Actor,
        checks: &SelectStatement,
        table: &str,
    ) -> Result<Option<(Self, Checked)>> {
        let backend = appends.db.get_database_backend();
        if backend != DbBackend::Postgres {
            return Ok(None);
        }
        let row = appends
            .db
            .query_one_raw(reserving(backend, checks, table, None))
            .await?
            .ok_or_else(|| AppError::internal("the checks returned no row"))?;
        let reserved_id = row.try_get("", "reserved_id")?;
        let append = Self {
            appends: appends.clone(),
            actor,
            reserved_id,
            insert: None,
        };
        Ok(Some((
            append,
            Checked {
                row,
                reserved_id: Some(reserved_id),
            },
        )))
    }

    /// The row `model` as it will be stored, under the reserved id (every
    /// column set but the id); written at [`Append::commit`].
    pub fn insert<A>(&mut self, mut model: A) -> Result<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + TryIntoModel<<A::Entity as EntityTrait>::Model>,
        A::Entity: Table,
    {
        model.set(<A::Entity as Table>::id_column(), self.reserved_id.into());
        let stored = model.clone().try_into_model()?;
        let backend = self.appends.db.get_database_backend();
        self.insert = Some(<A::Entity as EntityTrait>::insert(model).build(backend));
        Ok(stored)
    }

    /// Writes the row, the event of its creation (`operation` on
    /// `entity_type` `entity_id`, with `changes`), the new head and the
    /// wake-up of live subscriptions in one statement, which commits; with
    /// other creates when they are grouped.
    pub async fn commit(
        self,
        operation: &str,
        entity_type: &str,
        entity_id: i64,
        changes: &Value,
    ) -> Result<()> {
        let insert = self
            .insert
            .ok_or_else(|| AppError::internal("a create without its row"))?;
        let changes = serde_json::to_string(changes)
            .map_err(|e| AppError::internal(format!("cannot encode changes: {e}")))?;
        let pending = Pending {
            insert,
            actor: self.actor,
            operation: operation.to_owned(),
            entity_type: entity_type.to_owned(),
            entity_id,
            changes,
        };
        let Some(queue) = &self.appends.queue else {
            return write(&self.appends.db, &[&pending]).await;
        };
        let (reply, answer) = oneshot::channel();
        let queued = async {
            queue
                .send(Job { pending, reply })
                .await
                .map_err(|mpsc::error::SendError(job)| job)?;
            Ok(answer
                .await
                .unwrap_or_else(|_| Err(AppError::internal("the writer of creates stopped"))))
        };
        let queued: std::result::Result<Result<()>, Job> = match &self.appends.admitted {
            Some(admitted) => admitted.aside(queued).await,
            None => queued.await,
        };
        match queued {
            Ok(written) => written,
            // The task is gone: nothing of this create was written.
            Err(job) => write(&self.appends.db, &[&job.pending]).await,
        }
    }
}

/// A create to write: its row's insert and its event's fields.
struct Pending {
    insert: Statement,
    actor: Actor,
    operation: String,
    entity_type: String,
    entity_id: i64,
    /// The changes as stored (JSON text).
    changes: String,
}

/// A queued create and where its answer goes.
struct Job {
    pending: Pending,
    reply: oneshot::Sender<Result<()>>,
}

/// Writes what is queued, a group at a time, until the queue closes.
async fn write_groups(db: DatabaseConnection, mut queue: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(GROUP);
    // Waits for one create, then takes every other one queued meanwhile.
    while queue.recv_many(&mut jobs, GROUP).await > 0 {
        // A create whose caller has gone (a timeout, a disconnect) is not
        // written: nothing of it is yet, and nobody would learn its answer.
        jobs.retain(|job| !job.reply.is_closed());
        if jobs.len() > 1 {
            let group: Vec<&Pending> = jobs.iter().map(|job| &job.pending).collect();
            match write(&db, &group).await {
                Ok(()) => {
                    for job in jobs.drain(..) {
                        // A caller that has gone away meanwhile needs no answer.
                        let _ = job.reply.send(Ok(()));
                    }
                    continue;
                }
                // A violated constraint rolled the group back (a code two of
                // its creates took, say): each is written again on its own
                // and gets its own answer.
                Err(error) if violates_constraint(&error) => {}
                // Anything else (the database away, say) is every create's
                // answer: written again one by one, they would fail alike,
                // one after another.
                Err(error) => {
                    let shared = Arc::new(error);
                    for job in jobs.drain(..) {
                        let _ = job.reply.send(Err(AppError::from(shared.clone())));
                    }
                    continue;
                }
            }
        }
        for job in jobs.drain(..) {
            let written = write(&db, &[&job.pending]).await;
            let _ = job.reply.send(written);
        }
    }
}

/// Whether `error` is a violated unique or foreign-key constraint, which
/// rolls back the statement and nothing else.
fn violates_constraint(error: &AppError) -> bool {
    let AppError::Database(error) = error else {
        return false;
    };
    matches!(
        error.sql_err(),
        Some(SqlErr::UniqueConstraintViolation(_) | SqlErr::ForeignKeyConstraintViolation(_))
    )
}

/// Writes `group` by one statement (see [`statement`]), which commits.
async fn write(db: &DatabaseConnection, group: &[&Pending]) -> Result<()> {
    let ending = super::Ending;
    let written = db
        .execute_raw(statement(db.get_database_backend(), group))
        .await;
    drop(ending);
    written?;
    Ok(())
}

/// One statement writing the rows of `group`, the event of each, in order,
/// the new head and the wake-up of live subscriptions. It locks the head
/// (`FOR UPDATE`, in a common table), takes the time once the lock is held,
/// and chains each event to the one before by a recursive common table:
/// SHA-256 over the previous hash and the event's canonical encoding, the
/// same bytes as [`super::service::canonical`] and
/// [`super::service::chain_hash`]. The rows are inserted after the lock is
/// taken (PostgreSQL runs the common tables nobody reads last).
fn statement(backend: DbBackend, group: &[&Pending]) -> Statement {
    let mut values: Vec<sea_orm::Value> = Vec::new();
    let mut tables = Vec::with_capacity(group.len() + 7);
    for (index, pending) in group.iter().enumerate() {
        let insert = shift_placeholders(&pending.insert.sql, values.len());
        tables.push(format!("w{index} AS ({insert})"));
        values.extend(
            pending
                .insert
                .values
                .clone()
                .map(|v| v.0)
                .unwrap_or_default(),
        );
    }
    let mut rows = Vec::with_capacity(group.len());
    for (index, pending) in group.iter().enumerate() {
        // The canonical encoding after its sequence number and time, which
        // are known only under the lock.
        let rest = serde_json::json!([
            pending.actor.subject,
            pending.actor.role,
            pending.operation,
            pending.entity_type,
            pending.entity_id,
            pending.changes
        ])
        .to_string();
        let first = values.len() + 1;
        rows.push(format!(
            "({n}, CAST(${} AS text), CAST(${} AS text), CAST(${} AS text), \
             CAST(${} AS text), CAST(${} AS text), CAST(${} AS bigint), CAST(${} AS text))",
            first,
            first + 1,
            first + 2,
            first + 3,
            first + 4,
            first + 5,
            first + 6,
            n = index + 1,
        ));
        values.extend([
            rest.into(),
            pending.actor.subject.clone().into(),
            pending.actor.role.clone().into(),
            pending.operation.clone().into(),
            pending.entity_type.clone().into(),
            pending.entity_id.into(),
            pending.changes.clone().into(),
        ]);
    }
    // Delivered to every listening instance when the statement commits.
    values.push(crate::feed::signal::CHANNEL.into());
    let channel = values.len();
    tables.extend([
        "locked AS (SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE)".to_owned(),
        // Apart from the lock's statement, so that the time is taken once the
        // lock is held.
        "stamped AS (SELECT seq, CAST(hash AS text) AS hash, \
         date_trunc('microseconds', clock_timestamp()) AS occurred_at FROM locked)"
            .to_owned(),
        format!(
            "created (n, rest, actor, role, operation, entity_type, entity_id, changes) AS \
             (VALUES {})",
            rows.join(", ")
        ),
        "chained (n, seq, prev_hash, hash, occurred_at) AS (\
         SELECT 0, seq, CAST(NULL AS text), hash, occurred_at FROM stamped \
         UNION ALL \
         SELECT e.n, c.seq + 1, c.hash, encode(sha256(convert_to(c.hash || E'\\n' || '[' || \
         (c.seq + 1) || ',\"' || \
         to_char(c.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || \
         '\",' || substr(e.rest, 2), 'UTF8')), 'hex'), c.occurred_at \
         FROM chained AS c JOIN created AS e ON e.n = c.n + 1)"
            .to_owned(),
        "events AS (INSERT INTO audit_event (seq, occurred_at, actor, role, operation, \
         entity_type, entity_id, changes, prev_hash, hash) \
         SELECT c.seq, c.occurred_at, e.actor, e.role, e.operation, e.entity_type, \
         e.entity_id, e.changes, c.prev_hash, c.hash \
         FROM chained AS c JOIN created AS e ON e.n = c.n)"
            .to_owned(),
        "last AS (SELECT seq, hash FROM chained ORDER BY n DESC LIMIT 1)".to_owned(),
        "head AS (UPDATE audit_head SET seq = last.seq, hash = last.hash \
         FROM last WHERE audit_head.id = 1)"
            .to_owned(),
    ]);
    let sql = format!(
        "WITH RECURSIVE {} SELECT pg_notify(${channel}, CAST(seq AS text)) FROM last",
        tables.join(", ")
    );
    Statement::from_sql_and_values(backend, sql, values)
}

/// `sql` with its placeholders (`$1`, `$2`, …) numbered `by` higher, so
/// that statements can be joined into one; names in double quotes and
/// strings in single quotes are copied as they are. For statements as the
/// builder writes them with every value a placeholder: escaped strings
/// (`E'…'`), dollar quoting and comments are not told apart.
fn shift_placeholders(sql: &str, by: usize) -> String {
    debug_assert!(!sql.contains("E'") && !sql.contains("$$") && !sql.contains("--"));
    let mut out = String::with_capacity(sql.len() + sql.len() / 8);
    let mut quote = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            // A doubled quote closes and opens again: copied alike.
            Some(open) => {
                if c == open {
                    quote = None;
                }
                out.push(c);
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut number = 0usize;
                while let Some(digit) = chars.peek().and_then(|d| d.to_digit(10)) {
                    number = number * 10 + digit as usize;
                    chars.next();
                }
                out.push('$');
                out.push_str(&(number + by).to_string());
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shift_placeholders;

    #[test]
    fn placeholders_are_renumbered_outside_quotes_only() {
        assert_eq!(
            shift_placeholders(
                r#"INSERT INTO "t$1" ("a", "b""$2") VALUES ($1, $2, '$3', 'it''s $4', $10)"#,
                7
            ),
            r#"INSERT INTO "t$1" ("a", "b""$2") VALUES ($8, $9, '$3', 'it''s $4', $17)"#
        );
        assert_eq!(shift_placeholders("SELECT $1", 0), "SELECT $1");
    }
}
