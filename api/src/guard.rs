//! Checks a request before it runs: the shape of its text before parsing,
//! then what the parsed query may cost. Every refusal is quick and names the
//! limit that was hit.
//!
//! The cost of a query counts the objects it may return: each field with a
//! selection counts once per time it may be resolved, and a list field
//! multiplies its children by its page size (`first` or `last`, the default
//! page size when neither is given). `{ projects(first: 50) { nodes { owner {
//! name } } } }` costs 1 (projects) + 50 (nodes) + 50 (owner) = 101. A plain
//! list (not a connection: `fundingFunnel`, a cluster's `members`, a matrix's
//! `cells`) multiplies its children by the most rows it may hold
//! ([`PLAIN_LISTS`]); a test fails when the schema has a plain list of
//! objects without its row there.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{Name, Positioned, Variables};
use async_graphql_value::{ConstValue, Value};

use crate::config::Limits;
use crate::error::AppError;
use crate::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// Every plain list of objects in the schema (a list that is not a
/// connection's `nodes` or `edges`), by field name, with the most rows it
/// holds for one parent: the cost model multiplies its children by that. A
/// list that takes `first` counts its `first` instead, this bound when it is
/// not given. Each bound is enforced where the list is built.
pub const PLAIN_LISTS: &[(&str, u64)] = &[
    // Query.fundingFunnel: groups × currencies, capped (`FUNNEL_ROWS`).
    ("fundingFunnel", crate::project::funnel::MAX_ROWS as u64),
    // Query.oecdCoverage, Query.oecdPrinciples, Responsibility.principles:
    // the 12 OECD principles.
    ("oecdCoverage", 12),
    ("oecdPrinciples", 12),
    ("principles", 12),
    // ResponsibilityMatrix.cells: one per function, phase and level.
    ("cells", crate::governance::rules::MATRIX_CELLS as u64),
    // MatrixCell.entries and GovernanceIssue.responsibilities.
    ("entries", crate::governance::rules::ENTRIES_PER_CELL as u64),
    (
        "responsibilities",
        crate::governance::rules::EVIDENCE_PER_ISSUE as u64,
    ),
    // Cluster.members (capped) and Cluster.needs (`first`, default 20).
    ("members", MAX_PAGE_SIZE as u64),
    ("needs", DEFAULT_PAGE_SIZE as u64),
    // PartnershipGap.openNeeds: the most urgent 20.
    ("openNeeds", 20),
    // MatchSuggestion.parts and AssistanceMatch.scoreParts: one per factor.
    ("parts", 8),
    ("scoreParts", 8),
    // AssistanceBreakdown and AssistanceStats: one per code of a code list.
    ("byModality", 16),
    ("byStatus", 16),
    ("byUrgency", 8),
    ("byTheme", crate::codelists::DAC_PURPOSE_CODES.len() as u64),
    ("matchesByStatus", 16),
    // Every payload's userErrors: at most one per input field.
    ("userErrors", 64),
];

/// What a parsed operation asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Its cost (see the module documentation).
    pub cost: u64,
    /// Its aliased fields.
    pub aliases: usize,
}

/// Checks the raw text before it is parsed: brackets nested no deeper than the
/// selection depth and value depth allow, and variables no deeper than the
/// value depth.
pub fn before_parsing(
    query: &str,
    variables: &serde_json::Value,
    limits: &Limits,
) -> Result<(), AppError> {
    let allowed = limits.max_depth + limits.max_value_depth + 2;
    if bracket_depth(query) > allowed {
        return Err(limit(format!(
            "the query nests deeper than {allowed} brackets"
        )));
    }
    if json_depth(variables) > limits.max_value_depth + 1 {
        return Err(limit(format!(
            "`variables` nest deeper than {} levels",
            limits.max_value_depth
        )));
    }
    if json_has_nul(variables) {
        return Err(nul());
    }
    Ok(())
}

/// Most selections (fields, fragment spreads) walked for one request: a query
/// whose fragments spread each other many times over is refused here, before
/// anything expands it.
const MAX_SELECTIONS: usize = 50_000;

