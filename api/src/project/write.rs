//! Writing projects: create as draft, update, publish, archive. Each write is
//! one transaction with its audit event; expected failures are refused with
//! user errors and change nothing.

use chrono::{NaiveDate, SubsecRound, Utc};
use entity::{document_link, funding, indicator, member, participant, project, territory};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryResult, Set, SqlErr,
};
use serde::Serialize;

use crate::audit::append::{Append, Appends};
use crate::audit::idempotency::Idempotency;
use crate::audit::service::{self as audit, Actor, Writer};
use crate::auth::Principal;
use crate::codelists;
use crate::codes::{Code, FundingReporter};
use crate::error::{AppError, Result};
use crate::loader::{Table, find_visible_by_id};
use crate::validation::{Check, Outcome, UserErrorCode, stale_version};

/// Everything a project is made of, as a caller gives it.
#[derive(Clone, Debug, Serialize)]
pub struct ProjectFields {
    /// Human key.
    pub code: String,
    /// DREAM identifier.
    pub dream_id: Option<String>,
    /// IATI activity identifier.
    pub iati_identifier: Option<String>,
    /// Title in English.
    pub title_en: String,
    /// Title in Ukrainian.
    pub title_uk: String,
    /// Description in English.
    pub description_en: String,
    /// Description in Ukrainian.
    pub description_uk: String,
    /// OC4IDS status code.
    pub status: String,
    /// OC4IDS type code.
    pub project_type: String,
    /// Purpose code.
    pub purpose: String,
    /// DAC 5-digit sector.
    pub sector_code: String,
    /// Theme code.
    pub theme: String,
    /// Territory id.
    pub territory_id: i64,
    /// Latitude and longitude in degrees.
    pub location: Option<(f64, f64)>,
    /// Planned start.
    pub planned_start: Option<NaiveDate>,
    /// Planned end.
    pub planned_end: Option<NaiveDate>,
    /// Actual start.
    pub actual_start: Option<NaiveDate>,
    /// Actual end.
    pub actual_end: Option<NaiveDate>,
    /// Budget as decimal amount and currency.
    pub budget: Option<(String, String)>,
    /// "Build back better" principle codes.
    pub principles: Vec<String>,
    /// Owner member id.
    pub owner_id: i64,
}

impl ProjectFields {
    /// The fields of a stored project, for applying an update on top.
    pub fn of(model: &project::Model) -> Self {
        Self {
            code: model.code.clone(),
            dream_id: model.dream_id.clone(),
            iati_identifier: model.iati_identifier.clone(),
            title_en: model.title_en.clone(),
            title_uk: model.title_uk.clone(),
            description_en: model.description_en.clone(),
            description_uk: model.description_uk.clone(),
            status: model.status.clone(),
            project_type: model.project_type.clone(),
            purpose: model.purpose.clone(),
            sector_code: model.sector_code.clone(),
            theme: model.theme.clone(),
            territory_id: model.territory_id,
            location: model
                .lat_e6
                .zip(model.lon_e6)
                .map(|(lat, lon)| (lat as f64 / 1e6, lon as f64 / 1e6)),
            planned_start: model.planned_start,
            planned_end: model.planned_end,
            actual_start: model.actual_start,
            actual_end: model.actual_end,
            budget: model
                .budget_minor
                .zip(model.budget_currency.clone())
                .map(|(minor, currency)| (crate::money::format_minor(minor, &currency), currency)),
            principles: entity::list::decode(&model.principles),
            owner_id: model.owner_id,
        }
    }
}

/// The order of OC4IDS statuses along a project's life.
const STATUS_ORDER: [&str; 7] = [
    "identification",
    "preparation",
    "implementation",
    "completion",
    "maintenance",
    "decommissioning",
    "decommissioned",
];

/// Whether a project may move from status `from` to `to`: forward along the
/// life cycle, or to `cancelled` before the end; never out of `cancelled` or
/// `decommissioned`.
pub fn status_change_allowed(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    if from == "cancelled" || from == "decommissioned" {
        return false;
    }
    if to == "cancelled" {
        return true;
    }
    let position = |s: &str| STATUS_ORDER.iter().position(|x| *x == s);
    matches!((position(from), position(to)), (Some(a), Some(b)) if b > a)
}

/// The stored columns of valid fields, or the failures.
struct Columns {
    lat_e6: Option<i64>,
    lon_e6: Option<i64>,
    budget_minor: Option<i64>,
    budget_currency: Option<String>,
}

