//! Creates the domain tables with a foreign key and an index on every reference,
//! and an index on every column that lists filter or sort on.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates every table of the domain model.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000001_create_schema"
    }
}

/// A table with the columns every table has: `id`, `created_at`, `updated_at`.
fn table(name: &'static str) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(name))
        .col(big_pk_auto(Alias::new("id")))
        .col(timestamp_with_time_zone(Alias::new("created_at")))
        .col(timestamp_with_time_zone(Alias::new("updated_at")))
        .to_owned()
}

fn c(name: &'static str) -> Alias {
    Alias::new(name)
}

/// A foreign key from `table.column` to `target.id`.
fn fk(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(c(table), c(column))
        .to(c(target), c("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// The tables in creation order, each with its indexed columns. Every table also
/// gets an index on `updated_at` (the `updatedSince` filter and sort) and
/// `created_at` (sort).
fn tables() -> Vec<(
    &'static str,
    TableCreateStatement,
    Vec<&'static [&'static str]>,
)> {
    vec![
        (
            "territory",
            table("territory")
                .col(string(c("scheme")))
                .col(string(c("code")))
                .col(string_null(c("iso_code")))
                .col(string(c("level")))
                .col(string(c("name_en")))
                .col(string(c("name_uk")))
                .col(big_integer_null(c("parent_id")))
                .col(string(c("path")))
                .col(string_null(c("occupation")))
                .col(big_integer_null(c("centroid_lat_e6")))
                .col(big_integer_null(c("centroid_lon_e6")))
                .foreign_key(&mut fk("territory", "parent_id", "territory"))
                .to_owned(),
            vec![
                &["scheme", "code"],
                &["parent_id"],
                &["path"],
                &["level"],
                &["name_en"],
                &["iso_code"],
                &["occupation"],
            ],
        ),
        (
            "member",
            table("member")
                .col(string_uniq(c("slug")))
                .col(string(c("name_en")))
                .col(string_null(c("name_uk")))
                .col(string_null(c("acronym")))
                .col(string(c("kind")))
                .col(string(c("iati_org_type")))
                .col(string_null(c("country")))
                .col(big_integer_null(c("territory_id")))
                .col(string(c("alliance_role")))
                .col(string(c("status")))
                .col(date_null(c("joined_on")))
                .col(string_null(c("website")))
                .col(text_null(c("description")))
                .col(string_null(c("contact_name")))
                .col(string_null(c("contact_email")))
                .col(string_null(c("contact_phone")))
                .col(integer(c("version")))
                .foreign_key(&mut fk("member", "territory_id", "territory"))
                .to_owned(),
            vec![
                &["territory_id"],
                &["kind"],
                &["country"],
                &["alliance_role"],
                &["status"],
                &["name_en"],
            ],
        ),
        (
            "member_identifier",
            table("member_identifier")
                .col(big_integer(c("member_id")))
                .col(string(c("scheme")))
                .col(string(c("value")))
                .foreign_key(&mut fk("member_identifier", "member_id", "member"))
                .to_owned(),
            vec![&["member_id"], &["scheme", "value"]],
        ),
        (
            "affiliation",
            table("affiliation")
                .col(big_integer(c("member_id")))
                .col(big_integer(c("association_id")))
                .col(date_null(c("since")))
                .foreign_key(&mut fk("affiliation", "member_id", "member"))
                .foreign_key(&mut fk("affiliation", "association_id", "member"))
                .to_owned(),
            vec![&["member_id"], &["association_id"]],
        ),
        (
            "project",
            table("project")
                .col(string_uniq(c("code")))
                .col(string_null(c("dream_id")))
                .col(string_null(c("iati_identifier")))
                .col(string(c("title_en")))
                .col(string(c("title_uk")))
                .col(text(c("description_en")))
                .col(text(c("description_uk")))
                .col(string(c("status")))
                .col(string(c("project_type")))
                .col(string(c("purpose")))
                .col(string(c("sector_code")))
                .col(string(c("theme")))
                .col(big_integer(c("territory_id")))
                .col(big_integer_null(c("lat_e6")))
                .col(big_integer_null(c("lon_e6")))
                .col(date_null(c("planned_start")))
                .col(date_null(c("planned_end")))
                .col(date_null(c("actual_start")))
                .col(date_null(c("actual_end")))
                .col(big_integer_null(c("budget_minor")))
                .col(string_null(c("budget_currency")))
                .col(string(c("principles")))
                .col(string(c("visibility")))
                .col(big_integer(c("owner_id")))
                .col(integer(c("version")))
                .foreign_key(&mut fk("project", "territory_id", "territory"))
                .foreign_key(&mut fk("project", "owner_id", "member"))
                .to_owned(),
            vec![
                &["territory_id"],
                &["owner_id"],
                &["status"],
                &["visibility"],
                &["theme"],
                &["sector_code"],
                &["purpose"],
                &["project_type"],
                &["dream_id"],
                &["title_en"],
            ],
        ),
        (
            "participant",
            table("participant")
                .col(big_integer(c("project_id")))
                .col(big_integer(c("member_id")))
                .col(string(c("iati_role")))
                .col(string(c("alliance_role")))
                .foreign_key(&mut fk("participant", "project_id", "project"))
                .foreign_key(&mut fk("participant", "member_id", "member"))
                .to_owned(),
            vec![&["project_id"], &["member_id"]],
        ),
        (
            "funding",
            table("funding")
                .col(big_integer(c("project_id")))
                .col(big_integer(c("funder_id")))
                .col(string(c("stage")))
                .col(string(c("finance_type")))
                .col(big_integer(c("amount_minor")))
                .col(string(c("currency")))
                .col(date(c("value_date")))
                .foreign_key(&mut fk("funding", "project_id", "project"))
                .foreign_key(&mut fk("funding", "funder_id", "member"))
                .to_owned(),
            vec![&["project_id"], &["funder_id"], &["stage"], &["value_date"]],
        ),
        (
            "indicator",
            table("indicator")
                .col(big_integer(c("project_id")))
                .col(string(c("title_en")))
                .col(string(c("title_uk")))
                .col(string(c("unit")))
                .col(string_null(c("baseline")))
                .col(integer_null(c("baseline_year")))
                .col(string_null(c("target")))
                .col(integer_null(c("target_year")))
                .col(string_null(c("actual")))
                .col(integer(c("version")))
                .foreign_key(&mut fk("indicator", "project_id", "project"))
                .to_owned(),
            vec![&["project_id"]],
        ),
        (
            "document_link",
            table("document_link")
                .col(big_integer(c("project_id")))
                .col(string(c("category")))
                .col(string(c("title")))
                .col(string(c("url")))
                .col(string(c("language")))
                .foreign_key(&mut fk("document_link", "project_id", "project"))
                .to_owned(),
            vec![&["project_id"]],
        ),
        (
            "assistance_offer",
            table("assistance_offer")
                .col(big_integer(c("member_id")))
                .col(string(c("title")))
                .col(text(c("description")))
                .col(string(c("themes")))
                .col(string(c("modality")))
                .col(string(c("languages")))
                .col(integer(c("capacity_days")))
                .col(date_null(c("available_from")))
                .col(date_null(c("available_until")))
                .col(string(c("status")))
                .col(integer(c("version")))
                .foreign_key(&mut fk("assistance_offer", "member_id", "member"))
                .to_owned(),
            vec![&["member_id"], &["status"], &["modality"], &["title"]],
        ),
        (
            "assistance_need",
            table("assistance_need")
                .col(big_integer(c("member_id")))
                .col(big_integer_null(c("project_id")))
                .col(string(c("title")))
                .col(text(c("description")))
                .col(string(c("themes")))
                .col(string_null(c("modality")))
                .col(string(c("languages")))
                .col(integer(c("days_needed")))
                .col(date_null(c("needed_from")))
                .col(date_null(c("needed_until")))
                .col(string(c("urgency")))
                .col(string(c("status")))
                .col(integer(c("version")))
                .foreign_key(&mut fk("assistance_need", "member_id", "member"))
                .foreign_key(&mut fk("assistance_need", "project_id", "project"))
                .to_owned(),
            vec![
                &["member_id"],
                &["project_id"],
                &["status"],
                &["urgency"],
                &["modality"],
                &["title"],
            ],
        ),
        (
            "assistance_match",
            table("assistance_match")
                .col(big_integer(c("offer_id")))
                .col(big_integer(c("need_id")))
                .col(string(c("status")))
                .col(integer(c("score_milli")))
                .col(big_integer_null(c("proposed_by_member_id")))
                .col(text_null(c("outcome")))
                .col(integer(c("version")))
                .foreign_key(&mut fk("assistance_match", "offer_id", "assistance_offer"))
                .foreign_key(&mut fk("assistance_match", "need_id", "assistance_need"))
                .to_owned(),
            vec![&["offer_id"], &["need_id"], &["status"], &["score_milli"]],
        ),
        (
            "cluster",
            table("cluster")
                .col(string_uniq(c("slug")))
                .col(string(c("name")))
                .col(text(c("description")))
                .col(big_integer(c("focus_member_id")))
                .col(integer(c("version")))
                .foreign_key(&mut fk("cluster", "focus_member_id", "member"))
                .to_owned(),
            vec![&["focus_member_id"]],
        ),
        (
            "partnership",
            table("partnership")
                .col(big_integer(c("eu_member_id")))
                .col(big_integer(c("ua_member_id")))
                .col(string(c("kind")))
                .col(string(c("status")))
                .col(date_null(c("since")))
                .col(string_null(c("source")))
                .col(big_integer_null(c("proposed_by_member_id")))
                .col(big_integer_null(c("cluster_id")))
                .col(integer(c("version")))
                .foreign_key(&mut fk("partnership", "eu_member_id", "member"))
                .foreign_key(&mut fk("partnership", "ua_member_id", "member"))
                .foreign_key(&mut fk("partnership", "cluster_id", "cluster"))
                .to_owned(),
            vec![
                &["eu_member_id"],
                &["ua_member_id"],
                &["cluster_id"],
                &["kind"],
                &["status"],
            ],
        ),
        (
            "oecd_principle",
            table("oecd_principle")
                .col(integer(c("pillar")))
                .col(string(c("pillar_title")))
                .col(string(c("title")))
                .to_owned(),
            vec![&["pillar"]],
        ),
        (
            "responsibility",
            table("responsibility")
                .col(string(c("function")))
                .col(string(c("phase")))
                .col(string(c("level")))
                .col(big_integer(c("actor_id")))
                .col(string(c("raci")))
                .col(string(c("principles")))
                .col(string_null(c("legal_basis")))
                .col(date_null(c("valid_from")))
                .col(date_null(c("valid_until")))
                .col(big_integer_null(c("project_id")))
                .col(big_integer_null(c("territory_id")))
                .col(string_null(c("theme")))
                .col(text_null(c("note")))
                .col(integer(c("version")))
                .foreign_key(&mut fk("responsibility", "actor_id", "member"))
                .foreign_key(&mut fk("responsibility", "project_id", "project"))
                .foreign_key(&mut fk("responsibility", "territory_id", "territory"))
                .to_owned(),
            vec![
                &["actor_id"],
                &["project_id"],
                &["territory_id", "theme"],
                &["function"],
                &["phase"],
                &["level"],
                &["raci"],
            ],
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, create, indexes) in tables() {
            manager.create_table(create).await?;
            let standard: [&'static [&'static str]; 2] = [&["updated_at"], &["created_at"]];
            for columns in indexes.into_iter().chain(standard) {
                let mut index = Index::create();
                index
                    .name(format!("idx_{}_{}", name, columns.join("_")))
                    .table(c(name));
                for column in columns {
                    index.col(Alias::new(*column));
                }
                manager.create_index(index.to_owned()).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _, _) in tables().into_iter().rev() {
            manager
                .drop_table(Table::drop().table(c(name)).to_owned())
                .await?;
        }
        Ok(())
    }
}
