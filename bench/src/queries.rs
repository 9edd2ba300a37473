//! The six compared queries, written out for each implementation: the
//! service's GraphQL, PostGraphile's GraphQL (aliased to the same response
//! shape) and the raw-SQL floor (one hand-written statement that builds the
//! same JSON document, run by `pgbench -M prepared`).
//!
//! Every implementation answers from the same rows with the same visibility:
//! anonymous readers see published projects; nested lists are capped the
//! same way (participants and funding 10, projects of a member 20,
//! responsibilities 20 for one project and 10 per project in the deep query).

use std::fmt;

use alliance_api::ids;
use alliance_api::pagination::{Cursor, SortValue};
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::Error;

/// A compared query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Query {
    /// Dashboard list: projects of an oblast in a status, newest first, with
    /// owner (and its offer count), participants and their members, funding
    /// and funders.
    Q1,
    /// One project by id with its owner and responsibilities (and actors).
    Q2,
    /// Funding funnel grouped by oblast × theme.
    Q3,
    /// Deep nesting: 50 members → 20 projects each → participants → member,
    /// and responsibilities → actor.
    Q4,
    /// A page of 50 deep in the project list (after `deep` rows).
    Q5,
    /// Create a project.
    Q6,
}

impl Query {
    /// Every query, in order.
    pub const ALL: [Query; 6] = [
        Query::Q1,
        Query::Q2,
        Query::Q3,
        Query::Q4,
        Query::Q5,
        Query::Q6,
    ];

