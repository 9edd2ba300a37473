//! Downloads for BI tools: projects and funding as CSV or JSON Lines, projects
//! as a GeoJSON FeatureCollection. Rows are read in keyset batches and written
//! as they come, so memory stays flat whatever the number of rows.

use std::collections::HashMap;

use axum::body::Bytes;
use entity::{assistance_need, assistance_offer, funding, member, project, territory};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde_json::{Value, json};

use crate::assistance::service::{AssistanceFilter, needs, offers};
use crate::auth::Principal;
use crate::codes::Code;
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
    /// IATI 2.03 activities, one per published project.
    IatiXml,
    /// Assistance offers, one row each.
    OffersCsv,
    /// Assistance offers, one JSON object per line.
    OffersJsonl,
    /// Assistance needs, one row each.
    NeedsCsv,
    /// Assistance needs, one JSON object per line.
    NeedsJsonl,
}

impl Export {
    /// Every download, by file name.
    pub const ALL: [(&'static str, Export); 10] = [
        ("projects.csv", Export::ProjectsCsv),
        ("projects.jsonl", Export::ProjectsJsonl),
        ("projects.geojson", Export::ProjectsGeoJson),
        ("funding.csv", Export::FundingCsv),
        ("funding.jsonl", Export::FundingJsonl),
        ("iati-activities.xml", Export::IatiXml),
        ("offers.csv", Export::OffersCsv),
        ("offers.jsonl", Export::OffersJsonl),
        ("needs.csv", Export::NeedsCsv),
        ("needs.jsonl", Export::NeedsJsonl),
    ];

    /// Whether the download lists assistance offers or needs (filtered by
    /// their own filters) rather than projects.
    pub fn filter_kind(self) -> FilterKind {
        match self {
            Self::OffersCsv | Self::OffersJsonl => FilterKind::Offers,
            Self::NeedsCsv | Self::NeedsJsonl => FilterKind::Needs,
            _ => FilterKind::Projects,
        }
    }

    fn is_csv(self) -> bool {
        matches!(
            self,
            Self::ProjectsCsv | Self::FundingCsv | Self::OffersCsv | Self::NeedsCsv
        )
    }

    /// The download called `name`.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, e)| *e)
    }

    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::ProjectsCsv | Self::FundingCsv | Self::OffersCsv | Self::NeedsCsv => {
                "text/csv; charset=utf-8"
            }
            Self::ProjectsJsonl | Self::FundingJsonl | Self::OffersJsonl | Self::NeedsJsonl => {
                "application/jsonl; charset=utf-8"
            }
            Self::ProjectsGeoJson => "application/geo+json",
            Self::IatiXml => "application/xml; charset=utf-8",
        }
    }
}

/// Which GraphQL filter input a download takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterKind {
    /// `ProjectFilter`.
    Projects,
    /// `AssistanceOfferFilter`.
    Offers,
    /// `AssistanceNeedFilter`.
    Needs,
}

/// The filter of a download.
#[derive(Clone, Debug)]
pub enum Filter {
    /// Projects (and their funding, and IATI activities).
    Projects(ProjectFilter),
    /// Offers or needs.
    Assistance(AssistanceFilter),
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

const ASSISTANCE_COLUMNS: [&str; 14] = [
    "id",
    "member_slug",
    "member_name",
    "title",
    "themes",
    "modality",
    "modality_label",
    "languages",
    "days",
    "window_from",
    "window_until",
    "urgency",
    "status",
    "status_label",
];

const FUNDING_COLUMNS: [&str; 12] = [
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
    "reported_as",
    "reported_by_slug",
];

/// Where a batch of projects is and who owns it.
struct Context {
    territories: HashMap<i64, territory::Model>,
    members: HashMap<i64, member::Model>,
}

async fn context(
    db: &DatabaseConnection,
    principal: &Principal,
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
    // Only the members the caller may see: a hidden owner, funder or
    // participant is left out of the file as GraphQL leaves it out (null).
    let members = member::Entity::find_visible(principal)
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
    assistance: AssistanceFilter,
    export: Export,
    after: i64,
    started: bool,
    done: bool,
}

impl Writer {
    /// A download of `export` over the records `principal` may see that match `filter`.
    pub fn new(
        db: DatabaseConnection,
        principal: Principal,
        filter: Filter,
        export: Export,
    ) -> Self {
        let (mut filter, assistance) = match filter {
            Filter::Projects(f) => (f, AssistanceFilter::default()),
            Filter::Assistance(a) => (ProjectFilter::default(), a),
        };
        let principal = if export == Export::IatiXml {
            // IATI is a publication: published projects only, and of them
            // only what anyone may see, whoever asks.
            filter.visibilities = vec!["PUBLISHED".into()];
            Principal::Anonymous
        } else {
            principal
        };
        Self {
            db,
            principal,
            filter,
            assistance,
            export,
            after: 0,
            started: false,
            done: false,
        }
    }

