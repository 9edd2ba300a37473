//! A small run of the harness on SQLite, so that it keeps working: the
//! generator fills a database, the service answers every measured query
//! without errors. No timing is asserted.

use alliance_bench::generate::{Sizes, generate};
use alliance_bench::measure::{open_needs, suggestions};
use alliance_bench::server::Server;
use entity::{assistance_offer, project, responsibility};
use sea_orm::{EntityTrait, PaginatorTrait};

#[tokio::test]
async fn the_harness_generates_and_measures_a_small_data_set() {
    let path = std::env::temp_dir().join(format!(
        "alliance-bench-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let server = Server::start(&url).await.expect("service starts");
    let sizes = Sizes::at(0.01);
    generate(&server.db, sizes, 7).await.expect("generated");
    assert_eq!(
        project::Entity::find()
            .count(&server.db)
            .await
            .expect("count"),
        sizes.projects as u64
    );
    assert_eq!(
        assistance_offer::Entity::find()
            .count(&server.db)
            .await
            .expect("count"),
        sizes.offers as u64
    );
    assert_eq!(
        responsibility::Entity::find()
            .count(&server.db)
            .await
            .expect("count"),
        sizes.responsibilities as u64
    );
    // A second run refuses to write into a database that holds data.
    assert!(generate(&server.db, sizes, 7).await.is_err());

    let needs = open_needs(&server.db, 5).await.expect("needs");
    assert!(!needs.is_empty());
    let latency = suggestions(&server, &needs, 10, 2)
        .await
        .expect("every suggestion query answers without errors");
    assert_eq!(latency.requests, 10);
    assert!(
        latency.mean_candidates > 0.0,
        "the data set yields candidates"
    );

    // A short mixed load: every kind of request answered, none failed.
    let report = alliance_bench::load::mixed(&server, std::time::Duration::from_secs(2), 2, 7)
        .await
        .expect("the load runs");
    assert_eq!(report.errors, 0, "{:?}", report.samples);
    for kind in [
        alliance_bench::load::Kind::Read,
        alliance_bench::load::Kind::Feed,
    ] {
        assert!(
            report.latencies.iter().any(|(k, _)| *k == kind),
            "{kind:?} requests ran"
        );
    }
    assert!(!report.rss_kib.is_empty());
    std::fs::remove_file(&path).ok();
}