    /// What the query asks, in a few words.
    pub fn title(self) -> &'static str {
        match self {
            Query::Q1 => "dashboard list (50 projects with owner, participants, funding)",
            Query::Q2 => "one project with owner and responsibilities",
            Query::Q3 => "funding funnel by oblast × theme",
            Query::Q4 => "deep nesting (50 members × 20 projects × participants, responsibilities)",
            Query::Q5 => "a page deep in the project list",
            Query::Q6 => "create a project",
        }
    }

    /// Nesting depth of the query's objects (lists and objects inside each
    /// other), the bound on SQL statements per request.
    pub fn depth(self) -> u32 {
        match self {
            Query::Q1 => 4, // projects → owner → offers; projects → participants → member
            Query::Q2 => 3, // project → responsibilities → actor
            Query::Q3 => 2, // funnel rows → oblast
            Query::Q4 => 4, // members → projects → participants → member
            Query::Q5 => 1, // projects
            Query::Q6 => 2, // createProject → project
        }
    }

    /// Whether the order of codes in the answer is part of its meaning.
    fn ordered(self) -> bool {
        !matches!(self, Query::Q3)
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::str::FromStr for Query {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Query::ALL
            .into_iter()
            .find(|q| q.to_string().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown query `{s}` (Q1 to Q6)"))
    }
}

/// The rows the queries are about, found in the generated data.
#[derive(Clone, Debug)]
pub struct Params {
    /// The oblast with the most published projects in `status`.
    pub oblast_id: i64,
    /// Project status of the dashboard list (stored code).
    pub status: String,
    /// A published project with several responsibilities.
    pub project_id: i64,
    /// The row after which the deep page starts: its creation time and id.
    pub deep_at: DateTime<Utc>,
    /// Its id.
    pub deep_id: i64,
    /// How many rows lie before the deep page.
    pub deep_rows: u64,
    /// Owner of created projects (they are created in the oblast).
    pub owner_id: i64,
    /// PostGraphile's own cursor for the deep page (filled in when it runs).
    pub postgraphile_cursor: Option<String>,
}

async fn one_i64(db: &DatabaseConnection, sql: &str) -> Result<i64, Error> {
    let row = db
        .query_one_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
        .await?
        .ok_or_else(|| Error::Request(format!("no row for: {sql}")))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

impl Params {
    /// Finds the parameters in a generated PostgreSQL database; the deep page
    /// starts after `deep` published projects (fewer when there are not that many).
    pub async fn discover(db: &DatabaseConnection, deep: u64) -> Result<Self, Error> {
        let status = "implementation".to_owned();
        let oblast_id = one_i64(
            db,
            "SELECT o.id FROM territory o JOIN territory t ON t.path LIKE o.path || '%' \
             JOIN project p ON p.territory_id = t.id \
             WHERE o.level = 'OBLAST' AND p.visibility = 'PUBLISHED' AND p.status = 'implementation' \
             GROUP BY o.id ORDER BY count(*) DESC, o.id LIMIT 1",
        )
        .await?;
        let project_id = one_i64(
            db,
            "SELECT p.id FROM project p JOIN responsibility r ON r.project_id = p.id \
             WHERE p.visibility = 'PUBLISHED' GROUP BY p.id HAVING count(*) BETWEEN 3 AND 20 \
             ORDER BY count(*) DESC, p.id LIMIT 1",
        )
        .await?;
        let published = one_i64(
            db,
            "SELECT count(*) FROM project WHERE visibility = 'PUBLISHED'",
        )
        .await?
        .max(1) as u64;
        let deep_rows = deep.min(published.saturating_sub(50)).max(1);
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT id, created_at FROM project WHERE visibility = 'PUBLISHED' \
                 ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1",
                [((deep_rows - 1) as i64).into()],
            ))
            .await?
            .ok_or_else(|| Error::Request("no deep row".into()))?;
        let deep_id: i64 = row.try_get_by_index(0)?;
        let deep_at: DateTime<Utc> = row.try_get_by_index(1)?;
        let owner_id = one_i64(
            db,
            "SELECT id FROM member WHERE status = 'ACTIVE' ORDER BY id LIMIT 1",
        )
        .await?;
        Ok(Self {
            oblast_id,
            status,
            project_id,
            deep_at,
            deep_id,
            deep_rows,
            owner_id,
            postgraphile_cursor: None,
        })
    }

    fn deep_at_text(&self) -> String {
        self.deep_at.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    /// The service's cursor of the row before the deep page.
    pub fn alliance_cursor(&self) -> String {
        Cursor {
            key: "CREATED_AT:DESC".into(),
            value: SortValue::Time(self.deep_at),
            id: self.deep_id,
        }
        .encode()
    }
}

/// The placeholder for a unique project code in create bodies.
pub const CODE: &str = "__CODE__";

/// The service's request body (JSON) for `query`; Q6 bodies carry [`CODE`].
pub fn alliance(query: Query, p: &Params) -> Value {
    let (text, variables) = match query {
        Query::Q1 => (
            "query Q1($oblast: ID!) { projects(first: 50, filter: { territoryId: $oblast, statuses: [IMPLEMENTATION] }) { nodes { code title status owner { name offers { totalCount } } participants(first: 10) { nodes { role: allianceRole member { name } } } funding(first: 10) { nodes { stage amount { amount currency } funder { name } } } } } }",
            json!({ "oblast": ids::encode("Territory", p.oblast_id).to_string() }),
        ),
        Query::Q2 => (
            "query Q2($id: ID!) { node(id: $id) { ... on Project { code title status owner { name } responsibilities(first: 20) { nodes { function phase raci actor { name } } } } } }",
            json!({ "id": ids::encode("Project", p.project_id).to_string() }),
        ),
        Query::Q3 => (
            "query Q3 { fundingFunnel(groupBy: [OBLAST, THEME]) { oblast { code } theme currency required { amount } pledged { amount } committed { amount } disbursed { amount } projectCount } }",
            json!({}),
        ),
        Query::Q4 => (
            "query Q4 { members(first: 50, orderBy: { field: SLUG, direction: ASC }, filter: { countries: [\"UA\"] }) { nodes { name projects(first: 20) { nodes { code participants(first: 10) { nodes { role: allianceRole member { name } } } responsibilities(first: 10) { nodes { raci actor { name } } } } } } } }",
            json!({}),
        ),
        Query::Q5 => (
            "query Q5($after: String) { projects(first: 50, after: $after) { nodes { code title status } } }",
            json!({ "after": p.alliance_cursor() }),
        ),
        Query::Q6 => (
            "mutation Q6($input: CreateProjectInput!) { createProject(input: $input) { project { id code } userErrors { message } } }",
            json!({ "input": {
                "code": CODE,
                "titles": { "en": "Benchmark project", "uk": "Проєкт для вимірювань" },
                "descriptions": { "en": "Created by the benchmark.", "uk": "Створено під час вимірювань." },
                "projectType": "REHABILITATION", "purpose": "RESTORATION", "sectorCode": "11220",
                "theme": "EDUCATION",
                "territoryId": ids::encode("Territory", p.oblast_id).to_string(),
                "ownerId": ids::encode("Member", p.owner_id).to_string(),
            } }),
        ),
    };
    json!({ "query": text, "variables": variables })
}

/// PostGraphile's request body for `query`, aliased to the service's shape.
pub fn postgraphile(query: Query, p: &Params) -> Value {
    let text = match query {
        Query::Q1 => format!(
            "query Q1 {{ projects: projectsInOblast(oblastId: \"{}\", projectStatus: \"{}\", first: 50) {{ nodes {{ code title: titleEn status owner: memberByOwnerId {{ name: nameEn offers: assistanceOffersByMemberId {{ totalCount }} }} participants: participantsByProjectId(first: 10, orderBy: [CREATED_AT_ASC, ID_ASC]) {{ nodes {{ role: allianceRole member: memberByMemberId {{ name: nameEn }} }} }} funding: fundingsByProjectId(first: 10, orderBy: [CREATED_AT_ASC, ID_ASC]) {{ nodes {{ stage amountMinor currency funder: memberByFunderId {{ name: nameEn }} }} }} }} }} }}",
            p.oblast_id, p.status
        ),
        Query::Q2 => format!(
            "query Q2 {{ node: projectById(id: \"{}\") {{ code title: titleEn status owner: memberByOwnerId {{ name: nameEn }} responsibilities: responsibilitiesByProjectId(first: 20, orderBy: [CREATED_AT_ASC, ID_ASC]) {{ nodes {{ function phase raci actor: memberByActorId {{ name: nameEn }} }} }} }} }}",
            p.project_id
        ),
        Query::Q3 => "query Q3 { fundingFunnel: fundingFunnel { nodes { oblast: oblastCode theme currency required pledged committed disbursed projectCount } } }".into(),
        Query::Q4 => "query Q4 { members: allMembers(first: 50, orderBy: [SLUG_ASC], condition: { country: \"UA\", status: \"ACTIVE\" }) { nodes { name: nameEn projects: projectsByOwnerId(first: 20, orderBy: [CREATED_AT_DESC, ID_DESC], condition: { visibility: \"PUBLISHED\" }) { nodes { code participants: participantsByProjectId(first: 10, orderBy: [CREATED_AT_ASC, ID_ASC]) { nodes { role: allianceRole member: memberByMemberId { name: nameEn } } } responsibilities: responsibilitiesByProjectId(first: 10, orderBy: [CREATED_AT_ASC, ID_ASC]) { nodes { raci actor: memberByActorId { name: nameEn } } } } } } } }".into(),
        Query::Q5 => format!(
            "query Q5 {{ projects: allProjects(first: 50, after: \"{}\", orderBy: [CREATED_AT_DESC, ID_DESC], condition: {{ visibility: \"PUBLISHED\" }}) {{ nodes {{ code title: titleEn status }} }} }}",
            p.postgraphile_cursor.clone().unwrap_or_default()
        ),
        Query::Q6 => format!(
            "mutation Q6 {{ createProject(input: {{ project: {{ code: \"{CODE}\", titleEn: \"Benchmark project\", titleUk: \"Проєкт для вимірювань\", descriptionEn: \"Created by the benchmark.\", descriptionUk: \"Створено під час вимірювань.\", status: \"identification\", projectType: \"rehabilitation\", purpose: \"RESTORATION\", sectorCode: \"11220\", theme: \"EDUCATION\", territoryId: \"{}\", principles: \",\", visibility: \"DRAFT\", ownerId: \"{}\", version: 1, createdAt: \"{}\", updatedAt: \"{}\" }} }}) {{ project {{ id code }} }} }}",
            p.oblast_id,
            p.owner_id,
            Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
            Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
        ),
    };
    json!({ "query": text })
}

/// The query PostGraphile answers with its own cursor of the row before the deep page.
pub fn postgraphile_cursor_query(p: &Params) -> Value {
    json!({ "query": format!(
        "{{ allProjects(first: 1, offset: {}, orderBy: [CREATED_AT_DESC, ID_DESC], condition: {{ visibility: \"PUBLISHED\" }}) {{ edges {{ cursor }} }} }}",
        p.deep_rows - 1
    ) })
}

/// Functions PostGraphile serves for the queries its generated schema has no
/// field for (a filter through the territory tree, an aggregate), in their own schema.
pub const POSTGRAPHILE_SCHEMA: &str = "postgraphile_bench";

/// The funnel's parts by oblast × theme: the published projects with their
/// oblast, their count, budgets and funding per group and currency, and the
/// groups' keys (shared by PostGraphile's function and the floor's statement).
const FUNNEL_WITH: &str = r#"  WITH p AS (
    SELECT p.id, p.theme, p.budget_minor, p.budget_currency, o.code AS oblast
    FROM public.project p
    JOIN public.territory t ON t.id = p.territory_id
    JOIN public.territory o ON o.level = 'OBLAST' AND t.path LIKE o.path || '%'
    WHERE p.visibility = 'PUBLISHED'),
  counts AS (SELECT oblast, theme, count(*) AS n FROM p GROUP BY 1, 2),
  budgets AS (SELECT oblast, theme, budget_currency AS currency, sum(budget_minor) AS required
              FROM p WHERE budget_minor IS NOT NULL GROUP BY 1, 2, 3),
  money AS (SELECT p.oblast, p.theme, f.currency,
                   sum(CASE WHEN f.stage = 'PLEDGED' THEN f.amount_minor ELSE 0 END) AS pledged,
                   sum(CASE WHEN f.stage = 'COMMITTED' THEN f.amount_minor ELSE 0 END) AS committed,
                   sum(CASE WHEN f.stage = 'DISBURSED' THEN f.amount_minor ELSE 0 END) AS disbursed
            FROM p JOIN public.funding f ON f.project_id = p.id GROUP BY 1, 2, 3),
  keys AS (SELECT oblast, theme, currency FROM budgets UNION SELECT oblast, theme, currency FROM money)"#;

