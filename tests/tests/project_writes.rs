//! Writing projects: authorisation, validation, lifecycle, optimistic
//! concurrency, idempotency and the audit trail, on every configured database.

use alliance_api::audit::service::verify;
use alliance_api::auth::Role;
use serde_json::{Value, json};
use tests::{TestApp, spawn_apps};

const CREATE: &str = r#"mutation($input: CreateProjectInput!) {
  createProject(input: $input) {
    project { id code visibility version status owner { slug } budget { amount currency } }
    userErrors { field code message }
  }
}"#;

const UPDATE: &str = r#"mutation($input: UpdateProjectInput!) {
  updateProject(input: $input) { project { id version status titles { en } budget { amount } } userErrors { field code message } }
}"#;

const PUBLISH: &str = r#"mutation($input: ProjectVisibilityInput!) {
  publishProject(input: $input) { project { visibility version } userErrors { field code message } }
}"#;

async fn ids(app: &TestApp) -> (Value, Value) {
    let data = app
        .data(
            r#"{ territory(code: "UA-63") { id } member(slug: "kharkiv") { id } }"#,
            json!({}),
        )
        .await;
    (
        data["territory"]["id"].clone(),
        data["member"]["id"].clone(),
    )
}

fn input(territory: &Value, owner: &Value, code: &str) -> Value {
    json!({
        "code": code,
        "titles": { "en": "Kindergarten roof repair", "uk": "Ремонт даху дитячого садка" },
        "descriptions": { "en": "Test project.", "uk": "Тестовий проєкт." },
        "projectType": "REHABILITATION",
        "purpose": "RESTORATION",
        "sectorCode": "11220",
        "theme": "EDUCATION",
        "territoryId": territory,
        "ownerId": owner,
        "plannedStart": "2026-03-01",
        "plannedEnd": "2026-12-31",
        "budget": { "amount": "250000.00", "currency": "EUR" },
        "principles": ["ENERGY_EFFICIENT"]
    })
}

async fn counts(app: &TestApp) -> (Value, Value) {
    let token = app.token(Role::Coordinator, None);
    let (_, body) = app
        .graphql_as(
            Some(&token),
            "{ projects { totalCount } auditEvents { totalCount } }",
            json!({}),
        )
        .await;
    (
        body["data"]["projects"]["totalCount"].clone(),
        body["data"]["auditEvents"]["totalCount"].clone(),
    )
}

#[tokio::test]
async fn an_editor_creates_a_draft_for_its_own_organisation_and_the_change_is_audited() {
    for app in spawn_apps(true).await {
        let (territory, owner) = ids(&app).await;
        let editor = app.token(Role::Editor, Some("kharkiv"));
        let (status, body) = app
            .graphql_as(
                Some(&editor),
                CREATE,
                json!({ "input": input(&territory, &owner, "UA-KHA-2026-100") }),
            )
            .await;
        assert_eq!(status, 200);
        let payload = &body["data"]["createProject"];
        assert_eq!(payload["userErrors"], json!([]), "[{}] {body}", app.backend);
        let project = &payload["project"];
        assert_eq!(project["visibility"], "DRAFT");
        assert_eq!(project["version"], 1);
        assert_eq!(project["status"], "IDENTIFICATION");
        assert_eq!(
            project["budget"],
            json!({ "amount": "250000.00", "currency": "EUR" })
        );

        // Drafts stay out of public view.
        let public = app
            .data(
                r#"{ project(code: "UA-KHA-2026-100") { code } }"#,
                json!({}),
            )
            .await;
        assert!(public["project"].is_null());

        // The trail says who created it, in the same transaction.
        let coordinator = app.token(Role::Coordinator, None);
        let (_, trail) = app
            .graphql_as(Some(&coordinator), "query($id: ID!) { auditEvents(filter: {entityId: $id}) { nodes { operation actor role changes } } }", json!({ "id": project["id"] }))
            .await;
        let event = &trail["data"]["auditEvents"]["nodes"][0];
        assert_eq!(event["operation"], "createProject", "{trail}");
        assert_eq!(event["actor"], "test-editor");
        assert_eq!(event["role"], "editor");
        assert_eq!(event["changes"]["code"], "UA-KHA-2026-100");
        assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        app.finish().await;
    }
}

