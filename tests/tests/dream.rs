//! `alliance import dream`: DREAM project records become draft projects,
//! idempotently by DREAM id; every record is reported; a broken record changes
//! nothing and never stops the others.

use alliance_api::cli::Cli;
use alliance_api::codes::Theme;
use alliance_api::dream::import::{self, Fate, ImportOptions, RecordReport};
use clap::Parser;
use entity::{audit_event, member_identifier, project};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use tests::{TestApp, scenario, spawn_apps};

const EDRPOU: &str = "04059243";

fn record(id: &str, title_en: Option<&str>, status: &str, location: Option<&str>) -> Value {
    let mut title = vec![json!({ "lang": "uk", "translation": "Відновлення школи №5" })];
    if let Some(en) = title_en {
        title.push(json!({ "lang": "en", "translation": en }));
    }
    let locations = match location {
        Some(code) => json!([{ "gazetteer": { "scheme": "UA-CATOTTG", "identifiers": [code] } }]),
        None => json!([]),
    };
    json!({
        "id": id,
        "date": "2025-04-01T10:00:00Z",
        "updated": "2025-05-01T10:00:00Z",
        "type": "rehabilitation",
        "title": title,
        "description": [
            { "lang": "uk", "translation": "Капітальний ремонт будівлі школи." },
            { "lang": "en", "translation": "Major repair of the school building." }
        ],
        "purpose": "restoration",
        "status": status,
        "statusDetails": "approved",
        "parties": [{
            "id": "UA-EDR-04059243",
            "roles": ["balancer", "initiator"],
            "identifier": { "scheme": "UA-EDR", "id": EDRPOU, "legalName": "Міська рада" }
        }],
        "approaches": [{
            "id": "a1",
            "title": "Proposed",
            "items": [{ "id": "o1", "locations": locations }],
            "budget": { "budgetBreakdown": [
                { "id": "b1", "amount": { "amount": 1000000.5, "currency": "UAH" },
                  "period": { "startDate": "2026-03-01", "endDate": "2026-12-31" },
                  "classifications": { "costItem": "construction", "costType": "capex" } },
                { "id": "b2", "amount": { "amount": 250000, "currency": "UAH" },
                  "period": { "startDate": "2026-06-01", "endDate": "2027-06-30" },
                  "classifications": { "costItem": "design", "costType": "capex" } }
            ] }
        }]
    })
}

/// The import file: JSON Lines with good and broken records.
fn file(records: &[String]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("dream-{}.jsonl", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, records.join("\n")).expect("write the import file");
    path
}

fn lines() -> Vec<String> {
    let school = record(
        "7d5f0c1e-0001-4c1a-9a53-1f0e5c7a0001",
        Some("School No. 5 repair"),
        "pending",
        Some("UA63DEMO0001"),
    );
    // Only a Ukrainian title, equipment, a hromada this service does not hold
    // (falls back to its oblast), and no party that is a member.
    let mut clinic = record(
        "7d5f0c1e-0002-4c1a-9a53-1f0e5c7a0002",
        None,
        "active",
        Some("UA46060250010015970"),
    );
    clinic["type"] = json!("equipment");
    clinic["parties"][0]["identifier"]["id"] = json!("99999999");
    let mut untitled = record(
        "7d5f0c1e-0004-4c1a-9a53-1f0e5c7a0004",
        Some("x"),
        "pending",
        Some("UA63DEMO0001"),
    );
    untitled.as_object_mut().expect("object").remove("title");
    let mut demolition = record(
        "7d5f0c1e-0005-4c1a-9a53-1f0e5c7a0005",
        Some("x"),
        "pending",
        Some("UA63DEMO0001"),
    );
    demolition["type"] = json!("demolition");
    let nowhere = record(
        "7d5f0c1e-0006-4c1a-9a53-1f0e5c7a0006",
        Some("Nowhere"),
        "pending",
        None,
    );
    let long = "L".repeat(400);
    let too_long = record(
        "7d5f0c1e-0007-4c1a-9a53-1f0e5c7a0007",
        Some(&long),
        "pending",
        Some("UA63DEMO0001"),
    );
    vec![
        school.to_string(),
        clinic.to_string(),
        "{\"id\": \"7d5f0c1e-0003\", \"type\": ".to_owned(),
        untitled.to_string(),
        demolition.to_string(),
        nowhere.to_string(),
        too_long.to_string(),
    ]
}

