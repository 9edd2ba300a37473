//! Writing members: applications and profile updates. Status decisions go
//! through [`crate::lifecycle`].

use chrono::Utc;
use entity::{application_origin, member, member_identifier, territory};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde::Serialize;

use crate::audit::idempotency::Idempotency;
use crate::audit::service::{self as audit, Actor, Writer};
use crate::auth::Principal;
use crate::codelists;
use crate::error::{AppError, Result};
use crate::lifecycle::{Who, authorise};
use crate::validation::{Check, Outcome, UserErrorCode, stale_version};

/// Slugs no application may take (they name the service's own parts).
const RESERVED_SLUGS: &[&str] = &[
    "admin",
    "alliance",
    "anonymous",
    "api",
    "graphql",
    "secretariat",
    "system",
];

/// Where an application filed without a token comes from: its open
/// applications are capped per client address.
#[derive(Clone, Debug)]
pub struct AnonymousOrigin {
    /// SHA-256 of the client address's rate-limit key, hex (the address
    /// itself is not kept).
    pub address_hash: String,
    /// How many of its applications may wait for a decision at a time.
    pub open_cap: u64,
}

impl AnonymousOrigin {
    /// The origin of an application from client address `address` (its
    /// rate-limit key), capped at `open_cap` open applications.
    pub fn new(address: &str, open_cap: u64) -> Self {
        use sha2::Digest;
        Self {
            address_hash: hex::encode(sha2::Sha256::digest(address.as_bytes())),
            open_cap,
        }
    }
}

/// The applications from `address_hash` that still wait for a decision.
async fn open_applications_from(db: &impl ConnectionTrait, address_hash: &str) -> Result<u64> {
    use sea_orm::{PaginatorTrait, QuerySelect, QueryTrait};
    let members = member::Entity::find()
        .select_only()
        .column(member::Column::Id)
        .filter(member::Column::Status.eq("APPLIED"))
        .into_query();
    Ok(application_origin::Entity::find()
        .filter(application_origin::Column::AddressHash.eq(address_hash))
        .filter(application_origin::Column::MemberId.in_subquery(members))
        .count(db)
        .await?)
}

/// A member's public profile and private contact, as a caller gives it.
#[derive(Clone, Debug, Serialize, Default)]
pub struct Profile {
    /// Name in English.
    pub name_en: String,
    /// Name in Ukrainian.
    pub name_uk: Option<String>,
    /// Acronym.
    pub acronym: Option<String>,
    /// Territory id.
    pub territory_id: Option<i64>,
    /// Web site.
    pub website: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// Contact telephone.
    pub contact_phone: Option<String>,
}

/// An application for membership.
#[derive(Clone, Debug, Serialize)]
pub struct Application {
    /// Requested slug.
    pub slug: String,
    /// Kind code.
    pub kind: String,
    /// IATI organisation type code.
    pub iati_org_type: String,
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<String>,
    /// Profile.
    pub profile: Profile,
}

async fn check_profile(
    db: &impl ConnectionTrait,
    check: &mut Check,
    profile: &Profile,
) -> Result<()> {
    check.text("names.en", &profile.name_en, 200);
    for (path, value, max) in [
        ("names.uk", &profile.name_uk, 200),
        ("acronym", &profile.acronym, 20),
        ("website", &profile.website, 300),
        ("description", &profile.description, 5_000),
        ("contact.name", &profile.contact_name, 200),
        ("contact.email", &profile.contact_email, 254),
        ("contact.phone", &profile.contact_phone, 40),
    ] {
        if let Some(value) = value {
            check.max_len(path, value, max);
        }
    }
    if let Some(website) = &profile.website
        && !(website.starts_with("https://") || website.starts_with("http://"))
    {
        check.fail(
            "website",
            UserErrorCode::Invalid,
            "`website` must be an http(s) address",
        );
    }
    if let Some(email) = &profile.contact_email
        && !email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
    {
        check.fail(
            "contact.email",
            UserErrorCode::Invalid,
            "`contact.email` must be an e-mail address",
        );
    }
    if let Some(id) = profile.territory_id
        && territory::Entity::find_by_id(id).one(db).await?.is_none()
    {
        check.fail(
            "territoryId",
            UserErrorCode::NotFound,
            "`territoryId` names no territory",
        );
    }
    Ok(())
}

