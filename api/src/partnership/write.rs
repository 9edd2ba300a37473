//! Writing partnerships and clusters. Status changes of partnerships go
//! through [`crate::lifecycle`].

use chrono::{NaiveDate, Utc};
use entity::{cluster, member, partnership};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::audit::idempotency::Idempotency;
use crate::audit::service::{self as audit, Writer};
use crate::auth::Principal;
use crate::error::{AppError, Result};
use crate::lifecycle::{Who, authorise};
use crate::loader::find_visible_by_id;
use crate::validation::{Check, Outcome, UserErrorCode, stale_version};

/// A partnership as a caller proposes it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PartnershipFields {
    /// The EU side.
    pub eu_member_id: i64,
    /// The Ukrainian side.
    pub ua_member_id: i64,
    /// Kind code.
    pub kind: String,
    /// Start date.
    pub since: Option<NaiveDate>,
    /// Where it is documented.
    pub source: Option<String>,
    /// Cluster.
    pub cluster_id: Option<i64>,
}

/// Proposes a partnership between an EU member and a Ukrainian member (either
/// side's editors, the secretariat).
pub async fn propose(
    db: &DatabaseConnection,
    principal: &Principal,
    fields: PartnershipFields,
    idempotency: Option<Idempotency>,
) -> Result<Outcome<partnership::Model>> {
    let actor = authorise(
        principal,
        Who::OwnerOrSecretariat,
        &[fields.eu_member_id, fields.ua_member_id],
    )?;
    let mut writer = Writer::begin(db, actor).await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency.replay::<partnership::Entity>(&writer).await?
    {
        return Ok(first);
    }
    let mut check = Check::default();
    let eu =
        find_visible_by_id::<member::Entity>(writer.txn(), principal, fields.eu_member_id).await?;
    let ua =
        find_visible_by_id::<member::Entity>(writer.txn(), principal, fields.ua_member_id).await?;
    match &eu {
        None => check.fail(
            "euMemberId",
            UserErrorCode::NotFound,
            "`euMemberId` names no member",
        ),
        Some(m) if m.country.as_deref() == Some("UA") => check.fail(
            "euMemberId",
            UserErrorCode::Invalid,
            "the EU side must not be a Ukrainian member",
        ),
        Some(_) => {}
    }
    match &ua {
        None => check.fail(
            "uaMemberId",
            UserErrorCode::NotFound,
            "`uaMemberId` names no member",
        ),
        Some(m) if m.country.as_deref() != Some("UA") => check.fail(
            "uaMemberId",
            UserErrorCode::Invalid,
            "the Ukrainian side must be a Ukrainian member",
        ),
        Some(_) => {}
    }
    if let Some(source) = &fields.source {
        check.max_len("source", source, 500);
    }
    if let Some(cluster_id) = fields.cluster_id {
        match cluster::Entity::find_by_id(cluster_id)
            .one(writer.txn())
            .await?
        {
            None => check.fail(
                "clusterId",
                UserErrorCode::NotFound,
                "`clusterId` names no cluster",
            ),
            Some(c) if c.focus_member_id != fields.ua_member_id => check.fail(
                "clusterId",
                UserErrorCode::Invalid,
                "the cluster forms around another Ukrainian member",
            ),
            Some(_) => {}
        }
    }
    let existing = partnership::Entity::find()
        .filter(partnership::Column::EuMemberId.eq(fields.eu_member_id))
        .filter(partnership::Column::UaMemberId.eq(fields.ua_member_id))
        .filter(partnership::Column::Kind.eq(fields.kind.as_str()))
        .filter(partnership::Column::Status.ne("ENDED"))
        .one(writer.txn())
        .await?;
    if existing.is_some() {
        check.fail(
            "kind",
            UserErrorCode::Duplicate,
            "these members already have a partnership of this kind",
        );
    }
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let now = Utc::now();
    let created = partnership::ActiveModel {
        id: sea_orm::NotSet,
        eu_member_id: Set(fields.eu_member_id),
        ua_member_id: Set(fields.ua_member_id),
        kind: Set(fields.kind),
        status: Set("PROPOSED".into()),
        since: Set(fields.since),
        source: Set(fields.source),
        proposed_by_member_id: Set(principal.own_member()),
        cluster_id: Set(fields.cluster_id),
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
        "proposePartnership",
        "Partnership",
        created.id,
        &audit::snapshot(&created),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(created))
}

