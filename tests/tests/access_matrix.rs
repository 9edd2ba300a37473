//! The access matrix: role × operation × (own organisation, other organisation)
//! × (draft, published), each outcome checked.

use alliance_api::auth::Role;
use serde_json::{Value, json};
use tests::{TestApp, spawn_app};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    Anonymous,
    EditorOfKharkiv,
    Coordinator,
    Analyst,
    Admin,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// The operation succeeds.
    Ok,
    /// The record is not there for this caller (null, or a NOT_FOUND user error).
    Hidden,
    /// A top-level UNAUTHENTICATED error.
    Unauthenticated,
    /// A top-level FORBIDDEN error.
    Forbidden,
    /// A user error: the move is not allowed from the current state.
    InvalidTransition,
}

/// (code, owned by the editor's organisation, published)
const TARGETS: [(&str, bool, bool); 4] = [
    ("UA-KHA-2026-900", true, false),
    ("UA-KHA-2025-001", true, true),
    ("UA-KHA-2026-003", false, false),
    ("UA-MYK-2025-001", false, true),
];

fn token(app: &TestApp, caller: Caller) -> Option<String> {
    match caller {
        Caller::Anonymous => None,
        Caller::EditorOfKharkiv => Some(app.token(Role::Editor, Some("kharkiv"))),
        Caller::Coordinator => Some(app.token(Role::Coordinator, None)),
        Caller::Analyst => Some(app.token(Role::Analyst, None)),
        Caller::Admin => Some(app.token(Role::Admin, None)),
    }
}

fn expected(caller: Caller, operation: &str, own: bool, published: bool) -> Expect {
    use Caller::*;
    use Expect::*;
    match (operation, caller) {
        ("read", Anonymous) => {
            if published {
                Ok
            } else {
                Hidden
            }
        }
        ("read", EditorOfKharkiv) => {
            if own || published {
                Ok
            } else {
                Hidden
            }
        }
        ("read", _) => Ok,
        (_, Anonymous) => Unauthenticated,
        ("update", EditorOfKharkiv) => match (own, published) {
            (true, _) => Ok,
            (false, false) => Hidden,
            (false, true) => Forbidden,
        },
        ("update", Analyst) => Forbidden,
        ("update", _) => Ok,
        ("publish", EditorOfKharkiv | Analyst) => Forbidden,
        ("publish", _) => {
            if published {
                InvalidTransition
            } else {
                Ok
            }
        }
        _ => unreachable!(),
    }
}

async fn outcome(app: &TestApp, caller: Caller, operation: &str, code: &str) -> Expect {
    let coordinator = app.token(Role::Coordinator, None);
    let (_, current) = app
        .graphql_as(
            Some(&coordinator),
            "query($c: String!) { project(code: $c) { id version } }",
            json!({ "c": code }),
        )
        .await;
    let (id, version) = (
        current["data"]["project"]["id"].clone(),
        current["data"]["project"]["version"].clone(),
    );
    let token = token(app, caller);
    let (query, variables, field) = match operation {
        "read" => (
            "query($c: String!) { project(code: $c) { code } }",
            json!({ "c": code }),
            "project",
        ),
        "update" => (
            "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { project { code } userErrors { code } } }",
            json!({ "i": { "id": id, "expectedVersion": version, "titles": { "en": "Renamed", "uk": "Перейменовано" } } }),
            "updateProject",
        ),
        _ => (
            "mutation($i: ProjectVisibilityInput!) { publishProject(input: $i) { project { code } userErrors { code } } }",
            json!({ "i": { "id": id, "expectedVersion": version } }),
            "publishProject",
        ),
    };
    let (_, body) = app.graphql_as(token.as_deref(), query, variables).await;
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some("UNAUTHENTICATED") => return Expect::Unauthenticated,
        Some("FORBIDDEN") => return Expect::Forbidden,
        Some(other) => panic!("unexpected error {other}: {body}"),
        None => {}
    }
    let data = &body["data"][field];
    if operation == "read" {
        return if data.is_null() {
            Expect::Hidden
        } else {
            Expect::Ok
        };
    }
    match data["userErrors"][0]["code"].as_str() {
        None if data["project"]["code"] == code => Expect::Ok,
        Some("NOT_FOUND") => Expect::Hidden,
        Some("INVALID_TRANSITION") => Expect::InvalidTransition,
        _ => panic!("unexpected payload: {body}"),
    }
}

#[tokio::test]
async fn every_role_gets_the_documented_outcome_for_every_operation_and_record() {
    for backend in tests::backends() {
        for caller in [
            Caller::Anonymous,
            Caller::EditorOfKharkiv,
            Caller::Coordinator,
            Caller::Analyst,
            Caller::Admin,
        ] {
            for operation in ["read", "update", "publish"] {
                // A fresh service per row of the matrix, so that one row's writes do not change another's.
                let app = spawn_app(backend, true).await;
                let coordinator = app.token(Role::Coordinator, None);
                let ids: Value = app
                    .data(
                        r#"{ territory(code: "UA-63") { id } member(slug: "kharkiv") { id } }"#,
                        json!({}),
                    )
                    .await;
                let (_, created) = app
                    .graphql_as(Some(&coordinator), "mutation($i: CreateProjectInput!) { createProject(input: $i) { project { code } } }", json!({ "i": {
                        "code": "UA-KHA-2026-900", "titles": { "en": "Own draft", "uk": "Власна чернетка" }, "descriptions": { "en": "Test.", "uk": "Тест." },
                        "projectType": "CONSTRUCTION", "purpose": "DEVELOPMENT", "sectorCode": "14021", "theme": "WATER",
                        "territoryId": ids["territory"]["id"], "ownerId": ids["member"]["id"] } }))
                    .await;
                assert_eq!(
                    created["data"]["createProject"]["project"]["code"], "UA-KHA-2026-900",
                    "{created}"
                );
                for (code, own, published) in TARGETS {
                    let want = expected(caller, operation, own, published);
                    let got = outcome(&app, caller, operation, code).await;
                    assert_eq!(
                        got, want,
                        "[{backend}] {caller:?} {operation} {code} (own: {own}, published: {published})"
                    );
                }
                app.finish().await;
            }
        }
    }
}
