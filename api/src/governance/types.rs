//! GraphQL types of governance responsibilities and OECD principles.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{member, oecd_principle, responsibility, territory};

use crate::codes::{GovernanceFunction, GovernanceLevel, Phase, Raci, Theme, stored};
use std::sync::Arc;

use crate::codes::rank;
use crate::compiled::{self, JsonField, JsonNode};
use crate::governance::rules::{ENTRIES_PER_CELL, Issue, PrincipleCoverage, Rule};
use crate::governance::service::ResponsibilitiesOfPrinciple;
use crate::graphql;
use crate::ids;
use crate::member::types::{Member, load_member};
use crate::pagination::{PageArgs, connection};
use crate::project::types::{Project, load_project};
use crate::territory::types::Territory;

/// Who does what, at which level of government, in which phase of a project or
/// of a sector within a territory.
#[derive(Clone)]
pub struct Responsibility(pub responsibility::Model);

connection!(
    ResponsibilityConnection,
    ResponsibilityEdge,
    Responsibility,
    "governance responsibilities"
);

/// Who does what, at which level of government, in which phase of a project or
/// of a sector within a territory.
#[Object]
impl Responsibility {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Responsibility", self.0.id)
    }
    /// Function in the public-investment cycle.
    async fn function(&self) -> async_graphql::Result<GovernanceFunction> {
        Ok(stored(&self.0.function)?)
    }
    /// Phase of the project's life.
    async fn phase(&self) -> async_graphql::Result<Phase> {
        Ok(stored(&self.0.phase)?)
    }
    /// Level of government.
    async fn level(&self) -> async_graphql::Result<GovernanceLevel> {
        Ok(stored(&self.0.level)?)
    }
    /// The actor.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        load_member(ctx, self.0.actor_id).await
    }
    /// RACI role of the actor.
    async fn raci(&self) -> async_graphql::Result<Raci> {
        Ok(stored(&self.0.raci)?)
    }
    /// The OECD principles this responsibility serves.
    async fn principles(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OecdPrinciple>> {
        let numbers: Vec<i64> = entity::list::decode(&self.0.principles)
            .iter()
            .filter_map(|n| n.parse().ok())
            .collect();
        Ok(graphql::load_many::<oecd_principle::Entity>(ctx, &numbers)
            .await?
            .into_iter()
            .map(OecdPrinciple)
            .collect())
    }
    /// Legal basis (law, resolution, agreement).
    async fn legal_basis(&self) -> Option<&str> {
        self.0.legal_basis.as_deref()
    }
    /// First day of validity.
    async fn valid_from(&self) -> Option<NaiveDate> {
        self.0.valid_from
    }
    /// Last day of validity.
    async fn valid_until(&self) -> Option<NaiveDate> {
        self.0.valid_until
    }
    /// Scope: the project, when the responsibility is for one project.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        match self.0.project_id {
            Some(id) => load_project(ctx, id).await,
            None => Ok(None),
        }
    }
    /// Scope: the territory, for a theme within a territory.
    async fn territory(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        let Some(id) = self.0.territory_id else {
            return Ok(None);
        };
        Ok(graphql::load::<territory::Entity>(ctx, id)
            .await?
            .map(Territory))
    }
    /// Scope: the theme within the territory.
    async fn theme(&self) -> async_graphql::Result<Option<Theme>> {
        Ok(self.0.theme.as_deref().map(stored).transpose()?)
    }
    /// Free-text note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// One of the 12 principles of the OECD Recommendation on Effective Public
/// Investment Across Levels of Government (2014).
#[derive(Clone)]
pub struct OecdPrinciple(pub oecd_principle::Model);

/// One of the 12 principles of the OECD Recommendation on Effective Public
/// Investment Across Levels of Government (2014).
#[Object]
impl OecdPrinciple {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("OecdPrinciple", self.0.id)
    }
    /// Number of the principle, 1 to 12.
    async fn number(&self) -> i64 {
        self.0.id
    }
    /// Pillar number, 1 to 3.
    async fn pillar(&self) -> i32 {
        self.0.pillar
    }
    /// Title of the pillar.
    async fn pillar_title(&self) -> &str {
        &self.0.pillar_title
    }
    /// Title of the principle.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Responsibilities that serve this principle, oldest first.
    async fn responsibilities(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ResponsibilityConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, total) =
            graphql::nested::<ResponsibilitiesOfPrinciple, _>(ctx, self.0.id, args, Responsibility)
                .await?;
        Ok(ResponsibilityConnection::new(page, total))
    }
}

