//! Live subscriptions over `/graphql/ws` (graphql-transport-ws): the change
//! feed replayed from a cursor and then live, `projectUpdated`, the protocol's
//! close codes, and fan-out between two instances on one database.

use std::time::Duration;

use alliance_api::auth::Role;
use serde_json::{Value, json};
use tests::ws::{Incoming, WsClient};
use tests::{TestApp, spawn_apps};

const LIVE_CHANGES: &str = r#"subscription($after: String, $types: [String!]) {
  changes(after: $after, entityTypes: $types) { sequence cursor operation entityType entityId }
}"#;

const PROJECT_UPDATED: &str = r#"subscription($id: ID!) {
  projectUpdated(id: $id) { id version titles { en } funding { totalCount } }
}"#;

const UPDATE: &str = r#"mutation($input: UpdateProjectInput!) {
  updateProject(input: $input) { project { version } userErrors { code message } }
}"#;

const RECORD: &str = r#"mutation($input: RecordFundingInput!) {
  recordFunding(input: $input) { funding { id } userErrors { code message } }
}"#;

/// Renames a project as the secretariat; returns its new version.
async fn rename(app: &TestApp, token: &str, id: &Value, version: i64, title: &str) -> i64 {
    let (_, body) = app
        .graphql_as(
            Some(token),
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": version,
                "titles": { "en": title, "uk": "Нова назва" } } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateProject"]["userErrors"],
        json!([]),
        "{body}"
    );
    body["data"]["updateProject"]["project"]["version"]
        .as_i64()
        .expect("version")
}

async fn project_and_funder(app: &TestApp, code: &str) -> (Value, i64, Value) {
    let data = app
        .data(
            r#"query($code: String!) { project(code: $code) { id version } eib: member(slug: "eib") { id } }"#,
            json!({ "code": code }),
        )
        .await;
    (
        data["project"]["id"].clone(),
        data["project"]["version"].as_i64().expect("version"),
        data["eib"]["id"].clone(),
    )
}

