//! A reconstruction project.

use sea_orm::entity::prelude::*;

/// One project.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "project")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Human key, unique, e.g. `UA-KHA-2025-001`.
    #[sea_orm(unique)]
    pub code: String,
    /// Identifier of the same project in DREAM, Ukraine's national registry.
    pub dream_id: Option<String>,
    /// IATI activity identifier.
    pub iati_identifier: Option<String>,
    /// Title in English.
    pub title_en: String,
    /// Title in Ukrainian.
    pub title_uk: String,
    /// Description in English.
    pub description_en: String,
    /// Description in Ukrainian.
    pub description_uk: String,
    /// OC4IDS projectStatus code (`identification`, `implementation`, …).
    pub status: String,
    /// OC4IDS projectType code (`construction`, `rehabilitation`, …).
    pub project_type: String,
    /// `RESTORATION` or `DEVELOPMENT`.
    pub purpose: String,
    /// OECD DAC 5-digit purpose code.
    pub sector_code: String,
    /// Dashboard theme (RDNA-style sector), e.g. `HOUSING`.
    pub theme: String,
    /// Where the project takes place.
    pub territory_id: i64,
    /// Latitude of the project's point in micro-degrees (WGS 84).
    pub lat_e6: Option<i64>,
    /// Longitude of the project's point in micro-degrees (WGS 84).
    pub lon_e6: Option<i64>,
    /// Planned start date.
    pub planned_start: Option<Date>,
    /// Planned end date.
    pub planned_end: Option<Date>,
    /// Actual start date.
    pub actual_start: Option<Date>,
    /// Actual end date.
    pub actual_end: Option<Date>,
    /// Budget (the funding required) in minor units of `budget_currency`.
    pub budget_minor: Option<i64>,
    /// ISO 4217 currency of the budget.
    pub budget_currency: Option<String>,
    /// "Build back better" principles as a delimited list (see [`crate::list`]).
    pub principles: String,
    /// `DRAFT`, `PUBLISHED` or `ARCHIVED`.
    pub visibility: String,
    /// The Ukrainian lead member.
    pub owner_id: i64,
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
