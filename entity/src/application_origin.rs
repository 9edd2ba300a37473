//! Where an application filed without a token came from: a hash of the
//! client address, so that the open applications of one address can be
//! capped. Private: read by that cap alone.

use sea_orm::entity::prelude::*;

/// The origin of one application.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "application_origin")]
pub struct Model {
    /// The applying member.
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: i64,
    /// SHA-256 of the client address's rate-limit key, hex.
    pub address_hash: String,
    /// When the application was filed.
    pub created_at: DateTimeUtc,
}

/// No sea-orm relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
