//! Writing assistance offers, needs and matches. Status changes that touch one
//! record go through [`crate::lifecycle`]; the ones here create records or
//! move several together.

use chrono::{NaiveDate, Utc};
use entity::{assistance_match, assistance_need, assistance_offer, member, project};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde::Serialize;

use crate::assistance::matching;
use crate::audit::idempotency::Idempotency;
use crate::audit::service::{self as audit, Writer};
use crate::auth::Principal;
use crate::codelists;
use crate::error::{AppError, Result};
use crate::lifecycle::{Who, authorise};
use crate::loader::Table;
use crate::loader::find_visible_by_id;
use crate::validation::{Check, Outcome, UserErrorCode, stale_version};

/// What an offer or a need is made of, as a caller gives it.
#[derive(Clone, Debug, Serialize)]
pub struct AssistanceFields {
    /// The offering or needing member.
    pub member_id: i64,
    /// The project a need is for.
    pub project_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// DAC 5-digit purpose codes.
    pub themes: Vec<String>,
    /// Modality code (required for offers).
    pub modality: Option<String>,
    /// ISO 639-1 languages.
    pub languages: Vec<String>,
    /// Person-days offered or needed.
    pub days: i32,
    /// Window start.
    pub from: Option<NaiveDate>,
    /// Window end.
    pub until: Option<NaiveDate>,
    /// Urgency code (needs only).
    pub urgency: Option<String>,
}

async fn check_fields(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fields: &AssistanceFields,
    until_path: &str,
) -> Result<Check> {
    let mut check = Check::default();
    check.text("title", &fields.title, 200);
    check.text("description", &fields.description, 10_000);
    if fields.themes.is_empty() {
        check.fail(
            "themes",
            UserErrorCode::Required,
            "`themes` needs at least one DAC purpose code",
        );
    }
    for theme in &fields.themes {
        check.code_in(
            "themes",
            theme,
            codelists::DAC_PURPOSE_CODES,
            "an OECD DAC 5-digit purpose code",
        );
    }
    if fields.languages.is_empty() {
        check.fail(
            "languages",
            UserErrorCode::Required,
            "`languages` needs at least one ISO 639-1 code",
        );
    }
    for language in &fields.languages {
        check.code_in(
            "languages",
            language,
            codelists::LANGUAGES,
            "an ISO 639-1 language code",
        );
    }
    if !(1..=10_000).contains(&fields.days) {
        check.fail(
            "days",
            UserErrorCode::Invalid,
            "person-days must be between 1 and 10000",
        );
    }
    check.date_order(until_path, fields.from, fields.until);
    if find_visible_by_id::<member::Entity>(db, principal, fields.member_id)
        .await?
        .is_none()
    {
        check.fail(
            "memberId",
            UserErrorCode::NotFound,
            "`memberId` names no member",
        );
    }
    if let Some(project) = fields.project_id
        && project::Entity::find_visible(principal)
            .filter(project::Column::Id.eq(project))
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
    Ok(check)
}

/// Creates an offer as a draft (its member's editors, the secretariat).
pub async fn create_offer(
    db: &DatabaseConnection,
    principal: &Principal,
    fields: AssistanceFields,
    idempotency: Option<Idempotency>,
) -> Result<Outcome<assistance_offer::Model>> {
    let actor = authorise(principal, Who::OwnerOrSecretariat, &[fields.member_id])?;
    let mut writer = Writer::begin(db, actor).await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency
            .replay::<assistance_offer::Entity>(&writer)
            .await?
    {
        return Ok(first);
    }
    let check = check_fields(writer.txn(), principal, &fields, "availableUntil").await?;
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let now = Utc::now();
    let created = assistance_offer::ActiveModel {
        id: sea_orm::NotSet,
        member_id: Set(fields.member_id),
        title: Set(fields.title),
        description: Set(fields.description),
        themes: Set(entity::list::encode(&fields.themes)),
        modality: Set(fields.modality.unwrap_or_default()),
        languages: Set(entity::list::encode(&fields.languages)),
        capacity_days: Set(fields.days),
        available_from: Set(fields.from),
        available_until: Set(fields.until),
        status: Set("DRAFT".into()),
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
        "createAssistanceOffer",
        "AssistanceOffer",
        created.id,
        &audit::snapshot(&created),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(created))
}