#[tokio::test]
async fn writes_need_a_token_and_the_right_organisation_or_role() {
    for app in spawn_apps(true).await {
        let (territory, owner) = ids(&app).await;
        let variables = json!({ "input": input(&territory, &owner, "UA-KHA-2026-101") });
        let (_, body) = app.graphql_as(None, CREATE, variables.clone()).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{body}"
        );
        for (role, member) in [(Role::Editor, Some("bucha")), (Role::Analyst, None)] {
            let token = app.token(role, member);
            let (_, body) = app
                .graphql_as(Some(&token), CREATE, variables.clone())
                .await;
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "[{}] {role:?}: {body}",
                app.backend
            );
        }
        // Editors cannot publish, even their own projects; coordinators can.
        let editor = app.token(Role::Editor, Some("kharkiv"));
        let (_, created) = app
            .graphql_as(Some(&editor), CREATE, variables.clone())
            .await;
        let id = created["data"]["createProject"]["project"]["id"].clone();
        let publish = json!({ "input": { "id": id, "expectedVersion": 1 } });
        let (_, body) = app
            .graphql_as(Some(&editor), PUBLISH, publish.clone())
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app.graphql_as(Some(&coordinator), PUBLISH, publish).await;
        assert_eq!(
            body["data"]["publishProject"]["project"]["visibility"], "PUBLISHED",
            "{body}"
        );
        let public = app
            .data(
                r#"{ project(code: "UA-KHA-2026-101") { code version } }"#,
                json!({}),
            )
            .await;
        assert_eq!(public["project"]["version"], 2);
        app.finish().await;
    }
}

