//! Relay connections with keyset cursors, for root lists and nested lists alike.
//!
//! A list is ordered by one non-null sort column and the id as tie-breaker; a
//! cursor carries the sort column's name, its value and the id of a row, so the
//! next page is `WHERE (sort, id) > (value, id)`: constant cost at any depth.
//! Nested lists are fetched for many parents in one statement: on PostgreSQL
//! with `LATERAL (… LIMIT n)` per parent, on SQLite with
//! `ROW_NUMBER() OVER (PARTITION BY parent …)`. Both read the to-one rows the
//! nodes show in the same statement ([`Join`]).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, IntoColumnRef, JoinType, Order, Query, SelectStatement,
    WindowStatement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    FromQueryResult, ModelTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
    Statement, Value,
};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, Result};
use crate::loader::Join;

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: i32 = 100;
/// The page size when a client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: i32 = 20;

/// Sort direction.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Ascending: smallest, oldest or alphabetically first first.
    #[default]
    Asc,
    /// Descending: largest, newest or alphabetically last first.
    Desc,
}

/// The value of a row's sort column, as carried in a cursor.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum SortValue {
    /// An integer column.
    Int(i64),
    /// A text column.
    Text(String),
    /// A timestamp column.
    Time(DateTime<Utc>),
    /// A date column.
    Date(NaiveDate),
}

impl SortValue {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::BigInt(Some(v)) => Ok(Self::Int(v)),
            Value::Int(Some(v)) => Ok(Self::Int(i64::from(v))),
            Value::String(Some(v)) => Ok(Self::Text(v)),
            Value::ChronoDateTimeUtc(Some(v)) => Ok(Self::Time(v)),
            Value::ChronoDate(Some(v)) => Ok(Self::Date(v)),
            other => Err(AppError::internal(format!("unsortable value {other:?}"))),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Self::Int(v) => v.into(),
            Self::Text(v) => v.into(),
            Self::Time(v) => v.into(),
            Self::Date(v) => v.into(),
        }
    }
}

/// A position in a list: the sort key's name, the row's sort value and its id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    /// Name of the ordering the cursor was issued for.
    pub key: String,
    /// The row's value of the sort column.
    pub value: SortValue,
    /// The row's id.
    pub id: i64,
}

impl Cursor {
    /// The opaque string clients see.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Parses a client's cursor for argument `argument`.
    pub fn decode(text: &str, argument: &str) -> Result<Self> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| {
                AppError::bad_input(argument, format!("`{argument}` is not a valid cursor"))
            })
    }
}

/// A sort key: a non-null column of entity `E` and the name cursors carry.
pub struct SortKey<E: EntityTrait> {
    /// Name of the ordering, e.g. `CREATED_AT`.
    pub name: &'static str,
    /// The sort column.
    pub column: E::Column,
    /// The id column, the tie-breaker.
    pub id: E::Column,
    /// Direction.
    pub direction: Direction,
}

/// Validated paging arguments.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Page {
    /// Rows to return.
    pub limit: u64,
    /// `last` was given: take rows from the end.
    pub backward: bool,
    /// Only rows after this cursor.
    pub after: Option<Cursor>,
    /// Only rows before this cursor.
    pub before: Option<Cursor>,
}

/// The Relay paging arguments as a client gave them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    /// `first`.
    pub first: Option<i32>,
    /// `after`.
    pub after: Option<String>,
    /// `last`.
    pub last: Option<i32>,
    /// `before`.
    pub before: Option<String>,
}

impl PageArgs {
    /// Validates the arguments for a list ordered by `key`.
    pub fn validate(&self, key: &str) -> Result<Page> {
        let size = |name: &str, n: i32| {
            if !(1..=MAX_PAGE_SIZE).contains(&n) {
                Err(AppError::bad_input(
                    name,
                    format!("`{name}` must be between 1 and {MAX_PAGE_SIZE}, got {n}"),
                ))
            } else {
                Ok(n as u64)
            }
        };
        let (limit, backward) = match (self.first, self.last) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_input(
                    "last",
                    "pass either `first` or `last`, not both",
                ));
            }
            (Some(first), None) => (size("first", first)?, false),
            (None, Some(last)) => (size("last", last)?, true),
            // `before` alone means "the rows just before", as clients expect.
            (None, None) => (
                DEFAULT_PAGE_SIZE as u64,
                self.before.is_some() && self.after.is_none(),
            ),
        };
        let cursor = |name: &str, text: &Option<String>| -> Result<Option<Cursor>> {
            let Some(text) = text else { return Ok(None) };
            let cursor = Cursor::decode(text, name)?;
            if cursor.key != key {
                return Err(AppError::bad_input(
                    name,
                    format!(
                        "`{name}` was issued for ordering {}, not {key}: use the same `orderBy` as the page it came from",
                        cursor.key
                    ),
                ));
            }
            Ok(Some(cursor))
        };
        Ok(Page {
            limit,
            backward,
            after: cursor("after", &self.after)?,
            before: cursor("before", &self.before)?,
        })
    }
}

