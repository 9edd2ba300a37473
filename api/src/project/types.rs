//! GraphQL types of projects, participants, funding, indicators and documents.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{document_link, funding, indicator, member, participant, project, territory};

use crate::assistance::service::NeedsOfProject;
use crate::assistance::types::{AssistanceNeed, AssistanceNeedConnection};
use crate::audit::service::HistoryOfProject;
use crate::audit::types::{AuditEvent, AuditEventConnection};
use crate::codes::{
    ActivityStatus, BuildBackBetter, FinanceType, FundingReporter, FundingStage, Lang,
    OrganisationRole, ParticipantRole, ProjectPurpose, ProjectStatus, ProjectType, Theme,
    Visibility, stored,
};
use crate::compiled::{self, JsonField, JsonNode};
use crate::governance::service::ResponsibilitiesOfProject;
use crate::governance::types::{Responsibility, ResponsibilityConnection};
use crate::graphql::{self, GeoPoint, LocalizedText, Money};
use crate::ids;
use crate::member::types::{Member, load_member};
use crate::pagination::{PageArgs, connection};
use crate::project::service::{
    DocumentsOfProject, FundingOfProject, IndicatorsOfProject, ParticipantsOfProject,
};
use crate::territory::types::Territory;

/// A reconstruction project.
#[derive(Clone)]
pub struct Project(pub project::Model);

connection!(ProjectConnection, ProjectEdge, Project, "projects");

/// A reconstruction project.
#[Object]
impl Project {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Project", self.0.id)
    }
    /// Human key, e.g. `UA-KHA-2025-001`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Identifier of the same project in DREAM, Ukraine's national reconstruction registry.
    async fn dream_id(&self) -> Option<&str> {
        self.0.dream_id.as_deref()
    }
    /// IATI activity identifier.
    async fn iati_identifier(&self) -> Option<&str> {
        self.0.iati_identifier.as_deref()
    }
    /// Title in the requested language (default: the request's `Accept-Language`).
    async fn title(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language of the title.")] lang: Option<Lang>,
    ) -> String {
        LocalizedText::pick(
            &self.0.title_en,
            Some(&self.0.title_uk),
            graphql::lang(ctx, lang),
        )
    }
    /// Title in every language.
    async fn titles(&self) -> LocalizedText {
        LocalizedText {
            en: self.0.title_en.clone(),
            uk: Some(self.0.title_uk.clone()),
        }
    }
    /// Description in the requested language (default: the request's `Accept-Language`).
    async fn description(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language of the description.")] lang: Option<Lang>,
    ) -> String {
        LocalizedText::pick(
            &self.0.description_en,
            Some(&self.0.description_uk),
            graphql::lang(ctx, lang),
        )
    }
    /// Description in every language.
    async fn descriptions(&self) -> LocalizedText {
        LocalizedText {
            en: self.0.description_en.clone(),
            uk: Some(self.0.description_uk.clone()),
        }
    }
    /// Status (OC4IDS projectStatus).
    async fn status(&self) -> async_graphql::Result<ProjectStatus> {
        Ok(stored(&self.0.status)?)
    }
    /// IATI ActivityStatus derived from the status.
    async fn activity_status(&self) -> async_graphql::Result<ActivityStatus> {
        Ok(stored::<ProjectStatus>(&self.0.status)?.activity_status())
    }
    /// Type (OC4IDS projectType).
    async fn project_type(&self) -> async_graphql::Result<ProjectType> {
        Ok(stored(&self.0.project_type)?)
    }
    /// Restoration of what was damaged, or new development.
    async fn purpose(&self) -> async_graphql::Result<ProjectPurpose> {
        Ok(stored(&self.0.purpose)?)
    }
    /// OECD DAC 5-digit purpose code (IATI Sector vocabulary 1), e.g. `12230`.
    async fn sector_code(&self) -> &str {
        &self.0.sector_code
    }
    /// Dashboard theme.
    async fn theme(&self) -> async_graphql::Result<Theme> {
        Ok(stored(&self.0.theme)?)
    }
    /// Where the project takes place.
    async fn territory(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        Ok(graphql::load::<territory::Entity>(ctx, self.0.territory_id)
            .await?
            .map(Territory))
    }
    /// The project's point, when known.
    async fn location(&self) -> Option<GeoPoint> {
        GeoPoint::from_e6(self.0.lat_e6, self.0.lon_e6)
    }
    /// Planned start date.
    async fn planned_start(&self) -> Option<NaiveDate> {
        self.0.planned_start
    }
    /// Planned end date.
    async fn planned_end(&self) -> Option<NaiveDate> {
        self.0.planned_end
    }
    /// Actual start date.
    async fn actual_start(&self) -> Option<NaiveDate> {
        self.0.actual_start
    }
    /// Actual end date.
    async fn actual_end(&self) -> Option<NaiveDate> {
        self.0.actual_end
    }
    /// Budget: the funding the project requires.
    async fn budget(&self) -> Option<Money> {
        Some(Money::from_minor(
            self.0.budget_minor?,
            self.0.budget_currency.as_deref()?,
        ))
    }
    /// "Build back better" principles the project follows.
    async fn principles(&self) -> async_graphql::Result<Vec<BuildBackBetter>> {
        Ok(entity::list::decode(&self.0.principles)
            .iter()
            .map(|code| stored(code))
            .collect::<Result<_, _>>()?)
    }
    /// Who can see the project.
    async fn visibility(&self) -> async_graphql::Result<Visibility> {
        Ok(stored(&self.0.visibility)?)
    }
    /// The Ukrainian lead member.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.owner_id).await
    }
    /// Organisations taking part, with their roles.
    async fn participants(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ParticipantConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested_or_built::<ParticipantsOfProject, _>(ctx, self.0.id, args, Participant)
                .await?;
        Ok(ParticipantConnection::fetched(page, total))
    }
    /// Pledges, commitments and disbursements.
    async fn funding(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<FundingConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested_or_built::<FundingOfProject, _>(ctx, self.0.id, args, Funding).await?;
        Ok(FundingConnection::fetched(page, total))
    }
    /// Result indicators.
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<IndicatorConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<IndicatorsOfProject, _>(ctx, self.0.id, args, Indicator).await?;
        Ok(IndicatorConnection::new(page, total))
    }
    /// Links to documents about the project.
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<DocumentLinkConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<DocumentsOfProject, _>(ctx, self.0.id, args, DocumentLink).await?;
        Ok(DocumentLinkConnection::new(page, total))
    }
    /// Governance responsibilities scoped to this project.
    async fn responsibilities(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ResponsibilityConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) = graphql::nested_or_built::<ResponsibilitiesOfProject, _>(
            ctx,
            self.0.id,
            args,
            Responsibility,
        )
        .await?;
        Ok(ResponsibilityConnection::fetched(page, total))
    }
    /// Technical assistance needed for this project.
    async fn needs(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<AssistanceNeedConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<NeedsOfProject, _>(ctx, self.0.id, args, AssistanceNeed).await?;
        Ok(AssistanceNeedConnection::new(page, total))
    }
    /// The changes of this project from the audit trail, oldest first (coordinators, analysts and administrators; empty for others).
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<AuditEventConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<HistoryOfProject, _>(ctx, self.0.id, args, AuditEvent).await?;
        Ok(AuditEventConnection::new(page, total))
    }
    /// Version for optimistic concurrency; increases with every change.
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

