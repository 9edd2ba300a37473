//! A link to a document about a project.

use sea_orm::entity::prelude::*;

/// One document link.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "document_link")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The project documented.
    pub project_id: i64,
    /// IATI DocumentCategory code, e.g. `A02` (objectives).
    pub category: String,
    /// Title of the document.
    pub title: String,
    /// Where the document is published.
    pub url: String,
    /// ISO 639-1 language code of the document.
    pub language: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No sea-orm relations: the API loads relations through batched loaders.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
