//! A DREAM project record as DREAM's public API returns it, and what it says
//! in this service's terms.
//!
//! The record of `GET /marketplace/public/dream/ideas/{id}` does not repeat its
//! id, so an import file gives it beside the record, as `id` or, as in the list
//! endpoint, as `internal.id` (with `internal.code`).

use chrono::NaiveDate;
use serde::Deserialize;

use crate::codes::{ProjectPurpose, ProjectStatus, ProjectType};
use crate::money;

/// One DREAM project record (the fields this service reads; others are ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DreamProject {
    /// The DREAM id, when given beside the record.
    pub id: Option<String>,
    /// Identification as in DREAM's list endpoint.
    pub internal: Option<Internal>,
    /// `rehabilitation`, `construction` or `equipment`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The title in Ukrainian and/or English.
    pub title: Vec<Translation>,
    /// The description in Ukrainian and/or English.
    pub description: Vec<Translation>,
    /// `restoration` or `development`.
    pub purpose: String,
    /// `pending`, `active`, `complete`, `cancelled` or `unsuccessful`.
    pub status: String,
    /// The stage within the status (`initiated` … `implementation`).
    pub status_details: Option<String>,
    /// The parties, with their national (EDRPOU) identifiers.
    pub parties: Vec<Party>,
    /// Alternative solutions; the first is taken as the proposed one.
    #[serde(default)]
    pub approaches: Vec<Approach>,
}

/// `internal` of a DREAM list entry.
#[derive(Debug, Deserialize)]
pub struct Internal {
    /// The DREAM id (a UUID).
    pub id: String,
    /// The id of the record in a sector system.
    pub code: Option<String>,
}

/// A text in one language.
#[derive(Debug, Deserialize)]
pub struct Translation {
    /// `uk` or `en`.
    pub lang: Option<String>,
    /// The text.
    pub translation: Option<String>,
}

/// A party to the project.
#[derive(Debug, Deserialize)]
pub struct Party {
    /// Roles, e.g. `balancer`, `initiator`, `implementer`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// National identifier.
    pub identifier: Option<PartyIdentifier>,
}

/// A party's national identifier.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyIdentifier {
    /// `UA-EDR`.
    pub scheme: String,
    /// The EDRPOU code.
    pub id: String,
    /// The official name.
    pub legal_name: Option<String>,
}

/// A solution considered for the project.
#[derive(Debug, Default, Deserialize)]
pub struct Approach {
    /// The objects of investment.
    #[serde(default)]
    pub items: Vec<Item>,
    /// Its budget.
    pub budget: Option<Budget>,
}

/// An object of investment.
#[derive(Debug, Default, Deserialize)]
pub struct Item {
    /// Where it is.
    #[serde(default)]
    pub locations: Vec<Location>,
}

/// A location of an object of investment.
#[derive(Debug, Deserialize)]
pub struct Location {
    /// Territorial codes.
    pub gazetteer: Option<Gazetteer>,
}

/// Territorial codes in one scheme.
#[derive(Debug, Deserialize)]
pub struct Gazetteer {
    /// `UA-CATOTTG` (KATOTTH) or `UA-COATU` (the former KOATUU).
    pub scheme: String,
    /// The codes.
    #[serde(default)]
    pub identifiers: Vec<String>,
}

/// The budget of a solution.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    /// Cost items.
    #[serde(default)]
    pub budget_breakdown: Vec<BudgetLine>,
}

/// One cost item.
#[derive(Debug, Deserialize)]
pub struct BudgetLine {
    /// The amount.
    pub amount: Amount,
    /// When it is spent.
    pub period: Option<Period>,
    /// What kind of cost it is and in which version of the budget.
    pub classifications: Option<Classifications>,
}

/// The classification of a cost item.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Classifications {
    /// `original`, `revised` or `agreed`.
    pub budget_type: Option<String>,
}

impl BudgetLine {
    fn budget_type(&self) -> &str {
        self.classifications
            .as_ref()
            .and_then(|c| c.budget_type.as_deref())
            .unwrap_or("original")
    }
}

/// An amount of money.
#[derive(Debug, Deserialize)]
pub struct Amount {
    /// The value in currency units.
    pub amount: f64,
    /// `UAH`, `EUR` or `USD`.
    pub currency: String,
}

