//! Appending to and verifying the audit chain.
//!
//! Every write runs inside a [`Writer`]: it opens a transaction, locks the
//! chain's head row first (so writers append one at a time and sequence order
//! is commit order, on SQLite and PostgreSQL alike), records one event per
//! change, and commits the changes, the events and the new head together.
//! A create on PostgreSQL may instead be an [`super::append::Append`]: one
//! statement, its own transaction, that takes the same lock, so the same
//! order holds.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use entity::{audit_event, audit_head};
use sea_orm::sea_query::{Expr, SelectStatement};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait, IntoActiveModel,
    IsolationLevel, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait, Select,
    Statement, TransactionTrait, TryIntoModel,
};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::auth::Principal;
use crate::error::{AppError, Result};
use crate::loader::{Children, Table};
use crate::pagination::{Direction, Parent, SortKey};

/// The previous hash of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who makes a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The caller's subject.
    pub subject: String,
    /// The caller's role, lower case; `system` for the service itself.
    pub role: String,
}

impl Actor {
    /// The service itself (seeding, imports).
    pub fn system() -> Self {
        Self {
            subject: "system".into(),
            role: "system".into(),
        }
    }

    /// The authenticated caller, `None` for anonymous callers.
    pub fn of(principal: &Principal) -> Option<Self> {
        match principal {
            Principal::Anonymous => None,
            Principal::User { subject, role, .. } => Some(Self {
                subject: subject.clone(),
                role: format!("{role:?}").to_lowercase(),
            }),
        }
    }
}

/// A write transaction that appends audit events.
pub struct Writer {
    txn: DatabaseTransaction,
    actor: Actor,
    seq: i64,
    hash: String,
    /// Events recorded and not yet written: they are written at commit, with
    /// the new head, in as few statements as the database allows.
    pending: Vec<audit_event::Model>,
    /// Inserts whose stored rows are known before they run (their ids were
    /// reserved with the lock): written at commit, with the last events.
    deferred: Vec<Statement>,
}

/// What [`Writer::begin_checked`] read with the lock.
pub struct Checked {
    /// The row of the checks.
    pub row: QueryResult,
    /// On PostgreSQL, an id taken from the sequence of the table named, for
    /// [`Writer::insert`]; on SQLite `None` (the insert takes its id itself).
    pub reserved_id: Option<i64>,
}

impl Checked {
    /// Whether the checks may be stale: on PostgreSQL they were read in the
    /// lock's statement, before it waited for the lock (the same case as a
    /// reserved id). A write refused on them is checked again under the lock.
    pub fn stale(&self) -> bool {
        self.reserved_id.is_some()
    }
}

/// Events written by one statement at most (ten parameters each).
const EVENTS_PER_STATEMENT: usize = 500;

/// The chain's lock, which returns the head it locked. It is taken before
/// the write reads anything on its own (the checks of
/// [`Writer::begin_checked`] share its statement), so concurrent writers
/// wait here instead of failing later: on PostgreSQL the head row's lock
/// (`FOR UPDATE`, which writes no new version of the row: the head is
/// written once per transaction, at commit); on SQLite the database's
/// RESERVED lock, which a no-op update takes.
fn lock(backend: DbBackend) -> &'static str {
    if backend == DbBackend::Postgres {
        "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
    } else {
        "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash"
    }
}

impl Writer {
    /// Begins a write transaction and takes the chain's lock.
    pub async fn begin(db: &DatabaseConnection, actor: Actor) -> Result<Self> {
        let txn = Self::transaction(db).await?;
        let head = lock_head(&txn).await?;
        Self::locked(txn, actor, &head)
    }

