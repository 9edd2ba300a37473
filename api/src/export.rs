//! Downloads for BI tools: projects and funding as CSV or JSON Lines, projects
//! as a GeoJSON FeatureCollection. Rows are read in keyset batches and written
//! as they come, so memory stays flat whatever the number of rows.

use std::collections::HashMap;

use axum::body::Bytes;
use entity::{funding, member, project, territory};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde_json::{Value, json};

use crate::auth::Principal;
use crate::error::{AppError, Result};
use crate::ids;
use crate::loader::Table;
use crate::money;
use crate::project::service::{ProjectFilter, list};

/// Rows read per statement.
const BATCH: u64 = 500;

/// What can be downloaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// Projects, one row each.
    ProjectsCsv,
    /// Projects, one JSON object per line.
    ProjectsJsonl,
    /// Projects as GeoJSON features (RFC 7946).
    ProjectsGeoJson,
    /// Funding records, one row each.
    FundingCsv,
    /// Funding records, one JSON object per line.
    FundingJsonl,
}

impl Export {
    /// Every download, by file name.
    pub const ALL: [(&'static str, Export); 5] = [
        ("projects.csv", Export::ProjectsCsv),
        ("projects.jsonl", Export::ProjectsJsonl),
        ("projects.geojson", Export::ProjectsGeoJson),
        ("funding.csv", Export::FundingCsv),
        ("funding.jsonl", Export::FundingJsonl),
    ];

    /// The download called `name`.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, e)| *e)
    }

    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::ProjectsCsv | Self::FundingCsv => "text/csv; charset=utf-8",
            Self::ProjectsJsonl | Self::FundingJsonl => "application/jsonl; charset=utf-8",
            Self::ProjectsGeoJson => "application/geo+json",
        }
    }
}

/// A code as words: `MUNICIPAL_SERVICES` → `Municipal services`.
fn label(code: &str) -> String {
    let words = code.replace('_', " ").to_lowercase();
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// One CSV field, quoted when it must be.
fn csv_field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn csv_line(out: &mut String, fields: &[String]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, field);
    }
    out.push_str("\r\n");
}

const PROJECT_COLUMNS: [&str; 20] = [
    "id",
    "code",
    "dream_id",
    "iati_identifier",
    "title_en",
    "title_uk",
    "status",
    "status_label",
    "theme",
    "theme_label",
    "sector_code",
    "territory_code",
    "territory_name",
    "owner_slug",
    "owner_name",
    "budget_amount",
    "budget_currency",
    "planned_start",
    "planned_end",
    "updated_at",
];

const FUNDING_COLUMNS: [&str; 10] = [
    "id",
    "project_code",
    "funder_slug",
    "funder_name",
    "stage",
    "stage_label",
    "finance_type",
    "amount",
    "currency",
    "value_date",
];

/// Where a batch of projects is and who owns it.
struct Context {
    territories: HashMap<i64, territory::Model>,
    members: HashMap<i64, member::Model>,
}