#[tokio::test]
async fn invalid_input_is_refused_field_by_field_and_changes_nothing() {
    for app in spawn_apps(true).await {
        let (territory, owner) = ids(&app).await;
        let coordinator = app.token(Role::Coordinator, None);
        let before = counts(&app).await;
        let mut bad = input(&territory, &owner, "UA-KHA-2025-001");
        bad["titles"]["en"] = json!("   ");
        bad["descriptions"]["uk"] = json!("x".repeat(10_001));
        bad["sectorCode"] = json!("99999");
        bad["plannedEnd"] = json!("2025-01-01");
        bad["budget"] = json!({ "amount": "-5.00", "currency": "EUR" });
        bad["location"] = json!({ "latitude": 123.0, "longitude": 30.0 });
        let (_, body) = app
            .graphql_as(Some(&coordinator), CREATE, json!({ "input": bad }))
            .await;
        let payload = &body["data"]["createProject"];
        assert!(payload["project"].is_null(), "{body}");
        let found: Vec<(String, String)> = payload["userErrors"]
            .as_array()
            .expect("userErrors")
            .iter()
            .map(|e| {
                (
                    e["field"]
                        .as_array()
                        .expect("path")
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("."),
                    e["code"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        for expected in [
            ("input.titles.en", "REQUIRED"),
            ("input.descriptions.uk", "TOO_LONG"),
            ("input.sectorCode", "UNKNOWN_CODE"),
            ("input.plannedEnd", "DATE_ORDER"),
            ("input.budget.amount", "NEGATIVE"),
            ("input.location", "INVALID"),
            ("input.code", "DUPLICATE"),
        ] {
            assert!(
                found.contains(&(expected.0.to_owned(), expected.1.to_owned())),
                "[{}] missing {expected:?} in {found:?}",
                app.backend
            );
        }
        let mut unknown_currency = input(&territory, &owner, "UA-KHA-2026-102");
        unknown_currency["budget"] = json!({ "amount": "5.00", "currency": "EUX" });
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                CREATE,
                json!({ "input": unknown_currency }),
            )
            .await;
        assert_eq!(
            body["data"]["createProject"]["userErrors"][0]["code"], "UNKNOWN_CODE",
            "{body}"
        );
        assert_eq!(
            counts(&app).await,
            before,
            "[{}] a refused mutation writes nothing",
            app.backend
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn status_and_visibility_follow_the_life_cycle() {
    for app in spawn_apps(true).await {
        let (territory, owner) = ids(&app).await;
        let coordinator = app.token(Role::Coordinator, None);
        let (_, created) = app
            .graphql_as(
                Some(&coordinator),
                CREATE,
                json!({ "input": input(&territory, &owner, "UA-KHA-2026-103") }),
            )
            .await;
        let id = created["data"]["createProject"]["project"]["id"].clone();
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                UPDATE,
                json!({ "input": { "id": id, "expectedVersion": 1, "status": "CANCELLED" } }),
            )
            .await;
        assert_eq!(
            body["data"]["updateProject"]["project"]["status"], "CANCELLED",
            "{body}"
        );
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                UPDATE,
                json!({ "input": { "id": id, "expectedVersion": 2, "status": "IMPLEMENTATION" } }),
            )
            .await;
        assert_eq!(
            body["data"]["updateProject"]["userErrors"][0]["code"], "INVALID_TRANSITION",
            "{body}"
        );
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                PUBLISH,
                json!({ "input": { "id": id, "expectedVersion": 2 } }),
            )
            .await;
        let error = &body["data"]["publishProject"]["userErrors"][0];
        assert_eq!(error["code"], "INVALID_TRANSITION", "{body}");
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("cancelled"))
        );
        // The history shows what changed, field by field.
        let (_, body) = app
            .graphql_as(Some(&coordinator), r#"{ project(code: "UA-KHA-2026-103") { version history { nodes { operation changes } } } }"#, json!({}))
            .await;
        let history = &body["data"]["project"]["history"]["nodes"];
        assert_eq!(history[1]["operation"], "updateProject", "{body}");
        assert_eq!(
            history[1]["changes"]["status"],
            json!(["identification", "cancelled"])
        );
        assert_eq!(
            body["data"]["project"]["version"], 2,
            "refusals did not bump the version"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn sixteen_concurrent_updates_with_one_expected_version_let_exactly_one_through() {
    for app in spawn_apps(true).await {
        let (territory, owner) = ids(&app).await;
        let coordinator = app.token(Role::Coordinator, None);
        let (_, created) = app
            .graphql_as(
                Some(&coordinator),
                CREATE,
                json!({ "input": input(&territory, &owner, "UA-KHA-2026-104") }),
            )
            .await;
        let id = created["data"]["createProject"]["project"]["id"].clone();
        let mut tasks = Vec::new();
        for i in 0..16 {
            let (address, token, id) = (app.address.clone(), coordinator.clone(), id.clone());
            tasks.push(tokio::spawn(async move {
                let body: Value = reqwest::Client::new()
                    .post(format!("{address}/graphql"))
                    .bearer_auth(token)
                    .json(&json!({ "query": UPDATE, "variables": { "input": { "id": id, "expectedVersion": 1, "titles": { "en": format!("Title {i}"), "uk": format!("Назва {i}") } } } }))
                    .send()
                    .await
                    .expect("sent")
                    .json()
                    .await
                    .expect("json");
                body
            }));
        }
        let mut succeeded = 0;
        let mut conflicts = 0;
        for task in tasks {
            let body = task.await.expect("task");
            let payload = &body["data"]["updateProject"];
            if payload["project"].is_object() {
                succeeded += 1;
            } else if payload["userErrors"][0]["code"] == "CONFLICT" {
                conflicts += 1;
            } else {
                panic!("[{}] unexpected answer: {body}", app.backend);
            }
        }
        assert_eq!((succeeded, conflicts), (1, 15), "[{}]", app.backend);
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                r#"{ project(code: "UA-KHA-2026-104") { version history { totalCount } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(body["data"]["project"]["version"], 2);
        assert_eq!(
            body["data"]["project"]["history"]["totalCount"], 2,
            "one create, one update"
        );
        assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        app.finish().await;
    }
}

#[tokio::test]
async fn fifty_repeats_of_one_idempotent_create_write_one_project() {
    for app in spawn_apps(true).await {
        let (territory, owner) = ids(&app).await;
        let editor = app.token(Role::Editor, Some("kharkiv"));
        let mut request = input(&territory, &owner, "UA-KHA-2026-105");
        request["idempotencyKey"] = json!("create-kindergarten-roof");
        let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(8));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (address, token, request, semaphore) = (
                app.address.clone(),
                editor.clone(),
                request.clone(),
                semaphore.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let _permit = semaphore.acquire().await.expect("permit");
                let body: Value = reqwest::Client::new()
                    .post(format!("{address}/graphql"))
                    .bearer_auth(token)
                    .json(&json!({ "query": CREATE, "variables": { "input": request } }))
                    .send()
                    .await
                    .expect("sent")
                    .json()
                    .await
                    .expect("json");
                body["data"]["createProject"]["project"]["id"].clone()
            }));
        }
        let mut ids = std::collections::HashSet::new();
        for task in tasks {
            let id = task.await.expect("task");
            assert!(
                id.is_string(),
                "[{}] every repeat answers with the project",
                app.backend
            );
            ids.insert(id.to_string());
        }
        assert_eq!(ids.len(), 1, "[{}] one project: {ids:?}", app.backend);
        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                r#"{ projects(filter: {titleContains: "Kindergarten roof"}) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(body["data"]["projects"]["totalCount"], 1, "{body}");
        // The same key with another input is refused.
        request["titles"]["en"] = json!("Something else");
        let (_, body) = app
            .graphql_as(Some(&editor), CREATE, json!({ "input": request }))
            .await;
        assert_eq!(
            body["data"]["createProject"]["userErrors"][0]["code"], "IDEMPOTENCY_KEY_REUSED",
            "{body}"
        );
        app.finish().await;
    }
}

/// Mutations of one request run one after another, and each reads afresh
/// what the ones before it changed: a member read through the first
/// mutation's answer is not served from memory after the second renamed it.
#[tokio::test]
async fn each_mutation_reads_what_the_mutations_before_it_changed() {
    for app in spawn_apps(true).await {
        let coordinator = app.token(Role::Coordinator, None);
        let project = app
            .create_draft(&coordinator, "STALE-1", "Fresh reads")
            .await;
        let kharkiv = app
            .data(
                r#"{ member(slug: "kharkiv") { id version website } }"#,
                json!({}),
            )
            .await;
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                r#"mutation($p: ID!, $m: ID!, $mv: Int!) {
                  a: updateProject(input: { id: $p, expectedVersion: 1, titles: { en: "One", uk: "Один" } }) { project { owner { website } } userErrors { code } }
                  b: updateMemberProfile(input: { id: $m, expectedVersion: $mv, website: "https://kharkiv.example.org" }) { member { website } userErrors { code } }
                  c: updateProject(input: { id: $p, expectedVersion: 2, titles: { en: "Two", uk: "Два" } }) { project { owner { website } } userErrors { code } }
                }"#,
                json!({ "p": project, "m": kharkiv["member"]["id"], "mv": kharkiv["member"]["version"] }),
            )
            .await;
        assert!(body.get("errors").is_none(), "[{}] {body}", app.backend);
        let data = &body["data"];
        for field in ["a", "b", "c"] {
            assert_eq!(
                data[field]["userErrors"],
                json!([]),
                "[{}] {body}",
                app.backend
            );
        }
        assert_eq!(
            data["a"]["project"]["owner"]["website"], kharkiv["member"]["website"],
            "[{}] {body}",
            app.backend
        );
        assert_eq!(
            data["c"]["project"]["owner"]["website"], "https://kharkiv.example.org",
            "[{}] {body}",
            app.backend
        );
        app.finish().await;
    }
}

