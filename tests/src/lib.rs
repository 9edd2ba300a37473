//! Test support: spawn the real service on `127.0.0.1:0` with a database of its
//! own, and talk to it over HTTP as a client would.
//!
//! Every test runs once on SQLite and, when `TEST_POSTGRES_URL` is set, once more
//! on a fresh PostgreSQL database created for it.

pub mod scenario;
pub mod ws;

use std::path::PathBuf;

use alliance_api::auth::{Claims, Role};
use alliance_api::config::{AuthConfig, DatabaseConfig, Limits, ServeConfig};
use alliance_api::db::StatementCounter;
use alliance_api::server::startup::Application;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

/// A running service and a client for it.
pub struct TestApp {
    /// Which database it runs on, for assertion messages.
    pub backend: &'static str,
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    /// Statements executed by the service.
    pub statements: StatementCounter,
    /// A connection to the service's database, for arranging data.
    pub db: DatabaseConnection,
    /// The service's database URL.
    pub database_url: String,
    client: reqwest::Client,
    cleanup: Cleanup,
}

enum Cleanup {
    Nothing,
    File(PathBuf),
    Database { admin_url: String, name: String },
}

/// The HS256 secret of test services.
pub const TEST_SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";
/// The bearer token that opens `/metrics` of test services.
pub const METRICS_TOKEN: &str = "metrics-0123456789abcdef0123456789abcdef";
/// Issuer and audience test services require.
pub const ISSUER: &str = "alliance";
/// Audience test services require.
pub const AUDIENCE: &str = "alliance-api";

/// A test fixture file.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The backends this run covers: SQLite always, PostgreSQL when `TEST_POSTGRES_URL` is set.
pub fn backends() -> Vec<&'static str> {
    let mut backends = vec!["sqlite"];
    if std::env::var("TEST_POSTGRES_URL").is_ok_and(|url| !url.is_empty()) {
        backends.push("postgres");
    }
    backends
}

/// Spawns one service per backend, each with a new database; `demo` seeds demo data.
pub async fn spawn_apps(demo: bool) -> Vec<TestApp> {
    let mut apps = Vec::new();
    for backend in backends() {
        apps.push(spawn_app(backend, demo).await);
    }
    apps
}

/// The default limits, but no answers kept: the fixtures of
/// [`scenario`] write rows straight into the database, past the audit trail
/// whose notifications tell the service that the data changed, so a kept
/// answer would not see them. Kept answers are tested with the service's
/// own writes (`tests/tests/kept_answers.rs`).
pub fn limits() -> Limits {
    Limits {
        response_cache_bytes: 0,
        ..Limits::default()
    }
}

/// Spawns the service on `backend` with a new, empty or demo-seeded database.
pub async fn spawn_app(backend: &'static str, demo: bool) -> TestApp {
    spawn_app_with(backend, demo, limits()).await
}

/// Spawns the service with `limits` instead of the defaults.
pub async fn spawn_app_with(backend: &'static str, demo: bool, limits: Limits) -> TestApp {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let (database_url, cleanup) = match backend {
        "sqlite" => {
            let path = std::env::temp_dir().join(format!("alliance-test-{unique}.db"));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                Cleanup::File(path),
            )
        }
        _ => {
            let admin_url = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL");
            let name = format!("alliance_test_{unique}");
            let admin = Database::connect(&admin_url)
                .await
                .expect("PostgreSQL at TEST_POSTGRES_URL is reachable");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let base = admin_url
                .rsplit_once('/')
                .map(|(base, _)| base.to_owned())
                .expect("TEST_POSTGRES_URL ends in a database name");
            (
                format!("{base}/{name}"),
                Cleanup::Database { admin_url, name },
            )
        }
    };
    let (address, statements, db) = start(&database_url, demo, limits).await;
    TestApp {
        backend,
        address,
        statements,
        db,
        database_url,
        client: reqwest::Client::new(),
        cleanup,
    }
}

/// The configuration of a test service on `database_url`.
fn test_config(database_url: &str, demo: bool, limits: Limits) -> ServeConfig {
    ServeConfig {
        database: DatabaseConfig {
            database_url: database_url.to_owned(),
            database_max_connections: 8,
            // Test binaries run many services at once on two cores: a request
            // may wait longer for a connection than the fast-failing default.
            database_acquire_timeout_ms: 10_000,
        },
        auth: AuthConfig {
            jwt_secret: Some(TEST_SECRET.to_owned()),
            jwt_jwks_file: Some(fixture("test-jwks.json")),
            jwt_issuer: ISSUER.to_owned(),
            jwt_audience: AUDIENCE.to_owned(),
            metrics_token: Some(METRICS_TOKEN.to_owned()),
        },
        host: "127.0.0.1".parse().expect("loopback"),
        port: 0,
        demo_data: Some(demo),
        limits,
        baseline_response_file: None,
    }
}