/// One page of rows, each with its cursor.
#[derive(Clone, Debug)]
pub struct PageOf<M> {
    /// The rows in list order, with their cursors.
    pub rows: Vec<(M, Cursor)>,
    /// More rows follow the last one.
    pub has_next: bool,
    /// More rows precede the first one.
    pub has_previous: bool,
}

impl<M> Default for PageOf<M> {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            has_next: false,
            has_previous: false,
        }
    }
}

impl<M> PageOf<M> {
    /// Converts the rows, keeping cursors and page flags.
    pub fn map<T>(self, mut f: impl FnMut(M) -> T) -> PageOf<T> {
        PageOf {
            rows: self.rows.into_iter().map(|(m, c)| (f(m), c)).collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
        }
    }
}

/// Rows strictly after (`after = true`) or before `cursor` in the order of `key`.
fn keyset_condition<E: EntityTrait>(key: &SortKey<E>, cursor: &Cursor, after: bool) -> Condition {
    let greater = (key.direction == Direction::Asc) == after;
    let value = cursor.value.clone().into_value();
    let (bound, beyond_value, beyond_id) = if greater {
        (
            key.column.gte(value.clone()),
            key.column.gt(value.clone()),
            key.id.gt(cursor.id),
        )
    } else {
        (
            key.column.lte(value.clone()),
            key.column.lt(value.clone()),
            key.id.lt(cursor.id),
        )
    };
    // The redundant bound on the sort column alone is what an index range
    // scan starts from: without it, the OR below makes the database read the
    // index from the first row on, and a page deep in a list gets slower the
    // deeper it is.
    Condition::all().add(bound).add(
        Condition::any()
            .add(beyond_value)
            .add(Condition::all().add(key.column.eq(value)).add(beyond_id)),
    )
}

/// Whether a cursor value fits the sort column: a tampered cursor must not
/// compare a timestamp column with text.
fn fits<E: EntityTrait>(key: &SortKey<E>, value: &SortValue) -> bool {
    use sea_orm::sea_query::ColumnType as T;
    let column_type = key.column.def().get_column_type().clone();
    matches!(
        (column_type, value),
        (T::BigInteger | T::Integer, SortValue::Int(_))
            | (T::String(_) | T::Text, SortValue::Text(_))
            | (T::TimestampWithTimeZone | T::Timestamp, SortValue::Time(_))
            | (T::Date, SortValue::Date(_))
    )
}

/// Refuses cursors whose value does not fit the sort column (a tampered
/// cursor must not compare a timestamp column with text).
pub fn check_cursors<E: EntityTrait>(key: &SortKey<E>, page: &Page) -> Result<()> {
    for (argument, cursor) in [("after", &page.after), ("before", &page.before)] {
        if let Some(cursor) = cursor
            && !fits(key, &cursor.value)
        {
            return Err(AppError::bad_input(
                argument,
                format!("`{argument}` is not a valid cursor"),
            ));
        }
    }
    Ok(())
}

/// Applies the cursors of `page` and returns the order to query in.
pub(crate) fn apply_page<E: EntityTrait>(
    select: Select<E>,
    key: &SortKey<E>,
    page: &Page,
) -> Result<(Select<E>, Order)> {
    check_cursors(key, page)?;
    let mut select = select;
    if let Some(after) = &page.after {
        select = select.filter(keyset_condition(key, after, true));
    }
    if let Some(before) = &page.before {
        select = select.filter(keyset_condition(key, before, false));
    }
    let ascending = (key.direction == Direction::Asc) != page.backward;
    Ok((select, if ascending { Order::Asc } else { Order::Desc }))
}

fn cursor_of<E: EntityTrait>(key: &SortKey<E>, model: &E::Model) -> Result<Cursor>
where
    E::Model: ModelTrait<Entity = E>,
{
    let id = match model.get(key.id) {
        Value::BigInt(Some(id)) => id,
        other => {
            return Err(AppError::internal(format!(
                "id is not an integer: {other:?}"
            )));
        }
    };
    Ok(Cursor {
        key: key.name.to_owned(),
        value: SortValue::from_value(model.get(key.column))?,
        id,
    })
}

