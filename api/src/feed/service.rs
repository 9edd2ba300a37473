//! Which changes a caller may read.
//!
//! The feed is the audit trail: sequence numbers are handed out under the lock
//! on the chain head and committed before the next writer gets one, so they
//! become visible in sequence order, without gaps. Reading on from the last
//! sequence number seen therefore never misses and never repeats a change.

use entity::{
    affiliation, assistance_match, assistance_need, assistance_offer, audit_event, cluster,
    document_link, funding, indicator, member, member_identifier, participant, partnership,
    project, responsibility,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select,
};

use crate::audit::service::sort_key;
use crate::auth::Principal;
use crate::error::{AppError, Result};
use crate::loader::Table;
use crate::pagination::{Cursor, Direction, SortValue};
use crate::sql;

/// The types of records whose changes the feed carries.
pub const ENTITY_TYPES: [&str; 14] = [
    "Project",
    "Member",
    "MemberIdentifier",
    "Affiliation",
    "Participant",
    "Funding",
    "Indicator",
    "DocumentLink",
    "AssistanceOffer",
    "AssistanceNeed",
    "AssistanceMatch",
    "Partnership",
    "Cluster",
    "Responsibility",
];

/// Changes to records of type `type_name` that `principal` may see now.
fn of<E: Table>(type_name: &'static str, principal: &Principal) -> Condition {
    let visible = E::find_visible(principal)
        .select_only()
        .column(E::id_column())
        .into_query();
    Condition::all()
        .add(audit_event::Column::EntityType.eq(type_name))
        .add(sql::in_select("audit_event", "entity_id", visible))
}

/// The changes `principal` may read: everything for the secretariat, analysts
/// and administrators; for others, the changes of records they may see now
/// (published projects and what belongs to them, active members, public
/// offers, needs, matches and partnerships). Changes of records since removed
/// are not shown to them.
pub fn readable(principal: &Principal) -> Condition {
    if principal.sees_everything() {
        return Condition::all();
    }
    Condition::any()
        .add(of::<project::Entity>("Project", principal))
        .add(of::<member::Entity>("Member", principal))
        .add(of::<member_identifier::Entity>(
            "MemberIdentifier",
            principal,
        ))
        .add(of::<affiliation::Entity>("Affiliation", principal))
        .add(of::<participant::Entity>("Participant", principal))
        .add(of::<funding::Entity>("Funding", principal))
        .add(of::<indicator::Entity>("Indicator", principal))
        .add(of::<document_link::Entity>("DocumentLink", principal))
        .add(of::<assistance_offer::Entity>("AssistanceOffer", principal))
        .add(of::<assistance_need::Entity>("AssistanceNeed", principal))
        .add(of::<assistance_match::Entity>("AssistanceMatch", principal))
        .add(of::<partnership::Entity>("Partnership", principal))
        .add(of::<cluster::Entity>("Cluster", principal))
        .add(of::<responsibility::Entity>("Responsibility", principal))
}

/// The changes `principal` may read, of `entity_types` (all when empty).
pub fn changes(principal: &Principal, entity_types: &[String]) -> Select<audit_event::Entity> {
    let mut select = audit_event::Entity::find().filter(readable(principal));
    if !entity_types.is_empty() {
        select = select
            .filter(audit_event::Column::EntityType.is_in(entity_types.iter().map(String::as_str)));
    }
    select
}

/// The recorded changes as `principal` may read them: contact details of
/// members whose contact the caller may not see are left out.
pub fn redacted(principal: &Principal, event: &audit_event::Model) -> serde_json::Value {
    let mut changes: serde_json::Value =
        serde_json::from_str(&event.changes).unwrap_or(serde_json::Value::Null);
    if event.entity_type == "Member"
        && !principal.sees_contact_of(event.entity_id)
        && let Some(fields) = changes.as_object_mut()
    {
        fields.retain(|name, _| !name.starts_with("contact"));
    }
    changes
}

/// The cursor that reads on after the change with sequence number `seq`: the
/// same string the `changes` list gives as the change's edge cursor.
pub fn cursor_of(seq: i64) -> String {
    Cursor {
        key: sort_key(Direction::Asc).name.to_owned(),
        value: SortValue::Int(seq),
        id: seq,
    }
    .encode()
}

/// The sequence number a stored `changes` cursor points at (0 when none).
pub fn seq_of(cursor: Option<&str>, argument: &str) -> Result<i64> {
    let Some(text) = cursor else {
        return Ok(0);
    };
    let cursor = Cursor::decode(text, argument)?;
    match cursor.value {
        SortValue::Int(seq) if cursor.key == sort_key(Direction::Asc).name && seq >= 0 => Ok(seq),
        _ => Err(AppError::bad_input(
            argument,
            format!("`{argument}` is not a cursor of the change feed"),
        )),
    }
}

/// Up to `limit` changes `principal` may read after sequence number `after`,
/// of `entity_types` (all when empty), in commit order.
pub async fn read_after(
    db: &impl ConnectionTrait,
    principal: &Principal,
    entity_types: &[String],
    after: i64,
    limit: u64,
) -> Result<Vec<audit_event::Model>> {
    Ok(changes(principal, entity_types)
        .filter(audit_event::Column::Seq.gt(after))
        .order_by_asc(audit_event::Column::Seq)
        .limit(limit)
        .all(db)
        .await?)
}

/// Checks `entity_types` against [`ENTITY_TYPES`].
pub fn check_entity_types(entity_types: &[String]) -> Result<()> {
    match entity_types
        .iter()
        .find(|t| !ENTITY_TYPES.contains(&t.as_str()))
    {
        Some(unknown) => Err(AppError::bad_input(
            "entityTypes",
            format!(
                "`entityTypes` holds {unknown:?}, which is not one of {}",
                ENTITY_TYPES.join(", ")
            ),
        )),
        None => Ok(()),
    }
}
