//! Mutations of assistance offers, needs and matches.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::NaiveDate;
use entity::{assistance_match, assistance_need, assistance_offer};

use crate::assistance::types::{AssistanceMatch, AssistanceNeed, AssistanceOffer};
use crate::assistance::write::{self, AssistanceFields};
use crate::audit::idempotency::Idempotency;
use crate::codes::{Code, Modality, Urgency};
use crate::graphql::{self, TransitionInput, payload};
use crate::ids;
use crate::lifecycle::{self, Lifecycle, Who};
use crate::validation::Outcome;

payload!(
    AssistanceOfferPayload,
    offer,
    AssistanceOffer,
    assistance_offer::Model,
    "an assistance offer"
);
payload!(
    AssistanceNeedPayload,
    need,
    AssistanceNeed,
    assistance_need::Model,
    "an assistance need"
);
payload!(
    AssistanceMatchPayload,
    assistance_match,
    AssistanceMatch,
    assistance_match::Model,
    "a match"
);

/// A new offer of technical assistance; it is created as a draft.
#[derive(InputObject)]
pub struct CreateAssistanceOfferInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// The offering member (editors: their own organisation).
    pub member_id: ID,
    /// Title (at most 200 characters).
    pub title: String,
    /// Description.
    pub description: String,
    /// Themes as OECD DAC 5-digit purpose codes (at least one).
    pub themes: Vec<String>,
    /// How the assistance is delivered.
    pub modality: Modality,
    /// Working languages as ISO 639-1 codes (at least one).
    pub languages: Vec<String>,
    /// Capacity in person-days (1 to 10000).
    pub capacity_days: i32,
    /// First day available.
    pub available_from: Option<NaiveDate>,
    /// Last day available, not before the first.
    pub available_until: Option<NaiveDate>,
}

/// A new need for technical assistance; it is created as a draft.
#[derive(InputObject)]
pub struct CreateAssistanceNeedInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// The member asking for help (editors: their own organisation).
    pub member_id: ID,
    /// The project the help is for.
    pub project_id: Option<ID>,
    /// Title (at most 200 characters).
    pub title: String,
    /// Description.
    pub description: String,
    /// Themes as OECD DAC 5-digit purpose codes (at least one).
    pub themes: Vec<String>,
    /// Wanted modality; omit when any will do.
    pub modality: Option<Modality>,
    /// Working languages as ISO 639-1 codes (at least one).
    pub languages: Vec<String>,
    /// Person-days needed (1 to 10000).
    pub days_needed: i32,
    /// Earliest start.
    pub needed_from: Option<NaiveDate>,
    /// Latest end, not before the earliest start.
    pub needed_until: Option<NaiveDate>,
    /// How urgent (default: medium).
    pub urgency: Option<Urgency>,
}

/// Changes to an offer; fields left out stay as they are, fields set to null are cleared.
#[derive(InputObject)]
pub struct UpdateAssistanceOfferInput {
    /// The offer.
    pub id: ID,
    /// The version the caller read.
    pub expected_version: i32,
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New themes (OECD DAC 5-digit purpose codes).
    pub themes: Option<Vec<String>>,
    /// New modality.
    pub modality: Option<Modality>,
    /// New working languages (ISO 639-1).
    pub languages: Option<Vec<String>>,
    /// New capacity in person-days.
    pub capacity_days: Option<i32>,
    /// New first day, or null to clear.
    pub available_from: MaybeUndefined<NaiveDate>,
    /// New last day, or null to clear.
    pub available_until: MaybeUndefined<NaiveDate>,
}