/// A period.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    /// First day (a date or a date-time).
    pub start_date: Option<String>,
    /// Last day (a date or a date-time).
    pub end_date: Option<String>,
}

/// A DREAM record in this service's terms; territory and owner still to be
/// found in the database.
#[derive(Debug)]
pub struct Mapped {
    /// The DREAM id.
    pub dream_id: String,
    /// The project code for a new project: `DREAM-` and the DREAM id.
    pub code: String,
    /// English title.
    pub title_en: String,
    /// Ukrainian title.
    pub title_uk: String,
    /// English description.
    pub description_en: String,
    /// Ukrainian description.
    pub description_uk: String,
    /// OC4IDS project status.
    pub status: ProjectStatus,
    /// OC4IDS project type.
    pub project_type: ProjectType,
    /// Restoration or development.
    pub purpose: ProjectPurpose,
    /// KATOTTH codes of the project's places, first first.
    pub katotth: Vec<String>,
    /// EDRPOU codes of the parties that may lead it, most likely owner first.
    pub owner_candidates: Vec<String>,
    /// The proposed solution's budget (amount, currency).
    pub budget: Option<(String, String)>,
    /// The proposed solution's first and last day of spending.
    pub planned: (Option<NaiveDate>, Option<NaiveDate>),
    /// What was read differently from the record, for the report.
    pub notes: Vec<String>,
}

/// Roles of parties that lead a project, most likely owner first.
const LEAD_ROLES: [&str; 4] = ["balancer", "initiator", "author", "implementer"];

impl DreamProject {
    /// The DREAM id: `id`, else `internal.id`.
    pub fn dream_id(&self) -> Option<&str> {
        self.id
            .as_deref()
            .or(self.internal.as_ref().map(|i| i.id.as_str()))
            .map(str::trim)
            .filter(|id| !id.is_empty())
    }

    /// The record in this service's terms, or why it cannot be read.
    pub fn map(&self) -> Result<Mapped, String> {
        // DREAM ids are UUIDs: compared in lower case, however a file spells them.
        let dream_id = self
            .dream_id()
            .ok_or("the record has no DREAM id (`id` or `internal.id`)")?
            .to_lowercase();
        let mut notes = Vec::new();
        let project_type = match self.kind.as_str() {
            "rehabilitation" => ProjectType::Rehabilitation,
            "construction" => ProjectType::Construction,
            "equipment" => {
                notes.push("type `equipment` is read as OC4IDS `replacement`".to_owned());
                ProjectType::Replacement
            }
            other => {
                return Err(format!(
                    "`type` is {other:?}, not one of rehabilitation, construction, equipment"
                ));
            }
        };
        let purpose = match self.purpose.as_str() {
            "restoration" => ProjectPurpose::Restoration,
            "development" => ProjectPurpose::Development,
            other => {
                return Err(format!(
                    "`purpose` is {other:?}, not one of restoration, development"
                ));
            }
        };
        let status = status(&self.status, self.status_details.as_deref())?;
        let (title_en, title_uk) = texts("title", &self.title, &mut notes)?;
        let (description_en, description_uk) = texts("description", &self.description, &mut notes)?;
        let mut owner_candidates = Vec::new();
        for role in LEAD_ROLES {
            for party in &self.parties {
                if let Some(identifier) = &party.identifier
                    && identifier.scheme == "UA-EDR"
                    && party.roles.iter().any(|r| r == role)
                    && !owner_candidates.contains(&identifier.id)
                {
                    owner_candidates.push(identifier.id.clone());
                }
            }
        }
        let proposed = self.approaches.first();
        // The proposed solution's places (alternatives are not where the project is).
        let katotth = proposed
            .into_iter()
            .flat_map(|a| &a.items)
            .flat_map(|i| &i.locations)
            .filter_map(|l| l.gazetteer.as_ref())
            .filter(|g| g.scheme == "UA-CATOTTG")
            .flat_map(|g| g.identifiers.iter().map(|c| c.trim().to_owned()))
            .collect();
        let all_lines = proposed
            .and_then(|a| a.budget.as_ref())
            .map(|b| b.budget_breakdown.as_slice())
            .unwrap_or_default();
        // One version of the budget: agreed, else revised, else original.
        let version = ["agreed", "revised", "original"]
            .into_iter()
            .find(|v| all_lines.iter().any(|l| l.budget_type() == *v));
        let lines: Vec<&BudgetLine> = all_lines
            .iter()
            .filter(|l| Some(l.budget_type()) == version)
            .collect();
        if lines.len() < all_lines.len() {
            notes.push(format!(
                "the {} budget is used",
                version.unwrap_or("original")
            ));
        }
        let budget = budget(&lines, &mut notes)?;
        let days = |pick: fn(&Period) -> Option<&String>| {
            lines
                .iter()
                .filter_map(|l| l.period.as_ref())
                .filter_map(pick)
                .filter_map(|d| day(d))
                .collect::<Vec<_>>()
        };
        let planned = (
            days(|p| p.start_date.as_ref()).into_iter().min(),
            days(|p| p.end_date.as_ref()).into_iter().max(),
        );
        let code = format!("DREAM-{}", dream_id.to_ascii_uppercase());
        Ok(Mapped {
            dream_id,
            code,
            title_en,
            title_uk,
            description_en,
            description_uk,
            status,
            project_type,
            purpose,
            katotth,
            owner_candidates,
            budget,
            planned,
            notes,
        })
    }
}

