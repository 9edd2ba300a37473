//! Membership decisions and the assistance life cycle, through the API.

use alliance_api::audit::service::verify;
use alliance_api::auth::Role;
use serde_json::{Value, json};
use tests::spawn_apps;

const APPLY: &str = r#"mutation($input: ApplyForMembershipInput!) {
  applyForMembership(input: $input) { member { id slug status version } userErrors { field code message } }
}"#;
const APPROVE: &str = r#"mutation($input: TransitionInput!) {
  approveMembership(input: $input) { member { status joinedOn version } userErrors { field code message } }
}"#;

fn codes(payload: &Value) -> Vec<(String, String)> {
    payload["userErrors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let path: Vec<&str> = e["field"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            (
                path.join("."),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_application_is_private_until_the_secretariat_approves_it() {
    for app in spawn_apps(true).await {
        let application = json!({
            "slug": "city-of-krakow",
            "names": { "en": "City of Kraków", "uk": "" },
            "kind": "CITY",
            "organisationType": "LOCAL_GOVERNMENT",
            "country": "PL",
            "contact": { "name": "International office", "email": "international@example.org" }
        });
        let (_, body) = app
            .graphql_as(None, APPLY, json!({ "input": application }))
            .await;
        let member = &body["data"]["applyForMembership"]["member"];
        assert_eq!(member["status"], "APPLIED", "[{}] {body}", app.backend);
        let id = member["id"].clone();
        let public = app
            .data(r#"{ member(slug: "city-of-krakow") { slug } }"#, json!({}))
            .await;
        assert!(public["member"].is_null(), "applications are not public");

        let decision = json!({ "input": { "id": id, "expectedVersion": 1 } });
        let editor = app.token(Role::Editor, Some("gdansk"));
        let (_, body) = app
            .graphql_as(Some(&editor), APPROVE, decision.clone())
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app
            .graphql_as(Some(&coordinator), APPROVE, decision.clone())
            .await;
        let approved = &body["data"]["approveMembership"]["member"];
        assert_eq!(approved["status"], "ACTIVE", "{body}");
        assert!(approved["joinedOn"].is_string());
        let public = app
            .data(
                r#"{ member(slug: "city-of-krakow") { slug status } }"#,
                json!({}),
            )
            .await;
        assert_eq!(public["member"]["status"], "ACTIVE");

        // A stale version conflicts; a repeated decision is not a valid move.
        let (_, body) = app.graphql_as(Some(&coordinator), APPROVE, decision).await;
        assert_eq!(
            codes(&body["data"]["approveMembership"]),
            vec![("input.expectedVersion".to_owned(), "CONFLICT".to_owned())]
        );
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                APPROVE,
                json!({ "input": { "id": id, "expectedVersion": 2 } }),
            )
            .await;
        assert_eq!(
            codes(&body["data"]["approveMembership"]),
            vec![("input.id".to_owned(), "INVALID_TRANSITION".to_owned())]
        );

        // Bad applications are refused field by field.
        let bad = json!({
            "slug": "Not A Slug", "names": { "en": "", "uk": "" }, "kind": "CITY", "organisationType": "LOCAL_GOVERNMENT",
            "country": "XX", "website": "ftp://example.org", "contact": { "email": "nobody" }
        });
        let (_, body) = app.graphql_as(None, APPLY, json!({ "input": bad })).await;
        let found = codes(&body["data"]["applyForMembership"]);
        for expected in [
            ("input.slug", "INVALID"),
            ("input.names.en", "REQUIRED"),
            ("input.country", "UNKNOWN_CODE"),
            ("input.website", "INVALID"),
            ("input.contact.email", "INVALID"),
        ] {
            assert!(
                found.contains(&(expected.0.to_owned(), expected.1.to_owned())),
                "[{}] {expected:?} in {found:?}",
                app.backend
            );
        }

        // Editors keep their own profile, not others'.
        let update = r#"mutation($input: UpdateMemberProfileInput!) { updateMemberProfile(input: $input) { member { website version } userErrors { code } } }"#;
        let gdansk = app.data(r#"{ member(slug: "gdansk") { id version } kharkiv: member(slug: "kharkiv") { id } }"#, json!({})).await;
        let (_, body) = app
            .graphql_as(Some(&editor), update, json!({ "input": { "id": gdansk["member"]["id"], "expectedVersion": 1, "website": "https://www.gdansk.pl/en" } }))
            .await;
        assert_eq!(
            body["data"]["updateMemberProfile"]["member"]["website"], "https://www.gdansk.pl/en",
            "{body}"
        );
        let (_, body) = app
            .graphql_as(Some(&editor), update, json!({ "input": { "id": gdansk["kharkiv"]["id"], "expectedVersion": 1, "website": "https://example.org" } }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        app.finish().await;
    }
}

#[tokio::test]
async fn offers_and_needs_are_matched_along_their_life_cycle() {
    for app in spawn_apps(true).await {
        let ids = app.data(r#"{ gdansk: member(slug: "gdansk") { id } kharkiv: member(slug: "kharkiv") { id } }"#, json!({})).await;
        let offerer = app.token(Role::Editor, Some("gdansk"));
        let asker = app.token(Role::Editor, Some("kharkiv"));
        let create_offer = r#"mutation($input: CreateAssistanceOfferInput!) { createAssistanceOffer(input: $input) { offer { id status version } userErrors { field code } } }"#;
        let offer_input = json!({
            "memberId": ids["gdansk"]["id"], "title": "Heat network engineers", "description": "Two engineers for a month.",
            "themes": ["23630"], "modality": "EXPERT_SECONDMENT", "languages": ["en", "pl"], "capacityDays": 40,
            "availableFrom": "2026-01-01", "availableUntil": "2026-12-31"
        });
        let (_, body) = app
            .graphql_as(
                Some(&offerer),
                create_offer,
                json!({ "input": offer_input }),
            )
            .await;
        let offer = body["data"]["createAssistanceOffer"]["offer"].clone();
        assert_eq!(offer["status"], "DRAFT", "[{}] {body}", app.backend);
        // Another organisation's editor cannot offer in Gdańsk's name.
        let (_, body) = app
            .graphql_as(Some(&asker), create_offer, json!({ "input": offer_input }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
        // Unknown codes are refused.
        let mut bad = offer_input.clone();
        bad["themes"] = json!(["00000"]);
        bad["languages"] = json!(["xx"]);
        bad["availableUntil"] = json!("2025-01-01");
        let (_, body) = app
            .graphql_as(Some(&offerer), create_offer, json!({ "input": bad }))
            .await;
        let found = codes(&body["data"]["createAssistanceOffer"]);
        assert!(
            found.contains(&("input.themes".into(), "UNKNOWN_CODE".into()))
                && found.contains(&("input.languages".into(), "UNKNOWN_CODE".into()))
                && found.contains(&("input.availableUntil".into(), "DATE_ORDER".into())),
            "{found:?}"
        );

        let update = r#"mutation($input: UpdateAssistanceOfferInput!) { updateAssistanceOffer(input: $input) { offer { capacityDays languages version } userErrors { field code } } }"#;
        let (_, body) = app
            .graphql_as(Some(&offerer), update, json!({ "input": { "id": offer["id"], "expectedVersion": 1, "capacityDays": 45, "languages": ["en", "pl", "uk"] } }))
            .await;
        let updated = &body["data"]["updateAssistanceOffer"]["offer"];
        assert_eq!(updated["capacityDays"], 45, "{body}");
        assert_eq!(updated["languages"], json!(["en", "pl", "uk"]));
        let open_offer = r#"mutation($input: TransitionInput!) { openAssistanceOffer(input: $input) { offer { status version } userErrors { code } } }"#;
        let (_, body) = app
            .graphql_as(
                Some(&offerer),
                open_offer,
                json!({ "input": { "id": offer["id"], "expectedVersion": 1 } }),
            )
            .await;
        assert_eq!(
            body["data"]["openAssistanceOffer"]["userErrors"][0]["code"], "CONFLICT",
            "{body}"
        );
        let (_, body) = app
            .graphql_as(
                Some(&offerer),
                open_offer,
                json!({ "input": { "id": offer["id"], "expectedVersion": 2 } }),
            )
            .await;
        assert_eq!(
            body["data"]["openAssistanceOffer"]["offer"]["status"], "OPEN",
            "{body}"
        );

        let create_need = r#"mutation($input: CreateAssistanceNeedInput!) { createAssistanceNeed(input: $input) { need { id status } userErrors { field code } } }"#;
        let (_, body) = app
            .graphql_as(Some(&asker), create_need, json!({ "input": {
                "memberId": ids["kharkiv"]["id"], "title": "Heat network design review", "description": "Review before tender.",
                "themes": ["23630"], "languages": ["uk", "en"], "daysNeeded": 30, "urgency": "HIGH" } }))
            .await;
        let need = body["data"]["createAssistanceNeed"]["need"].clone();
        let open_need = r#"mutation($input: TransitionInput!) { openAssistanceNeed(input: $input) { need { status } userErrors { code } } }"#;
        let (_, body) = app
            .graphql_as(
                Some(&asker),
                open_need,
                json!({ "input": { "id": need["id"], "expectedVersion": 1 } }),
            )
            .await;
        assert_eq!(
            body["data"]["openAssistanceNeed"]["need"]["status"], "OPEN",
            "{body}"
        );

        let propose = r#"mutation($input: ProposeMatchInput!) { proposeMatch(input: $input) { assistanceMatch { id status score version } userErrors { field code message } } }"#;
        let (_, body) = app
            .graphql_as(
                Some(&asker),
                propose,
                json!({ "input": { "offerId": offer["id"], "needId": need["id"] } }),
            )
            .await;
        let proposed = body["data"]["proposeMatch"]["assistanceMatch"].clone();
        assert_eq!(proposed["status"], "PROPOSED", "{body}");
        // Same DAC code, shared language: the server's score, not the caller's.
        assert!(proposed["score"].as_f64().unwrap_or(0.0) > 0.5, "{body}");

        let accept = r#"mutation($input: TransitionInput!) { acceptMatch(input: $input) { assistanceMatch { status offer { status } need { status } } userErrors { code } } }"#;
        // The proposer cannot accept alone: acceptance is the other side's answer.
        let (_, body) = app
            .graphql_as(
                Some(&asker),
                accept,
                json!({ "input": { "id": proposed["id"], "expectedVersion": 1 } }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let (_, body) = app
            .graphql_as(
                Some(&offerer),
                accept,
                json!({ "input": { "id": proposed["id"], "expectedVersion": 1 } }),
            )
            .await;
        let accepted = &body["data"]["acceptMatch"]["assistanceMatch"];
        assert_eq!(accepted["status"], "ACCEPTED", "{body}");
        assert_eq!(accepted["offer"]["status"], "MATCHED");
        assert_eq!(accepted["need"]["status"], "MATCHED");

        let start = r#"mutation($input: TransitionInput!) { startMatch(input: $input) { assistanceMatch { status version } userErrors { code } } }"#;
        let (_, body) = app
            .graphql_as(
                Some(&offerer),
                start,
                json!({ "input": { "id": proposed["id"], "expectedVersion": 2 } }),
            )
            .await;
        assert_eq!(
            body["data"]["startMatch"]["assistanceMatch"]["status"], "ACTIVE",
            "{body}"
        );
        let complete = r#"mutation($input: CompleteMatchInput!) { completeMatch(input: $input) { assistanceMatch { status outcome } userErrors { code } } }"#;
        let (_, body) = app.graphql_as(Some(&asker), complete, json!({ "input": { "id": proposed["id"], "expectedVersion": 3, "outcome": "Design reviewed; tender published." } })).await;
        assert_eq!(
            body["data"]["completeMatch"]["assistanceMatch"]["outcome"],
            "Design reviewed; tender published.",
            "{body}"
        );

        // A matched offer cannot be matched again, nor can a closed one.
        let close = r#"mutation($input: TransitionInput!) { closeAssistanceOffer(input: $input) { offer { status } userErrors { code } } }"#;
        let (_, body) = app
            .graphql_as(
                Some(&offerer),
                close,
                json!({ "input": { "id": offer["id"], "expectedVersion": 4 } }),
            )
            .await;
        assert_eq!(
            body["data"]["closeAssistanceOffer"]["offer"]["status"], "CLOSED",
            "{body}"
        );
        let (_, body) = app
            .graphql_as(
                Some(&asker),
                propose,
                json!({ "input": { "offerId": offer["id"], "needId": need["id"] } }),
            )
            .await;
        let found = codes(&body["data"]["proposeMatch"]);
        assert!(
            found.contains(&("input.offerId".into(), "INVALID_TRANSITION".into())),
            "{body}"
        );
        assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        app.finish().await;
    }
}

#[tokio::test]
async fn cancelling_an_accepted_match_reopens_its_offer_and_need() {
    for app in spawn_apps(true).await {
        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app
            .graphql_as(Some(&coordinator), r#"{ assistanceMatches(filter: {statuses: [PROPOSED]}) { nodes { id version offer { status } need { status } } } }"#, json!({}))
            .await;
        let proposed = body["data"]["assistanceMatches"]["nodes"][0].clone();
        assert_eq!(
            proposed["offer"]["status"], "OPEN",
            "[{}] the demo proposal: {body}",
            app.backend
        );
        let accept = r#"mutation($input: TransitionInput!) { acceptMatch(input: $input) { assistanceMatch { version offer { status } need { status } } userErrors { code } } }"#;
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                accept,
                json!({ "input": { "id": proposed["id"], "expectedVersion": 1 } }),
            )
            .await;
        assert_eq!(
            body["data"]["acceptMatch"]["assistanceMatch"]["need"]["status"], "MATCHED",
            "{body}"
        );
        let cancel = r#"mutation($input: TransitionInput!) { cancelMatch(input: $input) { assistanceMatch { status offer { status } need { status } } userErrors { code } } }"#;
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                cancel,
                json!({ "input": { "id": proposed["id"], "expectedVersion": 2 } }),
            )
            .await;
        let cancelled = &body["data"]["cancelMatch"]["assistanceMatch"];
        assert_eq!(cancelled["status"], "CANCELLED", "{body}");
        assert_eq!(cancelled["offer"]["status"], "OPEN");
        assert_eq!(cancelled["need"]["status"], "OPEN");
        app.finish().await;
    }
}
