//! `alliance import dream FILE`: DREAM project records in, projects out.
//!
//! Each record is one transaction with its audit event (operation
//! `importDreamProject`): a record that cannot be read or is refused changes
//! nothing and never stops the others. A record whose DREAM id is already a
//! project's updates that project (when something changed); otherwise a draft
//! project is created, for the secretariat to review and publish.

use entity::{member, member_identifier, project, territory};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;

use crate::audit::append::Appends;
use crate::auth::{Principal, Role};
use crate::codes::{Code, Theme};
use crate::dream::record::{DreamProject, Mapped};
use crate::error::{AppError, Result};
use crate::project::write::{self, Change, ProjectFields};
use crate::validation::Outcome;

/// The audit trail's name of an imported change.
pub const OPERATION: &str = "importDreamProject";
/// The audit trail's actor of imports.
pub const ACTOR: &str = "dream-import";

/// Settings of an import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The member that leads a new project when none of the record's parties
    /// is a member (matched by EDRPOU code).
    pub owner: Option<i64>,
    /// OECD DAC purpose code of new projects (DREAM does not classify by DAC).
    pub sector_code: String,
    /// Theme of new projects.
    pub theme: Theme,
}

/// What became of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// A draft project was created with this code.
    Created(String),
    /// The project with this code was updated.
    Updated(String),
    /// The project with this code already says what the record says.
    Unchanged(String),
    /// Nothing was written, for this reason.
    Rejected(String),
}

/// The report line of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordReport {
    /// Where the record is in the file: 1, 2, 3, …
    pub position: usize,
    /// Its DREAM id, when it has one.
    pub dream_id: Option<String>,
    /// What became of it.
    pub fate: Fate,
    /// What was read differently from the record.
    pub notes: Vec<String>,
}

impl std::fmt::Display for RecordReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = self.dream_id.as_deref().unwrap_or("(no DREAM id)");
        let at = self.position;
        match &self.fate {
            Fate::Created(code) => write!(f, "#{at} {id}: created {code} (draft)")?,
            Fate::Updated(code) => write!(f, "#{at} {id}: updated {code}")?,
            Fate::Unchanged(code) => write!(f, "#{at} {id}: unchanged {code}")?,
            Fate::Rejected(why) => write!(f, "#{at} {id}: rejected: {why}")?,
        }
        for note in &self.notes {
            write!(f, "; note: {note}")?;
        }
        Ok(())
    }
}

/// The records of an import file: a JSON array of records, an object with a
/// `data` array (as DREAM's list endpoint), one record, or JSON Lines (one
/// record per line). A line that is not JSON is a record that cannot be read.
pub fn records(text: &str) -> Vec<std::result::Result<Value, String>> {
    let text = text.trim_start_matches('\u{feff}');
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items.into_iter().map(Ok).collect(),
        Ok(Value::Object(mut object)) => match object.remove("data") {
            Some(Value::Array(items)) => items.into_iter().map(Ok).collect(),
            Some(data) => {
                object.insert("data".into(), data);
                vec![Ok(Value::Object(object))]
            }
            None => vec![Ok(Value::Object(object))],
        },
        Ok(_) => vec![Err(
            "the file holds neither records nor a list of them".into()
        )],
        Err(_) => text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(n, line)| {
                serde_json::from_str(line).map_err(|e| format!("line {} is not JSON: {e}", n + 1))
            })
            .collect(),
    }
}

/// Imports every record, calling `progress` after each; stops early only when
/// the database becomes unavailable (what was imported stays; a rerun skips it).
pub async fn import(
    db: &DatabaseConnection,
    records: Vec<std::result::Result<Value, String>>,
    options: &ImportOptions,
    mut progress: impl FnMut(&RecordReport),
) -> Result<Vec<RecordReport>> {
    let principal = Principal::User {
        subject: ACTOR.into(),
        role: Role::Admin,
        member_id: None,
        applicant: false,
    };
    let mut reports = Vec::with_capacity(records.len());
    for (index, record) in records.into_iter().enumerate() {
        let known_id = record
            .as_ref()
            .ok()
            .and_then(|v| {
                v.get("id")
                    .or_else(|| v.get("internal").and_then(|i| i.get("id")))
            })
            .and_then(Value::as_str)
            .map(str::to_lowercase);
        let report = match import_one(db, &principal, record, options).await {
            Ok((dream_id, fate, notes)) => RecordReport {
                position: index + 1,
                dream_id,
                fate,
                notes,
            },
            Err(error @ AppError::Unavailable(_)) => return Err(error),
            Err(error) => {
                error.log();
                RecordReport {
                    position: index + 1,
                    dream_id: known_id.clone(),
                    fate: Fate::Rejected("the database refused the write (see the log)".into()),
                    notes: Vec::new(),
                }
            }
        };
        progress(&report);
        reports.push(report);
    }
    Ok(reports)
}

