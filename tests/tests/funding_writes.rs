//! Funding records and participants: who may record them, and the funnel rule
//! that disbursements never exceed commitments per funder and currency.

use alliance_api::audit::service::verify;
use alliance_api::auth::Role;
use serde_json::{Value, json};
use tests::spawn_apps;

const RECORD: &str = r#"mutation($input: RecordFundingInput!) {
  recordFunding(input: $input) { funding { id stage amount { amount currency } funder { slug } } userErrors { field code message } }
}"#;

fn funding(project: &Value, funder: &Value, stage: &str, amount: &str, currency: &str) -> Value {
    json!({ "input": { "projectId": project, "funderId": funder, "stage": stage, "financeType": "STANDARD_GRANT",
        "amount": { "amount": amount, "currency": currency }, "valueDate": "2026-02-01" } })
}

#[tokio::test]
async fn disbursements_never_exceed_commitments_per_funder_and_currency() {
    for app in spawn_apps(true).await {
        let ids = app
            .data(r#"{ project(code: "UA-KHA-2025-001") { id funding { nodes { stage amount { amount } } } } eib: member(slug: "eib") { id } ebrd: member(slug: "ebrd") { id } }"#, json!({}))
            .await;
        let project = ids["project"]["id"].clone();
        let (eib, ebrd) = (ids["eib"]["id"].clone(), ids["ebrd"]["id"].clone());
        // Demo: EIB committed 2,700,000.00 EUR and disbursed 900,000.00 EUR.
        let owner = app.token(Role::Editor, Some("kharkiv"));
        let (_, body) = app
            .graphql_as(
                Some(&owner),
                RECORD,
                funding(&project, &eib, "DISBURSED", "1800000.01", "EUR"),
            )
            .await;
        let errors = &body["data"]["recordFunding"]["userErrors"];
        assert_eq!(
            errors[0]["code"], "EXCEEDS_COMMITTED",
            "[{}] {body}",
            app.backend
        );
        let (_, body) = app
            .graphql_as(
                Some(&owner),
                RECORD,
                funding(&project, &eib, "DISBURSED", "1800000.00", "EUR"),
            )
            .await;
        assert_eq!(
            body["data"]["recordFunding"]["funding"]["amount"]["amount"], "1800000.00",
            "{body}"
        );
        // Commitments in one currency do not cover disbursements in another.
        let (_, body) = app
            .graphql_as(
                Some(&owner),
                RECORD,
                funding(&project, &eib, "DISBURSED", "1.00", "UAH"),
            )
            .await;
        assert_eq!(
            body["data"]["recordFunding"]["userErrors"][0]["code"], "EXCEEDS_COMMITTED",
            "{body}"
        );
        // A funder's editor records its own commitment; a bystander may not.
        let ebrd_editor = app.token(Role::Editor, Some("ebrd"));
        let (_, body) = app
            .graphql_as(
                Some(&ebrd_editor),
                RECORD,
                funding(&project, &ebrd, "COMMITTED", "500000", "EUR"),
            )
            .await;
        assert_eq!(
            body["data"]["recordFunding"]["funding"]["funder"]["slug"], "ebrd",
            "{body}"
        );
        let bystander = app.token(Role::Editor, Some("gdansk"));
        let (_, body) = app
            .graphql_as(
                Some(&bystander),
                RECORD,
                funding(&project, &ebrd, "COMMITTED", "1", "EUR"),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        // Amounts are non-negative decimals in a known currency.
        let (_, body) = app
            .graphql_as(
                Some(&owner),
                RECORD,
                funding(&project, &eib, "PLEDGED", "-1", "EUR"),
            )
            .await;
        assert_eq!(
            body["data"]["recordFunding"]["userErrors"][0]["code"], "NEGATIVE",
            "{body}"
        );
        let (_, body) = app
            .graphql_as(
                Some(&owner),
                RECORD,
                funding(&project, &eib, "PLEDGED", "1", "EUX"),
            )
            .await;
        assert_eq!(
            body["data"]["recordFunding"]["userErrors"][0]["field"],
            json!(["input", "amount", "currency"]),
            "{body}"
        );
        let (_, body) = app
            .graphql_as(
                Some(&owner),
                RECORD,
                funding(&project, &eib, "PLEDGED", "1.234", "EUR"),
            )
            .await;
        assert_eq!(
            body["data"]["recordFunding"]["userErrors"][0]["code"], "INVALID",
            "{body}"
        );

        // Removing the commitment that covers the disbursements is refused.
        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app
            .graphql_as(Some(&coordinator), r#"{ project(code: "UA-KHA-2025-001") { funding(first: 100) { nodes { id stage funder { slug } } } } }"#, json!({}))
            .await;
        let commitment = body["data"]["project"]["funding"]["nodes"]
            .as_array()
            .expect("funding")
            .iter()
            .find(|f| f["stage"] == "COMMITTED" && f["funder"]["slug"] == "eib")
            .expect("EIB commitment")["id"]
            .clone();
        let remove = r#"mutation($input: RemoveInput!) { removeFunding(input: $input) { funding { id } userErrors { code } } }"#;
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                remove,
                json!({ "input": { "id": commitment } }),
            )
            .await;
        assert_eq!(
            body["data"]["removeFunding"]["userErrors"][0]["code"], "EXCEEDS_COMMITTED",
            "{body}"
        );
        assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        app.finish().await;
    }
}

#[tokio::test]
async fn participants_are_added_once_per_role_and_removed_with_a_trace() {
    for app in spawn_apps(true).await {
        let ids = app.data(r#"{ project(code: "UA-KHA-2025-001") { id } vilnius: member(slug: "vilnius") { id } }"#, json!({})).await;
        let owner = app.token(Role::Editor, Some("kharkiv"));
        let add = r#"mutation($input: AddParticipantInput!) { addParticipant(input: $input) { participant { id member { slug } organisationRole } userErrors { code } } }"#;
        let input = json!({ "input": { "projectId": ids["project"]["id"], "memberId": ids["vilnius"]["id"], "organisationRole": "IMPLEMENTING", "allianceRole": "TECHNICAL_ADVISOR" } });
        let (_, body) = app.graphql_as(Some(&owner), add, input.clone()).await;
        let participant = body["data"]["addParticipant"]["participant"].clone();
        assert_eq!(
            participant["member"]["slug"], "vilnius",
            "[{}] {body}",
            app.backend
        );
        let (_, body) = app.graphql_as(Some(&owner), add, input).await;
        assert_eq!(
            body["data"]["addParticipant"]["userErrors"][0]["code"], "DUPLICATE",
            "{body}"
        );
        let remove = r#"mutation($input: RemoveInput!) { removeParticipant(input: $input) { participant { id } userErrors { code } } }"#;
        let (_, body) = app
            .graphql_as(
                Some(&owner),
                remove,
                json!({ "input": { "id": participant["id"] } }),
            )
            .await;
        assert_eq!(
            body["data"]["removeParticipant"]["participant"]["id"], participant["id"],
            "{body}"
        );
        let coordinator = app.token(Role::Coordinator, None);
        let (_, trail) = app
            .graphql_as(Some(&coordinator), "query($id: ID!) { auditEvents(filter: {entityId: $id}) { nodes { operation changes } } }", json!({ "id": participant["id"] }))
            .await;
        let events = &trail["data"]["auditEvents"]["nodes"];
        assert_eq!(events[1]["operation"], "removeParticipant", "{trail}");
        assert_eq!(
            events[1]["changes"]["removed"]["alliance_role"],
            "TECHNICAL_ADVISOR"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn indicators_documents_and_identifiers_are_maintained_with_validation() {
    for app in spawn_apps(true).await {
        let ids = app.data(r#"{ project(code: "UA-KHA-2025-001") { id } kharkiv: member(slug: "kharkiv") { id } }"#, json!({})).await;
        let owner = app.token(Role::Editor, Some("kharkiv"));
        let add = r#"mutation($input: AddIndicatorInput!) { addIndicator(input: $input) { indicator { id version actual } userErrors { field code } } }"#;
        let (_, body) = app
            .graphql_as(Some(&owner), add, json!({ "input": { "projectId": ids["project"]["id"], "titles": { "en": "Pupils taught", "uk": "Учнів навчається" },
                "unit": "pupils", "baseline": "0", "baselineYear": 2024, "target": "850", "targetYear": 2027 } }))
            .await;
        let indicator = body["data"]["addIndicator"]["indicator"].clone();
        assert_eq!(indicator["version"], 1, "[{}] {body}", app.backend);
        let update = r#"mutation($input: UpdateIndicatorInput!) { updateIndicator(input: $input) { indicator { actual version } userErrors { field code } } }"#;
        let (_, body) = app.graphql_as(Some(&owner), update, json!({ "input": { "id": indicator["id"], "expectedVersion": 1, "actual": "312.5" } })).await;
        assert_eq!(
            body["data"]["updateIndicator"]["indicator"]["actual"], "312.5",
            "{body}"
        );
        let (_, body) = app.graphql_as(Some(&owner), update, json!({ "input": { "id": indicator["id"], "expectedVersion": 1, "actual": "400" } })).await;
        assert_eq!(
            body["data"]["updateIndicator"]["userErrors"][0]["code"], "CONFLICT",
            "{body}"
        );
        let (_, body) = app.graphql_as(Some(&owner), update, json!({ "input": { "id": indicator["id"], "expectedVersion": 2, "actual": "lots" } })).await;
        assert_eq!(
            body["data"]["updateIndicator"]["userErrors"][0]["field"],
            json!(["input", "actual"]),
            "{body}"
        );

        let document = r#"mutation($input: AddDocumentLinkInput!) { addDocumentLink(input: $input) { documentLink { id category } userErrors { field code } } }"#;
        let (_, body) = app
            .graphql_as(Some(&owner), document, json!({ "input": { "projectId": ids["project"]["id"], "category": "Z99", "title": "Plan", "url": "file:///etc/passwd", "language": "xx" } }))
            .await;
        let errors = body["data"]["addDocumentLink"]["userErrors"].to_string();
        assert!(
            errors.contains("category") && errors.contains("url") && errors.contains("language"),
            "{body}"
        );
        let (_, body) = app
            .graphql_as(Some(&owner), document, json!({ "input": { "projectId": ids["project"]["id"], "category": "A07", "title": "Mid-term review", "url": "https://example.org/review.pdf", "language": "uk" } }))
            .await;
        assert_eq!(
            body["data"]["addDocumentLink"]["documentLink"]["category"], "A07",
            "{body}"
        );

        let identifier = r#"mutation($input: AddMemberIdentifierInput!) { addMemberIdentifier(input: $input) { identifier { id scheme value } userErrors { field code } } }"#;
        let input = json!({ "input": { "memberId": ids["kharkiv"]["id"], "scheme": "UA_EDR", "value": "04059243" } });
        let (_, body) = app
            .graphql_as(Some(&owner), identifier, input.clone())
            .await;
        assert_eq!(
            body["data"]["addMemberIdentifier"]["identifier"]["value"], "04059243",
            "{body}"
        );
        let (_, body) = app
            .graphql_as(Some(&owner), identifier, input.clone())
            .await;
        assert_eq!(
            body["data"]["addMemberIdentifier"]["userErrors"][0]["code"], "DUPLICATE",
            "{body}"
        );
        let other = app.token(Role::Editor, Some("bucha"));
        let (_, body) = app.graphql_as(Some(&other), identifier, input).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn every_create_mutation_honours_an_idempotency_key() {
    for app in spawn_apps(true).await {
        let ids = app.data(r#"{ project(code: "UA-KHA-2025-001") { id funding { totalCount } } eib: member(slug: "eib") { id } }"#, json!({})).await;
        let before = ids["project"]["funding"]["totalCount"]
            .as_u64()
            .unwrap_or_default();
        let owner = app.token(Role::Editor, Some("kharkiv"));
        let mut request = funding(
            &ids["project"]["id"],
            &ids["eib"]["id"],
            "PLEDGED",
            "1000.00",
            "EUR",
        );
        request["input"]["idempotencyKey"] = json!("pledge-2026-02");
        let mut seen = std::collections::HashSet::new();
        for _ in 0..5 {
            let (_, body) = app.graphql_as(Some(&owner), RECORD, request.clone()).await;
            seen.insert(body["data"]["recordFunding"]["funding"]["id"].to_string());
        }
        assert_eq!(seen.len(), 1, "[{}] {seen:?}", app.backend);
        let after = app
            .data(
                r#"{ project(code: "UA-KHA-2025-001") { funding { totalCount } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            after["project"]["funding"]["totalCount"].as_u64(),
            Some(before + 1)
        );
        request["input"]["amount"]["amount"] = json!("2000.00");
        let (_, body) = app.graphql_as(Some(&owner), RECORD, request).await;
        assert_eq!(
            body["data"]["recordFunding"]["userErrors"][0]["code"], "IDEMPOTENCY_KEY_REUSED",
            "{body}"
        );
        app.finish().await;
    }
}