async fn validate(
    db: &impl ConnectionTrait,
    fields: &ProjectFields,
    existing_id: Option<i64>,
) -> Result<std::result::Result<Columns, Check>> {
    let found = db
        .query_one_raw(
            db.get_database_backend()
                .build(&references(fields, existing_id)),
        )
        .await?
        .ok_or_else(|| AppError::internal("an EXISTS query returned no row"))?;
    checked(fields, &found)
}

/// Whether what the fields point to exists and whether their code is taken
/// (by another project than `existing_id`): one row of three `EXISTS`
/// (`territory`, `owner`, `same_code`), read by [`checked`].
fn references(fields: &ProjectFields, existing_id: Option<i64>) -> SelectStatement {
    let exists = |query: &mut SelectStatement| Expr::exists(query.expr(Expr::val(1)).take());
    let mut same_code = Query::select();
    same_code
        .from(project::Entity)
        .and_where(project::Column::Code.eq(fields.code.as_str()));
    if let Some(id) = existing_id {
        same_code.and_where(project::Column::Id.ne(id));
    }
    Query::select()
        .expr_as(
            exists(
                Query::select()
                    .from(territory::Entity)
                    .and_where(territory::Column::Id.eq(fields.territory_id)),
            ),
            "territory",
        )
        .expr_as(
            exists(
                Query::select()
                    .from(member::Entity)
                    .and_where(member::Column::Id.eq(fields.owner_id)),
            ),
            "owner",
        )
        .expr_as(exists(&mut same_code), "same_code")
        .take()
}

/// The fields checked, with the row of [`references`] read for them.
fn checked(
    fields: &ProjectFields,
    found: &QueryResult,
) -> Result<std::result::Result<Columns, Check>> {
    let mut check = Check::default();
    check.text("code", &fields.code, 64);
    if !fields
        .code
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
    {
        check.fail(
            "code",
            UserErrorCode::Invalid,
            "`code` may hold only A–Z, 0–9 and hyphens",
        );
    }
    check.text("titles.en", &fields.title_en, 300);
    check.text("titles.uk", &fields.title_uk, 300);
    check.text("descriptions.en", &fields.description_en, 10_000);
    check.text("descriptions.uk", &fields.description_uk, 10_000);
    if let Some(id) = &fields.dream_id {
        check.text("dreamId", id, 100);
    }
    if let Some(id) = &fields.iati_identifier {
        check.text("iatiIdentifier", id, 150);
    }
    check.code_in(
        "sectorCode",
        &fields.sector_code,
        codelists::DAC_PURPOSE_CODES,
        "an OECD DAC 5-digit purpose code",
    );
    check.date_order("plannedEnd", fields.planned_start, fields.planned_end);
    check.date_order("actualEnd", fields.actual_start, fields.actual_end);
    let point = fields
        .location
        .and_then(|(lat, lon)| check.point("location", lat, lon));
    let budget = fields.budget.as_ref().and_then(|(amount, currency)| {
        check
            .money("budget", amount, currency)
            .map(|m| (m, currency.clone()))
    });
    if !found.try_get::<bool>("", "territory")? {
        check.fail(
            "territoryId",
            UserErrorCode::NotFound,
            "`territoryId` names no territory",
        );
    }
    if !found.try_get::<bool>("", "owner")? {
        check.fail(
            "ownerId",
            UserErrorCode::NotFound,
            "`ownerId` names no member",
        );
    }
    if found.try_get::<bool>("", "same_code")? {
        code_taken(&mut check, &fields.code);
    }
    if !check.is_ok() {
        return Ok(Err(check));
    }
    Ok(Ok(Columns {
        lat_e6: point.map(|p| p.0),
        lon_e6: point.map(|p| p.1),
        budget_minor: budget.as_ref().map(|b| b.0),
        budget_currency: budget.map(|b| b.1),
    }))
}

fn code_taken(check: &mut Check, code: &str) {
    check.fail(
        "code",
        UserErrorCode::Duplicate,
        format!("a project with code {code:?} exists already"),
    );
}