async fn context(
    db: &DatabaseConnection,
    territory_ids: impl Iterator<Item = i64>,
    member_ids: impl Iterator<Item = i64>,
) -> Result<Context> {
    let territories = territory::Entity::find()
        .filter(territory::Column::Id.is_in(territory_ids.collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let members = member::Entity::find()
        .filter(member::Column::Id.is_in(member_ids.collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    Ok(Context {
        territories,
        members,
    })
}

fn project_fields(p: &project::Model, c: &Context) -> Vec<String> {
    let territory = c.territories.get(&p.territory_id);
    let owner = c.members.get(&p.owner_id);
    let budget = match (p.budget_minor, &p.budget_currency) {
        (Some(minor), Some(currency)) => money::format_minor(minor, currency),
        _ => String::new(),
    };
    vec![
        ids::encode("Project", p.id).to_string(),
        p.code.clone(),
        p.dream_id.clone().unwrap_or_default(),
        p.iati_identifier.clone().unwrap_or_default(),
        p.title_en.clone(),
        p.title_uk.clone(),
        p.status.clone(),
        label(&p.status),
        p.theme.clone(),
        label(&p.theme),
        p.sector_code.clone(),
        territory.map(|t| t.code.clone()).unwrap_or_default(),
        territory.map(|t| t.name_en.clone()).unwrap_or_default(),
        owner.map(|m| m.slug.clone()).unwrap_or_default(),
        owner.map(|m| m.name_en.clone()).unwrap_or_default(),
        budget,
        p.budget_currency.clone().unwrap_or_default(),
        p.planned_start.map(|d| d.to_string()).unwrap_or_default(),
        p.planned_end.map(|d| d.to_string()).unwrap_or_default(),
        p.updated_at.to_rfc3339(),
    ]
}

fn as_object(columns: &[&str], fields: Vec<String>) -> Value {
    Value::Object(
        columns
            .iter()
            .zip(fields)
            .map(|(c, f)| {
                let value = if f.is_empty() {
                    Value::Null
                } else {
                    Value::String(f)
                };
                ((*c).to_owned(), value)
            })
            .collect(),
    )
}

fn feature(p: &project::Model, c: &Context, fields: Vec<String>) -> Value {
    let territory = c.territories.get(&p.territory_id);
    // RFC 7946: longitude first; the project's point, else its territory's centroid.
    let point = match (p.lon_e6, p.lat_e6) {
        (Some(lon), Some(lat)) => Some((lon, lat)),
        _ => territory.and_then(|t| t.centroid_lon_e6.zip(t.centroid_lat_e6)),
    };
    let geometry = point.map_or(Value::Null, |(lon, lat)| {
        json!({ "type": "Point", "coordinates": [lon as f64 / 1e6, lat as f64 / 1e6] })
    });
    json!({
        "type": "Feature",
        "id": ids::encode("Project", p.id).to_string(),
        "geometry": geometry,
        "properties": as_object(&PROJECT_COLUMNS, fields),
    })
}

/// Writes a download in batches: `next` is called with the text of each batch.
pub struct Writer {
    db: DatabaseConnection,
    principal: Principal,
    filter: ProjectFilter,
    export: Export,
    after: i64,
    started: bool,
    done: bool,
}

impl Writer {
    /// A download of `export` over the projects `principal` may see that match `filter`.
    pub fn new(
        db: DatabaseConnection,
        principal: Principal,
        filter: ProjectFilter,
        export: Export,
    ) -> Self {
        Self {
            db,
            principal,
            filter,
            export,
            after: 0,
            started: false,
            done: false,
        }
    }

    /// The next piece of the file; `None` at its end.
    pub async fn next(&mut self) -> Option<std::result::Result<Bytes, AppError>> {
        if self.done {
            return None;
        }
        match self.batch().await {
            Ok(text) => Some(Ok(Bytes::from(text))),
            Err(e) => {
                self.done = true;
                tracing::error!(error = %e, "export stopped");
                Some(Err(e))
            }
        }
    }

    async fn batch(&mut self) -> Result<String> {
        let mut out = String::new();
        if !self.started {
            self.started = true;
            match self.export {
                Export::ProjectsCsv => csv_line(&mut out, &PROJECT_COLUMNS.map(str::to_owned)),
                Export::FundingCsv => csv_line(&mut out, &FUNDING_COLUMNS.map(str::to_owned)),
                Export::ProjectsGeoJson => {
                    out.push_str("{\"type\":\"FeatureCollection\",\"features\":[\n");
                }
                Export::ProjectsJsonl | Export::FundingJsonl => {}
            }
        }
        let rows = match self.export {
            Export::FundingCsv | Export::FundingJsonl => self.funding(&mut out).await?,
            _ => self.projects(&mut out).await?,
        };
        if rows < BATCH {
            self.done = true;
            if self.export == Export::ProjectsGeoJson {
                out.push_str("\n]}\n");
            }
        }
        Ok(out)
    }

    async fn projects(&mut self, out: &mut String) -> Result<u64> {
        let rows = list(&self.principal, &self.filter)
            .filter(project::Column::Id.gt(self.after))
            .order_by_asc(project::Column::Id)
            .limit(BATCH)
            .all(&self.db)
            .await?;
        let c = context(
            &self.db,
            rows.iter().map(|p| p.territory_id),
            rows.iter().map(|p| p.owner_id),
        )
        .await?;
        for p in &rows {
            let fields = project_fields(p, &c);
            match self.export {
                Export::ProjectsCsv => csv_line(out, &fields),
                Export::ProjectsGeoJson => {
                    if self.after != 0 {
                        out.push_str(",\n");
                    }
                    out.push_str(&feature(p, &c, fields).to_string());
                }
                _ => {
                    out.push_str(&as_object(&PROJECT_COLUMNS, fields).to_string());
                    out.push('\n');
                }
            }
            self.after = p.id;
        }
        Ok(rows.len() as u64)
    }

    async fn funding(&mut self, out: &mut String) -> Result<u64> {
        let projects = list(&self.principal, &self.filter)
            .select_only()
            .column(project::Column::Id)
            .into_query();
        let rows = funding::Entity::find_visible(&self.principal)
            .filter(funding::Column::ProjectId.in_subquery(projects))
            .filter(funding::Column::Id.gt(self.after))
            .order_by_asc(funding::Column::Id)
            .limit(BATCH)
            .all(&self.db)
            .await?;
        let codes: HashMap<i64, String> = project::Entity::find()
            .filter(project::Column::Id.is_in(rows.iter().map(|f| f.project_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.code))
            .collect();
        let c = context(
            &self.db,
            std::iter::empty(),
            rows.iter().map(|f| f.funder_id),
        )
        .await?;
        for f in &rows {
            let funder = c.members.get(&f.funder_id);
            let fields = vec![
                ids::encode("Funding", f.id).to_string(),
                codes.get(&f.project_id).cloned().unwrap_or_default(),
                funder.map(|m| m.slug.clone()).unwrap_or_default(),
                funder.map(|m| m.name_en.clone()).unwrap_or_default(),
                f.stage.clone(),
                label(&f.stage),
                f.finance_type.clone(),
                money::format_minor(f.amount_minor, &f.currency),
                f.currency.clone(),
                f.value_date.to_string(),
            ];
            if self.export == Export::FundingCsv {
                csv_line(out, &fields);
            } else {
                out.push_str(&as_object(&FUNDING_COLUMNS, fields).to_string());
                out.push('\n');
            }
            self.after = f.id;
        }
        Ok(rows.len() as u64)
    }
}

/// Checks that `name` is a download, for a clear 400 otherwise.
pub fn parse_name(name: &str) -> std::result::Result<Export, AppError> {
    Export::named(name).ok_or_else(|| {
        AppError::bad_input(
            "file",
            format!(
                "no download is called {name:?}; there are {}",
                Export::ALL.map(|(n, _)| n).join(", ")
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_quoting() {
        let mut out = String::new();
        csv_line(&mut out, &["a".into(), "b,c".into(), "say \"hi\"".into()]);
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\"\r\n");
        assert_eq!(label("MUNICIPAL_SERVICES"), "Municipal services");
    }
}
