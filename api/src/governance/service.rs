//! Responsibility queries and who sees them.

use chrono::{DateTime, Utc};
use entity::{member, oecd_principle, responsibility};
use sea_orm::sea_query::{Alias, Expr, JoinType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait,
    Select,
};

use crate::auth::Principal;
use crate::error::Result;
use crate::loader::{Children, Table, Through, ToOne};
use crate::member::service::{child_list, oldest_first, visible_member};
use crate::pagination::{Parent, SortKey};
use crate::project::service::visible_project;
use crate::territory::service::within;

impl Table for responsibility::Entity {
    fn id_column() -> responsibility::Column {
        responsibility::Column::Id
    }
    /// Visible when its actor is, and its project (if any) is.
    fn visible(principal: &Principal) -> Condition {
        Condition::all()
            .add(visible_member("responsibility", "actor_id", principal))
            .add(
                Condition::any()
                    .add(responsibility::Column::ProjectId.is_null())
                    .add(visible_project("responsibility", "project_id", principal)),
            )
    }
    fn visible_under(principal: &Principal, column: &str) -> Condition {
        match column {
            // The project is there and visible.
            "project_id" => visible_member("responsibility", "actor_id", principal),
            "actor_id" => Condition::any()
                .add(responsibility::Column::ProjectId.is_null())
                .add(visible_project("responsibility", "project_id", principal)),
            _ => Self::visible(principal),
        }
    }
    fn visible_under_through(column: &str) -> Option<Through> {
        (column == "project_id").then(|| Through::of::<member::Entity>("actor_id"))
    }
    fn to_one() -> Vec<ToOne> {
        vec![ToOne::of::<member::Entity>("actor", "actor_id")]
    }
}

impl Table for oecd_principle::Entity {
    fn id_column() -> oecd_principle::Column {
        oecd_principle::Column::Id
    }
    /// Public reference data.
    fn visible(_: &Principal) -> Condition {
        Condition::all()
    }
}

/// Filter of the responsibility list.
#[derive(Clone, Debug, Default)]
pub struct ResponsibilityFilter {
    /// Functions.
    pub functions: Vec<String>,
    /// Phases.
    pub phases: Vec<String>,
    /// Levels.
    pub levels: Vec<String>,
    /// RACI roles.
    pub raci: Vec<String>,
    /// Held by this member.
    pub actor_id: Option<i64>,
    /// Scoped to this project.
    pub project_id: Option<i64>,
    /// Scoped to this territory or one below it.
    pub territory_id: Option<i64>,
    /// Scoped to this theme.
    pub theme: Option<String>,
    /// Serving this OECD principle (1–12).
    pub principle: Option<i64>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
}

/// The responsibilities matching `filter` that `principal` may see.
pub fn list(
    principal: &Principal,
    filter: &ResponsibilityFilter,
) -> Select<responsibility::Entity> {
    use responsibility::Column as C;
    let mut select = responsibility::Entity::find_visible(principal);
    let lists = [
        (C::Function, &filter.functions),
        (C::Phase, &filter.phases),
        (C::Level, &filter.levels),
        (C::Raci, &filter.raci),
    ];
    for (column, values) in lists {
        if !values.is_empty() {
            select = select.filter(column.is_in(values.iter().map(String::as_str)));
        }
    }
    if let Some(actor) = filter.actor_id {
        select = select.filter(C::ActorId.eq(actor));
    }
    if let Some(project) = filter.project_id {
        select = select.filter(C::ProjectId.eq(project));
    }
    if let Some(territory) = filter.territory_id {
        select = select.filter(within("responsibility", "territory_id", territory));
    }
    if let Some(theme) = &filter.theme {
        select = select.filter(C::Theme.eq(theme.as_str()));
    }
    if let Some(principle) = filter.principle {
        select = select
            .filter(C::Principles.like(entity::list::contains_pattern(&principle.to_string())));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(C::UpdatedAt.gte(since));
    }
    select
}

/// The 12 OECD principles in order.
pub async fn principles(db: &impl ConnectionTrait) -> Result<Vec<oecd_principle::Model>> {
    Ok(oecd_principle::Entity::find()
        .order_by_asc(oecd_principle::Column::Id)
        .all(db)
        .await?)
}

child_list!(
    /// Responsibilities a member holds, oldest first.
    ResponsibilitiesOfActor, responsibility, "responsibility", "actor_id",
    oldest_first(responsibility::Column::CreatedAt, responsibility::Column::Id)
);
child_list!(
    /// Responsibilities scoped to a project, oldest first.
    ResponsibilitiesOfProject, responsibility, "responsibility", "project_id",
    oldest_first(responsibility::Column::CreatedAt, responsibility::Column::Id)
);

/// Responsibilities that serve an OECD principle, oldest first.
pub struct ResponsibilitiesOfPrinciple;

impl Children for ResponsibilitiesOfPrinciple {
    type Entity = responsibility::Entity;
    fn select(principal: &Principal) -> Select<responsibility::Entity> {
        let mut select = responsibility::Entity::find_visible(principal);
        QueryTrait::query(&mut select).join_as(
            JoinType::InnerJoin,
            oecd_principle::Entity,
            Alias::new("principle"),
            Expr::cust(
                "\"responsibility\".\"principles\" LIKE ('%,' || CAST(\"principle\".\"id\" AS TEXT) || ',%')",
            ),
        );
        select
    }
    fn parent() -> Parent {
        Parent {
            table: "principle",
            column: "id",
        }
    }
    fn sort() -> SortKey<responsibility::Entity> {
        oldest_first(
            responsibility::Column::CreatedAt,
            responsibility::Column::Id,
        )
    }
}