/// Creates a need as a draft (its member's editors, the secretariat).
pub async fn create_need(
    db: &DatabaseConnection,
    principal: &Principal,
    fields: AssistanceFields,
    idempotency: Option<Idempotency>,
) -> Result<Outcome<assistance_need::Model>> {
    let actor = authorise(principal, Who::OwnerOrSecretariat, &[fields.member_id])?;
    let mut writer = Writer::begin(db, actor).await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency
            .replay::<assistance_need::Entity>(&writer)
            .await?
    {
        return Ok(first);
    }
    let check = check_fields(writer.txn(), principal, &fields, "neededUntil").await?;
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let now = Utc::now();
    let created = assistance_need::ActiveModel {
        id: sea_orm::NotSet,
        member_id: Set(fields.member_id),
        project_id: Set(fields.project_id),
        title: Set(fields.title),
        description: Set(fields.description),
        themes: Set(entity::list::encode(&fields.themes)),
        modality: Set(fields.modality),
        languages: Set(entity::list::encode(&fields.languages)),
        days_needed: Set(fields.days),
        needed_from: Set(fields.from),
        needed_until: Set(fields.until),
        urgency: Set(fields.urgency.unwrap_or_else(|| "MEDIUM".into())),
        status: Set("DRAFT".into()),
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
        "createAssistanceNeed",
        "AssistanceNeed",
        created.id,
        &audit::snapshot(&created),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(created))
}

/// Proposes a match of an open offer with an open need (either side's editors,
/// the secretariat). A closed, withdrawn or draft offer or need cannot be matched.
/// The match records the score the pair has now, with its parts, and counts as
/// the proposing side's acceptance.
pub async fn propose_match(
    db: &DatabaseConnection,
    principal: &Principal,
    offer_id: i64,
    need_id: i64,
    idempotency: Option<Idempotency>,
) -> Result<Outcome<assistance_match::Model>> {
    let actor = crate::audit::service::Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency
            .replay::<assistance_match::Entity>(&writer)
            .await?
    {
        return Ok(first);
    }
    let offer =
        find_visible_by_id::<assistance_offer::Entity>(writer.txn(), principal, offer_id).await?;
    let need =
        find_visible_by_id::<assistance_need::Entity>(writer.txn(), principal, need_id).await?;
    let (Some(offer), Some(need)) = (offer, need) else {
        return Ok(Outcome::refuse(
            "offerId",
            UserErrorCode::NotFound,
            "the offer or the need does not exist",
        ));
    };
    authorise(
        principal,
        Who::OwnerOrSecretariat,
        &[offer.member_id, need.member_id],
    )?;
    let mut check = Check::default();
    if offer.status != "OPEN" {
        check.fail(
            "offerId",
            UserErrorCode::InvalidTransition,
            format!("a {} offer cannot be matched", offer.status.to_lowercase()),
        );
    }
    if need.status != "OPEN" {
        check.fail(
            "needId",
            UserErrorCode::InvalidTransition,
            format!("a {} need cannot be matched", need.status.to_lowercase()),
        );
    }
    let pending = assistance_match::Entity::find()
        .filter(assistance_match::Column::OfferId.eq(offer_id))
        .filter(assistance_match::Column::NeedId.eq(need_id))
        .filter(assistance_match::Column::Status.is_in(["PROPOSED", "ACCEPTED", "ACTIVE"]))
        .one(writer.txn())
        .await?;
    if pending.is_some() {
        check.fail(
            "needId",
            UserErrorCode::Duplicate,
            "this offer and need are already matched",
        );
    }
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let now = Utc::now();
    let score = matching::score_pair(writer.txn(), &offer, &need).await?;
    let own = principal.own_member();
    let created = assistance_match::ActiveModel {
        id: sea_orm::NotSet,
        offer_id: Set(offer_id),
        need_id: Set(need_id),
        status: Set("PROPOSED".into()),
        score_milli: Set(score.total),
        score_parts: Set(serde_json::to_string(&score.parts)
            .map_err(|e| AppError::internal(format!("score parts: {e}")))?),
        offer_accepted_at: Set((own == Some(offer.member_id)).then_some(now)),
        need_accepted_at: Set((own == Some(need.member_id)).then_some(now)),
        proposed_by_member_id: Set(own),
        outcome: Set(None),
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
        "proposeMatch",
        "AssistanceMatch",
        created.id,
        &audit::snapshot(&created),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(created))
}

