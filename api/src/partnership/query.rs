//! Root fields for partnerships and clusters.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::{cluster, partnership};

use std::sync::Arc;

use crate::codes::{Code, PartnershipKind, PartnershipStatus, Urgency};
use crate::graphql;
use crate::ids;
use crate::pagination::{Cursor, PageArgs, RecordOrderBy, SortValue, known_total, page_ranked};
use crate::partnership::coverage::{self, GapFilter, urgency_rank};
use crate::partnership::service::{self, PartnershipFilter as Filter};
use crate::partnership::types::{
    Cluster, ClusterConnection, Partnership, PartnershipConnection, PartnershipGap,
    PartnershipGapConnection,
};

/// Which partnerships to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct PartnershipFilter {
    /// Only these kinds.
    pub kinds: Option<Vec<PartnershipKind>>,
    /// Only these statuses.
    pub statuses: Option<Vec<PartnershipStatus>>,
    /// Only partnerships with this member on either side.
    pub member_id: Option<ID>,
    /// Only partnerships in this cluster.
    pub cluster_id: Option<ID>,
    /// Only partnerships changed at or after this time (for incremental sync).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Which clusters to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct ClusterFilter {
    /// Only clusters around this Ukrainian member.
    pub focus_member_id: Option<ID>,
    /// Only clusters changed at or after this time (for incremental sync).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Root fields for partnerships and clusters.
#[derive(Default)]
pub struct PartnershipQuery;

/// Root fields for partnerships and clusters.
#[Object]
impl PartnershipQuery {
    /// Partnerships between EU and Ukrainian members, filtered and ordered.
    async fn partnerships(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which partnerships to list.")] filter: Option<PartnershipFilter>,
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
    ) -> async_graphql::Result<PartnershipConnection> {
        let filter = filter.unwrap_or_default();
        let filter = Filter {
            kinds: filter
                .kinds
                .unwrap_or_default()
                .into_iter()
                .map(|k| k.code().to_owned())
                .collect(),
            statuses: filter
                .statuses
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.code().to_owned())
                .collect(),
            member_id: filter
                .member_id
                .map(|id| ids::decode(&id, "Member", "filter.memberId"))
                .transpose()?,
            cluster_id: filter
                .cluster_id
                .map(|id| ids::decode(&id, "Cluster", "filter.clusterId"))
                .transpose()?,
            updated_since: filter.updated_since,
        };
        use partnership::Column as C;
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
            Partnership,
        )
        .await?;
        Ok(PartnershipConnection::new(page, total))
    }

    /// Clusters of partnerships around Ukrainian communities.
    async fn clusters(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which clusters to list.")] filter: Option<ClusterFilter>,
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
    ) -> async_graphql::Result<ClusterConnection> {
        let filter = filter.unwrap_or_default();
        let focus = filter
            .focus_member_id
            .map(|id| ids::decode(&id, "Member", "filter.focusMemberId"))
            .transpose()?;
        use cluster::Column as C;
        let key = order_by
            .unwrap_or_default()
            .sort_key(C::CreatedAt, C::UpdatedAt, C::Id);
        let principal = graphql::principal(ctx)?;
        let (page, total) = graphql::root(
            ctx,
            service::clusters(principal, focus, filter.updated_since),
            key,
            PageArgs {
                first,
                after,
                last,
                before,
            },
            Cluster,
        )
        .await?;
        Ok(ClusterConnection::new(page, total))
    }

    /// Ukrainian hromadas and oblasts with open needs and no active
    /// partnership: where the Alliance should look for partners first. Most
    /// urgent first (the urgency of the most urgent open need), then most open
    /// needs, then the longest waiting.
    async fn partnership_gaps(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which gaps to list.")] filter: Option<PartnershipGapFilter>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<PartnershipGapConnection> {
        const KEY: &str = "URGENCY:DESC";
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .validate(KEY)?;
        let filter = filter.unwrap_or_default();
        let filter = GapFilter {
            territory_id: filter
                .territory_id
                .map(|id| ids::decode(&id, "Territory", "filter.territoryId"))
                .transpose()?,
            min_urgency_rank: filter.min_urgency.map(|u| urgency_rank(u.code())),
        };
        let loaders = graphql::loaders(ctx)?;
        let gaps = coverage::gaps(loaders.db(), loaders.principal(), &filter).await?;
        let total = gaps.len() as u64;
        // The cursor value sorts as text in list order: urgency and count
        // descending, waiting time ascending.
        let rows = gaps
            .into_iter()
            .map(|gap| {
                let value = format!(
                    "{}{:010}{:020}",
                    9 - gap.urgency_rank.clamp(0, 9),
                    9_999_999_999 - gap.open_needs.clamp(0, 9_999_999_999),
                    gap.oldest_need_at.timestamp_micros().max(0)
                );
                let cursor = Cursor {
                    key: KEY.to_owned(),
                    value: SortValue::Text(value),
                    id: gap.member_id,
                };
                (gap, cursor)
            })
            .collect();
        let by_rank = |a: &Cursor, b: &Cursor| match (&a.value, &b.value) {
            (SortValue::Text(x), SortValue::Text(y)) => x.cmp(y).then(a.id.cmp(&b.id)),
            _ => a.id.cmp(&b.id),
        };
        let page = page_ranked(rows, &page, by_rank);
        let members: Vec<i64> = page.rows.iter().map(|(g, _)| g.member_id).collect();
        let needs =
            coverage::open_needs_of(loaders.db(), loaders.principal(), &members, 20).await?;
        let page = page.map(|gap| PartnershipGap {
            needs: Arc::new(needs.get(&gap.member_id).cloned().unwrap_or_default()),
            gap,
        });
        Ok(PartnershipGapConnection::new(page, known_total(total)))
    }
}

/// Which partnership gaps to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct PartnershipGapFilter {
    /// Only hromadas and oblasts in this territory or one below it.
    pub territory_id: Option<ID>,
    /// Only those with an open need at least this urgent.
    pub min_urgency: Option<Urgency>,
}
