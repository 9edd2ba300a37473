//! GraphQL types of members.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{affiliation, member, member_identifier, territory};

use crate::assistance::service::{NeedsOfMember, OffersOfMember};
use crate::assistance::types::{
    AssistanceNeed, AssistanceNeedConnection, AssistanceOffer, AssistanceOfferConnection,
};
use crate::audit::service::HistoryOfMember;
use crate::audit::types::{AuditEvent, AuditEventConnection};
use crate::codes::{
    AllianceRole, IdentifierScheme, Lang, MemberKind, MembershipStatus, OrganisationType, stored,
};
use crate::compiled::{self, JsonField, JsonNode};
use crate::governance::service::ResponsibilitiesOfActor;
use crate::governance::types::{Responsibility, ResponsibilityConnection};
use crate::graphql::{self, LocalizedText};
use crate::ids;
use crate::member::service::{AffiliatesOfAssociation, AffiliationsOfMember, IdentifiersOfMember};
use crate::pagination::{PageArgs, connection};
use crate::partnership::service::{ClustersOfMember, PartnershipsOfMember};
use crate::partnership::types::{Cluster, ClusterConnection, Partnership, PartnershipConnection};
use crate::project::service::{FundingByFunder, ParticipationsOfMember, ProjectsOfOwner};
use crate::project::types::{
    Funding, FundingConnection, Participant, ParticipantConnection, Project, ProjectConnection,
};
use crate::territory::types::Territory;

/// An organisation: an Alliance member (EU city or region, Ukrainian hromada or
/// oblast, association) or a partner institution.
/// The row is shared (`Arc`): a member shown in many places of one response
/// (as owner, participant, funder, actor) is read and kept once.
#[derive(Clone)]
pub struct Member(pub Arc<member::Model>);

impl From<member::Model> for Member {
    fn from(model: member::Model) -> Self {
        Self(Arc::new(model))
    }
}

connection!(MemberConnection, MemberEdge, Member, "member organisations");

/// Private contact details of a member, visible to the secretariat and to the member itself.
#[derive(SimpleObject)]
pub struct MemberContact {
    /// Contact person.
    pub name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Telephone number.
    pub phone: Option<String>,
}

/// An organisation: an Alliance member (EU city or region, Ukrainian hromada or
/// oblast, association) or a partner institution.
#[Object]
impl Member {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Member", self.0.id)
    }
    /// Human key, used in URLs (e.g. `cemr`).
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Name in the requested language (default: the request's `Accept-Language`), falling back to English.
    async fn name(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language of the name.")] lang: Option<Lang>,
    ) -> String {
        LocalizedText::pick(
            &self.0.name_en,
            self.0.name_uk.as_deref(),
            graphql::lang(ctx, lang),
        )
    }
    /// Name in every language.
    async fn names(&self) -> LocalizedText {
        LocalizedText {
            en: self.0.name_en.clone(),
            uk: self.0.name_uk.clone(),
        }
    }
    /// Acronym, e.g. `CEMR`.
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }
    /// Kind of organisation.
    async fn kind(&self) -> async_graphql::Result<MemberKind> {
        Ok(stored(&self.0.kind)?)
    }
    /// IATI organisation type.
    async fn organisation_type(&self) -> async_graphql::Result<OrganisationType> {
        Ok(stored(&self.0.iati_org_type)?)
    }
    /// ISO 3166-1 alpha-2 country code; null for international bodies.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// The territory the organisation governs or sits in.
    async fn territory(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        let Some(id) = self.0.territory_id else {
            return Ok(None);
        };
        Ok(graphql::load::<territory::Entity>(ctx, id)
            .await?
            .map(Territory))
    }
    /// Role in the Alliance.
    async fn alliance_role(&self) -> async_graphql::Result<AllianceRole> {
        Ok(stored(&self.0.alliance_role)?)
    }
    /// Membership status.
    async fn status(&self) -> async_graphql::Result<MembershipStatus> {
        Ok(stored(&self.0.status)?)
    }
    /// Date the membership became active.
    async fn joined_on(&self) -> Option<NaiveDate> {
        self.0.joined_on
    }
    /// Public web site.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// Short public description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Private contact details; null unless the caller is the secretariat or this member.
    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MemberContact>> {
        if !graphql::principal(ctx)?.sees_contact_of(self.0.id) {
            return Ok(None);
        }
        Ok(Some(MemberContact {
            name: self.0.contact_name.clone(),
            email: self.0.contact_email.clone(),
            phone: self.0.contact_phone.clone(),
        }))
    }
    /// External identifiers (IATI organisation identifier, UA-EDR, …).
    async fn identifiers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<MemberIdentifierConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<IdentifiersOfMember, _>(ctx, self.0.id, args, MemberIdentifier)
                .await?;
        Ok(MemberIdentifierConnection::new(page, total))
    }
    /// Associations this member belongs to.
    async fn affiliations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<AffiliationConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<AffiliationsOfMember, _>(ctx, self.0.id, args, Affiliation).await?;
        Ok(AffiliationConnection::new(page, total))
    }
    /// Members of this association (for associations).
    async fn affiliates(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<AffiliationConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<AffiliatesOfAssociation, _>(ctx, self.0.id, args, Affiliation)
                .await?;
        Ok(AffiliationConnection::new(page, total))
    }
    /// Projects this member leads as owner, newest first.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ProjectConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested_or_built::<ProjectsOfOwner, _>(ctx, self.0.id, args, Project).await?;
        Ok(ProjectConnection::fetched(page, total))
    }
    /// Projects this member takes part in, with its role.
    async fn participations(
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
        let (page, total) = graphql::nested_or_built::<ParticipationsOfMember, _>(
            ctx,
            self.0.id,
            args,
            Participant,
        )
        .await?;
        Ok(ParticipantConnection::fetched(page, total))
    }
    /// Funding this member has pledged, committed or disbursed, newest first.
    async fn fundings(
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
            graphql::nested_or_built::<FundingByFunder, _>(ctx, self.0.id, args, Funding).await?;
        Ok(FundingConnection::fetched(page, total))
    }
    /// Technical assistance this member offers, newest first.
    async fn offers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<AssistanceOfferConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested_or_built::<OffersOfMember, _>(ctx, self.0.id, args, AssistanceOffer)
                .await?;
        Ok(AssistanceOfferConnection::fetched(page, total))
    }
    /// Technical assistance this member needs, newest first.
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
            graphql::nested::<NeedsOfMember, _>(ctx, self.0.id, args, AssistanceNeed).await?;
        Ok(AssistanceNeedConnection::new(page, total))
    }
    /// Partnerships of this member, on either side, oldest first.
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
            graphql::nested::<PartnershipsOfMember, _>(ctx, self.0.id, args, Partnership).await?;
        Ok(PartnershipConnection::new(page, total))
    }
    /// Clusters of partnerships formed around this member.
    async fn clusters(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ClusterConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<ClustersOfMember, _>(ctx, self.0.id, args, Cluster).await?;
        Ok(ClusterConnection::new(page, total))
    }
    /// Governance responsibilities this member holds.
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
        let (page, total) = graphql::nested_or_built::<ResponsibilitiesOfActor, _>(
            ctx,
            self.0.id,
            args,
            Responsibility,
        )
        .await?;
        Ok(ResponsibilityConnection::fetched(page, total))
    }
    /// The changes of this member from the audit trail, oldest first (coordinators, analysts and administrators; empty for others).
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
            graphql::nested::<HistoryOfMember, _>(ctx, self.0.id, args, AuditEvent).await?;
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

