//! Project queries and the rules of who sees which project.

use chrono::{DateTime, Utc};
use entity::{document_link, funding, indicator, member, participant, project};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, QueryFilter, QuerySelect, QueryTrait, Select};

use crate::auth::Principal;
use crate::loader::{Table, Through, ToOne};
use crate::member::service::{child_list, oldest_first, visible_member};
use crate::pagination::{Direction, SortKey, sort_name};
use crate::sql;
use crate::territory::service::within;

/// Visibilities everyone may see.
pub const PUBLIC_VISIBILITIES: [&str; 2] = ["PUBLISHED", "ARCHIVED"];

impl Table for project::Entity {
    fn id_column() -> project::Column {
        project::Column::Id
    }
    fn visible(principal: &Principal) -> Condition {
        if principal.sees_everything() {
            return Condition::all();
        }
        let mut visible =
            Condition::any().add(project::Column::Visibility.is_in(PUBLIC_VISIBILITIES));
        if let Some(own) = principal.own_member() {
            visible = visible.add(project::Column::OwnerId.eq(own));
        }
        visible
    }
    fn to_one() -> Vec<ToOne> {
        vec![ToOne::of::<member::Entity>("owner", "owner_id")]
    }
}

/// The condition "`table.column` references a project `principal` may see".
pub fn visible_project(table: &str, column: &str, principal: &Principal) -> Condition {
    if principal.sees_everything() {
        return Condition::all();
    }
    let visibilities = PUBLIC_VISIBILITIES.map(|s| format!("'{s}'")).join(", ");
    let own = principal
        .own_member()
        .map(|id| format!(" OR vp.owner_id = {id}"))
        .unwrap_or_default();
    // A correlated EXISTS: one primary-key lookup per row, also under an OR
    // (an `IN (SELECT …)` there becomes a hash of every visible project).
    Condition::all().add(Expr::cust(format!(
        "EXISTS (SELECT 1 FROM project vp WHERE vp.id = \"{table}\".\"{column}\" AND (vp.visibility IN ({visibilities}){own}))"
    )))
}

impl Table for participant::Entity {
    fn id_column() -> participant::Column {
        participant::Column::Id
    }
    fn visible(principal: &Principal) -> Condition {
        visible_project("participant", "project_id", principal).add(visible_member(
            "participant",
            "member_id",
            principal,
        ))
    }
    fn visible_under(principal: &Principal, column: &str) -> Condition {
        match column {
            "project_id" => visible_member("participant", "member_id", principal),
            "member_id" => visible_project("participant", "project_id", principal),
            _ => Self::visible(principal),
        }
    }
    fn visible_under_through(column: &str) -> Option<Through> {
        (column == "project_id").then(|| Through::of::<member::Entity>("member_id"))
    }
    fn to_one() -> Vec<ToOne> {
        vec![ToOne::of::<member::Entity>("member", "member_id")]
    }
}

impl Table for funding::Entity {
    fn id_column() -> funding::Column {
        funding::Column::Id
    }
    fn visible(principal: &Principal) -> Condition {
        visible_project("funding", "project_id", principal).add(visible_member(
            "funding",
            "funder_id",
            principal,
        ))
    }
    fn visible_under(principal: &Principal, column: &str) -> Condition {
        match column {
            "project_id" => visible_member("funding", "funder_id", principal),
            "funder_id" => visible_project("funding", "project_id", principal),
            _ => Self::visible(principal),
        }
    }
    fn visible_under_through(column: &str) -> Option<Through> {
        (column == "project_id").then(|| Through::of::<member::Entity>("funder_id"))
    }
    fn to_one() -> Vec<ToOne> {
        vec![ToOne::of::<member::Entity>("funder", "funder_id")]
    }
}

impl Table for indicator::Entity {
    fn id_column() -> indicator::Column {
        indicator::Column::Id
    }
    fn visible(principal: &Principal) -> Condition {
        visible_project("indicator", "project_id", principal)
    }
}

impl Table for document_link::Entity {
    fn id_column() -> document_link::Column {
        document_link::Column::Id
    }
    fn visible(principal: &Principal) -> Condition {
        visible_project("document_link", "project_id", principal)
    }
}

