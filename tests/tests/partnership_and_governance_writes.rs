//! Partnerships, clusters and governance responsibilities, through the API.

use alliance_api::audit::service::verify;
use alliance_api::auth::Role;
use serde_json::json;
use tests::spawn_apps;

#[tokio::test]
async fn partnerships_are_proposed_activated_clustered_and_ended() {
    for app in spawn_apps(true).await {
        let ids = app
            .data(r#"{ vilnius: member(slug: "vilnius") { id } kharkiv: member(slug: "kharkiv") { id } gdansk: member(slug: "gdansk") { id } cluster: clusters { nodes { id } } }"#, json!({}))
            .await;
        let vilnius = app.token(Role::Editor, Some("vilnius"));
        let propose = r#"mutation($input: ProposePartnershipInput!) { proposePartnership(input: $input) { partnership { id status version } userErrors { field code } } }"#;
        let (_, body) = app
            .graphql_as(Some(&vilnius), propose, json!({ "input": { "euMemberId": ids["vilnius"]["id"], "uaMemberId": ids["kharkiv"]["id"], "kind": "COOPERATION" } }))
            .await;
        let partnership = body["data"]["proposePartnership"]["partnership"].clone();
        assert_eq!(
            partnership["status"], "PROPOSED",
            "[{}] {body}",
            app.backend
        );
        // Two EU members cannot form an EU–Ukraine partnership; a bystander may not propose one.
        let (_, body) = app
            .graphql_as(Some(&vilnius), propose, json!({ "input": { "euMemberId": ids["vilnius"]["id"], "uaMemberId": ids["gdansk"]["id"], "kind": "FRIENDSHIP" } }))
            .await;
        assert_eq!(
            body["data"]["proposePartnership"]["userErrors"][0]["field"],
            json!(["input", "uaMemberId"]),
            "{body}"
        );
        let bystander = app.token(Role::Editor, Some("lyon"));
        let (_, body) = app
            .graphql_as(Some(&bystander), propose, json!({ "input": { "euMemberId": ids["gdansk"]["id"], "uaMemberId": ids["kharkiv"]["id"], "kind": "FRIENDSHIP" } }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );

        let kharkiv = app.token(Role::Editor, Some("kharkiv"));
        let activate_own = r#"mutation($input: TransitionInput!) { activatePartnership(input: $input) { partnership { status } } }"#;
        let (_, body) = app
            .graphql_as(
                Some(&vilnius),
                activate_own,
                json!({ "input": { "id": partnership["id"], "expectedVersion": 1 } }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "the proposer cannot activate alone: {body}"
        );
        let activate = r#"mutation($input: TransitionInput!) { activatePartnership(input: $input) { partnership { status version } userErrors { code } } }"#;
        let (_, body) = app
            .graphql_as(
                Some(&kharkiv),
                activate,
                json!({ "input": { "id": partnership["id"], "expectedVersion": 1 } }),
            )
            .await;
        assert_eq!(
            body["data"]["activatePartnership"]["partnership"]["status"], "ACTIVE",
            "{body}"
        );
        let assign = r#"mutation($input: AssignPartnershipToClusterInput!) { assignPartnershipToCluster(input: $input) { partnership { cluster { slug partnerships { totalCount } } } userErrors { code } } }"#;
        let (_, body) = app
            .graphql_as(Some(&kharkiv), assign, json!({ "input": { "id": partnership["id"], "expectedVersion": 2, "clusterId": ids["cluster"]["nodes"][0]["id"] } }))
            .await;
        let cluster = &body["data"]["assignPartnershipToCluster"]["partnership"]["cluster"];
        assert_eq!(cluster["slug"], "kharkiv-cluster", "{body}");
        assert_eq!(cluster["partnerships"]["totalCount"], 3);
        let end = r#"mutation($input: TransitionInput!) { endPartnership(input: $input) { partnership { status } userErrors { code } } }"#;
        let (_, body) = app
            .graphql_as(
                Some(&vilnius),
                end,
                json!({ "input": { "id": partnership["id"], "expectedVersion": 3 } }),
            )
            .await;
        assert_eq!(
            body["data"]["endPartnership"]["partnership"]["status"], "ENDED",
            "{body}"
        );
        let (_, body) = app
            .graphql_as(
                Some(&vilnius),
                activate,
                json!({ "input": { "id": partnership["id"], "expectedVersion": 4 } }),
            )
            .await;
        assert_eq!(
            body["data"]["activatePartnership"]["userErrors"][0]["code"], "INVALID_TRANSITION",
            "{body}"
        );

        let cluster = r#"mutation($input: CreateClusterInput!) { createCluster(input: $input) { cluster { slug focusMember { slug } } userErrors { field code } } }"#;
        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app
            .graphql_as(Some(&coordinator), cluster, json!({ "input": { "slug": "bucha-cluster", "name": "Bucha cluster", "description": "Test.", "focusMemberId": ids["gdansk"]["id"] } }))
            .await;
        assert_eq!(
            body["data"]["createCluster"]["userErrors"][0]["field"],
            json!(["input", "focusMemberId"]),
            "a cluster forms around a Ukrainian member: {body}"
        );
        assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        app.finish().await;
    }
}

#[tokio::test]
async fn responsibilities_are_recorded_for_a_scope_and_ended_not_deleted() {
    for app in spawn_apps(true).await {
        let ids = app
            .data(r#"{ project(code: "UA-KHA-2025-001") { id } kharkiv: member(slug: "kharkiv") { id } oblast: territory(code: "UA-63") { id } }"#, json!({}))
            .await;
        let create = r#"mutation($input: CreateResponsibilityInput!) { createResponsibility(input: $input) { responsibility { id version raci principles { number } project { code } } userErrors { field code } } }"#;
        let owner = app.token(Role::Editor, Some("kharkiv"));
        let (_, body) = app
            .graphql_as(Some(&owner), create, json!({ "input": { "function": "PROCUREMENT", "phase": "IMPLEMENTATION", "level": "HROMADA",
                "actorId": ids["kharkiv"]["id"], "raci": "ACCOUNTABLE", "principles": [11, 10], "projectId": ids["project"]["id"],
                "validFrom": "2026-01-01" } }))
            .await;
        let created = body["data"]["createResponsibility"]["responsibility"].clone();
        assert_eq!(
            created["principles"],
            json!([{ "number": 10 }, { "number": 11 }]),
            "[{}] {body}",
            app.backend
        );
        assert_eq!(created["project"]["code"], "UA-KHA-2025-001");
        // A territorial responsibility is the secretariat's to record; scopes must be complete.
        let (_, body) = app
            .graphql_as(Some(&owner), create, json!({ "input": { "function": "PLANNING", "phase": "IDENTIFICATION", "level": "OBLAST",
                "actorId": ids["kharkiv"]["id"], "raci": "RESPONSIBLE", "territoryId": ids["oblast"]["id"], "theme": "ENERGY" } }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app
            .graphql_as(Some(&coordinator), create, json!({ "input": { "function": "PLANNING", "phase": "IDENTIFICATION", "level": "OBLAST",
                "actorId": ids["kharkiv"]["id"], "raci": "RESPONSIBLE", "territoryId": ids["oblast"]["id"], "principles": [13] } }))
            .await;
        let errors = body["data"]["createResponsibility"]["userErrors"].to_string();
        assert!(
            errors.contains("UNKNOWN_CODE") && errors.contains("REQUIRED"),
            "{body}"
        );

        let end = r#"mutation($input: EndResponsibilityInput!) { endResponsibility(input: $input) { responsibility { validUntil version } userErrors { field code } } }"#;
        let (_, body) = app.graphql_as(Some(&owner), end, json!({ "input": { "id": created["id"], "expectedVersion": 1, "validUntil": "2025-12-31" } })).await;
        assert_eq!(
            body["data"]["endResponsibility"]["userErrors"][0]["code"], "DATE_ORDER",
            "{body}"
        );
        let (_, body) = app.graphql_as(Some(&owner), end, json!({ "input": { "id": created["id"], "expectedVersion": 1, "validUntil": "2026-06-30" } })).await;
        assert_eq!(
            body["data"]["endResponsibility"]["responsibility"]["validUntil"], "2026-06-30",
            "{body}"
        );
        assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        app.finish().await;
    }
}