    /// Begins like [`Writer::begin`] and reads `checks` (a select of one row:
    /// whether what a write refers to exists, whether a unique value is
    /// taken) and, on PostgreSQL, reserves an id of `table` for
    /// [`Writer::insert`], all in the lock's statement.
    ///
    /// On PostgreSQL the checks see the database as it was when that
    /// statement began, before it waited for the lock: a writer that held
    /// the lock meanwhile may have committed since. Use them only for what a
    /// constraint also enforces, and answer the constraint's violation at
    /// commit as the check would have (see `project::write::create_as`). On
    /// SQLite the checks run after the lock, and nothing is reserved. The
    /// checks' columns share a row with the lock's `seq`, `hash` and
    /// `reserved_id`: they need names of their own.
    pub async fn begin_checked(
        db: &DatabaseConnection,
        actor: Actor,
        checks: &SelectStatement,
        table: &str,
    ) -> Result<(Self, Checked)> {
        let txn = Self::transaction(db).await?;
        let backend = txn.get_database_backend();
        if backend != DbBackend::Postgres {
            let head = lock_head(&txn).await?;
            let row = txn
                .query_one_raw(backend.build(checks))
                .await?
                .ok_or_else(|| AppError::internal("the checks returned no row"))?;
            let writer = Self::locked(txn, actor, &head)?;
            return Ok((
                writer,
                Checked {
                    row,
                    reserved_id: None,
                },
            ));
        }
        let row = txn
            .query_one_raw(reserving(backend, checks, table, Some(lock(backend))))
            .await?
            .ok_or_else(|| AppError::internal("audit head row missing"))?;
        let writer = Self::locked(txn, actor, &row)?;
        let reserved_id = Some(row.try_get("", "reserved_id")?);
        Ok((writer, Checked { row, reserved_id }))
    }

    /// A write transaction, not yet locked.
    async fn transaction(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
        // Read committed: writers wait for the head lock instead of failing
        // with serialisation errors, whatever the server's default.
        // (SQLite has one writer at a time and no isolation levels to choose.)
        let isolation = (db.get_database_backend() == DbBackend::Postgres)
            .then_some(IsolationLevel::ReadCommitted);
        Ok(db.begin_with_config(isolation, None).await?)
    }

    /// The writer of `txn`, which holds the lock on the head `head` returned.
    fn locked(txn: DatabaseTransaction, actor: Actor, head: &QueryResult) -> Result<Self> {
        Ok(Self {
            txn,
            actor,
            seq: head.try_get("", "seq")?,
            hash: head.try_get("", "hash")?,
            pending: Vec::new(),
            deferred: Vec::new(),
        })
    }

