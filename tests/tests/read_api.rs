//! The read API as a client sees it, on every configured database.

use base64::Engine as _;
use serde_json::{Value, json};
use tests::{insert_projects, spawn_app, spawn_apps, standards_dir};

const NESTED: &str = r#"query($first: Int!) {
  projects(first: $first, orderBy: {field: CODE, direction: ASC}) {
    nodes {
      code
      owner { slug }
      participants { nodes { member { slug } } }
      funding { nodes { amount { amount } funder { slug } } }
    }
  }
}"#;

#[tokio::test]
async fn nested_query_runs_the_same_number_of_statements_for_10_and_100_projects() {
    for backend in tests::backends() {
        let app = spawn_app(backend, false).await;
        insert_projects(&app.db, 100, "n1").await;
        let mut counts = Vec::new();
        for first in [10, 100] {
            let (data, statements) = app
                .data_and_statements(NESTED, json!({ "first": first }))
                .await;
            counts.push(statements);
            let nodes = data["projects"]["nodes"].as_array().expect("nodes");
            assert_eq!(nodes.len(), first, "[{backend}]");
            for node in nodes {
                assert!(
                    node["owner"]["slug"].is_string(),
                    "[{backend}] owner loaded: {node}"
                );
                assert_eq!(
                    node["participants"]["nodes"].as_array().map(Vec::len),
                    Some(2)
                );
                assert_eq!(
                    node["funding"]["nodes"][1]["funder"]["slug"]
                        .as_str()
                        .map(|s| s.starts_with("n1-")),
                    Some(true)
                );
            }
        }
        assert_eq!(
            counts[0], counts[1],
            "[{backend}] statements at 10 and at 100 projects: {counts:?}"
        );
        // The projects with their owners; the participants with their
        // members; the funding with its funders: each list reads the rows its
        // nodes point to in its own statement, so three, whatever the page size.
        assert!(
            counts[1] <= 3,
            "[{backend}] statements grow with depth only: {counts:?}"
        );
        app.finish().await;
    }
}

/// A to-one row read with its list follows the visibility of its own
/// entity: an owner whose membership is not public is null for an anonymous
/// reader (without another read) and there for an administrator.
#[tokio::test]
async fn rows_read_with_a_list_keep_their_own_visibility() {
    use sea_orm::{ConnectionTrait, Statement};
    for backend in tests::backends() {
        let app = spawn_app(backend, false).await;
        insert_projects(&app.db, 6, "vj").await;
        let backend_kind = app.db.get_database_backend();
        app.db
            .execute_raw(Statement::from_string(
                backend_kind,
                "UPDATE member SET status = 'APPLIED' WHERE slug = 'vj-member-0'",
            ))
            .await
            .expect("update");
        let query = r#"{ projects(first: 6, orderBy: {field: CODE, direction: ASC}) { nodes { code owner { slug } } } }"#;
        let (data, statements) = app.data_and_statements(query, json!({})).await;
        let owners: Vec<Value> = data["projects"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["owner"]["slug"].clone())
            .collect();
        // Projects 0 and 3 are owned by member 0.
        assert_eq!(
            owners,
            vec![
                Value::Null,
                json!("vj-member-1"),
                json!("vj-member-2"),
                Value::Null,
                json!("vj-member-1"),
                json!("vj-member-2"),
            ],
            "[{backend}] {data}"
        );
        assert_eq!(
            statements, 1,
            "[{backend}] one statement for the list and its owners"
        );
        // The same under a nested list (projects of the oblast, newest first).
        let nested = r#"{ territory(code: "UA-46") { projects(first: 6) { nodes { code owner { slug } } } } }"#;
        let (data, _) = app.data_and_statements(nested, json!({})).await;
        let hidden: Vec<&str> = data["territory"]["projects"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|n| n["owner"].is_null())
            .filter_map(|n| n["code"].as_str())
            .collect();
        assert_eq!(hidden, ["vj-00003", "vj-00000"], "[{backend}] {data}");
        let admin = app.token(alliance_api::auth::Role::Coordinator, None);
        let (_, body) = app.graphql_as(Some(&admin), query, json!({})).await;
        assert_eq!(
            body["data"]["projects"]["nodes"][0]["owner"]["slug"], "vj-member-0",
            "[{backend}] {body}"
        );
        app.finish().await;
    }
}

