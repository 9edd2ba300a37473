//! A funding record of a project: a pledge, commitment or disbursement.

use sea_orm::entity::prelude::*;

/// One funding record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "funding")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The funded project.
    pub project_id: i64,
    /// The funding member.
    pub funder_id: i64,
    /// `PLEDGED`, `COMMITTED` or `DISBURSED` (IATI transaction types 12, 2, 3).
    pub stage: String,
    /// IATI FinanceType code, e.g. `110` (standard grant), `421` (standard loan).
    pub finance_type: String,
    /// Amount in minor units of `currency`.
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Value date.
    pub value_date: Date,
    /// Who reported the record: `FUNDER`, `OWNER` or `SECRETARIAT`; `None`
    /// for records made before reporters were recorded.
    pub reported_as: Option<String>,
    /// The member that reported the record (the funder or the owner);
    /// `None` when the secretariat did.
    pub reported_by_id: Option<i64>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No sea-orm relations: the API loads relations through batched loaders.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