    /// Inserts `model` (every column set but the id) and returns the row as
    /// stored. Without a reserved id it runs now. With an id reserved by
    /// [`Writer::begin_checked`] the row is known before it is written: the
    /// insert waits for [`Writer::commit`] and is written with the last
    /// events, in their statement on PostgreSQL. That path runs no
    /// `ActiveModelBehavior` hooks and takes 64-bit ids: it is for entities
    /// without save hooks (as are all of this service's).
    pub async fn insert<A>(
        &mut self,
        mut model: A,
        reserved_id: Option<i64>,
    ) -> Result<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait
            + ActiveModelBehavior
            + TryIntoModel<<A::Entity as EntityTrait>::Model>
            + Send,
        A::Entity: Table,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        let Some(id) = reserved_id else {
            return Ok(model.insert(&self.txn).await?);
        };
        model.set(<A::Entity as Table>::id_column(), id.into());
        let stored = model.clone().try_into_model()?;
        let backend = self.txn.get_database_backend();
        self.deferred
            .push(<A::Entity as EntityTrait>::insert(model).build(backend));
        Ok(stored)
    }

    /// The transaction to make the changes in.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Who makes the changes.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Appends the event of one change. Events are kept in the writer and
    /// written at [`Writer::commit`], with the new head: nothing read through
    /// [`Writer::txn`] sees them before.
    pub fn record(
        &mut self,
        operation: &str,
        entity_type: &str,
        entity_id: i64,
        changes: &Value,
    ) -> Result<()> {
        let seq = self.seq + 1;
        let occurred_at = Utc::now().trunc_subsecs(6);
        let changes = serde_json::to_string(changes)
            .map_err(|e| AppError::internal(format!("cannot encode changes: {e}")))?;
        let hash = chain_hash(
            &self.hash,
            &canonical(
                seq,
                occurred_at,
                &self.actor.subject,
                &self.actor.role,
                operation,
                entity_type,
                entity_id,
                &changes,
            ),
        );
        let event = audit_event::Model {
            seq,
            occurred_at,
            actor: self.actor.subject.clone(),
            role: self.actor.role.clone(),
            operation: operation.to_owned(),
            entity_type: entity_type.to_owned(),
            entity_id,
            changes,
            prev_hash: std::mem::replace(&mut self.hash, hash.clone()),
            hash,
        };
        self.seq = seq;
        self.pending.push(event);
        Ok(())
    }

    /// Commits the deferred inserts, the changes' events and the new head.
    /// On PostgreSQL the inserts, the last events, the head and the wake-up
    /// of live subscriptions are one statement (a write transaction holds
    /// the head's lock for as few round trips as it can: writers queue on
    /// it).
    pub async fn commit(self) -> Result<()> {
        let Self {
            txn,
            seq,
            hash,
            mut pending,
            mut deferred,
            ..
        } = self;
        let backend = txn.get_database_backend();
        // Seeding records thousands of events: all but the last batch go first.
        let last = pending.len().saturating_sub(1) / EVENTS_PER_STATEMENT * EVENTS_PER_STATEMENT;
        let tail = pending.split_off(last);
        if tail.is_empty() || backend != DbBackend::Postgres {
            for statement in std::mem::take(&mut deferred) {
                txn.execute_raw(statement).await?;
            }
        }
        for chunk in pending.chunks(EVENTS_PER_STATEMENT) {
            txn.execute_raw(insert_events(chunk).build(backend)).await?;
        }
        if tail.is_empty() {
            // Nothing was recorded: the head stays as it was.
        } else if backend == DbBackend::Postgres {
            // The deferred inserts, the events, the head and the wake-up:
            // one statement of data-modifying common tables.
            let mut sql = String::from("WITH ");
            let mut values = Vec::new();
            for (i, statement) in deferred
                .into_iter()
                .chain([insert_events(&tail).build(backend)])
                .enumerate()
            {
                sql.push_str(&format!(
                    "w{i} AS ({}), ",
                    crate::sql::shift_placeholders(&statement.sql, values.len())
                ));
                values.extend(statement.values.map(|v| v.0).unwrap_or_default());
            }
            let n = values.len();
            sql.push_str(&format!(
                "head AS (UPDATE audit_head SET seq = ${}, hash = ${} WHERE id = 1) \
                 SELECT pg_notify(${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4
            ));
            values.extend([
                seq.into(),
                hash.into(),
                // Delivered to every listening instance when (and only if)
                // the transaction commits: the wake-up of live subscriptions.
                crate::feed::signal::CHANNEL.into(),
                seq.to_string().into(),
            ]);
            txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                .await?;
        } else {
            txn.execute_raw(insert_events(&tail).build(backend)).await?;
            audit_head::Entity::update_many()
                .col_expr(audit_head::Column::Seq, Expr::value(seq))
                .col_expr(audit_head::Column::Hash, Expr::value(hash))
                .filter(audit_head::Column::Id.eq(1))
                .exec(&txn)
                .await?;
        }
        let ending = super::Ending;
        let committed = txn.commit().await;
        drop(ending);
        Ok(committed?)
    }
}

