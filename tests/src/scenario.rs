//! Hand-built scenarios: rows written straight into a test's database, so a
//! test states exactly the data whose right answer it knows.

use chrono::{Duration, NaiveDate, Utc};
use entity::{
    assistance_match, assistance_need, assistance_offer, member, partnership, project,
    responsibility, territory,
};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// Today (UTC) moved by `days`.
pub fn day(days: i64) -> NaiveDate {
    Utc::now().date_naive() + Duration::days(days)
}

/// Encodes a code list as stored.
fn list(codes: &[&str]) -> String {
    entity::list::encode(codes)
}

/// The id of the oblast with ISO 3166-2 code `iso` (from the reference data).
pub async fn oblast(db: &DatabaseConnection, iso: &str) -> i64 {
    territory::Entity::find()
        .filter(territory::Column::IsoCode.eq(iso))
        .one(db)
        .await
        .expect("query")
        .expect("oblast exists")
        .id
}

/// Inserts an active member; returns its id.
pub async fn member(
    db: &DatabaseConnection,
    slug: &str,
    kind: &str,
    territory_id: Option<i64>,
) -> i64 {
    let now = Utc::now();
    let ukrainian = matches!(kind, "HROMADA" | "OBLAST");
    member::ActiveModel {
        id: NotSet,
        slug: Set(slug.into()),
        name_en: Set(format!("Member {slug}")),
        name_uk: Set(None),
        acronym: Set(None),
        kind: Set(kind.into()),
        iati_org_type: Set("11".into()),
        country: Set(Some(if ukrainian { "UA" } else { "PL" }.into())),
        territory_id: Set(territory_id),
        alliance_role: Set("MEMBER".into()),
        status: Set("ACTIVE".into()),
        joined_on: Set(None),
        website: Set(None),
        description: Set(None),
        contact_name: Set(None),
        contact_email: Set(None),
        contact_phone: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert member")
    .id
}

/// An offer or a need as a scenario states it.
#[derive(Clone, Debug)]
pub struct Help {
    /// DAC codes.
    pub themes: Vec<&'static str>,
    /// ISO 639-1 codes.
    pub languages: Vec<&'static str>,
    /// Modality (a need may leave it open).
    pub modality: Option<&'static str>,
    /// Person-days offered or needed.
    pub days: i32,
    /// Window, in days from today.
    pub window: (Option<i64>, Option<i64>),
    /// Urgency (needs).
    pub urgency: &'static str,
    /// Status.
    pub status: &'static str,
}

impl Default for Help {
    fn default() -> Self {
        Self {
            themes: vec!["14021"],
            languages: vec!["en"],
            modality: Some("TWINNING"),
            days: 40,
            window: (Some(10), Some(49)),
            urgency: "HIGH",
            status: "OPEN",
        }
    }
}

/// Inserts an offer of `member_id`; returns its id.
pub async fn offer(db: &DatabaseConnection, member_id: i64, title: &str, help: Help) -> i64 {
    let now = Utc::now();
    assistance_offer::ActiveModel {
        id: NotSet,
        member_id: Set(member_id),
        title: Set(title.into()),
        description: Set(format!("{title} (test)")),
        themes: Set(list(&help.themes)),
        modality: Set(help.modality.unwrap_or("TWINNING").into()),
        languages: Set(list(&help.languages)),
        capacity_days: Set(help.days),
        available_from: Set(help.window.0.map(day)),
        available_until: Set(help.window.1.map(day)),
        status: Set(help.status.into()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert offer")
    .id
}

/// Inserts a need of `member_id`; returns its id.
pub async fn need(db: &DatabaseConnection, member_id: i64, title: &str, help: Help) -> i64 {
    let now = Utc::now();
    assistance_need::ActiveModel {
        id: NotSet,
        member_id: Set(member_id),
        project_id: Set(None),
        title: Set(title.into()),
        description: Set(format!("{title} (test)")),
        themes: Set(list(&help.themes)),
        modality: Set(help.modality.map(Into::into)),
        languages: Set(list(&help.languages)),
        days_needed: Set(help.days),
        needed_from: Set(help.window.0.map(day)),
        needed_until: Set(help.window.1.map(day)),
        urgency: Set(help.urgency.into()),
        status: Set(help.status.into()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert need")
    .id
}

/// Inserts a partnership; returns its id.
pub async fn partnership(
    db: &DatabaseConnection,
    eu: i64,
    ua: i64,
    status: &str,
    cluster: Option<i64>,
) -> i64 {
    let now = Utc::now();
    partnership::ActiveModel {
        id: NotSet,
        eu_member_id: Set(eu),
        ua_member_id: Set(ua),
        kind: Set("TWINNING".into()),
        status: Set(status.into()),
        since: Set(None),
        source: Set(None),
        proposed_by_member_id: Set(None),
        cluster_id: Set(cluster),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert partnership")
    .id
}

/// Inserts a match in `status`; returns its id.
pub async fn a_match(db: &DatabaseConnection, offer: i64, need: i64, status: &str) -> i64 {
    let now = Utc::now();
    let accepted = (status != "PROPOSED").then_some(now);
    assistance_match::ActiveModel {
        id: NotSet,
        offer_id: Set(offer),
        need_id: Set(need),
        status: Set(status.into()),
        score_milli: Set(500),
        score_parts: Set("[]".into()),
        offer_accepted_at: Set(accepted),
        need_accepted_at: Set(accepted),
        proposed_by_member_id: Set(None),
        outcome: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert match")
    .id
}

/// Inserts a published project owned by `owner` in `territory_id`; returns its id.
pub async fn project(db: &DatabaseConnection, code: &str, owner: i64, territory_id: i64) -> i64 {
    let now = Utc::now();
    project::ActiveModel {
        id: NotSet,
        code: Set(code.into()),
        dream_id: Set(None),
        iati_identifier: Set(None),
        title_en: Set(format!("Project {code}")),
        title_uk: Set(format!("Проєкт {code}")),
        description_en: Set("Test".into()),
        description_uk: Set("Тест".into()),
        status: Set("implementation".into()),
        project_type: Set("rehabilitation".into()),
        purpose: Set("RESTORATION".into()),
        sector_code: Set("14021".into()),
        theme: Set("WATER".into()),
        territory_id: Set(territory_id),
        lat_e6: Set(None),
        lon_e6: Set(None),
        planned_start: Set(None),
        planned_end: Set(None),
        actual_start: Set(None),
        actual_end: Set(None),
        budget_minor: Set(None),
        budget_currency: Set(None),
        principles: Set(",".into()),
        visibility: Set("PUBLISHED".into()),
        owner_id: Set(owner),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert project")
    .id
}

/// A responsibility as a scenario states it.
#[derive(Clone, Debug)]
pub struct Duty {
    /// Function.
    pub function: &'static str,
    /// Phase.
    pub phase: &'static str,
    /// Level of government.
    pub level: &'static str,
    /// Actor.
    pub actor: i64,
    /// RACI role.
    pub raci: &'static str,
    /// OECD principle numbers.
    pub principles: Vec<&'static str>,
    /// Validity, in days from today.
    pub valid: (Option<i64>, Option<i64>),
    /// Project scope.
    pub project: Option<i64>,
    /// Sector scope: territory.
    pub territory: Option<i64>,
    /// Sector scope: theme.
    pub theme: Option<&'static str>,
}

impl Default for Duty {
    fn default() -> Self {
        Self {
            function: "PLANNING",
            phase: "PREPARATION",
            level: "HROMADA",
            actor: 0,
            raci: "ACCOUNTABLE",
            principles: vec!["1"],
            valid: (None, None),
            project: None,
            territory: None,
            theme: None,
        }
    }
}

/// Inserts a responsibility; returns its id.
pub async fn duty(db: &DatabaseConnection, duty: Duty) -> i64 {
    let now = Utc::now();
    responsibility::ActiveModel {
        id: NotSet,
        function: Set(duty.function.into()),
        phase: Set(duty.phase.into()),
        level: Set(duty.level.into()),
        actor_id: Set(duty.actor),
        raci: Set(duty.raci.into()),
        principles: Set(list(&duty.principles)),
        legal_basis: Set(None),
        valid_from: Set(duty.valid.0.map(day)),
        valid_until: Set(duty.valid.1.map(day)),
        project_id: Set(duty.project),
        territory_id: Set(duty.territory),
        theme: Set(duty.theme.map(Into::into)),
        note: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert responsibility")
    .id
}

/// Inserts a cluster around `focus`; returns its id.
pub async fn cluster(db: &DatabaseConnection, slug: &str, focus: i64) -> i64 {
    let now = Utc::now();
    entity::cluster::ActiveModel {
        id: NotSet,
        slug: Set(slug.into()),
        name: Set(format!("Cluster {slug}")),
        description: Set("Test cluster".into()),
        focus_member_id: Set(focus),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert cluster")
    .id
}

/// Gives project `id` a budget and a visibility.
pub async fn budget(
    db: &DatabaseConnection,
    id: i64,
    minor: i64,
    currency: &str,
    visibility: &str,
) {
    let mut p: project::ActiveModel = project::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("query")
        .expect("project exists")
        .into();
    p.budget_minor = Set(Some(minor));
    p.budget_currency = Set(Some(currency.into()));
    p.visibility = Set(visibility.into());
    p.update(db).await.expect("update project");
}

/// Inserts a funding record; `date` is `YYYY-MM-DD`.
pub async fn funding(
    db: &DatabaseConnection,
    project: i64,
    funder: i64,
    stage: &str,
    minor: i64,
    currency: &str,
    date: &str,
) {
    let now = Utc::now();
    entity::funding::ActiveModel {
        id: NotSet,
        project_id: Set(project),
        funder_id: Set(funder),
        stage: Set(stage.into()),
        finance_type: Set("110".into()),
        amount_minor: Set(minor),
        currency: Set(currency.into()),
        value_date: Set(date.parse().expect("a date")),
        reported_as: Set(Some("SECRETARIAT".into())),
        reported_by_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert funding");
}
