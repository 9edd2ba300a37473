//! Mutations of governance responsibilities.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::NaiveDate;
use entity::responsibility;

use crate::audit::idempotency::Idempotency;
use crate::codes::{Code, GovernanceFunction, GovernanceLevel, Phase, Raci, Theme};
use crate::governance::types::Responsibility;
use crate::governance::write::{self, ResponsibilityFields};
use crate::graphql::{self, payload};
use crate::ids;

payload!(
    ResponsibilityPayload,
    responsibility,
    Responsibility,
    responsibility::Model,
    "a governance responsibility"
);

/// A new responsibility. Its scope is a project, or a theme within a territory.
#[derive(InputObject)]
pub struct CreateResponsibilityInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// Function in the public-investment cycle.
    pub function: GovernanceFunction,
    /// Phase of the project's life.
    pub phase: Phase,
    /// Level of government.
    pub level: GovernanceLevel,
    /// The actor.
    pub actor_id: ID,
    /// RACI role of the actor.
    pub raci: Raci,
    /// OECD principles served (numbers 1 to 12).
    pub principles: Option<Vec<i32>>,
    /// Legal basis.
    pub legal_basis: Option<String>,
    /// First day of validity.
    pub valid_from: Option<NaiveDate>,
    /// Last day of validity.
    pub valid_until: Option<NaiveDate>,
    /// Scope: the project (then leave `territoryId` and `theme` out).
    pub project_id: Option<ID>,
    /// Scope: the territory, with `theme`.
    pub territory_id: Option<ID>,
    /// Scope: the theme within the territory.
    pub theme: Option<Theme>,
    /// Free-text note.
    pub note: Option<String>,
}

/// The end of a responsibility's validity.
#[derive(InputObject)]
pub struct EndResponsibilityInput {
    /// The responsibility.
    pub id: ID,
    /// The version the caller read.
    pub expected_version: i32,
    /// Last day of validity.
    pub valid_until: NaiveDate,
}

/// Mutations of governance responsibilities.
#[derive(Default)]
pub struct GovernanceMutation;

/// Mutations of governance responsibilities.
#[Object]
impl GovernanceMutation {
    /// Records who is responsible for what (the secretariat; for a project's responsibilities also its owner's editors).
    async fn create_responsibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The responsibility.")] input: CreateResponsibilityInput,
    ) -> async_graphql::Result<ResponsibilityPayload> {
        let loaders = graphql::loaders(ctx)?;
        let fields = ResponsibilityFields {
            function: input.function.code().to_owned(),
            phase: input.phase.code().to_owned(),
            level: input.level.code().to_owned(),
            actor_id: graphql::member_id(&input.actor_id, "input.actorId")?,
            raci: input.raci.code().to_owned(),
            principles: input.principles.unwrap_or_default(),
            legal_basis: input.legal_basis,
            valid_from: input.valid_from,
            valid_until: input.valid_until,
            project_id: input
                .project_id
                .map(|p| ids::decode(&p, "Project", "input.projectId"))
                .transpose()?,
            territory_id: input
                .territory_id
                .map(|t| ids::decode(&t, "Territory", "input.territoryId"))
                .transpose()?,
            theme: input.theme.map(|t| t.code().to_owned()),
            note: input.note,
        };
        let idempotency = Idempotency::new(input.idempotency_key, "createResponsibility", &fields)?;
        Ok(
            write::create(loaders.db(), loaders.principal(), fields, idempotency)
                .await?
                .into(),
        )
    }

    /// Ends a responsibility's validity; the record stays for the history.
    async fn end_responsibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The responsibility, the version the caller read and the last day.")]
        input: EndResponsibilityInput,
    ) -> async_graphql::Result<ResponsibilityPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "Responsibility", "input.id")?;
        Ok(write::end(
            loaders.db(),
            loaders.principal(),
            id,
            input.expected_version,
            input.valid_until,
        )
        .await?
        .into())
    }
}