/// Cuts the look-ahead row off a fetched page and restores list order.
fn finish<E: EntityTrait>(
    key: &SortKey<E>,
    page: &Page,
    mut models: Vec<E::Model>,
) -> Result<PageOf<E::Model>>
where
    E::Model: ModelTrait<Entity = E>,
{
    let more = models.len() as u64 > page.limit;
    models.truncate(page.limit as usize);
    if page.backward {
        models.reverse();
    }
    let rows = models
        .into_iter()
        .map(|m| cursor_of(key, &m).map(|c| (m, c)))
        .collect::<Result<Vec<_>>>()?;
    let (has_next, has_previous) = if page.backward {
        (page.before.is_some(), more)
    } else {
        (more, page.after.is_some())
    };
    Ok(PageOf {
        rows,
        has_next,
        has_previous,
    })
}

/// Pages a list computed in memory (a ranking), given in list order with each
/// row's cursor; `order` compares two cursors in list order. Used where the
/// sort key is computed (a score), over candidates that SQL has already bounded.
pub fn page_ranked<T>(
    rows: Vec<(T, Cursor)>,
    page: &Page,
    order: impl Fn(&Cursor, &Cursor) -> std::cmp::Ordering,
) -> PageOf<T> {
    use std::cmp::Ordering::{Greater, Less};
    let mut rows: Vec<(T, Cursor)> = rows
        .into_iter()
        .filter(|(_, c)| page.after.as_ref().is_none_or(|a| order(c, a) == Greater))
        .filter(|(_, c)| page.before.as_ref().is_none_or(|b| order(c, b) == Less))
        .collect();
    let limit = page.limit as usize;
    let more = rows.len() > limit;
    if page.backward {
        rows.drain(..rows.len().saturating_sub(limit));
    } else {
        rows.truncate(limit);
    }
    let (has_next, has_previous) = if page.backward {
        (page.before.is_some(), more)
    } else {
        (more, page.after.is_some())
    };
    PageOf {
        rows,
        has_next,
        has_previous,
    }
}

/// A total that is already known.
pub fn known_total(total: u64) -> TotalCount {
    Arc::new(move || Box::pin(async move { Ok(total) }))
}

/// The count of the rows of `select`, run only when a client asks for it.
pub fn deferred_count<E: EntityTrait>(db: &DatabaseConnection, select: Select<E>) -> TotalCount {
    let db = db.clone();
    let count = count_statement(&db, select);
    Arc::new(move || {
        let db = db.clone();
        let count = count.clone();
        Box::pin(async move { run_count(&db, count).await })
    })
}

/// Fetches one page of a root list, with the to-one rows of `joins`.
pub async fn fetch_page<E>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    key: &SortKey<E>,
    page: &Page,
    joins: &[Join],
) -> Result<PageOf<E::Model>>
where
    E: EntityTrait,
    E::Model: ModelTrait<Entity = E> + FromQueryResult + Sized + Send + Sync,
{
    if page.limit == 0 {
        return Ok(PageOf::default());
    }
    let (select, order) = apply_page(select, key, page)?;
    let select = select
        .order_by(key.column, order.clone())
        .order_by(key.id, order)
        .limit(page.limit + 1);
    let listed = E::default().table_name().to_owned();
    let rows = rows_with_joins(db, select.into_query(), &listed, joins).await?;
    let models = rows
        .iter()
        .map(|row| E::Model::from_query_result(row, ""))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    finish(key, page, models)
}

/// Runs `query`, which lists rows of the table (or alias) `listed`, with the
/// to-one rows of `joins`, and hands those to their by-id loaders.
pub(crate) async fn rows_with_joins(
    db: &impl ConnectionTrait,
    mut query: SelectStatement,
    listed: &str,
    joins: &[Join],
) -> Result<Vec<sea_orm::QueryResult>> {
    for (index, join) in joins.iter().enumerate() {
        join.add_to(&mut query, listed, index);
    }
    let rows = db
        .query_all_raw(db.get_database_backend().build(&query))
        .await?;
    for (index, join) in joins.iter().enumerate() {
        join.feed(&rows, index)?;
    }
    Ok(rows)
}

/// The expression that names a nested row's parent: a column, possibly of a joined table.
#[derive(Clone, Copy, Debug)]
pub struct Parent {
    /// Table (or alias) holding the parent key.
    pub table: &'static str,
    /// Column holding the parent key.
    pub column: &'static str,
}

