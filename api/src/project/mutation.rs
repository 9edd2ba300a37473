//! Mutations of projects.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::NaiveDate;

use crate::audit::idempotency::Idempotency;
use crate::codes::{
    BuildBackBetter, Code, FinanceType, FundingStage, OrganisationRole, ParticipantRole,
    ProjectPurpose, ProjectStatus, ProjectType, Theme,
};
use crate::graphql::{self, GeoPointInput, LocalizedTextInput, MoneyInput, payload};
use crate::ids;
use crate::project::types::{DocumentLink, Funding, Indicator, Participant, Project};
use crate::project::write::{self, Change, ProjectFields};
use crate::validation::{Outcome, UserError};

/// A new project; it is created as a draft.
#[derive(InputObject)]
pub struct CreateProjectInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// Human key: upper-case letters, digits and hyphens, at most 64 characters, unique.
    pub code: String,
    /// Title in every language (at most 300 characters each).
    pub titles: LocalizedTextInput,
    /// Description in every language.
    pub descriptions: LocalizedTextInput,
    /// Status (default: identification).
    #[graphql(default_with = "ProjectStatus::Identification")]
    pub status: ProjectStatus,
    /// Type.
    pub project_type: ProjectType,
    /// Restoration or development.
    pub purpose: ProjectPurpose,
    /// OECD DAC 5-digit purpose code.
    pub sector_code: String,
    /// Dashboard theme.
    pub theme: Theme,
    /// Where the project takes place.
    pub territory_id: ID,
    /// The Ukrainian lead member (editors: their own organisation).
    pub owner_id: ID,
    /// The project's point.
    pub location: Option<GeoPointInput>,
    /// Planned start date.
    pub planned_start: Option<NaiveDate>,
    /// Planned end date, not before the planned start.
    pub planned_end: Option<NaiveDate>,
    /// Actual start date.
    pub actual_start: Option<NaiveDate>,
    /// Actual end date, not before the actual start.
    pub actual_end: Option<NaiveDate>,
    /// Budget: the funding required.
    pub budget: Option<MoneyInput>,
    /// "Build back better" principles.
    pub principles: Option<Vec<BuildBackBetter>>,
    /// Identifier in DREAM.
    pub dream_id: Option<String>,
    /// IATI activity identifier.
    pub iati_identifier: Option<String>,
}

/// Changes to a project; fields left out stay as they are, fields set to null are cleared.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    /// The project.
    pub id: ID,
    /// The version the caller read; a stale version is refused with a CONFLICT user error.
    pub expected_version: i32,
    /// New code.
    pub code: Option<String>,
    /// New titles.
    pub titles: Option<LocalizedTextInput>,
    /// New descriptions.
    pub descriptions: Option<LocalizedTextInput>,
    /// New status: forward along the life cycle, or to cancelled.
    pub status: Option<ProjectStatus>,
    /// New type.
    pub project_type: Option<ProjectType>,
    /// New purpose.
    pub purpose: Option<ProjectPurpose>,
    /// New OECD DAC 5-digit purpose code.
    pub sector_code: Option<String>,
    /// New theme.
    pub theme: Option<Theme>,
    /// New territory.
    pub territory_id: Option<ID>,
    /// New owner (editors: only their own organisation).
    pub owner_id: Option<ID>,
    /// New point, or null to clear.
    pub location: MaybeUndefined<GeoPointInput>,
    /// New planned start, or null to clear.
    pub planned_start: MaybeUndefined<NaiveDate>,
    /// New planned end, or null to clear.
    pub planned_end: MaybeUndefined<NaiveDate>,
    /// New actual start, or null to clear.
    pub actual_start: MaybeUndefined<NaiveDate>,
    /// New actual end, or null to clear.
    pub actual_end: MaybeUndefined<NaiveDate>,
    /// New budget, or null to clear.
    pub budget: MaybeUndefined<MoneyInput>,
    /// New principles.
    pub principles: Option<Vec<BuildBackBetter>>,
    /// New DREAM identifier, or null to clear.
    pub dream_id: MaybeUndefined<String>,
    /// New IATI activity identifier, or null to clear.
    pub iati_identifier: MaybeUndefined<String>,
}

/// A change of a project's visibility.
#[derive(InputObject)]
pub struct ProjectVisibilityInput {
    /// The project.
    pub id: ID,
    /// The version the caller read.
    pub expected_version: i32,
}

