//! Answers whose nodes PostgreSQL builds as JSON.
//!
//! A list (a root list of projects or members; a project's participants,
//! funding or responsibilities; a member's projects, participations,
//! fundings, responsibilities or offers) whose selection asks for its
//! `nodes` (and at most `totalCount` and `__typename`) and whose nodes show
//! only plain fields — the global ID, codes, columns, text in a language,
//! dates, money, to-one rows and lists under them with such fields of their
//! own — is read as JSON: PostgreSQL builds the page as one array, and the
//! engine hands the array on instead of resolving every field of every row.
//! A root list so built is one statement for its whole tree
//! ([`root_page`]); so is one object by a unique key (`node(id)`,
//! `project(code)`: [`one_row`]); a nested list one statement per place in
//! the query ([`JsonPages`]). Everything else (cursors of rows, `edges`,
//! `pageInfo`, directives, variables in paging arguments, SQLite) takes the
//! general path, which answers the same. Fragments on other types are left
//! out, as GraphQL leaves them out for an object of this type.
//!
//! Visibility is the same as on the general path: a page is its list's own
//! visible rows ([`Children::select`]); a list under a row of the same
//! statement leaves out only what that row, visible itself, implies
//! ([`Children::select_under_visible`]), and where that is only whether the
//! row's member is visible, joins the member's visible rows instead of
//! checking each apart ([`Children::through_under_visible`]); a to-one row is
//! read from its entity's visible rows ([`Table::find_visible`]), null when
//! hidden.
//!
//! A request whose selections repeat a response key ([`keys_repeat`]), as
//! colocated fragments do, takes the general path: the engine resolves such
//! fields once, with their selections merged.
//!
//! Over HTTP the JSON text goes into the response as it is ([`Splices`]):
//! it is not parsed into the engine's values and written out again.
//!
//! A document sent again (one the service keeps parsed, see
//! [`crate::documents`]) is not compiled again: the object of each of its
//! fields is kept as SQL text, per caller and language ([`Objects`]).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::dataloader::Loader;
use async_graphql::parser::types::{
    ExecutableDocument, Field, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::EnumType;
use async_graphql::{Name, Pos, Positioned};
use axum::body::Bytes;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, JoinType, Query, QueryStatementBuilder, SelectStatement,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityName, EntityTrait, IdenStatic, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select,
};

use crate::auth::Principal;
use crate::codes::{Code, Lang};
use crate::error::{AppError, Result};
use crate::loader::{Children, Table};
use crate::money;
use crate::pagination::{self, Direction, Page, PageArgs, SortKey};