fn nul() -> AppError {
    AppError::bad_input("query", "text values may not contain NUL characters")
}

fn json_has_nul(value: &serde_json::Value) -> bool {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::String(text) if text.contains('\0') => return true,
            serde_json::Value::Array(items) => stack.extend(items),
            serde_json::Value::Object(fields) => {
                stack.extend(fields.values());
                if fields.keys().any(|k| k.contains('\0')) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// The refusal of a request over a limit.
pub fn limit(message: String) -> AppError {
    AppError::LimitExceeded(message)
}

/// The deepest nesting of `{`, `[` and `(` outside strings and comments,
/// following the GraphQL grammar: in a block string `"""…"""` only `\"""` is
/// an escape; a plain string ends at its closing quote or at the end of the
/// line; a comment runs to the end of the line. Where the grammar would
/// refuse the text anyway, brackets are counted rather than skipped, so the
/// scan never reports less nesting than the parser would meet.
fn bracket_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut i = 0;
    let starts = |at: usize, what: &[u8]| bytes.get(at..at + what.len()) == Some(what);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if starts(i, b"\"\"\"") => {
                let open = i;
                i += 3;
                let mut closed = false;
                while i < bytes.len() {
                    if starts(i, b"\\\"\"\"") {
                        i += 4;
                    } else if starts(i, b"\"\"\"") {
                        i += 3;
                        closed = true;
                        break;
                    } else {
                        i += 1;
                    }
                }
                if !closed {
                    // Never closed: not a string to the parser either; count on.
                    i = open + 3;
                }
                continue;
            }
            b'"' => {
                let open = i;
                i += 1;
                let mut closed = false;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' if !matches!(bytes.get(i + 1), Some(b'\n' | b'\r')) => i += 2,
                        b'"' => {
                            i += 1;
                            closed = true;
                            break;
                        }
                        // A line break ends a plain string for the scan: the
                        // parser refuses it, and what follows is counted.
                        b'\n' | b'\r' => break,
                        _ => i += 1,
                    }
                }
                if !closed {
                    i = open + 1;
                }
                continue;
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

fn json_depth(value: &serde_json::Value) -> usize {
    // Iterative: a hostile value cannot exhaust the stack here.
    let mut deepest = 0;
    let mut stack = vec![(value, 1usize)];
    while let Some((value, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        match value {
            serde_json::Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            serde_json::Value::Object(fields) => {
                stack.extend(fields.values().map(|v| (v, depth + 1)));
            }
            _ => {}
        }
    }
    deepest
}

/// The operation a request runs: the one named `name`, or the only one.
pub fn operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        _ => None,
    }
}

/// Whether the request's operation is a mutation (for refusing it over GET).
pub fn is_mutation(document: &ExecutableDocument, name: Option<&str>) -> bool {
    operation(document, name).is_some_and(|op| op.ty == OperationType::Mutation)
}

