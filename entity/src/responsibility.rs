//! A governance responsibility: who does what, at which level, in which phase.

use sea_orm::entity::prelude::*;

/// One responsibility. Its scope is a project, or a theme within a territory.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "responsibility")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `PLANNING`, `FINANCING`, `PROCUREMENT`, `IMPLEMENTATION`, `SUPERVISION`, `MONITORING`, `MAINTENANCE`, `REPORTING`.
    pub function: String,
    /// Project phase: `IDENTIFICATION`, `PREPARATION`, `IMPLEMENTATION`, `COMPLETION`, `MAINTENANCE`.
    pub phase: String,
    /// `EU`, `INTERNATIONAL`, `NATIONAL`, `OBLAST`, `RAION`, `HROMADA`.
    pub level: String,
    /// The responsible actor.
    pub actor_id: i64,
    /// RACI role: `RESPONSIBLE`, `ACCOUNTABLE`, `CONSULTED`, `INFORMED`.
    pub raci: String,
    /// OECD principle numbers (1–12) as a delimited list (see [`crate::list`]).
    pub principles: String,
    /// Legal basis (law, resolution, agreement).
    pub legal_basis: Option<String>,
    /// First day of validity.
    pub valid_from: Option<Date>,
    /// Last day of validity.
    pub valid_until: Option<Date>,
    /// Scope: the project, when the responsibility is for one project.
    pub project_id: Option<i64>,
    /// Scope: the territory, for a theme within a territory.
    pub territory_id: Option<i64>,
    /// Scope: the dashboard theme within the territory.
    pub theme: Option<String>,
    /// Free-text note.
    pub note: Option<String>,
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
