//! Partnership and cluster queries and who sees them.

use chrono::{DateTime, Utc};
use entity::{cluster, member, partnership};
use sea_orm::sea_query::{Alias, Expr, JoinType};
use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryTrait, Select};

use crate::auth::Principal;
use crate::loader::{Children, Table};
use crate::member::service::{child_list, oldest_first, visible_member};
use crate::pagination::{Parent, SortKey};

impl Table for partnership::Entity {
    fn id_column() -> partnership::Column {
        partnership::Column::Id
    }
    /// Proposed partnerships are not public; the others are when both sides are.
    fn visible(principal: &Principal) -> Condition {
        if principal.sees_everything() {
            return Condition::all();
        }
        let public = Condition::all()
            .add(partnership::Column::Status.ne("PROPOSED"))
            .add(visible_member("partnership", "eu_member_id", principal))
            .add(visible_member("partnership", "ua_member_id", principal));
        let mut visible = Condition::any().add(public);
        if let Some(own) = principal.own_member() {
            visible = visible
                .add(partnership::Column::EuMemberId.eq(own))
                .add(partnership::Column::UaMemberId.eq(own));
        }
        visible
    }
}

impl Table for cluster::Entity {
    fn id_column() -> cluster::Column {
        cluster::Column::Id
    }
    fn visible(principal: &Principal) -> Condition {
        visible_member("cluster", "focus_member_id", principal)
    }
}

/// Filter of the partnership list.
#[derive(Clone, Debug, Default)]
pub struct PartnershipFilter {
    /// Kinds.
    pub kinds: Vec<String>,
    /// Statuses.
    pub statuses: Vec<String>,
    /// With this member on either side.
    pub member_id: Option<i64>,
    /// In this cluster.
    pub cluster_id: Option<i64>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
}

/// The partnerships matching `filter` that `principal` may see.
pub fn list(principal: &Principal, filter: &PartnershipFilter) -> Select<partnership::Entity> {
    use partnership::Column as C;
    let mut select = partnership::Entity::find_visible(principal);
    if !filter.kinds.is_empty() {
        select = select.filter(C::Kind.is_in(filter.kinds.clone()));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(C::Status.is_in(filter.statuses.clone()));
    }
    if let Some(member) = filter.member_id {
        select = select.filter(
            Condition::any()
                .add(C::EuMemberId.eq(member))
                .add(C::UaMemberId.eq(member)),
        );
    }
    if let Some(cluster) = filter.cluster_id {
        select = select.filter(C::ClusterId.eq(cluster));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(C::UpdatedAt.gte(since));
    }
    select
}

/// The clusters `principal` may see, optionally around one Ukrainian member.
pub fn clusters(
    principal: &Principal,
    focus_member_id: Option<i64>,
    updated_since: Option<DateTime<Utc>>,
) -> Select<cluster::Entity> {
    let mut select = cluster::Entity::find_visible(principal);
    if let Some(member) = focus_member_id {
        select = select.filter(cluster::Column::FocusMemberId.eq(member));
    }
    if let Some(since) = updated_since {
        select = select.filter(cluster::Column::UpdatedAt.gte(since));
    }
    select
}

/// A member's partnerships on either side, oldest first.
pub struct PartnershipsOfMember;

impl Children for PartnershipsOfMember {
    type Entity = partnership::Entity;
    fn select(principal: &Principal) -> Select<partnership::Entity> {
        let mut select = partnership::Entity::find_visible(principal);
        QueryTrait::query(&mut select).join_as(
            JoinType::InnerJoin,
            member::Entity,
            Alias::new("side"),
            Expr::cust("\"side\".\"id\" IN (\"partnership\".\"eu_member_id\", \"partnership\".\"ua_member_id\")"),
        );
        select
    }
    fn parent() -> Parent {
        Parent {
            table: "side",
            column: "id",
        }
    }
    fn sort() -> SortKey<partnership::Entity> {
        oldest_first(partnership::Column::CreatedAt, partnership::Column::Id)
    }
}

child_list!(
    /// A cluster's partnerships, oldest first.
    PartnershipsOfCluster, partnership, "partnership", "cluster_id",
    oldest_first(partnership::Column::CreatedAt, partnership::Column::Id)
);
child_list!(
    /// Clusters formed around a Ukrainian member, oldest first.
    ClustersOfMember, cluster, "cluster", "focus_member_id",
    oldest_first(cluster::Column::CreatedAt, cluster::Column::Id)
);
