//! Answers kept until the data changes: a query asked again is answered
//! without running while nothing changed, and never after a write, whether
//! through this instance or another. On PostgreSQL, where commits are
//! signalled; on SQLite nothing is kept.

use std::time::{Duration, Instant};

use alliance_api::auth::Role;
use alliance_api::config::Limits;
use serde_json::{Value, json};
use tests::{TestApp, backends, spawn_app_with};

const COUNT: &str = "{ projects { totalCount } }";

const CREATE: &str = "mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id } userErrors { message } } }";

/// What one request got back.
struct Reply {
    /// `Cache-Status`, without the cache's name.
    cache: String,
    body: Value,
    /// Statements the service ran meanwhile.
    statements: u64,
    /// `RateLimit-Remaining`.
    remaining: u64,
}

async fn ask(app: &TestApp, token: Option<&str>, body: Value, headers: &[(&str, &str)]) -> Reply {
    let before = app.statements.get();
    let mut request = app
        .client()
        .post(format!("{}/graphql", app.address))
        .json(&body);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request sent");
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let cache = header("cache-status")
        .trim_start_matches("alliance; ")
        .to_owned();
    let remaining = header("ratelimit-remaining").parse().unwrap_or(0);
    let body = response.json().await.expect("JSON body");
    Reply {
        cache,
        body,
        statements: app.statements.get() - before,
        remaining,
    }
}

fn query(text: &str) -> Value {
    json!({ "query": text, "variables": {} })
}

/// A service on PostgreSQL that keeps answers, once it listens for commits
/// (until then it keeps none, and says so); `None` without PostgreSQL.
async fn keeping(limits: Limits) -> Option<TestApp> {
    if !backends().contains(&"postgres") {
        return None;
    }
    let app = spawn_app_with("postgres", true, limits).await;
    listening(&app).await;
    Some(app)
}

/// [`keeping`], with batches of up to four operations.
async fn batching() -> Option<TestApp> {
    keeping(Limits {
        max_batch: 4,
        ..Limits::default()
    })
    .await
}

/// Asks `body` twice as the caller of `token`: the second answer, kept.
async fn kept(app: &TestApp, token: &str, body: &Value) -> Reply {
    let _ = ask(app, Some(token), body.clone(), &[]).await;
    let again = ask(app, Some(token), body.clone(), &[]).await;
    assert_eq!(again.cache, "hit", "{}", again.body);
    again
}