/// Records an application; anyone may apply, and the application is not public
/// until the secretariat approves it.
pub async fn apply(
    db: &DatabaseConnection,
    principal: &Principal,
    application: Application,
    idempotency: Option<Idempotency>,
    origin: Option<AnonymousOrigin>,
) -> Result<Outcome<member::Model>> {
    let actor = Actor::of(principal).unwrap_or_else(|| Actor {
        subject: "anonymous".into(),
        role: "anonymous".into(),
    });
    let mut writer = Writer::begin(db, actor).await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency.replay::<member::Entity>(&writer).await?
    {
        return Ok(first);
    }
    let mut check = Check::default();
    let slug_ok = (2..=64).contains(&application.slug.len())
        && application
            .slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug_ok {
        check.fail(
            "slug",
            UserErrorCode::Invalid,
            "`slug` must have 2 to 64 characters: a–z, 0–9 and hyphens",
        );
    } else if RESERVED_SLUGS.contains(&application.slug.as_str())
        || member::Entity::find()
            .filter(member::Column::Slug.eq(application.slug.as_str()))
            .one(writer.txn())
            .await?
            .is_some()
    {
        // The same words whether a member the caller may not see holds it,
        // a public one does, or it is reserved: the refusal reveals no
        // hidden application.
        check.fail(
            "slug",
            UserErrorCode::Duplicate,
            format!(
                "the slug {:?} is not available: choose another",
                application.slug
            ),
        );
    }
    if let Some(origin) = &origin {
        let open = open_applications_from(writer.txn(), &origin.address_hash).await?;
        if open >= origin.open_cap {
            check.fail(
                "slug",
                UserErrorCode::LimitReached,
                format!(
                    "{open} applications from this address wait for the secretariat's decision; at most {} may wait at a time",
                    origin.open_cap
                ),
            );
        }
    }
    if let Some(country) = &application.country {
        check.code_in(
            "country",
            country,
            codelists::COUNTRIES,
            "an ISO 3166-1 alpha-2 country code",
        );
    }
    check_profile(writer.txn(), &mut check, &application.profile).await?;
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let now = Utc::now();
    let p = application.profile;
    let created = member::ActiveModel {
        id: sea_orm::NotSet,
        slug: Set(application.slug),
        name_en: Set(p.name_en),
        name_uk: Set(p.name_uk),
        acronym: Set(p.acronym),
        kind: Set(application.kind),
        iati_org_type: Set(application.iati_org_type),
        country: Set(application.country),
        territory_id: Set(p.territory_id),
        alliance_role: Set("MEMBER".into()),
        status: Set("APPLIED".into()),
        joined_on: Set(None),
        website: Set(p.website),
        description: Set(p.description),
        contact_name: Set(p.contact_name),
        contact_email: Set(p.contact_email),
        contact_phone: Set(p.contact_phone),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(writer.txn())
    .await?;
    if let Some(idempotency) = &idempotency {
        idempotency.remember(&writer, created.id).await?;
    }
    if let Some(origin) = origin {
        application_origin::ActiveModel {
            member_id: Set(created.id),
            address_hash: Set(origin.address_hash),
            created_at: Set(now),
        }
        .insert(writer.txn())
        .await?;
    }
    writer.record(
        "applyForMembership",
        "Member",
        created.id,
        &audit::snapshot(&created),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(created))
}

/// Replaces a member's profile (its editors, coordinators, administrators).
pub async fn update_profile(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    expected_version: i32,
    change: impl FnOnce(&mut Profile),
) -> Result<Outcome<member::Model>> {
    let actor = authorise(principal, Who::OwnerOrSecretariat, &[id])?;
    let mut writer = Writer::begin(db, actor).await?;
    let Some(before) = member::Entity::find_by_id(id).one(writer.txn()).await? else {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::NotFound,
            "`id` names no member",
        ));
    };
    if let Some(stale) = stale_version("member", expected_version, before.version) {
        return Ok(stale);
    }
    let mut profile = Profile {
        name_en: before.name_en.clone(),
        name_uk: before.name_uk.clone(),
        acronym: before.acronym.clone(),
        territory_id: before.territory_id,
        website: before.website.clone(),
        description: before.description.clone(),
        contact_name: before.contact_name.clone(),
        contact_email: before.contact_email.clone(),
        contact_phone: before.contact_phone.clone(),
    };
    change(&mut profile);
    let mut check = Check::default();
    check_profile(writer.txn(), &mut check, &profile).await?;
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let mut active: member::ActiveModel = before.clone().into();
    active.name_en = Set(profile.name_en);
    active.name_uk = Set(profile.name_uk);
    active.acronym = Set(profile.acronym);
    active.territory_id = Set(profile.territory_id);
    active.website = Set(profile.website);
    active.description = Set(profile.description);
    active.contact_name = Set(profile.contact_name);
    active.contact_email = Set(profile.contact_email);
    active.contact_phone = Set(profile.contact_phone);
    active.version = Set(before.version + 1);
    active.updated_at = Set(Utc::now());
    let result = member::Entity::update_many()
        .set(active)
        .filter(member::Column::Id.eq(id))
        .filter(member::Column::Version.eq(expected_version))
        .exec(writer.txn())
        .await?;
    if result.rows_affected != 1 {
        return Ok(Outcome::refuse(
            "expectedVersion",
            UserErrorCode::Conflict,
            "the member changed meanwhile",
        ));
    }
    let after = member::Entity::find_by_id(id)
        .one(writer.txn())
        .await?
        .ok_or_else(|| AppError::internal("updated member vanished"))?;
    writer.record(
        "updateMemberProfile",
        "Member",
        id,
        &audit::diff(&before, &after),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(after))
}

