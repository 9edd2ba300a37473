//! An external identifier of a member (IATI organisation identifier, UA-EDR, …).

use sea_orm::entity::prelude::*;

/// One identifier.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "member_identifier")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The member identified.
    pub member_id: i64,
    /// Scheme: `IATI_ORG_ID`, `UA_EDR`, `EU_TRANSPARENCY_REGISTER`, `VAT`, `WEBSITE`.
    pub scheme: String,
    /// The identifier within the scheme.
    pub value: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No sea-orm relations: the API loads relations through batched loaders.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