/// The responsibility matrix of a scope: function × phase × level, with the
/// actors and their RACI roles in each cell.
pub struct ResponsibilityMatrix {
    /// The day the matrix is valid on.
    pub on: NaiveDate,
    /// The responsibilities valid on that day.
    pub rows: Vec<responsibility::Model>,
    /// More responsibilities were in scope than a matrix shows.
    pub truncated: bool,
}

/// The responsibility matrix of a scope: function × phase × level, with the
/// actors and their RACI roles in each cell.
#[Object]
impl ResponsibilityMatrix {
    /// The day the matrix is valid on: only responsibilities valid that day are in it.
    async fn on(&self) -> NaiveDate {
        self.on
    }
    /// The cells that hold at least one responsibility, ordered by function
    /// (along the investment cycle), phase and level (from the EU down to the
    /// hromada); each shows at most 20 responsibilities, the oldest first.
    async fn cells(&self) -> Vec<MatrixCell> {
        let mut cells: Vec<MatrixCell> = Vec::new();
        let mut rows = self.rows.clone();
        rows.sort_by_key(|r| {
            (
                rank::<GovernanceFunction>(&r.function),
                rank::<Phase>(&r.phase),
                rank::<GovernanceLevel>(&r.level),
                r.id,
            )
        });
        for row in rows {
            match cells.last_mut() {
                Some(cell)
                    if cell.entries[0].function == row.function
                        && cell.entries[0].phase == row.phase
                        && cell.entries[0].level == row.level =>
                {
                    if cell.entries.len() < ENTRIES_PER_CELL {
                        cell.entries.push(row);
                    }
                }
                _ => cells.push(MatrixCell { entries: vec![row] }),
            }
        }
        cells
    }
    /// The functions that appear in the matrix.
    async fn functions(&self) -> async_graphql::Result<Vec<GovernanceFunction>> {
        present(&self.rows, |r| &r.function)
    }
    /// The phases that appear in the matrix.
    async fn phases(&self) -> async_graphql::Result<Vec<Phase>> {
        present(&self.rows, |r| &r.phase)
    }
    /// The levels of government that appear in the matrix.
    async fn levels(&self) -> async_graphql::Result<Vec<GovernanceLevel>> {
        present(&self.rows, |r| &r.level)
    }
    /// More responsibilities were in scope than a matrix shows (2,000 in
    /// all, 20 in a cell): narrow the scope.
    async fn truncated(&self) -> bool {
        let mut per_cell: std::collections::HashMap<(&str, &str, &str), usize> =
            std::collections::HashMap::new();
        self.truncated
            || self.rows.iter().any(|r| {
                let count = per_cell
                    .entry((&r.function, &r.phase, &r.level))
                    .or_default();
                *count += 1;
                *count > ENTRIES_PER_CELL
            })
    }
}

fn present<T: crate::codes::Code>(
    rows: &[responsibility::Model],
    field: fn(&responsibility::Model) -> &String,
) -> async_graphql::Result<Vec<T>> {
    let mut codes: Vec<&str> = rows.iter().map(|r| field(r).as_str()).collect();
    codes.sort_by_key(|c| rank::<T>(c));
    codes.dedup();
    Ok(codes
        .into_iter()
        .map(stored)
        .collect::<Result<Vec<T>, _>>()?)
}

/// One cell of a responsibility matrix: a function in a phase at a level.
pub struct MatrixCell {
    entries: Vec<responsibility::Model>,
}

/// One cell of a responsibility matrix: a function in a phase at a level.
#[Object]
impl MatrixCell {
    /// The function.
    async fn function(&self) -> async_graphql::Result<GovernanceFunction> {
        Ok(stored(&self.entries[0].function)?)
    }
    /// The phase.
    async fn phase(&self) -> async_graphql::Result<Phase> {
        Ok(stored(&self.entries[0].phase)?)
    }
    /// The level of government.
    async fn level(&self) -> async_graphql::Result<GovernanceLevel> {
        Ok(stored(&self.entries[0].level)?)
    }
    /// The RACI roles of the cell: its responsibilities, each with its actor.
    async fn entries(&self) -> Vec<Responsibility> {
        self.entries.iter().cloned().map(Responsibility).collect()
    }
}