/// SQL that creates [`POSTGRAPHILE_SCHEMA`] and its functions.
pub fn postgraphile_setup() -> String {
    format!(
        r#"CREATE SCHEMA IF NOT EXISTS postgraphile_bench;
CREATE OR REPLACE FUNCTION postgraphile_bench.projects_in_oblast(oblast_id bigint, project_status text)
RETURNS SETOF public.project LANGUAGE sql STABLE AS $$
  SELECT p.* FROM public.project p
  WHERE p.visibility = 'PUBLISHED' AND p.status = project_status
    AND p.territory_id IN (SELECT d.id FROM public.territory d JOIN public.territory a ON d.path LIKE a.path || '%' WHERE a.id = oblast_id)
  ORDER BY p.created_at DESC, p.id DESC
$$;
CREATE OR REPLACE FUNCTION postgraphile_bench.funding_funnel()
RETURNS TABLE (oblast_code text, theme text, currency text, required bigint, pledged bigint, committed bigint, disbursed bigint, project_count bigint)
LANGUAGE sql STABLE AS $$
{FUNNEL_WITH}
  SELECT k.oblast, k.theme, k.currency, CAST(coalesce(b.required, 0) AS bigint),
         CAST(coalesce(m.pledged, 0) AS bigint), CAST(coalesce(m.committed, 0) AS bigint),
         CAST(coalesce(m.disbursed, 0) AS bigint), c.n
  FROM keys k
  LEFT JOIN budgets b ON b.oblast = k.oblast AND b.theme = k.theme AND b.currency = k.currency
  LEFT JOIN money m ON m.oblast = k.oblast AND m.theme = k.theme AND m.currency = k.currency
  JOIN counts c ON c.oblast = k.oblast AND c.theme = k.theme
  ORDER BY k.oblast, k.theme, k.currency
$$;
"#
    )
}