/// Waits until `app` keeps answers (its change signal listens).
async fn listening(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = ask(app, None, query("{ __typename }"), &[]).await;
        if reply.cache != "fwd=bypass" {
            return;
        }
        assert!(Instant::now() < deadline, "the service never listened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn create(code: &str, ids: &Value) -> Value {
    json!({ "query": CREATE, "variables": { "i": {
        "code": code,
        "titles": { "en": "Kept answers", "uk": "Збережені відповіді" },
        "descriptions": { "en": "Draft.", "uk": "Чернетка." },
        "projectType": "REHABILITATION", "purpose": "RESTORATION",
        "sectorCode": "11220", "theme": "EDUCATION",
        "territoryId": ids["territory"]["id"], "ownerId": ids["member"]["id"]
    } } })
}

async fn kharkiv(app: &TestApp) -> Value {
    app.data(
        r#"{ territory(code: "UA-63") { id } member(slug: "kharkiv") { id } }"#,
        json!({}),
    )
    .await
}

#[tokio::test]
async fn a_query_asked_again_is_answered_without_running_and_charged_as_before() {
    // A small budget, so that what a request spends shows in what is left.
    let Some(app) = keeping(Limits {
        rate_limit_token: 600,
        ..Limits::default()
    })
    .await
    else {
        return;
    };
    let token = app.token(Role::Coordinator, None);
    let first = ask(&app, Some(&token), query(COUNT), &[]).await;
    assert_eq!(first.cache, "fwd=miss; stored", "{}", first.body);
    assert!(first.statements >= 1);
    let again = ask(&app, Some(&token), query(COUNT), &[]).await;
    assert_eq!(again.cache, "hit");
    assert_eq!(again.statements, 0, "a kept answer runs nothing");
    assert_eq!(again.body["data"], first.body["data"]);
    // The cost is charged again and reported as for a computed answer.
    let cost = first.body["extensions"]["cost"]["requested"].as_u64();
    assert!(cost.is_some_and(|cost| cost > 0), "{}", first.body);
    assert_eq!(again.body["extensions"]["cost"]["requested"].as_u64(), cost);
    assert!(again.remaining < first.remaining, "charged again");
    assert_eq!(
        again.body["extensions"]["cost"]["remaining"].as_u64(),
        Some(again.remaining)
    );
    // The operators' view: answers sent again, and the memory they take.
    let (_, metrics) = app.metrics().await;
    let value = |name: &str| {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    assert!(
        value("alliance_response_cache_total{result=\"hit\"}") >= 1,
        "{metrics}"
    );
    assert!(value("alliance_response_cache_bytes") > 0, "{metrics}");

    // Another caller, another language: answers of their own.
    let anonymous = ask(&app, None, query(COUNT), &[]).await;
    assert_eq!(anonymous.cache, "fwd=miss; stored");
    let ukrainian = ask(
        &app,
        Some(&token),
        query(COUNT),
        &[("accept-language", "uk")],
    )
    .await;
    assert_eq!(ukrainian.cache, "fwd=miss; stored");

    // The client asks for a fresh answer, or for none to be kept.
    let fresh = ask(
        &app,
        Some(&token),
        query(COUNT),
        &[("cache-control", "no-cache")],
    )
    .await;
    assert_eq!(fresh.cache, "fwd=request; stored");
    assert!(fresh.statements >= 1);
    let text = "{ projects(first: 3) { nodes { code } } }";
    let unkept = ask(&app, None, query(text), &[("cache-control", "no-store")]).await;
    assert_eq!(unkept.cache, "fwd=bypass");
    assert_eq!(
        ask(&app, None, query(text), &[]).await.cache,
        "fwd=miss; stored"
    );

    // Answers with errors and mutations are not kept.
    let failing = query(r#"{ node(id: "bm90LWFuLWlk") { id } projects { totalCount } }"#);
    let failed = ask(&app, None, failing.clone(), &[]).await;
    assert!(failed.body["errors"].is_array(), "{}", failed.body);
    assert_eq!(failed.cache, "fwd=miss");
    assert_eq!(ask(&app, None, failing, &[]).await.cache, "fwd=miss");
    let ids = kharkiv(&app).await;
    let created = ask(&app, Some(&token), create("UA-KHA-2026-901", &ids), &[]).await;
    assert_eq!(created.cache, "fwd=bypass", "{}", created.body);
    app.finish().await;
}

#[tokio::test]
async fn a_write_through_this_instance_is_read_at_once() {
    let Some(app) = batching().await else {
        return;
    };
    let token = app.token(Role::Coordinator, None);
    let ids = kharkiv(&app).await;
    let before = kept(&app, &token, &query(COUNT)).await;
    let total = before.body["data"]["projects"]["totalCount"]
        .as_i64()
        .expect("a count");
    // The query runs right after the write, in the same request: before the
    // database's notification of the commit can have arrived.
    let batch = ask(
        &app,
        Some(&token),
        json!([create("UA-KHA-2026-902", &ids), query(COUNT)]),
        &[],
    )
    .await;
    assert_eq!(
        batch.body[0]["data"]["createProject"]["userErrors"],
        json!([]),
        "{}",
        batch.body
    );
    assert_eq!(
        batch.body[1]["data"]["projects"]["totalCount"].as_i64(),
        Some(total + 1),
        "{}",
        batch.body
    );
    // (Kept, if so, by the batch's query.)
    let after = ask(&app, Some(&token), query(COUNT), &[]).await;
    assert_eq!(
        after.body["data"]["projects"]["totalCount"].as_i64(),
        Some(total + 1)
    );
    app.finish().await;
}

#[tokio::test]
async fn an_update_through_this_instance_is_read_at_once() {
    let Some(app) = batching().await else {
        return;
    };
    let token = app.token(Role::Coordinator, None);
    let project = app
        .data("{ projects(first: 1) { nodes { id version } } }", json!({}))
        .await["projects"]["nodes"][0]
        .clone();
    let read = json!({
        "query": "query($id: ID!) { node(id: $id) { ... on Project { title version } } }",
        "variables": { "id": project["id"] },
    });
    kept(&app, &token, &read).await;
    let update = json!({
        "query": "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { userErrors { message } } }",
        "variables": { "i": {
            "id": project["id"],
            "expectedVersion": project["version"],
            "titles": { "en": "Renamed while kept", "uk": "Перейменовано" },
        } },
    });
    // As with a create: the read runs right after the update commits.
    let batch = ask(&app, Some(&token), json!([update, read]), &[]).await;
    assert_eq!(
        batch.body[0]["data"]["updateProject"]["userErrors"],
        json!([]),
        "{}",
        batch.body
    );
    assert_eq!(
        batch.body[1]["data"]["node"]["title"], "Renamed while kept",
        "{}",
        batch.body
    );
    app.finish().await;
}

#[tokio::test]
async fn each_answer_of_a_batch_is_its_own() {
    let Some(app) = batching().await else {
        return;
    };
    // Two lists the database builds as JSON, one after the other: each
    // answer has the texts of its own statement.
    let projects = query("{ projects(first: 3) { nodes { code owner { name } } } }");
    let members = query("{ members(first: 3) { nodes { name } } }");
    let alone = [
        ask(
            &app,
            None,
            projects.clone(),
            &[("cache-control", "no-store")],
        )
        .await,
        ask(
            &app,
            None,
            members.clone(),
            &[("cache-control", "no-store")],
        )
        .await,
    ];
    for _ in 0..2 {
        let batch = ask(&app, None, json!([projects, members]), &[]).await;
        assert_eq!(
            batch.body[0]["data"], alone[0].body["data"],
            "{}",
            batch.body
        );
        assert_eq!(
            batch.body[1]["data"], alone[1].body["data"],
            "{}",
            batch.body
        );
        assert!(
            alone[0].body["data"]["projects"]["nodes"][2]["owner"]["name"].is_string(),
            "{}",
            alone[0].body
        );
    }
    // A batch's response has no one Cache-Status; its answers were kept.
    let kept = ask(&app, None, projects, &[]).await;
    assert_eq!(kept.cache, "hit");
    app.finish().await;
}

#[tokio::test]
async fn a_write_through_another_instance_is_read_once_its_commit_is_signalled() {
    let Some(app) = keeping(Limits::default()).await else {
        return;
    };
    let other = app.sibling_with(Limits::default()).await;
    listening(&other).await;
    let token = app.token(Role::Coordinator, None);
    let ids = kharkiv(&app).await;
    let before = kept(&app, &token, &query(COUNT)).await;
    let total = before.body["data"]["projects"]["totalCount"]
        .as_i64()
        .expect("a count");
    let created = ask(&other, Some(&token), create("UA-KHA-2026-903", &ids), &[]).await;
    assert_eq!(
        created.body["data"]["createProject"]["userErrors"],
        json!([]),
        "{}",
        created.body
    );
    // Well before a kept answer's longest life (10 s) runs out.
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let reply = ask(&app, Some(&token), query(COUNT), &[]).await;
        if reply.cache != "hit" {
            assert_eq!(
                reply.body["data"]["projects"]["totalCount"].as_i64(),
                Some(total + 1)
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the other instance's write was never read"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    app.finish().await;
}

#[tokio::test]
async fn nothing_is_kept_on_sqlite() {
    let app = spawn_app_with("sqlite", true, Limits::default()).await;
    for _ in 0..2 {
        let reply = ask(&app, None, query(COUNT), &[]).await;
        assert_eq!(reply.cache, "fwd=bypass");
        assert!(reply.statements >= 1);
    }
    app.finish().await;
}
