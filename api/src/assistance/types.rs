//! GraphQL types of assistance offers, needs and matches.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{assistance_match, assistance_need, assistance_offer, member};

use crate::assistance::matching::{Factor, Part, Suggestion};
use crate::assistance::service::{MatchesOfNeed, MatchesOfOffer};
use crate::codes::{AssistanceStatus, MatchStatus, Modality, Urgency, stored};
use crate::compiled::{self, JsonField, JsonNode};
use crate::error::AppError;
use crate::graphql;
use crate::ids;
use crate::member::types::{Member, load_member};
use crate::pagination::{PageArgs, connection};
use crate::project::types::{Project, load_project};

/// Technical assistance offered by a member.
#[derive(Clone)]
pub struct AssistanceOffer(pub assistance_offer::Model);

connection!(
    AssistanceOfferConnection,
    AssistanceOfferEdge,
    AssistanceOffer,
    "assistance offers"
);

/// Technical assistance offered by a member.
#[Object]
impl AssistanceOffer {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("AssistanceOffer", self.0.id)
    }
    /// The offering member.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.member_id).await
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Themes as OECD DAC 5-digit purpose codes.
    async fn themes(&self) -> Vec<String> {
        entity::list::decode(&self.0.themes)
    }
    /// How the assistance is delivered.
    async fn modality(&self) -> async_graphql::Result<Modality> {
        Ok(stored(&self.0.modality)?)
    }
    /// IATI AidType code of the modality (e.g. `D02`, other technical assistance).
    async fn iati_aid_type(&self) -> async_graphql::Result<&'static str> {
        Ok(stored::<Modality>(&self.0.modality)?.iati_aid_type())
    }
    /// Working languages (ISO 639-1).
    async fn languages(&self) -> Vec<String> {
        entity::list::decode(&self.0.languages)
    }
    /// Capacity in person-days.
    async fn capacity_days(&self) -> i32 {
        self.0.capacity_days
    }
    /// First day the offer is available.
    async fn available_from(&self) -> Option<NaiveDate> {
        self.0.available_from
    }
    /// Last day the offer is available.
    async fn available_until(&self) -> Option<NaiveDate> {
        self.0.available_until
    }
    /// Lifecycle status.
    async fn status(&self) -> async_graphql::Result<AssistanceStatus> {
        Ok(stored(&self.0.status)?)
    }
    /// Matches of this offer with needs, newest first.
    async fn matches(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<AssistanceMatchConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<MatchesOfOffer, _>(ctx, self.0.id, args, AssistanceMatch).await?;
        Ok(AssistanceMatchConnection::new(page, total))
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

/// Technical assistance a Ukrainian member needs.
#[derive(Clone)]
pub struct AssistanceNeed(pub assistance_need::Model);

connection!(
    AssistanceNeedConnection,
    AssistanceNeedEdge,
    AssistanceNeed,
    "assistance needs"
);

/// Technical assistance a Ukrainian member needs.
#[Object]
impl AssistanceNeed {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("AssistanceNeed", self.0.id)
    }
    /// The member asking for help.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.member_id).await
    }
    /// The project the help is for, if any.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        match self.0.project_id {
            Some(id) => load_project(ctx, id).await,
            None => Ok(None),
        }
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Themes as OECD DAC 5-digit purpose codes.
    async fn themes(&self) -> Vec<String> {
        entity::list::decode(&self.0.themes)
    }
    /// Wanted modality; null when any will do.
    async fn modality(&self) -> async_graphql::Result<Option<Modality>> {
        Ok(self.0.modality.as_deref().map(stored).transpose()?)
    }
    /// Working languages (ISO 639-1).
    async fn languages(&self) -> Vec<String> {
        entity::list::decode(&self.0.languages)
    }
    /// Person-days needed.
    async fn days_needed(&self) -> i32 {
        self.0.days_needed
    }
    /// Earliest start.
    async fn needed_from(&self) -> Option<NaiveDate> {
        self.0.needed_from
    }
    /// Latest end.
    async fn needed_until(&self) -> Option<NaiveDate> {
        self.0.needed_until
    }
    /// How urgent the need is.
    async fn urgency(&self) -> async_graphql::Result<Urgency> {
        Ok(stored(&self.0.urgency)?)
    }
    /// Lifecycle status.
    async fn status(&self) -> async_graphql::Result<AssistanceStatus> {
        Ok(stored(&self.0.status)?)
    }
    /// Matches of this need with offers, newest first.
    async fn matches(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<AssistanceMatchConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<MatchesOfNeed, _>(ctx, self.0.id, args, AssistanceMatch).await?;
        Ok(AssistanceMatchConnection::new(page, total))
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

/// A match of an offer with a need.
#[derive(Clone)]
pub struct AssistanceMatch(pub assistance_match::Model);

connection!(
    AssistanceMatchConnection,
    AssistanceMatchEdge,
    AssistanceMatch,
    "assistance matches"
);

/// A match of an offer with a need.
#[Object]
impl AssistanceMatch {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("AssistanceMatch", self.0.id)
    }
    /// The offer.
    async fn offer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AssistanceOffer>> {
        Ok(
            graphql::load::<assistance_offer::Entity>(ctx, self.0.offer_id)
                .await?
                .map(AssistanceOffer),
        )
    }
    /// The need.
    async fn need(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AssistanceNeed>> {
        Ok(
            graphql::load::<assistance_need::Entity>(ctx, self.0.need_id)
                .await?
                .map(AssistanceNeed),
        )
    }
    /// Lifecycle status.
    async fn status(&self) -> async_graphql::Result<MatchStatus> {
        Ok(stored(&self.0.status)?)
    }
    /// Score the pair had when the match was proposed, from 0 to 1.
    async fn score(&self) -> f64 {
        f64::from(self.0.score_milli) / 1000.0
    }
    /// The parts of the score at proposal time: why the pair was proposed.
    async fn score_parts(&self) -> async_graphql::Result<Vec<ScorePart>> {
        let parts: Vec<Part> = serde_json::from_str(&self.0.score_parts)
            .map_err(|e| AppError::internal(format!("stored score parts: {e}")))?;
        Ok(parts.into_iter().map(ScorePart).collect())
    }
    /// When the offering side accepted (proposing counts as accepting).
    async fn offer_accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.offer_accepted_at
    }
    /// When the needing side accepted (proposing counts as accepting).
    async fn need_accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.need_accepted_at
    }
    /// Outcome recorded on completion.
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
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

