//! Match suggestions on hand-built scenarios whose right ranking is known, and
//! the life of a match proposed from a suggestion.

use alliance_api::audit::service::verify;
use alliance_api::auth::Role;
use alliance_api::ids;
use serde_json::{Value, json};
use tests::scenario::{self, Help};
use tests::{TestApp, spawn_apps};

const FOR_NEED: &str = r#"query($need: ID!, $first: Int, $after: String) {
  matchSuggestions(needId: $need, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { score offer { title } need { title } parts { factor weight value contribution reason } }
  }
}"#;

const FOR_OFFER: &str = r#"query($offer: ID!) {
  matchSuggestions(offerId: $offer) { totalCount nodes { score need { title } } }
}"#;

/// The scenario's records.
struct World {
    need: i64,
    no_candidates: i64,
    first_offer: i64,
    partnered_offer: i64,
}

/// One need of hromada `ua1` (water, 14021; uk and en; twinning; 40 days; HIGH)
/// and offers whose scores differ in one factor each, plus offers that must
/// not be suggested at all.
async fn build(app: &TestApp) -> World {
    let db = &app.db;
    let ua1 = scenario::member(db, "ua1", "HROMADA", None).await;
    let ua2 = scenario::member(db, "ua2", "HROMADA", None).await;
    let mut eu = std::collections::HashMap::new();
    for slug in [
        "eu-a", "eu-b", "eu-c", "eu-d", "eu-e", "eu-f", "eu-g", "eu-h", "eu-i", "eu-k",
    ] {
        eu.insert(slug, scenario::member(db, slug, "CITY", None).await);
    }
    let need_help = Help {
        languages: vec!["uk", "en"],
        ..Help::default()
    };
    let need = scenario::need(db, ua1, "Leak detection", need_help.clone()).await;
    scenario::partnership(db, eu["eu-b"], ua1, "ACTIVE", None).await;
    // A suspended partnership earns no bonus.
    scenario::partnership(db, eu["eu-c"], ua1, "SUSPENDED", None).await;

    let same = Help::default;
    let first_offer = scenario::offer(db, eu["eu-a"], "A: same code", same()).await;
    let partnered_offer = scenario::offer(db, eu["eu-b"], "B: partners", same()).await;
    let category = Help {
        themes: vec!["14022"],
        ..same()
    };
    scenario::offer(db, eu["eu-c"], "C: same category", category).await;
    scenario::offer(db, eu["eu-d"], "D: tie with A", same()).await;
    let expired = Help {
        window: (Some(-100), Some(-1)),
        ..same()
    };
    scenario::offer(db, eu["eu-e"], "E: expired", expired).await;
    let withdrawn = Help {
        status: "WITHDRAWN",
        ..same()
    };
    scenario::offer(db, eu["eu-f"], "F: withdrawn", withdrawn).await;
    let draft = Help {
        status: "DRAFT",
        ..same()
    };
    scenario::offer(db, eu["eu-f"], "F: draft", draft).await;
    let other_theme = Help {
        themes: vec!["15110"],
        ..same()
    };
    scenario::offer(db, eu["eu-a"], "A: other theme", other_theme).await;
    // G carries one open match elsewhere: its load lowers its score.
    scenario::offer(db, eu["eu-g"], "G: busy", same()).await;
    let elsewhere = Help {
        themes: vec!["99810"],
        ..same()
    };
    let busy = scenario::offer(db, eu["eu-g"], "G: elsewhere", elsewhere.clone()).await;
    let other_need = scenario::need(db, ua2, "Other need", elsewhere).await;
    // An active match anyone may see (proposals between others do not count).
    scenario::a_match(db, busy, other_need, "ACTIVE").await;
    let half = Help { days: 20, ..same() };
    scenario::offer(db, eu["eu-h"], "H: half capacity", half).await;
    let german = Help {
        languages: vec!["de"],
        ..same()
    };
    scenario::offer(db, eu["eu-i"], "I: no shared language", german).await;
    // K was declined for this need before: not suggested again.
    let declined = scenario::offer(db, eu["eu-k"], "K: declined before", same()).await;
    scenario::a_match(db, declined, need, "DECLINED").await;
    // The need's own member's offer is never suggested to it.
    scenario::offer(db, ua1, "Own offer", same()).await;

    let nothing = Help {
        themes: vec!["52010"],
        ..same()
    };
    let no_candidates = scenario::need(db, ua1, "Food aid", nothing).await;
    World {
        need,
        no_candidates,
        first_offer,
        partnered_offer,
    }
}

