//! Lists whose nodes the database builds as JSON (root lists of projects
//! and members; participants, funding, responsibilities and offers under
//! projects and members) answer exactly what the general path answers: the same nodes, values, order, languages,
//! money and visibility (`@skip` and `@include` are applied before either
//! runs). A selection the JSON cannot build (`pageInfo`, `edges`, a field of
//! a list, a variable argument) takes the general path.

use alliance_api::auth::Role;
use entity::member;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait};
use serde_json::{Value, json};
use tests::scenario::{self, Duty};
use tests::{TestApp, spawn_apps};

/// A query, its variables and the request's extra headers.
type Case<'a> = (&'a str, Value, Vec<(&'a str, &'a str)>);

/// Added inside each nested connection to force the general path, and taken
/// out of its answer again.
const GENERAL: &str = "generalPath: pageInfo { hasNextPage }";

/// Projects with their participants, funding and responsibilities:
/// fragments, aliases, `__typename`, a language argument, money.
const PROJECTS: &str = r#"
query($after: String) {
  projects(first: 10) {
    nodes {
      code
      participants(first: 5) {
        totalCount
        __typename
        nodes {
          __typename id organisationRole role: allianceRole member { ...Who }
          hidden: id @skip(if: true) shown: id @include(if: true)
        }
        @@
      }
      lastFunding: funding(last: 3) {
        nodes { ...Money }
        @@
      }
      funding(first: 2, after: $after) {
        totalCount
        nodes { ...Money }
        @@
      }
      responsibilities(first: 10) {
        nodes {
          id function phase level raci legalBasis validFrom validUntil theme note version
          actor { id name(lang: UK) english: name(lang: EN) }
        }
        @@
      }
    }
  }
}
fragment Who on Member {
  id slug name acronym kind organisationType country allianceRole status joinedOn description
  website @include(if: false)
  __typename
}
fragment Money on Funding {
  id stage financeType valueDate
  amount { amount currency }
  ... on Funding { funder { slug name } }
}
"#;

/// Members with the lists under them (the deep query's shape).
const MEMBERS: &str = r#"
{
  members(first: 20) {
    nodes {
      slug
      projects(first: 3) {
        totalCount
        nodes {
          __typename id code title titleUk: title(lang: UK) description status projectType purpose
          sectorCode theme plannedStart plannedEnd actualStart actualEnd visibility version
          owner { slug name }
          participants(first: 2) { totalCount nodes { role: allianceRole member { name } } @@ }
          latest: participants(last: 1) { __typename nodes { id } @@ }
          funding { nodes { amount { amount currency } funder { slug } } @@ }
          responsibilities(last: 2) { nodes { raci actor { name(lang: UK) } } @@ }
        }
        @@
      }
      later: projects(last: 2, before: null) { nodes { code } @@ }
      participations(first: 10) { nodes { id allianceRole member { slug } } @@ }
      fundings(first: 10) { totalCount nodes { amount { currency amount } funder { id } } @@ }
      responsibilities(first: 10) { nodes { raci actor { slug name } } @@ }
    }
  }
}
"#;

/// A page size in a variable, inside a list built as JSON.
const VARIABLE: &str = r#"
query($n: Int) {
  members(first: 20) {
    nodes { slug projects { nodes { code participants(first: $n) { nodes { id } @@ } } @@ } }
  }
}
"#;

/// The answer of `query` on the path `general` chooses, and how many pages
/// the database built as JSON for it.
async fn answer(
    app: &TestApp,
    query: &str,
    general: bool,
    variables: Value,
    headers: &[(&str, &str)],
) -> (Value, u64) {
    let text = query.replace("@@", if general { GENERAL } else { "" });
    let before = json_pages(app).await;
    let body = app.graphql_with(&text, variables, headers).await;
    assert!(
        body.get("errors").is_none(),
        "[{}] unexpected errors: {body}",
        app.backend
    );
    let built = json_pages(app).await - before;
    let mut data = body["data"].clone();
    strip(&mut data);
    (data, built)
}

