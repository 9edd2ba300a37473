//! The benchmark data set: deterministic for a seed, the same on SQLite and
//! PostgreSQL, written in batches inside one transaction.
//!
//! At scale 1 it holds 2,000 members, 50,000 projects, 150,000 participants,
//! 100,000 funding records, 20,000 open offers, 5,000 needs and 200,000
//! governance responsibilities, plus partnerships and open matches. It is
//! written straight into the tables (not through the API), so it is not in
//! the audit trail: it is load for measurements, not a record.

use chrono::{Duration, NaiveDate, Utc};
use entity::{
    assistance_match, assistance_need, assistance_offer, funding, member, participant, partnership,
    project, responsibility, territory,
};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder,
    QuerySelect, TransactionTrait,
};

use crate::Error;

/// Rows written per statement: below both databases' bind-parameter limits.
const BATCH: usize = 500;

/// How many rows of each kind to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Member organisations.
    pub members: usize,
    /// Projects.
    pub projects: usize,
    /// Participants (3 per project at scale 1).
    pub participants: usize,
    /// Funding records.
    pub funding: usize,
    /// Open assistance offers.
    pub offers: usize,
    /// Assistance needs (four in five open).
    pub needs: usize,
    /// Governance responsibilities.
    pub responsibilities: usize,
    /// Partnerships.
    pub partnerships: usize,
    /// Proposed matches.
    pub matches: usize,
}

impl Sizes {
    /// The data set at `scale` (1.0 is the reference size).
    pub fn at(scale: f64) -> Self {
        let n = |base: f64| ((base * scale).round() as usize).max(1);
        Self {
            members: n(2_000.0).max(10),
            projects: n(50_000.0),
            participants: n(150_000.0),
            funding: n(100_000.0),
            offers: n(20_000.0),
            needs: n(5_000.0),
            responsibilities: n(200_000.0),
            partnerships: n(3_000.0),
            matches: n(2_000.0),
        }
    }
}

/// DAC 5-digit purpose codes of reconstruction, across 19 categories.
pub const THEMES: &[&str] = &[
    "11120", "11220", "12191", "12220", "14021", "14022", "14030", "15110", "15112", "15250",
    "16030", "16040", "21020", "21030", "22040", "23110", "23183", "23630", "25010", "31120",
    "41010", "43030", "43040", "72010", "73010",
];
const LANGUAGES: &[&str] = &["en", "uk", "pl", "de", "fr", "lt", "it", "es", "ro", "cs"];
const MODALITIES: &[&str] = &[
    "PEER_TO_PEER",
    "TWINNING",
    "STUDY_VISIT",
    "EXPERT_SECONDMENT",
    "TRAINING",
    "EQUIPMENT",
    "HUMANITARIAN",
];
const URGENCIES: &[&str] = &["LOW", "MEDIUM", "HIGH", "CRITICAL"];
const PROJECT_STATUSES: &[&str] = &[
    "identification",
    "preparation",
    "implementation",
    "completion",
    "maintenance",
];
const PROJECT_THEMES: &[&str] = &[
    "HOUSING",
    "EDUCATION",
    "HEALTH",
    "ENERGY",
    "TRANSPORT",
    "WATER",
    "MUNICIPAL_SERVICES",
    "DIGITAL",
];
const FUNCTIONS: &[&str] = &[
    "PLANNING",
    "FINANCING",
    "PROCUREMENT",
    "IMPLEMENTATION",
    "SUPERVISION",
    "MONITORING",
    "MAINTENANCE",
    "REPORTING",
];
const PHASES: &[&str] = &[
    "IDENTIFICATION",
    "PREPARATION",
    "IMPLEMENTATION",
    "COMPLETION",
    "MAINTENANCE",
];
const LEVELS: &[&str] = &[
    "EU",
    "INTERNATIONAL",
    "NATIONAL",
    "OBLAST",
    "RAION",
    "HROMADA",
];
const PRINCIPLES: &[&str] = &[
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
];
const RACI: &[&str] = &[
    "ACCOUNTABLE",
    "RESPONSIBLE",
    "RESPONSIBLE",
    "CONSULTED",
    "INFORMED",
];