/// Every change the secretariat reads, as (sequence, cursor), paging through the list.
async fn whole_feed(app: &TestApp, token: &str) -> Vec<(i64, Value)> {
    let mut all = Vec::new();
    let mut after = Value::Null;
    loop {
        let (_, body) = app
            .graphql_as(
                Some(token),
                "query($after: String) { changes(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { sequence } } } }",
                json!({ "after": after }),
            )
            .await;
        let page = &body["data"]["changes"];
        for edge in page["edges"].as_array().into_iter().flatten() {
            all.push((
                edge["node"]["sequence"].as_i64().expect("sequence"),
                edge["cursor"].clone(),
            ));
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// The sequence numbers of the next `count` changes of operation `id`.
async fn next_changes(client: &mut WsClient, id: &str, count: usize) -> Vec<Value> {
    let mut changes = Vec::new();
    for _ in 0..count {
        let payload = client.next_of(id).await;
        assert!(payload.get("errors").is_none(), "{payload}");
        changes.push(payload["data"]["changes"].clone());
    }
    changes
}

#[tokio::test]
async fn changes_replay_from_the_cursor_then_stream_live_in_commit_order() {
    for app in spawn_apps(true).await {
        let coordinator = app.token(Role::Coordinator, None);
        // A cursor stored from the list, three changes before the end of the trail.
        let feed = whole_feed(&app, &coordinator).await;
        let all_seqs: Vec<i64> = feed.iter().map(|(seq, _)| *seq).collect();
        assert!(all_seqs.len() > 3);
        let (replayed_from, cursor) = feed[all_seqs.len() - 4].clone();
        let mut client = WsClient::open(&app.address, Some(&coordinator)).await;
        client
            .subscribe("feed", LIVE_CHANGES, json!({ "after": cursor }))
            .await;
        // Replay: the three changes after the stored cursor, in order.
        let replay = next_changes(&mut client, "feed", 3).await;
        let seqs: Vec<i64> = replay
            .iter()
            .filter_map(|c| c["sequence"].as_i64())
            .collect();
        assert_eq!(
            seqs,
            all_seqs[all_seqs.len() - 3..].to_vec(),
            "[{}] replayed after {replayed_from}",
            app.backend
        );
        // Then nothing until something commits.
        assert_eq!(
            client.receive_within(Duration::from_millis(400)).await,
            None,
            "[{}] no message without a change",
            app.backend
        );
        // Live: two writes, each arriving once, in commit order.
        let (project, version, _) = project_and_funder(&app, "UA-KHA-2025-001").await;
        let version = rename(&app, &coordinator, &project, version, "Live one").await;
        rename(&app, &coordinator, &project, version, "Live two").await;
        let live = next_changes(&mut client, "feed", 2).await;
        let last = *seqs.last().expect("replayed");
        assert_eq!(live[0]["sequence"], json!(last + 1), "[{}]", app.backend);
        assert_eq!(live[1]["sequence"], json!(last + 2));
        assert_eq!(live[0]["operation"], "updateProject");
        assert_eq!(live[0]["entityId"], project);
        // The cursor of a live change reads on in the list from the same place.
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                "query($after: String) { changes(after: $after) { nodes { sequence } } }",
                json!({ "after": live[0]["cursor"] }),
            )
            .await;
        assert_eq!(
            body["data"]["changes"]["nodes"],
            json!([{ "sequence": last + 2 }]),
            "{body}"
        );
        // Completing the operation stops it; the connection stays usable.
        client
            .send(json!({ "type": "complete", "id": "feed" }))
            .await;
        client.send(json!({ "type": "ping" })).await;
        assert_eq!(
            client.receive().await,
            Incoming::Message(json!({ "type": "pong" }))
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn anonymous_subscribers_get_only_changes_of_records_they_may_see() {
    for app in spawn_apps(true).await {
        let coordinator = app.token(Role::Coordinator, None);
        let mut client = WsClient::open(&app.address, None).await;
        // From the end of the trail as the secretariat sees it.
        let end = whole_feed(&app, &coordinator)
            .await
            .pop()
            .expect("demo changes")
            .1;
        client
            .subscribe(
                "feed",
                LIVE_CHANGES,
                json!({ "after": end, "types": ["Project"] }),
            )
            .await;
        // A draft is created (not visible), then a published project is renamed.
        app.create_draft(&coordinator, "UA-LIVE-DRAFT", "Draft")
            .await;
        let (project, version, _) = project_and_funder(&app, "UA-KHA-2025-001").await;
        rename(&app, &coordinator, &project, version, "Public change").await;
        let change = next_changes(&mut client, "feed", 1).await.remove(0);
        assert_eq!(change["entityId"], project, "[{}] {change}", app.backend);
        assert_eq!(
            client.receive_within(Duration::from_millis(400)).await,
            None,
            "[{}] the draft's creation is not sent to anonymous subscribers",
            app.backend
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn project_updated_follows_the_project_and_its_parts() {
    for app in spawn_apps(true).await {
        let coordinator = app.token(Role::Coordinator, None);
        let (project, version, eib) = project_and_funder(&app, "UA-KHA-2025-001").await;
        let (other, other_version, _) = project_and_funder(&app, "UA-CHE-2025-001").await;
        let mut client = WsClient::open(&app.address, None).await;
        client
            .subscribe("p", PROJECT_UPDATED, json!({ "id": project }))
            .await;
        // Give the subscription a moment to start before the first write.
        assert_eq!(
            client.receive_within(Duration::from_millis(300)).await,
            None
        );

        let version = rename(&app, &coordinator, &project, version, "Renamed live").await;
        let payload = client.next_of("p").await;
        let seen = &payload["data"]["projectUpdated"];
        assert_eq!(
            seen["titles"]["en"], "Renamed live",
            "[{}] {payload}",
            app.backend
        );
        assert_eq!(seen["version"], json!(version));
        let funding_before = seen["funding"]["totalCount"].as_i64().expect("count");

        // Another project's change is not sent.
        rename(&app, &coordinator, &other, other_version, "Someone else").await;
        assert_eq!(
            client.receive_within(Duration::from_millis(400)).await,
            None,
            "[{}] another project's change",
            app.backend
        );
        // A part's change is.
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                RECORD,
                json!({ "input": { "projectId": project, "funderId": eib, "stage": "PLEDGED",
                    "financeType": "STANDARD_GRANT", "amount": { "amount": "10.00", "currency": "EUR" },
                    "valueDate": "2026-02-01" } }),
            )
            .await;
        assert_eq!(
            body["data"]["recordFunding"]["userErrors"],
            json!([]),
            "{body}"
        );
        let payload = client.next_of("p").await;
        assert_eq!(
            payload["data"]["projectUpdated"]["funding"]["totalCount"],
            json!(funding_before + 1),
            "[{}] {payload}",
            app.backend
        );
        // Removing the part is a change of the project too.
        let funding = body["data"]["recordFunding"]["funding"]["id"].clone();
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                "mutation($input: RemoveInput!) { removeFunding(input: $input) { userErrors { code message } } }",
                json!({ "input": { "id": funding } }),
            )
            .await;
        assert_eq!(
            body["data"]["removeFunding"]["userErrors"],
            json!([]),
            "{body}"
        );
        let payload = client.next_of("p").await;
        assert_eq!(
            payload["data"]["projectUpdated"]["funding"]["totalCount"],
            json!(funding_before),
            "[{}] {payload}",
            app.backend
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn a_write_through_one_instance_reaches_a_subscriber_of_another() {
    for app in spawn_apps(true).await {
        // Two instances on one database, as when scaling out.
        let other = app.sibling().await;
        let coordinator = app.token(Role::Coordinator, None);
        let (project, version, _) = project_and_funder(&app, "UA-KHA-2025-001").await;
        let mut client = WsClient::open(&other.address, None).await;
        client
            .subscribe("p", PROJECT_UPDATED, json!({ "id": project }))
            .await;
        assert_eq!(
            client.receive_within(Duration::from_millis(300)).await,
            None
        );
        // The write goes through the first instance.
        rename(&app, &coordinator, &project, version, "Across instances").await;
        let payload = client.next_of("p").await;
        assert_eq!(
            payload["data"]["projectUpdated"]["titles"]["en"], "Across instances",
            "[{}] {payload}",
            app.backend
        );
        other.finish().await;
        app.finish().await;
    }
}

#[tokio::test]
async fn protocol_violations_and_bad_tokens_close_with_the_protocol_codes() {
    for app in spawn_apps(true).await {
        let closed = |code: u16| {
            move |incoming: Incoming| match incoming {
                Incoming::Closed(got, _) => assert_eq!(got, code),
                other => panic!("expected close {code}, got {other:?}"),
            }
        };
        // A refused token: 4403, never left open.
        for payload in [
            json!({ "Authorization": "Bearer not-a-token" }),
            json!({ "token": "x.y.z" }),
            json!({ "Authorization": "Basic dXNlcjpwYXNz" }),
        ] {
            let mut client = WsClient::connect(&app.address).await;
            client
                .send(json!({ "type": "connection_init", "payload": payload }))
                .await;
            closed(4403)(client.receive().await);
        }
        // An expired token.
        let expired = {
            let now = chrono::Utc::now().timestamp() as u64;
            alliance_api::auth::mint(
                tests::TEST_SECRET,
                &alliance_api::auth::Claims {
                    sub: "late".into(),
                    exp: now - 3600,
                    iat: Some(now - 7200),
                    iss: tests::ISSUER.into(),
                    aud: tests::AUDIENCE.into(),
                    role: Role::Coordinator,
                    member: None,
                },
            )
            .expect("mint")
        };
        let mut client = WsClient::connect(&app.address).await;
        client
            .send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {expired}") } }))
            .await;
        closed(4403)(client.receive().await);
        // Subscribing before connection_init: 4401.
        let mut client = WsClient::connect(&app.address).await;
        client.subscribe("1", LIVE_CHANGES, json!({})).await;
        closed(4401)(client.receive().await);
        // A second connection_init: 4429.
        let mut client = WsClient::open(&app.address, None).await;
        client.send(json!({ "type": "connection_init" })).await;
        closed(4429)(client.receive().await);
        // Not a protocol message: 4400.
        let mut client = WsClient::open(&app.address, None).await;
        client.send_text("{\"type\":\"shout\"}").await;
        closed(4400)(client.receive().await);
        // An operation id in use: 4409.
        let mut client = WsClient::open(&app.address, None).await;
        client.subscribe("same", LIVE_CHANGES, json!({})).await;
        client.subscribe("same", LIVE_CHANGES, json!({})).await;
        loop {
            match client.receive().await {
                Incoming::Message(message) => assert_eq!(message["type"], "next"),
                other => {
                    closed(4409)(other);
                    break;
                }
            }
        }
        // Without the subprotocol: 4406.
        let mut client = WsClient::connect_with(&app.address, None).await;
        closed(4406)(client.receive().await);

        // Refused operations get an `error` message and the connection stays open.
        let mut client = WsClient::open(&app.address, None).await;
        let draft = app
            .data(r#"{ territory(code: "UA-63") { id } }"#, json!({}))
            .await;
        assert!(draft["territory"]["id"].is_string());
        for (id, query, variables, code) in [
            (
                "cursor",
                LIVE_CHANGES,
                json!({ "after": "bm90IGEgY3Vyc29y" }),
                "BAD_USER_INPUT",
            ),
            (
                "types",
                LIVE_CHANGES,
                json!({ "types": ["Secret"] }),
                "BAD_USER_INPUT",
            ),
            (
                "unknown",
                "subscription { nothing }",
                json!({}),
                "GRAPHQL_VALIDATION_FAILED",
            ),
            (
                "notaproject",
                PROJECT_UPDATED,
                json!({ "id": draft["territory"]["id"] }),
                "BAD_USER_INPUT",
            ),
        ] {
            client.subscribe(id, query, variables).await;
            match client.receive().await {
                Incoming::Message(message) => {
                    assert_eq!(message["type"], "error", "{message}");
                    assert_eq!(message["id"], id);
                    assert_eq!(
                        message["payload"][0]["extensions"]["code"], code,
                        "{message}"
                    );
                }
                other => panic!("[{}] {id}: {other:?}", app.backend),
            }
        }
        client.send(json!({ "type": "ping" })).await;
        assert_eq!(
            client.receive().await,
            Incoming::Message(json!({ "type": "pong" }))
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn one_address_holds_a_bounded_number_of_connections() {
    let app = tests::spawn_app("sqlite", false).await;
    let max = alliance_api::server::ws::MAX_CONNECTIONS_PER_ADDRESS;
    let mut open = Vec::new();
    for _ in 0..max {
        open.push(WsClient::open(&app.address, None).await);
    }
    let url = format!("{}/graphql/ws", app.address.replacen("http", "ws", 1));
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            url.as_str(),
        )
        .expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("value"),
    );
    let refused = tokio_tungstenite::connect_async(request).await;
    assert!(refused.is_err(), "connection {} is refused", max + 1);
    // A place frees when a connection ends.
    drop(open.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _again = WsClient::open(&app.address, None).await;
    app.finish().await;
}

#[tokio::test]
async fn a_draft_project_cannot_be_followed_anonymously() {
    for app in spawn_apps(true).await {
        let coordinator = app.token(Role::Coordinator, None);
        let draft = app
            .create_draft(&coordinator, "UA-LIVE-HIDDEN", "Hidden")
            .await;
        let mut anonymous = WsClient::open(&app.address, None).await;
        anonymous
            .subscribe("d", PROJECT_UPDATED, json!({ "id": draft }))
            .await;
        match anonymous.receive().await {
            Incoming::Message(message) => {
                assert_eq!(message["type"], "error", "{message}");
                assert!(!message.to_string().contains("Hidden"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        // The secretariat may follow it.
        let mut secretariat = WsClient::open(&app.address, Some(&coordinator)).await;
        secretariat
            .subscribe("d", PROJECT_UPDATED, json!({ "id": draft }))
            .await;
        assert_eq!(
            secretariat.receive_within(Duration::from_millis(300)).await,
            None
        );
        app.finish().await;
    }
}
