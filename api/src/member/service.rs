//! Member queries and the rules of who sees which member.

use chrono::{DateTime, Utc};
use entity::{affiliation, member, member_identifier};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    Select,
};

use crate::auth::Principal;
use crate::error::Result;
use crate::loader::Table;
use crate::pagination::{Direction, SortKey, sort_name};
use crate::sql;
use crate::territory::service::within;

/// Membership statuses visible to everyone; applications and rejections are not public.
pub const PUBLIC_STATUSES: [&str; 3] = ["ACTIVE", "SUSPENDED", "WITHDRAWN"];

impl Table for member::Entity {
    fn id_column() -> member::Column {
        member::Column::Id
    }
    fn visible(principal: &Principal) -> Condition {
        if principal.sees_everything() {
            return Condition::all();
        }
        let mut visible = Condition::any().add(member::Column::Status.is_in(PUBLIC_STATUSES));
        if let Some(own) = principal.own_member() {
            visible = visible.add(member::Column::Id.eq(own));
        }
        visible
    }
}

/// The condition "`table.column` references a member `principal` may see".
pub fn visible_member(table: &str, column: &str, principal: &Principal) -> Condition {
    if principal.sees_everything() {
        return Condition::all();
    }
    let statuses = PUBLIC_STATUSES.map(|s| format!("'{s}'")).join(", ");
    let own = principal
        .own_member()
        .map(|id| format!(" OR vm.id = {id}"))
        .unwrap_or_default();
    Condition::all().add(Expr::cust(format!(
        "EXISTS (SELECT 1 FROM member vm WHERE vm.id = \"{table}\".\"{column}\" AND (vm.status IN ({statuses}){own}))"
    )))
}

impl Table for member_identifier::Entity {
    fn id_column() -> member_identifier::Column {
        member_identifier::Column::Id
    }
    fn visible(principal: &Principal) -> Condition {
        visible_member("member_identifier", "member_id", principal)
    }
}

impl Table for affiliation::Entity {
    fn id_column() -> affiliation::Column {
        affiliation::Column::Id
    }
    fn visible(principal: &Principal) -> Condition {
        visible_member("affiliation", "member_id", principal).add(visible_member(
            "affiliation",
            "association_id",
            principal,
        ))
    }
}