/// Moves a match along its life cycle (either side's editors, the secretariat):
/// `PROPOSED → ACCEPTED | DECLINED`, `ACCEPTED → ACTIVE | CANCELLED`,
/// `ACTIVE → COMPLETED | CANCELLED`. On acceptance its offer and need become
/// MATCHED in the same transaction; on completion the outcome is recorded.
#[allow(clippy::too_many_arguments)]
pub async fn move_match(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    expected_version: i32,
    operation: &str,
    from: &[&str],
    to: &str,
    outcome: Option<String>,
) -> Result<Outcome<assistance_match::Model>> {
    let actor = crate::audit::service::Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    let Some(before) = assistance_match::Entity::find_by_id(id)
        .one(writer.txn())
        .await?
    else {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::NotFound,
            "`id` names no match",
        ));
    };
    let offer = assistance_offer::Entity::find_by_id(before.offer_id)
        .one(writer.txn())
        .await?;
    let need = assistance_need::Entity::find_by_id(before.need_id)
        .one(writer.txn())
        .await?;
    let (Some(offer), Some(need)) = (offer, need) else {
        return Err(AppError::internal("match without its offer or need"));
    };
    authorise(
        principal,
        Who::OwnerOrSecretariat,
        &[offer.member_id, need.member_id],
    )?;
    // Acceptance is the other side's answer: the proposer cannot accept alone.
    if to == "ACCEPTED"
        && principal.own_member().is_some()
        && principal.own_member() == before.proposed_by_member_id
    {
        return Err(AppError::Forbidden);
    }
    if let Some(stale) = stale_version("match", expected_version, before.version) {
        return Ok(stale);
    }
    if !from.contains(&before.status.as_str()) {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::InvalidTransition,
            format!(
                "a {} match cannot become {}",
                before.status.to_lowercase(),
                to.to_lowercase()
            ),
        ));
    }
    let now = Utc::now();
    let mut active: assistance_match::ActiveModel = before.clone().into();
    // Acceptance is per side: each side's editors accept for their side, the
    // secretariat for both; the match is ACCEPTED once both sides have.
    let mut target = to;
    if to == "ACCEPTED" {
        let secretariat = principal.is_secretariat();
        let own = principal.own_member();
        let for_offer = secretariat || own == Some(offer.member_id);
        let for_need = secretariat || own == Some(need.member_id);
        let offer_accepted = before.offer_accepted_at.is_some() || for_offer;
        let need_accepted = before.need_accepted_at.is_some() || for_need;
        if (!for_offer || before.offer_accepted_at.is_some())
            && (!for_need || before.need_accepted_at.is_some())
        {
            return Ok(Outcome::refuse(
                "id",
                UserErrorCode::InvalidTransition,
                "your side has already accepted this match; it waits for the other side",
            ));
        }
        if for_offer && before.offer_accepted_at.is_none() {
            active.offer_accepted_at = Set(Some(now));
        }
        if for_need && before.need_accepted_at.is_none() {
            active.need_accepted_at = Set(Some(now));
        }
        if !(offer_accepted && need_accepted) {
            target = "PROPOSED";
        }
    }
    let mut check = Check::default();
    if let Some(text) = &outcome {
        check.text("outcome", text, 10_000);
    }
    if target == "ACCEPTED" {
        if offer.status != "OPEN" {
            check.fail(
                "id",
                UserErrorCode::InvalidTransition,
                format!(
                    "the offer is {} and cannot be matched",
                    offer.status.to_lowercase()
                ),
            );
        }
        if need.status != "OPEN" {
            check.fail(
                "id",
                UserErrorCode::InvalidTransition,
                format!(
                    "the need is {} and cannot be matched",
                    need.status.to_lowercase()
                ),
            );
        }
    }
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    active.status = Set(target.to_owned());
    if outcome.is_some() {
        active.outcome = Set(outcome);
    }
    active.version = Set(before.version + 1);
    active.updated_at = Set(now);
    let after = active.update(writer.txn()).await?;
    writer.record(
        operation,
        "AssistanceMatch",
        id,
        &audit::diff(&before, &after),
    )?;
    // Accepting matches the offer and the need; cancelling reopens them.
    let (from_status, to_status) = match target {
        "ACCEPTED" => ("OPEN", "MATCHED"),
        "CANCELLED" => ("MATCHED", "OPEN"),
        _ => ("", ""),
    };
    if offer.status == from_status {
        let mut o: assistance_offer::ActiveModel = offer.clone().into();
        o.status = Set(to_status.into());
        o.version = Set(offer.version + 1);
        o.updated_at = Set(now);
        let o = o.update(writer.txn()).await?;
        writer.record(operation, "AssistanceOffer", o.id, &audit::diff(&offer, &o))?;
    }
    if need.status == from_status {
        let mut n: assistance_need::ActiveModel = need.clone().into();
        n.status = Set(to_status.into());
        n.version = Set(need.version + 1);
        n.updated_at = Set(now);
        let n = n.update(writer.txn()).await?;
        writer.record(operation, "AssistanceNeed", n.id, &audit::diff(&need, &n))?;
    }
    writer.commit().await?;
    Ok(Outcome::Done(after))
}