/// What was written.
#[derive(Clone, Copy, Debug)]
pub struct Report {
    /// The sizes generated.
    pub sizes: Sizes,
}

fn pick<'a>(rng: &mut StdRng, list: &'a [&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or(list[0])
}

/// One to `most` distinct codes of `list`, in list order.
fn some(rng: &mut StdRng, list: &[&str], most: usize) -> String {
    let count = rng.random_range(1..=most.max(1));
    let mut chosen: Vec<&str> = list
        .choose_multiple(rng, count.min(list.len()))
        .copied()
        .collect();
    chosen.sort_by_key(|c| list.iter().position(|x| x == c));
    entity::list::encode(&chosen)
}

async fn insert_batches<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), Error>
where
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(BATCH).collect();
        <A::Entity as EntityTrait>::insert_many(batch)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The ids of `E`'s rows in insertion order.
async fn ids<E: EntityTrait>(db: &impl ConnectionTrait, id: E::Column) -> Result<Vec<i64>, Error> {
    Ok(E::find()
        .select_only()
        .column(id)
        .order_by_asc(id)
        .into_tuple::<i64>()
        .all(db)
        .await?)
}

fn day(today: NaiveDate, offset: i64) -> NaiveDate {
    today + Duration::days(offset)
}

/// Writes the data set into a migrated, empty database.
pub async fn generate(db: &DatabaseConnection, sizes: Sizes, seed: u64) -> Result<Report, Error> {
    if member::Entity::find().count(db).await? > 0 {
        return Err(Error::NotEmpty);
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let now = Utc::now();
    let today = now.date_naive();
    let txn = db.begin().await?;
    let oblasts: Vec<i64> = ids::<territory::Entity>(&txn, territory::Column::Id).await?;

    // Members: three in five on the EU side, the rest Ukrainian hromadas and oblasts.
    let eu_count = sizes.members * 3 / 5;
    let members: Vec<member::ActiveModel> = (0..sizes.members)
        .map(|i| {
            let eu = i < eu_count;
            let kind = if eu {
                pick(
                    &mut rng,
                    &["CITY", "CITY", "CITY", "REGION", "LRA_ASSOCIATION"],
                )
            } else {
                pick(
                    &mut rng,
                    &["HROMADA", "HROMADA", "HROMADA", "HROMADA", "OBLAST"],
                )
            };
            member::ActiveModel {
                id: NotSet,
                slug: Set(format!("bench-member-{i:05}")),
                name_en: Set(format!("Benchmark member {i}")),
                name_uk: Set(None),
                acronym: Set(None),
                kind: Set(kind.into()),
                iati_org_type: Set("11".into()),
                country: Set(Some(
                    if eu {
                        pick(&mut rng, &["PL", "DE", "FR", "LT", "IT"])
                    } else {
                        "UA"
                    }
                    .into(),
                )),
                territory_id: Set((!eu).then(|| *oblasts.choose(&mut rng).unwrap_or(&1))),
                alliance_role: Set("MEMBER".into()),
                status: Set("ACTIVE".into()),
                joined_on: Set(Some(day(today, -rng.random_range(30..1500)))),
                website: Set(None),
                description: Set(None),
                contact_name: Set(None),
                contact_email: Set(None),
                contact_phone: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    insert_batches(&txn, members).await?;
    let member_ids = ids::<member::Entity>(&txn, member::Column::Id).await?;
    let (eu, ua) = member_ids.split_at(eu_count);
    let ua_territory = |rng: &mut StdRng| *oblasts.choose(rng).unwrap_or(&1);

    let projects: Vec<project::ActiveModel> = (0..sizes.projects)
        .map(|i| {
            let at = now - Duration::seconds((sizes.projects - i) as i64);
            project::ActiveModel {
                id: NotSet,
                code: Set(format!("BENCH-{i:07}")),
                dream_id: Set(None),
                iati_identifier: Set(None),
                title_en: Set(format!("Benchmark project {i}")),
                title_uk: Set(format!("Проєкт {i}")),
                description_en: Set("Benchmark data".into()),
                description_uk: Set("Дані для вимірювань".into()),
                status: Set(pick(&mut rng, PROJECT_STATUSES).into()),
                project_type: Set("rehabilitation".into()),
                purpose: Set("RESTORATION".into()),
                sector_code: Set(pick(&mut rng, THEMES).into()),
                theme: Set(pick(&mut rng, PROJECT_THEMES).into()),
                territory_id: Set(ua_territory(&mut rng)),
                lat_e6: Set(None),
                lon_e6: Set(None),
                planned_start: Set(Some(day(today, -rng.random_range(0..900)))),
                planned_end: Set(Some(day(today, rng.random_range(30..1500)))),
                actual_start: Set(None),
                actual_end: Set(None),
                budget_minor: Set(Some(rng.random_range(10_000..50_000_000) * 100)),
                budget_currency: Set(Some("EUR".into())),
                principles: Set(",".into()),
                visibility: Set(if rng.random_ratio(9, 10) {
                    "PUBLISHED"
                } else {
                    "DRAFT"
                }
                .into()),
                owner_id: Set(*ua.choose(&mut rng).unwrap_or(&1)),
                version: Set(1),
                created_at: Set(at),
                updated_at: Set(at),
            }
        })
        .collect();
    insert_batches(&txn, projects).await?;
    let project_ids = ids::<project::Entity>(&txn, project::Column::Id).await?;

    let participants: Vec<participant::ActiveModel> = (0..sizes.participants)
        .map(|i| participant::ActiveModel {
            id: NotSet,
            project_id: Set(project_ids[i % project_ids.len()]),
            member_id: Set(*member_ids.choose(&mut rng).unwrap_or(&1)),
            iati_role: Set(pick(&mut rng, &["1", "2", "3", "4"]).into()),
            alliance_role: Set(pick(
                &mut rng,
                &[
                    "LEAD",
                    "BENEFICIARY",
                    "SUPPORTING_PARTNER",
                    "TECHNICAL_ADVISOR",
                ],
            )
            .into()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    insert_batches(&txn, participants).await?;

    let funding: Vec<funding::ActiveModel> = (0..sizes.funding)
        .map(|i| funding::ActiveModel {
            id: NotSet,
            project_id: Set(project_ids[i % project_ids.len()]),
            funder_id: Set(*eu.choose(&mut rng).unwrap_or(&1)),
            stage: Set(pick(&mut rng, &["PLEDGED", "COMMITTED", "DISBURSED"]).into()),
            finance_type: Set(pick(&mut rng, &["110", "421"]).into()),
            amount_minor: Set(rng.random_range(1_000..5_000_000) * 100),
            currency: Set("EUR".into()),
            value_date: Set(day(today, -rng.random_range(0..900))),
            reported_as: Set(Some("SECRETARIAT".into())),
            reported_by_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    insert_batches(&txn, funding).await?;

    // Offers: all open; one in ten already past its window.
    let offers: Vec<assistance_offer::ActiveModel> = (0..sizes.offers)
        .map(|i| {
            let start = rng.random_range(-400..200);
            let length = rng.random_range(30..700);
            let mut languages = some(&mut rng, LANGUAGES, 3);
            if rng.random_ratio(7, 10) && !languages.contains(",en,") {
                languages.push_str("en,");
            }
            assistance_offer::ActiveModel {
                id: NotSet,
                member_id: Set(*eu.choose(&mut rng).unwrap_or(&1)),
                title: Set(format!("Benchmark offer {i}")),
                description: Set("Benchmark data".into()),
                themes: Set(some(&mut rng, THEMES, 3)),
                modality: Set(pick(&mut rng, MODALITIES).into()),
                languages: Set(languages),
                capacity_days: Set(rng.random_range(5..200)),
                available_from: Set(Some(day(today, start))),
                available_until: Set(Some(day(today, start + length))),
                status: Set("OPEN".into()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    insert_batches(&txn, offers).await?;
    let offer_ids = ids::<assistance_offer::Entity>(&txn, assistance_offer::Column::Id).await?;

    let needs: Vec<assistance_need::ActiveModel> = (0..sizes.needs)
        .map(|i| {
            let start = rng.random_range(-60..200);
            let languages = if rng.random_ratio(6, 10) {
                ",uk,en,"
            } else {
                ",uk,"
            };
            assistance_need::ActiveModel {
                id: NotSet,
                member_id: Set(*ua.choose(&mut rng).unwrap_or(&1)),
                project_id: Set(None),
                title: Set(format!("Benchmark need {i}")),
                description: Set("Benchmark data".into()),
                themes: Set(some(&mut rng, THEMES, 2)),
                modality: Set(rng
                    .random_ratio(1, 2)
                    .then(|| pick(&mut rng, MODALITIES).into())),
                languages: Set(languages.into()),
                days_needed: Set(rng.random_range(5..150)),
                needed_from: Set(Some(day(today, start))),
                needed_until: Set(Some(day(today, start + rng.random_range(30..400)))),
                urgency: Set(pick(&mut rng, URGENCIES).into()),
                status: Set(if rng.random_ratio(4, 5) {
                    "OPEN"
                } else {
                    "CLOSED"
                }
                .into()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    insert_batches(&txn, needs).await?;
    let need_ids = ids::<assistance_need::Entity>(&txn, assistance_need::Column::Id).await?;

    let partnerships: Vec<partnership::ActiveModel> = (0..sizes.partnerships)
        .map(|_| partnership::ActiveModel {
            id: NotSet,
            eu_member_id: Set(*eu.choose(&mut rng).unwrap_or(&1)),
            ua_member_id: Set(*ua.choose(&mut rng).unwrap_or(&1)),
            kind: Set(pick(&mut rng, &["TWINNING", "FRIENDSHIP", "COOPERATION"]).into()),
            status: Set(if rng.random_ratio(4, 5) {
                "ACTIVE"
            } else {
                "ENDED"
            }
            .into()),
            since: Set(Some(day(today, -rng.random_range(30..1500)))),
            source: Set(None),
            proposed_by_member_id: Set(None),
            cluster_id: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    insert_batches(&txn, partnerships).await?;

    let matches: Vec<assistance_match::ActiveModel> = (0..sizes.matches)
        .map(|_| assistance_match::ActiveModel {
            id: NotSet,
            offer_id: Set(*offer_ids.choose(&mut rng).unwrap_or(&1)),
            need_id: Set(*need_ids.choose(&mut rng).unwrap_or(&1)),
            status: Set("PROPOSED".into()),
            score_milli: Set(rng.random_range(300..1000)),
            score_parts: Set("[]".into()),
            offer_accepted_at: Set(None),
            need_accepted_at: Set(None),
            proposed_by_member_id: Set(None),
            outcome: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    insert_batches(&txn, matches).await?;

    let responsibilities: Vec<responsibility::ActiveModel> = (0..sizes.responsibilities)
        .map(|i| {
            let expired = rng.random_ratio(1, 10);
            let principles = some(&mut rng, PRINCIPLES, 3);
            responsibility::ActiveModel {
                id: NotSet,
                function: Set(pick(&mut rng, FUNCTIONS).into()),
                phase: Set(pick(&mut rng, PHASES).into()),
                level: Set(pick(&mut rng, LEVELS).into()),
                actor_id: Set(*member_ids.choose(&mut rng).unwrap_or(&1)),
                raci: Set(pick(&mut rng, RACI).into()),
                principles: Set(principles),
                legal_basis: Set(None),
                valid_from: Set(Some(day(today, -rng.random_range(400..2000)))),
                valid_until: Set(if expired {
                    Some(day(today, -rng.random_range(1..300)))
                } else {
                    None
                }),
                project_id: Set(Some(project_ids[i % project_ids.len()])),
                territory_id: Set(None),
                theme: Set(None),
                note: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    insert_batches(&txn, responsibilities).await?;
    txn.commit().await?;
    Ok(Report { sizes })
}
