//! A partnership between an EU member and a Ukrainian member.

use sea_orm::entity::prelude::*;

/// One partnership.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "partnership")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The EU side.
    pub eu_member_id: i64,
    /// The Ukrainian side.
    pub ua_member_id: i64,
    /// `TWINNING`, `FRIENDSHIP`, `COOPERATION`, `PROJECT`.
    pub kind: String,
    /// `PROPOSED`, `ACTIVE`, `SUSPENDED`, `ENDED`.
    pub status: String,
    /// Date the partnership started.
    pub since: Option<Date>,
    /// Where the partnership is documented.
    pub source: Option<String>,
    /// The member whose editor proposed the partnership; null when the secretariat did.
    pub proposed_by_member_id: Option<i64>,
    /// The cluster the partnership belongs to.
    pub cluster_id: Option<i64>,
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
