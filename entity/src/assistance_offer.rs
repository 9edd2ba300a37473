//! Technical assistance offered by a (usually EU) member.

use sea_orm::entity::prelude::*;

/// One offer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assistance_offer")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The offering member.
    pub member_id: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// DAC 5-digit purpose codes as a delimited list (see [`crate::list`]).
    pub themes: String,
    /// `PEER_TO_PEER`, `TWINNING`, `STUDY_VISIT`, `EXPERT_SECONDMENT`, `TRAINING`, `EQUIPMENT`, `HUMANITARIAN`.
    pub modality: String,
    /// ISO 639-1 working languages as a delimited list.
    pub languages: String,
    /// Capacity in person-days.
    pub capacity_days: i32,
    /// First day the offer is available.
    pub available_from: Option<Date>,
    /// Last day the offer is available.
    pub available_until: Option<Date>,
    /// `DRAFT`, `OPEN`, `MATCHED`, `CLOSED`, `WITHDRAWN`.
    pub status: String,
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