/// Filter of the member list.
#[derive(Clone, Debug, Default)]
pub struct MemberFilter {
    /// Kinds.
    pub kinds: Vec<String>,
    /// ISO 3166-1 countries.
    pub countries: Vec<String>,
    /// Alliance roles.
    pub alliance_roles: Vec<String>,
    /// Membership statuses.
    pub statuses: Vec<String>,
    /// Seated in this territory or below it.
    pub territory_id: Option<i64>,
    /// Affiliated to this association.
    pub association_id: Option<i64>,
    /// Name or acronym contains.
    pub name_contains: Option<String>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Orderings of the member list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberOrder {
    /// English name.
    Name,
    /// Slug.
    Slug,
    /// Creation.
    CreatedAt,
    /// Last change.
    UpdatedAt,
}

/// The sort key of an ordering.
pub fn sort_key(order: MemberOrder, direction: Direction) -> SortKey<member::Entity> {
    let (name, column) = match order {
        MemberOrder::Name => (sort_name!("NAME", direction), member::Column::NameEn),
        MemberOrder::Slug => (sort_name!("SLUG", direction), member::Column::Slug),
        MemberOrder::CreatedAt => (
            sort_name!("CREATED_AT", direction),
            member::Column::CreatedAt,
        ),
        MemberOrder::UpdatedAt => (
            sort_name!("UPDATED_AT", direction),
            member::Column::UpdatedAt,
        ),
    };
    SortKey {
        name,
        column,
        id: member::Column::Id,
        direction,
    }
}

/// The members matching `filter` that `principal` may see.
pub fn list(principal: &Principal, filter: &MemberFilter) -> Select<member::Entity> {
    let mut select = member::Entity::find_visible(principal);
    if !filter.kinds.is_empty() {
        select = select.filter(member::Column::Kind.is_in(filter.kinds.clone()));
    }
    if !filter.countries.is_empty() {
        select = select.filter(member::Column::Country.is_in(filter.countries.clone()));
    }
    if !filter.alliance_roles.is_empty() {
        select = select.filter(member::Column::AllianceRole.is_in(filter.alliance_roles.clone()));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(member::Column::Status.is_in(filter.statuses.clone()));
    }
    if let Some(territory) = filter.territory_id {
        select = select.filter(within("member", "territory_id", territory));
    }
    if let Some(association) = filter.association_id {
        let members = affiliation::Entity::find_visible(principal)
            .filter(affiliation::Column::AssociationId.eq(association))
            .select_only()
            .column(affiliation::Column::MemberId)
            .into_query();
        select = select.filter(sql::in_select("member", "id", members));
    }
    if let Some(text) = &filter.name_contains {
        select = select.filter(sql::contains_text(
            "member",
            &["name_en", "name_uk", "acronym"],
            text,
        ));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(member::Column::UpdatedAt.gte(since));
    }
    select
}

/// The id of the member with `slug`, whatever its status (for resolving tokens).
pub async fn id_by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<i64>> {
    Ok(member::Entity::find()
        .filter(member::Column::Slug.eq(slug))
        .one(db)
        .await?
        .map(|m| m.id))
}

/// The id of the member with `slug` if it is active or applying, and
/// whether it is applying (for resolving editors' tokens).
pub async fn standing_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<(i64, bool)>> {
    Ok(member::Entity::find()
        .filter(member::Column::Slug.eq(slug))
        .filter(member::Column::Status.is_in(["ACTIVE", "APPLIED"]))
        .one(db)
        .await?
        .map(|m| (m.id, m.status == "APPLIED")))
}

/// A visible member by slug.
pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    principal: &Principal,
    slug: &str,
) -> Result<Option<member::Model>> {
    Ok(member::Entity::find_visible(principal)
        .filter(member::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

macro_rules! child_list {
    ($(#[$doc:meta])* $name:ident, $entity:ident, $table:literal, $column:literal, $sort:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl $crate::loader::Children for $name {
            type Entity = $entity::Entity;
            fn select_under_visible(
                principal: &$crate::auth::Principal,
            ) -> sea_orm::Select<$entity::Entity> {
                use sea_orm::{EntityTrait, QueryFilter};
                use $crate::loader::Table;
                $entity::Entity::find()
                    .filter($entity::Entity::visible_under(principal, $column))
            }
            fn through_under_visible() -> Option<$crate::loader::Through> {
                use $crate::loader::Table;
                $entity::Entity::visible_under_through($column)
            }
            fn parent() -> $crate::pagination::Parent {
                $crate::pagination::Parent { table: $table, column: $column }
            }
            fn sort() -> $crate::pagination::SortKey<$entity::Entity> {
                $sort
            }
        }
    };
}
pub(crate) use child_list;

/// Oldest first, by creation time.
pub fn oldest_first<E: EntityTrait>(created_at: E::Column, id: E::Column) -> SortKey<E> {
    SortKey {
        name: "CREATED_AT:ASC",
        column: created_at,
        id,
        direction: Direction::Asc,
    }
}

child_list!(
    /// A member's external identifiers, oldest first.
    IdentifiersOfMember, member_identifier, "member_identifier", "member_id",
    oldest_first(member_identifier::Column::CreatedAt, member_identifier::Column::Id)
);
child_list!(
    /// The associations a member belongs to, oldest affiliation first.
    AffiliationsOfMember, affiliation, "affiliation", "member_id",
    oldest_first(affiliation::Column::CreatedAt, affiliation::Column::Id)
);
child_list!(
    /// The members of an association, oldest affiliation first.
    AffiliatesOfAssociation, affiliation, "affiliation", "association_id",
    oldest_first(affiliation::Column::CreatedAt, affiliation::Column::Id)
);