impl Parent {
    /// The parent key's column.
    pub(crate) fn column_ref(self) -> impl IntoColumnRef + Clone {
        (Alias::new(self.table), Alias::new(self.column))
    }
}

/// Fetches one page of a nested list for each of `parents` in one statement.
pub async fn fetch_child_pages<E>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    parent: Parent,
    parents: &[i64],
    key: &SortKey<E>,
    page: &Page,
    joins: &[Join],
) -> Result<HashMap<i64, PageOf<E::Model>>>
where
    E: EntityTrait,
    E::Model: ModelTrait<Entity = E> + FromQueryResult + Sized + Send + Sync,
{
    let mut pages: HashMap<i64, PageOf<E::Model>> = HashMap::new();
    if page.limit == 0 || parents.is_empty() {
        return Ok(pages);
    }
    let (select, order) = apply_page(select, key, page)?;
    let outer = if db.get_database_backend() == DatabaseBackend::Postgres {
        lateral_pages(select, parent, parents, key, page, order)
    } else {
        windowed_pages(select, parent, parents, key, page, order)
    };
    let rows = rows_with_joins(db, outer, "__page", joins).await?;
    let mut grouped: HashMap<i64, Vec<E::Model>> = HashMap::new();
    for row in &rows {
        let parent_id: i64 = row.try_get("", "__parent")?;
        grouped
            .entry(parent_id)
            .or_default()
            .push(E::Model::from_query_result(row, "")?);
    }
    for (parent_id, models) in grouped {
        pages.insert(parent_id, finish(key, page, models)?);
    }
    Ok(pages)
}

/// One parent's rows of a nested list through the sort index: `select`
/// (cursors applied by [`apply_page`], which gave `order`) under the parent
/// whose id is `id`, in the list's order, at most `limit` of them.
pub(crate) fn rows_under<E: EntityTrait>(
    select: Select<E>,
    parent: Parent,
    id: Expr,
    key: &SortKey<E>,
    order: Order,
    limit: u64,
) -> SelectStatement {
    select
        .filter(Expr::col(parent.column_ref()).eq(id))
        .order_by(key.column, order.clone())
        .order_by(key.id, order)
        .limit(limit)
        .into_query()
}

/// Pages of a nested list, on PostgreSQL: for each parent, its rows through
/// the sort index up to the page's end (`LATERAL … LIMIT`), so a page of 10
/// reads 11 rows of a parent that has thousands.
fn lateral_pages<E: EntityTrait>(
    select: Select<E>,
    parent: Parent,
    parents: &[i64],
    key: &SortKey<E>,
    page: &Page,
    order: Order,
) -> SelectStatement {
    let parents_alias = Alias::new("__parents");
    // `VALUES` names its column `column1`.
    let parent_id = (parents_alias.clone(), Alias::new("column1"));
    // One row more than the page: whether there is a next one.
    let mut inner = rows_under(
        select,
        parent,
        Expr::col(parent_id.clone()),
        key,
        order.clone(),
        page.limit + 1,
    );
    inner.expr_as(Expr::col(parent.column_ref()), Alias::new("__parent"));
    let page_alias = Alias::new("__page");
    Query::select()
        .column((page_alias.clone(), Asterisk))
        .from_values(parents.iter().copied(), parents_alias)
        .join_lateral(
            JoinType::InnerJoin,
            inner,
            page_alias.clone(),
            Expr::cust("TRUE"),
        )
        .order_by(parent_id, Order::Asc)
        .order_by((page_alias.clone(), key.column), order.clone())
        .order_by((page_alias, key.id), order)
        .to_owned()
}

/// Pages of a nested list where there is no `LATERAL` (SQLite): the rows of
/// all parents numbered per parent, cut at the page's end.
fn windowed_pages<E: EntityTrait>(
    select: Select<E>,
    parent: Parent,
    parents: &[i64],
    key: &SortKey<E>,
    page: &Page,
    order: Order,
) -> SelectStatement {
    let mut inner: SelectStatement = select
        .filter(Expr::col(parent.column_ref()).is_in(parents.iter().copied()))
        .into_query();
    let table = E::default();
    let column = |c: E::Column| (table, c);
    inner
        .expr_as(Expr::col(parent.column_ref()), Alias::new("__parent"))
        .expr_window_as(
            Expr::cust("ROW_NUMBER()"),
            WindowStatement::partition_by(parent.column_ref())
                .order_by(column(key.column), order.clone())
                .order_by(column(key.id), order)
                .to_owned(),
            Alias::new("__rn"),
        );
    Query::select()
        .column((Alias::new("__page"), Asterisk))
        .from_subquery(inner, Alias::new("__page"))
        .and_where(Expr::col((Alias::new("__page"), Alias::new("__rn"))).lte(page.limit as i64 + 1))
        .order_by((Alias::new("__page"), Alias::new("__parent")), Order::Asc)
        .order_by((Alias::new("__page"), Alias::new("__rn")), Order::Asc)
        .to_owned()
}