/// The refusal a failed commit stands for: the code taken by a write that
/// committed after the create's checks were read, while it waited for the
/// chain's lock or wrote (PostgreSQL, see `Writer::begin_checked` and
/// `Append`). The service deletes
/// no members or territories, so the other checks cannot turn stale that way.
fn code_taken_meanwhile(error: &AppError, code: &str) -> Option<Check> {
    let AppError::Database(error) = error else {
        return None;
    };
    // The message names the constraint in double quotes, which no project
    // code can hold (A–Z, 0–9 and hyphens).
    let SqlErr::UniqueConstraintViolation(message) = error.sql_err()? else {
        return None;
    };
    message.contains("\"project_code_key\"").then(|| {
        let mut check = Check::default();
        code_taken(&mut check, code);
        check
    })
}

/// Editors write only for their own organisation; coordinators and
/// administrators for any; everyone else not at all.
fn may_write_for(principal: &Principal, owner_id: i64) -> Result<Actor> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    if principal.sees_everything() && principal.role() != Some(crate::auth::Role::Analyst) {
        return Ok(actor);
    }
    if principal.own_member() == Some(owner_id) {
        return Ok(actor);
    }
    Err(AppError::Forbidden)
}

/// Creates a project as a draft. With an idempotency key, a repeat of the same
/// input by the same caller returns the first project without writing again.
pub async fn create(
    appends: &Appends,
    principal: &Principal,
    fields: ProjectFields,
    idempotency: Option<Idempotency>,
) -> Result<Outcome<project::Model>> {
    create_as(appends, principal, fields, idempotency, "createProject").await
}

/// Creates a draft project, recording the change as `operation` (for example
/// `importDreamProject`), written through `appends`.
pub async fn create_as(
    appends: &Appends,
    principal: &Principal,
    fields: ProjectFields,
    idempotency: Option<Idempotency>,
    operation: &str,
) -> Result<Outcome<project::Model>> {
    let actor = may_write_for(principal, fields.owner_id)?;
    if idempotency.is_none()
        && let Some((mut append, found)) = Append::begin_checked(
            appends,
            actor.clone(),
            &references(&fields, None),
            "project",
        )
        .await?
    {
        // PostgreSQL: the checks and the new id, then the row, its event and
        // the new head in one statement that takes the chain's lock.
        let code = fields.code.clone();
        let columns = match checked(&fields, &found.row)? {
            Ok(columns) => columns,
            Err(check) => return Ok(Outcome::Refused(check.into_errors())),
        };
        let created = append.insert(new_project(fields, columns))?;
        let changes = audit::snapshot(&created);
        let committed = append
            .commit(operation, "Project", created.id, &changes)
            .await;
        return answer(committed, created, &code);
    }
    // With an idempotency key (writers with one key must be serialised), and
    // on SQLite: the lock, the checks and (PostgreSQL) the new id, one statement.
    let (mut writer, found) =
        Writer::begin_checked(appends.db(), actor, &references(&fields, None), "project").await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency.replay::<project::Entity>(&writer).await?
    {
        return Ok(first);
    }
    let columns = match checked(&fields, &found.row)? {
        Ok(columns) => columns,
        // PostgreSQL read the checks before it waited for the lock: what a
        // writer committed meanwhile may have made them pass. A refusal is
        // checked again, fresh, under the lock.
        Err(_) if found.stale() => match validate(writer.txn(), &fields, None).await? {
            Ok(columns) => columns,
            Err(check) => return Ok(Outcome::Refused(check.into_errors())),
        },
        Err(check) => return Ok(Outcome::Refused(check.into_errors())),
    };
    let code = fields.code.clone();
    // On PostgreSQL the insert is written at commit, with its event.
    let created = writer
        .insert(new_project(fields, columns), found.reserved_id)
        .await?;
    if let Some(idempotency) = &idempotency {
        idempotency.remember(&writer, created.id).await?;
    }
    writer.record(operation, "Project", created.id, &audit::snapshot(&created))?;
    answer(writer.commit().await, created, &code)
}

/// The answer to a create whose commit ended with `committed`: the project,
/// or the refusal a violated constraint stands for.
fn answer(
    committed: Result<()>,
    created: project::Model,
    code: &str,
) -> Result<Outcome<project::Model>> {
    match committed {
        Ok(()) => Ok(Outcome::Done(created)),
        Err(error) => match code_taken_meanwhile(&error, code) {
            Some(check) => Ok(Outcome::Refused(check.into_errors())),
            None => Err(error),
        },
    }
}

