//! Aggregates for dashboards, computed in SQL, on scenarios whose sums are known.

use alliance_api::auth::Role;
use alliance_api::ids;
use serde_json::{Value, json};
use tests::scenario;
use tests::spawn_apps;

const FUNNEL: &str = r#"query($by: [FunnelDimension!]!, $filter: ProjectFilter) {
  fundingFunnel(groupBy: $by, filter: $filter) {
    oblast { isoCode } funder { slug } year currency projectCount
    required { amount } pledged { amount } committed { amount } disbursed { amount }
  }
}"#;

/// A row as `(group, currency) -> [required, pledged, committed, disbursed, projects]`.
fn rows(body: &Value, group: &str) -> Vec<(String, String, [String; 5])> {
    let mut out: Vec<(String, String, [String; 5])> = body["fundingFunnel"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let money = |f: &str| r[f]["amount"].as_str().unwrap_or("-").to_owned();
            let key = match group {
                "oblast" => r["oblast"]["isoCode"].as_str().unwrap_or("-").to_owned(),
                "funder" => r["funder"]["slug"].as_str().unwrap_or("-").to_owned(),
                _ => r["year"].as_i64().map_or("-".into(), |y| y.to_string()),
            };
            (
                key,
                r["currency"].as_str().unwrap_or_default().to_owned(),
                [
                    money("required"),
                    money("pledged"),
                    money("committed"),
                    money("disbursed"),
                    r["projectCount"].to_string(),
                ],
            )
        })
        .collect();
    out.sort();
    out
}

fn row(key: &str, currency: &str, values: [&str; 5]) -> (String, String, [String; 5]) {
    (key.into(), currency.into(), values.map(str::to_owned))
}

#[tokio::test]
async fn the_funding_funnel_sums_each_stage_per_group_and_currency() {
    for app in spawn_apps(false).await {
        let db = &app.db;
        let lviv = scenario::oblast(db, "UA-46").await;
        let kyiv = scenario::oblast(db, "UA-32").await;
        let owner = scenario::member(db, "owner", "HROMADA", Some(lviv)).await;
        let eib = scenario::member(db, "eib", "CITY", None).await;
        let ebrd = scenario::member(db, "ebrd", "CITY", None).await;
        let p1 = scenario::project(db, "P1", owner, lviv).await;
        scenario::budget(db, p1, 100_000, "EUR", "PUBLISHED").await;
        scenario::funding(db, p1, eib, "PLEDGED", 50_000, "EUR", "2025-03-01").await;
        scenario::funding(db, p1, eib, "COMMITTED", 30_000, "EUR", "2025-05-01").await;
        scenario::funding(db, p1, ebrd, "DISBURSED", 10_000, "EUR", "2026-01-10").await;
        let p2 = scenario::project(db, "P2", owner, kyiv).await;
        scenario::budget(db, p2, 200_000, "EUR", "PUBLISHED").await;
        scenario::funding(db, p2, ebrd, "COMMITTED", 70_000, "USD", "2026-02-01").await;
        let p3 = scenario::project(db, "P3", owner, lviv).await;
        scenario::budget(db, p3, 500_000, "EUR", "DRAFT").await;
        scenario::funding(db, p3, eib, "PLEDGED", 1_000, "EUR", "2025-03-01").await;

        let body = app.data(FUNNEL, json!({ "by": ["OBLAST"] })).await;
        assert_eq!(
            rows(&body, "oblast"),
            vec![
                row("UA-32", "EUR", ["2000.00", "0.00", "0.00", "0.00", "1"]),
                row("UA-32", "USD", ["0.00", "0.00", "700.00", "0.00", "1"]),
                row(
                    "UA-46",
                    "EUR",
                    ["1000.00", "500.00", "300.00", "100.00", "1"]
                ),
            ],
            "[{}] anonymous callers count published projects only: {body}",
            app.backend
        );

        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app
            .graphql_as(Some(&coordinator), FUNNEL, json!({ "by": ["OBLAST"] }))
            .await;
        assert!(
            rows(&body["data"], "oblast").contains(&row(
                "UA-46",
                "EUR",
                ["6000.00", "510.00", "300.00", "100.00", "2"]
            )),
            "the secretariat counts the draft too: {body}"
        );

        let body = app.data(FUNNEL, json!({ "by": ["FUNDER"] })).await;
        assert_eq!(
            rows(&body, "funder"),
            vec![
                row("ebrd", "EUR", ["-", "0.00", "0.00", "100.00", "1"]),
                row("ebrd", "USD", ["-", "0.00", "700.00", "0.00", "1"]),
                row("eib", "EUR", ["-", "500.00", "300.00", "0.00", "1"]),
            ],
            "{body}"
        );

        let lviv_id = ids::encode("Territory", lviv).to_string();
        let body = app
            .data(
                FUNNEL,
                json!({ "by": ["YEAR"], "filter": { "territoryId": lviv_id } }),
            )
            .await;
        assert_eq!(
            rows(&body, "year"),
            vec![
                row("-", "EUR", ["1000.00", "0.00", "0.00", "0.00", "1"]),
                row("2025", "EUR", ["0.00", "500.00", "300.00", "0.00", "1"]),
                row("2026", "EUR", ["0.00", "0.00", "0.00", "100.00", "1"]),
            ],
            "budgets by planned start (none here), funding by value date: {body}"
        );

        let (_, body) = app
            .graphql_as(None, FUNNEL, json!({ "by": ["OBLAST", "OBLAST"] }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
        app.finish().await;
    }
}

const STATS: &str = r#"{ assistanceStats {
  offers { total byStatus { code count } byModality { code count } byTheme { code count } byUrgency { code count } }
  needs { total byStatus { code count } byModality { code count } byTheme { code count } byUrgency { code count } }
  matchesByStatus { code count }
} }"#;