/// Changes to a need; fields left out stay as they are, fields set to null are cleared.
#[derive(InputObject)]
pub struct UpdateAssistanceNeedInput {
    /// The need.
    pub id: ID,
    /// The version the caller read.
    pub expected_version: i32,
    /// New project, or null to clear.
    pub project_id: MaybeUndefined<ID>,
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New themes (OECD DAC 5-digit purpose codes).
    pub themes: Option<Vec<String>>,
    /// New wanted modality, or null for any.
    pub modality: MaybeUndefined<Modality>,
    /// New working languages (ISO 639-1).
    pub languages: Option<Vec<String>>,
    /// New person-days needed.
    pub days_needed: Option<i32>,
    /// New earliest start, or null to clear.
    pub needed_from: MaybeUndefined<NaiveDate>,
    /// New latest end, or null to clear.
    pub needed_until: MaybeUndefined<NaiveDate>,
    /// New urgency.
    pub urgency: Option<Urgency>,
}

fn common(
    fields: &mut AssistanceFields,
    title: Option<String>,
    description: Option<String>,
    themes: Option<Vec<String>>,
    languages: Option<Vec<String>>,
    days: Option<i32>,
) {
    if let Some(v) = title {
        fields.title = v;
    }
    if let Some(v) = description {
        fields.description = v;
    }
    if let Some(v) = themes {
        fields.themes = v;
    }
    if let Some(v) = languages {
        fields.languages = v;
    }
    if let Some(v) = days {
        fields.days = v;
    }
}

/// A proposed match of an open offer with an open need.
#[derive(InputObject)]
pub struct ProposeMatchInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// The offer.
    pub offer_id: ID,
    /// The need.
    pub need_id: ID,
}

/// Completion of a match with its outcome.
#[derive(InputObject)]
pub struct CompleteMatchInput {
    /// The match.
    pub id: ID,
    /// The version the caller read.
    pub expected_version: i32,
    /// What the assistance achieved.
    pub outcome: String,
}

async fn moved<E: Lifecycle>(
    ctx: &Context<'_>,
    input: TransitionInput,
    operation: &str,
    moves: &[(&str, &str)],
    target: &str,
) -> async_graphql::Result<Outcome<E::Model>> {
    let loaders = graphql::loaders(ctx)?;
    let id = ids::decode(&input.id, E::TYPE, "input.id")?;
    Ok(lifecycle::transition::<E>(
        loaders.db(),
        loaders.principal(),
        id,
        input.expected_version,
        operation,
        moves,
        target,
        Who::OwnerOrSecretariat,
        Vec::new(),
    )
    .await?)
}

async fn matched(
    ctx: &Context<'_>,
    input: TransitionInput,
    operation: &str,
    from: &[&str],
    to: &str,
) -> async_graphql::Result<AssistanceMatchPayload> {
    let loaders = graphql::loaders(ctx)?;
    let id = ids::decode(&input.id, "AssistanceMatch", "input.id")?;
    let outcome = write::move_match(
        loaders.db(),
        loaders.principal(),
        id,
        input.expected_version,
        operation,
        from,
        to,
        None,
    )
    .await?;
    Ok(outcome.into())
}

/// Mutations of technical assistance.
#[derive(Default)]
pub struct AssistanceMutation;

