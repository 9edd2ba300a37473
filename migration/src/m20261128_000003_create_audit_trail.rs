//! The audit trail: the append-only, hash-chained event table, its head row,
//! and the idempotency keys of create mutations. Triggers refuse UPDATE and
//! DELETE on events, on PostgreSQL and SQLite alike.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

/// Creates the audit tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000003_create_audit_trail"
    }
}

fn c(name: &'static str) -> Alias {
    Alias::new(name)
}

/// Hash of "no previous event".
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(c("audit_event"))
                    .col(big_integer(c("seq")).primary_key())
                    .col(timestamp_with_time_zone(c("occurred_at")))
                    .col(string(c("actor")))
                    .col(string(c("role")))
                    .col(string(c("operation")))
                    .col(string(c("entity_type")))
                    .col(big_integer(c("entity_id")))
                    .col(text(c("changes")))
                    .col(string(c("prev_hash")))
                    .col(string(c("hash")))
                    .to_owned(),
            )
            .await?;
        for columns in [
            &["entity_type", "entity_id"][..],
            &["actor"],
            &["occurred_at"],
        ] {
            let mut index = Index::create();
            index
                .name(format!("idx_audit_event_{}", columns.join("_")))
                .table(c("audit_event"));
            for column in columns {
                index.col(Alias::new(*column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(c("audit_head"))
                    .col(big_integer(c("id")).primary_key())
                    .col(big_integer(c("seq")))
                    .col(string(c("hash")))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(c("audit_head"))
                    .columns([c("id"), c("seq"), c("hash")])
                    .values_panic([1.into(), 0.into(), GENESIS.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(c("idempotency_key"))
                    .col(big_pk_auto(c("id")))
                    .col(string(c("actor")))
                    .col(string(c("operation")))
                    .col(string(c("key")))
                    .col(string(c("request_hash")))
                    .col(big_integer(c("entity_id")))
                    .col(timestamp_with_time_zone(c("created_at")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_key_actor_operation_key")
                    .table(c("idempotency_key"))
                    .col(c("actor"))
                    .col(c("operation"))
                    .col(c("key"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Postgres => &[
                "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql",
                "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event \
                 FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
                "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event \
                 FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
            ],
            _ => &[
                "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event \
                 BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
                "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event \
                 BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
            ],
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_event_append_only() CASCADE")
                .await?;
        }
        for table in ["idempotency_key", "audit_head", "audit_event"] {
            manager
                .drop_table(Table::drop().table(c(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