/// An external identifier of a member.
#[derive(Clone)]
pub struct MemberIdentifier(pub member_identifier::Model);

connection!(
    MemberIdentifierConnection,
    MemberIdentifierEdge,
    MemberIdentifier,
    "member identifiers"
);

/// An external identifier of a member.
#[Object]
impl MemberIdentifier {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("MemberIdentifier", self.0.id)
    }
    /// Identifier scheme.
    async fn scheme(&self) -> async_graphql::Result<IdentifierScheme> {
        Ok(stored(&self.0.scheme)?)
    }
    /// The identifier.
    async fn value(&self) -> &str {
        &self.0.value
    }
    /// The identified member.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.member_id).await
    }
}

/// A member's affiliation to an association.
#[derive(Clone)]
pub struct Affiliation(pub affiliation::Model);

connection!(
    AffiliationConnection,
    AffiliationEdge,
    Affiliation,
    "affiliations"
);

/// A member's affiliation to an association.
#[Object]
impl Affiliation {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Affiliation", self.0.id)
    }
    /// The affiliated member.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.member_id).await
    }
    /// The association.
    async fn association(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.association_id).await
    }
    /// Date the affiliation started.
    async fn since(&self) -> Option<NaiveDate> {
        self.0.since
    }
}

/// Loads a member the caller may see, through the request's loader.
pub async fn load_member(ctx: &Context<'_>, id: i64) -> async_graphql::Result<Option<Member>> {
    Ok(graphql::load_shared::<member::Entity>(ctx, id)
        .await?
        .map(Member))
}

/// A member's plain fields as JSON (see [`crate::compiled`]).
impl JsonNode for member::Entity {
    const TYPE_NAME: &'static str = "Member";
    const CONNECTION: &'static str = "MemberConnection";
    fn json_field(name: &str) -> Option<JsonField> {
        Some(match name {
            "id" => JsonField::Id,
            "slug" => JsonField::Column("slug"),
            "name" => JsonField::Localized {
                en: "name_en",
                uk: "name_uk",
            },
            "acronym" => JsonField::Column("acronym"),
            "kind" => compiled::code::<MemberKind>("kind"),
            "organisationType" => compiled::code::<OrganisationType>("iati_org_type"),
            "country" => JsonField::Column("country"),
            "allianceRole" => compiled::code::<AllianceRole>("alliance_role"),
            "status" => compiled::code::<MembershipStatus>("status"),
            "joinedOn" => JsonField::Date("joined_on"),
            "website" => JsonField::Column("website"),
            "description" => JsonField::Column("description"),
            "projects" => JsonField::List(compiled::list::<ProjectsOfOwner>),
            "participations" => JsonField::List(compiled::list::<ParticipationsOfMember>),
            "fundings" => JsonField::List(compiled::list::<FundingByFunder>),
            "responsibilities" => JsonField::List(compiled::list::<ResponsibilitiesOfActor>),
            "offers" => JsonField::List(compiled::list::<OffersOfMember>),
            _ => return None,
        })
    }
}