/// A create is written in as few statements as it can. On PostgreSQL: the
/// checks (what the input points to, whether its code is taken) and the new
/// id, read without the chain's lock, then one statement that commits on its
/// own: the insert, its event, the new head (the lock, for that statement
/// alone) and the subscriptions' wake-up. The project it answers is the one
/// stored, and the chain stays intact.
#[tokio::test]
async fn a_create_is_written_in_two_statements() {
    for app in spawn_apps(true).await {
        let (territory, owner) = ids(&app).await;
        let editor = app.token(Role::Editor, Some("kharkiv"));
        let create = "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id code version createdAt updatedAt budget { amount currency } } userErrors { message } } }";
        let mut fewest = u64::MAX;
        for n in 0..3 {
            let before = app.statements.get();
            let (_, body) = app
                .graphql_as(
                    Some(&editor),
                    create,
                    json!({ "input": input(&territory, &owner, &format!("UA-KHA-2026-3{n:02}")) }),
                )
                .await;
            fewest = fewest.min(app.statements.get() - before);
            assert_eq!(
                body["data"]["createProject"]["userErrors"],
                json!([]),
                "[{}] {body}",
                app.backend
            );
            let created = &body["data"]["createProject"]["project"];
            let (_, stored) = app
                .graphql_as(
                    Some(&editor),
                    "query($id: ID!) { node(id: $id) { ... on Project { id code version createdAt updatedAt budget { amount currency } } } }",
                    json!({ "id": created["id"] }),
                )
                .await;
            assert_eq!(
                &stored["data"]["node"], created,
                "[{}] {stored}",
                app.backend
            );
        }
        // The editor's organisation (from the token), then on PostgreSQL the
        // two above; on SQLite the lock, the checks, the insert and a
        // statement reading the new row back, the events and the head.
        let most = if app.backend == "postgres" { 3 } else { 6 };
        assert!(
            fewest <= most,
            "[{}] statements per create: {fewest}",
            app.backend
        );
        assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        app.finish().await;
    }
}

