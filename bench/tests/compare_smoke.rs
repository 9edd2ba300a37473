//! A small run of the side-by-side comparison, in a test binary of its own so
//! that its load generators do not share the machine with the other smoke run.

use alliance_bench::generate::{Sizes, generate};
use alliance_bench::server::Server;

/// The side-by-side comparison on a small PostgreSQL data set: every query is
/// checked against the raw-SQL floor (same codes, same counts), then each
/// implementation is loaded briefly with oha, wrk and pgbench: the service
/// both as deployed and computing every answer (`Cache-Control: no-cache,
/// no-store`, Q6 left out). Needs
/// `TEST_POSTGRES_URL`, the service binary of this build, oha, wrk and
/// pgbench (`.ci/run` installs them); elsewhere it says what is missing and
/// returns. No timing is asserted.
#[tokio::test]
async fn the_comparison_checks_and_loads_every_query() {
    use alliance_bench::compare::{Options, Peer, compare, render};
    use alliance_bench::queries::Query;
    use sea_orm::ConnectionTrait;

    let Some(admin_url) = std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("TEST_POSTGRES_URL is not set: the comparison smoke run is skipped");
        return;
    };
    let binary = std::env::current_exe()
        .expect("test binary")
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("alliance"))
        .expect("target folder");
    let missing: Vec<&str> = ["oha", "wrk", "pgbench"]
        .into_iter()
        .filter(|tool| {
            std::process::Command::new(tool)
                .arg("--version")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_err()
        })
        .collect();
    if !binary.exists() || !missing.is_empty() {
        assert!(
            std::env::var("REQUIRE_BENCH_TOOLS").is_err(),
            "the comparison needs {} and {missing:?}",
            binary.display()
        );
        eprintln!(
            "the comparison smoke run is skipped: missing {missing:?} or {}",
            binary.display()
        );
        return;
    }

    let name = format!("alliance_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(&admin_url).await.expect("admin");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create database");
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base.to_owned())
        .expect("URL ends in a database name");
    let url = format!("{base}/{name}");
    let server = Server::start(&url).await.expect("service starts");
    generate(&server.db, Sizes::at(0.01), 11)
        .await
        .expect("generated");
    server
        .db
        .execute_unprepared("ANALYZE")
        .await
        .expect("analyze");

    let work_dir = std::env::temp_dir().join(format!("alliance-bench-{name}"));
    let options = Options {
        database_url: url.clone(),
        queries: Query::ALL.to_vec(),
        peers: vec![Peer::Alliance, Peer::AllianceFresh, Peer::Sql],
        rounds: 1,
        seconds: 1,
        connections: vec![2],
        open_loop: true,
        alliance_binary: binary,
        work_dir: work_dir.clone(),
        deep: 300,
        pool: 16,
    };
    let report = compare(&server.db, &options)
        .await
        .expect("every query answers alike on every implementation, and every load runs");
    for query in Query::ALL {
        for peer in [Peer::Alliance, Peer::Sql] {
            assert!(
                report
                    .samples
                    .iter()
                    .any(|s| s.query == query && s.peer == peer && s.requests > 0),
                "{query} ran on {peer:?}"
            );
        }
    }
    for query in Query::ALL {
        let fresh = query != Query::Q6;
        assert_eq!(
            report
                .samples
                .iter()
                .any(|s| s.query == query && s.peer == Peer::AllianceFresh && s.requests > 0),
            fresh,
            "{query} ran computed afresh: {fresh}"
        );
        assert_eq!(
            report
                .checks
                .iter()
                .any(|c| c.query == query && c.peer == Peer::AllianceFresh),
            fresh,
            "{query} checked computed afresh: {fresh}"
        );
        for peer in [Peer::Alliance, Peer::Sql] {
            assert!(
                report
                    .checks
                    .iter()
                    .any(|c| c.query == query && c.peer == peer),
                "{query} checked on {peer:?}"
            );
        }
    }
    for check in report
        .checks
        .iter()
        .filter(|c| c.peer == Peer::AllianceFresh)
    {
        // A fresh answer is computed and not kept (when the service says).
        if let Some(status) = &check.cache_status {
            assert!(
                status.contains("fwd=") && !status.contains("stored"),
                "{} computed afresh answered `Cache-Status: {status}`",
                check.query
            );
        }
    }
    assert!(
        report.samples.iter().any(|s| s.peer == Peer::Baseline),
        "the trivial endpoint ran beside Q2"
    );
    assert!(
        report.samples.iter().any(|s| s.rate.is_some()),
        "an open loop ran"
    );
    let failed: Vec<String> = report
        .samples
        .iter()
        .filter(|s| s.errors > 0)
        .map(|s| format!("{} {:?}: {} errors", s.query, s.peer, s.errors))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    let rendered = render(&report, &options);
    assert!(rendered.contains("| Q6 |"), "{rendered}");
    let fresh_row = format!("| {} |", Peer::AllianceFresh.name());
    for query in Query::ALL {
        let rows = rendered
            .lines()
            .filter(|l| l.starts_with(&format!("| {query} |")) && l.contains(&fresh_row))
            .count();
        if query == Query::Q6 {
            assert_eq!(rows, 0, "{query} is not timed computed afresh: {rendered}");
        } else {
            // Its row of measurements, and its row of ratios (to the SQL floor).
            assert!(rows >= 2, "{query} computed afresh: {rendered}");
        }
    }

    drop(server);
    std::fs::remove_dir_all(&work_dir).ok();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .ok();
}