/// The result of a project mutation.
#[derive(SimpleObject)]
pub struct ProjectPayload {
    /// The project as it is now; null when the mutation was refused.
    pub project: Option<Project>,
    /// Why the mutation was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

impl From<Outcome<entity::project::Model>> for ProjectPayload {
    fn from(outcome: Outcome<entity::project::Model>) -> Self {
        match outcome {
            Outcome::Done(model) => Self {
                project: Some(Project(model)),
                user_errors: Vec::new(),
            },
            Outcome::Refused(user_errors) => Self {
                project: None,
                user_errors,
            },
        }
    }
}

payload!(
    FundingPayload,
    funding,
    Funding,
    entity::funding::Model,
    "a funding record"
);
payload!(
    ParticipantPayload,
    participant,
    Participant,
    entity::participant::Model,
    "a participation"
);

/// A pledge, commitment or disbursement.
#[derive(InputObject)]
pub struct RecordFundingInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// The funded project.
    pub project_id: ID,
    /// The funder (its editors may record their own funding).
    pub funder_id: ID,
    /// Stage along the funding funnel.
    pub stage: FundingStage,
    /// Financial instrument.
    pub finance_type: FinanceType,
    /// The amount, not negative; disbursements may not exceed the funder's commitments in the currency.
    pub amount: MoneyInput,
    /// Value date.
    pub value_date: NaiveDate,
}

/// A new participation in a project.
#[derive(InputObject)]
pub struct AddParticipantInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// The project.
    pub project_id: ID,
    /// The participating member.
    pub member_id: ID,
    /// Role in IATI terms.
    pub organisation_role: OrganisationRole,
    /// Role in the Alliance's terms.
    pub alliance_role: ParticipantRole,
}

payload!(
    IndicatorPayload,
    indicator,
    Indicator,
    entity::indicator::Model,
    "an indicator"
);
payload!(
    DocumentLinkPayload,
    document_link,
    DocumentLink,
    entity::document_link::Model,
    "a document link"
);

/// A new result indicator. Values are decimal strings.
#[derive(InputObject)]
pub struct AddIndicatorInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// The project measured.
    pub project_id: ID,
    /// Title in every language.
    pub titles: LocalizedTextInput,
    /// Unit of measure, e.g. `beds`.
    pub unit: String,
    /// Baseline value.
    pub baseline: Option<String>,
    /// Year of the baseline.
    pub baseline_year: Option<i32>,
    /// Target value.
    pub target: Option<String>,
    /// Year of the target, not before the baseline year.
    pub target_year: Option<i32>,
    /// Latest actual value.
    pub actual: Option<String>,
}

/// Changes to an indicator; fields left out stay as they are, fields set to null are cleared.
#[derive(InputObject)]
pub struct UpdateIndicatorInput {
    /// The indicator.
    pub id: ID,
    /// The version the caller read.
    pub expected_version: i32,
    /// New titles.
    pub titles: Option<LocalizedTextInput>,
    /// New unit.
    pub unit: Option<String>,
    /// New baseline, or null to clear.
    pub baseline: MaybeUndefined<String>,
    /// New baseline year, or null to clear.
    pub baseline_year: MaybeUndefined<i32>,
    /// New target, or null to clear.
    pub target: MaybeUndefined<String>,
    /// New target year, or null to clear.
    pub target_year: MaybeUndefined<i32>,
    /// New actual value, or null to clear.
    pub actual: MaybeUndefined<String>,
}

/// A new document link.
#[derive(InputObject)]
pub struct AddDocumentLinkInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// The project documented.
    pub project_id: ID,
    /// IATI DocumentCategory code, e.g. `A02`.
    pub category: String,
    /// Title.
    pub title: String,
    /// Where the document is published (http or https).
    pub url: String,
    /// ISO 639-1 language code of the document.
    pub language: String,
}

/// Removal of a record entered in error; the audit trail keeps it.
#[derive(InputObject)]
pub struct RemoveInput {
    /// The record.
    pub id: ID,
}

/// Mutations of projects.
#[derive(Default)]
pub struct ProjectMutation;