/// PostgreSQL: one row of `checks` with `reserved_id`, an id taken from the
/// sequence of `table`; with `head` (the lock's statement), the head it
/// returns (`seq`, `hash`) too.
pub(super) fn reserving(
    backend: DbBackend,
    checks: &SelectStatement,
    table: &str,
    head: Option<&str>,
) -> Statement {
    let checks = backend.build(checks);
    let mut values = checks.values.map(|v| v.0).unwrap_or_default();
    let reserve = format!(
        "nextval(pg_get_serial_sequence(${}, 'id')) AS reserved_id",
        values.len() + 1
    );
    values.push(table.into());
    let sql = match head {
        Some(head) => format!(
            "WITH head AS ({head}) SELECT head.seq, head.hash, {reserve}, checks.* \
             FROM head, ({}) AS checks",
            checks.sql
        ),
        None => format!("SELECT {reserve}, checks.* FROM ({}) AS checks", checks.sql),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Takes the chain's lock in `txn` and returns the head row.
async fn lock_head(txn: &DatabaseTransaction) -> Result<QueryResult> {
    let backend = txn.get_database_backend();
    txn.query_one_raw(Statement::from_string(backend, lock(backend)))
        .await?
        .ok_or_else(|| AppError::internal("audit head row missing"))
}

/// One statement inserting `events`.
fn insert_events(events: &[audit_event::Model]) -> sea_orm::InsertMany<audit_event::ActiveModel> {
    audit_event::Entity::insert_many(
        events
            .iter()
            .cloned()
            .map(sea_orm::IntoActiveModel::into_active_model),
    )
}

/// The canonical encoding of an event: a JSON array of its fields in a fixed
/// order, the changes as their stored text.
#[allow(clippy::too_many_arguments)]
pub fn canonical(
    seq: i64,
    occurred_at: DateTime<Utc>,
    actor: &str,
    role: &str,
    operation: &str,
    entity_type: &str,
    entity_id: i64,
    changes: &str,
) -> String {
    serde_json::json!([
        seq,
        occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        actor,
        role,
        operation,
        entity_type,
        entity_id,
        changes
    ])
    .to_string()
}

/// SHA-256 over the previous hash and an event's canonical encoding, hex.
pub fn chain_hash(prev_hash: &str, canonical: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical.as_bytes());
    hex::encode(hasher.finalize())
}

/// The whole record, for creation events.
pub fn snapshot(model: &impl Serialize) -> Value {
    serde_json::to_value(model).unwrap_or(Value::Null)
}

/// The fields that differ between two versions of a record: `{"field": [old, new]}`.
pub fn diff(before: &impl Serialize, after: &impl Serialize) -> Value {
    let (Value::Object(old), Value::Object(new)) = (snapshot(before), snapshot(after)) else {
        return Value::Null;
    };
    let mut changes = Map::new();
    for (field, new_value) in new {
        let old_value = old.get(&field).cloned().unwrap_or(Value::Null);
        if old_value != new_value && field != "updated_at" && field != "version" {
            changes.insert(field, Value::Array(vec![old_value, new_value]));
        }
    }
    Value::Object(changes)
}

/// What a walk of the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Events checked.
    pub checked: u64,
    /// Sequence number of the first event whose link or hash does not hold.
    pub broken_at: Option<i64>,
}

/// Walks the chain from the first event, a page at a time, recomputing every hash.
pub async fn verify(db: &DatabaseConnection) -> Result<Verification> {
    const PAGE: u64 = 1000;
    // The head first: events committed while the walk runs lie beyond it.
    let head = audit_head::Entity::find_by_id(1).one(db).await?;
    let Some(head) = head else {
        return Ok(Verification {
            checked: 0,
            broken_at: Some(1),
        });
    };
    let mut prev_hash = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut checked = 0;
    while expected_seq <= head.seq {
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::Seq.gte(expected_seq))
            .filter(audit_event::Column::Seq.lte(head.seq))
            .order_by_asc(audit_event::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        if events.is_empty() {
            break;
        }
        for event in &events {
            let recomputed = chain_hash(
                &prev_hash,
                &canonical(
                    event.seq,
                    event.occurred_at,
                    &event.actor,
                    &event.role,
                    &event.operation,
                    &event.entity_type,
                    event.entity_id,
                    &event.changes,
                ),
            );
            if event.seq != expected_seq || event.prev_hash != prev_hash || event.hash != recomputed
            {
                return Ok(Verification {
                    checked,
                    broken_at: Some(expected_seq),
                });
            }
            checked += 1;
            expected_seq += 1;
            prev_hash = event.hash.clone();
        }
    }
    let broken_at =
        (expected_seq - 1 != head.seq || prev_hash != head.hash).then_some(expected_seq);
    Ok(Verification { checked, broken_at })
}