type Imported = (Option<String>, Fate, Vec<String>);

async fn import_one(
    db: &DatabaseConnection,
    principal: &Principal,
    record: std::result::Result<Value, String>,
    options: &ImportOptions,
) -> Result<Imported> {
    let rejected = |id: Option<String>, why: String| Ok((id, Fate::Rejected(why), Vec::new()));
    let value = match record {
        Ok(value) => value,
        Err(why) => return rejected(None, why),
    };
    let dream_id = value
        .get("id")
        .or_else(|| value.get("internal").and_then(|i| i.get("id")))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let record: DreamProject = match serde_json::from_value(value) {
        Ok(record) => record,
        Err(error) => {
            return rejected(dream_id, format!("not a DREAM project record: {error}"));
        }
    };
    let mapped = match record.map() {
        Ok(mapped) => mapped,
        Err(why) => return rejected(dream_id, why),
    };
    let dream_id = Some(mapped.dream_id.clone());
    let Some(territory_id) = territory_of(db, &mapped.katotth).await? else {
        return rejected(
            dream_id,
            if mapped.katotth.is_empty() {
                "no location with a KATOTTH (UA-CATOTTG) code".into()
            } else {
                format!(
                    "no known territory for KATOTTH {}",
                    mapped.katotth.join(", ")
                )
            },
        );
    };
    let existing = project::Entity::find()
        .filter(project::Column::DreamId.eq(mapped.dream_id.as_str()))
        .order_by_asc(project::Column::Id)
        .one(db)
        .await?;
    let mut notes = mapped.notes.clone();
    let fate = match existing {
        Some(existing) => update(db, principal, existing, mapped, territory_id, &mut notes).await?,
        None => {
            let Some(owner_id) = owner_of(db, &mapped.owner_candidates, options.owner).await?
            else {
                return rejected(
                    dream_id,
                    "none of the record's parties is an Alliance member (matched by UA-EDR code); \
                     name a default owner with --owner"
                        .into(),
                );
            };
            create(db, principal, mapped, territory_id, owner_id, options).await?
        }
    };
    Ok((dream_id, fate, notes))
}

async fn create(
    db: &DatabaseConnection,
    principal: &Principal,
    mapped: Mapped,
    territory_id: i64,
    owner_id: i64,
    options: &ImportOptions,
) -> Result<Fate> {
    let fields = ProjectFields {
        code: mapped.code,
        dream_id: Some(mapped.dream_id),
        iati_identifier: None,
        title_en: mapped.title_en,
        title_uk: mapped.title_uk,
        description_en: mapped.description_en,
        description_uk: mapped.description_uk,
        status: mapped.status.code().to_owned(),
        project_type: mapped.project_type.code().to_owned(),
        purpose: mapped.purpose.code().to_owned(),
        sector_code: options.sector_code.clone(),
        theme: options.theme.code().to_owned(),
        territory_id,
        location: None,
        planned_start: mapped.planned.0,
        planned_end: mapped.planned.1,
        actual_start: None,
        actual_end: None,
        budget: mapped.budget,
        principles: Vec::new(),
        owner_id,
    };
    Ok(
        match write::create_as(
            &Appends::direct(db.clone()),
            principal,
            fields,
            None,
            OPERATION,
        )
        .await?
        {
            Outcome::Done(project) => Fate::Created(project.code),
            Outcome::Refused(errors) => Fate::Rejected(refusal(&errors)),
        },
    )
}