/// The raw-SQL floor: one statement per query, with pgbench variables
/// (`:name`) and the values to pass with `-D name=value`.
pub fn sql(query: Query, p: &Params) -> (String, Vec<(&'static str, String)>) {
    match query {
        Query::Q1 => (
            r#"SELECT json_build_object('projects', json_build_object('nodes', coalesce(json_agg(json_build_object(
  'code', p.code, 'title', p.title_en, 'status', p.status,
  'owner', (SELECT json_build_object('name', m.name_en, 'offers', json_build_object('totalCount',
      (SELECT count(*) FROM assistance_offer o WHERE o.member_id = m.id AND o.status <> 'DRAFT')))
    FROM member m WHERE m.id = p.owner_id),
  'participants', json_build_object('nodes', (SELECT coalesce(json_agg(json_build_object('role', x.alliance_role,
      'member', json_build_object('name', x.name_en)) ORDER BY x.created_at, x.id), '[]')
    FROM (SELECT pa.alliance_role, pa.created_at, pa.id, mm.name_en FROM participant pa JOIN member mm ON mm.id = pa.member_id
          WHERE pa.project_id = p.id ORDER BY pa.created_at, pa.id LIMIT 10) x)),
  'funding', json_build_object('nodes', (SELECT coalesce(json_agg(json_build_object('stage', y.stage,
      'amount', json_build_object('amount', y.amount_minor, 'currency', y.currency),
      'funder', json_build_object('name', y.name_en)) ORDER BY y.created_at, y.id), '[]')
    FROM (SELECT f.stage, f.amount_minor, f.currency, f.created_at, f.id, fm.name_en FROM funding f JOIN member fm ON fm.id = f.funder_id
          WHERE f.project_id = p.id ORDER BY f.created_at, f.id LIMIT 10) y))
) ORDER BY p.created_at DESC, p.id DESC), '[]')))
FROM (SELECT * FROM project p WHERE p.visibility = 'PUBLISHED' AND p.status = :status
      AND p.territory_id IN (SELECT d.id FROM territory d JOIN territory a ON d.path LIKE a.path || '%' WHERE a.id = :oblast)
      ORDER BY p.created_at DESC, p.id DESC LIMIT 50) p;