/// One part of a match score: a factor, how the pair does on it and why.
pub struct ScorePart(pub Part);

/// One part of a match score: a factor, how the pair does on it and why.
#[Object]
impl ScorePart {
    /// What the part measures.
    async fn factor(&self) -> Factor {
        self.0.factor
    }
    /// Weight of the factor in the score, from 0 to 1; the weights add up to 1.
    async fn weight(&self) -> f64 {
        f64::from(self.0.factor.weight()) / 1000.0
    }
    /// How well the pair does on the factor, from 0 to 1.
    async fn value(&self) -> f64 {
        f64::from(self.0.value) / 1000.0
    }
    /// What the part adds to the score: weight × value, rounded to thousandths.
    async fn contribution(&self) -> f64 {
        f64::from(self.0.contribution()) / 1000.0
    }
    /// Why, in words (English).
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

/// A suggested pair of an open offer and an open need, with its score and the
/// parts that made it.
#[derive(Clone)]
pub struct MatchSuggestion(pub std::sync::Arc<Suggestion>);

connection!(
    MatchSuggestionConnection,
    MatchSuggestionEdge,
    MatchSuggestion,
    "match suggestions, best first"
);

/// A suggested pair of an open offer and an open need, with its score and the
/// parts that made it.
#[Object]
impl MatchSuggestion {
    /// The offer.
    async fn offer(&self, ctx: &Context<'_>) -> async_graphql::Result<AssistanceOffer> {
        graphql::load::<assistance_offer::Entity>(ctx, self.0.offer.id)
            .await?
            .map(AssistanceOffer)
            .ok_or_else(|| AppError::internal("a suggested offer is not visible").into())
    }
    /// The need.
    async fn need(&self, ctx: &Context<'_>) -> async_graphql::Result<AssistanceNeed> {
        graphql::load::<assistance_need::Entity>(ctx, self.0.need.id)
            .await?
            .map(AssistanceNeed)
            .ok_or_else(|| AppError::internal("a suggested need is not visible").into())
    }
    /// Score from 0 to 1: the sum of the parts' contributions.
    async fn score(&self) -> f64 {
        f64::from(self.0.score.total) / 1000.0
    }
    /// The parts of the score, one per factor.
    async fn parts(&self) -> Vec<ScorePart> {
        self.0.score.parts.iter().cloned().map(ScorePart).collect()
    }
}

/// A code and how many records carry it.
#[derive(async_graphql::SimpleObject)]
pub struct CodeCount {
    /// The code: a status, modality, urgency or DAC purpose code.
    pub code: String,
    /// How many records carry it.
    pub count: i64,
}

fn counts(counts: &crate::assistance::stats::Counts) -> Vec<CodeCount> {
    counts
        .iter()
        .map(|(code, count)| CodeCount {
            code: code.clone(),
            count: *count,
        })
        .collect()
}

/// How offers or needs break down.
pub struct AssistanceBreakdown(pub crate::assistance::stats::Breakdown);

/// How offers or needs break down.
#[Object]
impl AssistanceBreakdown {
    /// How many there are.
    async fn total(&self) -> i64 {
        self.0.total
    }
    /// By status code.
    async fn by_status(&self) -> Vec<CodeCount> {
        counts(&self.0.by_status)
    }
    /// By modality code (`ANY` for needs that take any modality).
    async fn by_modality(&self) -> Vec<CodeCount> {
        counts(&self.0.by_modality)
    }
    /// By DAC 5-digit theme; a record counts once under each of its themes.
    async fn by_theme(&self) -> Vec<CodeCount> {
        counts(&self.0.by_theme)
    }
    /// By urgency code (needs; empty for offers).
    async fn by_urgency(&self) -> Vec<CodeCount> {
        counts(&self.0.by_urgency)
    }
}

/// Counts of technical assistance for dashboards.
pub struct AssistanceStats(pub crate::assistance::stats::Stats);

/// Counts of technical assistance for dashboards.
#[Object]
impl AssistanceStats {
    /// Offers.
    async fn offers(&self) -> AssistanceBreakdown {
        AssistanceBreakdown(self.0.offers.clone())
    }
    /// Needs.
    async fn needs(&self) -> AssistanceBreakdown {
        AssistanceBreakdown(self.0.needs.clone())
    }
    /// Matches by status code.
    async fn matches_by_status(&self) -> Vec<CodeCount> {
        counts(&self.0.matches_by_status)
    }
}

/// An offer's plain fields and member as JSON (see [`crate::compiled`]).
impl JsonNode for assistance_offer::Entity {
    const TYPE_NAME: &'static str = "AssistanceOffer";
    const CONNECTION: &'static str = "AssistanceOfferConnection";
    fn json_field(name: &str) -> Option<JsonField> {
        Some(match name {
            "id" => JsonField::Id,
            "member" => JsonField::ToOne {
                column: "member_id",
                object: compiled::to_one::<member::Entity>,
            },
            "title" => JsonField::Column("title"),
            "description" => JsonField::Column("description"),
            "modality" => compiled::code::<Modality>("modality"),
            "capacityDays" => JsonField::Column("capacity_days"),
            "availableFrom" => JsonField::Date("available_from"),
            "availableUntil" => JsonField::Date("available_until"),
            "status" => compiled::code::<AssistanceStatus>("status"),
            "version" => JsonField::Column("version"),
            _ => return None,
        })
    }
}
