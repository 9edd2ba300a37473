//! The funding funnel for dashboards: required (budget) → pledged → committed
//! → disbursed, per group and currency, computed in SQL in one statement
//! whatever the number of projects.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use entity::funding;
use sea_orm::sea_query::{
    Alias, CommonTableExpression, Expr, Query, SelectStatement, UnionType, WithClause,
};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, FromQueryResult, QueryTrait, Statement,
    StatementBuilder,
};

use crate::auth::Principal;
use crate::error::{AppError, Result};
use crate::feed::signal::committed_head;
use crate::loader::Table;
use crate::project::service::{ProjectFilter, list};

/// What a funnel can be grouped by.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[graphql(name = "FunnelDimension")]
pub enum Dimension {
    /// The oblast the project is in.
    Oblast,
    /// The project's dashboard theme.
    Theme,
    /// The project's DAC sector.
    Sector,
    /// The funder (pledged, committed and disbursed only; no budget is attributed to a funder).
    Funder,
    /// The project's OC4IDS status.
    Status,
    /// The year: of the value date for funding, of the planned start for budgets.
    Year,
}

/// One group of the funnel in one currency.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// Oblast id, when grouped by oblast.
    pub oblast_id: Option<i64>,
    /// Theme code, when grouped by theme.
    pub theme: Option<String>,
    /// DAC sector, when grouped by sector.
    pub sector: Option<String>,
    /// Funder id, when grouped by funder.
    pub funder_id: Option<i64>,
    /// Status code, when grouped by status.
    pub status: Option<String>,
    /// Year, when grouped by year.
    pub year: Option<i64>,
    /// ISO 4217 currency.
    pub currency: String,
    /// Sum of the budgets, minor units (`None` when grouped by funder).
    pub required: Option<i64>,
    /// Sum of pledges, minor units.
    pub pledged: i64,
    /// Sum of commitments, minor units.
    pub committed: i64,
    /// Sum of disbursements, minor units.
    pub disbursed: i64,
    /// Projects in the group (with funding from the funder, when grouped by funder).
    pub projects: i64,
}

#[derive(FromQueryResult)]
struct Aggregate {
    oblast_id: Option<i64>,
    theme: Option<String>,
    sector: Option<String>,
    funder_id: Option<i64>,
    status: Option<String>,
    year: Option<i64>,
    currency: Option<String>,
    required: Option<i64>,
    pledged: Option<i64>,
    committed: Option<i64>,
    disbursed: Option<i64>,
    projects: i64,
    /// Which part of the statement the row comes from: 0 funding, 1 budgets, 2 counts.
    part: i64,
}

type Key = (
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

impl Aggregate {
    fn key(&self) -> Key {
        (
            self.oblast_id,
            self.theme.clone(),
            self.sector.clone(),
            self.funder_id,
            self.status.clone(),
            self.year,
        )
    }
}

fn year_of(backend: DatabaseBackend, column: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("CAST(EXTRACT(YEAR FROM {column}) AS BIGINT)"),
        _ => format!("CAST(strftime('%Y', {column}) AS INTEGER)"),
    }
}

/// Adds the grouping columns (NULL for dimensions not asked for) to `select`.
fn dimensions(
    select: &mut SelectStatement,
    by: &[Dimension],
    backend: DatabaseBackend,
    year_column: &str,
    with_funder: bool,
) {
    let has = |d: Dimension| by.contains(&d);
    let column = |select: &mut SelectStatement, on: bool, expr: String, null: &str, alias: &str| {
        if on {
            select.expr_as(Expr::cust(expr.clone()), Alias::new(alias));
            select.add_group_by([Expr::cust(expr)]);
        } else {
            select.expr_as(
                Expr::cust(format!("CAST(NULL AS {null})")),
                Alias::new(alias),
            );
        }
    };
    column(
        select,
        has(Dimension::Oblast),
        "\"p\".\"oblast_id\"".into(),
        "BIGINT",
        "oblast_id",
    );
    column(
        select,
        has(Dimension::Theme),
        "\"p\".\"theme\"".into(),
        "TEXT",
        "theme",
    );
    column(
        select,
        has(Dimension::Sector),
        "\"p\".\"sector_code\"".into(),
        "TEXT",
        "sector",
    );
    column(
        select,
        has(Dimension::Funder) && with_funder,
        "\"funding\".\"funder_id\"".into(),
        "BIGINT",
        "funder_id",
    );
    column(
        select,
        has(Dimension::Status),
        "\"p\".\"status\"".into(),
        "TEXT",
        "status",
    );
    column(
        select,
        has(Dimension::Year),
        year_of(backend, year_column),
        "BIGINT",
        "year",
    );
}