"#
            .into(),
            vec![("oblast", p.oblast_id.to_string()), ("status", p.status.clone())],
        ),
        Query::Q2 => (
            r#"SELECT json_build_object('node', json_build_object('code', p.code, 'title', p.title_en, 'status', p.status,
  'owner', (SELECT json_build_object('name', m.name_en) FROM member m WHERE m.id = p.owner_id),
  'responsibilities', json_build_object('nodes', (SELECT coalesce(json_agg(json_build_object('function', r.function,
      'phase', r.phase, 'raci', r.raci, 'actor', json_build_object('name', r.name_en)) ORDER BY r.created_at, r.id), '[]')
    FROM (SELECT r.function, r.phase, r.raci, r.created_at, r.id, am.name_en FROM responsibility r JOIN member am ON am.id = r.actor_id
          WHERE r.project_id = p.id ORDER BY r.created_at, r.id LIMIT 20) r))))
FROM project p WHERE p.id = :id AND p.visibility = 'PUBLISHED';
"#
            .into(),
            vec![("id", p.project_id.to_string())],
        ),
        Query::Q3 => (
            format!(
                r#"{FUNNEL_WITH}
SELECT json_build_object('fundingFunnel', coalesce(json_agg(json_build_object(
    'oblast', json_build_object('code', k.oblast), 'theme', k.theme, 'currency', k.currency,
    'required', coalesce(b.required, 0), 'pledged', coalesce(m.pledged, 0), 'committed', coalesce(m.committed, 0),
    'disbursed', coalesce(m.disbursed, 0), 'projectCount', c.n) ORDER BY k.oblast, k.theme, k.currency), '[]'))
FROM keys k
LEFT JOIN budgets b ON b.oblast = k.oblast AND b.theme = k.theme AND b.currency = k.currency
LEFT JOIN money m ON m.oblast = k.oblast AND m.theme = k.theme AND m.currency = k.currency
JOIN counts c ON c.oblast = k.oblast AND c.theme = k.theme;
"#
            ),
            vec![],
        ),
        Query::Q4 => (
            r#"SELECT json_build_object('members', json_build_object('nodes', coalesce(json_agg(json_build_object('name', m.name_en,
  'projects', json_build_object('nodes', (SELECT coalesce(json_agg(json_build_object('code', p.code,
     'participants', json_build_object('nodes', (SELECT coalesce(json_agg(json_build_object('role', x.alliance_role,
         'member', json_build_object('name', x.name_en)) ORDER BY x.created_at, x.id), '[]')
       FROM (SELECT pa.alliance_role, pa.created_at, pa.id, mm.name_en FROM participant pa JOIN member mm ON mm.id = pa.member_id
             WHERE pa.project_id = p.id ORDER BY pa.created_at, pa.id LIMIT 10) x)),
     'responsibilities', json_build_object('nodes', (SELECT coalesce(json_agg(json_build_object('raci', y.raci,
         'actor', json_build_object('name', y.name_en)) ORDER BY y.created_at, y.id), '[]')
       FROM (SELECT r.raci, r.created_at, r.id, am.name_en FROM responsibility r JOIN member am ON am.id = r.actor_id
             WHERE r.project_id = p.id ORDER BY r.created_at, r.id LIMIT 10) y))
   ) ORDER BY p.created_at DESC, p.id DESC), '[]')
   FROM (SELECT * FROM project p WHERE p.owner_id = m.id AND p.visibility = 'PUBLISHED'
         ORDER BY p.created_at DESC, p.id DESC LIMIT 20) p))
) ORDER BY m.slug), '[]')))
FROM (SELECT * FROM member WHERE country = 'UA' AND status = 'ACTIVE' ORDER BY slug LIMIT 50) m;
"#
            .into(),
            vec![],
        ),
        Query::Q5 => (
            r#"SELECT json_build_object('projects', json_build_object('nodes', coalesce(json_agg(json_build_object(
  'code', p.code, 'title', p.title_en, 'status', p.status) ORDER BY p.created_at DESC, p.id DESC), '[]')))