/// Builds and starts a service on `database_url`: its address, statement
/// counter and a connection to its database.
async fn start(
    database_url: &str,
    demo: bool,
    limits: Limits,
) -> (String, StatementCounter, DatabaseConnection) {
    let app = Application::build(&test_config(database_url, demo, limits))
        .await
        .expect("the service builds");
    let address = format!("http://{}", app.local_addr().expect("bound"));
    let statements = app.statements();
    let db = app.db().clone();
    tokio::spawn(app.run_until_stopped());
    (address, statements, db)
}

impl TestApp {
    /// Another instance of the service on the same database (as when scaling
    /// out), sharing this one's client and keys; it is not cleaned up by itself.
    pub async fn sibling(&self) -> TestApp {
        self.sibling_with(limits()).await
    }

    /// [`sibling`](Self::sibling) with `limits`.
    pub async fn sibling_with(&self, limits: Limits) -> TestApp {
        let (address, statements, db) = start(&self.database_url, false, limits).await;
        TestApp {
            backend: self.backend,
            address,
            statements,
            db,
            database_url: self.database_url.clone(),
            client: self.client.clone(),
            cleanup: Cleanup::Nothing,
        }
    }

    /// POSTs a GraphQL query and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_with(query, variables, &[]).await
    }

    /// POSTs a GraphQL query with extra headers.
    pub async fn graphql_with(
        &self,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request sent");
        assert!(
            response.status().is_success(),
            "[{}] HTTP {}",
            self.backend,
            response.status()
        );
        response.json().await.expect("JSON body")
    }

    /// A valid HS256 token for `role`, acting for member `member` (a slug).
    pub fn token(&self, role: Role, member: Option<&str>) -> String {
        let now = chrono::Utc::now().timestamp() as u64;
        alliance_api::auth::mint(
            TEST_SECRET,
            &Claims {
                sub: format!("test-{role:?}").to_lowercase(),
                exp: now + 600,
                iat: Some(now),
                iss: ISSUER.to_owned(),
                aud: AUDIENCE.to_owned(),
                role,
                member: member.map(str::to_owned),
            },
        )
        .expect("mint")
    }

    /// POSTs a GraphQL query with a bearer token; returns HTTP status and body.
    pub async fn graphql_as(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Like [`graphql`](Self::graphql) but fails the test on any GraphQL error.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "[{}] unexpected errors: {body}",
            self.backend
        );
        body["data"].clone()
    }

    /// Runs `query` twice and returns the fewer SQL statements of the two runs
    /// with the answer's data: the service's own background reads (the change
    /// signal reads the feed's head once it listens) may fall into one run.
    pub async fn data_and_statements(&self, query: &str, variables: Value) -> (Value, u64) {
        let mut fewest = u64::MAX;
        let mut data = Value::Null;
        for _ in 0..2 {
            let before = self.statements.get();
            data = self.data(query, variables.clone()).await;
            fewest = fewest.min(self.statements.get() - before);
        }
        (data, fewest)
    }

    /// Creates a draft project titled `title` in Kharkiv oblast, led by the
    /// demo member `kharkiv`, as the caller of `token`; returns its ID.
    pub async fn create_draft(&self, token: &str, code: &str, title: &str) -> Value {
        let ids = self
            .data(
                r#"{ territory(code: "UA-63") { id } member(slug: "kharkiv") { id } }"#,
                json!({}),
            )
            .await;
        let (_, body) = self
            .graphql_as(
                Some(token),
                "mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id } userErrors { message } } }",
                json!({ "i": {
                    "code": code,
                    "titles": { "en": title, "uk": "Чернетка" },
                    "descriptions": { "en": "Draft.", "uk": "Чернетка." },
                    "projectType": "REHABILITATION", "purpose": "RESTORATION",
                    "sectorCode": "11220", "theme": "EDUCATION",
                    "territoryId": ids["territory"]["id"], "ownerId": ids["member"]["id"]
                } }),
            )
            .await;
        let id = body["data"]["createProject"]["project"]["id"].clone();
        assert!(id.is_string(), "[{}] draft created: {body}", self.backend);
        id
    }

    /// The HTTP client the helpers use.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// GETs a path and returns status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// Another transaction that writes the audit chain's head and holds it
    /// until it ends: every write of the service waits for it (PostgreSQL:
    /// the row lock; SQLite: the database's write lock).
    pub async fn hold_writes(&self) -> sea_orm::DatabaseTransaction {
        use sea_orm::TransactionTrait;
        let other = self.db.begin().await.expect("begin");
        other
            .execute_unprepared("UPDATE audit_head SET seq = seq WHERE id = 1")
            .await
            .expect("lock");
        other
    }

    /// The `data` of a query asked as the coordinator (who sees every
    /// record), for finding the records a test works on.
    pub async fn coordinator_data(&self, query: &str, variables: Value) -> Value {
        let token = self.token(Role::Coordinator, None);
        let (_, body) = self.graphql_as(Some(&token), query, variables).await;
        body["data"].clone()
    }

    /// The service's `/metrics`, read as a scraper with the metrics token.
    pub async fn metrics(&self) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}/metrics", self.address))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// Removes the test's database.
    pub async fn finish(self) {
        self.db.close().await.ok();
        match self.cleanup {
            Cleanup::Nothing => {}
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
                }
            }
            Cleanup::Database { admin_url, name } => {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await
                        .ok();
                    admin.close().await.ok();
                }
            }
        }
    }
}

