//! Demonstration data, so that a fresh embedded database is worth exploring.
//!
//! The member organisations are real Alliance partners and partner institutions;
//! the hromadas, projects, funding, offers, needs, partnerships and
//! responsibilities are invented and say so in their text. Demonstration
//! hromadas carry codes ending in `DEMO` instead of real KATOTTH codes and hang
//! directly below their oblast.

use chrono::{NaiveDate, Utc};
use entity::{
    affiliation, assistance_match, assistance_need, assistance_offer, cluster, document_link,
    funding, indicator, member, member_identifier, participant, partnership, project,
    responsibility, territory,
};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};

use crate::assistance::matching;
use crate::audit::service::{self as audit, Actor, Writer};
use crate::error::{AppError, Result};
use crate::loader::Table;

/// What seeding did.
#[derive(Debug, Clone, Copy)]
pub struct SeedReport {
    /// Whether data was inserted (false when the database already held members).
    pub inserted: bool,
}

/// The sentence every invented record carries.
const DEMO: &str = "Demonstration data, not a real record.";
const DEMO_UK: &str = "Демонстраційні дані, не реальний запис.";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Inserts the demonstration data in one transaction with its audit events,
/// unless members exist already.
pub async fn seed_demo_data(db: &DatabaseConnection) -> Result<SeedReport> {
    let mut writer = Writer::begin(db, Actor::system()).await?;
    if member::Entity::find().count(writer.txn()).await? > 0 {
        return Ok(SeedReport { inserted: false });
    }
    insert_all(writer.txn()).await?;
    record_all::<territory::Entity>(
        &mut writer,
        "Territory",
        Condition::all().add(territory::Column::ParentId.is_not_null()),
    )
    .await?;
    record_all::<member::Entity>(&mut writer, "Member", Condition::all()).await?;
    record_all::<member_identifier::Entity>(&mut writer, "MemberIdentifier", Condition::all())
        .await?;
    record_all::<affiliation::Entity>(&mut writer, "Affiliation", Condition::all()).await?;
    record_all::<project::Entity>(&mut writer, "Project", Condition::all()).await?;
    record_all::<participant::Entity>(&mut writer, "Participant", Condition::all()).await?;
    record_all::<funding::Entity>(&mut writer, "Funding", Condition::all()).await?;
    record_all::<indicator::Entity>(&mut writer, "Indicator", Condition::all()).await?;
    record_all::<document_link::Entity>(&mut writer, "DocumentLink", Condition::all()).await?;
    record_all::<assistance_offer::Entity>(&mut writer, "AssistanceOffer", Condition::all())
        .await?;
    record_all::<assistance_need::Entity>(&mut writer, "AssistanceNeed", Condition::all()).await?;
    record_all::<assistance_match::Entity>(&mut writer, "AssistanceMatch", Condition::all())
        .await?;
    record_all::<cluster::Entity>(&mut writer, "Cluster", Condition::all()).await?;
    record_all::<partnership::Entity>(&mut writer, "Partnership", Condition::all()).await?;
    record_all::<responsibility::Entity>(&mut writer, "Responsibility", Condition::all()).await?;
    writer.commit().await?;
    Ok(SeedReport { inserted: true })
}

/// Appends a creation event for every row of `E` matching `condition`.
async fn record_all<E: Table>(
    writer: &mut Writer,
    entity_type: &str,
    condition: Condition,
) -> Result<()>
where
    E::Model: serde::Serialize,
{
    let rows = E::find()
        .filter(condition)
        .order_by_asc(E::id_column())
        .all(writer.txn())
        .await?;
    for row in rows {
        writer.record(
            "seedDemoData",
            entity_type,
            E::id_of(&row),
            &audit::snapshot(&row),
        )?;
    }
    Ok(())
}

