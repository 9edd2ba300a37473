//! A match of an assistance offer with a need.

use sea_orm::entity::prelude::*;

/// One match.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assistance_match")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The offer.
    pub offer_id: i64,
    /// The need.
    pub need_id: i64,
    /// `PROPOSED`, `ACCEPTED`, `ACTIVE`, `COMPLETED`, `DECLINED`, `CANCELLED`.
    pub status: String,
    /// Score the match was proposed with, in thousandths (0–1000).
    pub score_milli: i32,
    /// The member whose editor proposed the match; null when the secretariat did.
    pub proposed_by_member_id: Option<i64>,
    /// Outcome recorded on completion.
    pub outcome: Option<String>,
    /// JSON array of the score's parts at proposal time.
    pub score_parts: String,
    /// When the offering side accepted (proposing counts as accepting).
    pub offer_accepted_at: Option<DateTimeUtc>,
    /// When the needing side accepted (proposing counts as accepting).
    pub need_accepted_at: Option<DateTimeUtc>,
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