/// Measures the request's operation and checks the whole document against
/// the limits. Every operation is walked, not only the one that runs: the
/// engine validates all of them, so all of them must be cheap to expand.
pub fn check(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    limits: &Limits,
) -> Result<Shape, AppError> {
    let selected = operation(document, operation_name).ok_or_else(|| {
        AppError::bad_input(
            "operationName",
            match operation_name {
                Some(name) => format!("the document has no operation named {name:?}"),
                None => "the document has several operations: name one in `operationName`".into(),
            },
        )
    })?;
    // The subgraph SDL is the schema: not served when introspection is off
    // (over HTTP and the WebSocket alike).
    if !limits.introspection && selects_root_field(document, "_service") {
        return Err(AppError::NotInSchema);
    }
    // Values and directives, once per definition (not per expansion).
    let operations: Vec<&OperationDefinition> = match &document.operations {
        DocumentOperations::Single(op) => vec![&op.node],
        DocumentOperations::Multiple(ops) => ops.values().map(|op| &op.node).collect(),
    };
    for op in &operations {
        for definition in &op.variable_definitions {
            if let Some(default) = &definition.node.default_value {
                let value = default.node.clone().into_value();
                check_value(&value, limits)?;
            }
        }
        check_directives(&op.directives, limits)?;
        check_values(&op.selection_set.node, limits)?;
    }
    for fragment in document.fragments.values() {
        check_directives(&fragment.node.directives, limits)?;
        check_values(&fragment.node.selection_set.node, limits)?;
    }
    // The expansion of every operation, under one budget of selections.
    let mut visited = 0;
    let mut shape = Shape::default();
    for op in operations {
        let mut walk = Walk {
            document,
            variables,
            defaults: op,
            limits,
            fragments: Vec::new(),
            shape: Shape::default(),
            visited,
        };
        walk.selection_set(&op.selection_set.node, 1, 1, 0)?;
        visited = walk.visited;
        if std::ptr::eq(op, selected) {
            shape = walk.shape;
        } else {
            shape.aliases += walk.shape.aliases;
        }
    }
    if shape.aliases > limits.max_aliases {
        return Err(limit(format!(
            "the query has {} aliases; at most {} are allowed",
            shape.aliases, limits.max_aliases
        )));
    }
    if shape.cost > limits.max_cost {
        return Err(limit(format!(
            "the query may cost {}; at most {} is allowed (lower `first`/`last` or ask for less)",
            shape.cost, limits.max_cost
        )));
    }
    Ok(shape)
}

/// Whether the document selects `field` at the root of any operation (looking
/// through fragments).
fn selects_root_field(document: &ExecutableDocument, field: &str) -> bool {
    let operations: Vec<&OperationDefinition> = match &document.operations {
        DocumentOperations::Single(op) => vec![&op.node],
        DocumentOperations::Multiple(ops) => ops.values().map(|op| &op.node).collect(),
    };
    operations
        .iter()
        .any(|op| root_fields_in(document, &op.selection_set.node, field, 0) > 0)
}

/// How many root fields called `field` the operation named `operation_name`
/// selects (through fragments, each spread counted).
pub fn root_fields_named(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    field: &str,
) -> u64 {
    operation(document, operation_name).map_or(0, |op| {
        root_fields_in(document, &op.selection_set.node, field, 0)
    })
}

fn root_fields_in(
    document: &ExecutableDocument,
    set: &SelectionSet,
    field: &str,
    depth: usize,
) -> u64 {
    if depth >= 8 {
        return 0;
    }
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) => u64::from(f.node.name.node.as_str() == field),
            Selection::InlineFragment(i) => {
                root_fields_in(document, &i.node.selection_set.node, field, depth + 1)
            }
            Selection::FragmentSpread(s) => document
                .fragments
                .get(&s.node.fragment_name.node)
                .map_or(0, |f| {
                    root_fields_in(document, &f.node.selection_set.node, field, depth + 1)
                }),
        })
        .sum()
}

fn check_value(value: &Value, limits: &Limits) -> Result<(), AppError> {
    if value_has_nul(value) {
        return Err(nul());
    }
    if value_depth(value) > limits.max_value_depth {
        return Err(limit(format!(
            "an argument nests deeper than {} levels",
            limits.max_value_depth
        )));
    }
    Ok(())
}

fn check_directives(
    directives: &[Positioned<async_graphql::parser::types::Directive>],
    limits: &Limits,
) -> Result<(), AppError> {
    if directives.len() > limits.max_directives_per_field {
        return Err(limit(format!(
            "a field has {} directives; at most {} are allowed",
            directives.len(),
            limits.max_directives_per_field
        )));
    }
    for directive in directives {
        for (_, value) in &directive.node.arguments {
            check_value(&value.node, limits)?;
        }
    }
    Ok(())
}