/// A demo match, scored as a proposal would be; the secretariat proposed it,
/// and beyond PROPOSED both sides have accepted.
async fn demo_match(
    db: &impl ConnectionTrait,
    offer_id: i64,
    need_id: i64,
    status: &str,
) -> Result<()> {
    let offer = assistance_offer::Entity::find_by_id(offer_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("demo offer missing"))?;
    let need = assistance_need::Entity::find_by_id(need_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("demo need missing"))?;
    let score = matching::score_pair(db, &offer, &need).await?;
    let now = Utc::now();
    let accepted = (status != "PROPOSED").then_some(now);
    assistance_match::ActiveModel {
        id: NotSet,
        offer_id: Set(offer_id),
        need_id: Set(need_id),
        status: Set(status.into()),
        score_milli: Set(score.total),
        score_parts: Set(serde_json::to_string(&score.parts).unwrap_or_else(|_| "[]".into())),
        offer_accepted_at: Set(accepted),
        need_accepted_at: Set(accepted),
        proposed_by_member_id: Set(None),
        outcome: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn oblast(db: &impl ConnectionTrait, iso: &str) -> Result<territory::Model> {
    territory::Entity::find()
        .filter(territory::Column::IsoCode.eq(iso))
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(format!("reference oblast {iso} missing")))
}

async fn hromada(
    db: &impl ConnectionTrait,
    oblast_iso: &str,
    code: &str,
    en: &str,
    uk: &str,
    point: (i64, i64),
) -> Result<territory::Model> {
    let parent = oblast(db, oblast_iso).await?;
    let now = Utc::now();
    let inserted = territory::ActiveModel {
        id: NotSet,
        scheme: Set("KATOTTH".into()),
        code: Set(code.into()),
        iso_code: Set(None),
        level: Set("HROMADA".into()),
        name_en: Set(en.into()),
        name_uk: Set(uk.into()),
        parent_id: Set(Some(parent.id)),
        path: Set(String::new()),
        occupation: Set(None),
        centroid_lat_e6: Set(Some(point.0)),
        centroid_lon_e6: Set(Some(point.1)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let mut update: territory::ActiveModel = inserted.into();
    update.path = Set(format!("{}{}/", parent.path, update.id.clone().unwrap()));
    Ok(update.update(db).await?)
}

/// One organisation: slug, English name, Ukrainian name, acronym, kind, IATI type, country, role, website.
struct Org(
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
);

async fn org(
    db: &impl ConnectionTrait,
    o: Org,
    territory_id: Option<i64>,
    status: &str,
) -> Result<member::Model> {
    let now = Utc::now();
    let Org(slug, en, uk, acronym, kind, iati, country, role, website) = o;
    Ok(member::ActiveModel {
        id: NotSet,
        slug: Set(slug.into()),
        name_en: Set(en.into()),
        name_uk: Set(uk.map(Into::into)),
        acronym: Set(acronym.map(Into::into)),
        kind: Set(kind.into()),
        iati_org_type: Set(iati.into()),
        country: Set(country.map(Into::into)),
        territory_id: Set(territory_id),
        alliance_role: Set(role.into()),
        status: Set(status.into()),
        joined_on: Set((status == "ACTIVE").then(|| date(2022, 6, 30))),
        website: Set(website.map(Into::into)),
        description: Set(None),
        contact_name: Set(Some("Alliance desk (demonstration contact)".into())),
        contact_email: Set(Some(format!("{slug}@example.org"))),
        contact_phone: Set(Some("+32 2 000 00 00".into())),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

async fn insert_all(db: &impl ConnectionTrait) -> Result<()> {
    let now = Utc::now();
    use Org as O;
    // Partner institutions and associations (real organisations).
    let cor = org(
        db,
        O(
            "european-committee-of-the-regions",
            "European Committee of the Regions",
            Some("Європейський комітет регіонів"),
            Some("CoR"),
            "EU_INSTITUTION",
            "40",
            None,
            "CORE_PARTNER",
            Some("https://cor.europa.eu"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let cemr = org(
        db,
        O(
            "cemr",
            "Council of European Municipalities and Regions",
            None,
            Some("CEMR"),
            "LRA_ASSOCIATION",
            "21",
            None,
            "CORE_PARTNER",
            Some("https://www.ccre-cemr.org"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let eurocities = org(
        db,
        O(
            "eurocities",
            "Eurocities",
            None,
            None,
            "LRA_ASSOCIATION",
            "21",
            None,
            "CORE_PARTNER",
            Some("https://eurocities.eu"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let aer = org(
        db,
        O(
            "aer",
            "Assembly of European Regions",
            None,
            Some("AER"),
            "LRA_ASSOCIATION",
            "21",
            None,
            "CORE_PARTNER",
            Some("https://aer.eu"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let cpmr = org(
        db,
        O(
            "cpmr",
            "Conference of Peripheral Maritime Regions",
            None,
            Some("CPMR"),
            "LRA_ASSOCIATION",
            "21",
            None,
            "CORE_PARTNER",
            Some("https://cpmr.org"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let aebr = org(
        db,
        O(
            "aebr",
            "Association of European Border Regions",
            None,
            Some("AEBR"),
            "LRA_ASSOCIATION",
            "21",
            None,
            "CORE_PARTNER",
            Some("https://www.aebr.eu"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let iclei = org(
        db,
        O(
            "iclei-europe",
            "ICLEI Europe",
            None,
            Some("ICLEI"),
            "LRA_ASSOCIATION",
            "21",
            None,
            "CORE_PARTNER",
            Some("https://iclei-europe.org"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let congress = org(
        db,
        O(
            "congress-of-local-and-regional-authorities",
            "Congress of Local and Regional Authorities of the Council of Europe",
            None,
            Some("Congress"),
            "INTERNATIONAL_ORGANISATION",
            "40",
            None,
            "CORE_PARTNER",
            Some("https://www.coe.int/en/web/congress"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let auc = org(
        db,
        O(
            "association-of-ukrainian-cities",
            "Association of Ukrainian Cities",
            Some("Асоціація міст України"),
            Some("AUC"),
            "LRA_ASSOCIATION",
            "22",
            Some("UA"),
            "CORE_PARTNER",
            Some("https://auc.org.ua"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let uadrc = org(
        db,
        O(
            "ukrainian-association-of-district-and-regional-councils",
            "Ukrainian Association of District and Regional Councils",
            Some("Українська асоціація районних та обласних рад"),
            Some("UADRC"),
            "LRA_ASSOCIATION",
            "22",
            Some("UA"),
            "CORE_PARTNER",
            None,
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let eib = org(
        db,
        O(
            "eib",
            "European Investment Bank",
            Some("Європейський інвестиційний банк"),
            Some("EIB"),
            "FINANCIAL_INSTITUTION",
            "40",
            None,
            "INSTITUTIONAL_PARTNER",
            Some("https://www.eib.org"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let ebrd = org(
        db,
        O(
            "ebrd",
            "European Bank for Reconstruction and Development",
            None,
            Some("EBRD"),
            "FINANCIAL_INSTITUTION",
            "40",
            None,
            "INSTITUTIONAL_PARTNER",
            Some("https://www.ebrd.com"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let ceb = org(
        db,
        O(
            "ceb",
            "Council of Europe Development Bank",
            None,
            Some("CEB"),
            "FINANCIAL_INSTITUTION",
            "40",
            None,
            "INSTITUTIONAL_PARTNER",
            Some("https://coebank.org"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let oecd = org(
        db,
        O(
            "oecd",
            "Organisation for Economic Co-operation and Development",
            None,
            Some("OECD"),
            "INTERNATIONAL_ORGANISATION",
            "40",
            None,
            "INSTITUTIONAL_PARTNER",
            Some("https://www.oecd.org"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let ministry = org(
        db,
        O(
            "ministry-for-development-of-communities",
            "Ministry for Communities and Territories Development of Ukraine",
            Some("Міністерство розвитку громад та територій України"),
            None,
            "NATIONAL_GOVERNMENT",
            "10",
            Some("UA"),
            "INSTITUTIONAL_PARTNER",
            None,
        ),
        None,
        "ACTIVE",
    )
    .await?;

    // EU cities and regions.
    let gdansk = org(
        db,
        O(
            "gdansk",
            "City of Gdańsk",
            None,
            None,
            "CITY",
            "11",
            Some("PL"),
            "MEMBER",
            Some("https://www.gdansk.pl"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let lublin = org(
        db,
        O(
            "lublin",
            "City of Lublin",
            None,
            None,
            "CITY",
            "11",
            Some("PL"),
            "MEMBER",
            Some("https://lublin.eu"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let vilnius = org(
        db,
        O(
            "vilnius",
            "Vilnius City Municipality",
            None,
            None,
            "CITY",
            "11",
            Some("LT"),
            "MEMBER",
            Some("https://vilnius.lt"),
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let lyon = org(
        db,
        O(
            "lyon",
            "City of Lyon",
            None,
            None,
            "CITY",
            "11",
            Some("FR"),
            "MEMBER",
            None,
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let podkarpackie = org(
        db,
        O(
            "podkarpackie",
            "Podkarpackie Voivodeship",
            None,
            None,
            "REGION",
            "11",
            Some("PL"),
            "MEMBER",
            None,
        ),
        None,
        "ACTIVE",
    )
    .await?;
    let tampere = org(
        db,
        O(
            "tampere",
            "City of Tampere",
            None,
            None,
            "CITY",
            "11",
            Some("FI"),
            "MEMBER",
            None,
        ),
        None,
        "APPLIED",
    )
    .await?;

    // Ukrainian hromadas and an oblast (demonstration territory codes).
    let kharkiv_t = hromada(
        db,
        "UA-63",
        "UA63DEMO0001",
        "Kharkiv city hromada",
        "Харківська міська громада",
        (49_993_500, 36_230_400),
    )
    .await?;
    let mykolaiv_t = hromada(
        db,
        "UA-48",
        "UA48DEMO0001",
        "Mykolaiv city hromada",
        "Миколаївська міська громада",
        (46_975_000, 31_994_600),
    )
    .await?;
    let irpin_t = hromada(
        db,
        "UA-32",
        "UA32DEMO0001",
        "Irpin city hromada",
        "Ірпінська міська громада",
        (50_521_800, 30_250_600),
    )
    .await?;
    let bucha_t = hromada(
        db,
        "UA-32",
        "UA32DEMO0002",
        "Bucha city hromada",
        "Бучанська міська громада",
        (50_543_600, 30_212_900),
    )
    .await?;
    let chernihiv_t = hromada(
        db,
        "UA-74",
        "UA74DEMO0001",
        "Chernihiv city hromada",
        "Чернігівська міська громада",
        (51_498_200, 31_289_300),
    )
    .await?;
    let kharkiv_oblast_t = oblast(db, "UA-63").await?;

    let kharkiv = org(
        db,
        O(
            "kharkiv",
            "Kharkiv City Council",
            Some("Харківська міська рада"),
            None,
            "HROMADA",
            "11",
            Some("UA"),
            "MEMBER",
            None,
        ),
        Some(kharkiv_t.id),
        "ACTIVE",
    )
    .await?;
    let mykolaiv = org(
        db,
        O(
            "mykolaiv",
            "Mykolaiv City Council",
            Some("Миколаївська міська рада"),
            None,
            "HROMADA",
            "11",
            Some("UA"),
            "MEMBER",
            None,
        ),
        Some(mykolaiv_t.id),
        "ACTIVE",
    )
    .await?;
    let irpin = org(
        db,
        O(
            "irpin",
            "Irpin City Council",
            Some("Ірпінська міська рада"),
            None,
            "HROMADA",
            "11",
            Some("UA"),
            "MEMBER",
            None,
        ),
        Some(irpin_t.id),
        "ACTIVE",
    )
    .await?;
    let bucha = org(
        db,
        O(
            "bucha",
            "Bucha City Council",
            Some("Бучанська міська рада"),
            None,
            "HROMADA",
            "11",
            Some("UA"),
            "MEMBER",
            None,
        ),
        Some(bucha_t.id),
        "ACTIVE",
    )
    .await?;
    let chernihiv = org(
        db,
        O(
            "chernihiv",
            "Chernihiv City Council",
            Some("Чернігівська міська рада"),
            None,
            "HROMADA",
            "11",
            Some("UA"),
            "MEMBER",
            None,
        ),
        Some(chernihiv_t.id),
        "ACTIVE",
    )
    .await?;
    let kharkiv_oblast = org(
        db,
        O(
            "kharkiv-oblast",
            "Kharkiv Regional Council",
            Some("Харківська обласна рада"),
            None,
            "OBLAST",
            "11",
            Some("UA"),
            "MEMBER",
            None,
        ),
        Some(kharkiv_oblast_t.id),
        "ACTIVE",
    )
    .await?;

    for (member_id, scheme, value) in [
        (eib.id, "IATI_ORG_ID", "XM-DAC-918-3"),
        (ebrd.id, "IATI_ORG_ID", "XM-DAC-913"),
        (ceb.id, "IATI_ORG_ID", "XM-DAC-958"),
        (auc.id, "UA_EDR", "00000000"),
    ] {
        member_identifier::ActiveModel {
            id: NotSet,
            member_id: Set(member_id),
            scheme: Set(scheme.into()),
            value: Set(value.into()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    for (member_id, association_id) in [
        (gdansk.id, eurocities.id),
        (lublin.id, eurocities.id),
        (vilnius.id, eurocities.id),
        (lyon.id, eurocities.id),
        (gdansk.id, cemr.id),
        (podkarpackie.id, aer.id),
        (podkarpackie.id, aebr.id),
        (lyon.id, iclei.id),
        (kharkiv.id, auc.id),
        (mykolaiv.id, auc.id),
        (irpin.id, auc.id),
        (bucha.id, auc.id),
        (chernihiv.id, auc.id),
        (kharkiv_oblast.id, uadrc.id),
    ] {
        affiliation::ActiveModel {
            id: NotSet,
            member_id: Set(member_id),
            association_id: Set(association_id),
            since: Set(Some(date(2022, 6, 30))),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
    }

    // Projects: code, title en/uk, status, type, purpose, DAC sector, theme, territory, owner, budget (EUR cents), visibility, principles.
    struct P(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        i64,
        i64,
        i64,
        &'static str,
        &'static [&'static str],
    );
    let projects = [
        P(
            "UA-KHA-2025-001",
            "School No. 134 reconstruction",
            "Відбудова школи № 134",
            "implementation",
            "rehabilitation",
            "RESTORATION",
            "11220",
            "EDUCATION",
            kharkiv_t.id,
            kharkiv.id,
            450_000_000,
            "PUBLISHED",
            &["ENERGY_EFFICIENT", "INCLUSIVE", "ACCESSIBLE"],
        ),
        P(
            "UA-KHA-2025-002",
            "District heating network renewal",
            "Оновлення мережі централізованого теплопостачання",
            "preparation",
            "replacement",
            "DEVELOPMENT",
            "23630",
            "ENERGY",
            kharkiv_t.id,
            kharkiv.id,
            1_200_000_000,
            "PUBLISHED",
            &["GREEN", "ENERGY_EFFICIENT", "RESILIENT"],
        ),
        P(
            "UA-MYK-2025-001",
            "Drinking water supply restoration",
            "Відновлення питного водопостачання",
            "implementation",
            "rehabilitation",
            "RESTORATION",
            "14021",
            "WATER",
            mykolaiv_t.id,
            mykolaiv.id,
            800_000_000,
            "PUBLISHED",
            &["GREEN", "RESILIENT"],
        ),
        P(
            "UA-IRP-2024-001",
            "Residential buildings restoration",
            "Відновлення житлових будинків",
            "completion",
            "rehabilitation",
            "RESTORATION",
            "16030",
            "HOUSING",
            irpin_t.id,
            irpin.id,
            300_000_000,
            "PUBLISHED",
            &["ENERGY_EFFICIENT"],
        ),
        P(
            "UA-BUC-2025-001",
            "Digital services centre for residents",
            "Центр цифрових послуг для мешканців",
            "identification",
            "construction",
            "DEVELOPMENT",
            "22040",
            "DIGITAL",
            bucha_t.id,
            bucha.id,
            90_000_000,
            "PUBLISHED",
            &["DIGITAL", "TRANSPARENT", "INCLUSIVE"],
        ),
        P(
            "UA-CHE-2025-001",
            "Regional hospital surgical wing",
            "Хірургічний корпус обласної лікарні",
            "implementation",
            "rehabilitation",
            "RESTORATION",
            "12191",
            "HEALTH",
            chernihiv_t.id,
            chernihiv.id,
            650_000_000,
            "PUBLISHED",
            &["ACCESSIBLE", "ENERGY_EFFICIENT"],
        ),
        P(
            "UA-KHA-2026-003",
            "Bridge over the Udy river",
            "Міст через річку Уди",
            "identification",
            "construction",
            "RESTORATION",
            "21020",
            "TRANSPORT",
            kharkiv_oblast_t.id,
            kharkiv_oblast.id,
            2_000_000_000,
            "DRAFT",
            &["RESILIENT"],
        ),
        P(
            "UA-MYK-2023-002",
            "Temporary modular housing",
            "Тимчасове модульне житло",
            "cancelled",
            "construction",
            "RESTORATION",
            "16030",
            "HOUSING",
            mykolaiv_t.id,
            mykolaiv.id,
            120_000_000,
            "ARCHIVED",
            &[],
        ),
    ];
    let mut project_ids = Vec::new();
    for (
        i,
        P(
            code,
            en,
            uk,
            status,
            kind,
            purpose,
            sector,
            theme,
            territory_id,
            owner_id,
            budget,
            visibility,
            principles,
        ),
    ) in projects.into_iter().enumerate()
    {
        let year = 2023 + (i as i32 % 3);
        let p = project::ActiveModel {
            id: NotSet,
            code: Set(code.into()),
            dream_id: Set(Some(format!("DREAM-DEMO-{:04}", i + 1))),
            iati_identifier: Set(Some(format!("XI-ALLIANCE-{code}"))),
            title_en: Set(en.into()),
            title_uk: Set(uk.into()),
            description_en: Set(format!("{en}. {DEMO}")),
            description_uk: Set(format!("{uk}. {DEMO_UK}")),
            status: Set(status.into()),
            project_type: Set(kind.into()),
            purpose: Set(purpose.into()),
            sector_code: Set(sector.into()),
            theme: Set(theme.into()),
            territory_id: Set(territory_id),
            lat_e6: Set(None),
            lon_e6: Set(None),
            planned_start: Set(Some(date(year, 3, 1))),
            planned_end: Set(Some(date(year + 2, 12, 31))),
            actual_start: Set(
                (status != "identification" && status != "preparation").then(|| date(year, 4, 15))
            ),
            actual_end: Set((status == "completion").then(|| date(year + 1, 11, 30))),
            budget_minor: Set(Some(budget)),
            budget_currency: Set(Some("EUR".into())),
            principles: Set(entity::list::encode(principles)),
            visibility: Set(visibility.into()),
            owner_id: Set(owner_id),
            version: Set(1),
            created_at: Set(now + chrono::Duration::milliseconds(i as i64)),
            updated_at: Set(now + chrono::Duration::milliseconds(i as i64)),
        }
        .insert(db)
        .await?;
        project_ids.push((p.id, owner_id, budget));
    }

    let supporters = [
        gdansk.id,
        lublin.id,
        vilnius.id,
        lyon.id,
        podkarpackie.id,
        gdansk.id,
        lublin.id,
        vilnius.id,
    ];
    let funders = [
        eib.id, ebrd.id, ceb.id, eib.id, ceb.id, ebrd.id, eib.id, ceb.id,
    ];
    for (i, (project_id, owner_id, budget)) in project_ids.iter().copied().enumerate() {
        for (member_id, role, alliance_role) in [
            (owner_id, "2", "LEAD"),
            (supporters[i], "4", "SUPPORTING_PARTNER"),
            (funders[i], "1", "SUPPORTING_PARTNER"),
        ] {
            participant::ActiveModel {
                id: NotSet,
                project_id: Set(project_id),
                member_id: Set(member_id),
                iati_role: Set(role.into()),
                alliance_role: Set(alliance_role.into()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
        // Pledged 80 %, committed 60 %, disbursed 20 % of the budget.
        let base = budget / 5;
        for (stage, share, finance_type) in [
            ("PLEDGED", 4, "110"),
            ("COMMITTED", 3, if i % 2 == 0 { "110" } else { "421" }),
            ("DISBURSED", 1, "110"),
        ] {
            funding::ActiveModel {
                id: NotSet,
                project_id: Set(project_id),
                funder_id: Set(funders[i]),
                stage: Set(stage.into()),
                finance_type: Set(finance_type.into()),
                amount_minor: Set(base * share),
                currency: Set("EUR".into()),
                value_date: Set(date(2025, 1 + i as u32 % 12, 15)),
                // Pledges as their funders announced them; commitments and
                // disbursements as the secretariat recorded them from agreements.
                reported_as: Set(Some(
                    if stage == "PLEDGED" {
                        "FUNDER"
                    } else {
                        "SECRETARIAT"
                    }
                    .into(),
                )),
                reported_by_id: Set((stage == "PLEDGED").then_some(funders[i])),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
        indicator::ActiveModel {
            id: NotSet,
            project_id: Set(project_id),
            title_en: Set("People served (demonstration indicator)".into()),
            title_uk: Set("Обслуговано осіб (демонстраційний показник)".into()),
            unit: Set("people".into()),
            baseline: Set(Some("0".into())),
            baseline_year: Set(Some(2024)),
            target: Set(Some(format!("{}", 1000 * (i + 1)))),
            target_year: Set(Some(2027)),
            actual: Set(Some(format!("{}", 250 * i))),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        document_link::ActiveModel {
            id: NotSet,
            project_id: Set(project_id),
            category: Set("A02".into()),
            title: Set(format!("Project objectives. {DEMO}")),
            url: Set(format!("https://example.org/demo/projects/{}", i + 1)),
            language: Set("en".into()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        for (function, level, actor, raci, principles) in [
            ("PLANNING", "HROMADA", owner_id, "ACCOUNTABLE", ",1,5,"),
            (
                "FINANCING",
                "INTERNATIONAL",
                funders[i],
                "RESPONSIBLE",
                ",6,10,",
            ),
            (
                "SUPERVISION",
                "NATIONAL",
                ministry.id,
                "CONSULTED",
                ",2,12,",
            ),
        ] {
            responsibility::ActiveModel {
                id: NotSet,
                function: Set(function.into()),
                phase: Set("IMPLEMENTATION".into()),
                level: Set(level.into()),
                actor_id: Set(actor),
                raci: Set(raci.into()),
                principles: Set(principles.into()),
                legal_basis: Set(Some(format!("Grant agreement (demonstration). {DEMO}"))),
                valid_from: Set(Some(date(2025, 1, 1))),
                valid_until: Set(Some(date(2028, 12, 31))),
                project_id: Set(Some(project_id)),
                territory_id: Set(None),
                theme: Set(None),
                note: Set(Some(DEMO.into())),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    responsibility::ActiveModel {
        id: NotSet,
        function: Set("MAINTENANCE".into()),
        phase: Set("MAINTENANCE".into()),
        level: Set("OBLAST".into()),
        actor_id: Set(kharkiv_oblast.id),
        raci: Set("ACCOUNTABLE".into()),
        principles: Set(",3,8,".into()),
        legal_basis: Set(None),
        valid_from: Set(Some(date(2024, 1, 1))),
        valid_until: Set(None),
        project_id: Set(None),
        territory_id: Set(Some(kharkiv_oblast_t.id)),
        theme: Set(Some("ENERGY".into())),
        note: Set(Some(format!(
            "Energy network maintenance in the oblast. {DEMO}"
        ))),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;

    // Assistance offers and needs.
    struct Offer(
        i64,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        i32,
        &'static str,
    );
    let offers = [
        Offer(
            gdansk.id,
            "Peer support for school reconstruction procurement",
            ",11220,15110,",
            "PEER_TO_PEER",
            ",en,pl,uk,",
            40,
            "OPEN",
        ),
        Offer(
            lublin.id,
            "Twinning on district heating modernisation",
            ",23630,",
            "TWINNING",
            ",en,pl,",
            60,
            "OPEN",
        ),
        Offer(
            vilnius.id,
            "Digital public services training",
            ",22040,15110,",
            "TRAINING",
            ",en,lt,uk,",
            20,
            "MATCHED",
        ),
        Offer(
            lyon.id,
            "Water utility experts on secondment",
            ",14021,",
            "EXPERT_SECONDMENT",
            ",en,fr,",
            90,
            "OPEN",
        ),
        Offer(
            podkarpackie.id,
            "Study visit: regional hospital management",
            ",12191,",
            "STUDY_VISIT",
            ",en,pl,uk,",
            10,
            "DRAFT",
        ),
    ];
    let mut offer_ids = Vec::new();
    for Offer(member_id, title, themes, modality, languages, days, status) in offers {
        let o = assistance_offer::ActiveModel {
            id: NotSet,
            member_id: Set(member_id),
            title: Set(title.into()),
            description: Set(format!("{title}. {DEMO}")),
            themes: Set(themes.into()),
            modality: Set(modality.into()),
            languages: Set(languages.into()),
            capacity_days: Set(days),
            available_from: Set(Some(date(2025, 1, 1))),
            available_until: Set(Some(date(2027, 12, 31))),
            status: Set(status.into()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        offer_ids.push(o.id);
    }
    struct Need(
        i64,
        Option<usize>,
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
        i32,
        &'static str,
        &'static str,
    );
    let needs = [
        Need(
            kharkiv.id,
            Some(0),
            "Procurement expertise for school reconstruction",
            ",11220,",
            Some("PEER_TO_PEER"),
            ",uk,en,",
            30,
            "HIGH",
            "OPEN",
        ),
        Need(
            kharkiv.id,
            Some(1),
            "Design review of district heating renewal",
            ",23630,",
            None,
            ",uk,en,",
            45,
            "CRITICAL",
            "OPEN",
        ),
        Need(
            bucha.id,
            Some(4),
            "Setting up digital services for residents",
            ",22040,",
            Some("TRAINING"),
            ",uk,en,",
            20,
            "MEDIUM",
            "MATCHED",
        ),
        Need(
            mykolaiv.id,
            Some(2),
            "Water network leak detection",
            ",14021,",
            None,
            ",uk,en,",
            60,
            "CRITICAL",
            "OPEN",
        ),
        Need(
            chernihiv.id,
            None,
            "Hospital energy audit",
            ",12191,23183,",
            None,
            ",uk,",
            15,
            "LOW",
            "OPEN",
        ),
    ];
    let mut need_ids = Vec::new();
    for Need(member_id, project, title, themes, modality, languages, days, urgency, status) in needs
    {
        let n = assistance_need::ActiveModel {
            id: NotSet,
            member_id: Set(member_id),
            project_id: Set(project.map(|i| project_ids[i].0)),
            title: Set(title.into()),
            description: Set(format!("{title}. {DEMO}")),
            themes: Set(themes.into()),
            modality: Set(modality.map(Into::into)),
            languages: Set(languages.into()),
            days_needed: Set(days),
            needed_from: Set(Some(date(2025, 6, 1))),
            needed_until: Set(Some(date(2028, 12, 31))),
            urgency: Set(urgency.into()),
            status: Set(status.into()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        need_ids.push(n.id);
    }
    demo_match(db, offer_ids[2], need_ids[2], "ACTIVE").await?;
    demo_match(db, offer_ids[0], need_ids[0], "PROPOSED").await?;

    // Partnerships and a cluster.
    let kharkiv_cluster = cluster::ActiveModel {
        id: NotSet,
        slug: Set("kharkiv-cluster".into()),
        name: Set("Kharkiv reconstruction cluster".into()),
        description: Set(format!("EU cities supporting Kharkiv together. {DEMO}")),
        focus_member_id: Set(kharkiv.id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    for (eu, ua, kind, status, in_cluster) in [
        (gdansk.id, kharkiv.id, "COOPERATION", "ACTIVE", true),
        (lublin.id, kharkiv.id, "TWINNING", "ACTIVE", true),
        (vilnius.id, bucha.id, "FRIENDSHIP", "ACTIVE", false),
        (lyon.id, mykolaiv.id, "PROJECT", "ACTIVE", false),
        (
            podkarpackie.id,
            chernihiv.id,
            "COOPERATION",
            "PROPOSED",
            false,
        ),
    ] {
        partnership::ActiveModel {
            id: NotSet,
            eu_member_id: Set(eu),
            ua_member_id: Set(ua),
            kind: Set(kind.into()),
            status: Set(status.into()),
            since: Set(Some(date(2023, 5, 9))),
            source: Set(Some(DEMO.into())),
            proposed_by_member_id: Set(None),
            cluster_id: Set(in_cluster.then_some(kharkiv_cluster.id)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    let _ = (cor, cpmr, congress, oecd, tampere);
    Ok(())
}
