//! One entry of the append-only audit trail, chained by SHA-256.

use sea_orm::entity::prelude::*;

/// One audit event. Rows are never updated or deleted (a trigger refuses it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    /// Position in the chain, 1, 2, 3, … without gaps; also the commit order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// When the change was committed.
    pub occurred_at: DateTimeUtc,
    /// Subject of the caller that made the change.
    pub actor: String,
    /// Role of the caller (`editor`, `coordinator`, `admin`, `system`).
    pub role: String,
    /// The operation, e.g. `createProject`.
    pub operation: String,
    /// The changed entity's type, e.g. `Project`.
    pub entity_type: String,
    /// The changed entity's id.
    pub entity_id: i64,
    /// Field-level changes as JSON: `{"field": [old, new]}`, or the whole new record on creation.
    pub changes: String,
    /// Hash of the previous event (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over the previous hash and the canonical encoding of this event, hex.
    pub hash: String,
}

/// No sea-orm relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
