//! Territory queries. A filter "in territory X" means X and all its descendants,
//! found through the materialised `path`.

use chrono::{DateTime, Utc};
use entity::{member, project, territory};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait, Select,
};

use crate::auth::Principal;
use crate::error::Result;
use crate::loader::{Children, Table};
use crate::pagination::{Direction, Parent, SortKey, sort_name};
use crate::sql;

impl Table for territory::Entity {
    fn id_column() -> territory::Column {
        territory::Column::Id
    }
    /// Territories are public reference data.
    fn visible(_: &Principal) -> Condition {
        Condition::all()
    }
}

/// The condition "`table.column` is the id of territory `id` or one of its descendants".
pub fn within(table: &'static str, column: &'static str, id: i64) -> Condition {
    let descendants = Query::select()
        .column((Alias::new("d"), Alias::new("id")))
        .from_as(territory::Entity, Alias::new("d"))
        .join_as(
            JoinType::InnerJoin,
            territory::Entity,
            Alias::new("a"),
            Expr::cust("\"d\".\"path\" LIKE (\"a\".\"path\" || '%')"),
        )
        .and_where(Expr::col((Alias::new("a"), Alias::new("id"))).eq(id))
        .to_owned();
    sql::in_select(table, column, descendants)
}

/// Filter of the territory list.
#[derive(Clone, Debug, Default)]
pub struct TerritoryFilter {
    /// Code scheme.
    pub scheme: Option<String>,
    /// Levels.
    pub levels: Vec<String>,
    /// Direct parent.
    pub parent_id: Option<i64>,
    /// Ancestor at any depth (the unit itself included).
    pub within_id: Option<i64>,
    /// Only top-level units.
    pub roots_only: bool,
    /// Occupation status.
    pub occupation: Option<String>,
    /// Substring of the English or Ukrainian name, case-insensitive for ASCII.
    pub name_contains: Option<String>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Orderings of the territory list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerritoryOrder {
    /// English name.
    Name,
    /// Code.
    Code,
    /// Last change.
    UpdatedAt,
}

/// The sort key of an ordering.
pub fn sort_key(order: TerritoryOrder, direction: Direction) -> SortKey<territory::Entity> {
    let (name, column) = match order {
        TerritoryOrder::Name => (sort_name!("NAME", direction), territory::Column::NameEn),
        TerritoryOrder::Code => (sort_name!("CODE", direction), territory::Column::Code),
        TerritoryOrder::UpdatedAt => (
            sort_name!("UPDATED_AT", direction),
            territory::Column::UpdatedAt,
        ),
    };
    SortKey {
        name,
        column,
        id: territory::Column::Id,
        direction,
    }
}

/// The territories matching `filter`.
pub fn list(principal: &Principal, filter: &TerritoryFilter) -> Select<territory::Entity> {
    let mut select = territory::Entity::find_visible(principal);
    if let Some(scheme) = &filter.scheme {
        select = select.filter(territory::Column::Scheme.eq(scheme.as_str()));
    }
    if !filter.levels.is_empty() {
        select =
            select.filter(territory::Column::Level.is_in(filter.levels.iter().map(String::as_str)));
    }
    if let Some(parent) = filter.parent_id {
        select = select.filter(territory::Column::ParentId.eq(parent));
    }
    if let Some(ancestor) = filter.within_id {
        select = select.filter(within("territory", "id", ancestor));
    }
    if filter.roots_only {
        select = select.filter(territory::Column::ParentId.is_null());
    }
    if let Some(occupation) = &filter.occupation {
        select = select.filter(territory::Column::Occupation.eq(occupation.as_str()));
    }
    if let Some(text) = &filter.name_contains {
        select = select.filter(sql::contains_text(
            "territory",
            &["name_en", "name_uk"],
            text,
        ));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(territory::Column::UpdatedAt.gte(since));
    }
    select
}

/// A territory by scheme and code, or by ISO 3166-2 code.
pub async fn find_by_code(
    db: &impl ConnectionTrait,
    scheme: Option<&str>,
    code: &str,
) -> Result<Option<territory::Model>> {
    let by_code = territory::Column::Code.eq(code);
    let condition = match scheme {
        Some(scheme) => Condition::all()
            .add(territory::Column::Scheme.eq(scheme))
            .add(by_code),
        None => Condition::any()
            .add(by_code)
            .add(territory::Column::IsoCode.eq(code)),
    };
    Ok(territory::Entity::find().filter(condition).one(db).await?)
}

/// The units directly below a territory, by English name.
pub struct ChildrenOfTerritory;

impl Children for ChildrenOfTerritory {
    type Entity = territory::Entity;
    fn parent() -> Parent {
        Parent {
            table: "territory",
            column: "parent_id",
        }
    }
    fn sort() -> SortKey<territory::Entity> {
        sort_key(TerritoryOrder::Name, Direction::Asc)
    }
}

/// Projects in a territory or any of its descendants, newest first.
pub struct ProjectsInTerritory;

impl Children for ProjectsInTerritory {
    type Entity = project::Entity;
    fn select(principal: &Principal) -> Select<project::Entity> {
        let mut select = project::Entity::find_visible(principal);
        QueryTrait::query(&mut select)
            .join_as(
                JoinType::InnerJoin,
                territory::Entity,
                Alias::new("pt"),
                Expr::cust("\"pt\".\"id\" = \"project\".\"territory_id\""),
            )
            .join_as(
                JoinType::InnerJoin,
                territory::Entity,
                Alias::new("anchor"),
                Expr::cust("\"pt\".\"path\" LIKE (\"anchor\".\"path\" || '%')"),
            );
        select
    }
    fn parent() -> Parent {
        Parent {
            table: "anchor",
            column: "id",
        }
    }
    fn sort() -> SortKey<project::Entity> {
        crate::project::service::sort_key(
            crate::project::service::ProjectOrder::CreatedAt,
            Direction::Desc,
        )
    }
}

/// Members seated in exactly this territory, by name.
pub struct MembersInTerritory;

impl Children for MembersInTerritory {
    type Entity = member::Entity;
    fn parent() -> Parent {
        Parent {
            table: "member",
            column: "territory_id",
        }
    }
    fn sort() -> SortKey<member::Entity> {
        crate::member::service::sort_key(crate::member::service::MemberOrder::Name, Direction::Asc)
    }
}
