//! GraphQL over HTTP: content types, GET, media types, CORS, limits,
//! introspection, request ids, rate limiting by cost and `/metrics`.

use alliance_api::auth::Role;
use alliance_api::config::Limits;
use entity::audit_event;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tests::{TestApp, spawn_app_with, spawn_apps};

const CREATE_MEMBER: &str = r#"mutation { applyForMembership(input: { slug: "x-form", name: "Form post", kind: CITY, iatiOrgType: "11", country: "PL" }) { userErrors { message } } }"#;

async fn trail(app: &TestApp) -> u64 {
    audit_event::Entity::find()
        .count(&app.db)
        .await
        .expect("count")
}

async fn post_raw(app: &TestApp, content_type: &str, body: &str) -> (u16, Value) {
    let response = app
        .client()
        .post(format!("{}/graphql", app.address))
        .header("Content-Type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn only_json_posts_run_and_get_runs_queries_only() {
    for app in spawn_apps(true).await {
        let before = trail(&app).await;
        let body = json!({ "query": CREATE_MEMBER }).to_string();
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/graphql",
        ] {
            let (status, answer) = post_raw(&app, content_type, &body).await;
            assert_eq!(status, 415, "[{}] {content_type}: {answer}", app.backend);
            assert_eq!(
                answer["errors"][0]["extensions"]["code"],
                "UNSUPPORTED_MEDIA_TYPE"
            );
        }
        let (status, _) = post_raw(
            &app,
            "application/json; charset=utf-8",
            &json!({ "query": "{ __typename }" }).to_string(),
        )
        .await;
        assert_eq!(status, 200);

        // GET runs a query…
        let response = app
            .client()
            .get(format!("{}/graphql", app.address))
            .query(&[
                ("query", "query($c: String!) { project(code: $c) { code } }"),
                ("variables", r#"{"c":"UA-KHA-2025-001"}"#),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        let answer: Value = response.json().await.expect("json");
        assert_eq!(
            answer["data"]["project"]["code"], "UA-KHA-2025-001",
            "{answer}"
        );
        // …but never a mutation.
        let response = app
            .client()
            .get(format!("{}/graphql", app.address))
            .query(&[("query", CREATE_MEMBER)])
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "POST");
        assert_eq!(
            trail(&app).await,
            before,
            "[{}] nothing was written",
            app.backend
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn the_graphql_response_media_type_is_honoured() {
    for app in spawn_apps(false).await {
        let request = |accept: &'static str, query: &'static str| {
            app.client()
                .post(format!("{}/graphql", app.address))
                .header("Accept", accept)
                .json(&json!({ "query": query }))
                .send()
        };
        let response = request("application/graphql-response+json", "{ nothing }")
            .await
            .expect("sent");
        assert_eq!(
            response.status(),
            400,
            "a request error under the new media type"
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/graphql-response+json"
        );
        let response = request("application/json", "{ nothing }")
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "the legacy media type answers 200");
        assert_eq!(response.headers()["content-type"], "application/json");
        let response = request(
            "application/graphql-response+json, application/json;q=0.9",
            "{ __typename }",
        )
        .await
        .expect("sent");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "application/graphql-response+json"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn cors_allows_no_origin_unless_configured() {
    let app = spawn_app_with("sqlite", false, tests::limits()).await;
    let response = app
        .client()
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("sent");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    app.finish().await;
    let app = spawn_app_with(
        "sqlite",
        false,
        Limits {
            cors_origins: vec!["https://dashboard.example".into()],
            ..tests::limits()
        },
    )
    .await;
    for (origin, allowed) in [
        ("https://dashboard.example", true),
        ("https://evil.example", false),
    ] {
        let response = app
            .client()
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .send()
            .await
            .expect("sent");
        assert_eq!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_some(),
            allowed,
            "{origin}"
        );
    }
    app.finish().await;
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn limits_refuse_with_a_message_that_names_them() {
    let app = spawn_app_with(
        "sqlite",
        true,
        Limits {
            max_cost: 5_000,
            max_batch: 3,
            ..tests::limits()
        },
    )
    .await;
    // Cost counts connection sizes: 100 projects × 100 participants is too much…
    let body = app
        .graphql("{ projects(first: 100) { nodes { participants(first: 100) { nodes { member { name } } } } } }", json!({}))
        .await;
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("cost"),
        "{body}"
    );
    // …the same query with small pages is fine, and reports its cost.
    let body = app
        .graphql("{ projects(first: 5) { nodes { participants(first: 5) { nodes { member { name } } } } } }", json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["extensions"]["cost"]["requested"],
        json!(1 + 5 + 5 + 25 + 25),
        "{body}"
    );
    // Depth.
    let deep = format!(
        "{{ {}id{} }}",
        "node(id: \"x\") { ... on Member { projects { nodes { owner { ".repeat(4),
        " } } } } }".repeat(4)
    );
    let body = app.graphql(&deep, json!({})).await;
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    // Aliases.
    let aliases: String = (0..31).map(|i| format!("a{i}: __typename ")).collect();
    let body = app.graphql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    // Directives per field.
    let body = app
        .graphql("{ __typename @skip(if: false) @skip(if: false) @include(if: true) @include(if: true) @skip(if: false) }", json!({}))
        .await;
    assert!(body["errors"].is_array(), "{body}");
    // Nesting of values in variables.
    let mut deep = json!(1);
    for _ in 0..20 {
        deep = json!({ "statuses": deep });
    }
    let body = app
        .graphql(
            "query($f: ProjectFilter) { projects(filter: $f) { totalCount } }",
            json!({ "f": deep }),
        )
        .await;
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    // `first` between 1 and 100.
    for first in [0, 101, -1] {
        let body = app
            .graphql(
                "query($n: Int) { projects(first: $n) { totalCount } }",
                json!({ "n": first }),
            )
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "first {first}: {body}");
    }
    // Batches: capped when on.
    let batch = |n: usize| {
        json!(
            (0..n)
                .map(|_| json!({ "query": "{ __typename }" }))
                .collect::<Vec<_>>()
        )
        .to_string()
    };
    let (status, body) = post_raw(&app, "application/json", &batch(3)).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(3), "{body}");
    let (status, body) = post_raw(&app, "application/json", &batch(4)).await;
    assert_eq!(status, 400, "{body}");
    // The body size.
    let huge =
        json!({ "query": format!("{{ __typename }} #{}", "x".repeat(300 * 1024)) }).to_string();
    let response = app
        .client()
        .post(format!("{}/graphql", app.address))
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 413);
    let id = response.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_owned();
    let body: Value = response.json().await.expect("a JSON error");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["requestId"], json!(id));
    app.finish().await;

    // Batching is off by default.
    let app = spawn_app_with("sqlite", false, tests::limits()).await;
    let (status, body) = post_raw(&app, "application/json", &batch(2)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("batched requests are turned off"));
    app.finish().await;
}

#[tokio::test]
async fn without_introspection_errors_name_no_fields_or_types() {
    let app = spawn_app_with(
        "sqlite",
        false,
        Limits {
            introspection: false,
            ..tests::limits()
        },
    )
    .await;
    let body = app
        .graphql("{ __schema { types { name } } }", json!({}))
        .await;
    assert!(body["data"]["__schema"].is_null(), "no schema: {body}");
    let body = app.graphql("{ projectz { totalCount } }", json!({})).await;
    let text = body.to_string();
    assert!(
        !text.contains("projectz") && !text.contains("projects") && !text.contains("Query"),
        "{text}"
    );
    let (status, _) = app.get("/graphql").await;
    assert_eq!(status, 400, "no GraphiQL");
    app.finish().await;

    // On by default, with suggestions.
    let app = spawn_app_with("sqlite", false, tests::limits()).await;
    let body = app.graphql("{ projectz { totalCount } }", json!({})).await;
    assert!(body.to_string().contains("projects"), "{body}");
    app.finish().await;
}

#[tokio::test]
async fn every_error_carries_the_request_id() {
    let app = spawn_app_with("sqlite", false, tests::limits()).await;
    for query in [
        "{ nothing }",
        "{ project(code: 5) { id } }",
        "{ viewer { subject } }",
        "{",
    ] {
        let response = app
            .client()
            .post(format!("{}/graphql", app.address))
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("sent");
        let id = response.headers()["x-request-id"]
            .to_str()
            .expect("id")
            .to_owned();
        let body: Value = response.json().await.expect("json");
        assert!(!id.is_empty());
        assert_eq!(
            body["errors"][0]["extensions"]["requestId"],
            json!(id),
            "{query}: {body}"
        );
    }
    app.finish().await;
}

#[tokio::test]
async fn client_request_ids_are_kept_only_when_plain() {
    let app = spawn_app_with("sqlite", false, tests::limits()).await;
    for (sent, kept) in [
        ("trace-42.a_b", true),
        ("x".repeat(65).as_str(), false),
        ("a b\"c", false),
    ] {
        let response = app
            .client()
            .post(format!("{}/graphql", app.address))
            .header("x-request-id", sent)
            .json(&json!({ "query": "{ nothing }" }))
            .send()
            .await
            .expect("sent");
        let id = response.headers()["x-request-id"]
            .to_str()
            .expect("id")
            .to_owned();
        assert_eq!(id == sent, kept, "{sent:?} -> {id:?}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["requestId"], json!(id));
    }
    app.finish().await;
}

#[tokio::test]
async fn the_cost_budget_is_per_caller() {
    let app = spawn_app_with(
        "sqlite",
        true,
        Limits {
            rate_limit_anonymous: 100,
            rate_limit_token: 1_000,
            ..tests::limits()
        },
    )
    .await;
    // Each request costs 1 + 20 + 20 = 41: the third from the same address is refused.
    let query = "{ projects { nodes { owner { name } } } }";
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let response = app
            .client()
            .post(format!("{}/graphql", app.address))
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("sent");
        statuses.push(response.status().as_u16());
        last = Some(response);
    }
    assert_eq!(statuses, [200, 200, 429]);
    let refused = last.expect("a response");
    let headers = refused.headers();
    assert!(
        headers["retry-after"]
            .to_str()
            .expect("text")
            .parse::<u64>()
            .expect("seconds")
            >= 1
    );
    assert_eq!(headers["ratelimit-limit"], "100");
    assert!(headers.contains_key("ratelimit-remaining") && headers.contains_key("ratelimit-reset"));
    let body: Value = refused.json().await.expect("json");
    assert_eq!(code(&body), "RATE_LIMITED", "{body}");
    // A partner's token has its own budget.
    let token = app.token(Role::Analyst, None);
    let (status, body) = app.graphql_as(Some(&token), query, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["extensions"]["cost"]["limit"], 1_000);
    // The refusals are counted.
    let (_, metrics) = app.metrics().await;
    assert!(
        metrics.contains("alliance_rate_limited_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("alliance_graphql_requests_total{operation=\"anonymous\",outcome=\"ok\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("alliance_graphql_request_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(
        metrics.contains("alliance_db_pool_connections"),
        "{metrics}"
    );
    app.finish().await;
}

#[tokio::test]
async fn a_flood_from_one_anonymous_client_leaves_a_partner_served() {
    let app = std::sync::Arc::new(
        spawn_app_with(
            "sqlite",
            true,
            Limits {
                rate_limit_anonymous: 500,
                ..tests::limits()
            },
        )
        .await,
    );
    let query = "{ projects { nodes { code owner { name } } } }";
    // Eight anonymous tasks flood the service from one address.
    let flood: Vec<_> = (0..8)
        .map(|_| {
            let app = std::sync::Arc::clone(&app);
            tokio::spawn(async move {
                let mut refused = 0;
                for _ in 0..60 {
                    let (status, _) = app.graphql_as(None, query, json!({})).await;
                    if status == 429 {
                        refused += 1;
                    }
                }
                refused
            })
        })
        .collect();
    // Meanwhile a partner's requests are all served, each promptly.
    let token = app.token(Role::Analyst, None);
    let mut slowest = std::time::Duration::ZERO;
    for _ in 0..20 {
        let started = std::time::Instant::now();
        let (status, body) = app.graphql_as(Some(&token), query, json!({})).await;
        slowest = slowest.max(started.elapsed());
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
    }
    let mut refused = 0;
    for task in flood {
        refused += task.await.expect("flood task");
    }
    assert!(refused > 400, "the flood was refused: {refused} of 480");
    assert!(
        slowest < std::time::Duration::from_secs(1),
        "slowest partner request {slowest:?}"
    );
    if let Ok(app) = std::sync::Arc::try_unwrap(app) {
        app.finish().await;
    }
}

/// The in-flight cost budget bounds what runs at once, never what runs at
/// all: queries each costing more than the whole budget wait for all of it
/// and a crowd of them still all finishes (the bound itself is the unit test
/// in `admission.rs`).
#[tokio::test]
async fn queries_over_the_in_flight_budget_queue_and_all_finish() {
    let app = spawn_app_with(
        "sqlite",
        true,
        Limits {
            max_inflight_cost: 5,
            ..tests::limits()
        },
    )
    .await;
    let query = "{ projects(first: 10) { nodes { code owner { name } } } }";
    let requests = (0..12).map(|_| app.graphql(query, json!({})));
    let answers = futures_util::future::join_all(requests).await;
    for body in &answers {
        assert!(body.get("errors").is_none(), "{body}");
        assert!(
            body["extensions"]["cost"]["requested"]
                .as_u64()
                .unwrap_or(0)
                > 5,
            "each query costs more than the budget: {body}"
        );
        assert!(
            !body["data"]["projects"]["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .is_empty(),
            "{body}"
        );
    }
    app.finish().await;
}
