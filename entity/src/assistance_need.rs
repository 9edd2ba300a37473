//! Technical assistance needed by a Ukrainian member.

use sea_orm::entity::prelude::*;

/// One need.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assistance_need")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The member asking for help.
    pub member_id: i64,
    /// The project the help is for, if any.
    pub project_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// DAC 5-digit purpose codes as a delimited list (see [`crate::list`]).
    pub themes: String,
    /// Wanted modality, null when any will do.
    pub modality: Option<String>,
    /// ISO 639-1 working languages as a delimited list.
    pub languages: String,
    /// Person-days needed.
    pub days_needed: i32,
    /// Earliest start.
    pub needed_from: Option<Date>,
    /// Latest end.
    pub needed_until: Option<Date>,
    /// `LOW`, `MEDIUM`, `HIGH`, `CRITICAL`.
    pub urgency: String,
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
