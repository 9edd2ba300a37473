//! Checks a request before it runs: the shape of its text before parsing,
//! then what the parsed query may cost. Every refusal is quick and names the
//! limit that was hit.
//!
//! The cost of a query counts the objects it may return: each field with a
//! selection counts once per time it may be resolved, and a list field
//! multiplies its children by its page size (`first` or `last`, the default
//! page size when neither is given). `{ projects(first: 50) { nodes { owner {
//! name } } } }` costs 1 (projects) + 50 (nodes) + 50 (owner) = 101.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{Name, Positioned, Variables};
use async_graphql_value::{ConstValue, Value};

use crate::config::Limits;
use crate::error::AppError;
use crate::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// What a parsed operation asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Its cost (see the module documentation).
    pub cost: u64,
    /// Its deepest selection nesting.
    pub depth: usize,
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

/// The deepest nesting of `{`, `[` and `(` outside strings and comments.
fn bracket_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
            }
            '"' => {
                // A block string `"""…"""` or a plain string; escapes skipped.
                let block = chars.peek() == Some(&'"') && {
                    chars.next();
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        true
                    } else {
                        // `""`: an empty string.
                        continue;
                    }
                };
                let mut quotes = 0;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                            quotes = 0;
                        }
                        '"' if !block => break,
                        '"' => {
                            quotes += 1;
                            if quotes == 3 {
                                break;
                            }
                        }
                        _ => quotes = 0,
                    }
                }
            }
            '{' | '[' | '(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            '}' | ']' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
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

/// Measures the request's operation and checks it against the limits.
pub fn check(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    limits: &Limits,
) -> Result<Shape, AppError> {
    let Some(op) = operation(document, operation_name) else {
        // The engine reports the missing or ambiguous operation.
        return Ok(Shape::default());
    };
    let mut walk = Walk {
        document,
        variables,
        limits,
        fragments: Vec::new(),
        shape: Shape::default(),
        visited: 0,
    };
    walk.selection_set(&op.selection_set.node, 1, 1)?;
    let shape = walk.shape;
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

struct Walk<'a> {
    document: &'a ExecutableDocument,
    variables: &'a Variables,
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
    ) -> Result<(), AppError> {
        if depth > self.limits.max_depth + 1 {
            return Err(limit(format!(
                "the query nests deeper than {} levels",
                self.limits.max_depth
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
                    if field.directives.len() > self.limits.max_directives_per_field {
                        return Err(limit(format!(
                            "a field has {} directives; at most {} are allowed",
                            field.directives.len(),
                            self.limits.max_directives_per_field
                        )));
                    }
                    for (_, value) in &field.arguments {
                        if value_has_nul(&value.node) {
                            return Err(nul());
                        }
                        if value_depth(&value.node) > self.limits.max_value_depth {
                            return Err(limit(format!(
                                "an argument nests deeper than {} levels",
                                self.limits.max_value_depth
                            )));
                        }
                    }
                    if field.selection_set.node.items.is_empty() {
                        continue;
                    }
                    self.shape.depth = self.shape.depth.max(depth);
                    self.shape.cost = self.shape.cost.saturating_add(times);
                    let page = self.page(&field.arguments, &field.selection_set.node);
                    self.selection_set(
                        &field.selection_set.node,
                        depth + 1,
                        times.saturating_mul(page),
                    )?;
                }
                Selection::InlineFragment(fragment) => {
                    self.selection_set(&fragment.node.selection_set.node, depth, times)?;
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
                    self.selection_set(&fragment.node.selection_set.node, depth, times)?;
                    self.fragments.pop();
                }
            }
        }
        Ok(())
    }

    /// How many rows a field's children may be resolved for: its `first` or
    /// `last` for a connection (one that selects `nodes` or `edges`) or a
    /// list with paging arguments, else 1.
    fn page(
        &self,
        arguments: &[(Positioned<Name>, Positioned<Value>)],
        children: &SelectionSet,
    ) -> u64 {
        let given = arguments
            .iter()
            .filter(|(name, _)| matches!(name.node.as_str(), "first" | "last"))
            .filter_map(|(_, value)| match &value.node {
                Value::Number(n) => n.as_u64(),
                Value::Variable(var) => self.variables.get(var).and_then(|v| match v {
                    ConstValue::Number(n) => n.as_u64(),
                    _ => None,
                }),
                _ => None,
            })
            .max();
        let connection = children.items.iter().any(|item| {
            matches!(&item.node, Selection::Field(f)
                if matches!(f.node.name.node.as_str(), "nodes" | "edges"))
        });
        match given {
            // Out of range is refused when the field runs; count the most it could be.
            Some(n) => n.min(MAX_PAGE_SIZE as u64).max(1),
            None if connection => DEFAULT_PAGE_SIZE as u64,
            None => 1,
        }
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
