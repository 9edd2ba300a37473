//! Nested lists are read per parent in their fixed order (`created_at`, then
//! `id`): an index on exactly that lets a page stop after its rows without
//! sorting all of a parent's children. Each replaces the index on the parent
//! column alone, which it covers as its first column.

use sea_orm_migration::prelude::*;

/// Replaces the parent-column indexes of the nested lists by `(parent, created_at, id)`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000005_sorted_child_indexes"
    }
}

/// The nested lists: table and parent column.
const LISTS: [(&str, &str); 17] = [
    ("member_identifier", "member_id"),
    ("affiliation", "member_id"),
    ("affiliation", "association_id"),
    ("project", "owner_id"),
    ("participant", "project_id"),
    ("participant", "member_id"),
    ("funding", "project_id"),
    ("funding", "funder_id"),
    ("indicator", "project_id"),
    ("document_link", "project_id"),
    ("assistance_offer", "member_id"),
    ("assistance_need", "member_id"),
    ("assistance_need", "project_id"),
    ("assistance_match", "offer_id"),
    ("assistance_match", "need_id"),
    ("responsibility", "actor_id"),
    ("responsibility", "project_id"),
];

fn single(table: &str, column: &str) -> IndexCreateStatement {
    Index::create()
        .name(format!("idx_{table}_{column}"))
        .table(Alias::new(table))
        .col(Alias::new(column))
        .to_owned()
}

fn sorted(table: &str, column: &str) -> IndexCreateStatement {
    Index::create()
        .name(format!("idx_{table}_{column}_created_at_id"))
        .table(Alias::new(table))
        .col(Alias::new(column))
        .col(Alias::new("created_at"))
        .col(Alias::new("id"))
        .to_owned()
}

fn drop(index: &IndexCreateStatement, table: &str) -> IndexDropStatement {
    Index::drop()
        .name(index.get_index_spec().get_name().unwrap_or_default())
        .table(Alias::new(table))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in LISTS {
            manager.create_index(sorted(table, column)).await?;
            manager
                .drop_index(drop(&single(table, column), table))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in LISTS {
            manager.create_index(single(table, column)).await?;
            manager
                .drop_index(drop(&sorted(table, column), table))
                .await?;
        }
        Ok(())
    }
}