/// The row of a new draft project with checked `fields`.
fn new_project(fields: ProjectFields, columns: Columns) -> project::ActiveModel {
    // As stored: PostgreSQL keeps microseconds, and the row is known before
    // it is written.
    let now = Utc::now().trunc_subsecs(6);
    project::ActiveModel {
        id: sea_orm::NotSet,
        code: Set(fields.code),
        dream_id: Set(fields.dream_id),
        iati_identifier: Set(fields.iati_identifier),
        title_en: Set(fields.title_en),
        title_uk: Set(fields.title_uk),
        description_en: Set(fields.description_en),
        description_uk: Set(fields.description_uk),
        status: Set(fields.status),
        project_type: Set(fields.project_type),
        purpose: Set(fields.purpose),
        sector_code: Set(fields.sector_code),
        theme: Set(fields.theme),
        territory_id: Set(fields.territory_id),
        lat_e6: Set(columns.lat_e6),
        lon_e6: Set(columns.lon_e6),
        planned_start: Set(fields.planned_start),
        planned_end: Set(fields.planned_end),
        actual_start: Set(fields.actual_start),
        actual_end: Set(fields.actual_end),
        budget_minor: Set(columns.budget_minor),
        budget_currency: Set(columns.budget_currency),
        principles: Set(entity::list::encode(&fields.principles)),
        visibility: Set("DRAFT".into()),
        owner_id: Set(fields.owner_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// How an update changes a project.
pub enum Change {
    /// Replace fields (`updateProject`).
    Fields(Box<dyn FnOnce(&mut ProjectFields) + Send>),
    /// Move to another visibility (`publishProject`, `archiveProject`).
    Visibility(&'static str),
}

/// Updates a project if `expected_version` is still its version.
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    expected_version: i32,
    operation: &str,
    change: Change,
) -> Result<Outcome<project::Model>> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    let Some(before) = project::Entity::find_visible(principal)
        .filter(project::Column::Id.eq(id))
        .one(writer.txn())
        .await?
    else {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::NotFound,
            "`id` names no project",
        ));
    };
    may_write_for(principal, before.owner_id)?;
    if let Some(stale) = stale_version("project", expected_version, before.version) {
        return Ok(stale);
    }
    let mut fields = ProjectFields::of(&before);
    let mut visibility = before.visibility.clone();
    match change {
        Change::Fields(apply) => apply(&mut fields),
        Change::Visibility(target) => {
            let allowed = match (before.visibility.as_str(), target) {
                ("DRAFT", "PUBLISHED") => before.status != "cancelled",
                ("DRAFT" | "PUBLISHED", "ARCHIVED") => true,
                _ => false,
            };
            if !allowed {
                let reason = if before.status == "cancelled" && target == "PUBLISHED" {
                    "a cancelled project cannot be published".to_owned()
                } else {
                    format!(
                        "a {} project cannot become {target}",
                        before.visibility.to_lowercase()
                    )
                };
                return Ok(Outcome::refuse(
                    "id",
                    UserErrorCode::InvalidTransition,
                    reason,
                ));
            }
            visibility = target.to_owned();
        }
    }
    if !status_change_allowed(&before.status, &fields.status) {
        return Ok(Outcome::refuse(
            "status",
            UserErrorCode::InvalidTransition,
            format!(
                "a project cannot move from {} to {}",
                before.status, fields.status
            ),
        ));
    }
    if fields.owner_id != before.owner_id {
        may_write_for(principal, fields.owner_id)?;
    }
    let columns = match validate(writer.txn(), &fields, Some(id)).await? {
        Ok(columns) => columns,
        Err(check) => return Ok(Outcome::Refused(check.into_errors())),
    };
    let mut active: project::ActiveModel = before.clone().into();
    active.code = Set(fields.code);
    active.dream_id = Set(fields.dream_id);
    active.iati_identifier = Set(fields.iati_identifier);
    active.title_en = Set(fields.title_en);
    active.title_uk = Set(fields.title_uk);
    active.description_en = Set(fields.description_en);
    active.description_uk = Set(fields.description_uk);
    active.status = Set(fields.status);
    active.project_type = Set(fields.project_type);
    active.purpose = Set(fields.purpose);
    active.sector_code = Set(fields.sector_code);
    active.theme = Set(fields.theme);
    active.territory_id = Set(fields.territory_id);
    active.lat_e6 = Set(columns.lat_e6);
    active.lon_e6 = Set(columns.lon_e6);
    active.planned_start = Set(fields.planned_start);
    active.planned_end = Set(fields.planned_end);
    active.actual_start = Set(fields.actual_start);
    active.actual_end = Set(fields.actual_end);
    active.budget_minor = Set(columns.budget_minor);
    active.budget_currency = Set(columns.budget_currency);
    active.principles = Set(entity::list::encode(&fields.principles));
    active.visibility = Set(visibility);
    active.owner_id = Set(fields.owner_id);
    active.version = Set(before.version + 1);
    active.updated_at = Set(Utc::now());
    // The version condition makes the write safe even without the chain lock.
    let result = project::Entity::update_many()
        .set(active)
        .filter(project::Column::Id.eq(id))
        .filter(project::Column::Version.eq(expected_version))
        .exec(writer.txn())
        .await?;
    if result.rows_affected != 1 {
        return Ok(Outcome::refuse(
            "expectedVersion",
            UserErrorCode::Conflict,
            "the project changed meanwhile",
        ));
    }
    let after = project::Entity::find_by_id(id)
        .one(writer.txn())
        .await?
        .ok_or_else(|| AppError::internal("updated project vanished"))?;
    writer.record(operation, "Project", id, &audit::diff(&before, &after))?;
    writer.commit().await?;
    Ok(Outcome::Done(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_moves_forward_or_to_cancelled_only() {
        assert!(status_change_allowed("identification", "implementation"));
        assert!(status_change_allowed("implementation", "cancelled"));
        assert!(!status_change_allowed("implementation", "preparation"));
        assert!(!status_change_allowed("cancelled", "implementation"));
        assert!(!status_change_allowed("decommissioned", "cancelled"));
    }
}

/// Loads a project for a change of its parts and checks that `principal` may
/// change it (its owner's editors, the secretariat) or, when `funder` is given,
/// is that funder's editor.
async fn project_for_change(
    db: &impl ConnectionTrait,
    principal: &Principal,
    project_id: i64,
    funder: Option<i64>,
) -> Result<std::result::Result<project::Model, Outcome<()>>> {
    // A project the caller may not see is not there for it (the one rule of
    // who sees which project).
    let Some(project) = project::Entity::find_visible(principal)
        .filter(project::Column::Id.eq(project_id))
        .one(db)
        .await?
    else {
        return Ok(Err(Outcome::refuse(
            "projectId",
            UserErrorCode::NotFound,
            "`projectId` names no project",
        )));
    };
    let secretariat = principal.is_secretariat();
    let own = principal.own_member();
    let allowed =
        secretariat || own == Some(project.owner_id) || (funder.is_some() && own == funder);
    if !allowed {
        return Err(AppError::Forbidden);
    }
    Ok(Ok(project))
}

fn refused<T>(outcome: Outcome<()>) -> Outcome<T> {
    match outcome {
        Outcome::Refused(errors) => Outcome::Refused(errors),
        Outcome::Done(()) => Outcome::Refused(Vec::new()),
    }
}

/// A funding record as a caller gives it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FundingFields {
    /// The funded project.
    pub project_id: i64,
    /// The funder.
    pub funder_id: i64,
    /// Stage code.
    pub stage: String,
    /// IATI FinanceType code.
    pub finance_type: String,
    /// Decimal amount.
    pub amount: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// Value date.
    pub value_date: NaiveDate,
}

/// Whether disbursements stay within commitments for `funder` and `currency` on `project`.
async fn disbursed_within_committed(
    db: &impl ConnectionTrait,
    project_id: i64,
    funder_id: i64,
    currency: &str,
) -> Result<bool> {
    let rows = funding::Entity::find()
        .filter(funding::Column::ProjectId.eq(project_id))
        .filter(funding::Column::FunderId.eq(funder_id))
        .filter(funding::Column::Currency.eq(currency))
        .all(db)
        .await?;
    let sum = |stage: &str| -> i128 {
        rows.iter()
            .filter(|r| r.stage == stage)
            .map(|r| i128::from(r.amount_minor))
            .sum()
    };
    Ok(sum("DISBURSED") <= sum("COMMITTED"))
}

/// Records a pledge, commitment or disbursement. Disbursements may not exceed
/// the funder's commitments in the same currency.
pub async fn record_funding(
    db: &DatabaseConnection,
    principal: &Principal,
    fields: FundingFields,
    idempotency: Option<Idempotency>,
) -> Result<Outcome<funding::Model>> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency.replay::<funding::Entity>(&writer).await?
    {
        return Ok(first);
    }
    let project = match project_for_change(
        writer.txn(),
        principal,
        fields.project_id,
        Some(fields.funder_id),
    )
    .await?
    {
        Ok(project) => project,
        Err(refusal) => return Ok(refused(refusal)),
    };
    // Allowed above: the secretariat, the funder's or the owner's editor.
    let (reported_as, reported_by_id) =
        FundingReporter::of(principal, fields.funder_id, project.owner_id)
            .ok_or(AppError::Forbidden)?;
    let mut check = Check::default();
    let amount = check.money("amount", &fields.amount, &fields.currency);
    if find_visible_by_id::<member::Entity>(writer.txn(), principal, fields.funder_id)
        .await?
        .is_none()
    {
        check.fail(
            "funderId",
            UserErrorCode::NotFound,
            "`funderId` names no member",
        );
    }
    let Some(amount) = amount.filter(|_| check.is_ok()) else {
        return Ok(Outcome::Refused(check.into_errors()));
    };
    let now = Utc::now();
    let created = funding::ActiveModel {
        id: sea_orm::NotSet,
        project_id: Set(fields.project_id),
        funder_id: Set(fields.funder_id),
        stage: Set(fields.stage),
        finance_type: Set(fields.finance_type),
        amount_minor: Set(amount),
        currency: Set(fields.currency.clone()),
        value_date: Set(fields.value_date),
        reported_as: Set(Some(reported_as.code().to_owned())),
        reported_by_id: Set(reported_by_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(writer.txn())
    .await?;
    if !disbursed_within_committed(
        writer.txn(),
        fields.project_id,
        fields.funder_id,
        &fields.currency,
    )
    .await?
    {
        return Ok(Outcome::refuse(
            "amount.amount",
            UserErrorCode::ExceedsCommitted,
            "disbursements would exceed this funder's commitments in this currency",
        ));
    }
    if let Some(idempotency) = &idempotency {
        idempotency.remember(&writer, created.id).await?;
    }
    writer.record(
        "recordFunding",
        "Funding",
        created.id,
        &audit::snapshot(&created),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(created))
}

/// Removes a funding record entered in error; the audit trail keeps it.
pub async fn remove_funding(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
) -> Result<Outcome<funding::Model>> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    let Some(record) = find_visible_by_id::<funding::Entity>(writer.txn(), principal, id).await?
    else {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::NotFound,
            "`id` names no funding record",
        ));
    };
    // A report is withdrawn by whoever reported it, or by the secretariat:
    // an owner does not remove a funder's own report, nor a funder the
    // owner's.
    let secretariat = principal.is_secretariat();
    if !secretariat
        && record.reported_by_id.is_some()
        && record.reported_by_id != principal.own_member()
    {
        return Err(AppError::Forbidden);
    }
    if let Err(refusal) = project_for_change(
        writer.txn(),
        principal,
        record.project_id,
        Some(record.funder_id),
    )
    .await?
    {
        return Ok(refused(refusal));
    }
    funding::Entity::delete_by_id(id).exec(writer.txn()).await?;
    if !disbursed_within_committed(
        writer.txn(),
        record.project_id,
        record.funder_id,
        &record.currency,
    )
    .await?
    {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::ExceedsCommitted,
            "without this commitment, disbursements would exceed commitments",
        ));
    }
    writer.record(
        "removeFunding",
        "Funding",
        id,
        &serde_json::json!({ "removed": audit::snapshot(&record) }),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(record))
}