/// Removes the added `generalPath` fields.
fn strip(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("generalPath");
            map.values_mut().for_each(strip);
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

/// The instance's count of pages built as JSON (`/metrics`).
async fn json_pages(app: &TestApp) -> u64 {
    let (status, text) = app.metrics().await;
    assert_eq!(status, 200);
    text.lines()
        .find_map(|line| line.strip_prefix("alliance_json_pages_total "))
        .expect("the metric is listed")
        .parse()
        .expect("a count")
}

/// A scenario with every kind of value the JSON builds: names in both
/// languages (one Ukrainian name empty), a member that is not public, money
/// in currencies with 0, 2 and 3 decimals, dates and empty columns.
async fn seed(app: &TestApp) {
    let db = &app.db;
    let lviv = scenario::oblast(db, "UA-46").await;
    let owner = scenario::member(db, "owner", "HROMADA", Some(lviv)).await;
    let city = scenario::member(db, "city", "CITY", None).await;
    let applicant = scenario::member(db, "applicant", "CITY", None).await;
    let empty = scenario::member(db, "empty", "CITY", None).await;
    for (id, uk, status) in [
        (owner, Some("Громада"), "ACTIVE"),
        (applicant, Some("Заявник"), "APPLIED"),
        (empty, Some(""), "ACTIVE"),
    ] {
        let mut row: member::ActiveModel = member::Entity::find_by_id(id)
            .one(db)
            .await
            .expect("query")
            .expect("member")
            .into();
        row.name_uk = Set(uk.map(str::to_owned));
        row.status = Set(status.to_owned());
        row.acronym = Set(Some(format!("M{id}")));
        row.joined_on = Set(Some(scenario::day(-30)));
        row.website = Set(Some("https://example.org".to_owned()));
        row.update(db).await.expect("update member");
    }
    for code in ["P1", "P2", "P3"] {
        let project = scenario::project(db, code, owner, lviv).await;
        for (member, role, iati) in [
            (owner, "LEAD", "2"),
            (city, "SUPPORTING_PARTNER", "4"),
            (applicant, "TECHNICAL_ADVISOR", "3"),
            (empty, "BENEFICIARY", "4"),
        ] {
            let now = chrono::Utc::now();
            entity::participant::ActiveModel {
                id: sea_orm::ActiveValue::NotSet,
                project_id: Set(project),
                member_id: Set(member),
                iati_role: Set(iati.into()),
                alliance_role: Set(role.into()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await
            .expect("insert participant");
        }
        for (funder, stage, minor, currency, date) in [
            (city, "PLEDGED", 1_250_000, "EUR", "2026-01-15"),
            (empty, "COMMITTED", 1_500, "JPY", "2026-02-01"),
            (applicant, "DISBURSED", 1, "KWD", "2026-03-10"),
            (city, "DISBURSED", 99_999_999_999, "UAH", "2026-04-30"),
        ] {
            scenario::funding(db, project, funder, stage, minor, currency, date).await;
        }
        for (actor, raci, valid, theme) in [
            (owner, "ACCOUNTABLE", (Some(-10), Some(300)), Some("WATER")),
            (applicant, "RESPONSIBLE", (None, None), None),
            (empty, "CONSULTED", (Some(-5), None), Some("EDUCATION")),
        ] {
            scenario::duty(
                db,
                Duty {
                    actor,
                    raci,
                    valid,
                    theme,
                    project: Some(project),
                    ..Duty::default()
                },
            )
            .await;
        }
    }
}

#[tokio::test]
async fn lists_built_as_json_answer_what_the_general_path_answers() {
    for app in spawn_apps(false).await {
        seed(&app).await;
        let postgres = app.backend == "postgres";
        // A cursor into each project's funding, from the general path.
        let cursors = app
            .data(
                "{ projects(first: 1) { nodes { funding(first: 1) { edges { cursor } } } } }",
                json!({}),
            )
            .await;
        let after = cursors["projects"]["nodes"][0]["funding"]["edges"][0]["cursor"].clone();
        assert!(after.is_string(), "[{}] a cursor: {cursors}", app.backend);
        let admin = format!("Bearer {}", app.token(Role::Admin, None));
        let cases: [Case; 7] = [
            (PROJECTS, json!({}), vec![]),
            (PROJECTS, json!({ "after": after }), vec![]),
            (PROJECTS, json!({}), vec![("Accept-Language", "uk")]),
            (PROJECTS, json!({}), vec![("Authorization", &admin)]),
            (MEMBERS, json!({}), vec![("Authorization", &admin)]),
            (MEMBERS, json!({}), vec![("Accept-Language", "uk")]),
            (VARIABLE, json!({ "n": 2 }), vec![]),
        ];
        for (query, variables, headers) in cases {
            let (general, none) = answer(&app, query, true, variables.clone(), &headers).await;
            let (built, pages) = answer(&app, query, false, variables, &headers).await;
            assert_eq!(
                built, general,
                "[{}] the same answer on both paths ({headers:?})",
                app.backend
            );
            assert_eq!(none, 0, "[{}] pageInfo takes the general path", app.backend);
            // On SQLite every list takes the general path.
            assert_eq!(pages > 0, postgres, "[{}] {pages} pages built", app.backend);
        }
        // No more statements than the general path: one per list and place.
        let (_, general) = app
            .data_and_statements(&PROJECTS.replace("@@", GENERAL), json!({}))
            .await;
        let (_, built) = app
            .data_and_statements(&PROJECTS.replace("@@", ""), json!({}))
            .await;
        assert!(
            built <= general,
            "[{}] {built} > {general} statements",
            app.backend
        );
        // What the scenario shows, so that equal answers are not equally empty.
        let (data, _) = answer(
            &app,
            PROJECTS,
            false,
            json!({}),
            &[("Authorization", &admin), ("Accept-Language", "uk")],
        )
        .await;
        let project = &data["projects"]["nodes"][0];
        assert_eq!(project["participants"]["totalCount"], 4, "{data}");
        assert_eq!(
            project["participants"]["__typename"],
            "ParticipantConnection"
        );
        let names: Vec<&str> = project["participants"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["member"]["name"].as_str().expect("a name"))
            .collect();
        assert!(names.contains(&"Громада"), "{names:?}");
        assert!(
            names.contains(&"Member empty"),
            "an empty name falls back: {names:?}"
        );
        let amounts: Vec<String> = project["lastFunding"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| {
                format!(
                    "{} {}",
                    n["amount"]["amount"].as_str().expect("amount"),
                    n["amount"]["currency"]
                )
            })
            .collect();
        assert_eq!(
            amounts,
            ["1500 \"JPY\"", "0.001 \"KWD\"", "999999999.99 \"UAH\""],
            "{data}"
        );
        let (data, _) = answer(&app, MEMBERS, false, json!({}), &[]).await;
        let owner = data["members"]["nodes"]
            .as_array()
            .expect("members")
            .iter()
            .find(|m| m["slug"] == "owner")
            .expect("the owner is listed");
        assert_eq!(owner["projects"]["totalCount"], 3, "{owner}");
        let first = &owner["projects"]["nodes"][0];
        assert_eq!(first["code"], "P3", "newest first: {owner}");
        assert_eq!(first["titleUk"], "Проєкт P3", "{owner}");
        assert_eq!(first["status"], "IMPLEMENTATION", "{owner}");
        assert_eq!(
            first["participants"]["totalCount"], 3,
            "the applicant is not public: {owner}"
        );
        assert_eq!(
            first["latest"]["nodes"].as_array().map(Vec::len),
            Some(1),
            "{owner}"
        );
        assert_eq!(owner["later"]["nodes"][1]["code"], "P1", "{owner}");
        app.finish().await;
    }
}

#[tokio::test]
async fn selections_the_json_cannot_build_take_the_general_path() {
    for app in spawn_apps(false).await {
        seed(&app).await;
        let admin = format!("Bearer {}", app.token(Role::Admin, None));
        let headers = [("Authorization", admin.as_str())];
        for (what, query) in [
            (
                "edges",
                "{ projects { nodes { participants { edges { node { id } } } } } }",
            ),
            (
                "a field of another list",
                "{ projects { nodes { participants { nodes { id project { code } } } } } }",
            ),
            (
                "a variable language",
                "query($l: Lang) { projects { nodes { responsibilities { nodes { actor { name(lang: $l) } } } } } }",
            ),
            (
                "nodes twice",
                "{ projects { pageInfo { hasNextPage } nodes { funding { nodes { id } again: nodes { stage } } } } }",
            ),
            (
                "a root list's nodes twice",
                "{ projects { nodes { code } again: nodes { id } } }",
            ),
        ] {
            let before = json_pages(&app).await;
            let body = app
                .graphql_with(query, json!({ "l": "UK" }), &headers)
                .await;
            assert!(
                body.get("errors").is_none(),
                "[{}] {what}: {body}",
                app.backend
            );
            let nodes = &body["data"]["projects"]["nodes"][0];
            assert!(nodes.is_object(), "[{}] {what}: {body}", app.backend);
            assert_eq!(
                json_pages(&app).await,
                before,
                "[{}] {what} takes the general path",
                app.backend
            );
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn postgresql_connections_run_without_jit() {
    // A page built as JSON for 1,000 projects is estimated above the JIT's
    // threshold, and compiling its expressions cost more than running them.
    for app in spawn_apps(false).await {
        if app.backend == "postgres" {
            let row = app
                .db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    "SHOW jit",
                ))
                .await
                .expect("query")
                .expect("a row");
            let jit: String = row.try_get("", "jit").expect("a setting");
            assert_eq!(jit, "off");
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn a_stored_code_the_schema_does_not_know_is_an_error_on_both_paths() {
    for app in spawn_apps(false).await {
        seed(&app).await;
        app.db
            .execute_unprepared(
                "UPDATE participant SET alliance_role = 'RETIRED' WHERE id = (SELECT min(id) FROM participant)",
            )
            .await
            .expect("update");
        let query = "{ projects { nodes { code participants { nodes { allianceRole } @@ } } } }";
        let mut codes = Vec::new();
        for general in [true, false] {
            let text = query.replace("@@", if general { GENERAL } else { "" });
            let body = app.graphql(&text, json!({})).await;
            let errors = body["errors"].as_array().cloned().unwrap_or_default();
            assert!(!errors.is_empty(), "[{}] an error: {body}", app.backend);
            assert!(
                !body.to_string().contains("\"allianceRole\":null"),
                "[{}] no null where the schema promises a role: {body}",
                app.backend
            );
            assert!(
                !body.to_string().contains("RETIRED") && !body.to_string().contains("integer"),
                "[{}] nothing internal reaches the client: {body}",
                app.backend
            );
            codes.push(errors[0]["extensions"]["code"].clone());
        }
        assert_eq!(codes[0], codes[1], "[{}] the same error", app.backend);
        app.finish().await;
    }
}

/// Root lists built as JSON in one statement: filters, orders, cursors both
/// ways, to-one rows with lists under them, and lists under those.
const ROOTS: &str = r#"
query($oblast: ID, $after: String, $before: String) {
  dashboard: projects(first: 2, filter: { territoryId: $oblast, statuses: [IMPLEMENTATION] }) {
    totalCount
    nodes {
      code title status visibility
      owner { slug name offers { totalCount } projects(first: 1) { nodes { code } @@ } }
      participants(first: 4) { nodes { role: allianceRole member { slug offers { totalCount } } } @@ }
      funding(first: 2) { nodes { stage amount { amount currency } funder { name } } @@ }
    }
    @@
  }
  byCode: projects(last: 2, orderBy: { field: CODE, direction: ASC }) { nodes { code } @@ }
  after: projects(first: 2, after: $after) { nodes { code visibility } @@ }
  before: projects(before: $before) { __typename nodes { code } @@ }
  members(first: 10, orderBy: { field: SLUG }) {
    nodes {
      slug status
      offers(first: 5) { totalCount nodes { title status capacityDays availableFrom member { slug } } @@ }
      projects { totalCount nodes { code owner { slug } } @@ }
    }
    @@
  }
}
"#;

/// The member `slug` of the scenario.
async fn member_id(app: &TestApp, slug: &str) -> i64 {
    member::Entity::find()
        .all(&app.db)
        .await
        .expect("members")
        .into_iter()
        .find(|m| m.slug == slug)
        .expect("member")
        .id
}

/// A draft project `D1` of the member that is not public; its id.
async fn draft_of_applicant(app: &TestApp) -> i64 {
    let applicant = member_id(app, "applicant").await;
    let lviv = scenario::oblast(&app.db, "UA-46").await;
    let draft = scenario::project(&app.db, "D1", applicant, lviv).await;
    app.db
        .execute_unprepared(&format!(
            "UPDATE project SET visibility = 'DRAFT' WHERE id = {draft}"
        ))
        .await
        .expect("draft");
    draft
}

/// The callers both paths are compared for: anonymous, an editor of the
/// member that is not public, an administrator, and anonymous in Ukrainian.
fn callers(app: &TestApp) -> [Vec<(&'static str, String)>; 4] {
    let admin = format!("Bearer {}", app.token(Role::Admin, None));
    let editor = format!("Bearer {}", app.token(Role::Editor, Some("applicant")));
    [
        vec![],
        vec![("Authorization", editor)],
        vec![("Authorization", admin)],
        vec![("Accept-Language", "uk".to_owned())],
    ]
}

#[tokio::test]
async fn root_lists_built_as_json_answer_what_the_general_path_answers() {
    for app in spawn_apps(false).await {
        seed(&app).await;
        let db = &app.db;
        let postgres = app.backend == "postgres";
        let lviv = scenario::oblast(db, "UA-46").await;
        let (owner, applicant) = (
            member_id(&app, "owner").await,
            member_id(&app, "applicant").await,
        );
        // A draft of the member that is not public, and offers: one open,
        // one draft, and one of the member that is not public.
        draft_of_applicant(&app).await;
        for (member, title, status) in [
            (owner, "Open", "OPEN"),
            (owner, "Draft", "DRAFT"),
            (applicant, "Hidden", "OPEN"),
        ] {
            let help = scenario::Help {
                status,
                ..scenario::Help::default()
            };
            scenario::offer(db, member, title, help).await;
        }
        let edges = app
            .data(
                "{ projects(first: 1) { edges { cursor } } last: projects(last: 1) { edges { cursor } } }",
                json!({}),
            )
            .await;
        let variables = json!({
            "oblast": alliance_api::ids::encode("Territory", lviv).to_string(),
            "after": edges["projects"]["edges"][0]["cursor"],
            "before": edges["last"]["edges"][0]["cursor"],
        });
        let mut seen = Vec::new();
        for headers in callers(&app) {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (general, none) = answer(&app, ROOTS, true, variables.clone(), &headers).await;
            let (built, pages) = answer(&app, ROOTS, false, variables.clone(), &headers).await;
            assert_eq!(
                built, general,
                "[{}] the same answer on both paths ({headers:?})",
                app.backend
            );
            assert_eq!(none, 0, "[{}] pageInfo takes the general path", app.backend);
            // One page per root list; nothing on SQLite.
            let expected = if postgres { 5 } else { 0 };
            assert_eq!(pages, expected, "[{}] pages built", app.backend);
            seen.push(built);
        }
        // What the callers see, so that equal answers are not equally empty.
        let owner_of = |data: &Value| {
            data["members"]["nodes"]
                .as_array()
                .expect("members")
                .iter()
                .find(|m| m["slug"] == "owner")
                .cloned()
                .expect("the owner is listed")
        };
        let anonymous = owner_of(&seen[0]);
        assert_eq!(anonymous["offers"]["totalCount"], 1, "{anonymous}");
        assert_eq!(anonymous["offers"]["nodes"][0]["title"], "Open");
        assert_eq!(
            owner_of(&seen[2])["offers"]["totalCount"],
            2,
            "admin sees drafts"
        );
        let dashboard = &seen[0]["dashboard"];
        assert_eq!(dashboard["totalCount"], 3, "{dashboard}");
        assert_eq!(dashboard["nodes"][0]["code"], "P3", "newest first");
        assert_eq!(dashboard["nodes"][0]["owner"]["offers"]["totalCount"], 1);
        let roles = |data: &Value| {
            data["dashboard"]["nodes"][0]["participants"]["nodes"]
                .as_array()
                .map(Vec::len)
        };
        assert_eq!(roles(&seen[0]), Some(3), "the applicant is not public");
        let slugs = |data: &Value| {
            data["members"]["nodes"]
                .as_array()
                .expect("members")
                .iter()
                .map(|m| m["slug"].as_str().expect("slug").to_owned())
                .collect::<Vec<_>>()
        };
        assert!(!slugs(&seen[0]).contains(&"applicant".to_owned()));
        let applicant_seen = seen[1]["members"]["nodes"]
            .as_array()
            .expect("members")
            .iter()
            .find(|m| m["slug"] == "applicant")
            .cloned()
            .expect("the editor sees its own member");
        assert_eq!(
            applicant_seen["offers"]["totalCount"], 1,
            "{applicant_seen}"
        );
        assert_eq!(applicant_seen["projects"]["nodes"][0]["code"], "D1");
        assert_eq!(seen[0]["byCode"]["nodes"][1]["code"], "P3", "{}", seen[0]);
        // The dashboard's whole tree in one statement.
        let dashboard = ROOTS.split("  byCode").next().expect("the dashboard");
        let dashboard = format!("{}}}", dashboard.replace("@@", ""))
            .replace(", $after: String, $before: String", "");
        let variables = json!({ "oblast": variables["oblast"] });
        let (_, statements) = app.data_and_statements(&dashboard, variables).await;
        if postgres {
            assert_eq!(statements, 2, "[{}] the page and its count", app.backend);
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn a_tampered_cursor_under_a_root_list_is_refused_on_both_paths() {
    for app in spawn_apps(false).await {
        seed(&app).await;
        // The right ordering, a value of the wrong type for its column.
        let cursor = alliance_api::pagination::Cursor {
            key: "CREATED_AT:ASC".to_owned(),
            value: alliance_api::pagination::SortValue::Text("tampered".to_owned()),
            id: 1,
        }
        .encode();
        // A literal: a variable would make the list take the general path.
        let query = format!(
            "{{ projects {{ nodes {{ code participants(after: \"{cursor}\") {{ totalCount }} }} @@ }} }}"
        );
        for general in [true, false] {
            let text = query.replace("@@", if general { GENERAL } else { "" });
            let body = app.graphql(&text, json!({})).await;
            let message = body["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(
                message.contains("`after` is not a valid cursor"),
                "[{}] general path {general}: {body}",
                app.backend
            );
        }
        app.finish().await;
    }
}

/// One object by global ID or code, with lists and rows under it; `@@` (in
/// a node) and `@P` (in a project) become a field the JSON does not build,
/// for the general path.
const ONE: &str = r#"
query($id: ID!, $member: ID!, $hidden: ID!) {
  node(id: $id) {
    __typename id
    ... on Project {
      code title status
      owner { slug name }
      responsibilities(first: 20) { totalCount nodes { function phase raci actor { name } } }
      participants(first: 3) { nodes { member { slug } } }
    }
    ... on Member { slug }
    ...fromProject
    @@
  }
  member: node(id: $member) { ... on Member { slug name status projects(first: 2) { nodes { code } } } @@ }
  hidden: node(id: $hidden) { id ... on Project { code visibility } @@ }
  byCode: project(code: "P2") { code titleUk: title(lang: UK) funding(first: 2) { nodes { amount { amount currency } funder { slug } } } @P }
  draft: project(code: "D1") { code owner { slug } @P }
  missing: project(code: "NONE") { code @P }
}
fragment fromProject on Project { visibility }
"#;

/// Added to a node's selection to force the general path: a field the JSON
/// does not build.
const GENERAL_NODE: &str =
    "... on Project { generalPath: createdAt } ... on Member { generalPath: createdAt }";

#[tokio::test]
async fn one_object_built_as_json_answers_what_the_general_path_answers() {
    for app in spawn_apps(false).await {
        seed(&app).await;
        let db = &app.db;
        let postgres = app.backend == "postgres";
        let applicant = member_id(&app, "applicant").await;
        let draft = draft_of_applicant(&app).await;
        let projects = entity::project::Entity::find()
            .all(db)
            .await
            .expect("projects");
        let p1 = projects.iter().find(|p| p.code == "P1").expect("P1").id;
        let encode = |kind: &str, id: i64| alliance_api::ids::encode(kind, id).to_string();
        let variables = json!({
            "id": encode("Project", p1),
            "member": encode("Member", applicant),
            "hidden": encode("Project", draft),
        });
        let mut seen = Vec::new();
        for headers in callers(&app) {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let run = |general: bool| {
                let text = ONE
                    .replace("@@", if general { GENERAL_NODE } else { "" })
                    .replace(
                        "@P",
                        if general {
                            "generalPath: createdAt"
                        } else {
                            ""
                        },
                    );
                let variables = variables.clone();
                let headers = headers.clone();
                let app = &app;
                async move {
                    let body = app.graphql_with(&text, variables, &headers).await;
                    assert!(body.get("errors").is_none(), "[{}] {body}", app.backend);
                    let mut data = body["data"].clone();
                    strip(&mut data);
                    data
                }
            };
            let general = run(true).await;
            let built = run(false).await;
            assert_eq!(
                built, general,
                "[{}] the same answer on both paths ({headers:?})",
                app.backend
            );
            seen.push(built);
        }
        // What the callers see, so that equal answers are not equally empty.
        let anonymous = &seen[0];
        assert_eq!(anonymous["node"]["__typename"], "Project");
        assert_eq!(anonymous["node"]["code"], "P1");
        assert_eq!(anonymous["node"]["visibility"], "PUBLISHED", "{anonymous}");
        assert_eq!(anonymous["node"]["slug"], Value::Null, "not a member");
        assert_eq!(
            anonymous["node"]["responsibilities"]["totalCount"], 2,
            "the applicant is not public: {anonymous}"
        );
        assert_eq!(
            anonymous["node"]["participants"]["nodes"]
                .as_array()
                .map(Vec::len),
            Some(3),
            "{anonymous}"
        );
        assert_eq!(anonymous["member"], Value::Null, "{anonymous}");
        assert_eq!(anonymous["hidden"], Value::Null, "{anonymous}");
        assert_eq!(anonymous["draft"], Value::Null, "{anonymous}");
        assert_eq!(anonymous["missing"], Value::Null);
        assert_eq!(anonymous["byCode"]["titleUk"], "Проєкт P2", "{anonymous}");
        let editor = &seen[1];
        assert_eq!(editor["member"]["slug"], "applicant", "{editor}");
        assert_eq!(editor["member"]["projects"]["nodes"][0]["code"], "D1");
        assert_eq!(editor["hidden"]["visibility"], "DRAFT", "{editor}");
        assert_eq!(editor["draft"]["owner"]["slug"], "applicant", "{editor}");
        assert_eq!(
            editor["node"]["responsibilities"]["totalCount"], 3,
            "{editor}"
        );
        // One object with everything under it: one statement on PostgreSQL.
        let one = "query($id: ID!) { node(id: $id) { ... on Project { code title status \
                   owner { name } responsibilities(first: 20) { nodes { function phase raci \
                   actor { name } } } } } }";
        let (data, statements) = app
            .data_and_statements(one, json!({ "id": variables["id"] }))
            .await;
        assert_eq!(data["node"]["code"], "P1", "{data}");
        let by_code = "{ project(code: \"P2\") { code owner { name } funding { nodes { funder { slug } } } } }";
        let (data, by_code) = app.data_and_statements(by_code, json!({})).await;
        assert_eq!(data["project"]["code"], "P2", "{data}");
        if postgres {
            assert_eq!(statements, 1, "[{}] one statement", app.backend);
            assert_eq!(by_code, 1, "[{}] one statement", app.backend);
        }
        app.finish().await;
    }
}

/// A response key selected twice (here once through a fragment, as
/// colocated fragments do) gets the fields of both selections, on every
/// path: the engine merges the two values.
#[tokio::test]
async fn a_response_key_selected_twice_gets_both_selections() {
    for app in spawn_apps(false).await {
        seed(&app).await;
        let p1 = entity::project::Entity::find()
            .all(&app.db)
            .await
            .expect("projects")
            .into_iter()
            .find(|p| p.code == "P1")
            .expect("P1")
            .id;
        let id = alliance_api::ids::encode("Project", p1).to_string();
        let query = r#"query($id: ID!) {
          projects(first: 2) { nodes { code participants { nodes { id } } ...members } }
          ...again
          node(id: $id) { ... on Project { code } }
          ...byId
        }
        fragment members on Project { participants { nodes { member { slug } } } }
        fragment again on Query { projects(first: 2) { nodes { title } } }
        fragment byId on Query { node(id: $id) { id } }"#;
        let data = app.data(query, json!({ "id": id })).await;
        let nodes = data["projects"]["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), 2, "[{}] {data}", app.backend);
        for node in nodes {
            assert!(node["code"].is_string(), "[{}] {node}", app.backend);
            assert!(node["title"].is_string(), "[{}] {node}", app.backend);
            let participants = node["participants"]["nodes"].as_array().expect("nodes");
            assert!(!participants.is_empty(), "[{}] {node}", app.backend);
            for participant in participants {
                assert!(participant["id"].is_string(), "[{}] {node}", app.backend);
                assert!(
                    participant["member"]["slug"].is_string(),
                    "[{}] {node}",
                    app.backend
                );
            }
        }
        assert_eq!(data["node"]["code"], "P1", "[{}] {data}", app.backend);
        assert_eq!(data["node"]["id"], json!(id), "[{}] {data}", app.backend);
        app.finish().await;
    }
}
