//! Every root field is decided by the one policy table; what is not in it is denied.

use alliance_api::auth::Role;
use alliance_api::policy;
use serde_json::json;
use tests::spawn_app;

#[tokio::test]
async fn every_root_field_has_a_policy_entry_and_every_entry_a_field() {
    let app = spawn_app("sqlite", false).await;
    let data = app
        .data(
            "{ __schema { queryType { name fields { name } } mutationType { name fields { name } } subscriptionType { name fields { name } } } }",
            json!({}),
        )
        .await;
    let mut fields = Vec::new();
    for root in ["queryType", "mutationType", "subscriptionType"] {
        let Some(operation) = data["__schema"][root]["name"].as_str() else {
            continue;
        };
        for field in data["__schema"][root]["fields"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let name = field["name"].as_str().unwrap_or_default().to_owned();
            assert!(
                policy::entry(operation, &name).is_some(),
                "{operation}.{name} has no policy entry: add it to policy::POLICY"
            );
            fields.push((operation.to_owned(), name));
        }
    }
    for (operation, field, _) in policy::POLICY {
        assert!(
            fields.iter().any(|(o, f)| o == operation && f == field),
            "policy entry {operation}.{field} names no field of the schema"
        );
    }
    app.finish().await;
}

#[tokio::test]
async fn viewer_needs_a_token_and_reports_who_is_calling() {
    let app = spawn_app("sqlite", true).await;
    let query = "{ viewer { subject role member { slug } } }";
    let (status, body) = app.graphql_as(None, query, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
    assert_eq!(body["errors"][0]["path"][0], "viewer");
    let token = app.token(Role::Editor, Some("kharkiv"));
    let (_, body) = app.graphql_as(Some(&token), query, json!({})).await;
    assert_eq!(body["data"]["viewer"]["role"], "EDITOR", "{body}");
    assert_eq!(body["data"]["viewer"]["member"]["slug"], "kharkiv");
    app.finish().await;
}
