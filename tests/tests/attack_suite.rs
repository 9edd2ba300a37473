//! Hostile input, category by category: every answer is quick, below 500,
//! leaks nothing internal, and the service keeps serving.

use std::time::{Duration, Instant};

use alliance_api::auth::Role;
use alliance_api::config::Limits;
use serde_json::{Value, json};
use tests::ws::{Incoming, WsClient};
use tests::{TestApp, spawn_app_with, spawn_apps};

/// Text that must never reach a client.
const LEAKS: [&str; 12] = [
    "\"project\".",
    "sqlx",
    "sea_orm",
    "DbErr",
    "panicked",
    "/work/",
    "/root/",
    ".rs:",
    "RUST_BACKTRACE",
    "stack backtrace",
    "syntax error at",
    "constraint",
];

/// The slowest acceptable answer to an attack.
const FAST: Duration = Duration::from_secs(2);

struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
    fn code(&self) -> String {
        let body = self.json();
        let first = if body.is_array() { &body[0] } else { &body };
        first["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Sends one attack and checks what every attack must get.
async fn attack(app: &TestApp, category: &str, request: reqwest::RequestBuilder) -> Answer {
    let started = Instant::now();
    let response = request.send().await.unwrap_or_else(|e| {
        let e: String = e.to_string().chars().take(200).collect();
        panic!("[{}] {category}: no answer: {e}", app.backend)
    });
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    let took = started.elapsed();
    assert!(
        status < 500,
        "[{}] {category}: HTTP {status}: {body:.300}",
        app.backend
    );
    assert!(took < FAST, "[{}] {category}: took {took:?}", app.backend);
    for leak in LEAKS {
        assert!(
            !body.contains(leak),
            "[{}] {category}: leaks {leak:?}: {body:.300}",
            app.backend
        );
    }
    Answer { status, body }
}

fn post(app: &TestApp, body: Value) -> reqwest::RequestBuilder {
    app.client()
        .post(format!("{}/graphql", app.address))
        .json(&body)
}

fn query(app: &TestApp, query: &str, variables: Value) -> reqwest::RequestBuilder {
    post(app, json!({ "query": query, "variables": variables }))
}

#[tokio::test]
#[allow(clippy::too_many_lines)]
async fn hostile_requests_are_refused_quickly_and_leak_nothing() {
    for app in spawn_apps(true).await {
        let mut categories = 0;
        let mut run = |_: &str| categories += 1;

        // 1. Depth.
        run("depth");
        let deep = format!(
            "{{ {} }}",
            "members { nodes { projects { nodes { owner { ".repeat(6) + &"id } } } } }".repeat(6)
        );
        let a = attack(&app, "depth", query(&app, &deep, json!({}))).await;
        assert_eq!(a.code(), "LIMIT_EXCEEDED", "{}", a.body);

        // 2. Complexity: connection sizes multiply.
        run("complexity");
        let a = attack(&app, "complexity", query(&app, "{ members(first: 100) { nodes { projects(first: 100) { nodes { participants(first: 100) { nodes { member { name } } } } } } } }", json!({}))).await;
        assert_eq!(a.code(), "LIMIT_EXCEEDED", "{}", a.body);

        // 3. Aliases.
        run("aliases");
        let aliases: String = (0..2000)
            .map(|i| format!("a{i}: projects(first: 100) {{ totalCount }} "))
            .collect();
        let a = attack(
            &app,
            "aliases",
            query(&app, &format!("{{ {aliases} }}"), json!({})),
        )
        .await;
        assert_eq!(a.code(), "LIMIT_EXCEEDED");

        // 4. Duplicated fields.
        run("duplicated fields");
        let same = "projects(first: 100) { nodes { code } } ".repeat(3000);
        let a = attack(
            &app,
            "duplicated fields",
            query(&app, &format!("{{ {same} }}"), json!({})),
        )
        .await;
        assert_eq!(a.code(), "LIMIT_EXCEEDED");

        // 5. Fragment cycles.
        run("fragment cycle");
        let a = attack(
            &app,
            "fragment cycle",
            query(
                &app,
                "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
                json!({}),
            ),
        )
        .await;
        assert!(a.json()["errors"].is_array());

        // 6. Fragments spread many times over (a "billion laughs").
        run("fragment explosion");
        let mut laughs =
            String::from("query { ...F9 } fragment F0 on Query { projects { totalCount } }");
        for level in 1..10 {
            laughs.push_str(&format!(
                " fragment F{level} on Query {{ {} }}",
                format!("...F{} ", level - 1).repeat(10)
            ));
        }
        let a = attack(&app, "fragment explosion", query(&app, &laughs, json!({}))).await;
        assert_eq!(a.code(), "LIMIT_EXCEEDED");

        // 7. Directive flood.
        run("directives");
        let flood = "@include(if: true) ".repeat(500);
        let a = attack(
            &app,
            "directives",
            query(&app, &format!("{{ __typename {flood} }}"), json!({})),
        )
        .await;
        assert!(a.json()["errors"].is_array(), "{}", a.body);

        // 8. Batches (off by default).
        run("batch");
        let batch: Vec<Value> = (0..1000)
            .map(|_| json!({ "query": "{ projects(first: 100) { totalCount } }" }))
            .collect();
        let a = attack(&app, "batch", post(&app, json!(batch))).await;
        assert_eq!(a.status, 400);

        // 9. A huge body.
        run("huge body");
        let a = attack(
            &app,
            "huge body",
            post(
                &app,
                json!({ "query": "{ __typename }", "variables": { "x": "y".repeat(2 << 20) } }),
            ),
        )
        .await;
        assert_eq!(a.status, 413);

        // 10. A huge string argument.
        run("huge string");
        let a = attack(
            &app,
            "huge string",
            query(
                &app,
                "query($t: String) { projects(filter: { titleContains: $t }) { totalCount } }",
                json!({ "t": "ж".repeat(100_000) }),
            ),
        )
        .await;
        assert!(a.status == 200, "{}", a.body);

        // 11. Deep nesting of argument values.
        run("deep argument");
        let nested = "[".repeat(200) + &"]".repeat(200);
        let a = attack(
            &app,
            "deep argument",
            query(
                &app,
                &format!("{{ projects(filter: {{ sectorCodes: {nested} }}) {{ totalCount }} }}"),
                json!({}),
            ),
        )
        .await;
        assert_eq!(a.code(), "LIMIT_EXCEEDED", "{}", a.body);

        // 12. Deep nesting of variables, and JSON deeper than any parser allows.
        run("deep variables");
        let mut deep_value = json!("x");
        for _ in 0..60 {
            deep_value = json!([deep_value]);
        }
        let a = attack(
            &app,
            "deep variables",
            query(
                &app,
                "query($c: [String!]) { projects(filter: { sectorCodes: $c }) { totalCount } }",
                json!({ "c": deep_value }),
            ),
        )
        .await;
        assert_eq!(a.code(), "LIMIT_EXCEEDED", "{}", a.body);
        let very_deep = format!(
            "{{\"query\":\"{{ __typename }}\",\"variables\":{{\"x\":{}1{}}}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let a = attack(
            &app,
            "very deep JSON",
            app.client()
                .post(format!("{}/graphql", app.address))
                .header("Content-Type", "application/json")
                .body(very_deep),
        )
        .await;
        assert_eq!(a.status, 400);

        // 13. Integer overflow and out-of-range numbers.
        run("integers");
        for bad in ["99999999999999999999", "2147483648", "-1", "1e400", "0"] {
            let a = attack(
                &app,
                "integers",
                query(
                    &app,
                    &format!("{{ projects(first: {bad}) {{ totalCount }} }}"),
                    json!({}),
                ),
            )
            .await;
            assert!(a.json()["errors"].is_array(), "first: {bad}: {}", a.body);
        }
        let a = attack(
            &app,
            "integers in variables",
            query(
                &app,
                "query($n: Int) { projects(first: $n) { totalCount } }",
                json!({ "n": 1e300 }),
            ),
        )
        .await;
        assert!(a.json()["errors"].is_array());

        // 14. Injection strings in every filter.
        run("injection");
        let total =
            app.data("{ projects { totalCount } }", json!({})).await["projects"]["totalCount"]
                .clone();
        for evil in [
            "' OR 1=1 --",
            "%",
            "_",
            "\\",
            "'; DROP TABLE project; --",
            "\" OR \"\"=\"",
            "$1",
            "%' UNION SELECT password FROM pg_shadow --",
        ] {
            let a = attack(&app, "injection", query(&app, "query($t: String, $d: String) { projects(filter: { titleContains: $t, dreamId: $d }) { totalCount } members(filter: { nameContains: $t }) { totalCount } }", json!({ "t": evil, "d": evil }))).await;
            let body = a.json();
            assert_eq!(
                body["data"]["projects"]["totalCount"], 0,
                "{evil}: {}",
                a.body
            );
            assert_eq!(
                body["data"]["members"]["totalCount"], 0,
                "{evil}: {}",
                a.body
            );
            let a = attack(
                &app,
                "injection in codes",
                query(
                    &app,
                    "query($c: [String!]) { projects(filter: { sectorCodes: $c }) { totalCount } }",
                    json!({ "c": [evil] }),
                ),
            )
            .await;
            assert_eq!(a.code(), "BAD_USER_INPUT", "{}", a.body);
        }
        let still = app.data("{ projects { totalCount } }", json!({})).await;
        assert_eq!(
            still["projects"]["totalCount"], total,
            "nothing was dropped"
        );

        // 15. Unicode, NUL bytes and invalid UTF-8.
        run("unicode and NUL");
        for text in [
            "\u{0000}",
            "a\u{0000}b",
            "\u{202e}evil",
            "🏳️‍🌈",
            "\u{FEFF}",
            "Ω≈ç√∫",
        ] {
            let a = attack(
                &app,
                "unicode",
                query(
                    &app,
                    "query($t: String) { projects(filter: { titleContains: $t }) { totalCount } }",
                    json!({ "t": text }),
                ),
            )
            .await;
            if text.contains('\0') {
                assert_eq!(a.code(), "BAD_USER_INPUT", "{}", a.body);
            } else {
                assert!(a.json()["data"]["projects"].is_object(), "{}", a.body);
            }
        }
        let a = attack(
            &app,
            "NUL in a literal",
            query(
                &app,
                "{ projects(filter: { titleContains: \"a\\u0000\" }) { totalCount } }",
                json!({}),
            ),
        )
        .await;
        assert_eq!(a.code(), "BAD_USER_INPUT", "{}", a.body);
        let a = attack(
            &app,
            "invalid UTF-8",
            app.client()
                .post(format!("{}/graphql", app.address))
                .header("Content-Type", "application/json")
                .body(vec![b'{', 0xff, 0xfe, b'}']),
        )
        .await;
        assert_eq!(a.status, 400);

        // 16. IDOR through node(id) on drafts.
        run("IDOR");
        let coordinator = app.token(Role::Coordinator, None);
        let draft = app
            .create_draft(&coordinator, "UA-SECRET-DRAFT", "Secret")
            .await;
        let other_editor = app.token(Role::Editor, Some("mykolaiv"));
        for token in [None, Some(other_editor.as_str())] {
            let mut request = query(
                &app,
                r#"query($id: ID!) { node(id: $id) { id ... on Project { title } } nodes(ids: [$id]) { id } project(code: "UA-SECRET-DRAFT") { id } projects(filter: { titleContains: "Secret" }) { totalCount } }"#,
                json!({ "id": draft }),
            );
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let a = attack(&app, "IDOR", request).await;
            let body = a.json();
            assert!(
                body["data"]["node"].is_null()
                    && body["data"]["nodes"][0].is_null()
                    && body["data"]["project"].is_null(),
                "{}",
                a.body
            );
            assert_eq!(body["data"]["projects"]["totalCount"], 0);
            assert!(!a.body.contains("Secret"));
        }

        // 17. Forged and malformed global IDs.
        run("forged ids");
        for id in [
            "",
            "x",
            "UHJvamVjdDotMQ",
            "UHJvamVjdDo5OTk5OTk5OTk5OTk5OTk5OTk5OQ",
            "../../etc/passwd",
            &"A".repeat(10_000),
        ] {
            let a = attack(
                &app,
                "forged ids",
                query(
                    &app,
                    "query($id: ID!) { node(id: $id) { id } }",
                    json!({ "id": id }),
                ),
            )
            .await;
            assert!(
                a.json()["errors"].is_array() || a.json()["data"]["node"].is_null(),
                "{id}: {}",
                a.body
            );
        }

        // 18. Forged cursors.
        run("forged cursors");
        for cursor in [
            "x",
            "eyJrZXkiOiJTRVE6QVNDIn0",
            "eyJrZXkiOiJDUkVBVEVEX0FUOkRFU0MiLCJ2YWx1ZSI6eyJ0IjoiVGV4dCIsInYiOiInIE9SIDE9MSJ9LCJpZCI6MX0",
            &"Z".repeat(50_000),
        ] {
            let a = attack(
                &app,
                "forged cursors",
                query(
                    &app,
                    "query($c: String) { projects(after: $c) { totalCount } }",
                    json!({ "c": cursor }),
                ),
            )
            .await;
            assert_eq!(a.code(), "BAD_USER_INPUT", "{cursor:.40}: {}", a.body);
        }

        // 19. Mutations over GET.
        run("GET mutation");
        let a = attack(&app, "GET mutation", app.client().get(format!("{}/graphql", app.address)).query(&[("query", "mutation { archiveProject(input: { id: \"x\", expectedVersion: 1 }) { userErrors { code } } }")])).await;
        assert_eq!(a.status, 405);

        // 20. Wrong content types (cross-site requests without preflight).
        run("content types");
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/xml",
        ] {
            let a = attack(
                &app,
                "content types",
                app.client()
                    .post(format!("{}/graphql", app.address))
                    .header("Content-Type", content_type)
                    .body(r#"{"query":"{ __typename }"}"#),
            )
            .await;
            assert_eq!(a.status, 415);
        }

        // 21. Malformed JSON and wrong shapes.
        run("malformed JSON");
        for body in [
            "",
            "{",
            "[]",
            "null",
            "42",
            r#"{"query": 5}"#,
            r#"{"query": "{ __typename }", "variables": "x"}"#,
        ] {
            let a = attack(
                &app,
                "malformed JSON",
                app.client()
                    .post(format!("{}/graphql", app.address))
                    .header("Content-Type", "application/json")
                    .body(body),
            )
            .await;
            assert!(
                a.status == 400 || a.json()["errors"].is_array(),
                "{body}: {} {}",
                a.status,
                a.body
            );
        }

        // 22. Garbage credentials.
        run("credentials");
        for header in [
            "Bearer",
            "Bearer ",
            "Basic YWRtaW46YWRtaW4=",
            &format!("Bearer {}", "a".repeat(100_000)),
            "Bearer a.b.c",
            "bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        ] {
            let a = attack(
                &app,
                "credentials",
                post(&app, json!({ "query": "{ __typename }" })).header("Authorization", header),
            )
            .await;
            assert!(
                a.status == 401 || a.status == 431 || a.status == 400,
                "{header:.30}: {}",
                a.status
            );
        }

        // 23. Operation confusion.
        run("operations");
        for (body, what) in [
            (
                json!({ "query": "query A { __typename } query B { __typename }" }),
                "two operations, no name",
            ),
            (
                json!({ "query": "query A { __typename }", "operationName": "Z" }),
                "unknown name",
            ),
            (
                json!({ "query": "subscription { changes { sequence } }" }),
                "a subscription over HTTP",
            ),
            (json!({ "query": "" }), "empty"),
            (json!({ "query": "{ __typename } }}}}}" }), "syntax"),
        ] {
            let a = attack(&app, what, post(&app, body)).await;
            assert!(a.json()["errors"].is_array(), "{what}: {}", a.body);
        }

        // 24. Introspection and field suggestions, on by default (the embedded default).
        run("introspection probe");
        let a = attack(
            &app,
            "introspection",
            query(
                &app,
                "{ __schema { types { name fields { name } } } }",
                json!({}),
            ),
        )
        .await;
        assert!(a.json()["data"]["__schema"].is_object());

        // 25. Path tricks on downloads.
        run("download paths");
        for path in [
            "/exports/..%2F..%2Fetc%2Fpasswd",
            "/exports/projects.csv%00.xml",
            "/exports/iati-activities.xml?filter=%7B%22titleContains%22%3A%22%27%20OR%201%3D1%22%7D",
            "/exports/projects.csv?filter=%5B%5B%5B%5B",
        ] {
            let a = attack(
                &app,
                "download paths",
                app.client().get(format!("{}{path}", app.address)),
            )
            .await;
            assert!(matches!(a.status, 200 | 400 | 404), "{path}: {}", a.status);
        }

        // 26. Huge URLs and headers.
        run("huge URL");
        let a = attack(
            &app,
            "huge URL",
            app.client().get(format!(
                "{}/graphql?query={}",
                app.address,
                "a".repeat(30_000)
            )),
        )
        .await;
        assert!(a.status >= 400 || a.json()["errors"].is_array());

        // 27. Mutation inputs with huge lists.
        run("huge lists");
        let principles: Vec<&str> = vec!["RESILIENCE"; 20_000];
        let a = attack(&app, "huge lists", query(&app, "mutation($p: [BuildBackBetter!]) { updateProject(input: { id: \"UHJvamVjdDox\", expectedVersion: 1, principles: $p }) { userErrors { code } } }", json!({ "p": principles })).bearer_auth(&coordinator)).await;
        assert!(a.status == 413 || a.json()["errors"].is_array() || a.json()["data"].is_object());

        // 28. A fragment explosion in an operation that is not the one selected.
        run("unselected operation");
        let mut hidden = String::from(
            "query A { __typename } query B { ...F7 } fragment F0 on Query { __typename }",
        );
        for level in 1..8 {
            hidden.push_str(&format!(
                " fragment F{level} on Query {{ {} }}",
                format!("...F{} ", level - 1).repeat(40)
            ));
        }
        for name in ["A", "nope"] {
            let a = attack(
                &app,
                "unselected operation",
                post(&app, json!({ "query": hidden, "operationName": name })),
            )
            .await;
            assert!(
                matches!(a.code().as_str(), "LIMIT_EXCEEDED" | "BAD_USER_INPUT"),
                "{}",
                a.body
            );
        }

        // 29. Brackets hidden behind string escapes, deep enough to exhaust the parser's stack.
        run("hidden nesting");
        let deep = "[".repeat(30_000) + &"]".repeat(30_000);
        for text in [
            format!("{{ a(x: \"\"\"\\\\\"\"\"\"\"\", y: {deep}) }}"),
            format!("{{ a(x: \"\\\\\", y: {deep}) }}"),
            format!("{{ a(x: \"\"\"\n{deep}\n\"\"\") }} {deep}"),
            format!("# comment\r{{ a(y: {deep}) }}"),
        ] {
            let a = attack(&app, "hidden nesting", post(&app, json!({ "query": text }))).await;
            assert!(
                a.json()["errors"].is_array(),
                "{} {:.200}",
                a.status,
                a.body
            );
        }

        assert!(categories >= 29, "{categories} categories");
        // Still serving.
        let (status, _) = app.get("/healthz").await;
        assert_eq!(status, 200);
        let alive = app.data("{ projects { totalCount } }", json!({})).await;
        assert!(alive["projects"]["totalCount"].is_number());
        app.finish().await;
    }
}

#[tokio::test]
async fn probes_learn_nothing_when_introspection_is_off() {
    let app = spawn_app_with(
        "sqlite",
        true,
        Limits {
            introspection: false,
            ..tests::limits()
        },
    )
    .await;
    for probe in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"Project\") { fields { name } } }",
        "{ projet { id } }",
        "{ projects { nodes { titel } } }",
        "{ project(code: \"x\") { ... on Membr { id } } }",
        "{ _service { sdl } }",
    ] {
        let a = attack(&app, "probe", query(&app, probe, json!({}))).await;
        for name in [
            "Project",
            "Member",
            "projects",
            "title",
            "Query",
            "Did you mean",
        ] {
            assert!(!a.body.contains(name), "{probe}: names {name}: {}", a.body);
        }
    }
    // Over the WebSocket too: the subgraph SDL is the whole schema.
    let mut ws = WsClient::open(&app.address, None).await;
    ws.subscribe("sdl", "{ _service { sdl } }", json!({})).await;
    let mut answered = false;
    while let Some(incoming) = ws.receive_within(Duration::from_secs(5)).await {
        let Incoming::Message(message) = incoming else {
            break;
        };
        let text = message.to_string();
        assert!(!text.contains("Project"), "names the schema: {text}");
        if message["id"] == "sdl" {
            answered = true;
            assert_eq!(message["type"], "error", "refused: {text}");
            break;
        }
    }
    assert!(answered, "the WebSocket answered the probe");
    app.finish().await;
}

/// The global ID of the member with `slug`.
async fn member_id(app: &TestApp, slug: &str) -> String {
    let data = app
        .coordinator_data(
            "query($s: String!) { member(slug: $s) { id } }",
            json!({ "s": slug }),
        )
        .await;
    data["member"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("member {slug}"))
        .to_owned()
}

/// The global ID of the project with `code`.
async fn project_id(app: &TestApp, code: &str) -> String {
    let data = app
        .coordinator_data(
            "query($c: String!) { project(code: $c) { id } }",
            json!({ "c": code }),
        )
        .await;
    data["project"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("project {code}"))
        .to_owned()
}

const RECORD_FUNDING: &str = "mutation($i: RecordFundingInput!) { recordFunding(input: $i) { funding { id reportedAs reportedBy { slug } } userErrors { code message } } }";

fn pledge(project: &str, funder: &str, amount: &str) -> Value {
    json!({ "i": { "projectId": project, "funderId": funder, "stage": "PLEDGED",
        "financeType": "STANDARD_GRANT", "valueDate": "2026-01-15",
        "amount": { "amount": amount, "currency": "EUR" } } })
}

/// The applicant Tampere linked by the secretariat into Kharkiv's
/// published school as participant and funder of a 5,000,000 EUR pledge.
async fn applicant_linked_into_a_public_project(app: &TestApp) {
    let coordinator = app.token(Role::Coordinator, None);
    let (school, tampere) = (
        project_id(app, "UA-KHA-2025-001").await,
        member_id(app, "tampere").await,
    );
    let (_, added) = app
        .graphql_as(
            Some(&coordinator),
            "mutation($i: AddParticipantInput!) { addParticipant(input: $i) { participant { id } } }",
            json!({ "i": { "projectId": school, "memberId": tampere,
                "organisationRole": "FUNDING", "allianceRole": "SUPPORTING_PARTNER" } }),
        )
        .await;
    assert!(
        added["data"]["addParticipant"]["participant"]["id"].is_string(),
        "{added}"
    );
    let (_, recorded) = app
        .graphql_as(
            Some(&coordinator),
            RECORD_FUNDING,
            pledge(&school, &tampere, "5000000.00"),
        )
        .await;
    assert!(
        recorded["data"]["recordFunding"]["funding"]["id"].is_string(),
        "{recorded}"
    );
}

/// Finding: the downloads showed hidden members (an applicant as IATI
/// participating and provider organisation, a hidden owner in the project
/// files).
#[tokio::test]
async fn downloads_show_no_hidden_member() {
    for app in spawn_apps(true).await {
        applicant_linked_into_a_public_project(&app).await;
        for file in [
            "iati-activities.xml",
            "projects.csv",
            "projects.jsonl",
            "funding.csv",
            "funding.jsonl",
        ] {
            let a = attack(
                &app,
                "hidden members in downloads",
                app.client().get(format!("{}/exports/{file}", app.address)),
            )
            .await;
            assert_eq!(a.status, 200, "[{}] {file}: {}", app.backend, a.body);
            for hidden in ["City of Tampere", "tampere", "5000000"] {
                assert!(
                    !a.body.contains(hidden),
                    "[{}] {file} shows {hidden:?}",
                    app.backend
                );
            }
        }
        // The coordinator's own IATI download is a publication too.
        let coordinator = app.token(Role::Coordinator, None);
        let a = attack(
            &app,
            "hidden members in downloads",
            app.client()
                .get(format!("{}/exports/iati-activities.xml", app.address))
                .bearer_auth(&coordinator),
        )
        .await;
        assert!(
            !a.body.contains("City of Tampere"),
            "[{}] IATI names the applicant",
            app.backend
        );
        // The secretariat's funding file shows it, with who reported it.
        let a = attack(
            &app,
            "hidden members in downloads",
            app.client()
                .get(format!("{}/exports/funding.csv", app.address))
                .bearer_auth(&coordinator),
        )
        .await;
        assert!(a.body.contains("tampere"), "[{}] {}", app.backend, a.body);
        assert!(
            a.body.contains("SECRETARIAT"),
            "[{}] {}",
            app.backend,
            a.body
        );
        app.finish().await;
    }
}

/// Finding: `fundingFunnel` summed pledges of hidden funders (a row with
/// `funder: null` grouped by funder, and the totals).
#[tokio::test]
async fn the_funnel_counts_no_hidden_funder() {
    for app in spawn_apps(true).await {
        let query = "{ byFunder: fundingFunnel(groupBy: [FUNDER]) { funder { slug } pledged { amount } } all: fundingFunnel(groupBy: []) { pledged { amount } } }";
        let before = app.data(query, json!({})).await;
        applicant_linked_into_a_public_project(&app).await;
        let after = app.data(query, json!({})).await;
        assert_eq!(before, after, "[{}] the public funnel moved", app.backend);
        let rows = after["byFunder"].as_array().cloned().unwrap_or_default();
        assert!(!rows.is_empty(), "[{}] {after}", app.backend);
        assert!(
            rows.iter().all(|row| row["funder"].is_object()),
            "[{}] a row of a hidden funder: {after}",
            app.backend
        );
        // The secretariat sees the pledge counted.
        let coordinator = app.token(Role::Coordinator, None);
        let (_, seen) = app.graphql_as(Some(&coordinator), query, json!({})).await;
        assert!(
            seen.to_string().contains("tampere"),
            "[{}] {seen}",
            app.backend
        );
        app.finish().await;
    }
}

/// Finding: an applicant's editor recorded a pledge on a published project.
#[tokio::test]
async fn an_applicant_writes_nothing_but_its_application() {
    for app in spawn_apps(true).await {
        let applicant = app.token(Role::Editor, Some("tampere"));
        let (school, tampere) = (
            project_id(&app, "UA-KHA-2025-001").await,
            member_id(&app, "tampere").await,
        );
        let a = attack(
            &app,
            "applicant writes",
            post(&app, json!({ "query": RECORD_FUNDING, "variables": pledge(&school, &tampere, "5000000.00") }))
                .bearer_auth(&applicant),
        )
        .await;
        assert_eq!(a.code(), "FORBIDDEN", "[{}] {}", app.backend, a.body);
        let a = attack(
            &app,
            "applicant writes",
            post(&app, json!({ "query": "mutation($i: CreateAssistanceOfferInput!) { createAssistanceOffer(input: $i) { offer { id } } }",
                "variables": { "i": { "memberId": tampere, "title": "Help", "description": "Help.", "themes": ["14021"],
                    "modality": "TWINNING", "languages": ["en"], "capacityDays": 10 } } }))
                .bearer_auth(&applicant),
        )
        .await;
        assert_eq!(a.code(), "FORBIDDEN", "[{}] {}", app.backend, a.body);
        // It amends its own application.
        let (_, own) = app
            .graphql_as(
                Some(&applicant),
                "{ member(slug: \"tampere\") { id version } }",
                json!({}),
            )
            .await;
        let (_, amended) = app
            .graphql_as(
                Some(&applicant),
                "mutation($i: UpdateMemberProfileInput!) { updateMemberProfile(input: $i) { member { description } userErrors { message } } }",
                json!({ "i": { "id": own["data"]["member"]["id"], "expectedVersion": own["data"]["member"]["version"],
                    "description": "A city in Finland." } }),
            )
            .await;
        assert_eq!(
            amended["data"]["updateMemberProfile"]["member"]["description"], "A city in Finland.",
            "[{}] {amended}",
            app.backend
        );
        // A member's editor reports as the funder; the record says so.
        let kharkiv = app.token(Role::Editor, Some("kharkiv"));
        let (_, reported) = app
            .graphql_as(
                Some(&kharkiv),
                RECORD_FUNDING,
                pledge(&school, &member_id(&app, "eib").await, "100.00"),
            )
            .await;
        let funding = &reported["data"]["recordFunding"]["funding"];
        assert_eq!(
            funding["reportedAs"], "OWNER",
            "[{}] {reported}",
            app.backend
        );
        assert_eq!(
            funding["reportedBy"]["slug"], "kharkiv",
            "[{}] {reported}",
            app.backend
        );
        app.finish().await;
    }
}

const APPLY: &str = "mutation($i: ApplyForMembershipInput!) { applyForMembership(input: $i) { member { slug } userErrors { code message } } }";

fn application(slug: &str) -> Value {
    json!({ "i": { "slug": slug, "names": { "en": format!("Town {slug}"), "uk": format!("Місто {slug}") }, "kind": "CITY",
        "organisationType": "GOVERNMENT", "country": "FI" } })
}

/// An application for `slug` without a token.
async fn apply(app: &TestApp, slug: &str) -> Answer {
    let body = json!({ "query": APPLY, "variables": application(slug) });
    attack(app, "application flood", post(app, body)).await
}

fn assert_filed(answer: &Answer, slug: &str) {
    assert_eq!(
        answer.json()["data"]["applyForMembership"]["member"]["slug"],
        slug,
        "{}",
        answer.body
    );
}

/// Finding: anonymous applications cost as much as a query, and a taken
/// slug's error named a hidden applicant.
#[tokio::test]
async fn an_address_flooding_applications_is_stopped_and_learns_nothing() {
    for backend in tests::backends() {
        let app = spawn_app_with(
            backend,
            true,
            Limits {
                applications_per_hour: 5,
                open_applications_per_address: 3,
                ..tests::limits()
            },
        )
        .await;
        // A slug held by a hidden applicant, a public member and a reserved
        // word get the same answer.
        let mut answers = Vec::new();
        for slug in ["tampere", "kharkiv", "admin"] {
            let a = apply(&app, slug).await;
            let error = a.json()["data"]["applyForMembership"]["userErrors"][0].clone();
            assert_eq!(error["code"], "DUPLICATE", "[{backend}] {}", a.body);
            answers.push(
                error["message"]
                    .as_str()
                    .unwrap_or_default()
                    .replace(slug, "…"),
            );
        }
        assert!(
            answers.iter().all(|m| *m == answers[0]),
            "[{backend}] {answers:?}"
        );
        assert!(!answers[0].contains("taken"), "[{backend}] {answers:?}");
        // Two filed: five applications paid for so far (three refused).
        for i in 0..2 {
            assert_filed(
                &apply(&app, &format!("town-{i}")).await,
                &format!("town-{i}"),
            );
        }
        let a = apply(&app, "town-x").await;
        assert_eq!(
            a.status, 429,
            "[{backend}] the hourly budget is spent: {}",
            a.body
        );
        assert_eq!(a.code(), "RATE_LIMITED");
        // Everyone else writes on.
        let coordinator = app.token(Role::Coordinator, None);
        let (_, created) = app
            .graphql_as(
                Some(&coordinator),
                APPLY,
                application("town-by-secretariat"),
            )
            .await;
        assert_eq!(
            created["data"]["applyForMembership"]["member"]["slug"], "town-by-secretariat",
            "[{backend}] {created}"
        );
        app.finish().await;

        // The cap on open applications, with budget to spare.
        let app = spawn_app_with(
            backend,
            true,
            Limits {
                applications_per_hour: 50,
                open_applications_per_address: 2,
                ..tests::limits()
            },
        )
        .await;
        for i in 0..2 {
            assert_filed(
                &apply(&app, &format!("open-{i}")).await,
                &format!("open-{i}"),
            );
        }
        let a = apply(&app, "open-2").await;
        assert_eq!(
            a.json()["data"]["applyForMembership"]["userErrors"][0]["code"],
            "LIMIT_REACHED",
            "[{backend}] {}",
            a.body
        );
        app.finish().await;
    }
}

/// Finding: connections nested under plain lists were charged for one row.
#[tokio::test]
async fn connections_under_plain_lists_are_charged_in_full() {
    for app in spawn_apps(true).await {
        let a = attack(
            &app,
            "nested cost",
            query(&app, "{ fundingFunnel(groupBy: [FUNDER]) { funder { projects(first: 100) { nodes { participants(first: 100) { nodes { member { name } } } } } } } }", json!({})),
        )
        .await;
        assert_eq!(a.code(), "LIMIT_EXCEEDED", "[{}] {}", app.backend, a.body);
        let body = app
            .graphql("{ fundingFunnel(groupBy: [FUNDER]) { funder { projects(first: 10) { nodes { code } } } } }", json!({}))
            .await;
        assert_eq!(
            body["extensions"]["cost"]["requested"], 12_001,
            "[{}] {body}",
            app.backend
        );
        app.finish().await;
    }
}

/// Finding: `/metrics` was open to anyone.
#[tokio::test]
async fn metrics_need_a_token() {
    for app in spawn_apps(true).await {
        let a = attack(
            &app,
            "operational exposure",
            app.client().get(format!("{}/metrics", app.address)),
        )
        .await;
        assert_eq!(a.status, 401, "[{}] {}", app.backend, a.body);
        let editor = app.token(Role::Editor, Some("kharkiv"));
        let a = attack(
            &app,
            "operational exposure",
            app.client()
                .get(format!("{}/metrics", app.address))
                .bearer_auth(editor),
        )
        .await;
        assert_eq!(a.status, 403, "[{}] {}", app.backend, a.body);
        let admin = app.token(Role::Admin, None);
        let a = attack(
            &app,
            "operational exposure",
            app.client()
                .get(format!("{}/metrics", app.address))
                .bearer_auth(admin),
        )
        .await;
        assert_eq!(a.status, 200, "[{}] {}", app.backend, a.body);
        let (status, text) = app.metrics().await;
        assert_eq!(status, 200);
        assert!(text.contains("alliance_"), "{text}");
        app.finish().await;
    }
}

/// Finding: the SQLite database (which holds contact details) was created
/// readable by everyone.
#[cfg(unix)]
#[tokio::test]
async fn the_database_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let app = tests::spawn_app("sqlite", false).await;
    let path = app
        .database_url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mode = std::fs::metadata(&path)
        .expect("the database file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "{path} has mode {mode:o}");
    app.finish().await;
}

const RENAME: &str = "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { project { title } userErrors { message } } }";

async fn rename_input(app: &TestApp, title: &str) -> Value {
    let current = app
        .coordinator_data(
            "{ project(code: \"UA-KHA-2025-001\") { id version } }",
            json!({}),
        )
        .await;
    json!({ "i": { "id": current["project"]["id"], "expectedVersion": current["project"]["version"],
        "titles": { "en": title, "uk": "Відбудова школи № 134" } } })
}

/// Finding: over the WebSocket, queries and mutations ran outside the time
/// limit.
#[tokio::test]
async fn a_websocket_operation_is_cut_at_the_time_limit() {
    for backend in tests::backends() {
        let app = spawn_app_with(
            backend,
            true,
            Limits {
                request_timeout_secs: 1,
                ..tests::limits()
            },
        )
        .await;
        let coordinator = app.token(Role::Coordinator, None);
        let input = rename_input(&app, "Renamed past the limit").await;
        let held = app.hold_writes().await;
        let mut ws = WsClient::open(&app.address, Some(&coordinator)).await;
        let started = Instant::now();
        ws.subscribe("slow", RENAME, input).await;
        let payload = ws.next_of("slow").await;
        assert_eq!(
            payload["errors"][0]["extensions"]["code"], "TIMEOUT",
            "[{backend}] {payload}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "[{backend}] cut late"
        );
        assert_eq!(
            ws.receive().await,
            Incoming::Message(json!({ "type": "complete", "id": "slow" }))
        );
        held.rollback().await.expect("rollback");
        // The cut write changed nothing.
        let title = app
            .data(
                "{ project(code: \"UA-KHA-2025-001\") { title } }",
                json!({}),
            )
            .await;
        assert_ne!(
            title["project"]["title"], "Renamed past the limit",
            "[{backend}]"
        );
        app.finish().await;
    }
}

/// Finding: over the WebSocket, queries ran outside the in-flight budget.
#[tokio::test]
async fn a_websocket_query_waits_for_the_in_flight_budget() {
    for backend in tests::backends() {
        let app = std::sync::Arc::new(
            spawn_app_with(
                backend,
                true,
                Limits {
                    max_inflight_cost: 1,
                    request_timeout_secs: 20,
                    ..tests::limits()
                },
            )
            .await,
        );
        let coordinator = app.token(Role::Coordinator, None);
        let input = rename_input(&app, "Renamed while a query waited").await;
        let held = app.hold_writes().await;
        // A mutation over HTTP takes the whole budget and waits for the writes' lock.
        let writer = {
            let (app, coordinator) = (std::sync::Arc::clone(&app), coordinator.clone());
            tokio::spawn(async move { app.graphql_as(Some(&coordinator), RENAME, input).await })
        };
        tokio::time::sleep(Duration::from_millis(700)).await;
        let mut ws = WsClient::open(&app.address, None).await;
        ws.subscribe(
            "read",
            "{ territories(first: 1) { nodes { code } } }",
            json!({}),
        )
        .await;
        assert_eq!(
            ws.receive_within(Duration::from_millis(1500)).await,
            None,
            "[{backend}] the query ran beside a mutation holding the whole budget"
        );
        held.commit().await.expect("release");
        let (_, renamed) = writer.await.expect("writer");
        assert!(
            renamed["data"]["updateProject"]["project"].is_object(),
            "[{backend}] {renamed}"
        );
        let payload = ws.next_of("read").await;
        assert!(
            payload["data"]["territories"]["nodes"][0]["code"].is_string(),
            "[{backend}] {payload}"
        );
        drop(ws);
        if let Ok(app) = std::sync::Arc::try_unwrap(app) {
            app.finish().await;
        }
    }
}

/// Finding: a WebSocket caller was fixed at `connection_init`, so a
/// suspended organisation's editor kept its access.
#[tokio::test]
async fn a_suspended_members_editor_loses_its_websocket_on_the_next_operation() {
    for app in spawn_apps(true).await {
        let editor = app.token(Role::Editor, Some("kharkiv"));
        let mut ws = WsClient::open(&app.address, Some(&editor)).await;
        ws.subscribe("me", "{ viewer { role } }", json!({})).await;
        let payload = ws.next_of("me").await;
        assert_eq!(
            payload["data"]["viewer"]["role"], "EDITOR",
            "[{}] {payload}",
            app.backend
        );
        assert_eq!(
            ws.receive().await,
            Incoming::Message(json!({ "type": "complete", "id": "me" }))
        );
        let coordinator = app.token(Role::Coordinator, None);
        let (_, kharkiv) = app
            .graphql_as(
                Some(&coordinator),
                "{ member(slug: \"kharkiv\") { id version } }",
                json!({}),
            )
            .await;
        let (_, suspended) = app
            .graphql_as(
                Some(&coordinator),
                "mutation($i: TransitionInput!) { suspendMembership(input: $i) { member { status } } }",
                json!({ "i": { "id": kharkiv["data"]["member"]["id"], "expectedVersion": kharkiv["data"]["member"]["version"] } }),
            )
            .await;
        assert_eq!(
            suspended["data"]["suspendMembership"]["member"]["status"], "SUSPENDED",
            "[{}] {suspended}",
            app.backend
        );
        ws.subscribe("again", "{ viewer { role } }", json!({}))
            .await;
        match ws.receive().await {
            Incoming::Closed(code, _) => assert_eq!(code, 4403, "[{}]", app.backend),
            other => panic!(
                "[{}] the suspended editor was answered: {other:?}",
                app.backend
            ),
        }
        app.finish().await;
    }
}
