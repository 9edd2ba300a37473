//! A member's participation in a project.

use sea_orm::entity::prelude::*;

/// One participation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "participant")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// The participating member.
    pub member_id: i64,
    /// IATI OrganisationRole code: `1` funding, `2` accountable, `3` extending, `4` implementing.
    pub iati_role: String,
    /// Alliance role: `LEAD`, `BENEFICIARY`, `SUPPORTING_PARTNER`, `TECHNICAL_ADVISOR`.
    pub alliance_role: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No sea-orm relations: the API loads relations through batched loaders.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
