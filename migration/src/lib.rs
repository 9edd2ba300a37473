//! Schema migrations of the Alliance reconstruction API.
//!
//! One code path for SQLite and PostgreSQL: every migration is written with the
//! portable schema builder, never with backend-specific SQL.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_schema;
mod m20261128_000002_seed_reference_data;
mod m20261128_000003_create_audit_trail;
mod m20261128_000004_add_match_acceptance;
mod m20261128_000005_sorted_child_indexes;
mod m20261203_000006_project_territory_status_index;
mod m20261208_000007_reporters_and_application_origins;

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_schema::Migration),
            Box::new(m20261128_000002_seed_reference_data::Migration),
            Box::new(m20261128_000003_create_audit_trail::Migration),
            Box::new(m20261128_000004_add_match_acceptance::Migration),
            Box::new(m20261128_000005_sorted_child_indexes::Migration),
            Box::new(m20261203_000006_project_territory_status_index::Migration),
            Box::new(m20261208_000007_reporters_and_application_origins::Migration),
        ]
    }
}
