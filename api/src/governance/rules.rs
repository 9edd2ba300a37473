//! Checks of multilevel governance: the responsibility matrix of a scope, the
//! rules it must keep (one ACCOUNTABLE per function and phase, a role for local
//! self-government, validity, co-ordination across levels) and the coverage of
//! the OECD principles. Every check is an aggregate in SQL over the
//! responsibilities the caller may see.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{oecd_principle, project, responsibility};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};

use crate::auth::Principal;
use crate::codes::{GovernanceFunction, Phase, rank};
use crate::error::Result;
use crate::loader::Table;
use crate::sql;
use crate::territory::service::within;

/// The most responsibilities a matrix shows.
pub const MATRIX_LIMIT: u64 = 2_000;
/// The most cells a matrix has: one per function, phase and level.
pub const MATRIX_CELLS: usize = 8 * 5 * 6;
/// The most responsibilities one cell of a matrix shows (the oldest first;
/// the matrix says `truncated` when a cell held more).
pub const ENTRIES_PER_CELL: usize = 20;
/// The most responsibilities shown behind one governance issue (the oldest).
pub const EVIDENCE_PER_ISSUE: usize = 50;

/// Levels of government where local self-government sits.
const LOCAL_LEVELS: [&str; 2] = ["HROMADA", "OBLAST"];

/// The OECD principles whose entries count as co-ordination across levels of
/// government (2) and across sectors and jurisdictions (3).
const COORDINATION_PRINCIPLES: [&str; 2] = ["2", "3"];

/// What the checks look at.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Responsibilities of this project.
    pub project_id: Option<i64>,
    /// Responsibilities in this territory or below it, directly or through their project.
    pub territory_id: Option<i64>,
    /// Responsibilities for this theme, directly or through their project.
    pub theme: Option<String>,
}

impl Scope {
    fn projects(&self) -> SelectStatement {
        let mut select = Query::select()
            .column((project::Entity, project::Column::Id))
            .from(project::Entity)
            .to_owned();
        if let Some(territory) = self.territory_id {
            select.cond_where(within("project", "territory_id", territory));
        }
        if let Some(theme) = &self.theme {
            select.and_where(project::Column::Theme.eq(theme.as_str()));
        }
        select
    }

    /// The responsibilities in scope.
    fn condition(&self) -> Condition {
        use responsibility::Column as R;
        let mut condition = Condition::all();
        if let Some(project) = self.project_id {
            condition = condition.add(R::ProjectId.eq(project));
        }
        if self.territory_id.is_some() || self.theme.is_some() {
            let mut direct = Condition::all();
            if let Some(territory) = self.territory_id {
                direct = direct.add(within("responsibility", "territory_id", territory));
            }
            if let Some(theme) = &self.theme {
                direct = direct.add(R::Theme.eq(theme.as_str()));
            }
            condition = condition.add(Condition::any().add(direct).add(sql::in_select(
                "responsibility",
                "project_id",
                self.projects(),
            )));
        }
        condition
    }
}

/// Valid on `on`: inside the responsibility's validity window.
fn valid_on(on: NaiveDate) -> Condition {
    use responsibility::Column as R;
    Condition::all()
        .add(
            Condition::any()
                .add(R::ValidFrom.is_null())
                .add(R::ValidFrom.lte(on)),
        )
        .add(
            Condition::any()
                .add(R::ValidUntil.is_null())
                .add(R::ValidUntil.gte(on)),
        )
}

/// The responsibilities of a scope valid on `on`, ordered by function, phase,
/// level and id, at most [`MATRIX_LIMIT`]; and whether more were left out.
pub async fn matrix(
    db: &impl ConnectionTrait,
    principal: &Principal,
    scope: &Scope,
    on: NaiveDate,
) -> Result<(Vec<responsibility::Model>, bool)> {
    let mut rows = responsibility::Entity::find_visible(principal)
        .filter(scope.condition())
        .filter(valid_on(on))
        .order_by_asc(responsibility::Column::Id)
        .limit(MATRIX_LIMIT + 1)
        .all(db)
        .await?;
    let truncated = rows.len() as u64 > MATRIX_LIMIT;
    rows.truncate(MATRIX_LIMIT as usize);
    Ok((rows, truncated))
}