/// Mutations of projects.
#[Object]
impl ProjectMutation {
    /// Creates a project as a draft (editors: for their own organisation).
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new project.")] input: CreateProjectInput,
    ) -> async_graphql::Result<ProjectPayload> {
        let loaders = graphql::loaders(ctx)?;
        let fields = ProjectFields {
            code: input.code,
            dream_id: input.dream_id,
            iati_identifier: input.iati_identifier,
            title_en: input.titles.en,
            title_uk: input.titles.uk,
            description_en: input.descriptions.en,
            description_uk: input.descriptions.uk,
            status: input.status.code().to_owned(),
            project_type: input.project_type.code().to_owned(),
            purpose: input.purpose.code().to_owned(),
            sector_code: input.sector_code,
            theme: input.theme.code().to_owned(),
            territory_id: ids::decode(&input.territory_id, "Territory", "input.territoryId")?,
            location: input.location.map(|p| (p.latitude, p.longitude)),
            planned_start: input.planned_start,
            planned_end: input.planned_end,
            actual_start: input.actual_start,
            actual_end: input.actual_end,
            budget: input.budget.map(|m| (m.amount, m.currency)),
            principles: input
                .principles
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.code().to_owned())
                .collect(),
            owner_id: graphql::member_id(&input.owner_id, "input.ownerId")?,
        };
        let idempotency = Idempotency::new(input.idempotency_key, "createProject", &fields)?;
        let outcome =
            write::create(loaders.appends(), loaders.principal(), fields, idempotency).await?;
        Ok(outcome.into())
    }

    /// Changes a project's fields (editors: their own organisation's projects).
    async fn update_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateProjectInput,
    ) -> async_graphql::Result<ProjectPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "Project", "input.id")?;
        let territory_id = input
            .territory_id
            .map(|t| ids::decode(&t, "Territory", "input.territoryId"))
            .transpose()?;
        let owner_id = input
            .owner_id
            .map(|o| graphql::member_id(&o, "input.ownerId"))
            .transpose()?;
        let expected_version = input.expected_version;
        let apply = move |f: &mut ProjectFields| {
            if let Some(v) = input.code {
                f.code = v;
            }
            if let Some(v) = input.titles {
                f.title_en = v.en;
                f.title_uk = v.uk;
            }
            if let Some(v) = input.descriptions {
                f.description_en = v.en;
                f.description_uk = v.uk;
            }
            if let Some(v) = input.status {
                f.status = v.code().to_owned();
            }
            if let Some(v) = input.project_type {
                f.project_type = v.code().to_owned();
            }
            if let Some(v) = input.purpose {
                f.purpose = v.code().to_owned();
            }
            if let Some(v) = input.sector_code {
                f.sector_code = v;
            }
            if let Some(v) = input.theme {
                f.theme = v.code().to_owned();
            }
            if let Some(v) = territory_id {
                f.territory_id = v;
            }
            if let Some(v) = owner_id {
                f.owner_id = v;
            }
            graphql::set(
                &mut f.location,
                input.location.map_value(|p| (p.latitude, p.longitude)),
            );
            graphql::set(&mut f.planned_start, input.planned_start);
            graphql::set(&mut f.planned_end, input.planned_end);
            graphql::set(&mut f.actual_start, input.actual_start);
            graphql::set(&mut f.actual_end, input.actual_end);
            graphql::set(
                &mut f.budget,
                input.budget.map_value(|m| (m.amount, m.currency)),
            );
            if let Some(v) = input.principles {
                f.principles = v.into_iter().map(|p| p.code().to_owned()).collect();
            }
            graphql::set(&mut f.dream_id, input.dream_id);
            graphql::set(&mut f.iati_identifier, input.iati_identifier);
        };
        let outcome = write::update(
            loaders.db(),
            loaders.principal(),
            id,
            expected_version,
            "updateProject",
            Change::Fields(Box::new(apply)),
        )
        .await?;
        Ok(outcome.into())
    }

    /// Publishes a draft project (coordinators). A cancelled project cannot be published.
    async fn publish_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and the version the caller read.")]
        input: ProjectVisibilityInput,
    ) -> async_graphql::Result<ProjectPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "Project", "input.id")?;
        let outcome = write::update(
            loaders.db(),
            loaders.principal(),
            id,
            input.expected_version,
            "publishProject",
            Change::Visibility("PUBLISHED"),
        )
        .await?;
        Ok(outcome.into())
    }

    /// Records a pledge, commitment or disbursement (the project's editors, the funder's editors, the secretariat).
    async fn record_funding(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The funding record.")] input: RecordFundingInput,
    ) -> async_graphql::Result<FundingPayload> {
        let loaders = graphql::loaders(ctx)?;
        let fields = write::FundingFields {
            project_id: ids::decode(&input.project_id, "Project", "input.projectId")?,
            funder_id: graphql::member_id(&input.funder_id, "input.funderId")?,
            stage: input.stage.code().to_owned(),
            finance_type: input.finance_type.code().to_owned(),
            amount: input.amount.amount,
            currency: input.amount.currency,
            value_date: input.value_date,
        };
        let idempotency = Idempotency::new(input.idempotency_key, "recordFunding", &fields)?;
        Ok(
            write::record_funding(loaders.db(), loaders.principal(), fields, idempotency)
                .await?
                .into(),
        )
    }

    /// Removes a funding record entered in error (refused when disbursements would then exceed commitments).
    async fn remove_funding(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The funding record.")] input: RemoveInput,
    ) -> async_graphql::Result<FundingPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "Funding", "input.id")?;
        Ok(write::remove_funding(loaders.db(), loaders.principal(), id)
            .await?
            .into())
    }

    /// Adds a participant to a project (the project's editors, the secretariat).
    async fn add_participant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The participation.")] input: AddParticipantInput,
    ) -> async_graphql::Result<ParticipantPayload> {
        let loaders = graphql::loaders(ctx)?;
        let project = ids::decode(&input.project_id, "Project", "input.projectId")?;
        let member = graphql::member_id(&input.member_id, "input.memberId")?;
        let idempotency = Idempotency::new(
            input.idempotency_key,
            "addParticipant",
            &serde_json::json!([
                project,
                member,
                input.organisation_role.code(),
                input.alliance_role.code()
            ]),
        )?;
        let outcome = write::add_participant(
            loaders.db(),
            loaders.principal(),
            project,
            member,
            input.organisation_role.code().to_owned(),
            input.alliance_role.code().to_owned(),
            idempotency,
        )
        .await?;
        Ok(outcome.into())
    }

    /// Removes a participant entered in error.
    async fn remove_participant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The participation.")] input: RemoveInput,
    ) -> async_graphql::Result<ParticipantPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "Participant", "input.id")?;
        Ok(write::remove_part::<entity::participant::Entity>(
            loaders.db(),
            loaders.principal(),
            id,
            "removeParticipant",
            "Participant",
            |p| p.project_id,
        )
        .await?
        .into())
    }

    /// Adds a result indicator to a project (the project's editors, the secretariat).
    async fn add_indicator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The indicator.")] input: AddIndicatorInput,
    ) -> async_graphql::Result<IndicatorPayload> {
        let loaders = graphql::loaders(ctx)?;
        let project = ids::decode(&input.project_id, "Project", "input.projectId")?;
        let fields = write::IndicatorFields {
            title_en: input.titles.en,
            title_uk: input.titles.uk,
            unit: input.unit,
            baseline: input.baseline,
            baseline_year: input.baseline_year,
            target: input.target,
            target_year: input.target_year,
            actual: input.actual,
        };
        let idempotency = Idempotency::new(input.idempotency_key, "addIndicator", &fields)?;
        Ok(write::add_indicator(
            loaders.db(),
            loaders.principal(),
            project,
            fields,
            idempotency,
        )
        .await?
        .into())
    }

    /// Changes an indicator, typically its actual value.
    async fn update_indicator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateIndicatorInput,
    ) -> async_graphql::Result<IndicatorPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "Indicator", "input.id")?;
        let expected_version = input.expected_version;
        let change = move |f: &mut write::IndicatorFields| {
            if let Some(titles) = input.titles {
                f.title_en = titles.en;
                f.title_uk = titles.uk;
            }
            if let Some(unit) = input.unit {
                f.unit = unit;
            }
            graphql::set(&mut f.baseline, input.baseline);
            graphql::set(&mut f.baseline_year, input.baseline_year);
            graphql::set(&mut f.target, input.target);
            graphql::set(&mut f.target_year, input.target_year);
            graphql::set(&mut f.actual, input.actual);
        };
        Ok(write::update_indicator(
            loaders.db(),
            loaders.principal(),
            id,
            expected_version,
            change,
        )
        .await?
        .into())
    }

    /// Links a document to a project (the project's editors, the secretariat).
    async fn add_document_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document link.")] input: AddDocumentLinkInput,
    ) -> async_graphql::Result<DocumentLinkPayload> {
        let loaders = graphql::loaders(ctx)?;
        let project = ids::decode(&input.project_id, "Project", "input.projectId")?;
        let idempotency = Idempotency::new(
            input.idempotency_key,
            "addDocumentLink",
            &serde_json::json!([
                project,
                input.category,
                input.title,
                input.url,
                input.language
            ]),
        )?;
        let outcome = write::add_document(
            loaders.db(),
            loaders.principal(),
            project,
            input.category,
            input.title,
            input.url,
            input.language,
            idempotency,
        )
        .await?;
        Ok(outcome.into())
    }

    /// Removes a document link entered in error.
    async fn remove_document_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document link.")] input: RemoveInput,
    ) -> async_graphql::Result<DocumentLinkPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "DocumentLink", "input.id")?;
        Ok(write::remove_part::<entity::document_link::Entity>(
            loaders.db(),
            loaders.principal(),
            id,
            "removeDocumentLink",
            "DocumentLink",
            |d| d.project_id,
        )
        .await?
        .into())
    }

    /// Archives a draft or published project (coordinators); it stays readable for the record.
    async fn archive_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project and the version the caller read.")]
        input: ProjectVisibilityInput,
    ) -> async_graphql::Result<ProjectPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "Project", "input.id")?;
        let outcome = write::update(
            loaders.db(),
            loaders.principal(),
            id,
            input.expected_version,
            "archiveProject",
            Change::Visibility("ARCHIVED"),
        )
        .await?;
        Ok(outcome.into())
    }
}