    /// Whether an IATI activity file would hold no activity, which the IATI
    /// schema does not allow (it requires at least one): no published project
    /// matches. Always false for the other downloads, which may be empty.
    pub async fn lacks_required_rows(&self) -> Result<bool> {
        if self.export != Export::IatiXml {
            return Ok(false);
        }
        Ok(list(&self.principal, &self.filter)
            .select_only()
            .column(project::Column::Id)
            .limit(1)
            .into_tuple::<i64>()
            .one(&self.db)
            .await?
            .is_none())
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
                Export::OffersCsv | Export::NeedsCsv => {
                    csv_line(&mut out, &ASSISTANCE_COLUMNS.map(str::to_owned))
                }
                Export::ProjectsGeoJson => {
                    out.push_str("{\"type\":\"FeatureCollection\",\"features\":[\n");
                }
                Export::IatiXml => {
                    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
                    out.push_str(&format!(
                        "<iati-activities version=\"2.03\" generated-datetime=\"{}\">\n",
                        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    ));
                }
                _ => {}
            }
        }
        let rows = match self.export {
            Export::FundingCsv | Export::FundingJsonl => self.funding(&mut out).await?,
            Export::IatiXml => self.activities(&mut out).await?,
            Export::OffersCsv | Export::OffersJsonl => self.offers(&mut out).await?,
            Export::NeedsCsv | Export::NeedsJsonl => self.needs(&mut out).await?,
            _ => self.projects(&mut out).await?,
        };
        if rows < BATCH {
            self.done = true;
            match self.export {
                Export::ProjectsGeoJson => out.push_str("\n]}\n"),
                Export::IatiXml => out.push_str("</iati-activities>\n"),
                _ => {}
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
            &self.principal,
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

    fn assistance_row(&mut self, out: &mut String, id: i64, fields: Vec<String>) {
        if self.export.is_csv() {
            csv_line(out, &fields);
        } else {
            out.push_str(&as_object(&ASSISTANCE_COLUMNS, fields).to_string());
            out.push('\n');
        }
        self.after = id;
    }

    async fn offers(&mut self, out: &mut String) -> Result<u64> {
        let rows = offers(&self.principal, &self.assistance)
            .filter(assistance_offer::Column::Id.gt(self.after))
            .order_by_asc(assistance_offer::Column::Id)
            .limit(BATCH)
            .all(&self.db)
            .await?;
        let c = context(
            &self.db,
            &self.principal,
            std::iter::empty(),
            rows.iter().map(|o| o.member_id),
        )
        .await?;
        for o in &rows {
            let member = c.members.get(&o.member_id);
            let fields = vec![
                ids::encode("AssistanceOffer", o.id).to_string(),
                member.map(|m| m.slug.clone()).unwrap_or_default(),
                member.map(|m| m.name_en.clone()).unwrap_or_default(),
                o.title.clone(),
                entity::list::decode(&o.themes).join(" "),
                o.modality.clone(),
                label(&o.modality),
                entity::list::decode(&o.languages).join(" "),
                o.capacity_days.to_string(),
                o.available_from.map(|d| d.to_string()).unwrap_or_default(),
                o.available_until.map(|d| d.to_string()).unwrap_or_default(),
                String::new(),
                o.status.clone(),
                label(&o.status),
            ];
            self.assistance_row(out, o.id, fields);
        }
        Ok(rows.len() as u64)
    }

    async fn needs(&mut self, out: &mut String) -> Result<u64> {
        let rows = needs(&self.principal, &self.assistance)
            .filter(assistance_need::Column::Id.gt(self.after))
            .order_by_asc(assistance_need::Column::Id)
            .limit(BATCH)
            .all(&self.db)
            .await?;
        let c = context(
            &self.db,
            &self.principal,
            std::iter::empty(),
            rows.iter().map(|n| n.member_id),
        )
        .await?;
        for n in &rows {
            let member = c.members.get(&n.member_id);
            let modality = n.modality.clone().unwrap_or_default();
            let fields = vec![
                ids::encode("AssistanceNeed", n.id).to_string(),
                member.map(|m| m.slug.clone()).unwrap_or_default(),
                member.map(|m| m.name_en.clone()).unwrap_or_default(),
                n.title.clone(),
                entity::list::decode(&n.themes).join(" "),
                modality.clone(),
                label(&modality),
                entity::list::decode(&n.languages).join(" "),
                n.days_needed.to_string(),
                n.needed_from.map(|d| d.to_string()).unwrap_or_default(),
                n.needed_until.map(|d| d.to_string()).unwrap_or_default(),
                n.urgency.clone(),
                n.status.clone(),
                label(&n.status),
            ];
            self.assistance_row(out, n.id, fields);
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
            &self.principal,
            std::iter::empty(),
            rows.iter()
                .map(|f| f.funder_id)
                .chain(rows.iter().filter_map(|f| f.reported_by_id)),
        )
        .await?;
        for f in &rows {
            let funder = c.members.get(&f.funder_id);
            let reporter = f.reported_by_id.and_then(|id| c.members.get(&id));
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
                f.reported_as.clone().unwrap_or_default(),
                reporter.map(|m| m.slug.clone()).unwrap_or_default(),
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

/// Escapes text for XML content and attribute values.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow are left out.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The reporting organisation of every activity.
const REPORTING_ORG: &str = "<reporting-org ref=\"XI-ALLIANCE\" type=\"15\"><narrative>European Alliance of Cities and Regions for the Reconstruction of Ukraine</narrative></reporting-org>";

/// IATI transaction type of a funding stage.
fn transaction_type(stage: &str) -> &'static str {
    match stage {
        "PLEDGED" => "12",
        "COMMITTED" => "2",
        _ => "3",
    }
}

impl Writer {
    /// One `<iati-activity>` per project of the batch, in the order of the IATI 2.03 schema.
    async fn activities(&mut self, out: &mut String) -> Result<u64> {
        use entity::participant;
        use std::fmt::Write as _;
        let rows = list(&self.principal, &self.filter)
            .filter(project::Column::Id.gt(self.after))
            .order_by_asc(project::Column::Id)
            .limit(BATCH)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
        let participants = participant::Entity::find_visible(&self.principal)
            .filter(participant::Column::ProjectId.is_in(ids.clone()))
            .order_by_asc(participant::Column::Id)
            .all(&self.db)
            .await?;
        let funding = funding::Entity::find_visible(&self.principal)
            .filter(funding::Column::ProjectId.is_in(ids))
            .order_by_asc(funding::Column::Id)
            .all(&self.db)
            .await?;
        let c = context(
            &self.db,
            &self.principal,
            rows.iter().map(|p| p.territory_id),
            rows.iter()
                .map(|p| p.owner_id)
                .chain(participants.iter().map(|p| p.member_id))
                .chain(funding.iter().map(|f| f.funder_id))
                .chain(funding.iter().filter_map(|f| f.reported_by_id)),
        )
        .await?;
        let org = |role: &str, id: i64| {
            c.members.get(&id).map(|m| {
                format!(
                    "<participating-org role=\"{role}\" type=\"{}\"><narrative>{}</narrative></participating-org>",
                    xml(&m.iati_org_type),
                    xml(&m.name_en)
                )
            })
        };
        for p in &rows {
            let identifier = p
                .iati_identifier
                .clone()
                .unwrap_or_else(|| format!("XI-ALLIANCE-{}", p.code));
            let currency = p.budget_currency.clone().unwrap_or_else(|| "EUR".into());
            let _ = write!(
                out,
                "<iati-activity default-currency=\"{}\" last-updated-datetime=\"{}\" xml:lang=\"en\">",
                xml(&currency),
                p.updated_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
            let _ = write!(
                out,
                "<iati-identifier>{}</iati-identifier>{REPORTING_ORG}",
                xml(&identifier)
            );
            let _ = write!(
                out,
                "<title><narrative>{}</narrative><narrative xml:lang=\"uk\">{}</narrative></title>",
                xml(&p.title_en),
                xml(&p.title_uk)
            );
            let _ = write!(
                out,
                "<description type=\"1\"><narrative>{}</narrative><narrative xml:lang=\"uk\">{}</narrative></description>",
                xml(&p.description_en),
                xml(&p.description_uk)
            );
            // The Ukrainian lead is accountable; then the recorded participants.
            out.push_str(&org("2", p.owner_id).unwrap_or_default());
            for part in participants.iter().filter(|x| x.project_id == p.id) {
                out.push_str(&org(&part.iati_role, part.member_id).unwrap_or_default());
            }
            let status = crate::codes::ProjectStatus::from_code(&p.status)
                .map(|s| s.activity_status().code())
                .unwrap_or("1");
            let _ = write!(out, "<activity-status code=\"{status}\"/>");
            let dates = [
                ("1", p.planned_start),
                ("2", p.actual_start),
                ("3", p.planned_end),
                ("4", p.actual_end),
            ];
            let mut dated = false;
            for (kind, date) in dates {
                if let Some(date) = date {
                    dated = true;
                    let _ = write!(out, "<activity-date type=\"{kind}\" iso-date=\"{date}\"/>");
                }
            }
            if !dated {
                // The schema wants a date; without one recorded, the day the record was made.
                let _ = write!(
                    out,
                    "<activity-date type=\"1\" iso-date=\"{}\"><narrative>No start date recorded: the date the project was registered.</narrative></activity-date>",
                    p.created_at.date_naive()
                );
            }
            out.push_str("<recipient-country code=\"UA\" percentage=\"100\"/>");
            if let Some(t) = c.territories.get(&p.territory_id) {
                let point = match (p.lat_e6, p.lon_e6) {
                    (Some(lat), Some(lon)) => Some((lat, lon, "1")),
                    _ => t
                        .centroid_lat_e6
                        .zip(t.centroid_lon_e6)
                        .map(|(lat, lon)| (lat, lon, "2")),
                };
                let _ = write!(
                    out,
                    "<location ref=\"KATOTTH-{code}\"><name><narrative>{name}</narrative></name><description><narrative>KATOTTH {code}</narrative></description><administrative vocabulary=\"A4\" level=\"0\" code=\"UA\"/>",
                    code = xml(&t.code),
                    name = xml(&t.name_en)
                );
                if let Some((lat, lon, exactness)) = point {
                    let _ = write!(
                        out,
                        "<point srsName=\"http://www.opengis.net/def/crs/EPSG/0/4326\"><pos>{} {}</pos></point><exactness code=\"{exactness}\"/>",
                        lat as f64 / 1e6,
                        lon as f64 / 1e6
                    );
                }
                out.push_str("<location-class code=\"1\"/></location>");
            }
            let _ = write!(
                out,
                "<sector vocabulary=\"1\" code=\"{}\" percentage=\"100\"/>",
                xml(&p.sector_code)
            );
            if let (Some(minor), Some(budget_currency), Some(start), Some(end)) = (
                p.budget_minor,
                &p.budget_currency,
                p.planned_start,
                p.planned_end,
            ) {
                let _ = write!(
                    out,
                    "<budget type=\"1\" status=\"1\"><period-start iso-date=\"{start}\"/><period-end iso-date=\"{end}\"/><value currency=\"{}\" value-date=\"{start}\">{}</value></budget>",
                    xml(budget_currency),
                    money::format_minor(minor, budget_currency)
                );
            }
            for f in funding.iter().filter(|f| f.project_id == p.id) {
                let funder = c.members.get(&f.funder_id);
                // Who reported it, so that a reader tells a funder's own
                // report from one made about it.
                let reported = f
                    .reported_as
                    .as_deref()
                    .and_then(crate::codes::FundingReporter::from_code)
                    .map(|reporter| {
                        let by = f
                            .reported_by_id
                            .and_then(|id| c.members.get(&id))
                            .map(|m| format!(" ({})", m.name_en))
                            .unwrap_or_default();
                        format!(
                            "<description><narrative>{}</narrative></description>",
                            xml(&format!("{}{by}", reporter.phrase()))
                        )
                    })
                    .unwrap_or_default();
                let _ = write!(
                    out,
                    "<transaction><transaction-type code=\"{}\"/><transaction-date iso-date=\"{date}\"/><value currency=\"{currency}\" value-date=\"{date}\">{amount}</value>{reported}<provider-org type=\"{org_type}\"><narrative>{name}</narrative></provider-org><finance-type code=\"{finance}\"/></transaction>",
                    transaction_type(&f.stage),
                    date = f.value_date,
                    currency = xml(&f.currency),
                    amount = money::format_minor(f.amount_minor, &f.currency),
                    org_type = xml(funder.map_or("90", |m| m.iati_org_type.as_str())),
                    name = xml(funder.map_or("", |m| m.name_en.as_str())),
                    finance = xml(&f.finance_type),
                );
            }
            out.push_str("</iati-activity>\n");
            self.after = p.id;
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