/// Creates a project with `code` for Kharkiv, as its editor, with
/// `idempotency_key` if given; the answer.
async fn create_for_kharkiv(app: &TestApp, code: &str, idempotency_key: Option<&str>) -> Value {
    let (territory, owner) = ids(app).await;
    let editor = app.token(Role::Editor, Some("kharkiv"));
    let mut request = input(&territory, &owner, code);
    if let Some(key) = idempotency_key {
        request["idempotencyKey"] = json!(key);
    }
    let (_, body) = app
        .graphql_as(Some(&editor), CREATE, json!({ "input": request }))
        .await;
    assert_eq!(body["errors"], Value::Null, "{body}");
    body
}

/// [`create_for_kharkiv`] without a key, which must succeed.
async fn created_for_kharkiv(app: &TestApp, code: &str) {
    let body = create_for_kharkiv(app, code, None).await;
    assert_eq!(
        body["data"]["createProject"]["userErrors"],
        json!([]),
        "{body}"
    );
}

/// The `createProject` events of the projects with these codes, in chain
/// order.
async fn create_events(app: &TestApp, codes: &[String]) -> Vec<entity::audit_event::Model> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    use sea_orm::{EntityTrait, QueryFilter, QueryOrder};
    entity::audit_event::Entity::find()
        .filter(Expr::col(entity::audit_event::Column::Operation).eq("createProject"))
        .order_by_asc(entity::audit_event::Column::Seq)
        .all(&app.db)
        .await
        .expect("events")
        .into_iter()
        .filter(|event| {
            codes
                .iter()
                .any(|code| event.changes.contains(&format!("\"code\":\"{code}\"")))
        })
        .collect()
}

