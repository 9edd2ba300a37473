//! Multilevel-governance checks and partnership coverage on hand-built
//! scenarios whose answers are known.

use alliance_api::ids;
use serde_json::{Value, json};
use tests::scenario::{self, Duty, Help};
use tests::{TestApp, spawn_apps};

/// The governance scenario's records.
struct Governance {
    lviv: i64,
    kyiv: i64,
    p1: i64,
}

/// Three projects and a sector scope whose rule breaches are known:
/// P1 (Lviv) breaks NO_ACCOUNTABLE (financing), MULTIPLE_ACCOUNTABLE
/// (procurement), LEVELS_NOT_COORDINATED (supervision) and OUTSIDE_VALIDITY
/// (an expired reporting entry), while its monitoring is coordinated;
/// P2 (Lviv) has roles only at national level; P3 (Kyiv oblast) has none;
/// the water sector in Lviv has maintenance with nobody accountable and an
/// entry not yet valid.
async fn governance(app: &TestApp) -> Governance {
    let db = &app.db;
    let lviv = scenario::oblast(db, "UA-46").await;
    let kyiv = scenario::oblast(db, "UA-32").await;
    let hromada = scenario::member(db, "lviv-hromada", "HROMADA", Some(lviv)).await;
    let oblast = scenario::member(db, "lviv-oblast", "OBLAST", Some(lviv)).await;
    let ministry = scenario::member(db, "ministry", "NATIONAL_GOVERNMENT", None).await;
    let bank = scenario::member(db, "bank", "FINANCIAL_INSTITUTION", None).await;
    let p1 = scenario::project(db, "P1", hromada, lviv).await;
    let p2 = scenario::project(db, "P2", hromada, lviv).await;
    scenario::project(db, "P3", hromada, kyiv).await;
    let on_p1 = |function, phase, level, actor, raci| Duty {
        function,
        phase,
        level,
        actor,
        raci,
        project: Some(p1),
        ..Duty::default()
    };
    let duties = [
        on_p1("PLANNING", "PREPARATION", "HROMADA", hromada, "ACCOUNTABLE"),
        on_p1("PLANNING", "PREPARATION", "HROMADA", hromada, "RESPONSIBLE"),
        on_p1(
            "FINANCING",
            "IMPLEMENTATION",
            "INTERNATIONAL",
            bank,
            "RESPONSIBLE",
        ),
        on_p1(
            "PROCUREMENT",
            "IMPLEMENTATION",
            "HROMADA",
            hromada,
            "ACCOUNTABLE",
        ),
        on_p1(
            "PROCUREMENT",
            "IMPLEMENTATION",
            "OBLAST",
            oblast,
            "ACCOUNTABLE",
        ),
        Duty {
            principles: vec!["1", "5"],
            ..on_p1(
                "SUPERVISION",
                "IMPLEMENTATION",
                "NATIONAL",
                ministry,
                "ACCOUNTABLE",
            )
        },
        on_p1(
            "SUPERVISION",
            "IMPLEMENTATION",
            "OBLAST",
            oblast,
            "RESPONSIBLE",
        ),
        on_p1(
            "MONITORING",
            "IMPLEMENTATION",
            "NATIONAL",
            ministry,
            "ACCOUNTABLE",
        ),
        on_p1(
            "MONITORING",
            "IMPLEMENTATION",
            "HROMADA",
            hromada,
            "RESPONSIBLE",
        ),
        Duty {
            principles: vec!["2"],
            ..on_p1(
                "MONITORING",
                "IMPLEMENTATION",
                "INTERNATIONAL",
                bank,
                "INFORMED",
            )
        },
        Duty {
            valid: (Some(-400), Some(-10)),
            ..on_p1("REPORTING", "COMPLETION", "HROMADA", hromada, "ACCOUNTABLE")
        },
        Duty {
            function: "PLANNING",
            phase: "PREPARATION",
            level: "NATIONAL",
            actor: ministry,
            raci: "ACCOUNTABLE",
            project: Some(p2),
            ..Duty::default()
        },
        Duty {
            function: "PLANNING",
            phase: "PREPARATION",
            level: "NATIONAL",
            actor: ministry,
            raci: "RESPONSIBLE",
            project: Some(p2),
            ..Duty::default()
        },
        Duty {
            function: "MAINTENANCE",
            phase: "MAINTENANCE",
            level: "HROMADA",
            actor: hromada,
            raci: "RESPONSIBLE",
            territory: Some(lviv),
            theme: Some("WATER"),
            ..Duty::default()
        },
        Duty {
            function: "PLANNING",
            phase: "IDENTIFICATION",
            level: "HROMADA",
            actor: hromada,
            raci: "ACCOUNTABLE",
            territory: Some(lviv),
            theme: Some("WATER"),
            valid: (Some(30), None),
            ..Duty::default()
        },
    ];
    for duty in duties {
        scenario::duty(db, duty).await;
    }
    Governance { lviv, kyiv, p1 }
}

