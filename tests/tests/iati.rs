//! The IATI 2.03 activity download validates against the official schema.

use alliance_api::auth::Role;
use serde_json::json;
use tests::{insert_projects, spawn_apps, standards_dir};

/// Runs `xmllint --schema` on `xml`: `Some(output)` when it ran, `None` when
/// xmllint or the schema is missing here (CI sets `REQUIRE_XMLLINT`, and then
/// missing is a failure).
fn validate(xml: &str) -> Option<(bool, String)> {
    let required = std::env::var_os("REQUIRE_XMLLINT").is_some();
    let schema = standards_dir().map(|d| d.join("iati/schema/iati-activities-schema.xsd"));
    let Some(schema) = schema.filter(|s| s.is_file()) else {
        assert!(!required, "the IATI schema is missing");
        println!("notice: IATI schema not found; XML validation skipped");
        return None;
    };
    let file = std::env::temp_dir().join(format!("iati-{}.xml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, xml).expect("write XML");
    let output = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output();
    std::fs::remove_file(&file).ok();
    match output {
        Ok(output) => Some((
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )),
        Err(_) => {
            assert!(!required, "xmllint is missing (install libxml2-utils)");
            println!("notice: xmllint not found; XML validation skipped");
            None
        }
    }
}

#[tokio::test]
async fn iati_activities_validate_against_the_official_schema() {
    for app in spawn_apps(true).await {
        insert_projects(&app.db, 600, "iati").await;
        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                r#"{ projects(filter: {visibilities: [PUBLISHED]}) { totalCount } drafts: projects(filter: {visibilities: [DRAFT]}) { nodes { code } } }"#,
                json!({}),
            )
            .await;
        let published = body["data"]["projects"]["totalCount"].as_u64().unwrap_or(0);
        let draft = body["data"]["drafts"]["nodes"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned();

        // Even the secretariat's download holds published projects only.
        let response = reqwest::Client::new()
            .get(format!("{}/exports/iati-activities.xml", app.address))
            .bearer_auth(&coordinator)
            .send()
            .await
            .expect("download");
        assert_eq!(response.status(), 200);
        let xml = response.text().await.expect("body");
        assert!(xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\""
        ));
        assert_eq!(
            xml.matches("<iati-activity ").count() as u64,
            published,
            "one activity per published project"
        );
        assert!(
            !draft.is_empty() && !xml.contains(&format!("XI-ALLIANCE-{draft}<")),
            "no draft"
        );
        assert!(xml.contains("<recipient-country code=\"UA\""));
        assert!(
            xml.contains("<location ref=\"KATOTTH-UA"),
            "location with its KATOTTH code"
        );
        assert!(xml.contains("<transaction-type code=\"12\"/>"), "pledges");
        assert!(
            xml.contains("<transaction-type code=\"2\"/>"),
            "commitments"
        );
        assert!(xml.contains("<sector vocabulary=\"1\" code=\"11220\""));
        if let Some((valid, output)) = validate(&xml) {
            assert!(valid, "[{}] xmllint: {output}", app.backend);
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn an_iati_download_that_would_hold_no_activity_is_refused_with_a_reason() {
    for app in spawn_apps(true).await {
        // A filter no published project matches (drafts only), and one that matches.
        let drafts = urlencode(r#"{"titleContains":"no project is called this"}"#);
        let (status, body) = app
            .get(&format!("/exports/iati-activities.xml?filter={drafts}"))
            .await;
        assert_eq!(status, 404, "[{}] {body}", app.backend);
        assert!(body.contains("at least one activity"), "{body}");
        let (status, _) = app.get("/exports/iati-activities.xml").await;
        assert_eq!(status, 200);
        // The other downloads may be empty: a header row only.
        let (status, csv) = app
            .get(&format!("/exports/projects.csv?filter={drafts}"))
            .await;
        assert_eq!((status, csv.lines().count()), (200, 1), "{csv}");
        app.finish().await;
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