/// Loads a project the caller may see, through the request's loader.
pub async fn load_project(ctx: &Context<'_>, id: i64) -> async_graphql::Result<Option<Project>> {
    Ok(graphql::load::<project::Entity>(ctx, id)
        .await?
        .map(Project))
}

/// A member's participation in a project.
#[derive(Clone)]
pub struct Participant(pub participant::Model);

connection!(
    ParticipantConnection,
    ParticipantEdge,
    Participant,
    "project participants"
);

/// A member's participation in a project.
#[Object]
impl Participant {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Participant", self.0.id)
    }
    /// The project.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        load_project(ctx, self.0.project_id).await
    }
    /// The participating member.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.member_id).await
    }
    /// Role in IATI terms.
    async fn organisation_role(&self) -> async_graphql::Result<OrganisationRole> {
        Ok(stored(&self.0.iati_role)?)
    }
    /// Role in the Alliance's terms.
    async fn alliance_role(&self) -> async_graphql::Result<ParticipantRole> {
        Ok(stored(&self.0.alliance_role)?)
    }
}

/// A pledge, commitment or disbursement for a project.
#[derive(Clone)]
pub struct Funding(pub funding::Model);

connection!(FundingConnection, FundingEdge, Funding, "funding records");

/// A pledge, commitment or disbursement for a project.
#[Object]
impl Funding {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Funding", self.0.id)
    }
    /// The funded project.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        load_project(ctx, self.0.project_id).await
    }
    /// The funder.
    async fn funder(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.funder_id).await
    }
    /// Stage along the funding funnel.
    async fn stage(&self) -> async_graphql::Result<FundingStage> {
        Ok(stored(&self.0.stage)?)
    }
    /// IATI TransactionType code of the stage (`12`, `2` or `3`).
    async fn iati_transaction_type(&self) -> async_graphql::Result<&'static str> {
        Ok(stored::<FundingStage>(&self.0.stage)?.iati_transaction_type())
    }
    /// Financial instrument (IATI FinanceType).
    async fn finance_type(&self) -> async_graphql::Result<FinanceType> {
        Ok(stored(&self.0.finance_type)?)
    }
    /// The amount.
    async fn amount(&self) -> Money {
        Money::from_minor(self.0.amount_minor, &self.0.currency)
    }
    /// Value date.
    async fn value_date(&self) -> NaiveDate {
        self.0.value_date
    }
    /// Who reported the record: the funder itself, the project's owner, or
    /// the Alliance secretariat. A funder's own report weighs differently
    /// from one made about it. Null for records made before reporters were
    /// recorded.
    async fn reported_as(&self) -> async_graphql::Result<Option<FundingReporter>> {
        Ok(self.0.reported_as.as_deref().map(stored).transpose()?)
    }
    /// The member organisation that reported the record (the funder or the
    /// project's owner); null when the secretariat recorded it, or when the
    /// caller may not see that member.
    async fn reported_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        match self.0.reported_by_id {
            Some(id) => load_member(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// A result indicator with baseline, target and actual values (decimal strings).
#[derive(Clone)]
pub struct Indicator(pub indicator::Model);

connection!(IndicatorConnection, IndicatorEdge, Indicator, "indicators");

/// A result indicator with baseline, target and actual values (decimal strings).
#[Object]
impl Indicator {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Indicator", self.0.id)
    }
    /// The project measured.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        load_project(ctx, self.0.project_id).await
    }
    /// Title in the requested language (default: the request's `Accept-Language`).
    async fn title(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language of the title.")] lang: Option<Lang>,
    ) -> String {
        LocalizedText::pick(
            &self.0.title_en,
            Some(&self.0.title_uk),
            graphql::lang(ctx, lang),
        )
    }
    /// Title in every language.
    async fn titles(&self) -> LocalizedText {
        LocalizedText {
            en: self.0.title_en.clone(),
            uk: Some(self.0.title_uk.clone()),
        }
    }
    /// Unit of measure.
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    /// Baseline value.
    async fn baseline(&self) -> Option<&str> {
        self.0.baseline.as_deref()
    }
    /// Year of the baseline.
    async fn baseline_year(&self) -> Option<i32> {
        self.0.baseline_year
    }
    /// Target value.
    async fn target(&self) -> Option<&str> {
        self.0.target.as_deref()
    }
    /// Year of the target.
    async fn target_year(&self) -> Option<i32> {
        self.0.target_year
    }
    /// Latest actual value.
    async fn actual(&self) -> Option<&str> {
        self.0.actual.as_deref()
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A link to a document about a project.
#[derive(Clone)]
pub struct DocumentLink(pub document_link::Model);

connection!(
    DocumentLinkConnection,
    DocumentLinkEdge,
    DocumentLink,
    "document links"
);

/// A link to a document about a project.
#[Object]
impl DocumentLink {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("DocumentLink", self.0.id)
    }
    /// The project documented.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        load_project(ctx, self.0.project_id).await
    }
    /// IATI DocumentCategory code, e.g. `A02` (objectives) or `A12` (activity web page).
    async fn category(&self) -> &str {
        &self.0.category
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Where the document is published.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// ISO 639-1 language code of the document.
    async fn language(&self) -> &str {
        &self.0.language
    }
}

/// One group of the funding funnel in one currency: required (budget) →
/// pledged → committed → disbursed, and the number of projects.
pub struct FunnelRow(pub crate::project::funnel::Row);

/// One group of the funding funnel in one currency: required (budget) →
/// pledged → committed → disbursed, and the number of projects.
#[Object]
impl FunnelRow {
    /// The oblast, when grouped by oblast.
    async fn oblast(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        let Some(id) = self.0.oblast_id else {
            return Ok(None);
        };
        Ok(graphql::load::<territory::Entity>(ctx, id)
            .await?
            .map(Territory))
    }
    /// The theme, when grouped by theme.
    async fn theme(&self) -> async_graphql::Result<Option<Theme>> {
        Ok(self.0.theme.as_deref().map(stored).transpose()?)
    }
    /// The DAC 5-digit sector, when grouped by sector.
    async fn sector(&self) -> Option<&str> {
        self.0.sector.as_deref()
    }
    /// The funder, when grouped by funder.
    async fn funder(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        match self.0.funder_id {
            Some(id) => load_member(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The OC4IDS status, when grouped by status.
    async fn status(&self) -> async_graphql::Result<Option<ProjectStatus>> {
        Ok(self.0.status.as_deref().map(stored).transpose()?)
    }
    /// The year, when grouped by year.
    async fn year(&self) -> Option<i64> {
        self.0.year
    }
    /// ISO 4217 currency of the amounts.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Sum of the budgets in this currency; null when grouped by funder.
    async fn required(&self) -> Option<Money> {
        self.0
            .required
            .map(|minor| Money::from_minor(minor, &self.0.currency))
    }
    /// Sum of pledges.
    async fn pledged(&self) -> Money {
        Money::from_minor(self.0.pledged, &self.0.currency)
    }
    /// Sum of commitments.
    async fn committed(&self) -> Money {
        Money::from_minor(self.0.committed, &self.0.currency)
    }
    /// Sum of disbursements.
    async fn disbursed(&self) -> Money {
        Money::from_minor(self.0.disbursed, &self.0.currency)
    }
    /// Projects in the group (with funding from the funder, when grouped by funder).
    async fn project_count(&self) -> i64 {
        self.0.projects
    }
}

/// A participation's plain fields and member as JSON (see [`crate::compiled`]).
impl JsonNode for participant::Entity {
    const TYPE_NAME: &'static str = "Participant";
    const CONNECTION: &'static str = "ParticipantConnection";
    fn json_field(name: &str) -> Option<JsonField> {
        Some(match name {
            "id" => JsonField::Id,
            "member" => JsonField::ToOne {
                column: "member_id",
                object: compiled::to_one::<member::Entity>,
            },
            "organisationRole" => compiled::code::<OrganisationRole>("iati_role"),
            "allianceRole" => compiled::code::<ParticipantRole>("alliance_role"),
            _ => return None,
        })
    }
}

/// A funding record's plain fields and funder as JSON (see [`crate::compiled`]).
impl JsonNode for funding::Entity {
    const TYPE_NAME: &'static str = "Funding";
    const CONNECTION: &'static str = "FundingConnection";
    fn json_field(name: &str) -> Option<JsonField> {
        Some(match name {
            "id" => JsonField::Id,
            "funder" => JsonField::ToOne {
                column: "funder_id",
                object: compiled::to_one::<member::Entity>,
            },
            "stage" => compiled::code::<FundingStage>("stage"),
            "financeType" => compiled::code::<FinanceType>("finance_type"),
            "reportedAs" => compiled::code::<FundingReporter>("reported_as"),
            "reportedBy" => JsonField::ToOne {
                column: "reported_by_id",
                object: compiled::to_one::<member::Entity>,
            },
            "amount" => JsonField::Money {
                minor: "amount_minor",
                currency: "currency",
            },
            "valueDate" => JsonField::Date("value_date"),
            _ => return None,
        })
    }
}

/// A project's plain fields, owner and lists as JSON (see [`crate::compiled`]).
impl JsonNode for project::Entity {
    const TYPE_NAME: &'static str = "Project";
    const CONNECTION: &'static str = "ProjectConnection";
    fn json_field(name: &str) -> Option<JsonField> {
        Some(match name {
            "id" => JsonField::Id,
            "code" => JsonField::Column("code"),
            "dreamId" => JsonField::Column("dream_id"),
            "iatiIdentifier" => JsonField::Column("iati_identifier"),
            "title" => JsonField::Localized {
                en: "title_en",
                uk: "title_uk",
            },
            "description" => JsonField::Localized {
                en: "description_en",
                uk: "description_uk",
            },
            "status" => compiled::code::<ProjectStatus>("status"),
            "projectType" => compiled::code::<ProjectType>("project_type"),
            "purpose" => compiled::code::<ProjectPurpose>("purpose"),
            "sectorCode" => JsonField::Column("sector_code"),
            "theme" => compiled::code::<Theme>("theme"),
            "plannedStart" => JsonField::Date("planned_start"),
            "plannedEnd" => JsonField::Date("planned_end"),
            "actualStart" => JsonField::Date("actual_start"),
            "actualEnd" => JsonField::Date("actual_end"),
            "visibility" => compiled::code::<Visibility>("visibility"),
            "owner" => JsonField::ToOne {
                column: "owner_id",
                object: compiled::to_one::<member::Entity>,
            },
            "participants" => JsonField::List(compiled::list::<ParticipantsOfProject>),
            "funding" => JsonField::List(compiled::list::<FundingOfProject>),
            "responsibilities" => JsonField::List(compiled::list::<ResponsibilitiesOfProject>),
            "version" => JsonField::Column("version"),
            _ => return None,
        })
    }
}