impl Table for audit_event::Entity {
    fn id_column() -> audit_event::Column {
        audit_event::Column::Seq
    }
    /// The trail is for the secretariat, analysts and administrators.
    fn visible(principal: &Principal) -> Condition {
        if principal.sees_everything() {
            Condition::all()
        } else {
            Condition::all().add(Expr::cust("1 = 0"))
        }
    }
}

/// Filter of the audit event list.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Entity type.
    pub entity_type: Option<String>,
    /// Entity id (with the type).
    pub entity_id: Option<i64>,
    /// Actor subject.
    pub actor: Option<String>,
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
}

/// The events matching `filter` that `principal` may see.
pub fn list(principal: &Principal, filter: &AuditFilter) -> Select<audit_event::Entity> {
    use audit_event::Column as C;
    let mut select = audit_event::Entity::find_visible(principal);
    if let Some(entity_type) = &filter.entity_type {
        select = select.filter(C::EntityType.eq(entity_type.as_str()));
    }
    if let Some(id) = filter.entity_id {
        select = select.filter(C::EntityId.eq(id));
    }
    if let Some(actor) = &filter.actor {
        select = select.filter(C::Actor.eq(actor.as_str()));
    }
    if let Some(since) = filter.since {
        select = select.filter(C::OccurredAt.gte(since));
    }
    if let Some(until) = filter.until {
        select = select.filter(C::OccurredAt.lt(until));
    }
    select
}

/// The order of the audit trail: by sequence number.
pub fn sort_key(direction: Direction) -> SortKey<audit_event::Entity> {
    SortKey {
        name: crate::pagination::sort_name!("SEQ", direction),
        column: audit_event::Column::Seq,
        id: audit_event::Column::Seq,
        direction,
    }
}

macro_rules! history_of {
    ($(#[$doc:meta])* $name:ident, $entity_type:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl Children for $name {
            type Entity = audit_event::Entity;
            fn select(principal: &Principal) -> Select<audit_event::Entity> {
                audit_event::Entity::find_visible(principal)
                    .filter(audit_event::Column::EntityType.eq($entity_type))
            }
            fn parent() -> Parent {
                Parent {
                    table: "audit_event",
                    column: "entity_id",
                }
            }
            fn sort() -> SortKey<audit_event::Entity> {
                sort_key(Direction::Asc)
            }
        }
    };
}

history_of!(
    /// The changes of a project, oldest first.
    HistoryOfProject,
    "Project"
);
history_of!(
    /// The changes of a member, oldest first.
    HistoryOfMember,
    "Member"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lists_changed_fields_only() {
        let before = serde_json::json!({"a": 1, "b": "x", "version": 1});
        let after = serde_json::json!({"a": 2, "b": "x", "version": 2});
        assert_eq!(diff(&before, &after), serde_json::json!({"a": [1, 2]}));
    }

    #[test]
    fn the_hash_covers_every_field() {
        let at = Utc::now();
        let base = canonical(1, at, "a", "editor", "op", "Project", 1, "{}");
        let other = canonical(1, at, "a", "editor", "op", "Project", 2, "{}");
        assert_ne!(chain_hash(GENESIS, &base), chain_hash(GENESIS, &other));
        assert_eq!(chain_hash(GENESIS, &base).len(), 64);
    }
}