/// [`create_for_kharkiv`] while another transaction holds the audit chain's
/// lock and runs `sql`; that transaction commits once the create waits for
/// it (for the lock, or for a row the other transaction wrote). PostgreSQL
/// only.
async fn create_while_another_writer_commits(
    app: &TestApp,
    sql: &str,
    code: &str,
    idempotency_key: Option<&str>,
) -> Value {
    use sea_orm::ConnectionTrait;
    let other = app.hold_writes().await;
    other
        .execute_unprepared(sql)
        .await
        .expect("the other write");
    let (body, ()) = tokio::join!(create_for_kharkiv(app, code, idempotency_key), async {
        // Until the create's statement that writes (or, with a key, takes
        // the lock) waits.
        let waiting = sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                 AND query LIKE 'WITH %'",
        );
        let mut waited = false;
        for _ in 0..500 {
            let row = app
                .db
                .query_one_raw(waiting.clone())
                .await
                .expect("pg_stat_activity")
                .expect("row");
            if row.try_get::<i64>("", "n").expect("n") > 0 {
                waited = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(waited, "the create never waited for the lock");
        other.commit().await.expect("commit");
    });
    body
}

/// On PostgreSQL a create's checks may be stale when it writes: read
/// without the lock (or, with an idempotency key, in the statement that
/// waits for it). When a write that took the same code commits meanwhile,
/// the create is still refused as a duplicate (the unique constraint answers
/// for the check), not failed, and nothing of it is kept.
#[tokio::test]
async fn a_code_taken_while_a_create_waits_for_the_lock_is_refused_as_a_duplicate() {
    for app in spawn_apps(true).await {
        if app.backend != "postgres" {
            app.finish().await;
            continue;
        }
        for (code, key) in [
            ("UA-KHA-2026-777", None),
            ("UA-KHA-2026-778", Some("create-778")),
        ] {
            let (projects, events) = counts(&app).await;
            // Another writer takes the code.
            let body = create_while_another_writer_commits(
                &app,
                &format!(
                    "INSERT INTO project (code, title_en, title_uk, description_en, description_uk, \
                     status, project_type, purpose, sector_code, theme, territory_id, principles, \
                     visibility, owner_id, version, created_at, updated_at) \
                     SELECT '{code}', title_en, title_uk, description_en, description_uk, \
                     status, project_type, purpose, sector_code, theme, territory_id, principles, \
                     visibility, owner_id, version, created_at, updated_at FROM project LIMIT 1"
                ),
                code,
                key,
            )
            .await;
            assert_eq!(
                body["data"]["createProject"]["userErrors"],
                json!([{
                    "field": ["input", "code"],
                    "code": "DUPLICATE",
                    "message": format!("a project with code \"{code}\" exists already")
                }]),
                "{key:?}: {body}"
            );
            assert_eq!(body["data"]["createProject"]["project"], Value::Null);
            // The other writer's project, and no event of the refused create.
            let (projects_after, events_after) = counts(&app).await;
            assert_eq!(
                projects_after.as_i64().expect("count"),
                projects.as_i64().expect("count") + 1
            );
            assert_eq!(events_after, events, "{key:?}");
        }
        assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        app.finish().await;
    }
}

/// A create that its checks refuse is answered at once, even while another
/// writer holds the chain's lock (a long import, say): on PostgreSQL the
/// checks of a create without an idempotency key do not wait for the lock.
#[tokio::test]
async fn a_refused_create_does_not_wait_for_other_writers() {
    for app in spawn_apps(true).await {
        if app.backend != "postgres" {
            app.finish().await;
            continue;
        }
        created_for_kharkiv(&app, "UA-KHA-2026-901").await;
        let other = app.hold_writes().await;
        let body = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            create_for_kharkiv(&app, "UA-KHA-2026-901", None),
        )
        .await
        .expect("answered while the other writer holds the lock");
        assert_eq!(
            body["data"]["createProject"]["userErrors"][0]["code"], "DUPLICATE",
            "{body}"
        );
        other.rollback().await.expect("rollback");
        app.finish().await;
    }
}

/// The other way round, for a create with an idempotency key (which waits
/// for the lock before it writes): when a write that frees the code commits
/// while the create waits for the lock, the create's refusal is checked
/// again under the lock and the project is created. (A create without a key
/// reads its checks without waiting: the code is taken when it looks.)
#[tokio::test]
async fn a_code_freed_while_a_create_waits_for_the_lock_is_taken() {
    for app in spawn_apps(true).await {
        if app.backend != "postgres" {
            app.finish().await;
            continue;
        }
        created_for_kharkiv(&app, "UA-KHA-2026-888").await;
        let body = create_while_another_writer_commits(
            &app,
            "UPDATE project SET code = 'UA-KHA-2026-889' WHERE code = 'UA-KHA-2026-888'",
            "UA-KHA-2026-888",
            Some("create-888"),
        )
        .await;
        assert_eq!(
            body["data"]["createProject"]["userErrors"],
            json!([]),
            "{body}"
        );
        assert_eq!(
            body["data"]["createProject"]["project"]["code"],
            "UA-KHA-2026-888"
        );
        assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        app.finish().await;
    }
}

