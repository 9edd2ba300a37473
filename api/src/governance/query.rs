//! Root fields for governance.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::responsibility;

use crate::codes::{Code, GovernanceFunction, GovernanceLevel, Phase, Raci, Theme, codes_of};
use crate::error::AppError;
use crate::governance::service::{self, ResponsibilityFilter as Filter};
use std::sync::Arc;

use crate::governance::rules::{self, Rule};
use crate::governance::types::{
    GovernanceIssue, GovernanceIssueConnection, OecdCoverage, OecdPrinciple, Responsibility,
    ResponsibilityConnection, ResponsibilityMatrix,
};
use crate::graphql;
use crate::ids;
use crate::pagination::{Cursor, PageArgs, RecordOrderBy, SortValue, known_total, page_ranked};

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
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
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

    /// The responsibility matrix of a project, or of a sector (theme) within a
    /// territory: function × phase × level with the actors and their RACI roles.
    /// A territory includes the territories below it and the projects in them.
    async fn responsibility_matrix(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A project, or a territory with an optional theme.")]
        scope: GovernanceScope,
        #[graphql(desc = "The day the matrix is valid on (default: today, UTC).")] on: Option<
            NaiveDate,
        >,
    ) -> async_graphql::Result<ResponsibilityMatrix> {
        let scope = scope.into_scope()?;
        if scope.project_id.is_none() && scope.territory_id.is_none() {
            return Err(AppError::bad_input(
                "scope",
                "give `scope.projectId`, or `scope.territoryId` with an optional `scope.theme`",
            )
            .into());
        }
        let on = on.unwrap_or_else(|| Utc::now().date_naive());
        let loaders = graphql::loaders(ctx)?;
        let (rows, truncated) =
            rules::matrix(loaders.db(), loaders.principal(), &scope, on).await?;
        Ok(ResponsibilityMatrix {
            on,
            rows,
            truncated,
        })
    }

    /// What breaks the rules of multilevel governance, each breach with the
    /// rule that fired and the responsibilities behind it; by rule, then scope,
    /// function and phase. Without a scope, across everything the caller may see.
    #[allow(clippy::too_many_arguments)]
    async fn governance_issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where to look (default: everywhere).")] scope: Option<GovernanceScope>,
        #[graphql(desc = "Only these rules (default: all).")] rules: Option<Vec<Rule>>,
        #[graphql(desc = "The day to check on (default: today, UTC).")] on: Option<NaiveDate>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<GovernanceIssueConnection> {
        const KEY: &str = "RULE:ASC";
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .validate(KEY)?;
        let scope = scope
            .map(GovernanceScope::into_scope)
            .transpose()?
            .unwrap_or_default();
        let on = on.unwrap_or_else(|| Utc::now().date_naive());
        let loaders = graphql::loaders(ctx)?;
        let found = rules::issues(
            loaders.db(),
            loaders.principal(),
            &scope,
            &rules.unwrap_or_default(),
            on,
        )
        .await?;
        let total = found.len() as u64;
        let rows = found
            .into_iter()
            .enumerate()
            .map(|(i, issue)| {
                let cursor = Cursor {
                    key: KEY.to_owned(),
                    value: SortValue::Text(issue.sort_key()),
                    id: i as i64,
                };
                (issue, cursor)
            })
            .collect();
        // The sort key identifies an issue; the position only breaks ties.
        let by_key = |a: &Cursor, b: &Cursor| match (&a.value, &b.value) {
            (SortValue::Text(x), SortValue::Text(y)) => x.cmp(y),
            _ => a.id.cmp(&b.id),
        };
        let page = page_ranked(rows, &page, by_key);
        let on_page: Vec<&rules::Issue> = page.rows.iter().map(|(issue, _)| issue).collect();
        let evidence = rules::evidence(loaders.db(), loaders.principal(), &on_page, on).await?;
        let mut evidence = evidence.into_iter();
        let page = page.map(|issue| GovernanceIssue {
            issue: Arc::new(issue),
            evidence: Arc::new(evidence.next().unwrap_or_default()),
        });
        Ok(GovernanceIssueConnection::new(page, known_total(total)))
    }

    /// Coverage of the 12 OECD principles by the responsibilities valid in a
    /// scope: how many responsibilities cite each, in how many projects and
    /// territories, and the share of projects covered. For dashboards.
    async fn oecd_coverage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where to look (default: everywhere).")] scope: Option<GovernanceScope>,
        #[graphql(desc = "The day to count on (default: today, UTC).")] on: Option<NaiveDate>,
    ) -> async_graphql::Result<Vec<OecdCoverage>> {
        let scope = scope
            .map(GovernanceScope::into_scope)
            .transpose()?
            .unwrap_or_default();
        let on = on.unwrap_or_else(|| Utc::now().date_naive());
        let loaders = graphql::loaders(ctx)?;
        let (mut coverage, projects_in_scope) =
            rules::principle_coverage(loaders.db(), loaders.principal(), &scope, on).await?;
        Ok(service::principles(loaders.db())
            .await?
            .into_iter()
            .map(|principle| OecdCoverage {
                coverage: coverage.remove(&principle.id).unwrap_or_default(),
                principle,
                projects_in_scope,
            })
            .collect())
    }
}

/// Where governance checks look: a project, or a sector (theme) within a
/// territory; all conditions must hold.
#[derive(InputObject, Default)]
pub struct GovernanceScope {
    /// Only this project's responsibilities.
    pub project_id: Option<ID>,
    /// Only responsibilities in this territory or below it, directly or through their project.
    pub territory_id: Option<ID>,
    /// Only responsibilities for this theme, directly or through their project.
    pub theme: Option<Theme>,
}

impl GovernanceScope {
    fn into_scope(self) -> Result<rules::Scope, AppError> {
        Ok(rules::Scope {
            project_id: self
                .project_id
                .map(|id| ids::decode(&id, "Project", "scope.projectId"))
                .transpose()?,
            territory_id: self
                .territory_id
                .map(|id| ids::decode(&id, "Territory", "scope.territoryId"))
                .transpose()?,
            theme: self.theme.map(|t| t.code().to_owned()),
        })
    }
}
