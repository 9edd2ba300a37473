//! Who reported a funding record, and where anonymous applications came
//! from.
//!
//! A funding record now says who reported it: the funder itself, the
//! project's owner, or the Alliance secretariat (`reported_as`), and which
//! member reported it (`reported_by_id`; none for the secretariat), so that
//! a reader can tell a funder's own report from someone else's. Records made
//! before this migration keep both empty: who reported them was not recorded.
//!
//! `application_origin` keeps, for each application filed without a token, a
//! hash of the client address it came from, so that the open applications
//! of one address can be capped. It is private: no surface reads it but the
//! cap.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the reporter to `funding` and creates `application_origin`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000007_reporters_and_application_origins"
    }
}

fn c(name: &'static str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement (and adds no foreign key
        // to an existing table: the writes check the member exists).
        let columns = [
            big_integer_null(c("reported_by_id")).to_owned(),
            string_null(c("reported_as")).to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(c("funding"))
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(c("application_origin"))
                    .col(big_integer(c("member_id")).primary_key())
                    .col(string(c("address_hash")))
                    .col(timestamp_with_time_zone(c("created_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_application_origin_member_id")
                            .from(c("application_origin"), c("member_id"))
                            .to(c("member"), c("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_application_origin_address_hash")
                    .table(c("application_origin"))
                    .col(c("address_hash"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(c("application_origin")).to_owned())
            .await?;
        for column in ["reported_as", "reported_by_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(c("funding"))
                        .drop_column(c(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