/// Adds a member to a project's participants.
pub async fn add_participant(
    db: &DatabaseConnection,
    principal: &Principal,
    project_id: i64,
    member_id: i64,
    iati_role: String,
    alliance_role: String,
    idempotency: Option<Idempotency>,
) -> Result<Outcome<participant::Model>> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency.replay::<participant::Entity>(&writer).await?
    {
        return Ok(first);
    }
    if let Err(refusal) = project_for_change(writer.txn(), principal, project_id, None).await? {
        return Ok(refused(refusal));
    }
    if find_visible_by_id::<member::Entity>(writer.txn(), principal, member_id)
        .await?
        .is_none()
    {
        return Ok(Outcome::refuse(
            "memberId",
            UserErrorCode::NotFound,
            "`memberId` names no member",
        ));
    }
    let existing = participant::Entity::find()
        .filter(participant::Column::ProjectId.eq(project_id))
        .filter(participant::Column::MemberId.eq(member_id))
        .filter(participant::Column::IatiRole.eq(iati_role.as_str()))
        .one(writer.txn())
        .await?;
    if existing.is_some() {
        return Ok(Outcome::refuse(
            "memberId",
            UserErrorCode::Duplicate,
            "the member already takes part in this role",
        ));
    }
    let now = Utc::now();
    let created = participant::ActiveModel {
        id: sea_orm::NotSet,
        project_id: Set(project_id),
        member_id: Set(member_id),
        iati_role: Set(iati_role),
        alliance_role: Set(alliance_role),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(writer.txn())
    .await?;
    if let Some(idempotency) = &idempotency {
        idempotency.remember(&writer, created.id).await?;
    }
    writer.record(
        "addParticipant",
        "Participant",
        created.id,
        &audit::snapshot(&created),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(created))
}

