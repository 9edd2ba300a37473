//! Mutations of members: applications, membership decisions, profiles.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::Utc;
use entity::member;
use sea_orm::sea_query::Expr;

use crate::audit::idempotency::Idempotency;
use crate::codes::{Code, IdentifierScheme, MemberKind, OrganisationType};
use crate::graphql::{self, LocalizedTextInput, TransitionInput, payload};
use crate::lifecycle::{self, Who};
use crate::member::types::{Member, MemberIdentifier};
use crate::member::write::{self, Application, Profile};

payload!(MemberPayload, member, Member, member::Model, "a member");

/// Private contact details, as input.
#[derive(InputObject, Clone)]
pub struct ContactInput {
    /// Contact person.
    pub name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Telephone number.
    pub phone: Option<String>,
}

/// An application for membership.
#[derive(InputObject)]
pub struct ApplyForMembershipInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// Requested slug: 2 to 64 characters, a–z, 0–9 and hyphens, unique.
    pub slug: String,
    /// Name in English (required) and Ukrainian (optional: pass an empty string for none).
    pub names: LocalizedTextInput,
    /// Acronym.
    pub acronym: Option<String>,
    /// Kind of organisation.
    pub kind: MemberKind,
    /// IATI organisation type.
    pub organisation_type: OrganisationType,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// The territory the organisation governs or sits in.
    pub territory_id: Option<ID>,
    /// Public web site (http or https).
    pub website: Option<String>,
    /// Short public description.
    pub description: Option<String>,
    /// Private contact for the secretariat.
    pub contact: Option<ContactInput>,
}

/// Changes to a member's profile; fields left out stay as they are, fields set to null are cleared.
#[derive(InputObject)]
pub struct UpdateMemberProfileInput {
    /// The member.
    pub id: ID,
    /// The version the caller read.
    pub expected_version: i32,
    /// New names.
    pub names: Option<LocalizedTextInput>,
    /// New acronym, or null to clear.
    pub acronym: MaybeUndefined<String>,
    /// New territory, or null to clear.
    pub territory_id: MaybeUndefined<ID>,
    /// New web site, or null to clear.
    pub website: MaybeUndefined<String>,
    /// New description, or null to clear.
    pub description: MaybeUndefined<String>,
    /// New contact (replaces the whole contact).
    pub contact: Option<ContactInput>,
}

fn non_empty(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

payload!(
    MemberIdentifierPayload,
    identifier,
    MemberIdentifier,
    entity::member_identifier::Model,
    "a member identifier"
);

/// A new external identifier of a member.
#[derive(InputObject)]
pub struct AddMemberIdentifierInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// The member.
    pub member_id: ID,
    /// Identifier scheme.
    pub scheme: IdentifierScheme,
    /// The identifier (unique within its scheme).
    pub value: String,
}

/// Removal of an identifier entered in error.
#[derive(InputObject)]
pub struct RemoveMemberIdentifierInput {
    /// The identifier.
    pub id: ID,
}

/// Mutations of members.
#[derive(Default)]
pub struct MemberMutation;

async fn decide(
    ctx: &Context<'_>,
    input: TransitionInput,
    operation: &str,
    moves: &[(&str, &str)],
    target: &str,
    who: Who,
    also: Vec<(member::Column, Expr)>,
) -> async_graphql::Result<MemberPayload> {
    let loaders = graphql::loaders(ctx)?;
    let id = graphql::member_id(&input.id, "input.id")?;
    let outcome = lifecycle::transition::<member::Entity>(
        loaders.db(),
        loaders.principal(),
        id,
        input.expected_version,
        operation,
        moves,
        target,
        who,
        also,
    )
    .await?;
    Ok(outcome.into())
}