/// A connection asked only for its `totalCount` reads the count and no page.
#[tokio::test]
async fn a_count_alone_reads_no_rows() {
    for backend in tests::backends() {
        let app = spawn_app(backend, false).await;
        insert_projects(&app.db, 30, "tc").await;
        let query = "{ projects(first: 30) { nodes { code participants { totalCount } } } }";
        let (data, statements) = app.data_and_statements(query, json!({})).await;
        let nodes = data["projects"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(nodes.len(), 30, "[{backend}]");
        assert!(
            nodes.iter().all(|n| n["participants"]["totalCount"] == 2),
            "[{backend}] {data}"
        );
        // The page of projects and one count per list; no page of participants.
        // On PostgreSQL the counts are inside the page's one statement.
        let expected = if backend == "postgres" { 1 } else { 2 };
        assert_eq!(statements, expected, "[{backend}] statements: {statements}");
        app.finish().await;
    }
}

#[tokio::test]
async fn demo_data_holds_the_27_top_level_units_of_ukraine_and_is_seeded_once() {
    for app in spawn_apps(true).await {
        let data = app
            .data(
                "{ territories(first: 100, filter: {topLevelOnly: true}) { totalCount nodes { code isoCode names { en uk } occupation } } members(first: 100) { totalCount nodes { slug } } }",
                json!({}),
            )
            .await;
        assert_eq!(data["territories"]["totalCount"], 27, "[{}]", app.backend);
        if let Some(dir) = standards_dir() {
            let csv = std::fs::read_to_string(dir.join("ua/oblasts.csv")).expect("oblasts.csv");
            for line in csv.lines().skip(1) {
                let cols: Vec<&str> = line.split(',').collect();
                let unit = data["territories"]["nodes"]
                    .as_array()
                    .and_then(|n| n.iter().find(|u| u["code"] == cols[0]))
                    .unwrap_or_else(|| panic!("[{}] {} missing", app.backend, cols[0]));
                assert_eq!(unit["isoCode"], cols[1]);
                assert_eq!(unit["names"]["en"], cols[2]);
                assert_eq!(unit["names"]["uk"], cols[3]);
                let occupied = !cols[5].is_empty();
                assert_eq!(unit["occupation"].is_string(), occupied, "{line}");
            }
        }
        let slugs: Vec<&str> = data["members"]["nodes"]
            .as_array()
            .expect("members")
            .iter()
            .filter_map(|m| m["slug"].as_str())
            .collect();
        for partner in [
            "european-committee-of-the-regions",
            "cemr",
            "eurocities",
            "aer",
            "cpmr",
            "aebr",
            "iclei-europe",
            "congress-of-local-and-regional-authorities",
            "association-of-ukrainian-cities",
            "ukrainian-association-of-district-and-regional-councils",
            "eib",
            "ebrd",
            "ceb",
            "oecd",
        ] {
            assert!(
                slugs.contains(&partner),
                "[{}] {partner} missing",
                app.backend
            );
        }
        let before = data["members"]["totalCount"].clone();
        let report = alliance_api::seed::seed_demo_data(&app.db)
            .await
            .expect("seed");
        assert!(!report.inserted, "a second seed adds nothing");
        let again = app
            .data(
                "{ members { totalCount } projects { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(again["members"]["totalCount"], before);
        let projects = app
            .data(
                "{ projects(first: 100) { nodes { description } } }",
                json!({}),
            )
            .await;
        for p in projects["projects"]["nodes"].as_array().expect("projects") {
            assert!(
                p["description"]
                    .as_str()
                    .is_some_and(|d| d.contains("Demonstration data"))
            );
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn anonymous_caller_cannot_see_draft_projects_or_private_contacts() {
    for app in spawn_apps(true).await {
        let data = app
            .data(
                r#"{ draft: project(code: "UA-KHA-2026-003") { code }
                     projects(first: 100) { totalCount nodes { code visibility } }
                     member(slug: "kharkiv") { contact { email } projects { totalCount } }
                     applicant: member(slug: "tampere") { slug }
                     offers: assistanceOffers(first: 100) { nodes { status } }
                     partnerships(first: 100) { nodes { status } } }"#,
                json!({}),
            )
            .await;
        assert!(data["draft"].is_null(), "[{}] draft hidden", app.backend);
        let visibilities: Vec<&str> = data["projects"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter_map(|p| p["visibility"].as_str())
            .collect();
        assert!(!visibilities.is_empty());
        assert!(
            visibilities.iter().all(|v| *v != "DRAFT"),
            "{visibilities:?}"
        );
        assert!(data["member"]["contact"].is_null(), "contacts are private");
        assert!(data["applicant"].is_null(), "applications are not public");
        assert!(
            data["offers"]["nodes"]
                .as_array()
                .expect("offers")
                .iter()
                .all(|o| o["status"] != "DRAFT")
        );
        assert!(
            data["partnerships"]["nodes"]
                .as_array()
                .expect("p")
                .iter()
                .all(|o| o["status"] != "PROPOSED")
        );

        // The draft is not reachable through node(id) or nested lists either.
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let draft = entity::project::Entity::find()
            .filter(entity::project::Column::Code.eq("UA-KHA-2026-003"))
            .one(&app.db)
            .await
            .expect("query")
            .expect("the draft exists in the database");
        let id = alliance_api::ids::encode("Project", draft.id);
        let data = app
            .data(
                r#"query($id: ID!) { node(id: $id) { id } territory(code: "UA-63") { projects(first: 100) { nodes { code } } } }"#,
                json!({ "id": id }),
            )
            .await;
        assert!(data["node"].is_null());
        let codes = data["territory"]["projects"]["nodes"].to_string();
        assert!(
            codes.contains("UA-KHA-2025-001") && !codes.contains("UA-KHA-2026-003"),
            "{codes}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn keyset_cursors_walk_every_project_once_forwards_and_backwards() {
    for backend in tests::backends() {
        let app = spawn_app(backend, false).await;
        insert_projects(&app.db, 45, "walk").await;
        let query = r#"query($after: String, $before: String, $first: Int, $last: Int) {
            projects(first: $first, after: $after, last: $last, before: $before, orderBy: {field: TITLE, direction: DESC}) {
              totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { code } } }"#;
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = app
                .data(query, json!({ "first": 10, "after": after }))
                .await;
            let page = &data["projects"];
            assert_eq!(page["totalCount"], 45);
            seen.extend(
                page["nodes"]
                    .as_array()
                    .expect("nodes")
                    .iter()
                    .map(|n| n["code"].as_str().unwrap_or_default().to_owned()),
            );
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        // Titles are "walk project {i}", ordered as text, descending.
        let mut expected: Vec<(String, String)> = (0..45)
            .map(|i| (format!("walk project {i}"), format!("walk-{i:05}")))
            .collect();
        expected.sort_by(|a, b| b.0.cmp(&a.0));
        let expected: Vec<String> = expected.into_iter().map(|(_, code)| code).collect();
        assert_eq!(seen, expected, "[{backend}] every row once, in title order");

        // Backwards from the end reproduces the last page.
        let data = app.data(query, json!({ "last": 5 })).await;
        let tail: Vec<String> = data["projects"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["code"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(tail, seen[40..].to_vec(), "[{backend}] last: 5");
        assert_eq!(data["projects"]["pageInfo"]["hasPreviousPage"], true);
        let before = data["projects"]["pageInfo"]["startCursor"].clone();
        let data = app
            .data(query, json!({ "last": 5, "before": before }))
            .await;
        let prev: Vec<String> = data["projects"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["code"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(prev, seen[35..40].to_vec(), "[{backend}] before cursor");
        app.finish().await;
    }
}

#[tokio::test]
async fn territory_filter_includes_projects_of_hromadas_below_the_oblast() {
    for app in spawn_apps(true).await {
        let data = app
            .data(r#"{ territory(code: "UA-32") { id code } }"#, json!({}))
            .await;
        let kyiv_oblast = data["territory"]["id"].clone();
        let data = app
            .data(
                r#"query($t: ID!) { projects(first: 100, filter: {territoryId: $t}) { nodes { code territory { level parent { isoCode } } } }
                     members(first: 100, filter: {territoryId: $t}) { nodes { slug } } }"#,
                json!({ "t": kyiv_oblast }),
            )
            .await;
        let codes: Vec<&str> = data["projects"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter_map(|p| p["code"].as_str())
            .collect();
        assert_eq!(
            codes.len(),
            2,
            "[{}] Irpin and Bucha: {codes:?}",
            app.backend
        );
        assert!(codes.contains(&"UA-IRP-2024-001") && codes.contains(&"UA-BUC-2025-001"));
        for p in data["projects"]["nodes"].as_array().expect("nodes") {
            assert_eq!(p["territory"]["level"], "HROMADA");
            assert_eq!(p["territory"]["parent"]["isoCode"], "UA-32");
        }
        let members = data["members"]["nodes"].to_string();
        assert!(
            members.contains("irpin") && members.contains("bucha") && !members.contains("kharkiv"),
            "{members}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn relations_are_navigable_in_both_directions_and_node_resolves_every_type() {
    for app in spawn_apps(true).await {
        let data = app
            .data(
                r#"{ project(code: "UA-KHA-2025-001") { id owner { id slug projects { nodes { code } } participations { nodes { project { code } } }
                       offers { nodes { id } } needs { nodes { id project { code } matches { nodes { id offer { id member { slug } } } } } }
                       partnerships { nodes { id euMember { slug } cluster { id slug focusMember { slug } partnerships { totalCount } } } }
                       affiliations { nodes { id association { slug affiliates { totalCount } } } } responsibilities { nodes { id } } clusters { nodes { slug } } }
                     participants { nodes { id member { slug participations { totalCount } } } }
                     funding { nodes { id funder { slug fundings { totalCount } } } }
                     indicators { nodes { id titles { en uk } } } documents { nodes { id url } }
                     responsibilities { nodes { id level raci actor { slug responsibilities { totalCount } } principles { id number responsibilities { totalCount } } } }
                     territory { id children { totalCount } parent { id name children { totalCount } } } }
                   member(slug: "eib") { id identifiers { nodes { id scheme value } } }
                   oecdPrinciples { id number pillar title }
                   assistanceOffers(first: 1) { nodes { id } }
                   assistanceMatches { nodes { id status } } }"#,
                json!({}),
            )
            .await;
        let project = &data["project"];
        assert_eq!(project["owner"]["slug"], "kharkiv");
        assert!(
            project["owner"]["projects"]
                .to_string()
                .contains("UA-KHA-2025-001")
        );
        assert_eq!(
            project["owner"]["clusters"]["nodes"][0]["slug"],
            "kharkiv-cluster"
        );
        assert_eq!(data["oecdPrinciples"].as_array().map(Vec::len), Some(12));
        assert_eq!(
            data["member"]["identifiers"]["nodes"][0]["scheme"],
            "IATI_ORG_ID"
        );
        assert_eq!(project["territory"]["parent"]["children"]["totalCount"], 1);

        // Every id in the answer resolves through node(id) to an object with the same id.
        let mut found = Vec::new();
        collect_ids(&data, &mut found);
        found.sort();
        found.dedup();
        let ids: Vec<&str> = found.iter().map(String::as_str).collect();
        let answer = app
            .data(
                "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
                json!({ "ids": ids }),
            )
            .await;
        let nodes = answer["nodes"].as_array().expect("nodes");
        let mut types: Vec<&str> = nodes
            .iter()
            .filter_map(|n| n["__typename"].as_str())
            .collect();
        for (node, id) in nodes.iter().zip(&ids) {
            assert_eq!(
                node["id"].as_str(),
                Some(*id),
                "[{}] node({id})",
                app.backend
            );
        }
        types.sort();
        types.dedup();
        for expected in [
            "AssistanceMatch",
            "AssistanceNeed",
            "AssistanceOffer",
            "Affiliation",
            "Cluster",
            "DocumentLink",
            "Funding",
            "Indicator",
            "Member",
            "MemberIdentifier",
            "OecdPrinciple",
            "Participant",
            "Partnership",
            "Project",
            "Responsibility",
            "Territory",
        ] {
            assert!(
                types.contains(&expected),
                "[{}] node resolved no {expected}: {types:?}",
                app.backend
            );
        }
        app.finish().await;
    }
}

fn collect_ids(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "id" {
                    if let Some(id) = v.as_str() {
                        out.push(id.to_owned());
                    }
                } else {
                    collect_ids(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ids(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn bad_arguments_get_bad_user_input_naming_the_argument_and_leak_nothing() {
    for app in spawn_apps(true).await {
        let cases = [
            ("{ projects(first: 101) { nodes { code } } }", "first"),
            ("{ projects(first: -1) { nodes { code } } }", "first"),
            ("{ projects(first: 1, last: 1) { nodes { code } } }", "last"),
            (
                r#"{ projects(after: "bm90IGEgY3Vyc29y") { nodes { code } } }"#,
                "after",
            ),
            (r#"{ node(id: "%%%") { id } }"#, "id"),
            (
                r#"{ projects(filter: {territoryId: "TWVtYmVyOjE"}) { nodes { code } } }"#,
                "filter.territoryId",
            ),
            (
                "{ responsibilities(filter: {principle: 13}) { nodes { id } } }",
                "filter.principle",
            ),
            (
                r#"{ territory(code: "UA-63") { children(first: 500) { nodes { id } } } }"#,
                "first",
            ),
            (
                r#"{ members(filter: {countries: ["Poland"]}) { nodes { slug } } }"#,
                "filter.countries",
            ),
            (
                r#"{ projects(filter: {sectorCodes: ["1' OR '1'='1"]}) { nodes { code } } }"#,
                "filter.sectorCodes",
            ),
            (
                r#"{ assistanceOffers(filter: {language: "ukrainian"}) { nodes { id } } }"#,
                "filter.language",
            ),
        ];
        for (query, argument) in cases {
            let body = app.graphql(query, json!({})).await;
            let error = &body["errors"][0];
            assert_eq!(
                error["extensions"]["code"], "BAD_USER_INPUT",
                "[{}] {query}: {body}",
                app.backend
            );
            assert_eq!(error["extensions"]["argument"], argument, "{query}: {body}");
            let message = error["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(argument.rsplit('.').next().unwrap_or(argument)),
                "{message}"
            );
            let text = body.to_string().to_lowercase();
            for leak in [
                "select ", "sqlx", "sqlite", "postgres", "/src/", ".rs:", "dberr",
            ] {
                assert!(
                    !text.contains(leak),
                    "[{}] leaked {leak:?}: {body}",
                    app.backend
                );
            }
        }
        // Values the engine rejects before any resolver runs are BAD_USER_INPUT too, naming the argument.
        for (query, variables, named) in [
            (
                "{ projects(filter: {statuses: [UNDERWAY]}) { nodes { code } } }",
                json!({}),
                "filter",
            ),
            (
                "query($s: DateTime!) { projects(filter: {updatedSince: $s}) { nodes { code } } }",
                json!({ "s": "yesterday" }),
                "ProjectFilter",
            ),
        ] {
            let body = app.graphql(query, variables).await;
            let error = &body["errors"][0];
            assert_eq!(
                error["extensions"]["code"], "BAD_USER_INPUT",
                "[{}] {query}: {body}",
                app.backend
            );
            assert!(
                error["message"].as_str().is_some_and(|m| m.contains(named)),
                "{body}"
            );
        }
        let body = app
            .graphql("{ projects { nodes { nosuchfield } } }", json!({}))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{body}"
        );
        // A cursor of another ordering is refused, not misapplied.
        let data = app
            .data(
                "{ projects(first: 1) { pageInfo { endCursor } } }",
                json!({}),
            )
            .await;
        let cursor = data["projects"]["pageInfo"]["endCursor"].clone();
        let body = app.graphql("query($c: String) { projects(after: $c, orderBy: {field: CODE}) { nodes { code } } }", json!({ "c": cursor })).await;
        assert_eq!(body["errors"][0]["extensions"]["argument"], "after");
        // A cursor whose value does not fit the sort column is refused, not compared.
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"key":"CREATED_AT:DESC","value":{"t":"Text","v":"x"},"id":1}"#);
        let body = app
            .graphql(
                "query($c: String) { projects(after: $c) { nodes { code } } }",
                json!({ "c": forged }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "[{}] {body}",
            app.backend
        );
        // An unknown but well-formed id is simply null.
        let unknown = alliance_api::ids::encode("Project", 999_999);
        let data = app
            .data(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": unknown }),
            )
            .await;
        assert!(data["node"].is_null());
        app.finish().await;
    }
}

#[tokio::test]
async fn updated_since_returns_only_records_changed_since() {
    for backend in tests::backends() {
        let app = spawn_app(backend, false).await;
        insert_projects(&app.db, 3, "old").await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let since = chrono::Utc::now();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        insert_projects(&app.db, 2, "new").await;
        let data = app
            .data("query($s: DateTime!) { projects(filter: {updatedSince: $s}) { totalCount nodes { code } } }", json!({ "s": since.to_rfc3339() }))
            .await;
        assert_eq!(data["projects"]["totalCount"], 2, "[{backend}] {data}");
        assert!(data.to_string().contains("new-00000"));
        app.finish().await;
    }
}

#[tokio::test]
async fn text_follows_accept_language_unless_a_language_is_asked_for() {
    for app in spawn_apps(true).await {
        let query = r#"{ project(code: "UA-KHA-2025-001") { title english: title(lang: EN) } }"#;
        let uk = app
            .graphql_with(
                query,
                json!({}),
                &[("Accept-Language", "uk-UA,uk;q=0.9,en;q=0.5")],
            )
            .await;
        assert_eq!(uk["data"]["project"]["title"], "Відбудова школи № 134");
        assert_eq!(
            uk["data"]["project"]["english"],
            "School No. 134 reconstruction"
        );
        let en = app.graphql(query, json!({})).await;
        assert_eq!(
            en["data"]["project"]["title"],
            "School No. 134 reconstruction"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn health_and_readiness_endpoints_answer() {
    for app in spawn_apps(false).await {
        assert_eq!(app.get("/healthz").await.0, 200);
        let (status, body) = app.get("/readyz").await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("ready"));
        let (status, page) = app.get("/graphql").await;
        assert_eq!(status, 200);
        assert!(page.contains("graphiql"), "GraphiQL served");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_public_match_stays_hidden_while_its_offer_is_a_draft() {
    use sea_orm::ConnectionTrait;
    for app in spawn_apps(true).await {
        let query = "{ assistanceMatches { totalCount nodes { status offer { title } } } }";
        let before = app.data(query, json!({})).await;
        assert_eq!(
            before["assistanceMatches"]["totalCount"], 1,
            "[{}] the active demo match: {before}",
            app.backend
        );
        app.db
            .execute_unprepared("UPDATE assistance_offer SET status = 'DRAFT' WHERE id IN (SELECT offer_id FROM assistance_match WHERE status = 'ACTIVE')")
            .await
            .expect("update");
        let after = app.data(query, json!({})).await;
        assert_eq!(
            after["assistanceMatches"]["totalCount"], 0,
            "[{}] {after}",
            app.backend
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn before_alone_returns_the_rows_just_before_the_cursor() {
    for backend in tests::backends() {
        let app = spawn_app(backend, false).await;
        insert_projects(&app.db, 30, "back").await;
        let query = "query($b: String) { projects(before: $b, orderBy: {field: CODE}) { nodes { code } pageInfo { startCursor } } }";
        let all = app.data("{ projects(first: 30, orderBy: {field: CODE}) { edges { cursor node { code } } } }", json!({})).await;
        let edges = all["projects"]["edges"].as_array().expect("edges");
        let cursor = edges[25]["cursor"].clone();
        let data = app.data(query, json!({ "b": cursor })).await;
        let codes: Vec<&str> = data["projects"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter_map(|n| n["code"].as_str())
            .collect();
        let expected: Vec<&str> = edges[5..25]
            .iter()
            .filter_map(|e| e["node"]["code"].as_str())
            .collect();
        assert_eq!(codes, expected, "[{backend}]");
        app.finish().await;
    }
}

/// Nested pages, forwards and backwards, for several parents at once: each
/// parent's rows come once each, in the list's order, on every database.
#[tokio::test]
async fn nested_pages_walk_each_parents_rows_once_in_order_both_ways() {
    const PAGE: &str = r#"query($slug: String!, $first: Int, $after: String, $last: Int, $before: String) {
      member(slug: $slug) { projects(first: $first, after: $after, last: $last, before: $before) {
        nodes { code } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }
    }"#;
    fn codes(connection: &Value) -> Vec<String> {
        connection["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["code"].as_str().expect("code").to_owned())
            .collect()
    }
    for backend in tests::backends() {
        let app = spawn_app(backend, false).await;
        insert_projects(&app.db, 30, "np").await;
        // Member k owns projects k, k + 3, …; newest (highest number) first.
        let expected = |k: usize| -> Vec<String> {
            (0..30)
                .rev()
                .filter(|i| i % 3 == k)
                .map(|i| format!("np-{i:05}"))
                .collect()
        };
        // The first pages of all three owners come from one list.
        let data = app
            .data(
                r#"{ members(first: 10, orderBy: {field: SLUG, direction: ASC}) { nodes { slug projects(first: 4) { nodes { code } pageInfo { hasNextPage } } } } }"#,
                json!({}),
            )
            .await;
        let members = data["members"]["nodes"].as_array().expect("members");
        assert_eq!(members.len(), 3, "[{backend}] {data}");
        for (k, member) in members.iter().enumerate() {
            assert_eq!(
                codes(&member["projects"]),
                expected(k)[..4],
                "[{backend}] {member}"
            );
            assert_eq!(member["projects"]["pageInfo"]["hasNextPage"], true);
        }
        for k in 0..3 {
            let slug = format!("np-member-{k}");
            let mut forwards = Vec::new();
            let mut after = Value::Null;
            loop {
                let data = app
                    .data(PAGE, json!({ "slug": slug, "first": 4, "after": after }))
                    .await;
                let connection = &data["member"]["projects"];
                forwards.extend(codes(connection));
                if connection["pageInfo"]["hasNextPage"] != true {
                    break;
                }
                after = connection["pageInfo"]["endCursor"].clone();
            }
            assert_eq!(forwards, expected(k), "[{backend}] forwards");
            let mut backwards: Vec<String> = Vec::new();
            let mut before = Value::Null;
            loop {
                let data = app
                    .data(PAGE, json!({ "slug": slug, "last": 4, "before": before }))
                    .await;
                let connection = &data["member"]["projects"];
                let mut page = codes(connection);
                page.append(&mut backwards);
                backwards = page;
                if connection["pageInfo"]["hasPreviousPage"] != true {
                    break;
                }
                before = connection["pageInfo"]["startCursor"].clone();
            }
            assert_eq!(backwards, expected(k), "[{backend}] backwards");
        }
        app.finish().await;
    }
}

/// A project read by its global ID on the general path (`createdAt` in the
/// selection: not built as JSON) reads its owner in the same statement: the
/// project with its owner, then its responsibilities with their actors, two
/// statements for three levels; the answer is the one `project(code)` gives.
#[tokio::test]
async fn a_node_reads_its_to_one_rows_with_it() {
    for backend in tests::backends() {
        let app = spawn_app(backend, true).await;
        let listed = app
            .data(
                "{ projects(first: 100) { nodes { id code responsibilities { totalCount } } } }",
                json!({}),
            )
            .await;
        let project = listed["projects"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|n| n["responsibilities"]["totalCount"].as_u64() > Some(1))
            .cloned()
            .expect("a demo project with responsibilities");
        const SHOWN: &str = "code createdAt status owner { slug name } responsibilities(first: 20) { nodes { function raci actor { slug } } }";
        let (by_id, statements) = app
            .data_and_statements(
                &format!("query($id: ID!) {{ node(id: $id) {{ ... on Project {{ {SHOWN} }} }} }}"),
                json!({ "id": project["id"] }),
            )
            .await;
        assert_eq!(statements, 2, "[{backend}] statements: {statements}");
        let by_code = app
            .data(
                &format!("query($code: String!) {{ project(code: $code) {{ {SHOWN} }} }}"),
                json!({ "code": project["code"] }),
            )
            .await;
        assert!(
            by_id["node"]["owner"]["slug"].is_string(),
            "[{backend}] {by_id}"
        );
        assert_eq!(by_id["node"], by_code["project"], "[{backend}]");
        app.finish().await;
    }
}
