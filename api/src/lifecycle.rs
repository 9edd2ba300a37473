//! Status changes along documented life cycles, the same way for every record
//! that has one: authorise, check the expected version, check that the move is
//! allowed from the current status, write, audit — in one transaction.

use chrono::Utc;
use entity::{assistance_need, assistance_offer, member, partnership};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, ModelTrait, QueryFilter, Value};

use crate::audit::service::{self as audit, Actor, Writer};
use crate::auth::Principal;
use crate::error::{AppError, Result};
use crate::loader::Table;
use crate::validation::{Outcome, UserErrorCode, stale_version};

/// A record with a status, a version and an owning member.
pub trait Lifecycle: Table {
    /// GraphQL type name, for messages and the audit trail.
    const TYPE: &'static str;
    /// The status column.
    fn status_column() -> Self::Column;
    /// The version column.
    fn version_column() -> Self::Column;
    /// The last-change column.
    fn updated_at_column() -> Self::Column;
    /// The members whose editors may move the record.
    fn owners(model: &Self::Model) -> Vec<i64>;
    /// The member whose editor proposed the record, for records that are proposals.
    fn proposer(_model: &Self::Model) -> Option<i64> {
        None
    }
}

/// Who may make a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// Coordinators and administrators only.
    Secretariat,
    /// The owning member's editors, coordinators and administrators.
    OwnerOrSecretariat,
}

fn text(value: Value) -> String {
    match value {
        Value::String(Some(s)) => s,
        _ => String::new(),
    }
}

fn int(value: Value) -> i64 {
    match value {
        Value::Int(Some(v)) => i64::from(v),
        Value::BigInt(Some(v)) => v,
        _ => -1,
    }
}

/// Whether `principal` may act as `who` on a record owned by `owners`.
pub fn authorise(principal: &Principal, who: Who, owners: &[i64]) -> Result<Actor> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let secretariat = principal.is_secretariat();
    let owns = principal
        .own_member()
        .is_some_and(|own| owners.contains(&own));
    match who {
        _ if secretariat => Ok(actor),
        Who::OwnerOrSecretariat if owns => Ok(actor),
        _ => Err(AppError::Forbidden),
    }
}

/// Moves record `id` of `E` to status `target` if `(current, target)` is one of `moves`.
#[allow(clippy::too_many_arguments)]
pub async fn transition<E: Lifecycle>(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    expected_version: i32,
    operation: &str,
    moves: &[(&str, &str)],
    target: &str,
    who: Who,
    also: Vec<(E::Column, Expr)>,
) -> Result<Outcome<E::Model>> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    let not_found = || {
        Outcome::refuse(
            "id",
            UserErrorCode::NotFound,
            format!("`id` names no {}", E::TYPE),
        )
    };
    let Some(before) = E::find_by_id_visible(principal, id)
        .one(writer.txn())
        .await?
    else {
        return Ok(not_found());
    };
    authorise(principal, who, &E::owners(&before))?;
    let version = i32::try_from(int(before.get(E::version_column()))).unwrap_or(-1);
    if let Some(stale) = stale_version(E::TYPE, expected_version, version) {
        return Ok(stale);
    }
    let current = text(before.get(E::status_column()));
    // A proposal is answered by the other side (or the secretariat), never by its proposer alone.
    if current == "PROPOSED"
        && principal.own_member().is_some()
        && principal.own_member() == E::proposer(&before)
    {
        return Err(AppError::Forbidden);
    }
    if !moves
        .iter()
        .any(|(from, to)| *from == current && *to == target)
    {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::InvalidTransition,
            format!(
                "a {} that is {} cannot become {}",
                E::TYPE,
                current.to_lowercase(),
                target.to_lowercase()
            ),
        ));
    }
    let mut update = E::update_many();
    for (column, value) in also {
        update = update.col_expr(column, value);
    }
    let result = update
        .col_expr(E::status_column(), Expr::value(target))
        .col_expr(E::version_column(), Expr::value(expected_version + 1))
        .col_expr(E::updated_at_column(), Expr::value(Utc::now()))
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(expected_version))
        .exec(writer.txn())
        .await?;
    if result.rows_affected != 1 {
        return Ok(Outcome::refuse(
            "expectedVersion",
            UserErrorCode::Conflict,
            format!("the {} changed meanwhile", E::TYPE),
        ));
    }
    let after = E::find()
        .filter(E::id_column().eq(id))
        .one(writer.txn())
        .await?
        .ok_or_else(|| AppError::internal("moved record vanished"))?;
    writer.record(operation, E::TYPE, id, &audit::diff(&before, &after))?;
    writer.commit().await?;
    Ok(Outcome::Done(after))
}

/// Extension: find a record by id among those `principal` may see.
pub trait FindVisible: Table {
    /// The record `id` if `principal` may see it.
    fn find_by_id_visible(principal: &Principal, id: i64) -> sea_orm::Select<Self> {
        Self::find_visible(principal).filter(Self::id_column().eq(id))
    }
}

impl<E: Table> FindVisible for E {}

macro_rules! lifecycle {
    ($entity:ident, $type_name:literal, $owners:expr) => {
        lifecycle!($entity, $type_name, $owners, |_| None);
    };
    ($entity:ident, $type_name:literal, $owners:expr, $proposer:expr) => {
        impl Lifecycle for $entity::Entity {
            const TYPE: &'static str = $type_name;
            fn status_column() -> $entity::Column {
                $entity::Column::Status
            }
            fn version_column() -> $entity::Column {
                $entity::Column::Version
            }
            fn updated_at_column() -> $entity::Column {
                $entity::Column::UpdatedAt
            }
            fn owners(model: &$entity::Model) -> Vec<i64> {
                let owners: fn(&$entity::Model) -> Vec<i64> = $owners;
                owners(model)
            }
            fn proposer(model: &$entity::Model) -> Option<i64> {
                let proposer: fn(&$entity::Model) -> Option<i64> = $proposer;
                proposer(model)
            }
        }
    };
}

lifecycle!(member, "Member", |m| vec![m.id]);
lifecycle!(assistance_offer, "AssistanceOffer", |o| vec![o.member_id]);
lifecycle!(assistance_need, "AssistanceNeed", |n| vec![n.member_id]);
lifecycle!(
    partnership,
    "Partnership",
    |p| vec![p.eu_member_id, p.ua_member_id],
    |p| p.proposed_by_member_id
);