const ISSUES: &str = r#"query($scope: GovernanceScope, $rules: [GovernanceRule!], $on: NaiveDate) {
  governanceIssues(scope: $scope, rules: $rules, on: $on, first: 50) {
    totalCount
    nodes { rule message project { code } function phase responsibilities { level raci } }
  }
}"#;

fn summary(issues: &Value) -> Vec<(String, String, String)> {
    issues["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            let text = |v: &Value| v.as_str().unwrap_or("-").to_owned();
            (
                text(&i["rule"]),
                text(&i["project"]["code"]),
                text(&i["function"]),
            )
        })
        .collect()
}

fn row(rule: &str, project: &str, function: &str) -> (String, String, String) {
    (rule.into(), project.into(), function.into())
}

#[tokio::test]
async fn governance_issues_name_the_rule_that_fired() {
    for app in spawn_apps(false).await {
        let world = governance(&app).await;
        let body = app.data(ISSUES, json!({})).await;
        let issues = &body["governanceIssues"];
        assert_eq!(
            summary(issues),
            vec![
                row("NO_ACCOUNTABLE", "-", "MAINTENANCE"),
                row("NO_ACCOUNTABLE", "P1", "FINANCING"),
                row("MULTIPLE_ACCOUNTABLE", "P1", "PROCUREMENT"),
                row("NO_LOCAL_ROLE", "P2", "-"),
                row("NO_LOCAL_ROLE", "P3", "-"),
                row("OUTSIDE_VALIDITY", "-", "PLANNING"),
                row("OUTSIDE_VALIDITY", "P1", "REPORTING"),
                row("LEVELS_NOT_COORDINATED", "P1", "SUPERVISION"),
            ],
            "[{}] {body}",
            app.backend
        );
        assert_eq!(issues["totalCount"], 8);
        let levels = &issues["nodes"][7];
        assert_eq!(
            levels["message"],
            "supervision in implementation: responsible at oblast level, accountable at national level, and no entry cites co-ordination (OECD principle 2 or 3)"
        );
        assert_eq!(
            levels["responsibilities"],
            json!([
                { "level": "NATIONAL", "raci": "ACCOUNTABLE" },
                { "level": "OBLAST", "raci": "RESPONSIBLE" }
            ])
        );
        assert_eq!(
            issues["nodes"][2]["message"],
            "procurement in implementation has 2 accountable actors; there must be one"
        );
        assert_eq!(
            issues["nodes"][3]["responsibilities"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );

        // One project; one rule; one territory; another day.
        let p1 = ids::encode("Project", world.p1).to_string();
        let body = app
            .data(ISSUES, json!({ "scope": { "projectId": p1 } }))
            .await;
        assert_eq!(
            summary(&body["governanceIssues"]),
            vec![
                row("NO_ACCOUNTABLE", "P1", "FINANCING"),
                row("MULTIPLE_ACCOUNTABLE", "P1", "PROCUREMENT"),
                row("OUTSIDE_VALIDITY", "P1", "REPORTING"),
                row("LEVELS_NOT_COORDINATED", "P1", "SUPERVISION"),
            ]
        );
        let body = app
            .data(ISSUES, json!({ "rules": ["NO_LOCAL_ROLE"] }))
            .await;
        assert_eq!(body["governanceIssues"]["totalCount"], 2);
        let kyiv = ids::encode("Territory", world.kyiv).to_string();
        let body = app
            .data(ISSUES, json!({ "scope": { "territoryId": kyiv } }))
            .await;
        assert_eq!(
            summary(&body["governanceIssues"]),
            vec![row("NO_LOCAL_ROLE", "P3", "-")]
        );
        let twenty_days_ago =
            (chrono::Utc::now().date_naive() - chrono::Duration::days(20)).to_string();
        let body = app
            .data(
                ISSUES,
                json!({ "scope": { "projectId": p1 }, "on": twenty_days_ago }),
            )
            .await;
        assert_eq!(
            summary(&body["governanceIssues"]),
            vec![
                row("NO_ACCOUNTABLE", "P1", "FINANCING"),
                row("MULTIPLE_ACCOUNTABLE", "P1", "PROCUREMENT"),
                row("LEVELS_NOT_COORDINATED", "P1", "SUPERVISION"),
            ],
            "the reporting entry was still valid then"
        );
        app.finish().await;
    }
}

const MATRIX: &str = r#"query($scope: GovernanceScope!) {
  responsibilityMatrix(scope: $scope) {
    truncated functions levels
    cells { function phase level entries { raci actor { slug } } }
  }
}"#;

