//! Counts of offers, needs and matches for dashboards: grouped in SQL (one
//! statement each), theme lists expanded afterwards so that an offer on two
//! themes counts once under each.

use std::collections::BTreeMap;

use entity::{assistance_match, assistance_need, assistance_offer};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, FromQueryResult, QuerySelect};

use crate::auth::Principal;
use crate::error::Result;
use crate::loader::Table;

/// Counts by code, in code order.
pub type Counts = BTreeMap<String, i64>;

/// How offers or needs break down.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Breakdown {
    /// All of them.
    pub total: i64,
    /// By status.
    pub by_status: Counts,
    /// By modality (needs without a wanted modality under `ANY`).
    pub by_modality: Counts,
    /// By DAC theme; a record counts once under each of its themes.
    pub by_theme: Counts,
    /// By urgency (needs only).
    pub by_urgency: Counts,
}

/// The counts of offers, needs and matches.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Offers.
    pub offers: Breakdown,
    /// Needs.
    pub needs: Breakdown,
    /// Matches by status.
    pub matches_by_status: Counts,
}

#[derive(FromQueryResult)]
struct Group {
    status: String,
    modality: Option<String>,
    urgency: Option<String>,
    themes: String,
    count: i64,
}

#[derive(FromQueryResult)]
struct StatusCount {
    status: String,
    count: i64,
}

fn tally(groups: Vec<Group>) -> Breakdown {
    let mut out = Breakdown::default();
    for g in groups {
        out.total += g.count;
        *out.by_status.entry(g.status).or_default() += g.count;
        *out.by_modality
            .entry(g.modality.unwrap_or_else(|| "ANY".into()))
            .or_default() += g.count;
        if let Some(urgency) = g.urgency {
            *out.by_urgency.entry(urgency).or_default() += g.count;
        }
        for theme in entity::list::decode(&g.themes) {
            *out.by_theme.entry(theme).or_default() += g.count;
        }
    }
    out
}

/// Counts what `principal` may see: three statements.
pub async fn stats(db: &impl ConnectionTrait, principal: &Principal) -> Result<Stats> {
    use assistance_need::Column as N;
    use assistance_offer::Column as O;
    let offers = assistance_offer::Entity::find_visible(principal)
        .select_only()
        .column(O::Status)
        .column(O::Modality)
        .column_as(Expr::cust("CAST(NULL AS TEXT)"), "urgency")
        .column(O::Themes)
        .column_as(O::Id.count(), "count")
        .group_by(O::Status)
        .group_by(O::Modality)
        .group_by(O::Themes)
        .into_model::<Group>()
        .all(db)
        .await?;
    let needs = assistance_need::Entity::find_visible(principal)
        .select_only()
        .column(N::Status)
        .column(N::Modality)
        .column(N::Urgency)
        .column(N::Themes)
        .column_as(N::Id.count(), "count")
        .group_by(N::Status)
        .group_by(N::Modality)
        .group_by(N::Urgency)
        .group_by(N::Themes)
        .into_model::<Group>()
        .all(db)
        .await?;
    let matches = assistance_match::Entity::find_visible(principal)
        .select_only()
        .column(assistance_match::Column::Status)
        .column_as(assistance_match::Column::Id.count(), "count")
        .group_by(assistance_match::Column::Status)
        .into_model::<StatusCount>()
        .all(db)
        .await?;
    Ok(Stats {
        offers: tally(offers),
        needs: tally(needs),
        matches_by_status: matches.into_iter().map(|m| (m.status, m.count)).collect(),
    })
}