/// The listed projects as the common table `listed`, computed once for the
/// parts of the statement that read it (PostgreSQL would otherwise list and
/// place the projects once per part), with the columns the parts group and
/// sum by. The oblast comes from a territory → oblast mapping joined by
/// territory id, so the path comparison runs once per territory, not once
/// per project.
fn listed(by: &[Dimension], projects: SelectStatement) -> WithClause {
    let mut select = Query::select();
    select.from_subquery(projects, Alias::new("p")).exprs(
        [
            "id",
            "theme",
            "sector_code",
            "status",
            "planned_start",
            "budget_minor",
            "budget_currency",
        ]
        .map(|column| Expr::cust(format!("\"p\".\"{column}\""))),
    );
    if by.contains(&Dimension::Oblast) {
        let oblast_of = Query::select()
            .expr_as(Expr::cust("\"t\".\"id\""), Alias::new("territory_id"))
            .expr_as(Expr::cust("\"a\".\"id\""), Alias::new("id"))
            .from_as(entity::territory::Entity, Alias::new("t"))
            .join_as(
                sea_orm::JoinType::InnerJoin,
                entity::territory::Entity,
                Alias::new("a"),
                Expr::cust(
                    "\"a\".\"level\" = 'OBLAST' AND \"t\".\"path\" LIKE (\"a\".\"path\" || '%')",
                ),
            )
            .to_owned();
        select
            .join_subquery(
                sea_orm::JoinType::InnerJoin,
                oblast_of,
                Alias::new("o"),
                Expr::cust("\"o\".\"territory_id\" = \"p\".\"territory_id\""),
            )
            .expr_as(Expr::cust("\"o\".\"id\""), Alias::new("oblast_id"));
    } else {
        select.expr_as(Expr::cust("CAST(NULL AS BIGINT)"), Alias::new("oblast_id"));
    }
    WithClause::new()
        .cte(
            CommonTableExpression::new()
                .query(select)
                .table_name(Alias::new("listed"))
                .materialized(true)
                .to_owned(),
        )
        .to_owned()
}

/// `FROM listed p`: a part of the statement reads the listed projects.
fn projects_from(select: &mut SelectStatement) {
    select.from_as(Alias::new("listed"), Alias::new("p"));
}

async fn run(db: &impl ConnectionTrait, select: &impl StatementBuilder) -> Result<Vec<Aggregate>> {
    let backend = db.get_database_backend();
    let statement: Statement = backend.build(select);
    Ok(Aggregate::find_by_statement(statement).all(db).await?)
}

/// The most rows (groups × currencies) one funnel holds.
pub const MAX_ROWS: usize = 1_000;