/// Removes a part of a project entered in error (a participant, a document
/// link); the audit event keeps the removed record.
pub async fn remove_part<E: Table>(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    operation: &str,
    type_name: &str,
    project_of: fn(&E::Model) -> i64,
) -> Result<Outcome<E::Model>> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    let Some(record) = E::find()
        .filter(E::id_column().eq(id))
        .one(writer.txn())
        .await?
    else {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::NotFound,
            format!("`id` names no {type_name}"),
        ));
    };
    if let Err(refusal) =
        project_for_change(writer.txn(), principal, project_of(&record), None).await?
    {
        return Ok(refused(refusal));
    }
    E::delete_many()
        .filter(E::id_column().eq(id))
        .exec(writer.txn())
        .await?;
    writer.record(
        operation,
        type_name,
        id,
        &serde_json::json!({ "removed": audit::snapshot(&record) }),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(record))
}

/// An indicator as a caller gives it.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct IndicatorFields {
    /// Title in English.
    pub title_en: String,
    /// Title in Ukrainian.
    pub title_uk: String,
    /// Unit.
    pub unit: String,
    /// Baseline value.
    pub baseline: Option<String>,
    /// Baseline year.
    pub baseline_year: Option<i32>,
    /// Target value.
    pub target: Option<String>,
    /// Target year.
    pub target_year: Option<i32>,
    /// Actual value.
    pub actual: Option<String>,
}