/// Applies what DREAM says to an existing project: texts, status, type,
/// purpose, territory, budget and planned dates. Its code, owner, sector,
/// theme and everything recorded here only are kept.
async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    existing: project::Model,
    mapped: Mapped,
    territory_id: i64,
    notes: &mut Vec<String>,
) -> Result<Fate> {
    let before = ProjectFields::of(&existing);
    let mut mapped = mapped;
    let status = mapped.status.code();
    if !write::status_change_allowed(&existing.status, status) {
        // Recorded further along (or cancelled) here: the rest still applies.
        notes.push(format!(
            "status {status} is not applied: the project is {} here",
            existing.status
        ));
        mapped.status =
            crate::codes::ProjectStatus::from_code(&existing.status).unwrap_or(mapped.status);
    }
    let apply = move |fields: &mut ProjectFields| {
        fields.title_en = mapped.title_en;
        fields.title_uk = mapped.title_uk;
        fields.description_en = mapped.description_en;
        fields.description_uk = mapped.description_uk;
        fields.status = mapped.status.code().to_owned();
        fields.project_type = mapped.project_type.code().to_owned();
        fields.purpose = mapped.purpose.code().to_owned();
        fields.territory_id = territory_id;
        if mapped.budget.is_some() {
            fields.budget = mapped.budget;
        }
        if mapped.planned.0.is_some() {
            fields.planned_start = mapped.planned.0;
        }
        if mapped.planned.1.is_some() {
            fields.planned_end = mapped.planned.1;
        }
    };
    let mut after = before.clone();
    apply.clone()(&mut after);
    let same = serde_json::to_value(&before).ok() == serde_json::to_value(&after).ok();
    if same {
        return Ok(Fate::Unchanged(existing.code));
    }
    Ok(
        match write::update(
            db,
            principal,
            existing.id,
            existing.version,
            OPERATION,
            Change::Fields(Box::new(apply)),
        )
        .await?
        {
            Outcome::Done(project) => Fate::Updated(project.code),
            Outcome::Refused(errors) => Fate::Rejected(refusal(&errors)),
        },
    )
}

fn refusal(errors: &[crate::validation::UserError]) -> String {
    errors
        .iter()
        .map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The territory of the first KATOTTH code this service knows; a hromada or
/// settlement it does not hold falls back to its oblast (the code's first four
/// characters: `UA` and the oblast's two digits).
async fn territory_of(db: &DatabaseConnection, codes: &[String]) -> Result<Option<i64>> {
    if codes.is_empty() {
        return Ok(None);
    }
    let known = territory::Entity::find()
        .filter(territory::Column::Code.is_in(codes.iter().map(String::as_str)))
        .all(db)
        .await?;
    for code in codes {
        if let Some(found) = known.iter().find(|t| &t.code == code) {
            return Ok(Some(found.id));
        }
    }
    for code in codes {
        let Some(prefix) = code.get(..4).filter(|p| p.starts_with("UA")) else {
            continue;
        };
        let oblast = territory::Entity::find()
            .filter(territory::Column::Level.eq("OBLAST"))
            .filter(territory::Column::Code.starts_with(prefix))
            .one(db)
            .await?;
        if let Some(oblast) = oblast {
            return Ok(Some(oblast.id));
        }
    }
    Ok(None)
}

/// The member that leads the project: the first lead party that is an active
/// member (by EDRPOU code), else the default owner.
async fn owner_of(
    db: &DatabaseConnection,
    candidates: &[String],
    default: Option<i64>,
) -> Result<Option<i64>> {
    if !candidates.is_empty() {
        let identifiers = member_identifier::Entity::find()
            .filter(member_identifier::Column::Scheme.eq("UA_EDR"))
            .filter(member_identifier::Column::Value.is_in(candidates.iter().map(String::as_str)))
            .all(db)
            .await?;
        let active: Vec<i64> = member::Entity::find()
            .filter(member::Column::Id.is_in(identifiers.iter().map(|i| i.member_id)))
            .filter(member::Column::Status.eq("ACTIVE"))
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let found: Vec<(i64, &str)> = identifiers
            .iter()
            .filter(|i| active.contains(&i.member_id))
            .map(|i| (i.member_id, i.value.as_str()))
            .collect();
        for code in candidates {
            if let Some((member_id, _)) = found.iter().find(|(_, value)| value == code) {
                return Ok(Some(*member_id));
            }
        }
    }
    Ok(default)
}
