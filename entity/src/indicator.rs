//! A result indicator of a project, with baseline, target and actual values.

use sea_orm::entity::prelude::*;

/// One indicator. Values are decimal strings, never floating point.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "indicator")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The project measured.
    pub project_id: i64,
    /// Title in English.
    pub title_en: String,
    /// Title in Ukrainian.
    pub title_uk: String,
    /// Unit of measure, e.g. `beds`, `m2`, `households`.
    pub unit: String,
    /// Baseline value.
    pub baseline: Option<String>,
    /// Year of the baseline.
    pub baseline_year: Option<i32>,
    /// Target value.
    pub target: Option<String>,
    /// Year of the target.
    pub target_year: Option<i32>,
    /// Latest actual value.
    pub actual: Option<String>,
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
