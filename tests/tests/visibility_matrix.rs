//! The visibility matrix: hidden records of every kind, linked into public
//! ones, and for each role every surface (each route of the router, each
//! download, each root field of the schema, live subscriptions) neither
//! returns nor counts what that role may not see.
//!
//! A hidden record is known by its marks: a text only it holds, or its
//! global ID. Each surface is asked broadly (every field of the schema to a
//! few levels, built from introspection) and its answer searched for the
//! marks. Aggregates are compared before and after the hidden records were
//! added: for a role that may see none of them they do not move.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use alliance_api::auth::Role;
use alliance_api::config::Limits;
use alliance_api::ids;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tests::scenario::{self, Help};
use tests::ws::{Incoming, WsClient};
use tests::{TestApp, spawn_app_with};

/// Who asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    /// An editor of another organisation (Kharkiv, a member).
    EditorOfKharkiv,
    /// An editor of the hidden applicant itself (Tampere).
    EditorOfTampere,
    Analyst,
    Coordinator,
}

const CALLERS: [Caller; 5] = [
    Caller::Anonymous,
    Caller::EditorOfKharkiv,
    Caller::EditorOfTampere,
    Caller::Analyst,
    Caller::Coordinator,
];

/// Whose a hidden record is: besides the analyst and the coordinator, its
/// own organisation's editor sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    Kharkiv,
    Tampere,
    /// An organisation none of the callers edits for.
    Other,
}

impl Caller {
    fn token(self, app: &TestApp) -> Option<String> {
        match self {
            Caller::Anonymous => None,
            Caller::EditorOfKharkiv => Some(app.token(Role::Editor, Some("kharkiv"))),
            Caller::EditorOfTampere => Some(app.token(Role::Editor, Some("tampere"))),
            Caller::Analyst => Some(app.token(Role::Analyst, None)),
            Caller::Coordinator => Some(app.token(Role::Coordinator, None)),
        }
    }

    fn sees(self, owner: Owner) -> bool {
        match self {
            Caller::Analyst | Caller::Coordinator => true,
            Caller::EditorOfKharkiv => owner == Owner::Kharkiv,
            Caller::EditorOfTampere => owner == Owner::Tampere,
            Caller::Anonymous => false,
        }
    }
}

/// A mark of a hidden record: text only it holds, and whose it is.
struct Mark {
    text: String,
    owner: Owner,
    what: &'static str,
}

/// The hidden records, by their marks, and ids the surfaces are asked about.
struct Hidden {
    marks: Vec<Mark>,
    /// Global IDs of hidden records, for `node`/`nodes`/`_entities`.
    ids: Vec<String>,
    /// The published project the hidden records are linked into.
    public_project: String,
}

impl Hidden {
    /// The marks in `text` that `caller` may not see.
    fn leaked(&self, caller: Caller, text: &str) -> Vec<String> {
        self.marks
            .iter()
            .filter(|m| !caller.sees(m.owner) && text.contains(&m.text))
            .map(|m| format!("{} ({})", m.what, m.text))
            .collect()
    }
}

/// The first `id` in the answer to `query`, asked as the coordinator.
async fn id_of(app: &TestApp, query: &str) -> String {
    let data = app.coordinator_data(query, json!({})).await;
    fn first_id(value: &Value) -> Option<String> {
        match value {
            Value::Object(fields) => fields
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| fields.values().find_map(first_id)),
            _ => None,
        }
    }
    first_id(&data).unwrap_or_else(|| panic!("no id in {data}"))
}

fn raw_id(global: &str, kind: &str) -> i64 {
    ids::decode(global, kind, "id").expect("a global id")
}

