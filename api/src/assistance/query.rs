//! Root fields for assistance offers, needs and matches.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::{assistance_match, assistance_need, assistance_offer};

use crate::assistance::service::{self, AssistanceFilter, MatchFilter};
use std::sync::Arc;

use crate::assistance::matching::{self, Suggestion};
use crate::assistance::stats;
use crate::assistance::types::{
    AssistanceMatch, AssistanceMatchConnection, AssistanceNeed, AssistanceNeedConnection,
    AssistanceOffer, AssistanceOfferConnection, AssistanceStats, MatchSuggestion,
    MatchSuggestionConnection,
};
use crate::codes::{AssistanceStatus, MatchStatus, Modality, Urgency, codes_of};
use crate::error::AppError;
use crate::graphql;
use crate::ids;
use crate::pagination::{Cursor, PageArgs, RecordOrderBy, SortValue, known_total, page_ranked};

/// Which offers to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct AssistanceOfferFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<AssistanceStatus>>,
    /// Only these modalities.
    pub modalities: Option<Vec<Modality>>,
    /// Only offers covering this OECD DAC 5-digit theme.
    pub theme: Option<String>,
    /// Only offers working in this ISO 639-1 language.
    pub language: Option<String>,
    /// Only offers of this member.
    pub member_id: Option<ID>,
    /// Only offers changed at or after this time (for incremental sync).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Which needs to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct AssistanceNeedFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<AssistanceStatus>>,
    /// Only needs wanting these modalities.
    pub modalities: Option<Vec<Modality>>,
    /// Only these urgencies.
    pub urgencies: Option<Vec<Urgency>>,
    /// Only needs on this OECD DAC 5-digit theme.
    pub theme: Option<String>,
    /// Only needs working in this ISO 639-1 language.
    pub language: Option<String>,
    /// Only needs of this member.
    pub member_id: Option<ID>,
    /// Only needs for this project.
    pub project_id: Option<ID>,
    /// Only needs changed at or after this time (for incremental sync).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Which matches to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct AssistanceMatchFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<MatchStatus>>,
    /// Only matches of this offer.
    pub offer_id: Option<ID>,
    /// Only matches of this need.
    pub need_id: Option<ID>,
    /// Only matches changed at or after this time (for incremental sync).
    pub updated_since: Option<DateTime<Utc>>,
}

fn id(value: Option<ID>, type_name: &str, argument: &str) -> async_graphql::Result<Option<i64>> {
    Ok(value
        .map(|id| ids::decode(&id, type_name, argument))
        .transpose()?)
}

fn check_assistance_filter(filter: &AssistanceFilter) -> async_graphql::Result<()> {
    graphql::check_codes(
        &filter.theme,
        graphql::CodeShape::DacPurpose,
        "filter.theme",
    )?;
    graphql::check_codes(
        &filter.language,
        graphql::CodeShape::Language,
        "filter.language",
    )?;
    Ok(())
}

impl AssistanceOfferFilter {
    /// The filter as the services take it, its IDs decoded and its codes checked.
    pub fn into_filter(self) -> async_graphql::Result<AssistanceFilter> {
        let filter = AssistanceFilter {
            statuses: codes_of(self.statuses),
            modalities: codes_of(self.modalities),
            theme: self.theme,
            language: self.language.map(|l| l.to_ascii_lowercase()),
            urgencies: Vec::new(),
            member_id: id(self.member_id, "Member", "filter.memberId")?,
            project_id: None,
            updated_since: self.updated_since,
        };
        check_assistance_filter(&filter)?;
        Ok(filter)
    }
}

impl AssistanceNeedFilter {
    /// The filter as the services take it, its IDs decoded and its codes checked.
    pub fn into_filter(self) -> async_graphql::Result<AssistanceFilter> {
        let filter = AssistanceFilter {
            statuses: codes_of(self.statuses),
            modalities: codes_of(self.modalities),
            theme: self.theme,
            language: self.language.map(|l| l.to_ascii_lowercase()),
            urgencies: codes_of(self.urgencies),
            member_id: id(self.member_id, "Member", "filter.memberId")?,
            project_id: id(self.project_id, "Project", "filter.projectId")?,
            updated_since: self.updated_since,
        };
        check_assistance_filter(&filter)?;
        Ok(filter)
    }
}

/// Root fields for technical assistance.
#[derive(Default)]
pub struct AssistanceQuery;

