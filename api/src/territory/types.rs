//! GraphQL types of territories.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::territory;

use crate::codes::{Lang, Occupation, TerritoryLevel, TerritoryScheme, stored};
use crate::graphql::{self, GeoPoint, LocalizedText};
use crate::ids;
use crate::member::types::{Member, MemberConnection};
use crate::pagination::{PageArgs, connection};
use crate::project::types::{Project, ProjectConnection};
use crate::territory::service::{ChildrenOfTerritory, MembersInTerritory, ProjectsInTerritory};

/// A territorial unit: a Ukrainian oblast, raion, hromada or settlement, or an EU region.
#[derive(Clone)]
pub struct Territory(pub territory::Model);

connection!(
    TerritoryConnection,
    TerritoryEdge,
    Territory,
    "territorial units"
);

/// A territorial unit: a Ukrainian oblast, raion, hromada or settlement, or an EU region.
#[Object]
impl Territory {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Territory", self.0.id)
    }
    /// Code scheme.
    async fn scheme(&self) -> async_graphql::Result<TerritoryScheme> {
        Ok(stored(&self.0.scheme)?)
    }
    /// Code within the scheme (for KATOTTH, e.g. `UA63000000000041885`).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// ISO 3166-2 code, for Ukrainian oblasts (e.g. `UA-63`).
    async fn iso_code(&self) -> Option<&str> {
        self.0.iso_code.as_deref()
    }
    /// Level.
    async fn level(&self) -> async_graphql::Result<TerritoryLevel> {
        Ok(stored(&self.0.level)?)
    }
    /// Name in the requested language (default: the request's `Accept-Language`, else English).
    async fn name(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language of the name.")] lang: Option<Lang>,
    ) -> String {
        LocalizedText::pick(
            &self.0.name_en,
            Some(&self.0.name_uk),
            graphql::lang(ctx, lang),
        )
    }
    /// Name in every language.
    async fn names(&self) -> LocalizedText {
        LocalizedText {
            en: self.0.name_en.clone(),
            uk: Some(self.0.name_uk.clone()),
        }
    }
    /// Occupation status; null when not occupied.
    async fn occupation(&self) -> async_graphql::Result<Option<Occupation>> {
        Ok(self.0.occupation.as_deref().map(stored).transpose()?)
    }
    /// Representative point (the administrative centre), when known.
    async fn centroid(&self) -> Option<GeoPoint> {
        GeoPoint::from_e6(self.0.centroid_lat_e6, self.0.centroid_lon_e6)
    }
    /// The enclosing unit; null for top-level units.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(graphql::load::<territory::Entity>(ctx, parent)
            .await?
            .map(Territory))
    }
    /// Units directly below this one, by English name.
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<TerritoryConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<ChildrenOfTerritory, _>(ctx, self.0.id, args, Territory).await?;
        Ok(TerritoryConnection::new(page, total))
    }
    /// Projects in this unit or any unit below it, newest first.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ProjectConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<ProjectsInTerritory, _>(ctx, self.0.id, args, Project).await?;
        Ok(ProjectConnection::new(page, total))
    }
    /// Member organisations seated in this unit, by name.
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<MemberConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<MembersInTerritory, _>(ctx, self.0.id, args, Member::from).await?;
        Ok(MemberConnection::new(page, total))
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