/// Checks the values and directives written in a selection set, without
/// expanding fragment spreads (each fragment is checked once on its own).
fn check_values(set: &SelectionSet, limits: &Limits) -> Result<(), AppError> {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                check_directives(&field.node.directives, limits)?;
                for (_, value) in &field.node.arguments {
                    check_value(&value.node, limits)?;
                }
                check_values(&field.node.selection_set.node, limits)?;
            }
            Selection::InlineFragment(fragment) => {
                check_directives(&fragment.node.directives, limits)?;
                check_values(&fragment.node.selection_set.node, limits)?;
            }
            Selection::FragmentSpread(spread) => {
                check_directives(&spread.node.directives, limits)?;
            }
        }
    }
    Ok(())
}

/// How deep fragments may nest inside one another while expanding.
const MAX_FRAGMENT_NESTING: usize = 32;

struct Walk<'a> {
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    /// The operation walked, for the defaults of its variables.
    defaults: &'a OperationDefinition,
    limits: &'a Limits,
    /// Fragments being walked (a cycle stops the walk; validation reports it).
    fragments: Vec<&'a Name>,
    shape: Shape,
    visited: usize,
}

impl<'a> Walk<'a> {
    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        depth: usize,
        times: u64,
        nesting: usize,
    ) -> Result<(), AppError> {
        if depth > self.limits.max_depth + 1 {
            return Err(limit(format!(
                "the query nests deeper than {} levels",
                self.limits.max_depth
            )));
        }
        if nesting > MAX_FRAGMENT_NESTING {
            return Err(limit(format!(
                "fragments nest deeper than {MAX_FRAGMENT_NESTING} levels"
            )));
        }
        for item in &set.items {
            self.visited += 1;
            if self.visited > MAX_SELECTIONS {
                return Err(limit(format!(
                    "the query expands to more than {MAX_SELECTIONS} selections"
                )));
            }
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if field.alias.is_some() {
                        self.shape.aliases += 1;
                    }
                    if field.selection_set.node.items.is_empty() {
                        continue;
                    }
                    self.shape.cost = self.shape.cost.saturating_add(times);
                    let page = self.page(
                        field.name.node.as_str(),
                        &field.arguments,
                        &field.selection_set.node,
                    )?;
                    self.selection_set(
                        &field.selection_set.node,
                        depth + 1,
                        times.saturating_mul(page),
                        nesting,
                    )?;
                }
                Selection::InlineFragment(fragment) => {
                    self.selection_set(
                        &fragment.node.selection_set.node,
                        depth,
                        times,
                        nesting + 1,
                    )?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if self.fragments.contains(&name) {
                        continue;
                    }
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    self.fragments.push(name);
                    self.selection_set(
                        &fragment.node.selection_set.node,
                        depth,
                        times,
                        nesting + 1,
                    )?;
                    self.fragments.pop();
                }
            }
        }
        Ok(())
    }

    /// A number given as an argument: a literal, or a variable's value (its
    /// default when the request gives none).
    fn number(&self, value: &Value) -> Option<u64> {
        let constant = |value: &ConstValue| match value {
            ConstValue::Number(n) => n.as_u64(),
            _ => None,
        };
        match value {
            Value::Number(n) => n.as_u64(),
            Value::Variable(var) => match self.variables.get(var) {
                Some(value) => constant(value),
                None => self
                    .defaults
                    .variable_definitions
                    .iter()
                    .find(|d| d.node.name.node == *var)
                    .and_then(|d| d.node.default_value.as_ref())
                    .and_then(|v| constant(&v.node)),
            },
            _ => None,
        }
    }

    /// The length of a list given as an argument (a literal or a variable).
    fn list_length(&self, value: &Value) -> Option<u64> {
        match value {
            Value::List(items) => Some(items.len() as u64),
            Value::Variable(var) => match self.variables.get(var) {
                Some(ConstValue::List(items)) => Some(items.len() as u64),
                _ => None,
            },
            _ => None,
        }
    }

    /// How many rows a field's children may be resolved for: its `first` or
    /// `last`; the length of the `ids` or `representations` it is given; the
    /// default page size for a connection (one that selects `nodes` or
    /// `edges`, also through fragments) without paging arguments; else 1.
    fn page(
        &self,
        field: &str,
        arguments: &[(Positioned<Name>, Positioned<Value>)],
        children: &SelectionSet,
    ) -> Result<u64, AppError> {
        let mut given = None;
        for (name, value) in arguments {
            match name.node.as_str() {
                "first" | "last" => {
                    if let Some(n) = self.number(&value.node) {
                        // Out of range is refused when the field runs; count the most it could be.
                        given = Some(given.unwrap_or(0).max(n.clamp(1, MAX_PAGE_SIZE as u64)));
                    }
                }
                "ids" | "representations" => {
                    let n = self.list_length(&value.node).unwrap_or(1);
                    // `nodes(ids:)` pages like a list; a federation router
                    // asks for many entities at once.
                    let most = if name.node.as_str() == "ids" {
                        100
                    } else {
                        1_000
                    };
                    if n > most {
                        return Err(limit(format!(
                            "`{}` holds {n} items; at most {most} are allowed",
                            name.node
                        )));
                    }
                    given = Some(given.unwrap_or(0).max(n.max(1)));
                }
                _ => {}
            }
        }
        Ok(match given {
            Some(n) => n,
            None if self.is_connection(children, 0) => DEFAULT_PAGE_SIZE as u64,
            None => PLAIN_LISTS
                .iter()
                .find(|(list, _)| *list == field)
                .map_or(1, |(_, most)| *most),
        })
    }

    fn is_connection(&self, set: &SelectionSet, nesting: usize) -> bool {
        nesting < 4
            && set.items.iter().any(|item| match &item.node {
                Selection::Field(f) => matches!(f.node.name.node.as_str(), "nodes" | "edges"),
                Selection::InlineFragment(i) => {
                    self.is_connection(&i.node.selection_set.node, nesting + 1)
                }
                Selection::FragmentSpread(s) => self
                    .document
                    .fragments
                    .get(&s.node.fragment_name.node)
                    .is_some_and(|f| self.is_connection(&f.node.selection_set.node, nesting + 1)),
            })
    }
}