/// Root fields for technical assistance.
#[Object]
impl AssistanceQuery {
    /// Technical assistance offered by members, filtered and ordered.
    async fn assistance_offers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which offers to list.")] filter: Option<AssistanceOfferFilter>,
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
    ) -> async_graphql::Result<AssistanceOfferConnection> {
        let filter = filter.unwrap_or_default().into_filter()?;
        use assistance_offer::Column as C;
        let key = order_by
            .unwrap_or_default()
            .sort_key(C::CreatedAt, C::UpdatedAt, C::Id);
        let principal = graphql::principal(ctx)?;
        let (page, total) = graphql::root(
            ctx,
            service::offers(principal, &filter),
            key,
            PageArgs {
                first,
                after,
                last,
                before,
            },
            AssistanceOffer,
        )
        .await?;
        Ok(AssistanceOfferConnection::new(page, total))
    }

    /// Technical assistance needed by members, filtered and ordered.
    async fn assistance_needs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which needs to list.")] filter: Option<AssistanceNeedFilter>,
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
    ) -> async_graphql::Result<AssistanceNeedConnection> {
        let filter = filter.unwrap_or_default().into_filter()?;
        use assistance_need::Column as C;
        let key = order_by
            .unwrap_or_default()
            .sort_key(C::CreatedAt, C::UpdatedAt, C::Id);
        let principal = graphql::principal(ctx)?;
        let (page, total) = graphql::root(
            ctx,
            service::needs(principal, &filter),
            key,
            PageArgs {
                first,
                after,
                last,
                before,
            },
            AssistanceNeed,
        )
        .await?;
        Ok(AssistanceNeedConnection::new(page, total))
    }

    /// Matches between offers and needs, filtered and ordered.
    async fn assistance_matches(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which matches to list.")] filter: Option<AssistanceMatchFilter>,
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
    ) -> async_graphql::Result<AssistanceMatchConnection> {
        let filter = filter.unwrap_or_default();
        let filter = MatchFilter {
            statuses: codes_of(filter.statuses),
            offer_id: id(filter.offer_id, "AssistanceOffer", "filter.offerId")?,
            need_id: id(filter.need_id, "AssistanceNeed", "filter.needId")?,
            updated_since: filter.updated_since,
        };
        use assistance_match::Column as C;
        let key = order_by
            .unwrap_or_default()
            .sort_key(C::CreatedAt, C::UpdatedAt, C::Id);
        let principal = graphql::principal(ctx)?;
        let (page, total) = graphql::root(
            ctx,
            service::matches(principal, &filter),
            key,
            PageArgs {
                first,
                after,
                last,
                before,
            },
            AssistanceMatch,
        )
        .await?;
        Ok(AssistanceMatchConnection::new(page, total))
    }

    /// Ranked suggestions: for a need, the open offers that fit it; for an
    /// offer, the open needs it fits. Each suggestion carries its score and the
    /// parts that made it. Candidates are open, not expired, of another member,
    /// not already paired (only a cancelled match frees a pair) and share at
    /// least a DAC category; the best score comes first, ties go to the older
    /// record. For the editors of the need's or offer's member, coordinators,
    /// analysts and administrators.
    async fn match_suggestions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The need to find offers for (give this or `offerId`).")] need_id: Option<
            ID,
        >,
        #[graphql(desc = "The offer to find needs for (give this or `needId`).")] offer_id: Option<
            ID,
        >,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<MatchSuggestionConnection> {
        const KEY: &str = "SCORE:DESC";
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .validate(KEY)?;
        let loaders = graphql::loaders(ctx)?;
        let today = Utc::now().date_naive();
        let (found, id_of) = match (need_id, offer_id) {
            (Some(need), None) => {
                let need = ids::decode(&need, "AssistanceNeed", "needId")?;
                let found =
                    matching::offers_for_need(loaders.db(), loaders.principal(), need, today)
                        .await?;
                let id_of: fn(&Suggestion) -> i64 = |s| s.offer.id;
                (found.ok_or_else(|| not_visible("needId", "need"))?, id_of)
            }
            (None, Some(offer)) => {
                let offer = ids::decode(&offer, "AssistanceOffer", "offerId")?;
                let found =
                    matching::needs_for_offer(loaders.db(), loaders.principal(), offer, today)
                        .await?;
                let id_of: fn(&Suggestion) -> i64 = |s| s.need.id;
                (found.ok_or_else(|| not_visible("offerId", "offer"))?, id_of)
            }
            _ => {
                return Err(AppError::bad_input(
                    "needId",
                    "give exactly one of `needId` and `offerId`",
                )
                .into());
            }
        };
        let total = found.len() as u64;
        let rows = found
            .into_iter()
            .map(|s| {
                let cursor = Cursor {
                    key: KEY.to_owned(),
                    value: SortValue::Int(i64::from(s.score.total)),
                    id: id_of(&s),
                };
                (s, cursor)
            })
            .collect();
        let by_rank = |a: &Cursor, b: &Cursor| match (&a.value, &b.value) {
            (SortValue::Int(x), SortValue::Int(y)) => y.cmp(x).then(a.id.cmp(&b.id)),
            _ => a.id.cmp(&b.id),
        };
        // Reasons are written out for the page only.
        let page =
            page_ranked(rows, &page, by_rank).map(|s| MatchSuggestion(Arc::new(s.explained())));
        Ok(MatchSuggestionConnection::new(page, known_total(total)))
    }

    /// Counts of offers, needs and matches the caller may see, by status,
    /// modality, theme and urgency, for dashboards. Computed in SQL.
    async fn assistance_stats(&self, ctx: &Context<'_>) -> async_graphql::Result<AssistanceStats> {
        let loaders = graphql::loaders(ctx)?;
        Ok(AssistanceStats(
            stats::stats(loaders.db(), loaders.principal()).await?,
        ))
    }
}

fn not_visible(argument: &str, what: &str) -> AppError {
    AppError::bad_input(
        argument,
        format!("`{argument}` names no {what} you can see"),
    )
}