/// DREAM's status and its details as an OC4IDS project status.
fn status(status: &str, details: Option<&str>) -> Result<ProjectStatus, String> {
    Ok(match (status, details) {
        ("pending", Some("refused")) | ("cancelled" | "unsuccessful", _) => {
            ProjectStatus::Cancelled
        }
        ("pending", Some("implementation")) | ("active", _) => ProjectStatus::Implementation,
        (
            "pending",
            Some("appraisal" | "appraised" | "structuring" | "structured" | "applied" | "approved"),
        ) => ProjectStatus::Preparation,
        ("pending", _) => ProjectStatus::Identification,
        ("complete", _) => ProjectStatus::Completion,
        (other, _) => {
            return Err(format!(
                "`status` is {other:?}, not one of pending, active, complete, cancelled, unsuccessful"
            ));
        }
    })
}

/// The English and Ukrainian texts of a multilingual array; one stands in
/// for the other when missing (noted).
fn texts(
    field: &str,
    texts: &[Translation],
    notes: &mut Vec<String>,
) -> Result<(String, String), String> {
    let of = |lang: &str| {
        texts
            .iter()
            .find(|t| t.lang.as_deref() == Some(lang))
            .and_then(|t| t.translation.as_deref())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    match (of("en"), of("uk")) {
        (Some(en), Some(uk)) => Ok((en, uk)),
        (None, Some(uk)) => {
            notes.push(format!("no English {field}: the Ukrainian one is used"));
            Ok((uk.clone(), uk))
        }
        (Some(en), None) => {
            notes.push(format!("no Ukrainian {field}: the English one is used"));
            Ok((en.clone(), en))
        }
        (None, None) => Err(format!("`{field}` has no text in Ukrainian or English")),
    }
}

/// The sum of the cost items, when they share one currency.
fn budget(
    lines: &[&BudgetLine],
    notes: &mut Vec<String>,
) -> Result<Option<(String, String)>, String> {
    let Some(first) = lines.first() else {
        return Ok(None);
    };
    let currency = first.amount.currency.as_str();
    if lines.iter().any(|l| l.amount.currency != currency) {
        notes.push("the budget is in several currencies: left out".to_owned());
        return Ok(None);
    }
    let scale = 10_f64.powi(money::exponent(currency) as i32);
    let mut minor: i64 = 0;
    for line in lines {
        let amount = line.amount.amount;
        if !amount.is_finite() || amount < 0.0 || amount * scale > 9.0e15 {
            return Err(format!(
                "a budget amount ({amount}) is not a usable amount of money"
            ));
        }
        minor = minor
            .checked_add((amount * scale).round() as i64)
            .ok_or("the budget is too large")?;
    }
    Ok(Some((
        money::format_minor(minor, currency),
        currency.to_owned(),
    )))
}

/// The day of a DREAM date or date-time.
fn day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}