/// How a field of a node is built as JSON.
pub enum JsonField {
    /// The row's global ID.
    Id,
    /// A text, integer or boolean column as stored (null stays null).
    Column(&'static str),
    /// A stored code, shown as its GraphQL enum value ([`code`]).
    Code {
        /// The column.
        column: &'static str,
        /// Each stored code with its enum value.
        names: fn() -> Vec<(&'static str, &'static str)>,
    },
    /// Text in the requested language (argument `lang`, else the
    /// request's), English when there is none in that language.
    Localized {
        /// The English column.
        en: &'static str,
        /// The Ukrainian column.
        uk: &'static str,
    },
    /// A date (`YYYY-MM-DD`).
    Date(&'static str),
    /// Money: integer minor units and their currency (type `Money`).
    Money {
        /// The minor units' column.
        minor: &'static str,
        /// The currency's column.
        currency: &'static str,
    },
    /// A visible row of another entity by the id in `column` (null when
    /// hidden), built by `object` ([`to_one`]).
    ToOne {
        /// The column holding the row's id.
        column: &'static str,
        /// Builds the row's object for a selection, from where the row is.
        object: fn(&Compiler<'_>, &SelectionSet, Source<'_>) -> Option<Expr>,
    },
    /// A nested list under the row (its connection object), built by
    /// [`list`] from the field and the row's id.
    List(fn(&Compiler<'_>, &Field, Expr) -> Option<Expr>),
}

/// A node type whose fields can be built as JSON.
pub trait JsonNode: Table {
    /// The GraphQL type name.
    const TYPE_NAME: &'static str;
    /// The GraphQL type name of its connections.
    const CONNECTION: &'static str;
    /// How field `name` is built, when it can be.
    fn json_field(name: &str) -> Option<JsonField>;
}

/// A stored code of `T` in `column`, shown as its GraphQL enum value.
pub fn code<T: Code + EnumType>(column: &'static str) -> JsonField {
    JsonField::Code {
        column,
        names: names::<T>,
    }
}

/// Each stored code of `T` with its GraphQL enum value.
fn names<T: Code + EnumType>() -> Vec<(&'static str, &'static str)> {
    T::items()
        .iter()
        .map(|item| (item.value.code(), item.name))
        .collect()
}

/// Where a to-one row's columns are.
pub enum Source<'r> {
    /// In the visible row whose id is this expression (read by a subquery).
    Id(Expr),
    /// In a visible row already joined to the listed rows.
    Joined(&'r Row),
}

/// The columns of a row in a statement: `{alias}.{prefix}{column}`; and the
/// to-one row joined to it, if any.
pub struct Row {
    alias: String,
    prefix: String,
    /// The column of the listed row that the joined row's id is in, and the
    /// prefix of the joined row's columns.
    joined: Option<(&'static str, String)>,
    /// The columns read so far (`{prefix}{column}`): the rows' statement
    /// selects only these ([`Built::narrow`]).
    used: RefCell<BTreeSet<String>>,
}

impl Row {
    /// The columns of table or alias `alias`, as named.
    pub fn new(alias: &str) -> Self {
        Self {
            alias: alias.to_owned(),
            prefix: String::new(),
            joined: None,
            used: RefCell::default(),
        }
    }

    /// Notes that column `name` is read.
    fn read(&self, name: &str) {
        self.used
            .borrow_mut()
            .insert(format!("{}{name}", self.prefix));
    }

    /// Column `name` of the row.
    fn column(&self, name: &str) -> Expr {
        self.read(name);
        Expr::col((
            Alias::new(self.alias.as_str()),
            Alias::new(format!("{}{name}", self.prefix)),
        ))
    }

    /// Column `name` of the row as SQL text (`"alias"."column"`, as
    /// [`Row::column`] renders): for the expressions written out as text,
    /// which the statement builder copies instead of parsing for
    /// placeholders (code lists make them long, and they are in every
    /// statement).
    fn sql(&self, name: &str) -> String {
        self.read(name);
        format!(
            "\"{}\".\"{}{}\"",
            self.alias.replace('"', "\"\""),
            self.prefix.replace('"', "\"\""),
            name.replace('"', "\"\"")
        )
    }
}

/// A row's object for a selection, and the row's columns it reads.
pub struct Built {
    /// The object (`json_build_object(…)`).
    pub object: Expr,
    /// The columns read, as the row's statement names them.
    columns: BTreeSet<String>,
}

impl Built {
    /// Narrows `rows`, a statement of the rows of `E` (table `E`'s own
    /// columns, and those of a row joined under alias `joined` as
    /// `{joined}_{column}`), to the columns the object reads and `keep`.
    /// Rows read for a page carry fewer bytes through its sort: a list's
    /// object seldom shows a description, say.
    fn narrow<E: EntityTrait>(
        &self,
        rows: &mut SelectStatement,
        joined: Option<&str>,
        keep: &[&str],
    ) {
        rows.clear_selects();
        let own = self
            .columns
            .iter()
            .map(String::as_str)
            .chain(keep.iter().copied())
            .collect::<BTreeSet<_>>();
        for name in own {
            let from_join = joined.and_then(|joined| {
                name.strip_prefix(joined)
                    .and_then(|rest| rest.strip_prefix('_'))
                    .map(|column| (joined, column))
            });
            match from_join {
                Some((joined, column)) => {
                    rows.expr_as(
                        Expr::col((Alias::new(joined), Alias::new(column))),
                        Alias::new(name),
                    );
                }
                None => {
                    rows.column((E::default(), Alias::new(name)));
                }
            }
        }
    }
}

/// The object of the visible row of `N` at `source`, for `selection`.
pub fn to_one<N: JsonNode>(
    compiler: &Compiler<'_>,
    selection: &SelectionSet,
    source: Source<'_>,
) -> Option<Expr> {
    let id = match source {
        Source::Joined(row) => return compiler.object_in::<N>(selection, row),
        Source::Id(id) => id,
    };
    // The row under an alias of its own: fields under it (lists, rows of
    // the same table) refer to it unambiguously.
    let alias = compiler.alias();
    let built = compiler.object::<N>(selection, &alias)?;
    let mut row = N::find_visible(compiler.principal)
        .filter(Expr::col((N::default(), N::id_column())).eq(id))
        .into_query();
    built.narrow::<N>(&mut row, None, &[]);
    let query = Query::select()
        .expr(built.object)
        .from_subquery(row, Alias::new(alias.as_str()))
        .to_owned();
    Some(Expr::SubQuery(
        None,
        Box::new(query.into_sub_query_statement()),
    ))
}

/// The connection object of nested list `R` under the row whose id is
/// `parent`, for `field` (its `nodes`, `totalCount` and `__typename`; paging
/// arguments as literals). The parent is a row of the same statement, read
/// through its own visibility: the list checks only what that leaves open
/// ([`Children::select_under_visible`]).
pub fn list<R>(compiler: &Compiler<'_>, field: &Field, parent: Expr) -> Option<Expr>
where
    R: Children,
    R::Entity: JsonNode,
{
    // An invalid argument or cursor takes the general path, which reports it.
    let page = compiler
        .page_arguments(field)?
        .validate(R::sort().name)
        .ok()?;
    pagination::check_cursors(&R::sort(), &page).ok()?;
    compiler.build(
        <R::Entity as JsonNode>::CONNECTION,
        &field.selection_set.node,
        |field| {
            if !field.arguments.is_empty() {
                return None;
            }
            match field.name.node.as_str() {
                "nodes" => {
                    let alias = compiler.alias();
                    // A row whose visibility decides each listed row's is
                    // joined (once) instead of checked apart, and shown from
                    // the join.
                    let through =
                        R::through_under_visible().map(|through| (through, compiler.alias()));
                    let row = Row {
                        joined: through
                            .as_ref()
                            .map(|(through, joined)| (through.column, format!("{joined}_"))),
                        ..Row::new(&alias)
                    };
                    let built = compiler.built_in::<R::Entity>(&field.selection_set.node, &row)?;
                    let select = match through {
                        Some(_) => R::Entity::find(),
                        None => R::select_under_visible(compiler.principal),
                    };
                    let (mut rows, key) = page_rows::<R>(select, &page, parent.clone()).ok()?;
                    if let Some((through, joined)) = &through {
                        let listed = R::Entity::default();
                        through.join(compiler.principal, &mut rows, listed.table_name(), joined);
                    }
                    built.narrow::<R::Entity>(
                        &mut rows,
                        through.as_ref().map(|(_, joined)| joined.as_str()),
                        &[key.column.as_str(), key.id.as_str()],
                    );
                    let nodes = aggregate(
                        built.object,
                        key,
                        &alias,
                        "coalesce(json_agg($1 ORDER BY $2 {direction}, $3 {direction}), '[]')",
                    )
                    .from_subquery(rows, Alias::new(alias.as_str()))
                    .to_owned();
                    Some(Expr::SubQuery(
                        None,
                        Box::new(nodes.into_sub_query_statement()),
                    ))
                }
                "totalCount" => {
                    let mut count = R::select_under_visible(compiler.principal)
                        .filter(Expr::col(R::parent().column_ref()).eq(parent.clone()))
                        .into_query();
                    count.clear_selects().expr(Expr::cust("count(*)"));
                    Some(Expr::SubQuery(
                        None,
                        Box::new(count.into_sub_query_statement()),
                    ))
                }
                _ => None,
            }
        },
    )
}

/// The rows of one page of nested list `R` (the rows of `select`) under the
/// row whose id is `parent`, through the sort index, and the list's sort key.
fn page_rows<R: Children>(
    select: Select<R::Entity>,
    page: &Page,
    parent: Expr,
) -> Result<(SelectStatement, SortKey<R::Entity>)> {
    let key = R::sort();
    let (select, order) = pagination::apply_page(select, &key, page)?;
    let rows = pagination::rows_under(select, R::parent(), parent, &key, order, page.limit);
    Ok((rows, key))
}

/// `SELECT` of `template` over a page's rows (alias `alias`): `$1` is the
/// node's object, `$2` and `$3` the sort key's columns, `{direction}` the
/// list's order.
fn aggregate<E: EntityTrait>(
    object: Expr,
    key: SortKey<E>,
    alias: &str,
    template: &str,
) -> SelectStatement {
    let direction = match key.direction {
        Direction::Asc => "ASC",
        Direction::Desc => "DESC",
    };
    let nodes = Expr::cust_with_exprs(
        template.replace("{direction}", direction),
        [
            object,
            Expr::col((Alias::new(alias), key.column)),
            Expr::col((Alias::new(alias), key.id)),
        ],
    );
    Query::select()
        .expr_as(nodes, Alias::new("nodes"))
        .to_owned()
}

/// The statement that builds the nodes of one page of a root list as one
/// JSON array (text column `nodes`): the page of `select` in the order of
/// `key` through its index, each row's object built by `object` over the
/// rows' alias [`PAGE`].
pub fn root_page<E: EntityTrait>(
    select: Select<E>,
    key: SortKey<E>,
    page: &Page,
    built: Built,
) -> Result<SelectStatement> {
    let (select, order) = pagination::apply_page(select, &key, page)?;
    let mut rows = select
        .order_by(key.column, order.clone())
        .order_by(key.id, order)
        .limit(page.limit)
        .into_query();
    built.narrow::<E>(&mut rows, None, &[key.column.as_str(), key.id.as_str()]);
    Ok(aggregate(built.object, key, PAGE, AS_TEXT)
        .from_subquery(rows, Alias::new(PAGE))
        .to_owned())
}

/// The statement that builds the object of the first row of `select` (a
/// visible row by a unique key) as one JSON text (column `nodes`); no row
/// when there is none. `object` is built over the row's alias [`PAGE`].
pub fn one_row<E: EntityTrait>(select: Select<E>, built: Built) -> SelectStatement {
    let mut row = select.limit(1).into_query();
    built.narrow::<E>(&mut row, None, &[]);
    Query::select()
        .expr_as(
            Expr::cust_with_exprs("CAST($1 AS text)", [built.object]),
            Alias::new("nodes"),
        )
        .from_subquery(row, Alias::new(PAGE))
        .to_owned()
}

/// The template of a page's nodes as one JSON text, for [`aggregate`].
const AS_TEXT: &str =
    "CAST(coalesce(json_agg($1 ORDER BY $2 {direction}, $3 {direction}), '[]') AS text)";

/// Fields of one object: a `json_build_object` call takes at most 100 arguments.
const MAX_FIELDS: usize = 50;

/// The alias of the page's rows in the statement.
pub const PAGE: &str = "__page";

/// Objects kept at most per document (callers' roles and members and
/// languages times fields); beyond, and beyond the bytes below, objects are
/// compiled afresh for each request.
const OBJECTS_PER_DOCUMENT: usize = 64;

/// The bytes the objects of one document may take together.
const OBJECT_BYTES_PER_DOCUMENT: usize = 256 * 1024;

/// The bytes kept objects may take per service, all documents together.
pub const OBJECT_BYTES: usize = 8 * 1024 * 1024;

/// The objects compiled for the fields of one kept document: for a field
/// (by its place in the document's text), a type, what the caller may see
/// (its role and member) and a language, the object as SQL text with its
/// values written in, and the columns it reads; or that it cannot be built.
/// What a field's object is depends on nothing else: variables in its
/// selection send it to the general path. Its bytes count against the
/// service's budget of [`OBJECT_BYTES`] until it is dropped with its
/// document.
pub struct Objects {
    kept: Mutex<KeptObjects>,
    /// The bytes of kept objects of every document of the service.
    budget: Arc<AtomicUsize>,
}

#[derive(Default)]
struct KeptObjects {
    objects: HashMap<ObjectKey, Option<Arc<KeptObject>>>,
    bytes: usize,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct ObjectKey {
    line: usize,
    column: usize,
    type_name: &'static str,
    /// What the caller may see: its role and member, not who it is.
    seeing: Principal,
    lang: Lang,
}

struct KeptObject {
    sql: String,
    columns: BTreeSet<String>,
}

impl KeptObject {
    /// The bytes it takes, its key's included.
    fn bytes(&self) -> usize {
        256 + self.sql.len() + self.columns.iter().map(|c| 32 + c.len()).sum::<usize>()
    }
}

impl Objects {
    /// None yet, counted against `budget` (shared by the service's documents).
    pub fn new(budget: Arc<AtomicUsize>) -> Self {
        Self {
            kept: Mutex::default(),
            budget,
        }
    }

    /// How many objects are kept.
    pub fn len(&self) -> usize {
        self.lock().objects.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KeptObjects> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `bytes` more may be kept: in the document and in the
    /// service's budget.
    fn room(&self, kept: &KeptObjects, bytes: usize) -> bool {
        kept.objects.len() < OBJECTS_PER_DOCUMENT
            && kept.bytes + bytes <= OBJECT_BYTES_PER_DOCUMENT
            && self.budget.load(Ordering::Relaxed) + bytes <= OBJECT_BYTES
    }

    /// Keeps `object` under `key` if there is room ([`Objects::room`]).
    fn keep(&self, key: ObjectKey, object: Option<Arc<KeptObject>>) {
        let bytes = object.as_ref().map_or(256, |object| object.bytes());
        let mut kept = self.lock();
        if kept.objects.contains_key(&key) || !self.room(&kept, bytes) {
            return;
        }
        // Other documents may take from the budget meanwhile.
        if self.budget.fetch_add(bytes, Ordering::Relaxed) + bytes > OBJECT_BYTES {
            self.budget.fetch_sub(bytes, Ordering::Relaxed);
            return;
        }
        kept.bytes += bytes;
        kept.objects.insert(key, object);
    }
}

impl Default for Objects {
    fn default() -> Self {
        Self::new(Arc::default())
    }
}

impl Drop for Objects {
    fn drop(&mut self) {
        let bytes = self
            .kept
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .bytes;
        self.budget.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// What `principal` may see, as a key: its role and member, without the
/// subject (what a caller may see depends on nothing else).
fn seeing(principal: &Principal) -> Principal {
    match principal {
        Principal::Anonymous => Principal::Anonymous,
        Principal::User {
            role,
            member_id,
            applicant,
            ..
        } => Principal::User {
            subject: String::new(),
            role: *role,
            member_id: *member_id,
            applicant: *applicant,
        },
    }
}

/// Builds the JSON of a selection, for one request.
pub struct Compiler<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    registry: &'a Registry,
    principal: &'a Principal,
    lang: Lang,
    /// The objects kept for the request's document, when it is kept.
    objects: Option<&'a Objects>,
    /// Aliases of nested pages handed out so far.
    aliases: Cell<usize>,
}

impl<'a> Compiler<'a> {
    /// A compiler for the request's fragments and schema, caller and language.
    pub fn new(
        fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
        registry: &'a Registry,
        principal: &'a Principal,
        lang: Lang,
    ) -> Self {
        Self {
            fragments,
            registry,
            principal,
            lang,
            objects: None,
            aliases: Cell::new(0),
        }
    }

    /// This compiler, keeping the objects it compiles in `objects` (those
    /// of the request's document) and taking them from there.
    pub fn keeping(self, objects: Option<&'a Objects>) -> Self {
        Self { objects, ..self }
    }

    /// [`Compiler::object`] of the rows of a page ([`PAGE`]) for `selection`,
    /// the selection of the field at `pos` or one found in it alone:
    /// compiled once per document, caller and language (see [`Objects`]).
    pub fn page_object<N: JsonNode>(&self, pos: Pos, selection: &SelectionSet) -> Option<Built> {
        let Some(objects) = self.objects else {
            return self.object::<N>(selection, PAGE);
        };
        let key = ObjectKey {
            line: pos.line,
            column: pos.column,
            type_name: N::TYPE_NAME,
            seeing: seeing(self.principal),
            lang: self.lang,
        };
        let (found, room) = {
            let kept = objects.lock();
            (kept.objects.get(&key).cloned(), objects.room(&kept, 0))
        };
        let kept = match found {
            Some(kept) => kept,
            // No room: compiled for this request alone.
            None if !room => return self.object::<N>(selection, PAGE),
            None => {
                let Some(built) = self.object::<N>(selection, PAGE) else {
                    objects.keep(key, None);
                    return None;
                };
                // A value that cannot be written in as it is bound: not kept.
                let Some(sql) = inline(&built.object) else {
                    return Some(built);
                };
                let kept = Arc::new(KeptObject {
                    sql,
                    columns: built.columns,
                });
                objects.keep(key, Some(kept.clone()));
                Some(kept)
            }
        };
        kept.map(|kept| Built {
            object: Expr::cust(kept.sql.clone()),
            columns: kept.columns.clone(),
        })
    }

    /// A new alias for the rows of a nested page.
    fn alias(&self) -> String {
        let next = self.aliases.get() + 1;
        self.aliases.set(next);
        format!("{PAGE}{next}")
    }

    /// The paging arguments of a nested list's field, when each is a
    /// literal (`None` for variables and other arguments).
    fn page_arguments(&self, field: &Field) -> Option<PageArgs> {
        let mut args = PageArgs::default();
        for (name, value) in &field.arguments {
            let value = value.node.clone().into_const()?;
            let number = || match &value {
                async_graphql::Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
                _ => None,
            };
            let text = || match &value {
                async_graphql::Value::String(s) => Some(s.clone()),
                _ => None,
            };
            let null = value == async_graphql::Value::Null;
            match name.node.as_str() {
                _ if null => {}
                "first" => args.first = Some(number()?),
                "last" => args.last = Some(number()?),
                "after" => args.after = Some(text()?),
                "before" => args.before = Some(text()?),
                _ => return None,
            }
        }
        Some(args)
    }

    /// The selection of `nodes` in the selection of a connection of type
    /// `connection`, when the connection asks for nothing but `nodes` (once),
    /// `totalCount` and `__typename`.
    pub fn nodes_of<'s>(
        &'s self,
        connection: &str,
        selection: &'s SelectionSet,
    ) -> Option<&'s SelectionSet> {
        let mut fields = Vec::new();
        self.fields(connection, selection, &mut fields)?;
        let mut nodes = None;
        for field in fields {
            match field.name.node.as_str() {
                "nodes" if nodes.is_none() && field.arguments.is_empty() => {
                    nodes = Some(&field.selection_set.node);
                }
                "totalCount" | "__typename" => {}
                _ => return None,
            }
        }
        nodes
    }

    /// Whether a fragment on type `condition` applies to an object of type
    /// `type_name`: the same type, or an interface or union it belongs to.
    fn applies(&self, condition: &str, type_name: &str) -> bool {
        condition == type_name
            || self
                .registry
                .types
                .get(condition)
                .is_some_and(|meta| meta.is_possible_type(type_name))
    }

    /// The fields of `selection` on type `type_name`, the fragments that
    /// apply to it spread in; `None` when it holds a directive.
    fn fields<'s>(
        &'s self,
        type_name: &str,
        selection: &'s SelectionSet,
        out: &mut Vec<&'s Field>,
    ) -> Option<()> {
        for item in &selection.items {
            match &item.node {
                Selection::Field(field) => {
                    if !field.node.directives.is_empty() {
                        return None;
                    }
                    out.push(&field.node);
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = &self.fragments.get(&spread.node.fragment_name.node)?.node;
                    if !spread.node.directives.is_empty() || !fragment.directives.is_empty() {
                        return None;
                    }
                    if self.applies(&fragment.type_condition.node.on.node, type_name) {
                        self.fields(type_name, &fragment.selection_set.node, out)?;
                    }
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    if !inline.directives.is_empty() {
                        return None;
                    }
                    let applies = inline
                        .type_condition
                        .as_ref()
                        .is_none_or(|on| self.applies(&on.node.on.node, type_name));
                    if applies {
                        self.fields(type_name, &inline.selection_set.node, out)?;
                    }
                }
            }
        }
        Some(())
    }

    /// `json_build_object` of the fields of `selection` on type `type_name`,
    /// each built by `value`; `None` when a field cannot be built or a
    /// response key repeats.
    pub fn build(
        &self,
        type_name: &str,
        selection: &SelectionSet,
        mut value: impl FnMut(&Field) -> Option<Expr>,
    ) -> Option<Expr> {
        let mut fields = Vec::new();
        self.fields(type_name, selection, &mut fields)?;
        if fields.is_empty() || fields.len() > MAX_FIELDS {
            return None;
        }
        let mut keys = HashSet::new();
        let mut template = String::from("json_build_object(");
        let mut values = Vec::with_capacity(fields.len());
        for (index, field) in fields.into_iter().enumerate() {
            let key = field.alias.as_ref().unwrap_or(&field.name).node.as_str();
            if !keys.insert(key) {
                return None;
            }
            let built = if field.name.node == "__typename" {
                if !field.arguments.is_empty() || !field.selection_set.node.items.is_empty() {
                    return None;
                }
                literal(type_name)?
            } else {
                value(field)?
            };
            values.push(built);
            if index > 0 {
                template.push_str(", ");
            }
            // Response keys are GraphQL names: letters, digits and `_`.
            template.push_str(&format!("'{key}', ${}", index + 1));
        }
        template.push(')');
        Some(Expr::cust_with_exprs(template, values))
    }

    /// The object of a row of `N` for `selection`, its columns in table (or
    /// alias) `row`, and the columns it reads.
    pub fn object<N: JsonNode>(&self, selection: &SelectionSet, row: &str) -> Option<Built> {
        self.built_in::<N>(selection, &Row::new(row))
    }

    /// The object of a row of `N` for `selection`, its columns at `row`,
    /// and the columns it reads there.
    fn built_in<N: JsonNode>(&self, selection: &SelectionSet, row: &Row) -> Option<Built> {
        let object = self.object_in::<N>(selection, row)?;
        Some(Built {
            object,
            columns: row.used.take(),
        })
    }

    /// The object of a row of `N` for `selection`, its columns at `row`.
    fn object_in<N: JsonNode>(&self, selection: &SelectionSet, row: &Row) -> Option<Expr> {
        let column = |name: &str| row.column(name);
        let sql = |name: &str| row.sql(name);
        self.build(N::TYPE_NAME, selection, |field| {
            let shape = N::json_field(field.name.node.as_str())?;
            let lang = match shape {
                JsonField::Localized { .. } => self.lang_argument(field)?,
                // Its arguments are the list's paging.
                JsonField::List(_) => self.lang,
                _ if field.arguments.is_empty() => self.lang,
                _ => return None,
            };
            let leaf = field.selection_set.node.items.is_empty();
            match shape {
                JsonField::Id => leaf.then(|| {
                    Expr::cust(format!(
                        "translate(encode(convert_to('{}:' || {}, 'UTF8'), 'base64'), E'+/=\\n', '-_')",
                        N::TYPE_NAME,
                        sql(N::id_column().as_str())
                    ))
                }),
                JsonField::Column(name) => leaf.then(|| column(name)),
                JsonField::Code { column: name, names } => {
                    if !leaf {
                        return None;
                    }
                    code_case(&sql(name), &names())
                }
                JsonField::Localized { en, uk } => leaf.then(|| match lang {
                    Lang::En => column(en),
                    Lang::Uk => Expr::cust(format!("coalesce(nullif({}, ''), {})", sql(uk), sql(en))),
                }),
                JsonField::Date(name) => {
                    leaf.then(|| Expr::cust(format!("to_char({}, 'YYYY-MM-DD')", sql(name))))
                }
                JsonField::Money { minor, currency } => {
                    self.money(&field.selection_set.node, &sql(minor), &sql(currency))
                }
                JsonField::ToOne { column: name, object } => {
                    if leaf {
                        return None;
                    }
                    let Some((_, prefix)) = row.joined.as_ref().filter(|(j, _)| *j == name) else {
                        return object(self, &field.selection_set.node, Source::Id(column(name)));
                    };
                    // The joined row's columns, read through the listed row's.
                    let joined = Row {
                        alias: row.alias.clone(),
                        prefix: prefix.clone(),
                        joined: None,
                        used: RefCell::default(),
                    };
                    let built = object(self, &field.selection_set.node, Source::Joined(&joined));
                    row.used.borrow_mut().append(&mut joined.used.borrow_mut());
                    built
                }
                JsonField::List(list) => {
                    if leaf {
                        return None;
                    }
                    list(self, field, column(N::id_column().as_str()))
                }
            }
        })
    }

    /// The language of a field with a `lang` argument: the literal given, or
    /// the request's; `None` for any other argument or a variable.
    fn lang_argument(&self, field: &Field) -> Option<Lang> {
        match field.arguments.as_slice() {
            [] => Some(self.lang),
            // A variable has no constant value: the general path reads it.
            [(name, value)] if name.node == "lang" => match value.node.clone().into_const()? {
                async_graphql::Value::Enum(value) => Lang::items()
                    .iter()
                    .find(|item| item.name == value.as_str())
                    .map(|item| item.value),
                async_graphql::Value::Null => Some(self.lang),
                _ => None,
            },
            _ => None,
        }
    }

    /// A `Money` object: the amount as a decimal string with the currency's
    /// digits ([`money::format_minor`]), and the currency.
    fn money(&self, selection: &SelectionSet, minor: &str, currency: &str) -> Option<Expr> {
        let list = |codes: &[&str]| {
            codes
                .iter()
                .map(|code| format!("'{code}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let digits = format!(
            "CASE WHEN {currency} IN ({}) THEN 0 WHEN {currency} IN ({}) THEN 3 ELSE 2 END",
            list(&money::NO_DECIMALS),
            list(&money::THREE_DECIMALS)
        );
        self.build("Money", selection, |field| {
            if !field.arguments.is_empty() || !field.selection_set.node.items.is_empty() {
                return None;
            }
            match field.name.node.as_str() {
                "amount" => Some(Expr::cust(format!(
                    "CAST(round(CAST({minor} AS numeric) / power(CAST(10 AS numeric), {digits}), {digits}) AS text)"
                ))),
                "currency" => Some(Expr::cust(currency.to_owned())),
                _ => None,
            }
        })
    }
}

/// `object` as PostgreSQL SQL text, its values written in as literals;
/// `None` when a value holds a character the writer would not write as it
/// is bound (U+001A, written `\z`, which PostgreSQL reads as `z`).
fn inline(object: &Expr) -> Option<String> {
    let select = Query::select().expr(object.clone()).to_owned();
    let (_, values) = select.build(sea_orm::sea_query::PostgresQueryBuilder);
    let faithful = values.iter().all(|value| match value {
        sea_orm::sea_query::Value::String(Some(text)) => !text.contains('\u{1a}'),
        sea_orm::sea_query::Value::Char(Some(c)) => *c != '\u{1a}',
        _ => true,
    });
    if !faithful {
        return None;
    }
    let sql = select.to_string(sea_orm::sea_query::PostgresQueryBuilder);
    Some(match sql.strip_prefix("SELECT ") {
        Some(object) => object.to_owned(),
        None => sql,
    })
}

/// A string literal of a type name or code (no quotes or placeholders in it).
fn literal(text: &str) -> Option<Expr> {
    let plain = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    plain.then(|| Expr::cust(format!("'{text}'")))
}

/// `CASE column WHEN code THEN name … END`: the enum value of a stored code,
/// null for null. A code the enum does not know fails the statement (a cast
/// that cannot succeed), as it fails the field on the general path, instead
/// of answering null where the schema promises a value.
fn code_case(column: &str, names: &[(&str, &str)]) -> Option<Expr> {
    let mut sql = format!("CASE {column}");
    for (code, name) in names {
        literal(code)?;
        literal(name)?;
        sql.push_str(&format!(" WHEN '{code}' THEN '{name}'"));
    }
    sql.push_str(&format!(
        " ELSE CASE WHEN {column} IS NULL THEN NULL \
         ELSE CAST(CAST('unknown stored code ' || {column} AS integer) AS text) END END"
    ));
    Some(Expr::cust(sql))
}

/// Loads the nodes of one page of nested list `R` per parent as a JSON
/// array built by PostgreSQL; one statement per distinct page.
pub struct JsonPages<R> {
    db: DatabaseConnection,
    principal: Principal,
    /// The object of a node, over the page's rows ([`PAGE`]); `None` when
    /// the selection of this place cannot be built as JSON.
    object: Option<Built>,
    relation: PhantomData<fn() -> R>,
}

impl<R: Children> JsonPages<R> {
    /// Whether this place's nodes are built as JSON.
    pub fn builds(&self) -> bool {
        self.object.is_some()
    }

    /// The loader of the pages whose nodes are built by `object`.
    pub fn new(db: DatabaseConnection, principal: Principal, object: Option<Built>) -> Self {
        Self {
            db,
            principal,
            object,
            relation: PhantomData,
        }
    }

    /// The statement: for each parent, its page through the sort index
    /// (`LATERAL … LIMIT`) and the page's nodes aggregated in list order.
    fn statement(&self, built: &Built, parents: &[i64], page: &Page) -> Result<SelectStatement> {
        let parents_alias = Alias::new("__parents");
        // `VALUES` names its column `column1`.
        let parent_id = (parents_alias.clone(), Alias::new("column1"));
        // The parents come from the resolvers: the rows check all of their visibility.
        let select = R::select(&self.principal);
        let (mut rows, key) = page_rows::<R>(select, page, Expr::col(parent_id.clone()))?;
        built.narrow::<R::Entity>(&mut rows, None, &[key.column.as_str(), key.id.as_str()]);
        let aggregated = aggregate(built.object.clone(), key, PAGE, AS_TEXT)
            .from_subquery(rows, Alias::new(PAGE))
            .to_owned();
        Ok(Query::select()
            .expr_as(Expr::col(parent_id), Alias::new("__parent"))
            .column((Alias::new("__json"), Alias::new("nodes")))
            .from_values(parents.iter().copied(), parents_alias)
            .join_lateral(
                JoinType::InnerJoin,
                aggregated,
                Alias::new("__json"),
                Expr::cust("TRUE"),
            )
            .to_owned())
    }
}

impl<R: Children> Loader<(i64, Page)> for JsonPages<R> {
    type Value = Arc<str>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[(i64, Page)],
    ) -> std::result::Result<HashMap<(i64, Page), Arc<str>>, Arc<AppError>> {
        let mut by_page: HashMap<&Page, Vec<i64>> = HashMap::new();
        for (parent, page) in keys {
            by_page.entry(page).or_default().push(*parent);
        }
        let mut out = HashMap::new();
        for (page, parents) in by_page {
            let Some(object) = &self.object else {
                // Not built as JSON: the general path answers this place.
                continue;
            };
            let query = self.statement(object, &parents, page).map_err(Arc::new)?;
            let statement = self.db.get_database_backend().build(&query);
            let rows = self
                .db
                .query_all_raw(statement)
                .await
                .map_err(|e| Arc::new(AppError::from(e)))?;
            for row in rows {
                let parent: i64 = row
                    .try_get("", "__parent")
                    .map_err(|e| Arc::new(e.into()))?;
                let nodes: String = row.try_get("", "nodes").map_err(|e| Arc::new(e.into()))?;
                out.insert((parent, page.clone()), Arc::from(nodes));
            }
        }
        Ok(out)
    }
}

/// Turns a page's JSON array into the response value of its nodes.
pub fn nodes_value(json: &str) -> Result<async_graphql::Value> {
    serde_json::from_str(json)
        .map_err(|e| AppError::internal(format!("a page built as JSON does not parse: {e}")))
}

/// A JSON text PostgreSQL built: owned (a root page, one object) or shared
/// (a nested page, kept by its loader for the request).
pub enum JsonText {
    /// Owned by the response.
    Owned(String),
    /// Shared with a loader.
    Shared(Arc<str>),
}

impl std::ops::Deref for JsonText {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Self::Owned(text) => text,
            Self::Shared(text) => text,
        }
    }
}

impl From<String> for JsonText {
    fn from(text: String) -> Self {
        Self::Owned(text)
    }
}

impl From<Arc<str>> for JsonText {
    fn from(text: Arc<str>) -> Self {
        Self::Shared(text)
    }
}

impl JsonText {
    /// The text without the whitespace between its tokens, as bytes (an
    /// owned text in place, without a copy).
    fn minified(self) -> Bytes {
        match self {
            Self::Owned(text) => {
                let mut bytes = text.into_bytes();
                let kept = minify(&mut bytes);
                bytes.truncate(kept);
                Bytes::from(bytes)
            }
            Self::Shared(text) => {
                let mut bytes = text.as_bytes().to_vec();
                let kept = minify(&mut bytes);
                bytes.truncate(kept);
                Bytes::from(bytes)
            }
        }
    }
}

/// JSON texts PostgreSQL built for one response, written into the
/// response as they are (whitespace left out) instead of being parsed into
/// values and written out again: a large page is moved, not turned into a
/// tree of values and back. Where a text goes, the response's value holds a
/// placeholder: a string of a marker random to this response and the
/// text's index.
pub struct Splices {
    marker: String,
    texts: std::sync::Mutex<Vec<JsonText>>,
}

impl Default for Splices {
    fn default() -> Self {
        Self {
            marker: format!("__json_{}_", uuid::Uuid::new_v4().simple()),
            texts: std::sync::Mutex::new(Vec::new()),
        }
    }
}

impl Splices {
    /// The placeholder of `json`, a JSON text, in the response's value.
    pub fn value(&self, json: JsonText) -> async_graphql::Value {
        let mut texts = self.texts.lock().unwrap_or_else(|e| e.into_inner());
        texts.push(json);
        async_graphql::Value::String(format!("{}{}", self.marker, texts.len() - 1))
    }

    /// The response: `body`, its text, in parts (slices of it, and each
    /// placeholder's JSON text in its place).
    pub fn apply(&self, body: String) -> Vec<Bytes> {
        let texts = std::mem::take(&mut *self.texts.lock().unwrap_or_else(|e| e.into_inner()));
        if texts.is_empty() {
            return vec![Bytes::from(body)];
        }
        let texts: Vec<Bytes> = texts.into_iter().map(JsonText::minified).collect();
        let quoted = format!("\"{}", self.marker);
        // Each placeholder: where it starts, where it ends, its text.
        let mut found = Vec::with_capacity(texts.len());
        let mut from = 0;
        while let Some(at) = body[from..].find(&quoted).map(|at| from + at) {
            let after = at + quoted.len();
            let digits = body[after..].bytes().take_while(u8::is_ascii_digit).count();
            let end = after + digits;
            let text = body[after..end]
                .parse::<usize>()
                .ok()
                .filter(|_| body[end..].starts_with('"'))
                .and_then(|index| texts.get(index));
            match text {
                Some(text) => {
                    found.push((at, end + 1, text.clone()));
                    from = end + 1;
                }
                // Not a placeholder of this response (it cannot be: the
                // marker is random): kept as it is.
                None => from = after,
            }
        }
        let body = Bytes::from(body);
        let mut parts = Vec::with_capacity(2 * found.len() + 1);
        let mut start = 0;
        for (at, end, text) in found {
            parts.push(body.slice(start..at));
            parts.push(text);
            start = end;
        }
        parts.push(body.slice(start..));
        parts
    }
}

/// Whether a selection set of the operation `name` of `document` holds a
/// response key twice (fragments spread in). The engine resolves such fields
/// once, their selections merged, while a statement is built from the
/// selection of the field it resolves: such a request takes the general path
/// ([`crate::loader::Loaders::general_only`]). Documents too large to walk
/// here count as repeating.
pub fn keys_repeat(document: &ExecutableDocument, name: Option<&str>) -> bool {
    let Some(operation) = crate::guard::operation(document, name) else {
        return false;
    };
    let mut budget = 10_000_usize;
    repeats(document, &operation.selection_set.node, &mut budget)
}

fn repeats(document: &ExecutableDocument, selection: &SelectionSet, budget: &mut usize) -> bool {
    let mut fields = Vec::new();
    if !collect(document, selection, &mut fields, budget) {
        return true;
    }
    let mut keys = HashSet::new();
    for field in &fields {
        if !keys.insert(field.alias.as_ref().unwrap_or(&field.name).node.as_str()) {
            return true;
        }
    }
    fields
        .iter()
        .any(|field| repeats(document, &field.selection_set.node, budget))
}

/// The fields of `selection`, fragments spread in; `false` when the walk
/// ran out of `budget` (or a fragment is missing).
fn collect<'d>(
    document: &'d ExecutableDocument,
    selection: &'d SelectionSet,
    out: &mut Vec<&'d Field>,
    budget: &mut usize,
) -> bool {
    for item in &selection.items {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let inner = match &item.node {
            Selection::Field(field) => {
                out.push(&field.node);
                continue;
            }
            Selection::InlineFragment(inline) => &inline.node.selection_set.node,
            Selection::FragmentSpread(spread) => {
                match document.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) => &fragment.node.selection_set.node,
                    None => return false,
                }
            }
        };
        if !collect(document, inner, out, budget) {
            return false;
        }
    }
    true
}

/// Moves the tokens of JSON text `json` to its front without the whitespace
/// between them; the length they then take.
fn minify(json: &mut [u8]) -> usize {
    let len = json.len();
    let mut read = 0;
    let mut kept = 0;
    while read < len {
        let byte = json[read];
        if byte == b'"' {
            // A string, through its closing quote, moved in one piece: most
            // of a page's bytes are in strings.
            let start = read;
            read += 1;
            while read < len {
                match memchr::memchr2(b'"', b'\\', &json[read..]) {
                    Some(offset) if json[read + offset] == b'\\' => read += offset + 2,
                    Some(offset) => {
                        read += offset + 1;
                        break;
                    }
                    None => read = len,
                }
            }
            let end = read.min(len);
            json.copy_within(start..end, kept);
            kept += end - start;
            read = end;
        } else {
            // Whitespace is ASCII: what is kept stays UTF-8.
            if !matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
                json[kept] = byte;
                kept += 1;
            }
            read += 1;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{ projects { nodes { … } } }` with `nodes` the selection of the nodes.
    fn projects_query(nodes: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(format!("{{ projects {{ nodes {{ {nodes} }} }} }}"))
            .expect("query")
    }

    /// The field `projects` of [`projects_query`] and the selection of its nodes.
    fn projects_and_nodes(document: &ExecutableDocument) -> (&Positioned<Field>, &SelectionSet) {
        let operation = document.operations.iter().next().expect("operation").1;
        let Selection::Field(projects) = &operation.node.selection_set.node.items[0].node else {
            panic!("a field");
        };
        let Selection::Field(nodes) = &projects.node.selection_set.node.items[0].node else {
            panic!("a field");
        };
        (projects, &nodes.node.selection_set.node)
    }

    /// A root page of projects and the participants under each, as
    /// PostgreSQL's statement text, for the nodes' selection `nodes`.
    fn projects_statement(nodes: &str) -> String {
        let document = projects_query(nodes);
        let (_, nodes) = projects_and_nodes(&document);
        let registry = Registry::default();
        let principal = Principal::Anonymous;
        let compiler = Compiler::new(&document.fragments, &registry, &principal, Lang::En);
        let built = compiler
            .object::<entity::project::Entity>(nodes, PAGE)
            .expect("built");
        let key = crate::project::service::newest_first(
            entity::project::Column::CreatedAt,
            entity::project::Column::Id,
        );
        let page = PageArgs {
            first: Some(50),
            ..PageArgs::default()
        }
        .validate(key.name)
        .expect("page");
        let statement =
            root_page(entity::project::Entity::find(), key, &page, built).expect("statement");
        statement.to_string(sea_orm::sea_query::PostgresQueryBuilder)
    }

    #[test]
    fn an_object_is_compiled_once_per_document_caller_and_language() {
        let document = projects_query(
            "code title participants(first: 10) { nodes { allianceRole member { name } } }",
        );
        let (projects, selection) = projects_and_nodes(&document);
        let registry = Registry::default();
        let budget = Arc::new(AtomicUsize::new(0));
        let objects = Objects::new(budget.clone());
        let anonymous = Principal::Anonymous;
        let admin = |subject: &str| Principal::User {
            subject: subject.into(),
            role: crate::auth::Role::Admin,
            member_id: None,
            applicant: false,
        };
        let compile_in = |objects: &Objects, principal: &Principal, lang: Lang| {
            Compiler::new(&document.fragments, &registry, principal, lang)
                .keeping(Some(objects))
                .page_object::<entity::project::Entity>(projects.pos, selection)
                .expect("built")
        };
        let compile = |principal: &Principal, lang: Lang| compile_in(&objects, principal, lang);
        let sql = |built: Built| (inline(&built.object).expect("inlined"), built.columns);
        let fresh = Compiler::new(&document.fragments, &registry, &anonymous, Lang::En)
            .object::<entity::project::Entity>(selection, PAGE)
            .expect("built");
        let fresh = sql(fresh);
        assert!(objects.is_empty());
        // Compiled once, then taken as kept: the same SQL, values written in.
        let first = sql(compile(&anonymous, Lang::En));
        assert_eq!(objects.len(), 1);
        let again = sql(compile(&anonymous, Lang::En));
        assert_eq!(objects.len(), 1, "taken as kept");
        assert_eq!(first, fresh);
        assert_eq!(again, fresh);
        assert!(first.0.contains("'ACTIVE'"), "{}", first.0);
        assert!(!first.0.contains('$'), "no placeholders: {}", first.0);
        // Another caller sees other rows; another language other text.
        let other_caller = sql(compile(&admin("one"), Lang::En));
        let other_lang = sql(compile(&anonymous, Lang::Uk));
        assert_eq!(objects.len(), 3);
        assert_ne!(other_caller.0, first.0);
        assert_ne!(other_lang.0, first.0);
        assert!(other_lang.0.contains("title_uk"), "{}", other_lang.0);
        // Callers who may see the same share them.
        assert_eq!(sql(compile(&admin("another"), Lang::En)), other_caller);
        assert_eq!(objects.len(), 3);
        // Their bytes count against the service's budget while kept.
        assert!(budget.load(Ordering::Relaxed) > 0);
        drop(objects);
        assert_eq!(budget.load(Ordering::Relaxed), 0);
        // With the budget spent, objects are compiled for the request alone.
        let full = Objects::new(Arc::new(AtomicUsize::new(OBJECT_BYTES)));
        assert_eq!(sql(compile_in(&full, &anonymous, Lang::En)), fresh);
        assert!(full.is_empty());
    }

    #[test]
    fn values_are_written_in_as_bound_or_the_object_is_not_kept() {
        let object = |text: &str| {
            Expr::cust_with_exprs(
                "json_build_object('after', $1, 'first', $2)",
                [Expr::val(text), Expr::val(20_i64)],
            )
        };
        assert_eq!(
            inline(&object("O'Brien")).as_deref(),
            Some("json_build_object('after', E'O\\'Brien', 'first', 20)")
        );
        // U+001A would be written `\z`, which PostgreSQL reads as `z`.
        assert_eq!(inline(&object("a\u{1a}b")), None);
    }

    #[test]
    fn pages_read_only_the_columns_their_nodes_show() {
        let narrow = projects_statement(
            "code title owner { name } participants(first: 10) { nodes { allianceRole member { name } } }",
        );
        // What the nodes show, the sort key, and the ids the lists and
        // rows under them are found by.
        for shown in [
            "\"code\"",
            "\"title_en\"",
            "\"created_at\"",
            "\"owner_id\"",
            "\"alliance_role\"",
            "\"member_id\"",
        ] {
            assert!(narrow.contains(shown), "{shown} in {narrow}");
        }
        // Neither the projects' texts they do not show, nor the
        // participants' other columns, are carried through the sorts.
        for left_out in [
            "description_en",
            "description_uk",
            "budget_minor",
            "iati_role",
        ] {
            assert!(!narrow.contains(left_out), "{left_out} in {narrow}");
        }
        let wide = projects_statement("code description");
        assert!(wide.contains("\"description_en\""), "{wide}");
        assert!(!wide.contains("budget_minor"), "{wide}");
    }

    #[test]
    fn placeholders_become_their_texts_without_whitespace() {
        let splices = Splices::default();
        let first = splices.value(JsonText::Owned(
            "[{\"a\" : \"x y\\\" \\\\\"}, \n {\"b\" : [1, 2]}]".to_owned(),
        ));
        let second = splices.value(JsonText::Shared(Arc::from("[]")));
        let body =
            serde_json::json!({ "data": { "one": first, "two": second, "text": "\"__json_" } });
        let spliced = text(splices.apply(body.to_string()));
        let value: serde_json::Value = serde_json::from_str(&spliced).expect("JSON");
        assert_eq!(
            value,
            serde_json::json!({ "data": {
                "one": [{ "a": "x y\" \\" }, { "b": [1, 2] }],
                "two": [],
                "text": "\"__json_",
            } })
        );
        assert!(
            spliced.contains(r#"[{"a":"x y\" \\"},{"b":[1,2]}]"#),
            "{spliced}"
        );
    }

    #[test]
    fn a_marker_of_another_response_is_left_as_it_is() {
        let ours = Splices::default();
        let theirs = Splices::default();
        let value = theirs.value(JsonText::Owned("[1]".to_owned()));
        ours.value(JsonText::Owned("[2]".to_owned()));
        let body = serde_json::json!({ "data": value }).to_string();
        assert_eq!(text(ours.apply(body.clone())), body);
    }

    /// The parts of a response as one text.
    /// Whitespace outside strings goes, everything in strings stays, quote
    /// by quote: checked against a walk of one byte at a time.
    #[test]
    fn minify_keeps_strings_and_drops_whitespace_between_tokens() {
        fn byte_by_byte(json: &[u8]) -> Vec<u8> {
            let (mut in_string, mut escaped, mut out) = (false, false, Vec::new());
            for &byte in json {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if byte == b'\\' {
                        escaped = true;
                    } else if byte == b'"' {
                        in_string = false;
                    }
                } else if byte == b'"' {
                    in_string = true;
                } else if matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
                    continue;
                }
                out.push(byte);
            }
            out
        }
        for json in [
            "",
            "[]",
            "[{\"a\" : \"x y\"}, \n {\"b\" : [1, 2]}]",
            "{\"q\" : \"say \\\"hi\\\" \", \"s\" : \"back\\\\\"  , \"t\" : \"\\\\\\\"\"}",
            "{\"uk\" : \"Ремонт даху   дитячого садка\", \"n\" : null}",
            "[\"unterminated \\",
            "[\"open",
            "  \t\r\n{ }  ",
        ] {
            let mut bytes = json.as_bytes().to_vec();
            let kept = minify(&mut bytes);
            assert_eq!(
                &bytes[..kept],
                byte_by_byte(json.as_bytes()).as_slice(),
                "{json:?}"
            );
        }
    }

    fn text(parts: Vec<Bytes>) -> String {
        String::from_utf8(parts.concat()).expect("UTF-8")
    }
}
