//! Where partnerships are missing and what clusters cover: the Ukrainian
//! communities with open needs and no active partnership, and per cluster its
//! members and which of its needs are covered.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::{assistance_match, assistance_need, assistance_offer, member, partnership};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::auth::Principal;
use crate::codes::{Code, Urgency, rank};
use crate::error::{AppError, Result};
use crate::loader::Table;
use crate::sql;
use crate::territory::service::within;

/// Member kinds on the Ukrainian side of a partnership gap.
const LOCAL_KINDS: [&str; 2] = ["HROMADA", "OBLAST"];

/// Match statuses that cover a need.
const COVERING: [&str; 3] = ["ACCEPTED", "ACTIVE", "COMPLETED"];

/// Rank of an urgency code, 1 (low) to 4 (critical): its place in [`Urgency`].
pub fn urgency_rank(urgency: &str) -> i64 {
    (rank::<Urgency>(urgency).min(Urgency::all().len() - 1) + 1) as i64
}

/// The urgency code of a rank.
pub fn urgency_of_rank(rank: i64) -> &'static str {
    let last = Urgency::all().len() - 1;
    Urgency::all()[(rank.max(1) as usize - 1).min(last)].code()
}

/// [`urgency_rank`] in SQL, for the urgency column of `table`.
fn urgency_rank_sql(table: &str) -> String {
    let cases: String = Urgency::all()
        .iter()
        .map(|u| format!(" WHEN '{}' THEN {}", u.code(), urgency_rank(u.code())))
        .collect();
    format!("CASE \"{table}\".\"urgency\"{cases} ELSE 1 END")
}

/// A hromada or oblast with open needs and no active partnership.
#[derive(Clone, Debug)]
pub struct Gap {
    /// The member.
    pub member_id: i64,
    /// Its open needs (visible to the caller).
    pub open_needs: i64,
    /// Rank of its most urgent open need (see [`urgency_rank`]).
    pub urgency_rank: i64,
    /// When its oldest open need was recorded.
    pub oldest_need_at: DateTime<Utc>,
}

#[derive(FromQueryResult)]
struct GapRow {
    member_id: i64,
    open_needs: i64,
    urgency_rank: i64,
    oldest_need_at: DateTime<Utc>,
}

/// Filter of the gap list.
#[derive(Clone, Debug, Default)]
pub struct GapFilter {
    /// Only members in this territory or one below it.
    pub territory_id: Option<i64>,
    /// Only members with an open need of at least this urgency rank.
    pub min_urgency_rank: Option<i64>,
}

/// Hromadas and oblasts with open needs and no active partnership, most urgent
/// first (then most open needs, then the longest waiting, then by id). One
/// statement; at most one row per member.
pub async fn gaps(
    db: &impl ConnectionTrait,
    principal: &Principal,
    filter: &GapFilter,
) -> Result<Vec<Gap>> {
    use assistance_need::Column as N;
    let mut local = Query::select()
        .column((member::Entity, member::Column::Id))
        .from(member::Entity)
        .and_where(member::Column::Kind.is_in(LOCAL_KINDS))
        .to_owned();
    if let Some(territory) = filter.territory_id {
        local.cond_where(within("member", "territory_id", territory));
    }
    let partnered = Query::select()
        .column(partnership::Column::UaMemberId)
        .from(partnership::Entity)
        .and_where(partnership::Column::Status.eq("ACTIVE"))
        .to_owned();
    let rank = urgency_rank_sql("assistance_need");
    let rows = assistance_need::Entity::find_visible(principal)
        .select_only()
        .column_as(N::MemberId, "member_id")
        .column_as(N::Id.count(), "open_needs")
        .column_as(
            Expr::cust(format!("CAST(MAX({rank}) AS BIGINT)")),
            "urgency_rank",
        )
        .column_as(N::CreatedAt.min(), "oldest_need_at")
        .filter(N::Status.eq("OPEN"))
        .filter(sql::in_select("assistance_need", "member_id", local))
        .filter(sql::not_in_select(
            "assistance_need",
            "member_id",
            partnered,
        ))
        .group_by(N::MemberId)
        .into_model::<GapRow>()
        .all(db)
        .await?;
    let mut gaps: Vec<Gap> = rows
        .into_iter()
        .filter(|r| {
            filter
                .min_urgency_rank
                .is_none_or(|min| r.urgency_rank >= min)
        })
        .map(|r| Gap {
            member_id: r.member_id,
            open_needs: r.open_needs,
            urgency_rank: r.urgency_rank,
            oldest_need_at: r.oldest_need_at,
        })
        .collect();
    gaps.sort_by(|a, b| {
        b.urgency_rank
            .cmp(&a.urgency_rank)
            .then(b.open_needs.cmp(&a.open_needs))
            .then(a.oldest_need_at.cmp(&b.oldest_need_at))
            .then(a.member_id.cmp(&b.member_id))
    });
    Ok(gaps)
}