fn value_has_nul(value: &Value) -> bool {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(text) if text.contains('\0') => return true,
            Value::List(items) => stack.extend(items),
            Value::Object(fields) => stack.extend(fields.values()),
            _ => {}
        }
    }
    false
}

fn value_depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 1usize)];
    while let Some((value, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        match value {
            Value::List(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            Value::Object(fields) => stack.extend(fields.values().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    deepest - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of the schema whose type is a list of objects
    /// (interfaces and unions included), as `Type.field`: read from the SDL,
    /// where a field's type follows its arguments.
    fn object_lists() -> Vec<(String, String)> {
        let sdl = crate::schema::sdl();
        let leaves: std::collections::HashSet<String> = sdl
            .lines()
            .filter_map(|line| {
                line.strip_prefix("scalar ")
                    .or_else(|| line.strip_prefix("enum "))
                    .map(|rest| {
                        rest.split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_owned()
                    })
            })
            .chain(["String", "Int", "Float", "Boolean", "ID"].map(String::from))
            .collect();
        let mut lists = Vec::new();
        let (mut owner, mut field) = (None::<String>, None::<String>);
        for line in sdl.lines() {
            if let Some(rest) = line
                .strip_prefix("type ")
                .or_else(|| line.strip_prefix("interface "))
            {
                owner = rest.split_whitespace().next().map(str::to_owned);
                continue;
            }
            if line.starts_with('}') {
                owner = None;
                continue;
            }
            let Some(owner) = &owner else { continue };
            let Some(body) = line.strip_prefix('\t') else {
                continue;
            };
            if body.starts_with('\t') || body.starts_with('"') {
                continue;
            }
            let (name, rest) = if let Some(rest) = body.strip_prefix("): ") {
                (field.take().unwrap_or_default(), rest.to_owned())
            } else {
                let name: String = body
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                match body[name.len()..].strip_prefix(": ") {
                    Some(rest) => (name, rest.to_owned()),
                    None => {
                        // Arguments follow; the type comes after them.
                        match body.split_once("): ") {
                            Some((_, rest)) => (name, rest.to_owned()),
                            None => {
                                field = Some(name);
                                continue;
                            }
                        }
                    }
                }
            };
            if let Some(element) = rest.strip_prefix('[') {
                let element: String = element
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !leaves.contains(&element) {
                    lists.push((owner.clone(), name));
                }
            }
        }
        lists
    }

    #[test]
    fn every_plain_list_of_objects_has_a_bound_in_the_cost_model() {
        let lists = object_lists();
        assert!(
            lists
                .iter()
                .any(|(t, f)| t == "Query" && f == "fundingFunnel"),
            "the schema walk finds plain lists: {lists:?}"
        );
        for (owner, field) in lists {
            // Connections page with `first`/`last`; `nodes(ids:)` and
            // `_entities(representations:)` count their arguments.
            let counted = field == "nodes"
                || field == "edges"
                || field == "_entities"
                || PLAIN_LISTS.iter().any(|(name, _)| *name == field);
            assert!(
                counted,
                "{owner}.{field} is a plain list without a bound in PLAIN_LISTS"
            );
        }
    }

    #[test]
    fn connections_under_plain_lists_are_charged_for_every_row() {
        let nested = shape(
            "{ fundingFunnel(groupBy: [FUNDER]) { funder { projects(first: 10) { nodes { code } } } } }",
        )
        .expect("measured");
        // 1 funnel + 1,000 rows × (funder + its page + 10 nodes).
        assert_eq!(
            nested.cost,
            1 + crate::project::funnel::MAX_ROWS as u64 * (1 + 1 + 10)
        );
        let matrix = shape("{ responsibilityMatrix { cells { entries { actor { name } } } } }")
            .expect("measured");
        let cells = crate::governance::rules::MATRIX_CELLS as u64;
        let entries = crate::governance::rules::ENTRIES_PER_CELL as u64;
        assert_eq!(matrix.cost, 2 + cells + cells * entries);
        use crate::codes::{Code, GovernanceFunction, GovernanceLevel, Phase};
        assert_eq!(
            crate::governance::rules::MATRIX_CELLS,
            GovernanceFunction::all().len() * Phase::all().len() * GovernanceLevel::all().len(),
            "a matrix has one cell per function, phase and level"
        );
    }

    fn shape(query: &str) -> Result<Shape, AppError> {
        let document = async_graphql::parser::parse_query(query).expect("parses");
        check(&document, None, &Variables::default(), &Limits::default())
    }

    #[test]
    fn cost_multiplies_lists_by_their_page_size() {
        let s = shape("{ projects(first: 50) { nodes { owner { name } code } } }").expect("ok");
        assert_eq!(s.cost, 1 + 50 + 50);
        // A connection without `first` counts the default page size.
        let s =
            shape("{ projects { nodes { funding { nodes { funder { name } } } } } }").expect("ok");
        assert_eq!(s.cost, 1 + 20 + 20 + 20 * 20 + 20 * 20);
        let s =
            shape("{ a: project(code: \"X\") { id } b: project(code: \"Y\") { id } }").expect("ok");
        assert_eq!((s.cost, s.aliases), (2, 2));
    }

    #[test]
    fn fragments_spread_many_times_over_are_refused_before_expanding() {
        let mut query = String::from("query { ...F9 } fragment F0 on Query { __typename }");
        for level in 1..10 {
            let spreads = format!("...F{} ", level - 1).repeat(10);
            query.push_str(&format!(" fragment F{level} on Query {{ {spreads} }}"));
        }
        let started = std::time::Instant::now();
        assert!(matches!(shape(&query), Err(AppError::LimitExceeded(_))));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn fragment_cycles_end_the_walk() {
        let s = shape(
            "query { ...A } fragment A on Query { projects { nodes { id } } ...B } fragment B on Query { ...A }",
        );
        assert!(s.is_ok());
    }

    #[test]
    fn block_strings_end_where_the_parser_ends_them() {
        // `\\` is two plain characters in a block string; the string ends at
        // the next `"""`, and the brackets after it are counted.
        let deep = "[".repeat(5_000) + &"]".repeat(5_000);
        let query = format!("{{ a(x: \"\"\"\\\\\"\"\"\"\"\", y: {deep}) }}");
        assert!(bracket_depth(&query) >= 5_000, "{}", bracket_depth(&query));
        // An escaped triple quote stays inside.
        assert_eq!(bracket_depth("{ a(x: \"\"\" \\\"\"\" {{{ \"\"\") }"), 2);
        // Unterminated strings hide nothing.
        assert_eq!(bracket_depth("{ a(x: \"\"\" [[["), 5);
        assert_eq!(bracket_depth("{ a(x: \"abc [[[\n) }"), 5);
    }

    #[test]
    fn every_operation_is_walked_and_the_selected_one_is_costed() {
        let mut query = String::from(
            "query A { __typename } query B { ...F9 } fragment F0 on Query { projects { totalCount } }",
        );
        for level in 1..10 {
            let spreads = format!("...F{} ", level - 1).repeat(10);
            query.push_str(&format!(" fragment F{level} on Query {{ {spreads} }}"));
        }
        let document = async_graphql::parser::parse_query(&query).expect("parses");
        let checked = check(
            &document,
            Some("A"),
            &Variables::default(),
            &Limits::default(),
        );
        assert!(
            matches!(checked, Err(AppError::LimitExceeded(_))),
            "{checked:?}"
        );
        let document =
            async_graphql::parser::parse_query("query A { __typename } query B { __typename }")
                .expect("parses");
        assert!(matches!(
            check(
                &document,
                Some("Z"),
                &Variables::default(),
                &Limits::default()
            ),
            Err(AppError::BadUserInput { .. })
        ));
        assert!(matches!(
            check(&document, None, &Variables::default(), &Limits::default()),
            Err(AppError::BadUserInput { .. })
        ));
    }

    #[test]
    fn variable_defaults_and_fragments_count_in_the_cost() {
        let s = shape("query($n: Int = 100) { projects(first: $n) { ...P } } fragment P on ProjectConnection { nodes { owner { name } } }").expect("ok");
        assert_eq!(s.cost, 1 + 100 + 100);
        let s = shape("{ projects { ... on ProjectConnection { nodes { owner { name } } } } }")
            .expect("ok");
        assert_eq!(
            s.cost,
            1 + 20 + 20,
            "a connection behind an inline fragment"
        );
        let s =
            shape("{ nodes(ids: [\"a\", \"b\", \"c\"]) { ... on Project { owner { name } } } }")
                .expect("ok");
        assert_eq!(s.cost, 1 + 3);
    }

    #[test]
    fn nul_in_defaults_and_directives_is_refused() {
        assert!(matches!(
            shape(
                "query($t: String = \"a\\u0000\") { projects(filter: { titleContains: $t }) { totalCount } }"
            ),
            Err(AppError::BadUserInput { .. })
        ));
        assert!(matches!(
            shape(
                "{ projects @include(if: true) { totalCount @skip(if: false) } a: __typename @deprecated(reason: \"\\u0000\") }"
            ),
            Err(AppError::BadUserInput { .. })
        ));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        assert_eq!(bracket_depth("{ a(x: \"{{{{[[[\") # {{{{\n }"), 2);
        assert_eq!(bracket_depth("{ a(x: \"\"\"{{{ \\\"\"\" {{\"\"\") }"), 2);
        assert_eq!(bracket_depth(&"[".repeat(1000)), 1000);
    }

    #[test]
    fn deep_values_are_refused() {
        let deep = format!(
            "{{ projects(filter: {}) {{ totalCount }} }}",
            "{a:".repeat(20) + "1" + &"}".repeat(20)
        );
        assert!(matches!(shape(&deep), Err(AppError::LimitExceeded(_))));
    }
}
