//! The head of the audit chain: one row, locked by every write transaction so
//! that events are appended one at a time, in commit order.

use sea_orm::entity::prelude::*;

/// The single head row (`id = 1`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "audit_head")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// Sequence number of the last event.
    pub seq: i64,
    /// Hash of the last event.
    pub hash: String,
}

/// No sea-orm relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
