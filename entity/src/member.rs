//! A member organisation of the Alliance or a partner institution.

use sea_orm::entity::prelude::*;

/// One organisation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "member")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Human key used in URLs, unique.
    #[sea_orm(unique)]
    pub slug: String,
    /// Name in English (or the official name).
    pub name_en: String,
    /// Name in Ukrainian, when the organisation has one.
    pub name_uk: Option<String>,
    /// Acronym, e.g. `CEMR`.
    pub acronym: Option<String>,
    /// Kind: `CITY`, `REGION`, `HROMADA`, `OBLAST`, `LRA_ASSOCIATION`, …
    pub kind: String,
    /// IATI OrganisationType code, e.g. `11` (local government).
    pub iati_org_type: String,
    /// ISO 3166-1 alpha-2 country code; null for international bodies.
    pub country: Option<String>,
    /// The territory the organisation governs or sits in.
    pub territory_id: Option<i64>,
    /// Alliance role: `CORE_PARTNER`, `ASSOCIATED_PARTNER`, `INSTITUTIONAL_PARTNER`, `MEMBER`.
    pub alliance_role: String,
    /// Membership status: `APPLIED`, `ACTIVE`, `SUSPENDED`, `WITHDRAWN`, `REJECTED`.
    pub status: String,
    /// Date the membership became active.
    pub joined_on: Option<Date>,
    /// Public web site.
    pub website: Option<String>,
    /// Short public description.
    pub description: Option<String>,
    /// Private contact: person's name.
    pub contact_name: Option<String>,
    /// Private contact: e-mail.
    pub contact_email: Option<String>,
    /// Private contact: telephone.
    pub contact_phone: Option<String>,
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
