//! A territorial unit: a Ukrainian oblast, raion, hromada or settlement (KATOTTH),
//! or an EU region (NUTS) or subdivision (ISO 3166-2).

use sea_orm::entity::prelude::*;

/// One territorial unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "territory")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Code scheme: `KATOTTH`, `NUTS` or `ISO3166_2`.
    pub scheme: String,
    /// Code within the scheme, unique per scheme.
    pub code: String,
    /// ISO 3166-2 code where the unit has one (Ukrainian oblasts).
    pub iso_code: Option<String>,
    /// Level: `OBLAST`, `RAION`, `HROMADA`, `SETTLEMENT`, `NUTS1`, `NUTS2`, `NUTS3`.
    pub level: String,
    /// Name in English.
    pub name_en: String,
    /// Name in Ukrainian.
    pub name_uk: String,
    /// The enclosing unit.
    pub parent_id: Option<i64>,
    /// Materialised path of ids from the root, e.g. `/3/41/`: descendants of a
    /// unit are the rows whose path starts with its path.
    pub path: String,
    /// `TEMPORARILY_OCCUPIED`, `PARTIALLY_OCCUPIED` or null when not occupied.
    pub occupation: Option<String>,
    /// Latitude of the centroid in micro-degrees (WGS 84), when known.
    pub centroid_lat_e6: Option<i64>,
    /// Longitude of the centroid in micro-degrees (WGS 84), when known.
    pub centroid_lon_e6: Option<i64>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No sea-orm relations: the API loads relations through batched loaders.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