#[tokio::test]
async fn the_responsibility_matrix_lays_out_function_phase_and_level() {
    for app in spawn_apps(false).await {
        let world = governance(&app).await;
        let p1 = ids::encode("Project", world.p1).to_string();
        let body = app
            .data(MATRIX, json!({ "scope": { "projectId": p1 } }))
            .await;
        let matrix = &body["responsibilityMatrix"];
        let cells: Vec<String> = matrix["cells"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let raci: Vec<&str> = c["entries"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["raci"].as_str())
                    .collect();
                format!(
                    "{}/{}/{}: {}",
                    c["function"].as_str().unwrap_or_default(),
                    c["phase"].as_str().unwrap_or_default(),
                    c["level"].as_str().unwrap_or_default(),
                    raci.join(",")
                )
            })
            .collect();
        assert_eq!(
            cells,
            [
                "PLANNING/PREPARATION/HROMADA: ACCOUNTABLE,RESPONSIBLE",
                "FINANCING/IMPLEMENTATION/INTERNATIONAL: RESPONSIBLE",
                "PROCUREMENT/IMPLEMENTATION/OBLAST: ACCOUNTABLE",
                "PROCUREMENT/IMPLEMENTATION/HROMADA: ACCOUNTABLE",
                "SUPERVISION/IMPLEMENTATION/NATIONAL: ACCOUNTABLE",
                "SUPERVISION/IMPLEMENTATION/OBLAST: RESPONSIBLE",
                "MONITORING/IMPLEMENTATION/INTERNATIONAL: INFORMED",
                "MONITORING/IMPLEMENTATION/NATIONAL: ACCOUNTABLE",
                "MONITORING/IMPLEMENTATION/HROMADA: RESPONSIBLE",
            ],
            "[{}] {body}",
            app.backend
        );
        assert_eq!(matrix["truncated"], false);
        assert_eq!(
            matrix["levels"],
            json!(["INTERNATIONAL", "NATIONAL", "OBLAST", "HROMADA"])
        );
        assert_eq!(
            matrix["cells"][0]["entries"][0]["actor"]["slug"],
            "lviv-hromada"
        );

        // A sector within a territory: its own entries and those of its projects.
        let lviv = ids::encode("Territory", world.lviv).to_string();
        let body = app
            .data(
                MATRIX,
                json!({ "scope": { "territoryId": lviv, "theme": "WATER" } }),
            )
            .await;
        let cells = body["responsibilityMatrix"]["cells"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(cells.len(), 11, "{body}");
        assert!(cells.iter().any(|c| c["function"] == "MAINTENANCE"
            && c["level"] == "HROMADA"
            && c["entries"][0]["raci"] == "RESPONSIBLE"));

        let (_, body) = app.graphql_as(None, MATRIX, json!({ "scope": {} })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn oecd_coverage_counts_responsibilities_projects_and_territories() {
    for app in spawn_apps(false).await {
        governance(&app).await;
        let body = app
            .data(
                r#"{ oecdCoverage { principle { number } responsibilityCount projectCount projectsInScope projectShare territoryCount } }"#,
                json!({}),
            )
            .await;
        let rows = body["oecdCoverage"].as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), 12, "[{}] {body}", app.backend);
        let of = |n: i64| {
            rows.iter()
                .find(|r| r["principle"]["number"] == n)
                .cloned()
                .unwrap_or(Value::Null)
        };
        assert_eq!(
            of(1),
            json!({ "principle": { "number": 1 }, "responsibilityCount": 12, "projectCount": 2,
                    "projectsInScope": 3, "projectShare": 2.0 / 3.0, "territoryCount": 1 })
        );
        assert_eq!(of(2)["responsibilityCount"], 1);
        assert_eq!(of(5)["projectCount"], 1);
        assert_eq!(of(12)["responsibilityCount"], 0);
        assert_eq!(of(12)["projectShare"], 0.0);
        app.finish().await;
    }
}

const GAPS: &str = r#"query($filter: PartnershipGapFilter) {
  partnershipGaps(filter: $filter) {
    totalCount
    nodes { member { slug } openNeedCount highestUrgency openNeeds { title } }
  }
}"#;