/// A rule of multilevel governance.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[graphql(name = "GovernanceRule")]
pub enum Rule {
    /// A function in a phase has responsibilities but no ACCOUNTABLE actor
    /// (OECD principle 1: clear allocation of responsibilities).
    NoAccountable,
    /// A function in a phase has more than one ACCOUNTABLE actor (OECD principle 1).
    MultipleAccountable,
    /// A project has no responsibility at hromada or oblast level: the Alliance
    /// holds that local self-government leads reconstruction.
    NoLocalRole,
    /// A responsibility is recorded outside its validity window.
    OutsideValidity,
    /// RESPONSIBLE and ACCOUNTABLE sit at different levels of government and no
    /// entry of the same function and phase cites co-ordination (OECD
    /// principles 2 and 3).
    LevelsNotCoordinated,
}

impl Rule {
    /// Every rule, in list order.
    pub const ALL: [Rule; 5] = [
        Rule::NoAccountable,
        Rule::MultipleAccountable,
        Rule::NoLocalRole,
        Rule::OutsideValidity,
        Rule::LevelsNotCoordinated,
    ];
}

/// One breach of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// The rule that fired.
    pub rule: Rule,
    /// What is wrong, in words.
    pub message: String,
    /// The project concerned.
    pub project_id: Option<i64>,
    /// The territory concerned (sector scope).
    pub territory_id: Option<i64>,
    /// The theme concerned (sector scope).
    pub theme: Option<String>,
    /// The function concerned.
    pub function: Option<String>,
    /// The phase concerned.
    pub phase: Option<String>,
    /// The responsibility concerned (validity rule).
    pub responsibility_id: Option<i64>,
}

impl Issue {
    /// A key that sorts issues in list order: rule, scope, function, phase, record.
    pub fn sort_key(&self) -> String {
        format!(
            "{}|{:020}|{:020}|{}|{:02}|{:02}|{:020}",
            Rule::ALL.iter().position(|r| *r == self.rule).unwrap_or(9),
            self.project_id.unwrap_or(0),
            self.territory_id.unwrap_or(0),
            self.theme.as_deref().unwrap_or(""),
            rank::<GovernanceFunction>(self.function.as_deref().unwrap_or_default()),
            rank::<Phase>(self.phase.as_deref().unwrap_or_default()),
            self.responsibility_id.unwrap_or(0),
        )
    }
}

#[derive(FromQueryResult)]
struct GroupRow {
    project_id: Option<i64>,
    territory_id: Option<i64>,
    theme: Option<String>,
    function: String,
    phase: String,
    accountable: i64,
    responsible: i64,
    coordinated: i64,
    responsible_low: Option<String>,
    responsible_high: Option<String>,
    accountable_low: Option<String>,
    accountable_high: Option<String>,
}

fn label(code: &str) -> String {
    code.to_lowercase()
}