/// Creates sent at once (on PostgreSQL each takes the chain's lock in the
/// statement that writes it, and PostgreSQL computes its event's hash and
/// time there) append one event each to an intact chain: sequence numbers
/// without gaps, times that grow with them, every project with its event.
#[tokio::test]
async fn concurrent_creates_append_one_event_each_in_commit_order() {
    for app in spawn_apps(true).await {
        let (territory, owner) = ids(&app).await;
        let editor = app.token(Role::Editor, Some("kharkiv"));
        let mut tasks = Vec::new();
        for n in 0..12 {
            let (address, token) = (app.address.clone(), editor.clone());
            let request = input(&territory, &owner, &format!("UA-KHA-2026-5{n:02}"));
            tasks.push(tokio::spawn(async move {
                let body: Value = reqwest::Client::new()
                    .post(format!("{address}/graphql"))
                    .bearer_auth(token)
                    .json(&json!({ "query": CREATE, "variables": { "input": request } }))
                    .send()
                    .await
                    .expect("sent")
                    .json()
                    .await
                    .expect("json");
                body
            }));
        }
        let mut created = Vec::new();
        for task in tasks {
            let body = task.await.expect("task");
            assert_eq!(
                body["data"]["createProject"]["userErrors"],
                json!([]),
                "[{}] {body}",
                app.backend
            );
            created.push(
                body["data"]["createProject"]["project"]["code"]
                    .as_str()
                    .expect("code")
                    .to_owned(),
            );
        }
        let ours = create_events(&app, &created).await;
        assert_eq!(ours.len(), 12, "[{}] one event per create", app.backend);
        for pair in ours.windows(2) {
            assert!(
                pair[0].occurred_at <= pair[1].occurred_at,
                "[{}] times grow with sequence numbers: {:?} then {:?}",
                app.backend,
                pair[0],
                pair[1]
            );
        }
        assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        app.finish().await;
    }
}

/// Creates that arrive while another create is being written are written
/// together afterwards, by one statement (PostgreSQL): their events share
/// the time they were committed at, and the chain stays intact; more of them
/// than the pool has connections (a create waiting to be written holds
/// none). When one of them cannot be written (its code was taken by another
/// create of the same group), the others are written one at a time and only
/// that one is refused.
#[tokio::test]
async fn creates_that_arrive_together_are_written_together() {
    use futures_util::future::join_all;
    use sea_orm::ConnectionTrait;
    for app in spawn_apps(true).await {
        if app.backend != "postgres" {
            app.finish().await;
            continue;
        }
        for (round, codes) in [
            // Twenty: more than the pool's eight connections.
            (
                1,
                (0..20)
                    .map(|n| format!("UA-KHA-2026-6{n:02}"))
                    .collect::<Vec<_>>(),
            ),
            // Two creates with one code: both pass their checks, one is refused.
            (
                2,
                (0..8)
                    .map(|n| format!("UA-KHA-2026-7{:02}", Ord::min(n, 6)))
                    .collect::<Vec<_>>(),
            ),
        ] {
            let reserved = || async {
                app.db
                    .query_one_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        "SELECT last_value FROM project_id_seq",
                    ))
                    .await
                    .expect("sequence")
                    .expect("row")
                    .try_get::<i64>("", "last_value")
                    .expect("last_value")
            };
            let before = reserved().await;
            // Another writer holds the chain's lock: the first create's
            // statement waits for it, and the others queue behind it.
            let other = app.hold_writes().await;
            let (bodies, ()) = tokio::join!(
                join_all(
                    codes
                        .iter()
                        .map(|code| create_for_kharkiv(&app, code, None))
                ),
                async {
                    // Until every create has read its checks and its id.
                    let mut checked = false;
                    for _ in 0..500 {
                        if reserved().await >= before + codes.len() as i64 {
                            checked = true;
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    }
                    assert!(
                        checked,
                        "round {round}: the creates never read their checks"
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    other.commit().await.expect("commit");
                }
            );
            let refused: Vec<_> = bodies
                .iter()
                .filter(|body| body["data"]["createProject"]["userErrors"] != json!([]))
                .collect();
            let ours = create_events(&app, &codes).await;
            if round == 1 {
                assert!(refused.is_empty(), "{refused:?}");
                assert_eq!(ours.len(), 20, "one event per create");
                let mut times: Vec<_> = ours.iter().map(|event| event.occurred_at).collect();
                times.sort();
                times.dedup();
                // The group that waited for the lock, and the rest together.
                assert!(
                    times.len() <= 2,
                    "creates queued behind one another were written together: {times:?}"
                );
            } else {
                assert_eq!(refused.len(), 1, "{bodies:?}");
                assert_eq!(
                    refused[0]["data"]["createProject"]["userErrors"][0]["code"],
                    "DUPLICATE"
                );
                assert_eq!(ours.len(), 7, "one event per project created");
            }
            assert_eq!(verify(&app.db).await.expect("verify").broken_at, None);
        }
        app.finish().await;
    }
}
