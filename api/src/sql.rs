//! Portable SQL building blocks: each renders the same on SQLite and PostgreSQL,
//! with every user value bound as a parameter.

use sea_orm::Condition;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};

/// `table.column IN (SELECT select_column FROM from WHERE where_column = value)`.
pub fn in_lookup(
    (table, column): (&'static str, &'static str),
    (from, select_column): (&'static str, &'static str),
    where_column: &'static str,
    value: i64,
) -> Condition {
    let lookup = Query::select()
        .column((Alias::new(from), Alias::new(select_column)))
        .from(Alias::new(from))
        .and_where(Expr::col((Alias::new(from), Alias::new(where_column))).eq(value))
        .to_owned();
    in_select(table, column, lookup)
}

/// `table.column IN (subquery)`.
pub fn in_select(
    table: &'static str,
    column: &'static str,
    subquery: SelectStatement,
) -> Condition {
    Condition::all().add(Expr::col((Alias::new(table), Alias::new(column))).in_subquery(subquery))
}

/// `table.column NOT IN (subquery)`.
pub fn not_in_select(
    table: &'static str,
    column: &'static str,
    subquery: SelectStatement,
) -> Condition {
    Condition::all()
        .add(Expr::col((Alias::new(table), Alias::new(column))).not_in_subquery(subquery))
}

/// Escapes `%`, `_` and `\` so that user text matches literally in `LIKE … ESCAPE '\'`.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Any of `columns` of `table` contains `text`; case-insensitive for Latin letters.
pub fn contains_text(table: &'static str, columns: &[&'static str], text: &str) -> Condition {
    let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
    let raw = format!("%{}%", escape_like(text));
    let mut any = Condition::any();
    for column in columns {
        let col = Expr::col((Alias::new(table), Alias::new(*column)));
        any = any
            .add(
                Expr::expr(Func::lower(col.clone()))
                    .like(LikeExpr::new(pattern.clone()).escape('\\')),
            )
            .add(col.like(LikeExpr::new(raw.clone()).escape('\\')));
    }
    any
}

/// PostgreSQL statement text with its placeholders `$1`, `$2`, … renumbered
/// from `$1 + by`, for joining statements built apart into one (their values
/// then follow those of the statements before). Quoted identifiers and
/// string literals are left as they are.
pub fn shift_placeholders(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quote = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '$') => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                match digits.parse::<usize>() {
                    Ok(n) => out.push_str(&(n + by).to_string()),
                    Err(_) => out.push_str(&digits),
                }
            }
            (None, _) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    #[test]
    fn lookups_bind_their_values_on_both_backends() {
        let query = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("project"))
            .cond_where(in_lookup(
                ("project", "id"),
                ("funding", "project_id"),
                "funder_id",
                7,
            ))
            .to_owned();
        let (pg, _) = query.build(PostgresQueryBuilder);
        let (lite, _) = query.build(SqliteQueryBuilder);
        assert!(pg.contains("\"funder_id\" = $1"), "{pg}");
        assert!(lite.contains("\"funder_id\" = ?"), "{lite}");
    }

    #[test]
    fn placeholders_shift_outside_quotes_only() {
        assert_eq!(
            shift_placeholders(
                r#"INSERT INTO "a$1" (x, y) VALUES ($1, $12) -- '$2' and 'it''s $3'"#,
                4
            ),
            r#"INSERT INTO "a$1" (x, y) VALUES ($5, $16) -- '$2' and 'it''s $3'"#
        );
        assert_eq!(shift_placeholders("SELECT $1", 0), "SELECT $1");
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