/// The rules on groups of one scope, function and phase: one statement.
async fn group_issues(
    db: &impl ConnectionTrait,
    principal: &Principal,
    scope: &Scope,
    on: NaiveDate,
    out: &mut Vec<Issue>,
) -> Result<()> {
    use responsibility::Column as R;
    let raci = |role: &str, then: &str| {
        format!("CASE WHEN \"responsibility\".\"raci\" = '{role}' THEN {then} END")
    };
    let coordination = COORDINATION_PRINCIPLES
        .iter()
        .map(|p| format!("\"responsibility\".\"principles\" LIKE '%,{p},%'"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let level = "\"responsibility\".\"level\"";
    let rows = responsibility::Entity::find_visible(principal)
        .filter(scope.condition())
        .filter(valid_on(on))
        .select_only()
        .column(R::ProjectId)
        .column(R::TerritoryId)
        .column(R::Theme)
        .column(R::Function)
        .column(R::Phase)
        .column_as(
            Expr::cust(format!("COALESCE(SUM({}), 0)", raci("ACCOUNTABLE", "1"))),
            "accountable",
        )
        .column_as(
            Expr::cust(format!("COALESCE(SUM({}), 0)", raci("RESPONSIBLE", "1"))),
            "responsible",
        )
        .column_as(
            Expr::cust(format!(
                "COALESCE(SUM(CASE WHEN {coordination} THEN 1 ELSE 0 END), 0)"
            )),
            "coordinated",
        )
        .column_as(
            Expr::cust(format!("MIN({})", raci("RESPONSIBLE", level))),
            "responsible_low",
        )
        .column_as(
            Expr::cust(format!("MAX({})", raci("RESPONSIBLE", level))),
            "responsible_high",
        )
        .column_as(
            Expr::cust(format!("MIN({})", raci("ACCOUNTABLE", level))),
            "accountable_low",
        )
        .column_as(
            Expr::cust(format!("MAX({})", raci("ACCOUNTABLE", level))),
            "accountable_high",
        )
        .group_by(R::ProjectId)
        .group_by(R::TerritoryId)
        .group_by(R::Theme)
        .group_by(R::Function)
        .group_by(R::Phase)
        .into_model::<GroupRow>()
        .all(db)
        .await?;
    for row in rows {
        let issue = |rule: Rule, message: String| Issue {
            rule,
            message,
            project_id: row.project_id,
            territory_id: row.territory_id,
            theme: row.theme.clone(),
            function: Some(row.function.clone()),
            phase: Some(row.phase.clone()),
            responsibility_id: None,
        };
        let what = format!("{} in {}", label(&row.function), label(&row.phase));
        if row.accountable == 0 {
            out.push(issue(
                Rule::NoAccountable,
                format!("{what} has no accountable actor"),
            ));
        }
        if row.accountable > 1 {
            out.push(issue(
                Rule::MultipleAccountable,
                format!(
                    "{what} has {} accountable actors; there must be one",
                    row.accountable
                ),
            ));
        }
        let one_level = row.responsible_low == row.responsible_high
            && row.accountable_low == row.accountable_high
            && row.responsible_low == row.accountable_low;
        if row.responsible > 0 && row.accountable > 0 && !one_level && row.coordinated == 0 {
            let levels = |low: &Option<String>, high: &Option<String>| match (low, high) {
                (Some(l), Some(h)) if l != h => format!("{} and {} level", label(l), label(h)),
                (Some(l), _) => format!("{} level", label(l)),
                _ => String::new(),
            };
            out.push(issue(
                Rule::LevelsNotCoordinated,
                format!(
                    "{what}: responsible at {}, accountable at {}, and no entry cites co-ordination (OECD principle 2 or 3)",
                    levels(&row.responsible_low, &row.responsible_high),
                    levels(&row.accountable_low, &row.accountable_high),
                ),
            ));
        }
    }
    Ok(())
}

/// Projects in scope with no valid responsibility at hromada or oblast level.
async fn local_role_issues(
    db: &impl ConnectionTrait,
    principal: &Principal,
    scope: &Scope,
    on: NaiveDate,
    out: &mut Vec<Issue>,
) -> Result<()> {
    let local = responsibility::Entity::find_visible(principal)
        .filter(valid_on(on))
        .filter(responsibility::Column::Level.is_in(LOCAL_LEVELS))
        .filter(responsibility::Column::ProjectId.is_not_null())
        .select_only()
        .column(responsibility::Column::ProjectId)
        .into_query();
    let mut projects = project::Entity::find_visible(principal)
        .filter(project::Column::Status.ne("cancelled"))
        .filter(project::Column::Visibility.ne("ARCHIVED"))
        .filter(sql::not_in_select("project", "id", local));
    if let Some(id) = scope.project_id {
        projects = projects.filter(project::Column::Id.eq(id));
    }
    if scope.territory_id.is_some() || scope.theme.is_some() {
        projects = projects.filter(sql::in_select("project", "id", scope.projects()));
    }
    let ids: Vec<i64> = projects
        .select_only()
        .column(project::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    out.extend(ids.into_iter().map(|id| Issue {
        rule: Rule::NoLocalRole,
        message: "the project has no responsibility at hromada or oblast level: local self-government leads reconstruction".into(),
        project_id: Some(id),
        territory_id: None,
        theme: None,
        function: None,
        phase: None,
        responsibility_id: None,
    }));
    Ok(())
}

/// Responsibilities in scope recorded outside their validity window.
async fn validity_issues(
    db: &impl ConnectionTrait,
    principal: &Principal,
    scope: &Scope,
    on: NaiveDate,
    out: &mut Vec<Issue>,
) -> Result<()> {
    use responsibility::Column as R;
    let rows = responsibility::Entity::find_visible(principal)
        .filter(scope.condition())
        .filter(
            Condition::any()
                .add(R::ValidFrom.gt(on))
                .add(R::ValidUntil.lt(on)),
        )
        .all(db)
        .await?;
    out.extend(rows.into_iter().map(|r| {
        let message = match (r.valid_from, r.valid_until) {
            (Some(from), _) if from > on => {
                format!("valid only from {from}, not yet on {on}")
            }
            (_, Some(until)) => format!("valid until {until}, expired on {on}"),
            _ => format!("not valid on {on}"),
        };
        Issue {
            rule: Rule::OutsideValidity,
            message: format!(
                "{} {} at {} level: {message}",
                label(&r.function),
                label(&r.raci),
                label(&r.level)
            ),
            project_id: r.project_id,
            territory_id: r.territory_id,
            theme: r.theme.clone(),
            function: Some(r.function),
            phase: Some(r.phase),
            responsibility_id: Some(r.id),
        }
    }));
    Ok(())
}

/// Every breach of `rules` in `scope` on day `on`, in list order: by rule,
/// then scope, function and phase. At most four statements.
pub async fn issues(
    db: &impl ConnectionTrait,
    principal: &Principal,
    scope: &Scope,
    rules: &[Rule],
    on: NaiveDate,
) -> Result<Vec<Issue>> {
    let wants = |rule: Rule| rules.is_empty() || rules.contains(&rule);
    let mut out = Vec::new();
    if wants(Rule::NoAccountable)
        || wants(Rule::MultipleAccountable)
        || wants(Rule::LevelsNotCoordinated)
    {
        group_issues(db, principal, scope, on, &mut out).await?;
    }
    if wants(Rule::NoLocalRole) {
        local_role_issues(db, principal, scope, on, &mut out).await?;
    }
    if wants(Rule::OutsideValidity) {
        validity_issues(db, principal, scope, on, &mut out).await?;
    }
    out.retain(|i| wants(i.rule));
    out.sort_by_cached_key(Issue::sort_key);
    Ok(out)
}

/// The responsibilities behind each of `issues` (one statement): for a
/// validity breach the responsibility itself, for a project without a local
/// role the project's responsibilities, otherwise those of the issue's scope,
/// function and phase valid on `on`.
pub async fn evidence(
    db: &impl ConnectionTrait,
    principal: &Principal,
    issues: &[&Issue],
    on: NaiveDate,
) -> Result<Vec<Vec<responsibility::Model>>> {
    use responsibility::Column as R;
    if issues.is_empty() {
        return Ok(Vec::new());
    }
    let same = |column: R, value: Option<i64>| match value {
        Some(v) => column.eq(v),
        None => column.is_null(),
    };
    let mut any = Condition::any();
    for issue in issues {
        any = any.add(match issue.rule {
            Rule::OutsideValidity => Condition::all().add(R::Id.eq(issue.responsibility_id)),
            Rule::NoLocalRole => Condition::all().add(R::ProjectId.eq(issue.project_id)),
            _ => Condition::all()
                .add(same(R::ProjectId, issue.project_id))
                .add(same(R::TerritoryId, issue.territory_id))
                .add(match &issue.theme {
                    Some(theme) => R::Theme.eq(theme.as_str()),
                    None => R::Theme.is_null(),
                })
                .add(R::Function.eq(issue.function.clone()))
                .add(R::Phase.eq(issue.phase.clone()))
                .add(valid_on(on)),
        });
    }
    let rows = responsibility::Entity::find_visible(principal)
        .filter(any)
        .order_by_asc(R::Id)
        .limit(MATRIX_LIMIT)
        .all(db)
        .await?;
    Ok(issues
        .iter()
        .map(|issue| {
            rows.iter()
                .filter(|r| match issue.rule {
                    Rule::OutsideValidity => Some(r.id) == issue.responsibility_id,
                    Rule::NoLocalRole => r.project_id == issue.project_id,
                    _ => {
                        r.project_id == issue.project_id
                            && r.territory_id == issue.territory_id
                            && r.theme == issue.theme
                            && Some(&r.function) == issue.function.as_ref()
                            && Some(&r.phase) == issue.phase.as_ref()
                            && r.valid_from.is_none_or(|f| f <= on)
                            && r.valid_until.is_none_or(|u| u >= on)
                    }
                })
                .take(EVIDENCE_PER_ISSUE)
                .cloned()
                .collect()
        })
        .collect())
}

/// How far one OECD principle is served.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrincipleCoverage {
    /// Valid responsibilities citing the principle.
    pub responsibilities: i64,
    /// Projects with at least one of them.
    pub projects: i64,
    /// Territories where one applies: the responsibility's own, or its project's.
    pub territories: i64,
}

#[derive(FromQueryResult)]
struct CoverageRow {
    principle: i64,
    responsibilities: i64,
    projects: i64,
    territories: i64,
}

/// Coverage of each OECD principle in `scope` on day `on`, and the number of
/// projects in scope (the denominator of the project share). Two statements.
pub async fn principle_coverage(
    db: &impl ConnectionTrait,
    principal: &Principal,
    scope: &Scope,
    on: NaiveDate,
) -> Result<(HashMap<i64, PrincipleCoverage>, u64)> {
    let mut select = responsibility::Entity::find_visible(principal)
        .filter(scope.condition())
        .filter(valid_on(on))
        .select_only()
        .column_as(Expr::col((Alias::new("principle"), Alias::new("id"))), "principle")
        .column_as(Expr::cust("COUNT(\"responsibility\".\"id\")"), "responsibilities")
        .column_as(
            Expr::cust("COUNT(DISTINCT \"responsibility\".\"project_id\")"),
            "projects",
        )
        .column_as(
            Expr::cust(
                "COUNT(DISTINCT COALESCE(\"responsibility\".\"territory_id\", \"scoped\".\"territory_id\"))",
            ),
            "territories",
        )
        .group_by(Expr::col((Alias::new("principle"), Alias::new("id"))));
    let query = QueryTrait::query(&mut select);
    query
        .join_as(
            JoinType::InnerJoin,
            oecd_principle::Entity,
            Alias::new("principle"),
            Expr::cust(
                "\"responsibility\".\"principles\" LIKE ('%,' || CAST(\"principle\".\"id\" AS TEXT) || ',%')",
            ),
        )
        .join_as(
            JoinType::LeftJoin,
            project::Entity,
            Alias::new("scoped"),
            Expr::col((Alias::new("scoped"), Alias::new("id")))
                .equals((responsibility::Entity, responsibility::Column::ProjectId)),
        );
    let rows = select.into_model::<CoverageRow>().all(db).await?;
    let coverage = rows
        .into_iter()
        .map(|r| {
            (
                r.principle,
                PrincipleCoverage {
                    responsibilities: r.responsibilities,
                    projects: r.projects,
                    territories: r.territories,
                },
            )
        })
        .collect();
    let mut projects =
        project::Entity::find_visible(principal).filter(project::Column::Status.ne("cancelled"));
    if let Some(id) = scope.project_id {
        projects = projects.filter(project::Column::Id.eq(id));
    }
    if scope.territory_id.is_some() || scope.theme.is_some() {
        projects = projects.filter(sql::in_select("project", "id", scope.projects()));
    }
    let total = projects.count(db).await?;
    Ok((coverage, total))
}
