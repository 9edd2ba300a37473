//! Matches remember the parts of the score they were proposed with and when
//! each side accepted: a match becomes ACCEPTED only once both sides have.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the score parts and the two acceptances to `assistance_match`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000004_add_match_acceptance"
    }
}

fn c(name: &'static str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        let columns = [
            text(c("score_parts")).default("[]").to_owned(),
            timestamp_with_time_zone_null(c("offer_accepted_at")).to_owned(),
            timestamp_with_time_zone_null(c("need_accepted_at")).to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(c("assistance_match"))
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["need_accepted_at", "offer_accepted_at", "score_parts"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(c("assistance_match"))
                        .drop_column(c(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
