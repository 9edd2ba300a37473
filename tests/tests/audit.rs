//! The audit trail: written with every change, readable by the secretariat,
//! append-only, and tamper-evident.

use alliance_api::audit::service::verify;
use alliance_api::auth::Role;
use sea_orm::ConnectionTrait;
use serde_json::json;
use tests::spawn_apps;

#[tokio::test]
async fn the_chain_verifies_refuses_edits_and_reports_a_tampered_row_at_its_sequence() {
    for app in spawn_apps(true).await {
        let report = verify(&app.db).await.expect("verify");
        assert_eq!(report.broken_at, None, "[{}]", app.backend);
        assert!(
            report.checked > 100,
            "[{}] demo data is in the trail: {report:?}",
            app.backend
        );

        // The service only appends: the database refuses edits and deletions.
        let update = app
            .db
            .execute_unprepared("UPDATE audit_event SET actor = 'mallory' WHERE seq = 17")
            .await;
        assert!(update.is_err(), "[{}] UPDATE refused", app.backend);
        let delete = app
            .db
            .execute_unprepared("DELETE FROM audit_event WHERE seq = 17")
            .await;
        assert!(delete.is_err(), "[{}] DELETE refused", app.backend);

        // Someone with direct database access switches the guard off and edits a row.
        let disable = if app.backend == "postgres" {
            "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"
        } else {
            "DROP TRIGGER audit_event_no_update"
        };
        app.db
            .execute_unprepared(disable)
            .await
            .expect("disable guard");
        app.db
            .execute_unprepared(
                "UPDATE audit_event SET changes = '{\"budget_minor\":1}' WHERE seq = 17",
            )
            .await
            .expect("tamper");
        let report = verify(&app.db).await.expect("verify");
        assert_eq!(report.broken_at, Some(17), "[{}] {report:?}", app.backend);
        assert_eq!(report.checked, 16);
        app.finish().await;
    }
}

#[tokio::test]
async fn the_trail_is_for_the_secretariat_and_analysts_only() {
    for app in spawn_apps(true).await {
        let project = app
            .data(r#"{ project(code: "UA-KHA-2025-001") { id } }"#, json!({}))
            .await;
        let id = project["project"]["id"].clone();
        let query = "query($id: ID!) { auditEvents(filter: {entityId: $id}) { totalCount nodes { seq operation entityType entityId actor changes hash prevHash } } }";
        let (_, anonymous) = app.graphql_as(None, query, json!({ "id": id })).await;
        assert_eq!(
            anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{anonymous}"
        );
        let editor = app.token(Role::Editor, Some("kharkiv"));
        let (_, body) = app
            .graphql_as(Some(&editor), query, json!({ "id": id }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        for role in [Role::Coordinator, Role::Analyst, Role::Admin] {
            let token = app.token(role, None);
            let (_, body) = app
                .graphql_as(Some(&token), query, json!({ "id": id }))
                .await;
            let events = &body["data"]["auditEvents"];
            assert_eq!(
                events["totalCount"], 1,
                "[{}] {role:?}: {body}",
                app.backend
            );
            let event = &events["nodes"][0];
            assert_eq!(event["entityId"], id);
            assert_eq!(event["operation"], "seedDemoData");
            assert_eq!(event["changes"]["code"], "UA-KHA-2025-001");
            assert_eq!(event["hash"].as_str().map(str::len), Some(64));
        }
        // History rides along on the project, for those who may read the trail.
        let history = r#"{ project(code: "UA-KHA-2025-001") { history { totalCount } } }"#;
        let (_, body) = app.graphql_as(None, history, json!({})).await;
        assert_eq!(
            body["data"]["project"]["history"]["totalCount"], 0,
            "{body}"
        );
        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app.graphql_as(Some(&coordinator), history, json!({})).await;
        assert_eq!(
            body["data"]["project"]["history"]["totalCount"], 1,
            "{body}"
        );
        app.finish().await;
    }
}