async fn sql(app: &TestApp, statement: &str) {
    app.db
        .execute_unprepared(statement)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// The records everyone may see that the hidden ones are linked to, made
/// before the aggregates are first read.
struct Public {
    offer: i64,
    need: i64,
    /// A published project owned by the rejected member: the project is
    /// public, its owner is not.
    project: i64,
    /// A member whose application was rejected (hidden from the start).
    rejected: i64,
}

async fn public_records(app: &TestApp) -> Public {
    let gdansk = raw_id(
        &id_of(app, r#"{ member(slug: "gdansk") { id } }"#).await,
        "Member",
    );
    let mykolaiv = raw_id(
        &id_of(app, r#"{ member(slug: "mykolaiv") { id } }"#).await,
        "Member",
    );
    let rejected = scenario::member(&app.db, "canary-rejected", "CITY", None).await;
    sql(
        app,
        &format!(
            "UPDATE member SET status = 'REJECTED', contact_email = 'canary-rejected-contact@example.org' WHERE id = {rejected}"
        ),
    )
    .await;
    let oblast = scenario::oblast(&app.db, "UA-63").await;
    Public {
        offer: scenario::offer(&app.db, gdansk, "Open offer", Help::default()).await,
        need: scenario::need(&app.db, mykolaiv, "Open need", Help::default()).await,
        project: scenario::project(&app.db, "UA-REJ-2026-901", rejected, oblast).await,
        rejected,
    }
}

/// Hidden records of every kind, linked into public ones.
async fn hidden_records(app: &TestApp, public: &Public) -> Hidden {
    let db = &app.db;
    let coordinator = app.token(Role::Coordinator, None);
    let member = |slug: &'static str| async move {
        raw_id(
            &id_of(app, &format!(r#"{{ member(slug: "{slug}") {{ id }} }}"#)).await,
            "Member",
        )
    };
    let (kharkiv, tampere, gdansk, lublin, mykolaiv) = (
        member("kharkiv").await,
        member("tampere").await,
        member("gdansk").await,
        member("lublin").await,
        member("mykolaiv").await,
    );
    let mut marks = vec![
        Mark {
            text: "City of Tampere".into(),
            owner: Owner::Tampere,
            what: "an applicant",
        },
        Mark {
            text: "tampere@example.org".into(),
            owner: Owner::Tampere,
            what: "an applicant's contact",
        },
        Mark {
            text: "kharkiv@example.org".into(),
            owner: Owner::Kharkiv,
            what: "a member's contact",
        },
        Mark {
            text: "Bridge over the Udy river".into(),
            owner: Owner::Other,
            what: "another organisation's draft project",
        },
    ];
    let mut ids = vec![ids::encode("Member", tampere).to_string()];
    // Members that were rejected (hidden), suspended or withdrawn (public,
    // their contacts private).
    let rejected = public.rejected;
    for (slug, status, hidden) in [
        ("canary-rejected", "REJECTED", true),
        ("canary-suspended", "SUSPENDED", false),
        ("canary-withdrawn", "WITHDRAWN", false),
    ] {
        let id = if hidden {
            rejected
        } else {
            let id = scenario::member(db, slug, "CITY", None).await;
            sql(
                app,
                &format!(
                    "UPDATE member SET status = '{status}', contact_email = '{slug}-contact@example.org' WHERE id = {id}"
                ),
            )
            .await;
            id
        };
        marks.push(Mark {
            text: format!("{slug}-contact@example.org"),
            owner: Owner::Other,
            what: "a member's contact",
        });
        if hidden {
            marks.push(Mark {
                text: format!("Member {slug}"),
                owner: Owner::Other,
                what: "a rejected member",
            });
            ids.push(ids::encode("Member", id).to_string());
        }
    }
    // The applicant's own draft project.
    let oblast = scenario::oblast(db, "UA-63").await;
    let draft = scenario::project(db, "UA-TAM-2026-900", tampere, oblast).await;
    sql(
        app,
        &format!("UPDATE project SET visibility = 'DRAFT' WHERE id = {draft}"),
    )
    .await;
    marks.push(Mark {
        text: "UA-TAM-2026-900".into(),
        owner: Owner::Tampere,
        what: "an applicant's draft project",
    });
    ids.push(ids::encode("Project", draft).to_string());
    // Offers, needs and a match that stay private.
    let draft_offer = scenario::offer(
        db,
        gdansk,
        "CANARY draft offer",
        Help {
            status: "DRAFT",
            ..Help::default()
        },
    )
    .await;
    let draft_need = scenario::need(
        db,
        mykolaiv,
        "CANARY draft need",
        Help {
            status: "DRAFT",
            ..Help::default()
        },
    )
    .await;
    let applicant_offer =
        scenario::offer(db, tampere, "CANARY applicant offer", Help::default()).await;
    let proposed = scenario::a_match(db, public.offer, public.need, "PROPOSED").await;
    for (text, owner, what, id) in [
        (
            "CANARY draft offer",
            Owner::Other,
            "a draft offer",
            ids::encode("AssistanceOffer", draft_offer),
        ),
        (
            "CANARY draft need",
            Owner::Other,
            "a draft need",
            ids::encode("AssistanceNeed", draft_need),
        ),
        (
            "CANARY applicant offer",
            Owner::Tampere,
            "an applicant's offer",
            ids::encode("AssistanceOffer", applicant_offer),
        ),
    ] {
        marks.push(Mark {
            text: text.into(),
            owner,
            what,
        });
        ids.push(id.to_string());
    }
    let proposed = ids::encode("AssistanceMatch", proposed).to_string();
    marks.push(Mark {
        text: proposed.clone(),
        owner: Owner::Other,
        what: "a proposed match",
    });
    ids.push(proposed);
    // Partnerships: one proposed to Kharkiv, one with the applicant.
    let with_kharkiv = scenario::partnership(db, lublin, kharkiv, "PROPOSED", None).await;
    let with_applicant = scenario::partnership(db, tampere, mykolaiv, "ACTIVE", None).await;
    for (id, owner, what) in [
        (with_kharkiv, Owner::Kharkiv, "a proposed partnership"),
        (with_applicant, Owner::Tampere, "an applicant's partnership"),
    ] {
        let id = ids::encode("Partnership", id).to_string();
        marks.push(Mark {
            text: id.clone(),
            owner,
            what,
        });
        ids.push(id);
    }
    // A responsibility of the rejected member on the public project.
    let project_id = raw_id(
        &id_of(app, r#"{ project(code: "UA-KHA-2025-001") { id } }"#).await,
        "Project",
    );
    let duty = scenario::duty(
        db,
        scenario::Duty {
            actor: rejected,
            project: Some(project_id),
            function: "MONITORING",
            level: "NATIONAL",
            ..scenario::Duty::default()
        },
    )
    .await;
    let duty = ids::encode("Responsibility", duty).to_string();
    marks.push(Mark {
        text: duty.clone(),
        owner: Owner::Other,
        what: "a rejected member's responsibility",
    });
    ids.push(duty);
    // Through the API (these move the audit trail's head, so every kept
    // aggregate is computed again): the applicant as participant and funder
    // of the published project, the rejected member as funder of another.
    let public_project = ids::encode("Project", project_id).to_string();
    let (_, added) = app
        .graphql_as(
            Some(&coordinator),
            "mutation($i: AddParticipantInput!) { addParticipant(input: $i) { participant { id } userErrors { message } } }",
            json!({ "i": { "projectId": public_project, "memberId": ids::encode("Member", tampere),
                "organisationRole": "FUNDING", "allianceRole": "SUPPORTING_PARTNER" } }),
        )
        .await;
    let participant = added["data"]["addParticipant"]["participant"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("participant added: {added}"))
        .to_owned();
    marks.push(Mark {
        text: participant.clone(),
        owner: Owner::Tampere,
        what: "an applicant's participation",
    });
    ids.push(participant);
    for (funder, amount, owner, project) in [
        (
            tampere,
            "9876543.21",
            Owner::Tampere,
            public_project.clone(),
        ),
        (
            rejected,
            "1234321.00",
            Owner::Other,
            ids::encode("Project", public.project).to_string(),
        ),
    ] {
        let (_, recorded) = app
            .graphql_as(
                Some(&coordinator),
                "mutation($i: RecordFundingInput!) { recordFunding(input: $i) { funding { id } userErrors { message } } }",
                json!({ "i": { "projectId": project, "funderId": ids::encode("Member", funder),
                    "stage": "PLEDGED", "financeType": "STANDARD_GRANT", "valueDate": "2026-01-15",
                    "amount": { "amount": amount, "currency": "EUR" } } }),
            )
            .await;
        let funding = recorded["data"]["recordFunding"]["funding"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("funding recorded: {recorded}"))
            .to_owned();
        marks.push(Mark {
            text: amount.split('.').next().unwrap_or(amount).to_owned(),
            owner,
            what: "a hidden funder's pledge",
        });
        marks.push(Mark {
            text: funding.clone(),
            owner,
            what: "a hidden funder's funding record",
        });
        ids.push(funding);
    }
    Hidden {
        marks,
        ids,
        public_project,
    }
}

/// The schema as introspection tells it: each type's fields.
struct Schema {
    types: BTreeMap<String, Value>,
}

const TYPE_REF: &str = "fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

impl Schema {
    async fn read(app: &TestApp) -> Self {
        let query = format!(
            "{{ __schema {{ types {{ name kind possibleTypes {{ name }} fields {{ name args {{ name defaultValue type {{ ...T }} }} type {{ ...T }} }} }} }} }} {TYPE_REF}"
        );
        let data = app.data(&query, json!({})).await;
        let types = data["__schema"]["types"]
            .as_array()
            .expect("types")
            .iter()
            .map(|t| (t["name"].as_str().unwrap_or_default().to_owned(), t.clone()))
            .collect();
        Self { types }
    }

    fn fields(&self, type_name: &str) -> Vec<Value> {
        self.types[type_name]["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The named type under list and non-null wrappers, and its kind.
    fn named(reference: &Value) -> (String, String) {
        let mut t = reference;
        while t["name"].is_null() {
            t = &t["ofType"];
        }
        (
            t["name"].as_str().unwrap_or_default().to_owned(),
            t["kind"].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// A selection of every field of `type_name` down to `depth` objects
    /// (connections and edges do not count), lists paged by 3, fields with
    /// required arguments left out.
    fn selection(&self, type_name: &str, depth: usize) -> String {
        let ty = &self.types[type_name];
        if matches!(ty["kind"].as_str(), Some("INTERFACE" | "UNION")) {
            let mut parts = vec!["__typename".to_owned()];
            if depth > 0 {
                for possible in ty["possibleTypes"].as_array().into_iter().flatten() {
                    let name = possible["name"].as_str().unwrap_or_default();
                    parts.push(format!(
                        "... on {name} {{ {} }}",
                        self.selection(name, depth)
                    ));
                }
            }
            return parts.join(" ");
        }
        let mut parts = vec!["__typename".to_owned()];
        for field in self.fields(type_name) {
            let name = field["name"].as_str().unwrap_or_default();
            let args = field["args"].as_array().cloned().unwrap_or_default();
            let required = args
                .iter()
                .any(|a| a["type"]["kind"] == "NON_NULL" && a["defaultValue"].is_null());
            if required {
                continue;
            }
            let paged = args.iter().any(|a| a["name"] == "first");
            let arguments = if paged { "(first: 3)" } else { "" };
            let (inner, kind) = Self::named(&field["type"]);
            match kind.as_str() {
                "SCALAR" | "ENUM" => parts.push(format!("{name}{arguments}")),
                _ => {
                    let wrapper = inner.ends_with("Connection") || inner.ends_with("Edge");
                    let below = if wrapper {
                        depth
                    } else {
                        depth.saturating_sub(1)
                    };
                    if wrapper || depth > 0 {
                        parts.push(format!(
                            "{name}{arguments} {{ {} }}",
                            self.selection(&inner, below)
                        ));
                    }
                }
            }
        }
        parts.join(" ")
    }
}

/// A broad question to each root field: its arguments and the selection,
/// no deeper than `cap` levels of objects.
fn root_questions(schema: &Schema, hidden: &Hidden, cap: usize) -> Vec<(String, String)> {
    let ids = serde_json::to_string(&hidden.ids).expect("ids");
    let mut questions = Vec::new();
    for field in schema.fields("Query") {
        let name = field["name"].as_str().unwrap_or_default().to_owned();
        let (inner, _) = Schema::named(&field["type"]);
        let paged = field["args"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|a| a["name"] == "first");
        let queries: Vec<String> = match name.as_str() {
            "node" => hidden
                .ids
                .iter()
                .map(|id| {
                    format!(
                        r#"{{ node(id: "{id}") {{ {} }} }}"#,
                        schema.selection(&inner, 2.min(cap))
                    )
                })
                .collect(),
            "nodes" => vec![format!(
                "{{ nodes(ids: {ids}) {{ {} }} }}",
                schema.selection(&inner, 2.min(cap))
            )],
            "_entities" => {
                // The hidden projects and members, as a router asks for them.
                let representations: Vec<Value> = hidden
                    .ids
                    .iter()
                    .filter_map(|id| {
                        ["Project", "Member"]
                            .into_iter()
                            .find(|kind| ids::decode(id, kind, "id").is_ok())
                            .map(|kind| json!({ "__typename": kind, "id": id }))
                    })
                    .collect();
                let representations = serde_json::to_string(&representations)
                    .expect("representations")
                    .replace("\"__typename\"", "__typename")
                    .replace("\"id\"", "id");
                vec![format!(
                    "{{ _entities(representations: {representations}) {{ {} }} }}",
                    schema.selection(&inner, 2.min(cap))
                )]
            }
            "_service" => vec!["{ _service { sdl } }".into()],
            "project" => vec![
                format!(
                    r#"{{ project(code: "UA-TAM-2026-900") {{ {} }} }}"#,
                    schema.selection(&inner, 3.min(cap))
                ),
                format!(
                    r#"{{ project(code: "UA-KHA-2025-001") {{ {} }} }}"#,
                    schema.selection(&inner, 3.min(cap))
                ),
                format!(
                    r#"{{ project(code: "UA-REJ-2026-901") {{ {} }} }}"#,
                    schema.selection(&inner, 3.min(cap))
                ),
            ],
            "member" => ["tampere", "canary-rejected", "kharkiv", "canary-suspended"]
                .iter()
                .map(|slug| {
                    format!(
                        r#"{{ member(slug: "{slug}") {{ {} }} }}"#,
                        schema.selection(&inner, 3.min(cap))
                    )
                })
                .collect(),
            "territory" => vec![format!(
                r#"{{ territory(code: "UA-63") {{ {} }} }}"#,
                schema.selection(&inner, 3.min(cap))
            )],
            "matchSuggestions" => {
                vec![format!(
                    r#"query($n: ID!) {{ matchSuggestions(needId: $n, first: 20) {{ {} }} }}"#,
                    schema.selection(&inner, 3.min(cap))
                )]
            }
            "responsibilityMatrix" => vec![format!(
                r#"{{ responsibilityMatrix(scope: {{projectId: "{}"}}) {{ {} }} }}"#,
                hidden.public_project,
                schema.selection(&inner, 3.min(cap))
            )],
            "fundingFunnel" => ["[FUNDER]", "[]", "[OBLAST, THEME]"]
                .iter()
                .map(|by| {
                    format!(
                        "{{ fundingFunnel(groupBy: {by}) {{ {} }} }}",
                        schema.selection(&inner, 1.min(cap))
                    )
                })
                .collect(),
            _ => {
                // Lists: every row, two levels of objects under each; one
                // record: three levels.
                let (arguments, depth) = if paged { ("(first: 100)", 2) } else { ("", 3) };
                vec![format!(
                    "{{ {name}{arguments} {{ {} }} }}",
                    schema.selection(&inner, depth.min(cap))
                )]
            }
        };
        for query in queries {
            questions.push((name.clone(), query));
        }
    }
    questions
}

/// The root fields whose answers are counts and sums over records.
const AGGREGATES: [&str; 7] = [
    "fundingFunnel",
    "assistanceStats",
    "oecdCoverage",
    "governanceIssues",
    "partnershipGaps",
    "responsibilityMatrix",
    "clusters",
];

async fn ask(app: &TestApp, caller: Caller, text: &str, variables: Value) -> Value {
    let token = caller.token(app);
    let (status, body) = app.graphql_as(token.as_deref(), text, variables).await;
    // Enough of the question to tell which it was.
    let query: String = text.chars().take(100).collect();
    assert!(
        status < 500,
        "[{}] {caller:?} {query}: {status} {body}",
        app.backend
    );
    for error in body["errors"].as_array().into_iter().flatten() {
        let code = error["extensions"]["code"].as_str().unwrap_or_default();
        assert!(
            matches!(
                code,
                "FORBIDDEN" | "UNAUTHENTICATED" | "NOT_FOUND" | "BAD_USER_INPUT"
            ),
            "[{}] {caller:?} {query}: {error}",
            app.backend
        );
    }
    body
}

/// An answer without what any write to a record moves (its version and
/// time of change), which are not counts.
fn settled(value: Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .filter(|(name, _)| !matches!(name.as_str(), "version" | "updatedAt"))
                .map(|(name, value)| (name, settled(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(settled).collect()),
        other => other,
    }
}

/// Asks the deepest of a question's variants that fits the cost limit.
async fn ask_deepest(
    app: &TestApp,
    caller: Caller,
    variants: &[Vec<(String, String)>],
    index: usize,
    variables: Value,
) -> Value {
    for (depth, questions) in variants.iter().enumerate() {
        let query = &questions[index].1;
        let token = caller.token(app);
        let (_, body) = app
            .graphql_as(token.as_deref(), query, variables.clone())
            .await;
        let too_costly = body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED";
        if !too_costly || depth + 1 == variants.len() {
            return ask(app, caller, query, variables).await;
        }
    }
    unreachable!("variants are never empty")
}

/// Where `a` and `b` first differ, as a path and both values.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x
            .iter()
            .find_map(|(k, v)| {
                first_difference(v, y.get(k).unwrap_or(&Value::Null), &format!("{path}.{k}"))
            })
            .or_else(|| {
                (x.len() != y.len()).then(|| format!("{path}: fields {} → {}", x.len(), y.len()))
            }),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!(
            "{path}: {} → {}",
            a.to_string().chars().take(300).collect::<String>(),
            b.to_string().chars().take(300).collect::<String>()
        )),
    }
}

async fn aggregates(
    app: &TestApp,
    caller: Caller,
    variants: &[Vec<(String, String)>],
) -> BTreeMap<String, Value> {
    let mut answers = BTreeMap::new();
    for (index, (field, _)) in variants[0].iter().enumerate() {
        if AGGREGATES.contains(&field.as_str()) {
            let body = ask_deepest(app, caller, variants, index, json!({})).await;
            answers.insert(format!("{index}:{field}"), settled(body["data"].clone()));
        }
    }
    answers
}

async fn download(app: &TestApp, caller: Caller, file: &str) -> (u16, String) {
    let mut request = app.client().get(format!("{}/exports/{file}", app.address));
    if let Some(token) = caller.token(app) {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("download answered");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn matrix(backend: &'static str) {
    // The sweep asks a lot from one address: no rate limit in the way.
    let app = spawn_app_with(
        backend,
        true,
        Limits {
            rate_limit_anonymous: u64::MAX / 4,
            rate_limit_token: u64::MAX / 4,
            ..tests::limits()
        },
    )
    .await;
    let schema = Schema::read(&app).await;
    let public = public_records(&app).await;
    // The questions need the hidden records' ids; the aggregates are read
    // before they exist with the same questions (ids not yet used).
    let placeholder = Hidden {
        marks: Vec::new(),
        ids: Vec::new(),
        public_project: id_of(&app, r#"{ project(code: "UA-KHA-2025-001") { id } }"#).await,
    };
    let before_questions: Vec<_> = (0..=3)
        .rev()
        .map(|cap| root_questions(&schema, &placeholder, cap))
        .collect();
    let mut before = BTreeMap::new();
    for caller in [
        Caller::Anonymous,
        Caller::EditorOfKharkiv,
        Caller::Coordinator,
    ] {
        before.insert(
            format!("{caller:?}"),
            aggregates(&app, caller, &before_questions[2..]).await,
        );
    }
    // Live subscriptions, opened before the hidden records are written.
    let mut live = Vec::new();
    for caller in CALLERS {
        let token = caller.token(&app);
        let mut client = WsClient::open(&app.address, token.as_deref()).await;
        client
            .subscribe(
                "changes",
                &format!(
                    "subscription {{ changes(after: null) {{ {} }} }}",
                    schema.selection("Change", 2)
                ),
                json!({}),
            )
            .await;
        client
            .subscribe(
                "project",
                &format!(
                    "subscription($id: ID!) {{ projectUpdated(id: $id) {{ {} }} }}",
                    schema.selection("Project", 2)
                ),
                json!({ "id": placeholder.public_project }),
            )
            .await;
        live.push((caller, client));
    }
    let hidden = hidden_records(&app, &public).await;
    let variants: Vec<_> = (0..=3)
        .rev()
        .map(|cap| root_questions(&schema, &hidden, cap))
        .collect();
    let questions = &variants[0];

    // Every surface is in the matrix: the routes of the router, the
    // downloads and the root fields of the schema.
    let covered_routes: HashSet<&str> = [
        "/graphql",
        "/graphql/ws",
        "/exports/{file}",
        "/metrics",
        "/healthz",
        "/readyz",
    ]
    .into();
    for (path, _) in alliance_api::server::ROUTES {
        assert!(
            covered_routes.contains(path),
            "route {path} has no row in the visibility matrix"
        );
    }
    for (operation, field, _) in alliance_api::policy::POLICY {
        let covered = match *operation {
            "Query" => questions.iter().any(|(name, _)| name == field),
            "Subscription" => matches!(*field, "changes" | "projectUpdated"),
            // Writes: who may call them is the policy table's (tests/policy.rs
            // and the access matrix); what their payloads show is read
            // through the same visibility as the queries.
            _ => true,
        };
        assert!(
            covered,
            "{operation}.{field} has no row in the visibility matrix"
        );
    }

    // Aggregates: for callers who may see none of the hidden records (or
    // only their own, which no aggregate counts), nothing moved; for the
    // coordinator, who sees them all, the hidden pledges count.
    for caller in [
        Caller::Anonymous,
        Caller::EditorOfKharkiv,
        Caller::Coordinator,
    ] {
        let after = aggregates(&app, caller, &before_questions[2..]).await;
        let earlier = &before[&format!("{caller:?}")];
        if caller == Caller::Coordinator {
            assert_ne!(
                &after, earlier,
                "[{backend}] the coordinator's aggregates count the hidden records"
            );
        } else {
            for (key, value) in earlier {
                if let Some(difference) = first_difference(value, &after[key], key) {
                    panic!("[{backend}] {caller:?}: {difference} counts records it may not see");
                }
            }
        }
    }
    let need = ids::encode("AssistanceNeed", public.need).to_string();
    // GraphQL, every root field, for the callers that may not see some of
    // the hidden records (the analyst and the coordinator see them all),
    // side by side.
    let sweeps = CALLERS
        .into_iter()
        .filter(|caller| !caller.sees(Owner::Other))
        .map(|caller| {
            let (app, variants, hidden, need) = (&app, &variants, &hidden, &need);
            async move {
                let mut leaks = Vec::new();
                for (index, (field, _)) in variants[0].iter().enumerate() {
                    let variables = if field == "matchSuggestions" {
                        json!({ "n": need })
                    } else {
                        json!({})
                    };
                    let body = ask_deepest(app, caller, variants, index, variables).await;
                    for leak in hidden.leaked(caller, &body.to_string()) {
                        leaks.push(format!("{caller:?} {field}: {leak}"));
                    }
                }
                leaks
            }
        });
    let mut leaks: Vec<String> = futures_util::future::join_all(sweeps)
        .await
        .into_iter()
        .flatten()
        .collect();
    for caller in CALLERS {
        // Every download in every format.
        for (file, _) in alliance_api::export::Export::ALL {
            let (status, text) = download(&app, caller, file).await;
            assert!(status < 500, "[{backend}] {caller:?} {file}: {status}");
            for leak in hidden.leaked(caller, &text) {
                leaks.push(format!("{caller:?} /exports/{file}: {leak}"));
            }
        }
        // The operators' endpoints show no records, and metrics need a token.
        for path in ["/healthz", "/readyz", "/metrics"] {
            let mut request = app.client().get(format!("{}{path}", app.address));
            if let Some(token) = caller.token(&app) {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.expect("answered");
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            if path == "/metrics" {
                assert!(
                    matches!(status, 401 | 403),
                    "[{backend}] {caller:?} reads /metrics: {status}"
                );
            }
            for leak in hidden.leaked(caller, &text) {
                leaks.push(format!("{caller:?} {path}: {leak}"));
            }
        }
    }
    // Live: a public change wakes every subscription; what arrives shows
    // nothing hidden from its caller.
    let coordinator = app.token(Role::Coordinator, None);
    let (_, current) = app
        .graphql_as(
            Some(&coordinator),
            "query($c: String!) { project(code: $c) { id version } }",
            json!({ "c": "UA-KHA-2025-001" }),
        )
        .await;
    let (_, renamed) = app
        .graphql_as(
            Some(&coordinator),
            "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { project { version } } }",
            json!({ "i": { "id": current["data"]["project"]["id"], "expectedVersion": current["data"]["project"]["version"],
                "titles": { "en": "School No. 134 reconstruction (renamed)", "uk": "Відбудова школи № 134" } } }),
        )
        .await;
    assert!(
        renamed["data"]["updateProject"]["project"]["version"].is_number(),
        "{renamed}"
    );
    for (caller, client) in &mut live {
        // Until the public change arrives (a loaded machine may take a
        // while), then whatever follows it shortly.
        let mut seen_rename = false;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let wait = if seen_rename {
                Duration::from_secs(1)
            } else {
                deadline.saturating_duration_since(std::time::Instant::now())
            };
            let Some(message) = client.receive_within(wait).await else {
                break;
            };
            let Incoming::Message(message) = message else {
                panic!("[{backend}] {caller:?}: the connection closed: {message:?}");
            };
            let text = message.to_string();
            seen_rename |= text.contains("(renamed)");
            for leak in hidden.leaked(*caller, &text) {
                leaks.push(format!("{caller:?} subscription: {leak}"));
            }
        }
        assert!(
            seen_rename,
            "[{backend}] {caller:?} was told of the public change"
        );
    }
    assert!(
        leaks.is_empty(),
        "[{backend}] surfaces show what their callers may not see:\n{}",
        leaks.join("\n")
    );

    // The coordinator sees every hidden record (the marks are reachable).
    let (_, everything) = app
        .graphql_as(
            Some(&coordinator),
            &format!(
                "query($ids: [ID!]!) {{ nodes(ids: $ids) {{ {} }} }}",
                schema.selection("Node", 0)
            ),
            json!({ "ids": hidden.ids }),
        )
        .await;
    let nodes = everything["data"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        nodes.iter().all(|n| !n.is_null()) && nodes.len() == hidden.ids.len(),
        "[{backend}] the coordinator reads every hidden record: {everything}"
    );
    app.finish().await;
}

#[tokio::test]
async fn no_surface_shows_or_counts_hidden_records_on_sqlite() {
    matrix("sqlite").await;
}

#[tokio::test]
async fn no_surface_shows_or_counts_hidden_records_on_postgres() {
    if tests::backends().contains(&"postgres") {
        matrix("postgres").await;
    }
}