fn titles(nodes: &Value, side: &str) -> Vec<String> {
    nodes
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| n[side]["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn suggestions_for_a_need_rank_open_offers_by_score_with_ties_to_the_older() {
    for app in spawn_apps(false).await {
        let world = build(&app).await;
        let coordinator = app.token(Role::Coordinator, None);
        let need = ids::encode("AssistanceNeed", world.need).to_string();
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                FOR_NEED,
                json!({ "need": need, "first": 20 }),
            )
            .await;
        let found = &body["data"]["matchSuggestions"];
        assert_eq!(
            titles(&found["nodes"], "offer"),
            [
                "B: partners",
                "A: same code",
                "D: tie with A",
                "G: busy",
                "H: half capacity",
                "C: same category",
                "I: no shared language",
            ],
            "[{}] {body}",
            app.backend
        );
        assert_eq!(found["totalCount"], 7);
        let scores: Vec<f64> = found["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| n["score"].as_f64().unwrap_or(-1.0))
            .collect();
        assert_eq!(scores, [0.975, 0.875, 0.875, 0.85, 0.825, 0.725, 0.725]);

        // The parts say why: each factor's weight, value and contribution.
        let best = &found["nodes"][0]["parts"];
        let part = |factor: &str| {
            best.as_array()
                .into_iter()
                .flatten()
                .find(|p| p["factor"] == factor)
                .cloned()
                .unwrap_or(Value::Null)
        };
        assert_eq!(part("PARTNERSHIP")["contribution"], 0.1, "{best}");
        assert_eq!(part("THEME")["reason"], "same DAC code 14021");
        assert_eq!(part("LANGUAGE")["reason"], "both work in en");
        assert_eq!(part("URGENCY")["value"], 0.75);
        let total: f64 = best
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| p["contribution"].as_f64().unwrap_or(0.0))
            .sum();
        assert!((total - 0.975).abs() < 1e-9, "parts add up to the score");
        let category = &found["nodes"][5]["parts"][0];
        assert_eq!(category["reason"], "same DAC category 140");
        assert_eq!(category["value"], 0.5);
        let busy = &found["nodes"][3]["parts"];
        assert!(
            busy.to_string()
                .contains("the offering member has 1 open match"),
            "{busy}"
        );

        // Paging walks the same ranking without gaps or repeats.
        let mut walked = Vec::new();
        let mut after = Value::Null;
        loop {
            let (_, body) = app
                .graphql_as(
                    Some(&coordinator),
                    FOR_NEED,
                    json!({ "need": need, "first": 3, "after": after }),
                )
                .await;
            let page = &body["data"]["matchSuggestions"];
            walked.extend(titles(&page["nodes"], "offer"));
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(walked, titles(&found["nodes"], "offer"));

        // No candidate at all: an empty list, not an error.
        let none = ids::encode("AssistanceNeed", world.no_candidates).to_string();
        let (_, body) = app
            .graphql_as(Some(&coordinator), FOR_NEED, json!({ "need": none }))
            .await;
        assert_eq!(body["data"]["matchSuggestions"]["totalCount"], 0, "{body}");
        assert_eq!(body["data"]["matchSuggestions"]["nodes"], json!([]));
        app.finish().await;
    }
}

#[tokio::test]
async fn suggestions_for_an_offer_rank_open_needs_most_urgent_first() {
    for app in spawn_apps(false).await {
        let world = build(&app).await;
        let db = &app.db;
        let ua3 = scenario::member(db, "ua3", "HROMADA", None).await;
        let critical = Help {
            urgency: "CRITICAL",
            ..Help::default()
        };
        scenario::need(db, ua3, "Critical leak", critical).await;
        let expired = Help {
            window: (Some(-50), Some(-1)),
            ..Help::default()
        };
        scenario::need(db, ua3, "Expired need", expired).await;
        let german = Help {
            languages: vec!["de"],
            urgency: "MEDIUM",
            ..Help::default()
        };
        scenario::need(db, ua3, "German-speaking need", german).await;
        let editor = app.token(Role::Editor, Some("eu-a"));
        let offer = ids::encode("AssistanceOffer", world.first_offer).to_string();
        let (_, body) = app
            .graphql_as(Some(&editor), FOR_OFFER, json!({ "offer": offer }))
            .await;
        let found = &body["data"]["matchSuggestions"];
        assert_eq!(
            titles(&found["nodes"], "need"),
            ["Critical leak", "Leak detection", "German-speaking need"],
            "[{}] {body}",
            app.backend
        );
        assert_eq!(
            found["nodes"]
                .as_array()
                .map(|n| n.iter().map(|s| s["score"].clone()).collect::<Vec<_>>()),
            Some(vec![json!(0.9), json!(0.875), json!(0.7)])
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn only_the_parties_and_the_secretariat_read_suggestions() {
    for app in spawn_apps(false).await {
        let world = build(&app).await;
        let need = ids::encode("AssistanceNeed", world.need).to_string();
        let (_, body) = app
            .graphql_as(None, FOR_NEED, json!({ "need": need }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{body}"
        );
        let stranger = app.token(Role::Editor, Some("eu-a"));
        let (_, body) = app
            .graphql_as(Some(&stranger), FOR_NEED, json!({ "need": need }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let owner = app.token(Role::Editor, Some("ua1"));
        let (_, body) = app
            .graphql_as(Some(&owner), FOR_NEED, json!({ "need": need }))
            .await;
        assert_eq!(body["data"]["matchSuggestions"]["totalCount"], 7, "{body}");
        let analyst = app.token(Role::Analyst, None);
        let (_, body) = app
            .graphql_as(
                Some(&analyst),
                r#"{ matchSuggestions { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "neither needId nor offerId: {body}"
        );
        app.finish().await;
    }
}

const PROPOSE: &str = r#"mutation($input: ProposeMatchInput!) {
  proposeMatch(input: $input) {
    assistanceMatch { id status score version offerAcceptedAt needAcceptedAt scoreParts { factor contribution } }
    userErrors { field code message }
  }
}"#;
const ACCEPT: &str = r#"mutation($input: TransitionInput!) {
  acceptMatch(input: $input) {
    assistanceMatch { status version offerAcceptedAt needAcceptedAt offer { status } need { status } }
    userErrors { code message }
  }
}"#;

#[tokio::test]
async fn a_match_proposed_from_a_suggestion_records_its_score_and_needs_both_sides() {
    for app in spawn_apps(false).await {
        let world = build(&app).await;
        let asker = app.token(Role::Editor, Some("ua1"));
        let need = ids::encode("AssistanceNeed", world.need).to_string();
        let offer = ids::encode("AssistanceOffer", world.partnered_offer).to_string();
        let (_, body) = app
            .graphql_as(Some(&asker), FOR_NEED, json!({ "need": need, "first": 1 }))
            .await;
        let suggestion = body["data"]["matchSuggestions"]["nodes"][0].clone();

        let (_, body) = app
            .graphql_as(
                Some(&asker),
                PROPOSE,
                json!({ "input": { "offerId": offer, "needId": need } }),
            )
            .await;
        let proposed = body["data"]["proposeMatch"]["assistanceMatch"].clone();
        assert_eq!(proposed["status"], "PROPOSED", "[{}] {body}", app.backend);
        assert_eq!(proposed["score"], suggestion["score"]);
        let contributions = |parts: &Value| {
            parts
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| (p["factor"].clone(), p["contribution"].clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            contributions(&proposed["scoreParts"]),
            contributions(&suggestion["parts"])
        );
        // Proposing is the needing side's acceptance; the offering side's is awaited.
        assert!(proposed["needAcceptedAt"].is_string(), "{proposed}");
        assert!(proposed["offerAcceptedAt"].is_null(), "{proposed}");

        // A proposed pair is no longer suggested.
        let (_, body) = app
            .graphql_as(Some(&asker), FOR_NEED, json!({ "need": need }))
            .await;
        assert_eq!(body["data"]["matchSuggestions"]["totalCount"], 6, "{body}");

        let offerer = app.token(Role::Editor, Some("eu-b"));
        let (_, body) = app
            .graphql_as(
                Some(&offerer),
                ACCEPT,
                json!({ "input": { "id": proposed["id"], "expectedVersion": 1 } }),
            )
            .await;
        let accepted = &body["data"]["acceptMatch"]["assistanceMatch"];
        assert_eq!(accepted["status"], "ACCEPTED", "{body}");
        assert_eq!(accepted["offer"]["status"], "MATCHED");
        assert_eq!(accepted["need"]["status"], "MATCHED");

        // A matched need has no suggestions left.
        let (_, body) = app
            .graphql_as(Some(&asker), FOR_NEED, json!({ "need": need }))
            .await;
        assert_eq!(body["data"]["matchSuggestions"]["totalCount"], 0, "{body}");

        let complete = r#"mutation($input: CompleteMatchInput!) { completeMatch(input: $input) { assistanceMatch { status outcome } userErrors { code } } }"#;
        let start = r#"mutation($input: TransitionInput!) { startMatch(input: $input) { assistanceMatch { status } userErrors { code } } }"#;
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
        let (_, body) = app
            .graphql_as(
                Some(&asker),
                complete,
                json!({ "input": { "id": proposed["id"], "expectedVersion": 3, "outcome": "Leaks found and fixed." } }),
            )
            .await;
        assert_eq!(
            body["data"]["completeMatch"]["assistanceMatch"]["outcome"], "Leaks found and fixed.",
            "{body}"
        );

        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                r#"query($id: ID!) { auditEvents(filter: { entityId: $id }, first: 20) { nodes { operation } } }"#,
                json!({ "id": proposed["id"] }),
            )
            .await;
        let operations: Vec<&str> = body["data"]["auditEvents"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["operation"].as_str())
            .collect();
        for step in ["proposeMatch", "acceptMatch", "startMatch", "completeMatch"] {
            assert!(operations.contains(&step), "{step} audited: {body}");
        }
        assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        app.finish().await;
    }
}

#[tokio::test]
async fn a_secretariat_proposal_waits_for_both_sides() {
    for app in spawn_apps(false).await {
        let world = build(&app).await;
        let coordinator = app.token(Role::Coordinator, None);
        let need = ids::encode("AssistanceNeed", world.need).to_string();
        let offer = ids::encode("AssistanceOffer", world.first_offer).to_string();
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                PROPOSE,
                json!({ "input": { "offerId": offer, "needId": need } }),
            )
            .await;
        let proposed = body["data"]["proposeMatch"]["assistanceMatch"].clone();
        assert!(proposed["offerAcceptedAt"].is_null(), "{body}");
        assert!(proposed["needAcceptedAt"].is_null(), "{body}");

        let offerer = app.token(Role::Editor, Some("eu-a"));
        let accept =
            |version: i32| json!({ "input": { "id": proposed["id"], "expectedVersion": version } });
        let (_, body) = app.graphql_as(Some(&offerer), ACCEPT, accept(1)).await;
        let half = &body["data"]["acceptMatch"]["assistanceMatch"];
        assert_eq!(half["status"], "PROPOSED", "[{}] {body}", app.backend);
        assert!(half["offerAcceptedAt"].is_string());
        assert_eq!(half["offer"]["status"], "OPEN");

        // The same side again: refused, nothing changes.
        let (_, body) = app.graphql_as(Some(&offerer), ACCEPT, accept(2)).await;
        assert_eq!(
            body["data"]["acceptMatch"]["userErrors"][0]["code"], "INVALID_TRANSITION",
            "{body}"
        );

        let asker = app.token(Role::Editor, Some("ua1"));
        let (_, body) = app.graphql_as(Some(&asker), ACCEPT, accept(2)).await;
        let both = &body["data"]["acceptMatch"]["assistanceMatch"];
        assert_eq!(both["status"], "ACCEPTED", "{body}");
        assert_eq!(both["need"]["status"], "MATCHED");
        app.finish().await;
    }
}