/// Forms a cluster around a Ukrainian member (its editors, the secretariat).
pub async fn create_cluster(
    db: &DatabaseConnection,
    principal: &Principal,
    slug: String,
    name: String,
    description: String,
    focus_member_id: i64,
    idempotency: Option<Idempotency>,
) -> Result<Outcome<cluster::Model>> {
    let actor = authorise(principal, Who::OwnerOrSecretariat, &[focus_member_id])?;
    let mut writer = Writer::begin(db, actor).await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency.replay::<cluster::Entity>(&writer).await?
    {
        return Ok(first);
    }
    let mut check = Check::default();
    let slug_ok = (2..=64).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug_ok {
        check.fail(
            "slug",
            UserErrorCode::Invalid,
            "`slug` must have 2 to 64 characters: a–z, 0–9 and hyphens",
        );
    } else if cluster::Entity::find()
        .filter(cluster::Column::Slug.eq(slug.as_str()))
        .one(writer.txn())
        .await?
        .is_some()
    {
        check.fail(
            "slug",
            UserErrorCode::Duplicate,
            format!("the slug {slug:?} is not available: choose another"),
        );
    }
    check.text("name", &name, 200);
    check.max_len("description", &description, 5_000);
    match find_visible_by_id::<member::Entity>(writer.txn(), principal, focus_member_id).await? {
        None => check.fail(
            "focusMemberId",
            UserErrorCode::NotFound,
            "`focusMemberId` names no member",
        ),
        Some(m) if m.country.as_deref() != Some("UA") => check.fail(
            "focusMemberId",
            UserErrorCode::Invalid,
            "a cluster forms around a Ukrainian member",
        ),
        Some(_) => {}
    }
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let now = Utc::now();
    let created = cluster::ActiveModel {
        id: sea_orm::NotSet,
        slug: Set(slug),
        name: Set(name),
        description: Set(description),
        focus_member_id: Set(focus_member_id),
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
        "createCluster",
        "Cluster",
        created.id,
        &audit::snapshot(&created),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(created))
}

/// Puts a partnership into a cluster, or takes it out (`cluster_id` none).
pub async fn assign_to_cluster(
    db: &DatabaseConnection,
    principal: &Principal,
    partnership_id: i64,
    expected_version: i32,
    cluster_id: Option<i64>,
) -> Result<Outcome<partnership::Model>> {
    let actor = crate::audit::service::Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    let Some(before) = partnership::Entity::find_by_id(partnership_id)
        .one(writer.txn())
        .await?
    else {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::NotFound,
            "`id` names no partnership",
        ));
    };
    authorise(
        principal,
        Who::OwnerOrSecretariat,
        &[before.eu_member_id, before.ua_member_id],
    )?;
    if let Some(stale) = stale_version("partnership", expected_version, before.version) {
        return Ok(stale);
    }
    if let Some(id) = cluster_id {
        match cluster::Entity::find_by_id(id).one(writer.txn()).await? {
            None => {
                return Ok(Outcome::refuse(
                    "clusterId",
                    UserErrorCode::NotFound,
                    "`clusterId` names no cluster",
                ));
            }
            Some(c) if c.focus_member_id != before.ua_member_id => {
                return Ok(Outcome::refuse(
                    "clusterId",
                    UserErrorCode::Invalid,
                    "the cluster forms around another Ukrainian member",
                ));
            }
            Some(_) => {}
        }
    }
    let mut active: partnership::ActiveModel = before.clone().into();
    active.cluster_id = Set(cluster_id);
    active.version = Set(before.version + 1);
    active.updated_at = Set(Utc::now());
    let after = active.update(writer.txn()).await?;
    writer.record(
        "assignPartnershipToCluster",
        "Partnership",
        partnership_id,
        &audit::diff(&before, &after),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(after))
}