/// Counts the rows of `select` for each of `parents` in one statement.
pub async fn count_children<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    parent: Parent,
    parents: &[i64],
) -> Result<HashMap<i64, u64>> {
    let mut query = select
        .filter(Expr::col(parent.column_ref()).is_in(parents.iter().copied()))
        .into_query();
    query
        .clear_selects()
        .expr_as(Expr::col(parent.column_ref()), Alias::new("__parent"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("__count"))
        .group_by_col(parent.column_ref());
    let statement = db.get_database_backend().build(&query);
    let mut counts = HashMap::new();
    for row in db.query_all_raw(statement).await? {
        let parent_id: i64 = row.try_get("", "__parent")?;
        let count: i64 = row.try_get("", "__count")?;
        counts.insert(parent_id, u64::try_from(count).unwrap_or(0));
    }
    Ok(counts)
}

/// The statement that counts the rows of a root list.
pub fn count_statement<E: EntityTrait>(db: &DatabaseConnection, select: Select<E>) -> Statement {
    let mut query = select.into_query();
    query
        .clear_selects()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("__count"));
    db.get_database_backend().build(&query)
}

/// Runs a statement built by [`count_statement`].
pub async fn run_count(db: &impl ConnectionTrait, statement: Statement) -> Result<u64> {
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| AppError::internal("COUNT returned no row"))?;
    let count: i64 = row.try_get("", "__count")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// A deferred total count: run only when a client asks for `totalCount`.
pub type TotalCount =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<u64>> + Send>> + Send + Sync>;

/// The cursor name of an ordering: `sort_name!("NAME", direction)` is `"NAME:ASC"` or `"NAME:DESC"`.
macro_rules! sort_name {
    ($field:literal, $direction:expr) => {
        match $direction {
            $crate::pagination::Direction::Asc => concat!($field, ":ASC"),
            $crate::pagination::Direction::Desc => concat!($field, ":DESC"),
        }
    };
}
pub(crate) use sort_name;

/// Declares a Relay connection type and its edge type for node type `$node`.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, ".")]
        pub struct $connection {
            page: $crate::pagination::PageOf<$node>,
            total: $crate::pagination::TotalCount,
            /// The nodes as PostgreSQL built them (see [`crate::compiled`]), in place of `page`.
            json: std::sync::Mutex<Option<async_graphql::Value>>,
        }

        impl $connection {
            /// Wraps a fetched page and its deferred count.
            pub fn new(
                page: $crate::pagination::PageOf<$node>,
                total: $crate::pagination::TotalCount,
            ) -> Self {
                Self {
                    page,
                    total,
                    json: std::sync::Mutex::new(None),
                }
            }

            /// Wraps a page of a nested list as it was fetched (see
            /// [`crate::compiled`]) and its deferred count.
            #[allow(
                dead_code,
                reason = "written for every connection; only the nested lists PostgreSQL builds as JSON call it"
            )]
            pub fn fetched(
                page: $crate::pagination::Fetched<$node>,
                total: $crate::pagination::TotalCount,
            ) -> Self {
                let nodes = match page {
                    $crate::pagination::Fetched::Rows(page) => return Self::new(page, total),
                    $crate::pagination::Fetched::Built(nodes) => nodes,
                };
                Self {
                    page: $crate::pagination::PageOf::default(),
                    total,
                    json: std::sync::Mutex::new(Some(nodes)),
                }
            }
        }

        #[doc = concat!("One of ", $what, " with its cursor.")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque cursor of this row: pass it as `after` or `before` to page on from here.
            pub cursor: String,
            /// The row.
            pub node: $node,
        }

        #[doc = concat!("A page of ", $what, ".")]
        #[async_graphql::Object]
        impl $connection {
            /// The rows of this page with their cursors.
            async fn edges(&self) -> Vec<$edge> {
                self.page
                    .rows
                    .iter()
                    .map(|(node, cursor)| $edge {
                        cursor: cursor.encode(),
                        node: node.clone(),
                    })
                    .collect()
            }

            /// The rows of this page, without cursors.
            async fn nodes(&self) -> $crate::pagination::Nodes<'_, $node> {
                $crate::pagination::Nodes {
                    rows: &self.page.rows,
                    resolved: &self.json,
                }
            }

            /// Where this page sits in the whole list.
            async fn page_info(&self) -> $crate::pagination::PageInfo {
                $crate::pagination::PageInfo::of(&self.page)
            }

            /// Number of rows in the whole list (all pages), counted only when asked for.
            async fn total_count(&self) -> async_graphql::Result<u64> {
                Ok((self.total)().await?)
            }
        }
    };
}
pub(crate) use connection;