/// Changes an offer's fields (its member's editors, the secretariat); closed
/// and withdrawn offers are kept as they were.
pub async fn update_offer(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    expected_version: i32,
    change: impl FnOnce(&mut AssistanceFields),
) -> Result<Outcome<assistance_offer::Model>> {
    let actor = crate::audit::service::Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    let Some(before) = assistance_offer::Entity::find_by_id(id)
        .one(writer.txn())
        .await?
    else {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::NotFound,
            "`id` names no offer",
        ));
    };
    authorise(principal, Who::OwnerOrSecretariat, &[before.member_id])?;
    if let Some(stale) = stale_version("offer", expected_version, before.version) {
        return Ok(stale);
    }
    if matches!(before.status.as_str(), "CLOSED" | "WITHDRAWN") {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::InvalidTransition,
            format!("a {} offer cannot be changed", before.status.to_lowercase()),
        ));
    }
    let mut fields = AssistanceFields {
        member_id: before.member_id,
        project_id: None,
        title: before.title.clone(),
        description: before.description.clone(),
        themes: entity::list::decode(&before.themes),
        modality: Some(before.modality.clone()),
        languages: entity::list::decode(&before.languages),
        days: before.capacity_days,
        from: before.available_from,
        until: before.available_until,
        urgency: None,
    };
    change(&mut fields);
    let check = check_fields(writer.txn(), principal, &fields, "availableUntil").await?;
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let mut active: assistance_offer::ActiveModel = before.clone().into();
    active.title = Set(fields.title);
    active.description = Set(fields.description);
    active.themes = Set(entity::list::encode(&fields.themes));
    active.modality = Set(fields.modality.unwrap_or(before.modality.clone()));
    active.languages = Set(entity::list::encode(&fields.languages));
    active.capacity_days = Set(fields.days);
    active.available_from = Set(fields.from);
    active.available_until = Set(fields.until);
    active.version = Set(before.version + 1);
    active.updated_at = Set(Utc::now());
    let after = active.update(writer.txn()).await?;
    writer.record(
        "updateAssistanceOffer",
        "AssistanceOffer",
        id,
        &audit::diff(&before, &after),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(after))
}

/// Changes a need's fields (its member's editors, the secretariat); closed and
/// withdrawn needs are kept as they were.
pub async fn update_need(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    expected_version: i32,
    change: impl FnOnce(&mut AssistanceFields),
) -> Result<Outcome<assistance_need::Model>> {
    let actor = crate::audit::service::Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    let Some(before) = assistance_need::Entity::find_by_id(id)
        .one(writer.txn())
        .await?
    else {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::NotFound,
            "`id` names no need",
        ));
    };
    authorise(principal, Who::OwnerOrSecretariat, &[before.member_id])?;
    if let Some(stale) = stale_version("need", expected_version, before.version) {
        return Ok(stale);
    }
    if matches!(before.status.as_str(), "CLOSED" | "WITHDRAWN") {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::InvalidTransition,
            format!("a {} need cannot be changed", before.status.to_lowercase()),
        ));
    }
    let mut fields = AssistanceFields {
        member_id: before.member_id,
        project_id: before.project_id,
        title: before.title.clone(),
        description: before.description.clone(),
        themes: entity::list::decode(&before.themes),
        modality: before.modality.clone(),
        languages: entity::list::decode(&before.languages),
        days: before.days_needed,
        from: before.needed_from,
        until: before.needed_until,
        urgency: Some(before.urgency.clone()),
    };
    change(&mut fields);
    let check = check_fields(writer.txn(), principal, &fields, "neededUntil").await?;
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let mut active: assistance_need::ActiveModel = before.clone().into();
    active.project_id = Set(fields.project_id);
    active.title = Set(fields.title);
    active.description = Set(fields.description);
    active.themes = Set(entity::list::encode(&fields.themes));
    active.modality = Set(fields.modality);
    active.languages = Set(entity::list::encode(&fields.languages));
    active.days_needed = Set(fields.days);
    active.needed_from = Set(fields.from);
    active.needed_until = Set(fields.until);
    active.urgency = Set(fields.urgency.unwrap_or(before.urgency.clone()));
    active.version = Set(before.version + 1);
    active.updated_at = Set(Utc::now());
    let after = active.update(writer.txn()).await?;
    writer.record(
        "updateAssistanceNeed",
        "AssistanceNeed",
        id,
        &audit::diff(&before, &after),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(after))
}