/// A breach of a rule of multilevel governance, with the responsibilities behind it.
#[derive(Clone)]
pub struct GovernanceIssue {
    /// The breach.
    pub issue: Arc<Issue>,
    /// The responsibilities behind it.
    pub evidence: Arc<Vec<responsibility::Model>>,
}

connection!(
    GovernanceIssueConnection,
    GovernanceIssueEdge,
    GovernanceIssue,
    "governance issues, by rule then scope"
);

/// A breach of a rule of multilevel governance, with the responsibilities behind it.
#[Object]
impl GovernanceIssue {
    /// The rule that fired.
    async fn rule(&self) -> Rule {
        self.issue.rule
    }
    /// What is wrong, in words (English).
    async fn message(&self) -> &str {
        &self.issue.message
    }
    /// The project concerned.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        match self.issue.project_id {
            Some(id) => load_project(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The territory concerned, for a sector within a territory.
    async fn territory(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        let Some(id) = self.issue.territory_id else {
            return Ok(None);
        };
        Ok(graphql::load::<territory::Entity>(ctx, id)
            .await?
            .map(Territory))
    }
    /// The theme concerned, for a sector within a territory.
    async fn theme(&self) -> async_graphql::Result<Option<Theme>> {
        Ok(self.issue.theme.as_deref().map(stored).transpose()?)
    }
    /// The function concerned.
    async fn function(&self) -> async_graphql::Result<Option<GovernanceFunction>> {
        Ok(self.issue.function.as_deref().map(stored).transpose()?)
    }
    /// The phase concerned.
    async fn phase(&self) -> async_graphql::Result<Option<Phase>> {
        Ok(self.issue.phase.as_deref().map(stored).transpose()?)
    }
    /// The responsibilities behind the issue: the one outside its validity, the
    /// project's, or those of the function and phase in the scope (at most
    /// 50, the oldest first).
    async fn responsibilities(&self) -> Vec<Responsibility> {
        self.evidence.iter().cloned().map(Responsibility).collect()
    }
}

/// How far one OECD principle is served by the responsibilities in a scope.
pub struct OecdCoverage {
    /// The principle.
    pub principle: oecd_principle::Model,
    /// Its figures.
    pub coverage: PrincipleCoverage,
    /// Projects in scope.
    pub projects_in_scope: u64,
}

/// How far one OECD principle is served by the responsibilities in a scope.
#[Object]
impl OecdCoverage {
    /// The principle.
    async fn principle(&self) -> OecdPrinciple {
        OecdPrinciple(self.principle.clone())
    }
    /// Valid responsibilities that cite the principle.
    async fn responsibility_count(&self) -> i64 {
        self.coverage.responsibilities
    }
    /// Projects with at least one such responsibility.
    async fn project_count(&self) -> i64 {
        self.coverage.projects
    }
    /// Projects in scope (not cancelled): the denominator of `projectShare`.
    async fn projects_in_scope(&self) -> u64 {
        self.projects_in_scope
    }
    /// Share of the projects in scope with at least one such responsibility, 0 to 1.
    async fn project_share(&self) -> f64 {
        if self.projects_in_scope == 0 {
            return 0.0;
        }
        (self.coverage.projects as f64 / self.projects_in_scope as f64).min(1.0)
    }
    /// Territories where such a responsibility applies (its own territory or its project's).
    async fn territory_count(&self) -> i64 {
        self.coverage.territories
    }
}

/// A responsibility's plain fields and actor as JSON (see [`crate::compiled`]).
impl JsonNode for responsibility::Entity {
    const TYPE_NAME: &'static str = "Responsibility";
    const CONNECTION: &'static str = "ResponsibilityConnection";
    fn json_field(name: &str) -> Option<JsonField> {
        Some(match name {
            "id" => JsonField::Id,
            "function" => compiled::code::<GovernanceFunction>("function"),
            "phase" => compiled::code::<Phase>("phase"),
            "level" => compiled::code::<GovernanceLevel>("level"),
            "actor" => JsonField::ToOne {
                column: "actor_id",
                object: compiled::to_one::<member::Entity>,
            },
            "raci" => compiled::code::<Raci>("raci"),
            "legalBasis" => JsonField::Column("legal_basis"),
            "validFrom" => JsonField::Date("valid_from"),
            "validUntil" => JsonField::Date("valid_until"),
            "theme" => compiled::code::<Theme>("theme"),
            "note" => JsonField::Column("note"),
            "version" => JsonField::Column("version"),
            _ => return None,
        })
    }
}