/// The `shared/standards` folder beside the checkout, when present.
pub fn standards_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/standards");
    dir.is_dir().then_some(dir)
}

/// Inserts `count` published projects in an oblast, each with an owner, two
/// participants and two funding records, for tests that need many rows.
pub async fn insert_projects(pool: &DatabaseConnection, count: usize, prefix: &str) {
    use entity::{funding, member, participant, project, territory};
    use sea_orm::ActiveValue::{NotSet, Set};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

    // One transaction on one connection: the rows are there together, and
    // every insert sees the ones before it.
    let txn = pool.begin().await.expect("begin");
    let db = &txn;

    let now = chrono::Utc::now();
    let oblast = territory::Entity::find()
        .filter(territory::Column::IsoCode.eq("UA-46"))
        .one(db)
        .await
        .expect("query")
        .expect("Lviv oblast exists");
    let mut members = Vec::new();
    for i in 0..3 {
        let m = member::ActiveModel {
            id: NotSet,
            slug: Set(format!("{prefix}-member-{i}")),
            name_en: Set(format!("{prefix} member {i}")),
            name_uk: Set(None),
            acronym: Set(None),
            kind: Set("CITY".into()),
            iati_org_type: Set("11".into()),
            country: Set(Some("PL".into())),
            territory_id: Set(None),
            alliance_role: Set("MEMBER".into()),
            status: Set("ACTIVE".into()),
            joined_on: Set(None),
            website: Set(None),
            description: Set(None),
            contact_name: Set(None),
            contact_email: Set(None),
            contact_phone: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .expect("insert member");
        members.push(m.id);
    }
    for i in 0..count {
        let at = now + chrono::Duration::milliseconds(i as i64);
        let p = project::ActiveModel {
            id: NotSet,
            code: Set(format!("{prefix}-{i:05}")),
            dream_id: Set(None),
            iati_identifier: Set(None),
            title_en: Set(format!("{prefix} project {i}")),
            title_uk: Set(format!("{prefix} проєкт {i}")),
            description_en: Set("Test".into()),
            description_uk: Set("Тест".into()),
            status: Set("implementation".into()),
            project_type: Set("rehabilitation".into()),
            purpose: Set("RESTORATION".into()),
            sector_code: Set("11220".into()),
            theme: Set("EDUCATION".into()),
            territory_id: Set(oblast.id),
            lat_e6: Set(None),
            lon_e6: Set(None),
            planned_start: Set(None),
            planned_end: Set(None),
            actual_start: Set(None),
            actual_end: Set(None),
            budget_minor: Set(Some(100_000)),
            budget_currency: Set(Some("EUR".into())),
            principles: Set(",".into()),
            visibility: Set("PUBLISHED".into()),
            owner_id: Set(members[i % 3]),
            version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
        }
        .insert(db)
        .await
        .expect("insert project");
        for (j, member_id) in [members[(i + 1) % 3], members[(i + 2) % 3]]
            .into_iter()
            .enumerate()
        {
            participant::ActiveModel {
                id: NotSet,
                project_id: Set(p.id),
                member_id: Set(member_id),
                iati_role: Set("4".into()),
                alliance_role: Set("SUPPORTING_PARTNER".into()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await
            .expect("insert participant");
            funding::ActiveModel {
                id: NotSet,
                project_id: Set(p.id),
                funder_id: Set(member_id),
                stage: Set(if j == 0 { "PLEDGED" } else { "COMMITTED" }.into()),
                finance_type: Set("110".into()),
                amount_minor: Set(1000),
                currency: Set("EUR".into()),
                value_date: Set(now.date_naive()),
                reported_as: Set(Some("SECRETARIAT".into())),
                reported_by_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await
            .expect("insert funding");
        }
    }
    txn.commit().await.expect("commit");
}