async fn run(app: &TestApp, path: &std::path::Path, owner: i64) -> Vec<RecordReport> {
    let text = std::fs::read_to_string(path).expect("read");
    let options = ImportOptions {
        owner: Some(owner),
        sector_code: "11220".into(),
        theme: Theme::Education,
    };
    let mut seen = 0;
    let reports = import::import(&app.db, import::records(&text), &options, |_| seen += 1)
        .await
        .expect("the import runs");
    assert_eq!(seen, reports.len(), "progress after every record");
    reports
}

fn fates(reports: &[RecordReport]) -> Vec<String> {
    reports
        .iter()
        .map(|r| match &r.fate {
            Fate::Created(_) => "created".to_owned(),
            Fate::Updated(_) => "updated".to_owned(),
            Fate::Unchanged(_) => "unchanged".to_owned(),
            Fate::Rejected(why) => format!("rejected: {why}"),
        })
        .collect()
}

async fn imported_events(app: &TestApp) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Operation.eq(import::OPERATION))
        .count(&app.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn dream_records_are_imported_once_reported_one_by_one_and_broken_ones_change_nothing() {
    for app in spawn_apps(true).await {
        let kharkiv_oblast = scenario::oblast(&app.db, "UA-63").await;
        let city = scenario::member(&app.db, "dream-city", "HROMADA", Some(kharkiv_oblast)).await;
        member_identifier::ActiveModel {
            id: sea_orm::NotSet,
            member_id: Set(city),
            scheme: Set("UA_EDR".into()),
            value: Set(EDRPOU.into()),
            created_at: Set(chrono::Utc::now()),
            updated_at: Set(chrono::Utc::now()),
        }
        .insert(&app.db)
        .await
        .expect("identifier");
        let fallback = scenario::member(&app.db, "dream-default", "CITY", None).await;
        let projects_before = project::Entity::find().count(&app.db).await.expect("count");
        let path = file(&lines());

        let reports = run(&app, &path, fallback).await;
        let got = fates(&reports);
        assert_eq!(got.len(), 7, "[{}] {got:?}", app.backend);
        assert_eq!(got[0], "created", "[{}] {got:?}", app.backend);
        assert_eq!(got[1], "created", "{got:?}");
        assert!(
            got[2].starts_with("rejected: line 3 is not JSON"),
            "{got:?}"
        );
        assert!(got[3].contains("missing field `title`"), "{got:?}");
        assert!(got[4].contains("\"demolition\""), "{got:?}");
        assert!(got[5].contains("no location with a KATOTTH"), "{got:?}");
        assert!(
            got[6].contains("titles.en"),
            "the write's own validation: {got:?}"
        );
        assert_eq!(reports[1].notes.len(), 2, "{:?}", reports[1].notes);
        assert!(
            reports[0]
                .to_string()
                .contains("created DREAM-7D5F0C1E-0001"),
            "{}",
            reports[0]
        );

        // Only the two good records were written, each with its audit event.
        assert_eq!(
            project::Entity::find().count(&app.db).await.expect("count"),
            projects_before + 2
        );
        assert_eq!(imported_events(&app).await, 2);
        let school = project::Entity::find()
            .filter(project::Column::DreamId.eq("7d5f0c1e-0001-4c1a-9a53-1f0e5c7a0001"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("the school project");
        assert_eq!(
            school.owner_id, city,
            "the balancer party, matched by EDRPOU"
        );
        assert_eq!(school.visibility, "DRAFT");
        assert_eq!(school.status, "preparation", "pending + approved");
        assert_eq!(school.budget_minor, Some(125_000_050));
        assert_eq!(school.budget_currency.as_deref(), Some("UAH"));
        assert_eq!(
            school.planned_start,
            chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
        );
        assert_eq!(
            school.planned_end,
            chrono::NaiveDate::from_ymd_opt(2027, 6, 30)
        );
        assert_eq!(school.title_en, "School No. 5 repair");
        let clinic = project::Entity::find()
            .filter(project::Column::DreamId.eq("7d5f0c1e-0002-4c1a-9a53-1f0e5c7a0002"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("the clinic project");
        assert_eq!(
            clinic.owner_id, fallback,
            "no member party: the default owner"
        );
        assert_eq!(clinic.project_type, "replacement");
        assert_eq!(clinic.status, "implementation");
        assert_eq!(
            clinic.title_en, clinic.title_uk,
            "the Ukrainian title stands in"
        );
        assert_eq!(
            clinic.territory_id,
            scenario::oblast(&app.db, "UA-46").await,
            "an unknown hromada code falls back to its oblast"
        );

        // The same file again, through the command line: nothing written.
        let cli = Cli::try_parse_from([
            "alliance",
            "import",
            "dream",
            path.to_str().expect("path"),
            "--database-url",
            &app.database_url,
            "--owner",
            "dream-default",
        ])
        .expect("the command line parses");
        assert!(
            !cli.run().await.expect("the command runs"),
            "exit status 1: some records were rejected"
        );
        assert_eq!(
            imported_events(&app).await,
            2,
            "[{}] a rerun writes nothing",
            app.backend
        );
        let reports = run(&app, &path, fallback).await;
        assert_eq!(fates(&reports)[..2], ["unchanged", "unchanged"]);

        // DREAM moves the school on: an update, with its audit event.
        let mut moved = lines();
        moved[0] = record(
            "7d5f0c1e-0001-4c1a-9a53-1f0e5c7a0001",
            Some("School No. 5 rebuilt"),
            "active",
            Some("UA63DEMO0001"),
        )
        .to_string();
        let path = file(&moved[..1]);
        let reports = run(&app, &path, fallback).await;
        assert_eq!(fates(&reports), ["updated"], "[{}]", app.backend);
        let school = project::Entity::find_by_id(school.id)
            .one(&app.db)
            .await
            .expect("query")
            .expect("school");
        assert_eq!(
            (school.status.as_str(), school.version),
            ("implementation", 2)
        );
        assert_eq!(school.title_en, "School No. 5 rebuilt");
        assert_eq!(
            school.code, "DREAM-7D5F0C1E-0001-4C1A-9A53-1F0E5C7A0001",
            "the code is kept"
        );
        assert_eq!(imported_events(&app).await, 3);

        // A status that would move the project backwards is not applied; the rest is.
        let back = record(
            "7D5F0C1E-0001-4C1A-9A53-1F0E5C7A0001",
            Some("Back again"),
            "pending",
            Some("UA63DEMO0001"),
        );
        let path = file(&[back.to_string()]);
        let reports = run(&app, &path, fallback).await;
        assert_eq!(
            fates(&reports),
            ["updated"],
            "the id is matched whatever its case"
        );
        assert!(
            reports[0]
                .notes
                .iter()
                .any(|n| n.contains("status preparation is not applied")),
            "{:?}",
            reports[0].notes
        );
        let after = project::Entity::find_by_id(school.id)
            .one(&app.db)
            .await
            .expect("query")
            .expect("school");
        assert_eq!(
            (
                after.title_en.as_str(),
                after.status.as_str(),
                after.version
            ),
            ("Back again", "implementation", 3)
        );
        assert_eq!(imported_events(&app).await, 4);
        app.finish().await;
    }
}

#[tokio::test]
async fn the_list_format_and_a_single_record_are_read_too() {
    let school = record("x-1", Some("A"), "pending", Some("UA63DEMO0001"));
    let listed = json!({ "data": [school.clone(), school.clone()] }).to_string();
    assert_eq!(import::records(&listed).len(), 2);
    let array = json!([school.clone()]).to_string();
    assert_eq!(import::records(&array).len(), 1);
    assert_eq!(import::records(&school.to_string()).len(), 1);
    let lines = format!("{school}\n\n{school}\nnot json\n");
    let records = import::records(&lines);
    assert_eq!(records.len(), 3);
    assert!(records[2].as_ref().is_err_and(|e| e.contains("line 4")));
}