/// Filter of the project list.
#[derive(Clone, Debug, Default)]
pub struct ProjectFilter {
    /// OC4IDS statuses.
    pub statuses: Vec<String>,
    /// Visibilities (only narrows what the caller may see).
    pub visibilities: Vec<String>,
    /// Themes.
    pub themes: Vec<String>,
    /// DAC 5-digit sector codes.
    pub sector_codes: Vec<String>,
    /// Purposes.
    pub purposes: Vec<String>,
    /// OC4IDS project types.
    pub project_types: Vec<String>,
    /// Follows this "build back better" principle.
    pub principle: Option<String>,
    /// In this territory or below it.
    pub territory_id: Option<i64>,
    /// Led by this member.
    pub owner_id: Option<i64>,
    /// With this member among the participants.
    pub participant_id: Option<i64>,
    /// Funded by this member.
    pub funder_id: Option<i64>,
    /// DREAM identifier.
    pub dream_id: Option<String>,
    /// English or Ukrainian title contains.
    pub title_contains: Option<String>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Orderings of the project list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectOrder {
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Code.
    Code,
    /// English title.
    Title,
}

/// The sort key of an ordering.
pub fn sort_key(order: ProjectOrder, direction: Direction) -> SortKey<project::Entity> {
    let (name, column) = match order {
        ProjectOrder::CreatedAt => (
            sort_name!("CREATED_AT", direction),
            project::Column::CreatedAt,
        ),
        ProjectOrder::UpdatedAt => (
            sort_name!("UPDATED_AT", direction),
            project::Column::UpdatedAt,
        ),
        ProjectOrder::Code => (sort_name!("CODE", direction), project::Column::Code),
        ProjectOrder::Title => (sort_name!("TITLE", direction), project::Column::TitleEn),
    };
    SortKey {
        name,
        column,
        id: project::Column::Id,
        direction,
    }
}

/// The projects matching `filter` that `principal` may see.
pub fn list(principal: &Principal, filter: &ProjectFilter) -> Select<project::Entity> {
    let mut select = project::Entity::find_visible(principal);
    let lists = [
        (project::Column::Status, &filter.statuses),
        (project::Column::Visibility, &filter.visibilities),
        (project::Column::Theme, &filter.themes),
        (project::Column::SectorCode, &filter.sector_codes),
        (project::Column::Purpose, &filter.purposes),
        (project::Column::ProjectType, &filter.project_types),
    ];
    for (column, values) in lists {
        if !values.is_empty() {
            select = select.filter(column.is_in(values.iter().map(String::as_str)));
        }
    }
    if let Some(principle) = &filter.principle {
        select = select
            .filter(project::Column::Principles.like(entity::list::contains_pattern(principle)));
    }
    if let Some(territory) = filter.territory_id {
        select = select.filter(within("project", "territory_id", territory));
    }
    if let Some(owner) = filter.owner_id {
        select = select.filter(project::Column::OwnerId.eq(owner));
    }
    if let Some(member) = filter.participant_id {
        let projects = participant::Entity::find_visible(principal)
            .filter(participant::Column::MemberId.eq(member))
            .select_only()
            .column(participant::Column::ProjectId)
            .into_query();
        select = select.filter(sql::in_select("project", "id", projects));
    }
    if let Some(funder) = filter.funder_id {
        let projects = funding::Entity::find_visible(principal)
            .filter(funding::Column::FunderId.eq(funder))
            .select_only()
            .column(funding::Column::ProjectId)
            .into_query();
        select = select.filter(sql::in_select("project", "id", projects));
    }
    if let Some(dream_id) = &filter.dream_id {
        select = select.filter(project::Column::DreamId.eq(dream_id.as_str()));
    }
    if let Some(text) = &filter.title_contains {
        select = select.filter(sql::contains_text(
            "project",
            &["title_en", "title_uk"],
            text,
        ));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(project::Column::UpdatedAt.gte(since));
    }
    select
}

/// The visible project with this code (codes are unique).
pub fn by_code(principal: &Principal, code: &str) -> Select<project::Entity> {
    project::Entity::find_visible(principal).filter(project::Column::Code.eq(code))
}

/// Newest first, by creation time.
pub fn newest_first<E: sea_orm::EntityTrait>(created_at: E::Column, id: E::Column) -> SortKey<E> {
    SortKey {
        name: "CREATED_AT:DESC",
        column: created_at,
        id,
        direction: Direction::Desc,
    }
}

child_list!(
    /// Projects a member owns, newest first.
    ProjectsOfOwner, project, "project", "owner_id",
    sort_key(ProjectOrder::CreatedAt, Direction::Desc)
);
child_list!(
    /// A member's participations, oldest first.
    ParticipationsOfMember, participant, "participant", "member_id",
    oldest_first(participant::Column::CreatedAt, participant::Column::Id)
);
child_list!(
    /// A project's participants, oldest first.
    ParticipantsOfProject, participant, "participant", "project_id",
    oldest_first(participant::Column::CreatedAt, participant::Column::Id)
);
child_list!(
    /// Funding a member gave, newest first.
    FundingByFunder, funding, "funding", "funder_id",
    newest_first(funding::Column::CreatedAt, funding::Column::Id)
);
child_list!(
    /// A project's funding records, oldest first.
    FundingOfProject, funding, "funding", "project_id",
    oldest_first(funding::Column::CreatedAt, funding::Column::Id)
);
child_list!(
    /// A project's indicators, oldest first.
    IndicatorsOfProject, indicator, "indicator", "project_id",
    oldest_first(indicator::Column::CreatedAt, indicator::Column::Id)
);
child_list!(
    /// A project's documents, oldest first.
    DocumentsOfProject, document_link, "document_link", "project_id",
    oldest_first(document_link::Column::CreatedAt, document_link::Column::Id)
);
