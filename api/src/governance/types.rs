//! GraphQL types of governance responsibilities and OECD principles.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{oecd_principle, responsibility, territory};

use crate::codes::{GovernanceFunction, GovernanceLevel, Phase, Raci, Theme, stored};
use crate::governance::service::ResponsibilitiesOfPrinciple;
use crate::graphql;
use crate::ids;
use crate::member::types::{Member, load_member};
use crate::pagination::{PageArgs, connection};
use crate::project::types::{Project, load_project};
use crate::territory::types::Territory;

/// Who does what, at which level of government, in which phase of a project or
/// of a sector within a territory.
#[derive(Clone)]
pub struct Responsibility(pub responsibility::Model);

connection!(
    ResponsibilityConnection,
    ResponsibilityEdge,
    Responsibility,
    "governance responsibilities"
);

/// Who does what, at which level of government, in which phase of a project or
/// of a sector within a territory.
#[Object]
impl Responsibility {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Responsibility", self.0.id)
    }
    /// Function in the public-investment cycle.
    async fn function(&self) -> async_graphql::Result<GovernanceFunction> {
        Ok(stored(&self.0.function)?)
    }
    /// Phase of the project's life.
    async fn phase(&self) -> async_graphql::Result<Phase> {
        Ok(stored(&self.0.phase)?)
    }
    /// Level of government.
    async fn level(&self) -> async_graphql::Result<GovernanceLevel> {
        Ok(stored(&self.0.level)?)
    }
    /// The actor.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.actor_id).await
    }
    /// RACI role of the actor.
    async fn raci(&self) -> async_graphql::Result<Raci> {
        Ok(stored(&self.0.raci)?)
    }
    /// The OECD principles this responsibility serves.
    async fn principles(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OecdPrinciple>> {
        let numbers: Vec<i64> = entity::list::decode(&self.0.principles)
            .iter()
            .filter_map(|n| n.parse().ok())
            .collect();
        Ok(graphql::load_many::<oecd_principle::Entity>(ctx, &numbers)
            .await?
            .into_iter()
            .map(OecdPrinciple)
            .collect())
    }
    /// Legal basis (law, resolution, agreement).
    async fn legal_basis(&self) -> Option<&str> {
        self.0.legal_basis.as_deref()
    }
    /// First day of validity.
    async fn valid_from(&self) -> Option<NaiveDate> {
        self.0.valid_from
    }
    /// Last day of validity.
    async fn valid_until(&self) -> Option<NaiveDate> {
        self.0.valid_until
    }
    /// Scope: the project, when the responsibility is for one project.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        match self.0.project_id {
            Some(id) => load_project(ctx, id).await,
            None => Ok(None),
        }
    }
    /// Scope: the territory, for a theme within a territory.
    async fn territory(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        let Some(id) = self.0.territory_id else {
            return Ok(None);
        };
        Ok(graphql::load::<territory::Entity>(ctx, id)
            .await?
            .map(Territory))
    }
    /// Scope: the theme within the territory.
    async fn theme(&self) -> async_graphql::Result<Option<Theme>> {
        Ok(self.0.theme.as_deref().map(stored).transpose()?)
    }
    /// Free-text note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// One of the 12 principles of the OECD Recommendation on Effective Public
/// Investment Across Levels of Government (2014).
#[derive(Clone)]
pub struct OecdPrinciple(pub oecd_principle::Model);

/// One of the 12 principles of the OECD Recommendation on Effective Public
/// Investment Across Levels of Government (2014).
#[Object]
impl OecdPrinciple {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("OecdPrinciple", self.0.id)
    }
    /// Number of the principle, 1 to 12.
    async fn number(&self) -> i64 {
        self.0.id
    }
    /// Pillar number, 1 to 3.
    async fn pillar(&self) -> i32 {
        self.0.pillar
    }
    /// Title of the pillar.
    async fn pillar_title(&self) -> &str {
        &self.0.pillar_title
    }
    /// Title of the principle.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Responsibilities that serve this principle, oldest first.
    async fn responsibilities(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (0 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ResponsibilityConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<ResponsibilitiesOfPrinciple, _>(ctx, self.0.id, args, Responsibility)
                .await?;
        Ok(ResponsibilityConnection::new(page, total))
    }
}
