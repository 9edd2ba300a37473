//! A create mutation's idempotency key: the same key and input from the same
//! caller returns the first result instead of writing again.

use sea_orm::entity::prelude::*;

/// One remembered key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Subject of the caller.
    pub actor: String,
    /// The operation, e.g. `createProject`.
    pub operation: String,
    /// The client's key.
    pub key: String,
    /// SHA-256 of the canonical input, hex.
    pub request_hash: String,
    /// Id of the entity the first request created.
    pub entity_id: i64,
    /// When the key was first used.
    pub created_at: DateTimeUtc,
}

/// No sea-orm relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