/// The open needs of `members`, most urgent first then oldest, at most `per_member` each.
pub async fn open_needs_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    members: &[i64],
    per_member: usize,
) -> Result<HashMap<i64, Vec<assistance_need::Model>>> {
    if members.is_empty() {
        return Ok(HashMap::new());
    }
    let needs = assistance_need::Entity::find_visible(principal)
        .filter(assistance_need::Column::Status.eq("OPEN"))
        .filter(assistance_need::Column::MemberId.is_in(members.iter().copied()))
        .order_by_asc(assistance_need::Column::CreatedAt)
        .order_by_asc(assistance_need::Column::Id)
        .all(db)
        .await?;
    let mut by_member: HashMap<i64, Vec<assistance_need::Model>> = HashMap::new();
    for need in needs {
        by_member.entry(need.member_id).or_default().push(need);
    }
    for list in by_member.values_mut() {
        // Stable: within one urgency the oldest stays first.
        list.sort_by_key(|n| std::cmp::Reverse(urgency_rank(&n.urgency)));
        list.truncate(per_member);
    }
    Ok(by_member)
}

/// Whether a cluster's need is covered.
#[derive(Clone, Debug)]
pub struct ClusterNeed {
    /// The need.
    pub need: assistance_need::Model,
    /// The accepted, active or completed match that covers it, if any.
    pub covered_by: Option<assistance_match::Model>,
    /// The covering offer's member belongs to the cluster.
    pub within_cluster: bool,
}

/// A cluster's members and the coverage of its needs.
#[derive(Clone, Debug, Default)]
pub struct ClusterCoverage {
    /// The focus member and the members of the cluster's active partnerships, by id.
    pub member_ids: Vec<i64>,
    /// The open and matched needs of the cluster's Ukrainian members: open ones
    /// first (most urgent, then oldest), then covered ones.
    pub needs: Vec<ClusterNeed>,
}

/// Loads the coverage of many clusters at once, keyed by (cluster id, focus member id).
pub struct CoverageLoader {
    /// Database.
    pub db: DatabaseConnection,
    /// The caller.
    pub principal: Principal,
}

impl Loader<(i64, i64)> for CoverageLoader {
    type Value = Arc<ClusterCoverage>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[(i64, i64)],
    ) -> std::result::Result<HashMap<(i64, i64), Self::Value>, Self::Error> {
        coverage(&self.db, &self.principal, keys)
            .await
            .map_err(Arc::new)
    }
}

/// The coverage of clusters `keys` (cluster id, focus member id), in four statements.
pub async fn coverage(
    db: &impl ConnectionTrait,
    principal: &Principal,
    keys: &[(i64, i64)],
) -> Result<HashMap<(i64, i64), Arc<ClusterCoverage>>> {
    let partnerships = partnership::Entity::find_visible(principal)
        .filter(partnership::Column::ClusterId.is_in(keys.iter().map(|k| k.0)))
        .filter(partnership::Column::Status.eq("ACTIVE"))
        .all(db)
        .await?;
    let mut members: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    let mut local: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    for (cluster, focus) in keys {
        members.entry(*cluster).or_default().insert(*focus);
        local.entry(*cluster).or_default().insert(*focus);
    }
    for p in &partnerships {
        let Some(cluster) = p.cluster_id else {
            continue;
        };
        let set = members.entry(cluster).or_default();
        set.insert(p.eu_member_id);
        set.insert(p.ua_member_id);
        local.entry(cluster).or_default().insert(p.ua_member_id);
    }
    let needing: HashSet<i64> = local.values().flatten().copied().collect();
    let needs = assistance_need::Entity::find_visible(principal)
        .filter(assistance_need::Column::MemberId.is_in(needing.iter().copied()))
        .filter(assistance_need::Column::Status.is_in(["OPEN", "MATCHED"]))
        .order_by_asc(assistance_need::Column::CreatedAt)
        .order_by_asc(assistance_need::Column::Id)
        .all(db)
        .await?;
    let matches = if needs.is_empty() {
        Vec::new()
    } else {
        assistance_match::Entity::find_visible(principal)
            .filter(assistance_match::Column::NeedId.is_in(needs.iter().map(|n| n.id)))
            .filter(assistance_match::Column::Status.is_in(COVERING))
            .order_by_asc(assistance_match::Column::Id)
            .all(db)
            .await?
    };
    let offers: HashMap<i64, i64> = if matches.is_empty() {
        HashMap::new()
    } else {
        assistance_offer::Entity::find()
            .filter(assistance_offer::Column::Id.is_in(matches.iter().map(|m| m.offer_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.member_id))
            .collect()
    };
    let mut cover: HashMap<i64, assistance_match::Model> = HashMap::new();
    for m in matches {
        cover.entry(m.need_id).or_insert(m);
    }
    let mut out = HashMap::new();
    for key in keys {
        let cluster_members = members.get(&key.0).cloned().unwrap_or_default();
        let cluster_local = local.get(&key.0).cloned().unwrap_or_default();
        let mut list: Vec<ClusterNeed> = needs
            .iter()
            .filter(|n| cluster_local.contains(&n.member_id))
            .map(|n| {
                let covered_by = cover.get(&n.id).cloned();
                let within_cluster = covered_by
                    .as_ref()
                    .and_then(|m| offers.get(&m.offer_id))
                    .is_some_and(|member| cluster_members.contains(member));
                ClusterNeed {
                    need: n.clone(),
                    covered_by,
                    within_cluster,
                }
            })
            .collect();
        list.sort_by_key(|n| {
            (
                n.covered_by.is_some(),
                std::cmp::Reverse(urgency_rank(&n.need.urgency)),
            )
        });
        out.insert(
            *key,
            Arc::new(ClusterCoverage {
                member_ids: cluster_members.into_iter().collect(),
                needs: list,
            }),
        );
    }
    Ok(out)
}