/// Adds an external identifier to a member (its editors, the secretariat).
pub async fn add_identifier(
    db: &DatabaseConnection,
    principal: &Principal,
    member_id: i64,
    scheme: String,
    value: String,
    idempotency: Option<Idempotency>,
) -> Result<Outcome<member_identifier::Model>> {
    let actor = authorise(principal, Who::OwnerOrSecretariat, &[member_id])?;
    let mut writer = Writer::begin(db, actor).await?;
    if let Some(idempotency) = &idempotency
        && let Some(first) = idempotency
            .replay::<member_identifier::Entity>(&writer)
            .await?
    {
        return Ok(first);
    }
    if member::Entity::find_by_id(member_id)
        .one(writer.txn())
        .await?
        .is_none()
    {
        return Ok(Outcome::refuse(
            "memberId",
            UserErrorCode::NotFound,
            "`memberId` names no member",
        ));
    }
    let mut check = Check::default();
    check.text("value", &value, 100);
    let taken = member_identifier::Entity::find()
        .filter(member_identifier::Column::Scheme.eq(scheme.as_str()))
        .filter(member_identifier::Column::Value.eq(value.as_str()))
        .one(writer.txn())
        .await?;
    if taken.is_some() {
        check.fail(
            "value",
            UserErrorCode::Duplicate,
            "this identifier is already registered",
        );
    }
    if !check.is_ok() {
        return Ok(Outcome::Refused(check.into_errors()));
    }
    let now = Utc::now();
    let created = member_identifier::ActiveModel {
        id: sea_orm::NotSet,
        member_id: Set(member_id),
        scheme: Set(scheme),
        value: Set(value),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(writer.txn())
    .await?;
    if let Some(idempotency) = &idempotency {
        idempotency.remember(&writer, created.id).await?;
    }
    writer.record(
        "addMemberIdentifier",
        "MemberIdentifier",
        created.id,
        &audit::snapshot(&created),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(created))
}

/// Removes an identifier entered in error; the audit trail keeps it.
pub async fn remove_identifier(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
) -> Result<Outcome<member_identifier::Model>> {
    let actor = Actor::of(principal).ok_or(AppError::Unauthenticated)?;
    let mut writer = Writer::begin(db, actor).await?;
    let Some(record) = member_identifier::Entity::find_by_id(id)
        .one(writer.txn())
        .await?
    else {
        return Ok(Outcome::refuse(
            "id",
            UserErrorCode::NotFound,
            "`id` names no identifier",
        ));
    };
    authorise(principal, Who::OwnerOrSecretariat, &[record.member_id])?;
    member_identifier::Entity::delete_by_id(id)
        .exec(writer.txn())
        .await?;
    writer.record(
        "removeMemberIdentifier",
        "MemberIdentifier",
        id,
        &serde_json::json!({ "removed": audit::snapshot(&record) }),
    )?;
    writer.commit().await?;
    Ok(Outcome::Done(record))
}