/// A page of a nested list as it was fetched.
pub enum Fetched<T> {
    /// Rows for the engine to resolve.
    Rows(PageOf<T>),
    /// The nodes' response value as PostgreSQL built it for a selection of
    /// `nodes` and `totalCount` only (see [`crate::compiled`]): a list, or
    /// over HTTP the placeholder of its JSON text ([`crate::compiled::Splices`]).
    Built(async_graphql::Value),
}

/// The `nodes` of a connection: its rows, resolved by the engine without a
/// copy, or the list's value as it was built already (taken once; over HTTP
/// the placeholder of its JSON text).
pub struct Nodes<'a, T> {
    /// The rows of the page.
    pub rows: &'a [(T, Cursor)],
    /// The nodes' value, when the statement built it.
    pub resolved: &'a std::sync::Mutex<Option<async_graphql::Value>>,
}

impl<T: async_graphql::OutputType> async_graphql::OutputType for Nodes<'_, T> {
    fn type_name() -> std::borrow::Cow<'static, str> {
        <Vec<T> as async_graphql::OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as async_graphql::OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        <Vec<T> as async_graphql::OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &async_graphql::ContextSelectionSet<'_>,
        field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
    ) -> async_graphql::ServerResult<async_graphql::Value> {
        let resolved = self
            .resolved
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match resolved {
            Some(value) => Ok(value),
            None => {
                async_graphql::resolver_utils::resolve_list(
                    ctx,
                    field,
                    self.rows.iter().map(|(node, _)| node),
                    Some(self.rows.len()),
                )
                .await
            }
        }
    }
}

/// Where a page sits in its list (Relay `PageInfo`).
#[derive(async_graphql::SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// More rows follow this page: fetch them with `after: endCursor`.
    pub has_next_page: bool,
    /// More rows precede this page: fetch them with `before: startCursor`.
    pub has_previous_page: bool,
    /// Cursor of the first row of this page.
    pub start_cursor: Option<String>,
    /// Cursor of the last row of this page.
    pub end_cursor: Option<String>,
}

impl PageInfo {
    /// The page info of a fetched page.
    pub fn of<T>(page: &PageOf<T>) -> Self {
        Self {
            has_next_page: page.has_next,
            has_previous_page: page.has_previous,
            start_cursor: page.rows.first().map(|(_, c)| c.encode()),
            end_cursor: page.rows.last().map(|(_, c)| c.encode()),
        }
    }
}

/// Fields most lists can be ordered by: when records were created or last changed.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq, Default)]
pub enum RecordOrderField {
    /// Creation time.
    #[default]
    CreatedAt,
    /// Last change.
    UpdatedAt,
}

/// Order of a list by creation or change time; ties are broken by id.
#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct RecordOrderBy {
    /// Field to order by.
    #[graphql(default)]
    pub field: RecordOrderField,
    /// Direction.
    #[graphql(default_with = "Direction::Desc")]
    pub direction: Direction,
}

impl Default for RecordOrderBy {
    fn default() -> Self {
        Self {
            field: RecordOrderField::CreatedAt,
            direction: Direction::Desc,
        }
    }
}

impl RecordOrderBy {
    /// The sort key of this order for an entity with `created_at`, `updated_at` and `id` columns.
    pub fn sort_key<E: EntityTrait>(
        self,
        created_at: E::Column,
        updated_at: E::Column,
        id: E::Column,
    ) -> SortKey<E> {
        let (name, column) = match self.field {
            RecordOrderField::CreatedAt => (sort_name!("CREATED_AT", self.direction), created_at),
            RecordOrderField::UpdatedAt => (sort_name!("UPDATED_AT", self.direction), updated_at),
        };
        SortKey {
            name,
            column,
            id,
            direction: self.direction,
        }
    }
}
