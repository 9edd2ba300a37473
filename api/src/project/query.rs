//! Root fields for projects.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use crate::codes::{
    BuildBackBetter, Code, ProjectPurpose, ProjectStatus, ProjectType, Theme, Visibility, codes_of,
};
use crate::graphql;
use crate::ids;
use crate::pagination::{Direction, PageArgs};
use crate::project::service::{self, ProjectFilter as Filter, ProjectOrder};
use crate::project::types::{Project, ProjectConnection};

/// Which projects to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct ProjectFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<ProjectStatus>>,
    /// Only these visibilities (narrows what the caller may see; anonymous callers see published and archived projects).
    pub visibilities: Option<Vec<Visibility>>,
    /// Only these themes.
    pub themes: Option<Vec<Theme>>,
    /// Only these OECD DAC 5-digit sector codes.
    pub sector_codes: Option<Vec<String>>,
    /// Only these purposes.
    pub purposes: Option<Vec<ProjectPurpose>>,
    /// Only these project types.
    pub project_types: Option<Vec<ProjectType>>,
    /// Only projects following this "build back better" principle.
    pub principle: Option<BuildBackBetter>,
    /// Only projects in this territory or any territory below it.
    pub territory_id: Option<ID>,
    /// Only projects led by this member.
    pub owner_id: Option<ID>,
    /// Only projects in which this member participates.
    pub participant_id: Option<ID>,
    /// Only projects funded by this member.
    pub funder_id: Option<ID>,
    /// Only the project with this DREAM identifier.
    pub dream_id: Option<String>,
    /// Only projects whose English or Ukrainian title contains this text.
    pub title_contains: Option<String>,
    /// Only projects changed at or after this time (for incremental sync).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Fields projects can be ordered by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ProjectOrderField {
    /// Creation time.
    #[default]
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Code.
    Code,
    /// English title.
    Title,
}

/// Order of the project list; ties are broken by id.
#[derive(InputObject)]
pub struct ProjectOrderBy {
    /// Field to order by.
    #[graphql(default)]
    pub field: ProjectOrderField,
    /// Direction.
    #[graphql(default_with = "Direction::Desc")]
    pub direction: Direction,
}

impl Default for ProjectOrderBy {
    fn default() -> Self {
        Self {
            field: ProjectOrderField::CreatedAt,
            direction: Direction::Desc,
        }
    }
}

/// Root fields for projects.
#[derive(Default)]
pub struct ProjectQuery;

/// Root fields for projects.
#[Object]
impl ProjectQuery {
    /// Reconstruction projects, filtered and ordered.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which projects to list.")] filter: Option<ProjectFilter>,
        #[graphql(desc = "Order of the list (default: newest first).")] order_by: Option<
            ProjectOrderBy,
        >,
        #[graphql(
            desc = "Return the first n rows (0 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ProjectConnection> {
        let filter = filter.unwrap_or_default();
        let order_by = order_by.unwrap_or_default();
        let member = |id: Option<ID>, argument: &str| {
            id.map(|id| ids::decode(&id, "Member", argument))
                .transpose()
        };
        let filter = Filter {
            statuses: codes_of(filter.statuses),
            visibilities: codes_of(filter.visibilities),
            themes: codes_of(filter.themes),
            sector_codes: filter.sector_codes.unwrap_or_default(),
            purposes: codes_of(filter.purposes),
            project_types: codes_of(filter.project_types),
            principle: filter.principle.map(|p| p.code().to_owned()),
            territory_id: filter
                .territory_id
                .map(|id| ids::decode(&id, "Territory", "filter.territoryId"))
                .transpose()?,
            owner_id: member(filter.owner_id, "filter.ownerId")?,
            participant_id: member(filter.participant_id, "filter.participantId")?,
            funder_id: member(filter.funder_id, "filter.funderId")?,
            dream_id: filter.dream_id,
            title_contains: filter.title_contains,
            updated_since: filter.updated_since,
        };
        graphql::check_codes(
            &filter.sector_codes,
            graphql::CodeShape::DacPurpose,
            "filter.sectorCodes",
        )?;
        let order = match order_by.field {
            ProjectOrderField::CreatedAt => ProjectOrder::CreatedAt,
            ProjectOrderField::UpdatedAt => ProjectOrder::UpdatedAt,
            ProjectOrderField::Code => ProjectOrder::Code,
            ProjectOrderField::Title => ProjectOrder::Title,
        };
        let principal = graphql::principal(ctx)?;
        let (page, total) = graphql::root(
            ctx,
            service::list(principal, &filter),
            service::sort_key(order, order_by.direction),
            PageArgs {
                first,
                after,
                last,
                before,
            },
            Project,
        )
        .await?;
        Ok(ProjectConnection::new(page, total))
    }

    /// A project by its code; null when there is none the caller may see.
    async fn project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's code, e.g. `UA-KHA-2025-001`.")] code: String,
    ) -> async_graphql::Result<Option<Project>> {
        let loaders = graphql::loaders(ctx)?;
        let found = service::find_by_code(loaders.db(), loaders.principal(), &code).await?;
        Ok(found.map(Project))
    }
}
