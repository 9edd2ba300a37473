//! Root fields for projects.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use crate::codes::{
    BuildBackBetter, Code, ProjectPurpose, ProjectStatus, ProjectType, Theme, Visibility, codes_of,
};
use crate::error::AppError;
use crate::graphql::{self, Prebuilt};
use crate::ids;
use crate::pagination::{Direction, PageArgs};
use crate::project::funnel::{self, Dimension as FunnelDimension};
use crate::project::service::{self, ProjectFilter as Filter, ProjectOrder};
use crate::project::types::{FunnelRow, Project, ProjectConnection};

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

impl ProjectFilter {
    /// The filter as the services take it, its IDs decoded and its codes checked.
    pub fn into_filter(self) -> Result<Filter, AppError> {
        let member = |id: Option<ID>, argument: &str| {
            id.map(|id| ids::decode(&id, "Member", argument))
                .transpose()
        };
        let filter = Filter {
            statuses: codes_of(self.statuses),
            visibilities: codes_of(self.visibilities),
            themes: codes_of(self.themes),
            sector_codes: self.sector_codes.unwrap_or_default(),
            purposes: codes_of(self.purposes),
            project_types: codes_of(self.project_types),
            principle: self.principle.map(|p| p.code().to_owned()),
            territory_id: self
                .territory_id
                .map(|id| ids::decode(&id, "Territory", "filter.territoryId"))
                .transpose()?,
            owner_id: member(self.owner_id, "filter.ownerId")?,
            participant_id: member(self.participant_id, "filter.participantId")?,
            funder_id: member(self.funder_id, "filter.funderId")?,
            dream_id: self.dream_id,
            title_contains: self.title_contains,
            updated_since: self.updated_since,
        };
        graphql::check_codes(
            &filter.sector_codes,
            graphql::CodeShape::DacPurpose,
            "filter.sectorCodes",
        )?;
        Ok(filter)
    }
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
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ProjectConnection> {
        let filter = filter.unwrap_or_default().into_filter()?;
        let order_by = order_by.unwrap_or_default();
        let order = match order_by.field {
            ProjectOrderField::CreatedAt => ProjectOrder::CreatedAt,
            ProjectOrderField::UpdatedAt => ProjectOrder::UpdatedAt,
            ProjectOrderField::Code => ProjectOrder::Code,
            ProjectOrderField::Title => ProjectOrder::Title,
        };
        let principal = graphql::principal(ctx)?;
        let (page, total) = graphql::root_or_built(
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
        Ok(ProjectConnection::fetched(page, total))
    }

    /// A project by its code; null when there is none the caller may see.
    async fn project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's code, e.g. `UA-KHA-2025-001`.")] code: String,
    ) -> async_graphql::Result<Prebuilt<Option<Project>>> {
        let loaders = graphql::loaders(ctx)?;
        let select = service::by_code(loaders.principal(), &code);
        if let Some(value) = graphql::one_built(ctx, select.clone()).await? {
            return Ok(Prebuilt::Value(value));
        }
        let found = select.one(loaders.db()).await.map_err(AppError::from)?;
        Ok(Prebuilt::Resolve(found.map(Project)))
    }

    /// The funding funnel for dashboards: required (budget) → pledged →
    /// committed → disbursed, with the number of projects, per group and
    /// currency, over the projects the caller may see that match `filter`;
    /// funding from a funder the caller may not see is not counted. Computed
    /// in SQL; amounts in different currencies are never added up. At most
    /// 1,000 rows: a grouping with more is refused (`LIMIT_EXCEEDED`).
    async fn funding_funnel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to group by (none: one row per currency).")] group_by: Vec<
            FunnelDimension,
        >,
        #[graphql(desc = "Which projects to count (the same filter as `projects`).")]
        filter: Option<ProjectFilter>,
    ) -> async_graphql::Result<Vec<FunnelRow>> {
        let mut by = group_by.clone();
        by.sort();
        by.dedup();
        if by.len() != group_by.len() {
            return Err(AppError::bad_input("groupBy", "`groupBy` names a dimension twice").into());
        }
        let filter = filter.unwrap_or_default().into_filter()?;
        let loaders = graphql::loaders(ctx)?;
        let kept = ctx
            .data::<Arc<funnel::FunnelCache>>()
            .map_err(|_| AppError::internal("schema without the funnel cache"))?;
        let rows = kept
            .funnel(loaders.db(), loaders.principal(), &filter, &by)
            .await?;
        Ok(rows.iter().cloned().map(FunnelRow).collect())
    }
}