/// The funnel of the projects `principal` may see that match `filter`,
/// grouped by `by`, one row per group and currency, in group order.
pub async fn funnel(
    db: &impl ConnectionTrait,
    principal: &Principal,
    filter: &ProjectFilter,
    by: &[Dimension],
) -> Result<Vec<Row>> {
    let backend = db.get_database_backend();
    let listed = listed(by, list(principal, filter).into_query());
    let sum = |stage: &str| {
        format!(
            "SUM(CASE WHEN \"funding\".\"stage\" = '{stage}' THEN \"funding\".\"amount_minor\" ELSE 0 END)"
        )
    };

    let by_funder = by.contains(&Dimension::Funder);
    // Funding: pledged, committed, disbursed per group and currency.
    let mut money = Query::select();
    projects_from(&mut money);
    money.join_as(
        sea_orm::JoinType::InnerJoin,
        funding::Entity,
        Alias::new("funding"),
        Expr::cust("\"funding\".\"project_id\" = \"p\".\"id\""),
    );
    // A funding record counts only where the caller may see it: its
    // project is listed, and its funder must be visible too.
    money.cond_where(funding::Entity::visible_under(principal, "project_id"));
    dimensions(&mut money, by, backend, "\"funding\".\"value_date\"", true);
    money
        .expr_as(
            Expr::cust("\"funding\".\"currency\""),
            Alias::new("currency"),
        )
        .add_group_by([Expr::cust("\"funding\".\"currency\"")])
        .expr_as(Expr::cust("CAST(NULL AS BIGINT)"), Alias::new("required"))
        .expr_as(
            Expr::cust(format!("CAST({} AS BIGINT)", sum("PLEDGED"))),
            Alias::new("pledged"),
        )
        .expr_as(
            Expr::cust(format!("CAST({} AS BIGINT)", sum("COMMITTED"))),
            Alias::new("committed"),
        )
        .expr_as(
            Expr::cust(format!("CAST({} AS BIGINT)", sum("DISBURSED"))),
            Alias::new("disbursed"),
        )
        // Grouped by funder or year (the funding's year, not the project's),
        // the funded projects are the count; otherwise the counts part has
        // them, and a distinct count here would only sort every funding
        // record (on disk, at 100,000 of them).
        .expr_as(
            Expr::cust(if by_funder || by.contains(&Dimension::Year) {
                "COUNT(DISTINCT \"p\".\"id\")"
            } else {
                "CAST(0 AS BIGINT)"
            }),
            Alias::new("projects"),
        )
        .expr_as(Expr::cust("CAST(0 AS BIGINT)"), Alias::new("part"));

    let (money, budgets, counts) = if by_funder {
        (run(db, &money.with(listed)).await?, Vec::new(), Vec::new())
    } else {
        // Budgets per group and currency.
        let mut budgets = Query::select();
        projects_from(&mut budgets);
        dimensions(&mut budgets, by, backend, "\"p\".\"planned_start\"", false);
        budgets
            .and_where(Expr::cust("\"p\".\"budget_minor\" IS NOT NULL"))
            .expr_as(
                Expr::cust("\"p\".\"budget_currency\""),
                Alias::new("currency"),
            )
            .add_group_by([Expr::cust("\"p\".\"budget_currency\"")])
            .expr_as(
                Expr::cust("CAST(SUM(\"p\".\"budget_minor\") AS BIGINT)"),
                Alias::new("required"),
            )
            .expr_as(Expr::cust("CAST(NULL AS BIGINT)"), Alias::new("pledged"))
            .expr_as(Expr::cust("CAST(NULL AS BIGINT)"), Alias::new("committed"))
            .expr_as(Expr::cust("CAST(NULL AS BIGINT)"), Alias::new("disbursed"))
            .expr_as(Expr::cust("COUNT(\"p\".\"id\")"), Alias::new("projects"))
            .expr_as(Expr::cust("CAST(1 AS BIGINT)"), Alias::new("part"));
        // Projects per group, whatever their currencies.
        let mut counts = Query::select();
        projects_from(&mut counts);
        dimensions(&mut counts, by, backend, "\"p\".\"planned_start\"", false);
        counts
            .expr_as(Expr::cust("CAST(NULL AS TEXT)"), Alias::new("currency"))
            .expr_as(Expr::cust("CAST(NULL AS BIGINT)"), Alias::new("required"))
            .expr_as(Expr::cust("CAST(NULL AS BIGINT)"), Alias::new("pledged"))
            .expr_as(Expr::cust("CAST(NULL AS BIGINT)"), Alias::new("committed"))
            .expr_as(Expr::cust("CAST(NULL AS BIGINT)"), Alias::new("disbursed"))
            .expr_as(Expr::cust("COUNT(\"p\".\"id\")"), Alias::new("projects"))
            .expr_as(Expr::cust("CAST(2 AS BIGINT)"), Alias::new("part"));
        // One statement for the three parts.
        let mut statement = money;
        statement
            .union(UnionType::All, budgets)
            .union(UnionType::All, counts);
        let (mut money, mut budgets, mut counts) = (Vec::new(), Vec::new(), Vec::new());
        for row in run(db, &statement.with(listed)).await? {
            match row.part {
                0 => money.push(row),
                1 => budgets.push(row),
                _ => counts.push(row),
            }
        }
        (money, budgets, counts)
    };

    let projects_of: BTreeMap<Key, i64> = counts.iter().map(|c| (c.key(), c.projects)).collect();
    let mut rows: BTreeMap<(Key, String), Row> = BTreeMap::new();
    for a in budgets.iter().chain(money.iter()) {
        let Some(currency) = a.currency.clone() else {
            continue;
        };
        let key = a.key();
        let row = rows
            .entry((key.clone(), currency.clone()))
            .or_insert_with(|| Row {
                oblast_id: a.oblast_id,
                theme: a.theme.clone(),
                sector: a.sector.clone(),
                funder_id: a.funder_id,
                status: a.status.clone(),
                year: a.year,
                currency,
                required: (!by_funder).then_some(0),
                projects: if by_funder {
                    a.projects
                } else {
                    projects_of.get(&key).copied().unwrap_or(a.projects)
                },
                ..Row::default()
            });
        if let Some(required) = a.required {
            row.required = Some(row.required.unwrap_or(0) + required);
        }
        row.pledged += a.pledged.unwrap_or(0);
        row.committed += a.committed.unwrap_or(0);
        row.disbursed += a.disbursed.unwrap_or(0);
    }
    if rows.len() > MAX_ROWS {
        return Err(AppError::LimitExceeded(format!(
            "the funnel has {} rows, more than the {MAX_ROWS} one answer holds: group by fewer dimensions or filter the projects",
            rows.len()
        )));
    }
    Ok(rows.into_values().collect())
}

