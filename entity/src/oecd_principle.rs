//! One of the 12 principles of the OECD Recommendation on Effective Public
//! Investment Across Levels of Government (reference data).

use sea_orm::entity::prelude::*;

/// One principle.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "oecd_principle")]
pub struct Model {
    /// The principle's number, 1–12.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// Pillar number, 1–3.
    pub pillar: i32,
    /// Pillar title.
    pub pillar_title: String,
    /// Principle title.
    pub title: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No sea-orm relations: the API loads relations through batched loaders.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