/// Mutations of technical assistance.
#[Object]
impl AssistanceMutation {
    /// Offers technical assistance (created as a draft; open it to make it public).
    async fn create_assistance_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The offer.")] input: CreateAssistanceOfferInput,
    ) -> async_graphql::Result<AssistanceOfferPayload> {
        let loaders = graphql::loaders(ctx)?;
        let fields = AssistanceFields {
            member_id: graphql::member_id(&input.member_id, "input.memberId")?,
            project_id: None,
            title: input.title,
            description: input.description,
            themes: input.themes,
            modality: Some(input.modality.code().to_owned()),
            languages: input.languages,
            days: input.capacity_days,
            from: input.available_from,
            until: input.available_until,
            urgency: None,
        };
        let idempotency =
            Idempotency::new(input.idempotency_key, "createAssistanceOffer", &fields)?;
        Ok(
            write::create_offer(loaders.db(), loaders.principal(), fields, idempotency)
                .await?
                .into(),
        )
    }

    /// Changes an offer (its member's editors, the secretariat).
    async fn update_assistance_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateAssistanceOfferInput,
    ) -> async_graphql::Result<AssistanceOfferPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "AssistanceOffer", "input.id")?;
        let expected_version = input.expected_version;
        let change = move |f: &mut AssistanceFields| {
            common(
                f,
                input.title,
                input.description,
                input.themes,
                input.languages,
                input.capacity_days,
            );
            if let Some(m) = input.modality {
                f.modality = Some(m.code().to_owned());
            }
            graphql::set(&mut f.from, input.available_from);
            graphql::set(&mut f.until, input.available_until);
        };
        Ok(write::update_offer(
            loaders.db(),
            loaders.principal(),
            id,
            expected_version,
            change,
        )
        .await?
        .into())
    }

    /// Opens a draft offer for matching.
    async fn open_assistance_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The offer and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<AssistanceOfferPayload> {
        Ok(moved::<assistance_offer::Entity>(
            ctx,
            input,
            "openAssistanceOffer",
            &[("DRAFT", "OPEN")],
            "OPEN",
        )
        .await?
        .into())
    }

    /// Withdraws a draft or open offer.
    async fn withdraw_assistance_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The offer and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<AssistanceOfferPayload> {
        Ok(moved::<assistance_offer::Entity>(
            ctx,
            input,
            "withdrawAssistanceOffer",
            &[("DRAFT", "WITHDRAWN"), ("OPEN", "WITHDRAWN")],
            "WITHDRAWN",
        )
        .await?
        .into())
    }

    /// Closes an open or matched offer.
    async fn close_assistance_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The offer and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<AssistanceOfferPayload> {
        Ok(moved::<assistance_offer::Entity>(
            ctx,
            input,
            "closeAssistanceOffer",
            &[("OPEN", "CLOSED"), ("MATCHED", "CLOSED")],
            "CLOSED",
        )
        .await?
        .into())
    }

    /// Asks for technical assistance (created as a draft; open it to make it public).
    async fn create_assistance_need(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The need.")] input: CreateAssistanceNeedInput,
    ) -> async_graphql::Result<AssistanceNeedPayload> {
        let loaders = graphql::loaders(ctx)?;
        let fields = AssistanceFields {
            member_id: graphql::member_id(&input.member_id, "input.memberId")?,
            project_id: input
                .project_id
                .map(|p| ids::decode(&p, "Project", "input.projectId"))
                .transpose()?,
            title: input.title,
            description: input.description,
            themes: input.themes,
            modality: input.modality.map(|m| m.code().to_owned()),
            languages: input.languages,
            days: input.days_needed,
            from: input.needed_from,
            until: input.needed_until,
            urgency: input.urgency.map(|u| u.code().to_owned()),
        };
        let idempotency = Idempotency::new(input.idempotency_key, "createAssistanceNeed", &fields)?;
        Ok(
            write::create_need(loaders.db(), loaders.principal(), fields, idempotency)
                .await?
                .into(),
        )
    }

    /// Changes a need (its member's editors, the secretariat).
    async fn update_assistance_need(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateAssistanceNeedInput,
    ) -> async_graphql::Result<AssistanceNeedPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "AssistanceNeed", "input.id")?;
        let project = match input.project_id {
            MaybeUndefined::Value(p) => {
                MaybeUndefined::Value(ids::decode(&p, "Project", "input.projectId")?)
            }
            MaybeUndefined::Null => MaybeUndefined::Null,
            MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        };
        let expected_version = input.expected_version;
        let change = move |f: &mut AssistanceFields| {
            common(
                f,
                input.title,
                input.description,
                input.themes,
                input.languages,
                input.days_needed,
            );
            graphql::set(&mut f.project_id, project);
            graphql::set(
                &mut f.modality,
                input.modality.map_value(|m| m.code().to_owned()),
            );
            graphql::set(&mut f.from, input.needed_from);
            graphql::set(&mut f.until, input.needed_until);
            if let Some(u) = input.urgency {
                f.urgency = Some(u.code().to_owned());
            }
        };
        Ok(write::update_need(
            loaders.db(),
            loaders.principal(),
            id,
            expected_version,
            change,
        )
        .await?
        .into())
    }

    /// Opens a draft need for matching.
    async fn open_assistance_need(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The need and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<AssistanceNeedPayload> {
        Ok(moved::<assistance_need::Entity>(
            ctx,
            input,
            "openAssistanceNeed",
            &[("DRAFT", "OPEN")],
            "OPEN",
        )
        .await?
        .into())
    }

    /// Withdraws a draft or open need.
    async fn withdraw_assistance_need(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The need and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<AssistanceNeedPayload> {
        Ok(moved::<assistance_need::Entity>(
            ctx,
            input,
            "withdrawAssistanceNeed",
            &[("DRAFT", "WITHDRAWN"), ("OPEN", "WITHDRAWN")],
            "WITHDRAWN",
        )
        .await?
        .into())
    }

    /// Closes an open or matched need.
    async fn close_assistance_need(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The need and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<AssistanceNeedPayload> {
        Ok(moved::<assistance_need::Entity>(
            ctx,
            input,
            "closeAssistanceNeed",
            &[("OPEN", "CLOSED"), ("MATCHED", "CLOSED")],
            "CLOSED",
        )
        .await?
        .into())
    }

    /// Proposes a match of an open offer with an open need (either side, or the secretariat).
    async fn propose_match(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The offer and the need.")] input: ProposeMatchInput,
    ) -> async_graphql::Result<AssistanceMatchPayload> {
        let loaders = graphql::loaders(ctx)?;
        let offer = ids::decode(&input.offer_id, "AssistanceOffer", "input.offerId")?;
        let need = ids::decode(&input.need_id, "AssistanceNeed", "input.needId")?;
        let idempotency = Idempotency::new(
            input.idempotency_key,
            "proposeMatch",
            &serde_json::json!([offer, need]),
        )?;
        Ok(
            write::propose_match(loaders.db(), loaders.principal(), offer, need, idempotency)
                .await?
                .into(),
        )
    }

    /// Accepts a proposed match; its offer and need become MATCHED.
    async fn accept_match(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The match and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<AssistanceMatchPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "AssistanceMatch", "input.id")?;
        Ok(write::move_match(
            loaders.db(),
            loaders.principal(),
            id,
            input.expected_version,
            "acceptMatch",
            &["PROPOSED"],
            "ACCEPTED",
            None,
        )
        .await?
        .into())
    }

    /// Declines a proposed match.
    async fn decline_match(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The match and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<AssistanceMatchPayload> {
        matched(ctx, input, "declineMatch", &["PROPOSED"], "DECLINED").await
    }

    /// Starts the work of an accepted match.
    async fn start_match(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The match and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<AssistanceMatchPayload> {
        matched(ctx, input, "startMatch", &["ACCEPTED"], "ACTIVE").await
    }

    /// Completes an active match and records its outcome.
    async fn complete_match(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The match, the version the caller read and the outcome.")]
        input: CompleteMatchInput,
    ) -> async_graphql::Result<AssistanceMatchPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "AssistanceMatch", "input.id")?;
        Ok(write::move_match(
            loaders.db(),
            loaders.principal(),
            id,
            input.expected_version,
            "completeMatch",
            &["ACTIVE"],
            "COMPLETED",
            Some(input.outcome),
        )
        .await?
        .into())
    }

    /// Cancels an accepted or active match.
    async fn cancel_match(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The match and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<AssistanceMatchPayload> {
        matched(
            ctx,
            input,
            "cancelMatch",
            &["ACCEPTED", "ACTIVE"],
            "CANCELLED",
        )
        .await
    }
}