fn slugs(gaps: &Value) -> Vec<String> {
    gaps["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| g["member"]["slug"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn partnership_gaps_list_unpartnered_communities_most_urgent_first() {
    for app in spawn_apps(false).await {
        let db = &app.db;
        let lviv = scenario::oblast(db, "UA-46").await;
        let kyiv = scenario::oblast(db, "UA-32").await;
        let eu = scenario::member(db, "eu-x", "CITY", None).await;
        let need = |urgency, status| Help {
            urgency,
            status,
            ..Help::default()
        };
        let critical = scenario::member(db, "ua-critical", "HROMADA", Some(lviv)).await;
        scenario::need(db, critical, "Low", need("LOW", "OPEN")).await;
        scenario::need(db, critical, "Critical", need("CRITICAL", "OPEN")).await;
        let two = scenario::member(db, "ua-two-high", "HROMADA", Some(kyiv)).await;
        scenario::need(db, two, "High 1", need("HIGH", "OPEN")).await;
        scenario::need(db, two, "High 2", need("HIGH", "OPEN")).await;
        let one = scenario::member(db, "ua-one-high", "OBLAST", Some(lviv)).await;
        scenario::need(db, one, "High", need("HIGH", "OPEN")).await;
        let partnered = scenario::member(db, "ua-partnered", "HROMADA", None).await;
        scenario::need(db, partnered, "Critical", need("CRITICAL", "OPEN")).await;
        scenario::partnership(db, eu, partnered, "ACTIVE", None).await;
        let suspended = scenario::member(db, "ua-suspended", "HROMADA", None).await;
        scenario::need(db, suspended, "Medium", need("MEDIUM", "OPEN")).await;
        scenario::partnership(db, eu, suspended, "SUSPENDED", None).await;
        let matched = scenario::member(db, "ua-matched", "HROMADA", None).await;
        scenario::need(db, matched, "Matched", need("CRITICAL", "MATCHED")).await;
        let ngo = scenario::member(db, "ua-ngo", "NGO", None).await;
        scenario::need(db, ngo, "NGO need", need("CRITICAL", "OPEN")).await;
        scenario::need(db, eu, "EU need", need("CRITICAL", "OPEN")).await;

        let body = app.data(GAPS, json!({})).await;
        let gaps = &body["partnershipGaps"];
        assert_eq!(
            slugs(gaps),
            ["ua-critical", "ua-two-high", "ua-one-high", "ua-suspended"],
            "[{}] {body}",
            app.backend
        );
        assert_eq!(gaps["nodes"][0]["highestUrgency"], "CRITICAL");
        assert_eq!(gaps["nodes"][0]["openNeedCount"], 2);
        assert_eq!(
            gaps["nodes"][0]["openNeeds"],
            json!([{ "title": "Critical" }, { "title": "Low" }])
        );
        let lviv_id = ids::encode("Territory", lviv).to_string();
        let body = app
            .data(GAPS, json!({ "filter": { "territoryId": lviv_id } }))
            .await;
        assert_eq!(
            slugs(&body["partnershipGaps"]),
            ["ua-critical", "ua-one-high"]
        );
        let body = app
            .data(GAPS, json!({ "filter": { "minUrgency": "HIGH" } }))
            .await;
        assert_eq!(body["partnershipGaps"]["totalCount"], 3);
        app.finish().await;
    }
}

#[tokio::test]
async fn a_cluster_shows_its_members_and_which_needs_are_covered() {
    for app in spawn_apps(false).await {
        let db = &app.db;
        let focus = scenario::member(db, "ua-focus", "HROMADA", None).await;
        let neighbour = scenario::member(db, "ua-neighbour", "HROMADA", None).await;
        let eu1 = scenario::member(db, "eu-1", "CITY", None).await;
        let eu2 = scenario::member(db, "eu-2", "CITY", None).await;
        let eu3 = scenario::member(db, "eu-3", "CITY", None).await;
        let outsider = scenario::member(db, "eu-outsider", "CITY", None).await;
        let cluster = scenario::cluster(db, "focus-cluster", focus).await;
        scenario::partnership(db, eu1, focus, "ACTIVE", Some(cluster)).await;
        scenario::partnership(db, eu2, focus, "ACTIVE", Some(cluster)).await;
        scenario::partnership(db, eu3, focus, "ENDED", Some(cluster)).await;
        scenario::partnership(db, eu1, neighbour, "ACTIVE", Some(cluster)).await;
        let need = |urgency, status| Help {
            urgency,
            status,
            ..Help::default()
        };
        scenario::need(db, focus, "Open high", need("HIGH", "OPEN")).await;
        let covered_inside =
            scenario::need(db, focus, "Covered inside", need("HIGH", "MATCHED")).await;
        let by_member = scenario::offer(db, eu1, "Offer of eu-1", Help::default()).await;
        scenario::a_match(db, by_member, covered_inside, "ACTIVE").await;
        let covered_outside =
            scenario::need(db, neighbour, "Covered outside", need("HIGH", "MATCHED")).await;
        let by_outsider = scenario::offer(db, outsider, "Offer of outsider", Help::default()).await;
        scenario::a_match(db, by_outsider, covered_outside, "ACCEPTED").await;
        scenario::need(db, focus, "Closed", need("CRITICAL", "CLOSED")).await;
        scenario::need(db, neighbour, "Open critical", need("CRITICAL", "OPEN")).await;

        let body = app
            .data(
                r#"{ clusters { nodes {
                    members { slug } openNeedCount coveredNeedCount
                    needs { coverage need { title } coveredWithinCluster coveredBy { status } }
                    covered: needs(coverage: COVERED) { need { title } }
                } } }"#,
                json!({}),
            )
            .await;
        let node = &body["clusters"]["nodes"][0];
        assert_eq!(
            node["members"],
            json!([{ "slug": "ua-focus" }, { "slug": "ua-neighbour" }, { "slug": "eu-1" }, { "slug": "eu-2" }]),
            "[{}] {body}",
            app.backend
        );
        assert_eq!(node["openNeedCount"], 2);
        assert_eq!(node["coveredNeedCount"], 2);
        assert_eq!(
            node["needs"],
            json!([
                { "coverage": "OPEN", "need": { "title": "Open critical" }, "coveredWithinCluster": false, "coveredBy": null },
                { "coverage": "OPEN", "need": { "title": "Open high" }, "coveredWithinCluster": false, "coveredBy": null },
                { "coverage": "COVERED", "need": { "title": "Covered inside" }, "coveredWithinCluster": true, "coveredBy": { "status": "ACTIVE" } },
                { "coverage": "COVERED", "need": { "title": "Covered outside" }, "coveredWithinCluster": false, "coveredBy": { "status": "ACCEPTED" } }
            ])
        );
        assert_eq!(
            node["covered"],
            json!([{ "need": { "title": "Covered inside" } }, { "need": { "title": "Covered outside" } }])
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn coverage_gaps_and_issues_cost_a_bounded_number_of_statements_for_few_and_many_rows() {
    for app in spawn_apps(false).await {
        let db = &app.db;
        let lviv = scenario::oblast(db, "UA-46").await;
        let mut counts = Vec::new();
        for (round, size) in [(0, 2), (1, 12)] {
            for i in 0..size {
                let slug = |side: &str| format!("r{round}-{side}-{i}");
                let ua = scenario::member(db, &slug("ua"), "HROMADA", Some(lviv)).await;
                let eu = scenario::member(db, &slug("eu"), "CITY", None).await;
                let cluster = scenario::cluster(db, &slug("cluster"), ua).await;
                scenario::partnership(db, eu, ua, "ACTIVE", Some(cluster)).await;
                let gap = scenario::member(db, &slug("gap"), "HROMADA", Some(lviv)).await;
                scenario::need(db, gap, "Open", Help::default()).await;
                scenario::need(db, ua, "Open", Help::default()).await;
                let p = scenario::project(db, &slug("p"), ua, lviv).await;
                scenario::duty(
                    db,
                    Duty {
                        actor: eu,
                        level: "EU",
                        raci: "RESPONSIBLE",
                        project: Some(p),
                        ..Duty::default()
                    },
                )
                .await;
            }
            let (body, statements) = app
                .data_and_statements(
                    r#"{
                      clusters(first: 100) { nodes { members { slug } openNeedCount needs { need { title } } } }
                      partnershipGaps(first: 100) { nodes { member { slug } openNeeds { title } } }
                      governanceIssues(first: 100) { nodes { rule project { code } responsibilities { actor { slug } } } }
                    }"#,
                    json!({}),
                )
                .await;
            counts.push(statements);
            let total = if round == 0 { 2 } else { 14 };
            assert_eq!(
                body["clusters"]["nodes"].as_array().map(Vec::len),
                Some(total),
                "{body}"
            );
            assert_eq!(
                body["partnershipGaps"]["nodes"].as_array().map(Vec::len),
                Some(total)
            );
        }
        // At most one statement per list and place per level (14 for these
        // three lists), whatever the number of rows: the three root lists are
        // read side by side, so whether the members that two of them ask for
        // arrive in one by-id batch or two depends on which read ends first.
        assert!(
            counts.iter().all(|&count| count <= 14),
            "[{}] statements with 2 and with 14 clusters, gaps and projects: {counts:?}",
            app.backend
        );
        app.finish().await;
    }
}
