//! GraphQL types of partnerships and clusters.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{assistance_need, cluster, member, partnership};

use std::sync::Arc;

use crate::assistance::types::{AssistanceMatch, AssistanceNeed};
use crate::codes::{PartnershipKind, PartnershipStatus, Urgency, stored};
use crate::error::AppError;
use crate::graphql;
use crate::ids;
use crate::member::types::{Member, load_member};
use crate::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageArgs, connection};
use crate::partnership::coverage::{self, ClusterCoverage, CoverageLoader, Gap, urgency_of_rank};
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
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
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
    /// The cluster's members the caller may see: its focus member and both
    /// sides of its active partnerships, by id (at most 100, the oldest
    /// first; its `partnerships` page through them all).
    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Member>> {
        let coverage = self.coverage(ctx).await?;
        let ids: Vec<i64> = coverage
            .member_ids
            .iter()
            .copied()
            .take(crate::pagination::MAX_PAGE_SIZE as usize)
            .collect();
        Ok(graphql::load_many::<member::Entity>(ctx, &ids)
            .await?
            .into_iter()
            .map(Member::from)
            .collect())
    }
    /// The open and matched needs of the cluster's Ukrainian members (its focus
    /// member and the Ukrainian side of its active partnerships), each with
    /// whether it is covered: open needs first (most urgent, then oldest), then
    /// covered ones.
    async fn needs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only needs with this coverage.")] coverage: Option<NeedCoverage>,
        #[graphql(desc = "Return at most n needs (1 to 100, default 20).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<ClusterNeed>> {
        let first = first.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&first) {
            return Err(AppError::bad_input(
                "first",
                format!("`first` must be between 1 and {MAX_PAGE_SIZE}, got {first}"),
            )
            .into());
        }
        let all = self.coverage(ctx).await?;
        Ok(all
            .needs
            .iter()
            .filter(|n| coverage.is_none_or(|c| c == NeedCoverage::of(n)))
            .take(first as usize)
            .cloned()
            .map(ClusterNeed)
            .collect())
    }
    /// How many of the cluster's needs are covered by an accepted, active or completed match.
    async fn covered_need_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let all = self.coverage(ctx).await?;
        Ok(all.needs.iter().filter(|n| n.covered_by.is_some()).count() as i32)
    }
    /// How many of the cluster's needs are still open.
    async fn open_need_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let all = self.coverage(ctx).await?;
        Ok(all.needs.iter().filter(|n| n.covered_by.is_none()).count() as i32)
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

impl Cluster {
    /// The cluster's coverage, loaded with that of the other clusters at this place in the query.
    async fn coverage(&self, ctx: &Context<'_>) -> async_graphql::Result<Arc<ClusterCoverage>> {
        let loaders = graphql::loaders(ctx)?;
        // One loader per cluster list, whichever of its coverage fields asks first.
        let path = graphql::site(ctx);
        let site = path
            .rsplit_once('.')
            .map_or(path.as_str(), |(list, _)| list);
        let loader = loaders.get(&format!("{site}#coverage"), || CoverageLoader {
            db: loaders.db().clone(),
            principal: loaders.principal().clone(),
        });
        Ok(loader
            .load_one((self.0.id, self.0.focus_member_id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default())
    }
}

/// Whether a need is covered.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NeedCoverage {
    /// An accepted, active or completed match covers the need.
    Covered,
    /// Nobody has taken the need up yet.
    Open,
}

impl NeedCoverage {
    fn of(need: &coverage::ClusterNeed) -> Self {
        if need.covered_by.is_some() {
            Self::Covered
        } else {
            Self::Open
        }
    }
}

/// A need of a cluster's Ukrainian member and whether it is covered.
#[derive(Clone)]
pub struct ClusterNeed(pub coverage::ClusterNeed);

/// A need of a cluster's Ukrainian member and whether it is covered.
#[Object]
impl ClusterNeed {
    /// The need.
    async fn need(&self) -> AssistanceNeed {
        AssistanceNeed(self.0.need.clone())
    }
    /// Covered or open.
    async fn coverage(&self) -> NeedCoverage {
        NeedCoverage::of(&self.0)
    }
    /// The match that covers the need.
    async fn covered_by(&self) -> Option<AssistanceMatch> {
        self.0.covered_by.clone().map(AssistanceMatch)
    }
    /// The covering offer comes from a member of the cluster.
    async fn covered_within_cluster(&self) -> bool {
        self.0.within_cluster
    }
}

/// A Ukrainian hromada or oblast with open needs and no active partnership.
#[derive(Clone)]
pub struct PartnershipGap {
    /// The gap.
    pub gap: Gap,
    /// Its open needs, most urgent first.
    pub needs: Arc<Vec<assistance_need::Model>>,
}

connection!(
    PartnershipGapConnection,
    PartnershipGapEdge,
    PartnershipGap,
    "partnership gaps, most urgent first"
);

/// A Ukrainian hromada or oblast with open needs and no active partnership.
#[Object]
impl PartnershipGap {
    /// The hromada or oblast.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.gap.member_id).await
    }
    /// How many open needs it has.
    async fn open_need_count(&self) -> i64 {
        self.gap.open_needs
    }
    /// The urgency of its most urgent open need.
    async fn highest_urgency(&self) -> async_graphql::Result<Urgency> {
        Ok(stored(urgency_of_rank(self.gap.urgency_rank))?)
    }
    /// When its oldest open need was recorded.
    async fn waiting_since(&self) -> DateTime<Utc> {
        self.gap.oldest_need_at
    }
    /// Its open needs, most urgent first then oldest (at most 20).
    async fn open_needs(&self) -> Vec<AssistanceNeed> {
        self.needs.iter().cloned().map(AssistanceNeed).collect()
    }
}