/// Funnels computed lately, each kept with the head of the audit trail it
/// was computed at: every change the service commits moves the head in the
/// same transaction, so a kept funnel is served only while nothing has
/// changed since. Dashboards ask for the same few funnels again and again;
/// each costs PostgreSQL a pass over every visible funding record and budget,
/// and a kept one a primary-key lookup. What the caller may see is part of
/// the key, as are the filter and the grouping. Changes written to the
/// database past the service (by hand) are not on the trail: a funnel is
/// kept at most [`FunnelCache::MAX_AGE`] for them.
pub struct FunnelCache {
    entries: std::sync::Mutex<HashMap<String, Kept>>,
}

struct Kept {
    head: i64,
    at: std::time::Instant,
    rows: Arc<Vec<Row>>,
}

impl Default for FunnelCache {
    fn default() -> Self {
        Self {
            entries: std::sync::Mutex::new(HashMap::new()),
        }
    }
}

impl FunnelCache {
    /// Funnels kept at most.
    pub const CAPACITY: usize = 64;
    /// How long a funnel is kept at most.
    pub const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(60);

    /// The funnel of [`funnel`], kept or computed now.
    pub async fn funnel(
        &self,
        db: &DatabaseConnection,
        principal: &Principal,
        filter: &ProjectFilter,
        by: &[Dimension],
    ) -> Result<Arc<Vec<Row>>> {
        // What the caller may see: everything, or the public records and
        // its own member's.
        let sees = if principal.sees_everything() {
            "all".to_owned()
        } else {
            format!("public+{:?}", principal.own_member())
        };
        let key = format!("{sees}|{filter:?}|{by:?}");
        // Read before the funnel: a change committed in between moves the
        // head past the one the funnel is kept at, so it is not served again.
        let head = committed_head(db).await?;
        let at = std::time::Instant::now();
        if let Some(rows) = self.kept(&key, head) {
            return Ok(rows);
        }
        let rows = Arc::new(funnel(db, principal, filter, by).await?);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= Self::CAPACITY && !entries.contains_key(&key) {
            // The oldest goes.
            let oldest = entries
                .iter()
                .min_by_key(|(_, kept)| kept.at)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        entries.insert(
            key,
            Kept {
                head,
                at,
                rows: rows.clone(),
            },
        );
        Ok(rows)
    }

    fn kept(&self, key: &str, head: i64) -> Option<Arc<Vec<Row>>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let kept = entries.get(key)?;
        (kept.head == head && kept.at.elapsed() < Self::MAX_AGE).then(|| kept.rows.clone())
    }
}