fn check_indicator(fields: &IndicatorFields) -> Check {
    let mut check = Check::default();
    check.text("titles.en", &fields.title_en, 300);
    check.text("titles.uk", &fields.title_uk, 300);
    check.text("unit", &fields.unit, 50);
    for (path, value) in [
        ("baseline", &fields.baseline),
        ("target", &fields.target),
        ("actual", &fields.actual),
    ] {
        if let Some(value) = value {
            let digits = value.strip_prefix('-').unwrap_or(value);
            let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
            let decimal = !whole.is_empty()
                && !fraction.is_empty()
                && whole.bytes().all(|b| b.is_ascii_digit())
                && fraction.bytes().all(|b| b.is_ascii_digit())
                && value.len() <= 40;
            if !decimal {
                check.fail(
                    path,
                    UserErrorCode::Invalid,
                    format!("`{path}` must be a decimal number such as 1250.5"),
                );
            }
        }
    }
    for (path, year) in [
        ("baselineYear", fields.baseline_year),
        ("targetYear", fields.target_year),
    ] {
        if let Some(year) = year
            && !(1990..=2100).contains(&year)
        {
            check.fail(
                path,
                UserErrorCode::Invalid,
                format!("`{path}` must be a year between 1990 and 2100"),
            );
        }
    }
    if let (Some(base), Some(target)) = (fields.baseline_year, fields.target_year)
        && target < base
    {
        check.fail(
            "targetYear",
            UserErrorCode::DateOrder,
            "`targetYear` is before `baselineYear`",
        );
    }
    check
}

/// Adds a result indicator to a project.
pub async fn add_indicator(
    db: &DatabaseConnection,
    principal: &Principal,
    project_id: i64,
    fields: IndicatorFields,
    idempotency: Option<Idempotency>,
) -> Result<Outcome<indicator::Model>> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency.replay::<indicator::Entity>(&writer).await?
    {
        return Ok(first);
    }
    if let Err(refusal) = project_for_change(writer.txn(), principal, project_id, None).await? {
        return Ok(refused(refusal));
    }
    let check = check_indicator(&fields);
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let now = Utc::now();
    let created = indicator::ActiveModel {
        id: sea_orm::NotSet,
        project_id: Set(project_id),
        title_en: Set(fields.title_en),
        title_uk: Set(fields.title_uk),
        unit: Set(fields.unit),
        baseline: Set(fields.baseline),
        baseline_year: Set(fields.baseline_year),
        target: Set(fields.target),
        target_year: Set(fields.target_year),
        actual: Set(fields.actual),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(writer.txn())
    .await?;
    if let Some(idempotency) = &idempotency {
        idempotency.remember(&writer, created.id).await?;
    }
    writer.record(
        "addIndicator",
        "Indicator",
        created.id,
        &audit::snapshot(&created),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(created))
}

