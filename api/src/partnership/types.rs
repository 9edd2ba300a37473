//! GraphQL types of partnerships and clusters.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{cluster, partnership};

use crate::codes::{PartnershipKind, PartnershipStatus, stored};
use crate::graphql;
use crate::ids;
use crate::member::types::{Member, load_member};
use crate::pagination::{PageArgs, connection};
use crate::partnership::service::PartnershipsOfCluster;

/// A partnership between an EU member and a Ukrainian member.
#[derive(Clone)]
pub struct Partnership(pub partnership::Model);

connection!(
    PartnershipConnection,
    PartnershipEdge,
    Partnership,
    "partnerships"
);

/// A partnership between an EU member and a Ukrainian member.
#[Object]
impl Partnership {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Partnership", self.0.id)
    }
    /// The EU side.
    async fn eu_member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.eu_member_id).await
    }
    /// The Ukrainian side.
    async fn ua_member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.ua_member_id).await
    }
    /// Kind of partnership.
    async fn kind(&self) -> async_graphql::Result<PartnershipKind> {
        Ok(stored(&self.0.kind)?)
    }
    /// Status.
    async fn status(&self) -> async_graphql::Result<PartnershipStatus> {
        Ok(stored(&self.0.status)?)
    }
    /// Date the partnership started.
    async fn since(&self) -> Option<NaiveDate> {
        self.0.since
    }
    /// Where the partnership is documented.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
    /// The cluster the partnership belongs to.
    async fn cluster(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Cluster>> {
        let Some(id) = self.0.cluster_id else {
            return Ok(None);
        };
        Ok(graphql::load::<cluster::Entity>(ctx, id)
            .await?
            .map(Cluster))
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

/// A cluster: several EU members in partnership around one Ukrainian community.
#[derive(Clone)]
pub struct Cluster(pub cluster::Model);

connection!(ClusterConnection, ClusterEdge, Cluster, "clusters");

/// A cluster: several EU members in partnership around one Ukrainian community.
#[Object]
impl Cluster {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Cluster", self.0.id)
    }
    /// Human key.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The Ukrainian community the cluster forms around.
    async fn focus_member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.focus_member_id).await
    }
    /// The partnerships in this cluster, oldest first.
    async fn partnerships(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (0 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<PartnershipConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<PartnershipsOfCluster, _>(ctx, self.0.id, args, Partnership).await?;
        Ok(PartnershipConnection::new(page, total))
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
