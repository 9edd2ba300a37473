//! Root fields for governance.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::responsibility;

use crate::codes::{Code, GovernanceFunction, GovernanceLevel, Phase, Raci, Theme, codes_of};
use crate::error::AppError;
use crate::governance::service::{self, ResponsibilityFilter as Filter};
use crate::governance::types::{OecdPrinciple, Responsibility, ResponsibilityConnection};
use crate::graphql;
use crate::ids;
use crate::pagination::{PageArgs, RecordOrderBy};

/// Which responsibilities to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct ResponsibilityFilter {
    /// Only these functions.
    pub functions: Option<Vec<GovernanceFunction>>,
    /// Only these phases.
    pub phases: Option<Vec<Phase>>,
    /// Only these levels of government.
    pub levels: Option<Vec<GovernanceLevel>>,
    /// Only these RACI roles.
    pub raci: Option<Vec<Raci>>,
    /// Only responsibilities held by this member.
    pub actor_id: Option<ID>,
    /// Only responsibilities scoped to this project.
    pub project_id: Option<ID>,
    /// Only responsibilities scoped to this territory or one below it.
    pub territory_id: Option<ID>,
    /// Only responsibilities scoped to this theme.
    pub theme: Option<Theme>,
    /// Only responsibilities serving this OECD principle (1 to 12).
    pub principle: Option<i32>,
    /// Only responsibilities changed at or after this time (for incremental sync).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Root fields for governance.
#[derive(Default)]
pub struct GovernanceQuery;

/// Root fields for governance.
#[Object]
impl GovernanceQuery {
    /// Governance responsibilities, filtered and ordered.
    async fn responsibilities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which responsibilities to list.")] filter: Option<ResponsibilityFilter>,
        #[graphql(desc = "Order of the list (default: newest first).")] order_by: Option<
            RecordOrderBy,
        >,
        #[graphql(
            desc = "Return the first n rows (0 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ResponsibilityConnection> {
        let filter = filter.unwrap_or_default();
        if let Some(p) = filter.principle
            && !(1..=12).contains(&p)
        {
            return Err(AppError::bad_input(
                "filter.principle",
                format!(
                    "`filter.principle` must be an OECD principle number from 1 to 12, got {p}"
                ),
            )
            .into());
        }
        let id = |value: Option<ID>, type_name: &str, argument: &str| {
            value
                .map(|id| ids::decode(&id, type_name, argument))
                .transpose()
        };
        let filter = Filter {
            functions: codes_of(filter.functions),
            phases: codes_of(filter.phases),
            levels: codes_of(filter.levels),
            raci: codes_of(filter.raci),
            actor_id: id(filter.actor_id, "Member", "filter.actorId")?,
            project_id: id(filter.project_id, "Project", "filter.projectId")?,
            territory_id: id(filter.territory_id, "Territory", "filter.territoryId")?,
            theme: filter.theme.map(|t| t.code().to_owned()),
            principle: filter.principle.map(i64::from),
            updated_since: filter.updated_since,
        };
        use responsibility::Column as C;
        let key = order_by
            .unwrap_or_default()
            .sort_key(C::CreatedAt, C::UpdatedAt, C::Id);
        let principal = graphql::principal(ctx)?;
        let (page, total) = graphql::root(
            ctx,
            service::list(principal, &filter),
            key,
            PageArgs {
                first,
                after,
                last,
                before,
            },
            Responsibility,
        )
        .await?;
        Ok(ResponsibilityConnection::new(page, total))
    }

    /// The 12 OECD principles on effective public investment across levels of government, in order.
    async fn oecd_principles(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<OecdPrinciple>> {
        let db = graphql::loaders(ctx)?.db();
        Ok(service::principles(db)
            .await?
            .into_iter()
            .map(OecdPrinciple)
            .collect())
    }
}