/// Changes an indicator (typically its actual value).
pub async fn update_indicator(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    expected_version: i32,
    change: impl FnOnce(&mut IndicatorFields),
) -> Result<Outcome<indicator::Model>> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    let Some(before) = indicator::Entity::find_by_id(id).one(writer.txn()).await? else {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::NotFound,
            "`id` names no indicator",
        ));
    };
    if let Err(refusal) =
        project_for_change(writer.txn(), principal, before.project_id, None).await?
    {
        return Ok(refused(refusal));
    }
    if let Some(stale) = stale_version("indicator", expected_version, before.version) {
        return Ok(stale);
    }
    let mut fields = IndicatorFields {
        title_en: before.title_en.clone(),
        title_uk: before.title_uk.clone(),
        unit: before.unit.clone(),
        baseline: before.baseline.clone(),
        baseline_year: before.baseline_year,
        target: before.target.clone(),
        target_year: before.target_year,
        actual: before.actual.clone(),
    };
    change(&mut fields);
    let check = check_indicator(&fields);
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let mut active: indicator::ActiveModel = before.clone().into();
    active.title_en = Set(fields.title_en);
    active.title_uk = Set(fields.title_uk);
    active.unit = Set(fields.unit);
    active.baseline = Set(fields.baseline);
    active.baseline_year = Set(fields.baseline_year);
    active.target = Set(fields.target);
    active.target_year = Set(fields.target_year);
    active.actual = Set(fields.actual);
    active.version = Set(before.version + 1);
    active.updated_at = Set(Utc::now());
    let result = indicator::Entity::update_many()
        .set(active)
        .filter(indicator::Column::Id.eq(id))
        .filter(indicator::Column::Version.eq(expected_version))
        .exec(writer.txn())
        .await?;
    if result.rows_affected != 1 {
        return Ok(Outcome::refuse(
            "expectedVersion",
            UserErrorCode::Conflict,
            "the indicator changed meanwhile",
        ));
    }
    let after = indicator::Entity::find_by_id(id)
        .one(writer.txn())
        .await?
        .ok_or_else(|| AppError::internal("updated indicator vanished"))?;
    writer.record(
        "updateIndicator",
        "Indicator",
        id,
        &audit::diff(&before, &after),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(after))
}

/// Links a document to a project.
pub async fn add_document(
    db: &DatabaseConnection,
    principal: &Principal,
    project_id: i64,
    category: String,
    title: String,
    url: String,
    language: String,
    idempotency: Option<Idempotency>,
) -> Result<Outcome<document_link::Model>> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency.replay::<document_link::Entity>(&writer).await?
    {
        return Ok(first);
    }
    if let Err(refusal) = project_for_change(writer.txn(), principal, project_id, None).await? {
        return Ok(refused(refusal));
    }
    let mut check = Check::default();
    check.code_in(
        "category",
        &category,
        codelists::DOCUMENT_CATEGORIES,
        "an IATI document category",
    );
    check.text("title", &title, 300);
    check.text("url", &url, 2_000);
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        check.fail(
            "url",
            UserErrorCode::Invalid,
            "`url` must be an http(s) address",
        );
    }
    check.code_in(
        "language",
        &language,
        codelists::LANGUAGES,
        "an ISO 639-1 language code",
    );
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let now = Utc::now();
    let created = document_link::ActiveModel {
        id: sea_orm::NotSet,
        project_id: Set(project_id),
        category: Set(category),
        title: Set(title),
        url: Set(url),
        language: Set(language),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(writer.txn())
    .await?;
    if let Some(idempotency) = &idempotency {
        idempotency.remember(&writer, created.id).await?;
    }
    writer.record(
        "addDocumentLink",
        "DocumentLink",
        created.id,
        &audit::snapshot(&created),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(created))
}