#[tokio::test]
async fn assistance_stats_count_what_the_caller_may_see() {
    for app in spawn_apps(false).await {
        let db = &app.db;
        let eu = scenario::member(db, "eu", "CITY", None).await;
        let ua = scenario::member(db, "ua", "HROMADA", None).await;
        let help = |themes: Vec<&'static str>, modality, status, urgency| scenario::Help {
            themes,
            modality,
            status,
            urgency,
            ..scenario::Help::default()
        };
        let o1 = scenario::offer(
            db,
            eu,
            "O1",
            help(vec!["14021", "14022"], Some("TWINNING"), "OPEN", "LOW"),
        )
        .await;
        let o2 = scenario::offer(
            db,
            eu,
            "O2",
            help(vec!["14021"], Some("TRAINING"), "OPEN", "LOW"),
        )
        .await;
        scenario::offer(
            db,
            eu,
            "O3",
            help(vec!["15110"], Some("TRAINING"), "DRAFT", "LOW"),
        )
        .await;
        let n1 = scenario::need(db, ua, "N1", help(vec!["14021"], None, "OPEN", "HIGH")).await;
        let n2 = scenario::need(
            db,
            ua,
            "N2",
            help(vec!["14021"], Some("TWINNING"), "MATCHED", "LOW"),
        )
        .await;
        scenario::a_match(db, o1, n2, "ACCEPTED").await;
        scenario::a_match(db, o2, n1, "PROPOSED").await;

        let body = app.data(STATS, json!({})).await;
        assert_eq!(
            body["assistanceStats"],
            json!({
                "offers": {
                    "total": 2,
                    "byStatus": [{ "code": "OPEN", "count": 2 }],
                    "byModality": [{ "code": "TRAINING", "count": 1 }, { "code": "TWINNING", "count": 1 }],
                    "byTheme": [{ "code": "14021", "count": 2 }, { "code": "14022", "count": 1 }],
                    "byUrgency": []
                },
                "needs": {
                    "total": 2,
                    "byStatus": [{ "code": "MATCHED", "count": 1 }, { "code": "OPEN", "count": 1 }],
                    "byModality": [{ "code": "ANY", "count": 1 }, { "code": "TWINNING", "count": 1 }],
                    "byTheme": [{ "code": "14021", "count": 2 }],
                    "byUrgency": [{ "code": "HIGH", "count": 1 }, { "code": "LOW", "count": 1 }]
                },
                "matchesByStatus": [{ "code": "ACCEPTED", "count": 1 }]
            }),
            "[{}] drafts and proposals are not public",
            app.backend
        );
        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app.graphql_as(Some(&coordinator), STATS, json!({})).await;
        let stats = &body["data"]["assistanceStats"];
        assert_eq!(stats["offers"]["total"], 3, "{body}");
        assert_eq!(
            stats["matchesByStatus"],
            json!([{ "code": "ACCEPTED", "count": 1 }, { "code": "PROPOSED", "count": 1 }])
        );
        app.finish().await;
    }
}

/// A funnel asked again is served as it was computed while no change has
/// been committed since (the audit trail's head read, nothing summed), and
/// computed afresh after one.
#[tokio::test]
async fn a_funnel_is_kept_until_a_change_is_committed() {
    for app in spawn_apps(true).await {
        let by = json!({ "by": ["FUNDER"] });
        // One request, and the statements it ran.
        let once = |variables: Value| {
            let app = &app;
            async move {
                let before = app.statements.get();
                let data = app.data(FUNNEL, variables).await;
                (data, app.statements.get() - before)
            }
        };
        let (first, computed) = once(by.clone()).await;
        let (again, kept) = once(by.clone()).await;
        assert_eq!(again, first, "[{}]", app.backend);
        assert!(
            kept < computed,
            "[{}] kept: {kept} statements, computed: {computed}",
            app.backend
        );
        let ids = app
            .data(
                r#"{ project(code: "UA-KHA-2025-001") { id } eib: member(slug: "eib") { id } }"#,
                json!({}),
            )
            .await;
        let owner = app.token(Role::Editor, Some("kharkiv"));
        let record = r#"mutation($input: RecordFundingInput!) {
          recordFunding(input: $input) { userErrors { message } } }"#;
        let input = json!({ "input": { "projectId": ids["project"]["id"], "funderId": ids["eib"]["id"],
            "stage": "PLEDGED", "financeType": "STANDARD_GRANT",
            "amount": { "amount": "1000.00", "currency": "EUR" }, "valueDate": "2026-02-01" } });
        let (_, body) = app.graphql_as(Some(&owner), record, input).await;
        assert_eq!(
            body["data"]["recordFunding"]["userErrors"],
            json!([]),
            "[{}] {body}",
            app.backend
        );
        let (after, statements) = once(by).await;
        assert!(
            statements > kept,
            "[{}] computed afresh: {statements} statements, kept: {kept}",
            app.backend
        );
        let pledged = |body: &Value| {
            rows(body, "funder")
                .into_iter()
                .find(|(funder, currency, _)| funder == "eib" && currency == "EUR")
                .map(|(_, _, values)| values[1].clone())
        };
        let before: f64 = pledged(&first)
            .expect("eib pledged")
            .parse()
            .expect("amount");
        let now: f64 = pledged(&after)
            .expect("eib pledged")
            .parse()
            .expect("amount");
        assert_eq!(now - before, 1000.0, "[{}] {after}", app.backend);
        app.finish().await;
    }
}
