//! A database outage: while PostgreSQL is down, requests fail within a second
//! with a clear unavailable error (an answer kept from before is sent no more
//! once the service notices) and `/readyz` says not ready; when it comes
//! back, the service recovers by itself. The test owns its PostgreSQL instance
//! (initdb into a temporary folder) so that it can stop and start it.
//!
//! It needs PostgreSQL's server programs (`initdb`, `pg_ctl`); without them it
//! prints a notice and passes, unless `REQUIRE_OWNED_POSTGRES=1` (set by CI).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("pg_ctl").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Runs a PostgreSQL program as the `postgres` user when running as root
/// (the server refuses to run as root).
fn pg(bin: &Path, program: &str, args: &[&str]) -> std::process::Output {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let mut command = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(program));
        c
    } else {
        Command::new(bin.join(program))
    };
    command
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("a PostgreSQL program runs")
}

struct Instance {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Instance {
    fn create() -> Option<Self> {
        let bin = pg_bin()?;
        let dir =
            std::env::temp_dir().join(format!("alliance-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        let _ = Command::new("chown")
            .args(["-R", "postgres", &dir.display().to_string()])
            .status();
        let data = dir.join("data");
        let out = pg(
            &bin,
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let instance = Self {
            bin,
            dir,
            port: free_port(),
        };
        instance.start();
        Some(instance)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let data = self.dir.join("data").display().to_string();
        let log = self.dir.join("log").display().to_string();
        let out = pg(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        );
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn stop(&self) {
        let data = self.dir.join("data").display().to_string();
        let out = pg(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let _ = pg(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn query(port: u16) -> (Duration, u16, Value) {
    let started = Instant::now();
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .timeout(Duration::from_secs(10))
        .json(&json!({ "query": "{ projects(first: 5) { totalCount nodes { code owner { name } } } }" }))
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (started.elapsed(), status, body)
}

async fn ready(port: u16) -> (Duration, u16) {
    let started = Instant::now();
    let status = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .expect("an answer")
        .status()
        .as_u16();
    (started.elapsed(), status)
}

#[tokio::test]
async fn requests_fail_fast_while_the_database_is_down_and_recover_after() {
    let Some(instance) = Instance::create() else {
        assert!(
            std::env::var("REQUIRE_OWNED_POSTGRES").is_err(),
            "PostgreSQL's server programs are required here"
        );
        eprintln!("notice: PostgreSQL server programs not found; the outage test is skipped");
        return;
    };
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_alliance"))
        .env("DATABASE_URL", instance.url())
        .env("DEMO_DATA", "true")
        .env(
            "JWT_SECRET",
            "outage-test-secret-0123456789abcdef0123456789",
        )
        .env("PORT", port.to_string())
        .env("RUST_LOG", "off")
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let _service = Service(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
        != 200
    {
        assert!(Instant::now() < deadline, "the service became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, status, body) = query(port).await;
    assert_eq!(status, 200);
    assert!(
        body["data"]["projects"]["totalCount"].as_u64().unwrap_or(0) > 0,
        "{body}"
    );

    instance.stop();
    // The answer above may be kept (on PostgreSQL answers are kept until the
    // data changes) and sent again until the service notices that its
    // listening connection is gone; from then on none is.
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let (_, _, body) = query(port).await;
        if body["errors"][0]["extensions"]["code"] == "UNAVAILABLE" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "kept answers stop once the database is gone: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..3 {
        let (took, _, body) = query(port).await;
        assert!(
            took < Duration::from_secs(1),
            "failed within a second: {took:?}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
            "{body}"
        );
        let text = body.to_string();
        assert!(
            !text.contains("Connection refused") && !text.contains("sqlx"),
            "{text}"
        );
        let (took, status) = ready(port).await;
        assert_eq!(status, 503);
        assert!(took < Duration::from_secs(1), "{took:?}");
    }

    instance.start();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, status, body) = query(port).await;
        if status == 200 && body.get("errors").is_none() {
            break;
        }
        assert!(Instant::now() < deadline, "recovered by itself: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ready(port).await.1, 200);
}
