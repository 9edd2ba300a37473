//! Downloads for BI tools: CSV, JSON Lines and GeoJSON, streamed in batches,
//! with the same filter and visibility as the GraphQL lists.

use alliance_api::auth::Role;
use serde_json::{Value, json};
use tests::{insert_projects, spawn_apps};

fn encode(filter: &Value) -> String {
    filter
        .to_string()
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn downloads_hold_exactly_the_projects_the_list_shows_across_batches() {
    for app in spawn_apps(true).await {
        // More than two batches of 500.
        insert_projects(&app.db, 1_100, "bulk").await;
        let listed =
            app.data("{ projects { totalCount } }", json!({})).await["projects"]["totalCount"]
                .as_u64()
                .unwrap_or(0);
        assert!(listed > 1_100);

        let (status, csv) = app.get("/exports/projects.csv").await;
        assert_eq!(status, 200, "[{}] {csv}", app.backend);
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert!(lines[0].starts_with("id,code,dream_id,iati_identifier,title_en,title_uk,status,status_label,theme,theme_label"));
        assert_eq!(lines.len() as u64 - 1, listed, "one row per listed project");
        assert!(
            lines.iter().any(|l| l.contains(",Implementation,")),
            "codes and labels"
        );

        let (_, geojson) = app.get("/exports/projects.geojson").await;
        let collection: Value =
            serde_json::from_str(&geojson).expect("GeoJSON is one JSON document");
        assert_eq!(collection["type"], "FeatureCollection");
        let features = collection["features"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(features.len() as u64, listed);
        for feature in &features {
            let point = &feature["geometry"]["coordinates"];
            let (lon, lat) = (
                point[0].as_f64().unwrap_or(0.0),
                point[1].as_f64().unwrap_or(0.0),
            );
            assert!(
                (22.0..41.0).contains(&lon) && (44.0..53.0).contains(&lat),
                "{feature}"
            );
        }

        let filter = json!({ "themes": ["ENERGY"] });
        let (_, jsonl) = app
            .get(&format!(
                "/exports/projects.jsonl?filter={}",
                encode(&filter)
            ))
            .await;
        let energy = app
            .data(
                "query($f: ProjectFilter) { projects(filter: $f) { totalCount } }",
                json!({ "f": filter }),
            )
            .await["projects"]["totalCount"]
            .clone();
        let rows: Vec<Value> = jsonl
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect();
        assert_eq!(json!(rows.len()), energy);
        assert!(rows.iter().all(|r| r["theme"] == "ENERGY"));
        app.finish().await;
    }
}

#[tokio::test]
async fn anonymous_downloads_leave_drafts_out_and_bad_requests_get_400() {
    for app in spawn_apps(true).await {
        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                r#"{ projects(filter: {visibilities: [DRAFT]}) { nodes { code } } }"#,
                json!({}),
            )
            .await;
        let draft = body["data"]["projects"]["nodes"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(!draft.is_empty(), "{body}");
        let (_, csv) = app.get("/exports/projects.csv").await;
        assert!(
            !csv.contains(&draft),
            "[{}] no draft in a public download",
            app.backend
        );
        let (_, funding) = app.get("/exports/funding.csv").await;
        assert!(funding.starts_with("id,project_code,funder_slug,funder_name,stage,stage_label"));
        assert!(funding.lines().count() > 1);
        assert!(!funding.contains(&draft));

        let (status, body) = app.get("/exports/projects.xlsx").await;
        assert_eq!(status, 400);
        assert!(
            body.contains("projects.csv"),
            "the message lists the downloads: {body}"
        );
        let (status, body) = app
            .get(&format!(
                "/exports/projects.csv?filter={}",
                encode(&json!({ "themes": ["SPACE"] }))
            ))
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("BAD_USER_INPUT"));
        let (status, _) = app.get("/exports/projects.csv?filter=%7Bnot-json").await;
        assert_eq!(status, 400);
        app.finish().await;
    }
}

#[tokio::test]
async fn offers_and_needs_download_with_their_own_filters() {
    for app in spawn_apps(true).await {
        let (status, csv) = app.get("/exports/offers.csv").await;
        assert_eq!(status, 200, "[{}] {csv}", app.backend);
        let listed = app
            .data("{ assistanceOffers { totalCount } }", json!({}))
            .await["assistanceOffers"]["totalCount"]
            .as_u64()
            .unwrap_or(0);
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert!(
            lines[0].starts_with("id,member_slug,member_name,title,themes,modality,modality_label")
        );
        assert_eq!(lines.len() as u64 - 1, listed);

        let filter = json!({ "urgencies": ["CRITICAL"] });
        let (status, jsonl) = app
            .get(&format!("/exports/needs.jsonl?filter={}", encode(&filter)))
            .await;
        assert_eq!(status, 200, "{jsonl}");
        let critical = app
            .data(
                "query($f: AssistanceNeedFilter) { assistanceNeeds(filter: $f) { totalCount } }",
                json!({ "f": filter }),
            )
            .await["assistanceNeeds"]["totalCount"]
            .clone();
        let rows: Vec<Value> = jsonl
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect();
        assert_eq!(json!(rows.len()), critical);
        assert!(rows.iter().all(|r| r["urgency"] == "CRITICAL"));

        // A project filter is not an offer filter.
        let (status, body) = app
            .get(&format!(
                "/exports/offers.csv?filter={}",
                encode(&json!({ "themes": ["ENERGY"] }))
            ))
            .await;
        assert_eq!(status, 400, "{body}");
        let (status, _) = app
            .get(&format!(
                "/exports/needs.csv?filter={}",
                encode(&json!({ "theme": "123" }))
            ))
            .await;
        assert_eq!(status, 400, "a theme must be a DAC 5-digit code");
        app.finish().await;
    }
}
