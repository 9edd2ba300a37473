//! A cluster of partnerships: several EU members around one Ukrainian community.

use sea_orm::entity::prelude::*;

/// One cluster.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "cluster")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Human key, unique.
    #[sea_orm(unique)]
    pub slug: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The Ukrainian community the cluster forms around.
    pub focus_member_id: i64,
    /// Optimistic-concurrency version, incremented on each update.
    pub version: i32,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No sea-orm relations: the API loads relations through batched loaders.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
