//! The `alliance` binary as an operator runs it: stopped with SIGTERM it
//! finishes what is in flight and closes subscriptions with "going away";
//! killed with SIGKILL again and again it never loses an acknowledged write or
//! leaves one half-written.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alliance_api::auth::{Claims, Role, mint};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SECRET: &str = "process-test-secret-0123456789abcdef0123456789";

/// A database for one test: a fresh SQLite file, or a fresh PostgreSQL
/// database when `TEST_POSTGRES_URL` is set and `postgres` is asked for.
struct Db {
    url: String,
    dir: PathBuf,
}

fn sqlite_db(name: &str) -> Db {
    let dir =
        std::env::temp_dir().join(format!("alliance-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    Db {
        url: format!("sqlite://{}?mode=rwc", dir.join("alliance.db").display()),
        dir,
    }
}

async fn postgres_db(name: &str) -> Option<Db> {
    let admin = std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let database = format!("alliance_{name}_{}", uuid::Uuid::new_v4().simple());
    let conn = sea_orm::Database::connect(&admin)
        .await
        .expect("PostgreSQL");
    sea_orm::ConnectionTrait::execute_unprepared(&conn, &format!("CREATE DATABASE \"{database}\""))
        .await
        .expect("create database");
    let base = admin
        .rsplit_once('/')
        .expect("a database name")
        .0
        .to_owned();
    Some(Db {
        url: format!("{base}/{database}"),
        dir: std::env::temp_dir(),
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts `alliance serve` and waits until it is ready.
async fn start(db: &Db, port: u16, extra: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_alliance"));
    command
        .current_dir(&db.dir)
        .env("DATABASE_URL", &db.url)
        .env("JWT_SECRET", SECRET)
        .env("PORT", port.to_string())
        .env("DEMO_DATA", "true")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, value) in extra {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("the binary starts");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ready = false;
    while !ready && Instant::now() < deadline {
        ready = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if !ready {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    if !ready {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the service did not become ready");
    }
    child
}

fn token() -> String {
    let now = chrono::Utc::now().timestamp() as u64;
    mint(
        SECRET,
        &Claims {
            sub: "process-test".into(),
            exp: now + 3600,
            iat: Some(now),
            iss: "alliance".into(),
            aud: "alliance-api".into(),
            role: Role::Coordinator,
            member: None,
        },
    )
    .expect("mint")
}

async fn graphql(port: u16, token: &str, query: &str, variables: Value) -> reqwest::Result<Value> {
    reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(token)
        .timeout(Duration::from_secs(10))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?
        .json()
        .await
}

const CREATE: &str = r#"mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id code } userErrors { message } } }"#;

fn input(code: &str, territory: &Value, owner: &Value) -> Value {
    json!({ "i": {
        "code": code, "titles": { "en": "Crash test", "uk": "Тест збою" },
        "descriptions": { "en": "Crash test.", "uk": "Тест збою." },
        "projectType": "REHABILITATION", "purpose": "RESTORATION", "sectorCode": "11220",
        "theme": "EDUCATION", "territoryId": territory, "ownerId": owner,
        "idempotencyKey": format!("key-{code}")
    } })
}

fn kill(child: &mut Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

async fn crash_and_check(db: Db, backend: &str) {
    let token = token();
    let mut acknowledged: Vec<String> = Vec::new();
    let mut ids = (Value::Null, Value::Null);
    for round in 0..6 {
        let port = free_port();
        let mut child = start(&db, port, &[]).await;
        if ids.0.is_null() {
            let data = graphql(
                port,
                &token,
                r#"{ territory(code: "UA-63") { id } member(slug: "kharkiv") { id } }"#,
                json!({}),
            )
            .await
            .expect("ids");
            ids = (
                data["data"]["territory"]["id"].clone(),
                data["data"]["member"]["id"].clone(),
            );
        }
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (token, ids) = (token.clone(), ids.clone());
                tokio::spawn(async move {
                    let mut done = Vec::new();
                    for i in 0.. {
                        let code = format!("CRASH-{round}-{w}-{i}");
                        match graphql(port, &token, CREATE, input(&code, &ids.0, &ids.1)).await {
                            Ok(body)
                                if body["data"]["createProject"]["project"]["code"]
                                    == json!(code) =>
                            {
                                done.push(code)
                            }
                            Ok(body) => panic!("refused: {body}"),
                            Err(_) => break,
                        }
                    }
                    done
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(150 + 70 * round)).await;
        kill(&mut child, "-KILL");
        let _ = child.wait();
        for writer in writers {
            acknowledged.extend(writer.await.expect("writer"));
        }
    }
    assert!(
        acknowledged.len() > 20,
        "[{backend}] writes were acknowledged: {}",
        acknowledged.len()
    );

    // After the last crash: every acknowledged write is there, with its event
    // and feed entry, and nothing is half-written.
    let port = free_port();
    let mut child = start(&db, port, &[]).await;
    let mut projects = std::collections::HashMap::new();
    let mut after = Value::Null;
    loop {
        let body = graphql(port, &token, r#"query($a: String) { projects(first: 100, after: $a, filter: { titleContains: "Crash test" }) { pageInfo { hasNextPage endCursor } nodes { id code } } }"#, json!({ "a": after })).await.expect("projects");
        let page = &body["data"]["projects"];
        for node in page["nodes"].as_array().expect("nodes") {
            projects.insert(
                node["code"].as_str().expect("code").to_owned(),
                node["id"].clone(),
            );
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    for code in &acknowledged {
        assert!(
            projects.contains_key(code),
            "[{backend}] acknowledged {code} is missing"
        );
    }
    let mut created = std::collections::HashSet::new();
    let mut after = Value::Null;
    loop {
        let body = graphql(port, &token, r#"query($a: String) { changes(first: 100, after: $a, entityTypes: ["Project"]) { pageInfo { hasNextPage endCursor } nodes { operation entityId } } }"#, json!({ "a": after })).await.expect("feed");
        let page = &body["data"]["changes"];
        for node in page["nodes"].as_array().expect("nodes") {
            if node["operation"] == "createProject" {
                created.insert(node["entityId"].as_str().expect("id").to_owned());
            }
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    for (code, id) in &projects {
        assert!(
            created.contains(id.as_str().expect("id")),
            "[{backend}] {code} has no creation in the feed"
        );
    }
    kill(&mut child, "-TERM");
    let _ = child.wait();
    let verify = Command::new(env!("CARGO_BIN_EXE_alliance"))
        .args(["audit", "verify"])
        .current_dir(&db.dir)
        .env("DATABASE_URL", &db.url)
        .output()
        .expect("audit verify runs");
    assert!(
        verify.status.success(),
        "[{backend}] {}",
        String::from_utf8_lossy(&verify.stdout)
    );
    drop_db(&db).await;
}

/// Removes a PostgreSQL test database (SQLite files are left in the temp dir).
async fn drop_db(db: &Db) {
    let (Ok(admin), Some((_, name))) =
        (std::env::var("TEST_POSTGRES_URL"), db.url.rsplit_once('/'))
    else {
        return;
    };
    if db.url.starts_with("postgres")
        && let Ok(conn) = sea_orm::Database::connect(&admin).await
    {
        let _ = sea_orm::ConnectionTrait::execute_unprepared(
            &conn,
            &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        )
        .await;
    }
}

#[tokio::test]
async fn acknowledged_writes_survive_repeated_sigkill() {
    crash_and_check(sqlite_db("crash"), "sqlite").await;
    if let Some(db) = postgres_db("crash").await {
        crash_and_check(db, "postgres").await;
    }
}

async fn ws_open(
    port: u16,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut request = format!("ws://127.0.0.1:{port}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("value"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.expect("ws");
    ws.send(Message::Text(
        json!({ "type": "connection_init" }).to_string().into(),
    ))
    .await
    .expect("init");
    let ack = ws.next().await.expect("ack").expect("ack");
    assert!(ack.to_text().unwrap_or_default().contains("connection_ack"));
    ws.send(Message::Text(json!({ "type": "subscribe", "id": "1", "payload": { "query": "subscription { changes(entityTypes: [\"Cluster\"]) { sequence } }" } }).to_string().into())).await.expect("subscribe");
    ws
}

#[tokio::test]
async fn sigterm_finishes_requests_in_flight_and_closes_subscriptions() {
    let db = sqlite_db("term");
    // Enough projects that a download is still streaming when the signal comes.
    {
        let port = free_port();
        let mut child = start(&db, port, &[]).await;
        kill(&mut child, "-TERM");
        let _ = child.wait();
        let conn = sea_orm::Database::connect(&db.url).await.expect("db");
        seed_projects(&conn, 30_000).await;
        conn.close().await.ok();
    }
    let port = free_port();
    let mut child = start(&db, port, &[("SHUTDOWN_DRAIN_SECS", "10")]).await;
    let mut ws = ws_open(port).await;
    let mut download = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/exports/projects.csv"))
        .send()
        .await
        .expect("download starts");
    let mut text = String::from_utf8(
        download
            .chunk()
            .await
            .expect("chunk")
            .expect("first chunk")
            .to_vec(),
    )
    .expect("utf-8");
    let signalled = Instant::now();
    kill(&mut child, "-TERM");
    // The subscription is closed with "going away".
    let close = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("closed in time");
    assert_eq!(close, Some(1001));
    // New connections are refused while the download finishes.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "a new connection after SIGTERM: {refused:?}"
    );
    while let Some(chunk) = download.chunk().await.expect("the download goes on") {
        text.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
    }
    assert!(
        text.lines().count() > 30_000,
        "the download finished: {} lines",
        text.lines().count()
    );
    let status = child.wait().expect("exit");
    assert!(status.success(), "{status:?}");
    assert!(
        signalled.elapsed() < Duration::from_secs(12),
        "within the drain timeout"
    );
}

async fn seed_projects(conn: &sea_orm::DatabaseConnection, count: usize) {
    use sea_orm::ConnectionTrait;
    let owner: i64 = 1;
    let territory: i64 = 1;
    let now = chrono::Utc::now().to_rfc3339();
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| format!("('TERM-{i:06}', 'Term {i}', 'Терм {i}', 'x', 'x', 'implementation', 'rehabilitation', 'RESTORATION', '11220', 'EDUCATION', {territory}, ',', 'PUBLISHED', {owner}, 1, '{now}', '{now}')"))
            .collect();
        conn.execute_unprepared(&format!(
            "INSERT INTO project (code, title_en, title_uk, description_en, description_uk, status, project_type, purpose, sector_code, theme, territory_id, principles, visibility, owner_id, version, created_at, updated_at) VALUES {}",
            values.join(",")
        ))
        .await
        .expect("insert projects");
    }
}

/// A stand-in OTLP/HTTP collector: answers 200 to every request and counts
/// `POST /v1/traces` with a protobuf body.
fn collector() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut request = Vec::new();
            let mut buffer = [0u8; 65536];
            // Read the head, then as much body as announced.
            loop {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let head = String::from_utf8_lossy(&request).to_ascii_lowercase();
            if head.starts_with("post /v1/traces")
                && head.contains("content-type: application/x-protobuf")
            {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (port, seen)
}

#[tokio::test]
async fn traces_are_exported_over_otlp_when_an_endpoint_is_set() {
    let (collector_port, seen) = collector();
    let db = sqlite_db("otlp");
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{collector_port}");
    let mut child = start(
        &db,
        port,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("RUST_LOG", "info"),
        ],
    )
    .await;
    for _ in 0..3 {
        let body = graphql(
            port,
            &token(),
            "{ projects(first: 2) { totalCount } }",
            json!({}),
        )
        .await
        .expect("answer");
        assert!(body["data"]["projects"]["totalCount"].is_number(), "{body}");
    }
    kill(&mut child, "-TERM");
    let status = child.wait().expect("exit");
    assert!(status.success(), "{status:?}");
    // The last batch is sent on the way out.
    assert!(
        seen.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the collector received spans"
    );
}
