//! The change feed: read on from a stored cursor, never a change missed or
//! repeated, also while writers commit concurrently.

use std::collections::BTreeSet;

use alliance_api::auth::Role;
use entity::audit_event;
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
use serde_json::{Value, json};
use tests::{TestApp, spawn_apps};

const CHANGES: &str = r#"query($after: String, $first: Int, $types: [String!]) {
  changes(after: $after, first: $first, entityTypes: $types) {
    pageInfo { hasNextPage endCursor }
    nodes { sequence operation entityType entityId changes actor entity { __typename } }
  }
}"#;

fn create(code: &str, territory: &Value, owner: &Value) -> Value {
    json!({ "input": {
        "code": code,
        "titles": { "en": "Feed test", "uk": "Тест стрічки" },
        "descriptions": { "en": "Test project.", "uk": "Тестовий проєкт." },
        "projectType": "REHABILITATION",
        "purpose": "RESTORATION",
        "sectorCode": "11220",
        "theme": "EDUCATION",
        "territoryId": territory,
        "ownerId": owner,
        "budget": { "amount": "1000.00", "currency": "EUR" }
    } })
}

const CREATE: &str = r#"mutation($input: CreateProjectInput!) {
  createProject(input: $input) { project { id } userErrors { code message } }
}"#;

/// Reads one page after `cursor`; returns the sequence numbers and the cursor to store.
async fn read(
    app: &TestApp,
    token: Option<&str>,
    cursor: &Value,
    first: i32,
) -> (Vec<i64>, Value, bool, Value) {
    let (_, body) = app
        .graphql_as(token, CHANGES, json!({ "after": cursor, "first": first }))
        .await;
    let page = &body["data"]["changes"];
    assert!(page.is_object(), "{body}");
    let seqs = page["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["sequence"].as_i64())
        .collect();
    let end = page["pageInfo"]["endCursor"].clone();
    // An empty page has no end cursor: keep the stored one.
    let next = if end.is_null() { cursor.clone() } else { end };
    (
        seqs,
        next,
        page["pageInfo"]["hasNextPage"] == true,
        page["nodes"].clone(),
    )
}

#[tokio::test]
async fn reading_on_from_a_stored_cursor_never_misses_or_repeats_a_change_under_concurrent_writers()
{
    for app in spawn_apps(true).await {
        let app = std::sync::Arc::new(app);
        let coordinator = app.token(Role::Coordinator, None);
        let ids = app
            .data(
                r#"{ territory(code: "UA-63") { id } member(slug: "kharkiv") { id } }"#,
                json!({}),
            )
            .await;
        let (territory, owner) = (ids["territory"]["id"].clone(), ids["member"]["id"].clone());

        let writers: Vec<_> = (0..6)
            .map(|w| {
                let app = std::sync::Arc::clone(&app);
                let token = coordinator.clone();
                let (territory, owner) = (territory.clone(), owner.clone());
                tokio::spawn(async move {
                    for i in 0..8 {
                        let code = format!("UA-FEED-{w}-{i}");
                        let (_, body) = app
                            .graphql_as(Some(&token), CREATE, create(&code, &territory, &owner))
                            .await;
                        assert_eq!(
                            body["data"]["createProject"]["userErrors"],
                            json!([]),
                            "{body}"
                        );
                    }
                })
            })
            .collect();

        // A consumer reads on while the writers commit.
        let mut seen = Vec::new();
        let mut cursor = Value::Null;
        let mut finished = false;
        while !finished {
            finished = writers.iter().all(|w| w.is_finished());
            loop {
                let (seqs, next, more, _) = read(&app, Some(&coordinator), &cursor, 7).await;
                seen.extend(seqs);
                cursor = next;
                if !more {
                    break;
                }
            }
        }
        for writer in writers {
            writer.await.expect("writer");
        }
        loop {
            let (seqs, next, more, _) = read(&app, Some(&coordinator), &cursor, 7).await;
            seen.extend(seqs);
            cursor = next;
            if !more {
                break;
            }
        }
        let all: Vec<i64> = audit_event::Entity::find()
            .select_only()
            .column(audit_event::Column::Seq)
            .order_by_asc(audit_event::Column::Seq)
            .into_tuple()
            .all(&app.db)
            .await
            .expect("trail");
        assert_eq!(
            seen, all,
            "[{}] the consumer saw every change once, in commit order",
            app.backend
        );
        assert!(all.len() >= 48, "the 48 creations are in the trail");
        let unique: BTreeSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "no change repeated");
        if let Ok(app) = std::sync::Arc::try_unwrap(app) {
            app.finish().await;
        }
    }
}

#[tokio::test]
async fn anonymous_consumers_read_only_changes_of_published_records() {
    for app in spawn_apps(true).await {
        let coordinator = app.token(Role::Coordinator, None);
        let ids = app
            .data(
                r#"{ territory(code: "UA-63") { id } member(slug: "kharkiv") { id } }"#,
                json!({}),
            )
            .await;
        let (territory, owner) = (ids["territory"]["id"].clone(), ids["member"]["id"].clone());
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                CREATE,
                create("UA-FEED-DRAFT", &territory, &owner),
            )
            .await;
        let draft = body["data"]["createProject"]["project"]["id"].clone();

        // Read the whole feed anonymously and as the secretariat.
        let mut public = Vec::new();
        let mut cursor = Value::Null;
        loop {
            let (_, next, more, nodes) = read(&app, None, &cursor, 100).await;
            public.extend(nodes.as_array().cloned().unwrap_or_default());
            cursor = next;
            if !more {
                break;
            }
        }
        assert!(
            !public.is_empty(),
            "[{}] published demo records",
            app.backend
        );
        assert!(
            public.iter().all(|c| c["entityId"] != draft),
            "the draft's creation is not in the public feed"
        );
        assert!(
            public.iter().all(|c| c["actor"].is_null()),
            "no actors for anonymous readers"
        );
        assert!(
            public
                .iter()
                .filter(|c| c["entityType"] == "Member")
                .all(|c| c["changes"].get("contact_email").is_none()),
            "member contact details are left out"
        );
        assert!(public.iter().all(|c| !c["entity"].is_null()));

        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                r#"query($types: [String!]) { changes(first: 100, entityTypes: $types) { nodes { entityId actor } } }"#,
                json!({ "types": ["Project"] }),
            )
            .await;
        let secretariat = body["data"]["changes"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            secretariat
                .iter()
                .any(|c| c["entityId"] == draft && c["actor"].is_string()),
            "{body}"
        );

        let (_, body) = app
            .graphql_as(None, CHANGES, json!({ "types": ["Spaceship"] }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
        app.finish().await;
    }
}
