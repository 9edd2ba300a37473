//! A member's affiliation to an association (e.g. a city belongs to Eurocities).

use sea_orm::entity::prelude::*;

/// One affiliation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "affiliation")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The affiliated member.
    pub member_id: i64,
    /// The association (itself a member, usually an `LRA_ASSOCIATION`).
    pub association_id: i64,
    /// Date the affiliation started.
    pub since: Option<Date>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No sea-orm relations: the API loads relations through batched loaders.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
