//! Writing governance responsibilities.

use chrono::{NaiveDate, Utc};
use entity::{member, project, responsibility, territory};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde::Serialize;

use crate::audit::idempotency::Idempotency;
use crate::audit::service::{self as audit, Actor, Writer};
use crate::auth::Principal;
use crate::error::{AppError, Result};
use crate::lifecycle::{Who, authorise};
use crate::loader::find_visible_by_id;
use crate::validation::{Check, Outcome, UserErrorCode, stale_version};

/// A responsibility as a caller gives it.
#[derive(Clone, Debug, Serialize)]
pub struct ResponsibilityFields {
    /// Function code.
    pub function: String,
    /// Phase code.
    pub phase: String,
    /// Level code.
    pub level: String,
    /// The actor.
    pub actor_id: i64,
    /// RACI code.
    pub raci: String,
    /// OECD principle numbers.
    pub principles: Vec<i32>,
    /// Legal basis.
    pub legal_basis: Option<String>,
    /// Validity start.
    pub valid_from: Option<NaiveDate>,
    /// Validity end.
    pub valid_until: Option<NaiveDate>,
    /// Scope: a project.
    pub project_id: Option<i64>,
    /// Scope: a territory (with a theme).
    pub territory_id: Option<i64>,
    /// Scope: a theme within the territory.
    pub theme: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// Who may maintain a responsibility: the secretariat, and for a project's
/// responsibilities that project's owner's editors.
async fn authorise_scope(
    db: &impl ConnectionTrait,
    principal: &Principal,
    project_id: Option<i64>,
) -> Result<Actor> {
    let owners = match project_id {
        Some(id) => project::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|p| vec![p.owner_id])
            .unwrap_or_default(),
        None => Vec::new(),
    };
    authorise(principal, Who::OwnerOrSecretariat, &owners)
}

async fn check(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fields: &ResponsibilityFields,
) -> Result<Check> {
    let mut check = Check::default();
    if find_visible_by_id::<member::Entity>(db, principal, fields.actor_id)
        .await?
        .is_none()
    {
        check.fail(
            "actorId",
            UserErrorCode::NotFound,
            "`actorId` names no member",
        );
    }
    for principle in &fields.principles {
        if !(1..=12).contains(principle) {
            check.fail(
                "principles",
                UserErrorCode::UnknownCode,
                format!("{principle} is not an OECD principle number (1 to 12)"),
            );
        }
    }
    match (fields.project_id, fields.territory_id, &fields.theme) {
        (Some(project), None, None) => {
            if project::Entity::find_by_id(project)
                .one(db)
                .await?
                .is_none()
            {
                check.fail(
                    "projectId",
                    UserErrorCode::NotFound,
                    "`projectId` names no project",
                );
            }
        }
        (None, Some(territory), Some(_)) => {
            if territory::Entity::find_by_id(territory)
                .one(db)
                .await?
                .is_none()
            {
                check.fail(
                    "territoryId",
                    UserErrorCode::NotFound,
                    "`territoryId` names no territory",
                );
            }
        }
        _ => check.fail(
            "projectId",
            UserErrorCode::Required,
            "the scope is either `projectId`, or `territoryId` with `theme`",
        ),
    }
    if let Some(text) = &fields.legal_basis {
        check.max_len("legalBasis", text, 500);
    }
    if let Some(text) = &fields.note {
        check.max_len("note", text, 5_000);
    }
    check.date_order("validUntil", fields.valid_from, fields.valid_until);
    Ok(check)
}

fn principles(numbers: &[i32]) -> String {
    let mut sorted = numbers.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    entity::list::encode(&sorted.iter().map(i32::to_string).collect::<Vec<_>>())
}

/// Records a responsibility.
pub async fn create(
    db: &DatabaseConnection,
    principal: &Principal,
    fields: ResponsibilityFields,
    idempotency: Option<Idempotency>,
) -> Result<Outcome<responsibility::Model>> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency
            .replay::<responsibility::Entity>(&writer)
            .await?
    {
        return Ok(first);
    }
    authorise_scope(writer.txn(), principal, fields.project_id).await?;
    let check = check(writer.txn(), principal, &fields).await?;
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let now = Utc::now();
    let created = responsibility::ActiveModel {
        id: sea_orm::NotSet,
        function: Set(fields.function),
        phase: Set(fields.phase),
        level: Set(fields.level),
        actor_id: Set(fields.actor_id),
        raci: Set(fields.raci),
        principles: Set(principles(&fields.principles)),
        legal_basis: Set(fields.legal_basis),
        valid_from: Set(fields.valid_from),
        valid_until: Set(fields.valid_until),
        project_id: Set(fields.project_id),
        territory_id: Set(fields.territory_id),
        theme: Set(fields.theme),
        note: Set(fields.note),
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
        "createResponsibility",
        "Responsibility",
        created.id,
        &audit::snapshot(&created),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(created))
}

/// Ends a responsibility's validity on `until` (nothing is deleted: the record
/// stays, outside its validity window from then on).
pub async fn end(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    expected_version: i32,
    until: NaiveDate,
) -> Result<Outcome<responsibility::Model>> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    let Some(before) = responsibility::Entity::find_by_id(id)
        .one(writer.txn())
        .await?
    else {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::NotFound,
            "`id` names no responsibility",
        ));
    };
    authorise_scope(writer.txn(), principal, before.project_id).await?;
    if let Some(stale) = stale_version("responsibility", expected_version, before.version) {
        return Ok(stale);
    }
    let mut check = Check::default();
    check.date_order("validUntil", before.valid_from, Some(until));
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let mut active: responsibility::ActiveModel = before.clone().into();
    active.valid_until = Set(Some(until));
    active.version = Set(before.version + 1);
    active.updated_at = Set(Utc::now());
    let after = active.update(writer.txn()).await?;
    writer.record(
        "endResponsibility",
        "Responsibility",
        id,
        &audit::diff(&before, &after),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(after))
}