/// Mutations of members.
#[Object]
impl MemberMutation {
    /// Applies for membership. Anyone may apply; the application stays private until approved.
    async fn apply_for_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application.")] input: ApplyForMembershipInput,
    ) -> async_graphql::Result<MemberPayload> {
        let loaders = graphql::loaders(ctx)?;
        let contact = input.contact.unwrap_or(ContactInput {
            name: None,
            email: None,
            phone: None,
        });
        let application = Application {
            slug: input.slug,
            kind: input.kind.code().to_owned(),
            iati_org_type: input.organisation_type.code().to_owned(),
            country: input.country,
            profile: Profile {
                name_en: input.names.en,
                name_uk: non_empty(input.names.uk),
                acronym: input.acronym,
                territory_id: input
                    .territory_id
                    .map(|t| crate::ids::decode(&t, "Territory", "input.territoryId"))
                    .transpose()?,
                website: input.website,
                description: input.description,
                contact_name: contact.name,
                contact_email: contact.email,
                contact_phone: contact.phone,
            },
        };
        // Anonymous callers cannot be told apart, so their keys could collide.
        if loaders.principal().role().is_none() && input.idempotency_key.is_some() {
            return Err(crate::error::AppError::bad_input(
                "input.idempotencyKey",
                "`input.idempotencyKey` needs an authenticated caller",
            )
            .into());
        }
        let idempotency =
            Idempotency::new(input.idempotency_key, "applyForMembership", &application)?;
        // Applications without a token are capped per client address.
        let origin = match (
            loaders.principal(),
            ctx.data_opt::<crate::pipeline::Origin>(),
        ) {
            (crate::auth::Principal::Anonymous, Some(origin)) => Some(write::AnonymousOrigin::new(
                &origin.address,
                origin.open_cap,
            )),
            _ => None,
        };
        Ok(write::apply(
            loaders.db(),
            loaders.principal(),
            application,
            idempotency,
            origin,
        )
        .await?
        .into())
    }

    /// Approves an application: the member becomes active and joins today (secretariat).
    async fn approve_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The applicant and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<MemberPayload> {
        let today = Expr::value(Utc::now().date_naive());
        decide(
            ctx,
            input,
            "approveMembership",
            &[("APPLIED", "ACTIVE")],
            "ACTIVE",
            Who::Secretariat,
            vec![(member::Column::JoinedOn, today)],
        )
        .await
    }

    /// Rejects an application (secretariat).
    async fn reject_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The applicant and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<MemberPayload> {
        decide(
            ctx,
            input,
            "rejectMembership",
            &[("APPLIED", "REJECTED")],
            "REJECTED",
            Who::Secretariat,
            Vec::new(),
        )
        .await
    }

    /// Suspends an active member (secretariat).
    async fn suspend_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<MemberPayload> {
        decide(
            ctx,
            input,
            "suspendMembership",
            &[("ACTIVE", "SUSPENDED")],
            "SUSPENDED",
            Who::Secretariat,
            Vec::new(),
        )
        .await
    }

    /// Reinstates a suspended member (secretariat).
    async fn reinstate_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<MemberPayload> {
        decide(
            ctx,
            input,
            "reinstateMembership",
            &[("SUSPENDED", "ACTIVE")],
            "ACTIVE",
            Who::Secretariat,
            Vec::new(),
        )
        .await
    }

    /// Withdraws from the Alliance (the member's editors or the secretariat).
    async fn withdraw_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member and the version the caller read.")] input: TransitionInput,
    ) -> async_graphql::Result<MemberPayload> {
        decide(
            ctx,
            input,
            "withdrawMembership",
            &[("ACTIVE", "WITHDRAWN"), ("SUSPENDED", "WITHDRAWN")],
            "WITHDRAWN",
            Who::OwnerOrSecretariat,
            Vec::new(),
        )
        .await
    }

    /// Adds an external identifier (the member's editors or the secretariat).
    async fn add_member_identifier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The identifier.")] input: AddMemberIdentifierInput,
    ) -> async_graphql::Result<MemberIdentifierPayload> {
        let loaders = graphql::loaders(ctx)?;
        let member = graphql::member_id(&input.member_id, "input.memberId")?;
        let idempotency = Idempotency::new(
            input.idempotency_key,
            "addMemberIdentifier",
            &serde_json::json!([member, input.scheme.code(), input.value]),
        )?;
        Ok(write::add_identifier(
            loaders.db(),
            loaders.principal(),
            member,
            input.scheme.code().to_owned(),
            input.value,
            idempotency,
        )
        .await?
        .into())
    }

    /// Removes an identifier entered in error (the member's editors or the secretariat).
    async fn remove_member_identifier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The identifier.")] input: RemoveMemberIdentifierInput,
    ) -> async_graphql::Result<MemberIdentifierPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = crate::ids::decode(&input.id, "MemberIdentifier", "input.id")?;
        Ok(
            write::remove_identifier(loaders.db(), loaders.principal(), id)
                .await?
                .into(),
        )
    }

    /// Updates a member's profile and contact (the member's editors or the secretariat).
    async fn update_member_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateMemberProfileInput,
    ) -> async_graphql::Result<MemberPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = graphql::member_id(&input.id, "input.id")?;
        let territory = match input.territory_id {
            MaybeUndefined::Value(t) => {
                MaybeUndefined::Value(crate::ids::decode(&t, "Territory", "input.territoryId")?)
            }
            MaybeUndefined::Null => MaybeUndefined::Null,
            MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        };
        let change = move |p: &mut Profile| {
            if let Some(names) = input.names {
                p.name_en = names.en;
                p.name_uk = non_empty(names.uk);
            }
            graphql::set(&mut p.acronym, input.acronym);
            graphql::set(&mut p.territory_id, territory);
            graphql::set(&mut p.website, input.website);
            graphql::set(&mut p.description, input.description);
            if let Some(contact) = input.contact {
                p.contact_name = contact.name;
                p.contact_email = contact.email;
                p.contact_phone = contact.phone;
            }
        };
        Ok(write::update_profile(
            loaders.db(),
            loaders.principal(),
            id,
            input.expected_version,
            change,
        )
        .await?
        .into())
    }
}