FROM (SELECT code, title_en, status, created_at, id FROM project
      WHERE visibility = 'PUBLISHED' AND (created_at, id) < (CAST(:at AS timestamptz), CAST(:id AS bigint))
      ORDER BY created_at DESC, id DESC LIMIT 50) p;
"#
            .into(),
            vec![("at", p.deep_at_text()), ("id", p.deep_id.to_string())],
        ),
        Query::Q6 => (
            r#"\set r random(1, 999999999999)
INSERT INTO project (code, title_en, title_uk, description_en, description_uk, status, project_type, purpose,
  sector_code, theme, territory_id, principles, visibility, owner_id, version, budget_minor, budget_currency, created_at, updated_at)
VALUES ('BENCH-SQL-' || :r, 'Benchmark project', 'Проєкт для вимірювань', 'Created by the benchmark.', 'Створено під час вимірювань.',
  'identification', 'rehabilitation', 'RESTORATION', '11220', 'EDUCATION', CAST(:territory AS bigint), ',', 'DRAFT', CAST(:owner AS bigint), 1,
  NULL, NULL, now(), now())
RETURNING id, code;
"#
            .into(),
            vec![
                ("territory", p.oblast_id.to_string()),
                ("owner", p.owner_id.to_string()),
            ],
        ),
    }
}

/// The statement of `sql(query)` with its variables written in, to check its answer once.
pub fn sql_with_values(query: Query, p: &Params) -> String {
    let (script, mut vars) = sql(query, p);
    vars.push(("r", format!("{}", Utc::now().timestamp_micros())));
    vars.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    let mut text: String = script
        .lines()
        .filter(|l| !l.starts_with('\\'))
        .collect::<Vec<_>>()
        .join("\n");
    for (name, value) in vars {
        let literal = if value.parse::<i64>().is_ok() {
            value
        } else {
            format!("'{}'", value.replace('\'', "''"))
        };
        text = text.replace(&format!(":{name}"), &literal);
    }
    text.trim().trim_end_matches(';').to_owned()
}

/// Runs the floor's statement once and returns its JSON document.
pub async fn run_sql(db: &DatabaseConnection, query: Query, p: &Params) -> Result<Value, Error> {
    let text = sql_with_values(query, p);
    let row = db
        .query_one_raw(Statement::from_string(DatabaseBackend::Postgres, text))
        .await?
        .ok_or_else(|| Error::Request(format!("{query}: the SQL floor returned no row")))?;
    if query == Query::Q6 {
        let code: String = row.try_get_by_index(1)?;
        return Ok(json!({ "createProject": { "project": { "code": code } } }));
    }
    Ok(row.try_get_by_index::<Value>(0)?)
}

/// What must agree between implementations: the project/oblast codes (in
/// order where the order matters), how many names, stages, roles and RACI
/// entries the document holds, and the sums of the counts it reports.
pub fn signature(query: Query, data: &Value) -> Vec<(String, String)> {
    fn walk(
        value: &Value,
        key: &str,
        codes: &mut Vec<String>,
        counts: &mut std::collections::BTreeMap<String, i64>,
    ) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    walk(v, k, codes, counts);
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(item, key, codes, counts);
                }
            }
            scalar => {
                let text = match scalar {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                match key {
                    "code" | "oblast" => codes.push(text),
                    "name" | "stage" | "role" | "raci" | "function" | "phase" => {
                        *counts.entry(format!("{key}s")).or_default() += 1;
                    }
                    "totalCount" | "projectCount" => {
                        *counts.entry(format!("sum of {key}")).or_default() +=
                            text.parse::<i64>().unwrap_or(0);
                        *counts.entry(format!("{key}s")).or_default() += 1;
                    }
                    _ => {}
                }
            }
        }
    }
    let mut codes = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    walk(data, "", &mut codes, &mut counts);
    if !query.ordered() {
        codes.sort();
    }
    let mut out: Vec<(String, String)> = counts
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    out.push(("codes".into(), codes.len().to_string()));
    if query != Query::Q6 {
        out.push(("code list".into(), codes.join(",")));
    }
    out
}
