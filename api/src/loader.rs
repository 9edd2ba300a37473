//! Per-request batched loading: SQL statements per request grow with the depth
//! of the query, never with the number of rows.
//!
//! [`Loaders`] lives in each request's context and creates the DataLoaders the
//! query needs on first use: one by id per entity, and one page loader and one
//! count loader per nested list ([`Children`]). Rows read by id are kept for
//! the request; a list's statement joins in the to-one rows its nodes show
//! ([`ToOne`]) and hands them to the by-id loaders, so a query costs one
//! statement per list (and per by-id level not under a list), not one per
//! place that shows a row.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::task::AtomicWaker;

use async_graphql::dataloader::{CacheFactory, DataLoader, HashMapCache, Loader, NoCache};
use sea_orm::sea_query::{Alias, DynIden, Expr, ExprTrait, IntoIden, JoinType, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    IdenStatic, Iterable, ModelTrait, QueryFilter, QueryResult, QueryTrait, Select, Value,
};

use crate::audit::append::Appends;
use crate::auth::Principal;
use crate::compiled::{JsonPages, JsonText, Splices};
use crate::error::{AppError, Result};
use crate::metrics::Metrics;
use crate::pagination::{self, Page, PageOf, Parent, SortKey, TotalCount};

/// An entity the API serves: its id column and who may see which rows.
pub trait Table:
    EntityTrait<
        Model: ModelTrait<Entity = Self>
                   + FromQueryResult
                   + Clone
                   + Send
                   + Sync
                   + serde::Serialize
                   + 'static,
    > + Send
    + Sync
    + 'static
{
    /// The primary-key column.
    fn id_column() -> Self::Column;
    /// The rows `principal` may see.
    fn visible(principal: &Principal) -> Condition;
    /// The id of a row.
    fn id_of(model: &Self::Model) -> i64 {
        match model.get(Self::id_column()) {
            Value::BigInt(Some(id)) => id,
            _ => 0,
        }
    }
    /// The visible rows.
    fn find_visible(principal: &Principal) -> Select<Self> {
        Self::find().filter(Self::visible(principal))
    }
    /// What [`visible`](Self::visible) still asks of a row whose `column`
    /// references a row the caller may see: the conditions that reference
    /// implies left out (by default, none is).
    fn visible_under(principal: &Principal, column: &str) -> Condition {
        let _ = column;
        Self::visible(principal)
    }
    /// The row of another entity whose visibility is all that
    /// [`visible_under`](Self::visible_under)`(principal, column)` asks of a
    /// row (a participant under its visible project asks only that its
    /// member be visible), when that is so: a statement may then join that
    /// row's visible rows instead of checking each row apart, and show the
    /// row from the join.
    fn visible_under_through(column: &str) -> Option<Through> {
        let _ = column;
        None
    }
    /// The rows of other entities each row points to (a project's owner, a
    /// participant's member) that a list of these rows reads in its own
    /// statement when the query shows them ([`ToOne`]).
    fn to_one() -> Vec<ToOne> {
        Vec::new()
    }
}

/// The row of `E` with `id` if `principal` may see it. A write that refers
/// to a record of another kind (a funder, a participant, an actor, an offer)
/// checks it this way: a reference to a record the caller may not see is
/// answered as one to no record, so a write reveals nothing hidden.
pub async fn find_visible_by_id<E: Table>(
    db: &impl sea_orm::ConnectionTrait,
    principal: &Principal,
    id: i64,
) -> Result<Option<E::Model>> {
    use sea_orm::ColumnTrait;
    Ok(E::find_visible(principal)
        .filter(E::id_column().eq(id))
        .one(db)
        .await?)
}

/// A row of another entity that each listed row points to by a column of its
/// own (a project's owner, a participant's member). When a query shows it
/// under a list, the list's statement joins it in (visibility applied) and
/// hands the rows to the request's by-id loader: the field then costs no
/// statement of its own, and a list is one statement however many to-one
/// fields its nodes show.
pub struct ToOne {
    /// The field of the listed node that shows the row.
    field: &'static str,
    /// The column of the listed rows that holds the row's id.
    column: &'static str,
    bind: fn(&Loaders) -> Arc<dyn JoinedRows>,
}

impl ToOne {
    /// The row of `E` whose id is in `column`, shown as `field`. `E`'s
    /// visibility ([`Table::visible`]) must name only `E`'s own table (it
    /// becomes a subquery joined by id).
    pub fn of<E: Table>(field: &'static str, column: &'static str) -> Self {
        Self {
            field,
            column,
            bind: |loaders| {
                Arc::new(Joined::<E> {
                    principal: loaders.principal.clone(),
                    by_id: loaders.by_id::<E>(),
                })
            },
        }
    }
}

/// A row that each row of a list points to by a column of its own and
/// whose visibility decides the listed row's ([`Table::visible_under_through`]).
#[derive(Clone, Copy)]
pub struct Through {
    /// The column of the listed rows that holds the row's id.
    pub column: &'static str,
    join: fn(&Principal, &mut SelectStatement, DynIden, &'static str, &str),
}

impl Through {
    /// The row of `E` whose id is in `column`. `E`'s visibility must name
    /// only `E`'s own table, as for [`ToOne::of`].
    pub fn of<E: Table>(column: &'static str) -> Self {
        Self {
            column,
            join: |principal, query, listed, column, alias| {
                join_visible::<E>(principal, query, JoinType::InnerJoin, listed, column, alias);
            },
        }
    }

    /// Joins the visible rows to `query`, a statement that lists rows of the
    /// table `listed`, under alias `alias`: rows whose row is hidden are left
    /// out, and the row's columns are added as `{alias}_{column}`.
    pub fn join(
        &self,
        principal: &Principal,
        query: &mut SelectStatement,
        listed: &str,
        alias: &str,
    ) {
        (self.join)(
            principal,
            query,
            Alias::new(listed).into_iden(),
            self.column,
            alias,
        );
    }
}

/// Joins the visible rows of `E` whose id is in `listed.column` to `query`
/// under alias `alias`, and adds their columns as `{alias}_{column}`.
fn join_visible<E: Table>(
    principal: &Principal,
    query: &mut SelectStatement,
    join: JoinType,
    listed: DynIden,
    column: &'static str,
    alias: &str,
) {
    let visible = E::find_visible(principal).into_query();
    query.join_subquery(
        join,
        visible,
        Alias::new(alias),
        Expr::col((Alias::new(alias), E::id_column())).equals((listed, Alias::new(column))),
    );
    for c in <E::Column as Iterable>::iter() {
        query.expr_as(
            Expr::col((Alias::new(alias), c)),
            Alias::new(format!("{alias}_{}", c.as_str())),
        );
    }
}

/// A [`ToOne`] row a list's statement reads, bound to a request.
#[derive(Clone)]
pub struct Join {
    column: &'static str,
    rows: Arc<dyn JoinedRows>,
}

impl Join {
    /// Adds the joined row's columns to `query`, a statement that lists rows
    /// of the table (or alias) `listed`; `index` tells the joins of one
    /// statement apart.
    pub fn add_to(&self, query: &mut SelectStatement, listed: &str, index: usize) {
        self.rows
            .add_to(query, Alias::new(listed).into_iden(), self.column, index);
    }

    /// Hands the joined rows of the statement's result to the by-id loader.
    pub fn feed(&self, rows: &[QueryResult], index: usize) -> Result<()> {
        self.rows.feed(rows, index)
    }
}

/// The type-erased work of a bound [`ToOne`].
pub trait JoinedRows: Send + Sync {
    /// See [`Join::add_to`].
    fn add_to(
        &self,
        query: &mut SelectStatement,
        listed: DynIden,
        column: &'static str,
        index: usize,
    );
    /// See [`Join::feed`].
    fn feed(&self, rows: &[QueryResult], index: usize) -> Result<()>;
}

struct Joined<E: Table> {
    principal: Principal,
    by_id: Arc<DataLoader<ById<E>, HashMapCache>>,
}

/// The alias of the `index`th joined row and the prefix of its columns.
fn join_alias(index: usize) -> String {
    format!("__j{index}")
}

/// The result column holding the joined row's key, as the listed row has it.
fn join_key(index: usize) -> String {
    format!("__k{index}")
}

impl<E: Table> JoinedRows for Joined<E> {
    fn add_to(
        &self,
        query: &mut SelectStatement,
        listed: DynIden,
        column: &'static str,
        index: usize,
    ) {
        let alias = join_alias(index);
        join_visible::<E>(
            &self.principal,
            query,
            JoinType::LeftJoin,
            listed.clone(),
            column,
            &alias,
        );
        query.expr_as(
            Expr::col((listed, Alias::new(column))),
            Alias::new(join_key(index)),
        );
    }

    fn feed(&self, rows: &[QueryResult], index: usize) -> Result<()> {
        let prefix = format!("{}_", join_alias(index));
        let key = join_key(index);
        let id = format!("{prefix}{}", E::id_column().as_str());
        let mut seen = std::collections::HashSet::new();
        let mut fed = Vec::new();
        for row in rows {
            let Some(key) = row.try_get::<Option<i64>>("", &key)? else {
                continue;
            };
            if !seen.insert(key) {
                continue;
            }
            // Null columns: the row is not there, or the caller may not see it.
            let value = match row.try_get::<Option<i64>>("", &id)? {
                Some(_) => Some(Arc::new(E::Model::from_query_result(row, &prefix)?)),
                None => None,
            };
            fed.push((key, value));
        }
        fed_at_once(self.by_id.feed_many(fed))
    }
}

/// Feeding a cache awaits nothing: it is done on the first poll; one that
/// would wait is an error, not a silently empty cache.
fn fed_at_once(feeding: impl Future<Output = ()>) -> Result<()> {
    feeding
        .now_or_never()
        .ok_or_else(|| AppError::internal("feeding a loader's cache had to wait"))
}

/// A nested list: the rows of `Entity` that belong to a parent row.
pub trait Children: Send + Sync + 'static {
    /// The listed entity.
    type Entity: Table;
    /// The rows to list, visibility applied, joins added when the parent key is not a column of `Entity`.
    fn select(principal: &Principal) -> Select<Self::Entity> {
        Self::Entity::find_visible(principal)
    }
    /// The rows to list under a parent that is itself a row the caller may
    /// see (read through its visibility in the same statement): the same
    /// rows as [`select`](Self::select) gives under that parent, without
    /// checking again what the parent implies.
    fn select_under_visible(principal: &Principal) -> Select<Self::Entity> {
        Self::select(principal)
    }
    /// When [`select_under_visible`](Self::select_under_visible) is exactly
    /// the entity's rows under the parent whose row in one column is visible:
    /// that row ([`Table::visible_under_through`]).
    fn through_under_visible() -> Option<Through> {
        None
    }
    /// Where the parent key is.
    fn parent() -> Parent;
    /// The fixed order of the list.
    fn sort() -> SortKey<Self::Entity>;
}

/// Loads visible rows of `E` by id. Rows are shared (`Arc`): a row shown in
/// several places of a response is read and kept once. A row that is not
/// there (or not visible) is `None`, so that it is not asked for again.
pub struct ById<E> {
    db: DatabaseConnection,
    principal: Principal,
    entity: PhantomData<fn() -> E>,
}

impl<E: Table> Loader<i64> for ById<E> {
    type Value = Option<Arc<E::Model>>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[i64],
    ) -> Result<HashMap<i64, Option<Arc<E::Model>>>, Arc<AppError>> {
        let rows = E::find_visible(&self.principal)
            .filter(E::id_column().is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        let mut found: HashMap<i64, Option<Arc<E::Model>>> =
            keys.iter().map(|key| (*key, None)).collect();
        for row in rows {
            found.insert(E::id_of(&row), Some(Arc::new(row)));
        }
        Ok(found)
    }
}

/// Loads one page of a nested list per parent; one statement per distinct page.
/// Each page is handed out without a copy (`Arc`) to the one place that asked.
pub struct ChildPages<R> {
    db: DatabaseConnection,
    principal: Principal,
    /// The to-one rows the query shows under this place, read in the same statement.
    joins: Vec<Join>,
    relation: PhantomData<fn() -> R>,
}

impl<R: Children> Loader<(i64, Page)> for ChildPages<R> {
    type Value = Arc<PageOf<<R::Entity as EntityTrait>::Model>>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[(i64, Page)],
    ) -> Result<HashMap<(i64, Page), Self::Value>, Arc<AppError>> {
        let mut by_page: HashMap<&Page, Vec<i64>> = HashMap::new();
        for (parent, page) in keys {
            by_page.entry(page).or_default().push(*parent);
        }
        let mut out = HashMap::new();
        for (page, parents) in by_page {
            let mut pages = pagination::fetch_child_pages(
                &self.db,
                R::select(&self.principal),
                R::parent(),
                &parents,
                &R::sort(),
                page,
                &self.joins,
            )
            .await
            .map_err(Arc::new)?;
            for parent in parents {
                let rows = pages.remove(&parent).unwrap_or_default();
                out.insert((parent, page.clone()), Arc::new(rows));
            }
        }
        Ok(out)
    }
}

/// Counts a nested list per parent in one statement.
pub struct ChildCounts<R> {
    db: DatabaseConnection,
    principal: Principal,
    relation: PhantomData<fn() -> R>,
}

impl<R: Children> Loader<i64> for ChildCounts<R> {
    type Value = u64;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, u64>, Arc<AppError>> {
        let mut counts =
            pagination::count_children(&self.db, R::select(&self.principal), R::parent(), keys)
                .await
                .map_err(Arc::new)?;
        for key in keys {
            counts.entry(*key).or_insert(0);
        }
        Ok(counts)
    }
}

/// The one place of every by-id loader: by-id loads of an entity share their
/// batches across the places of a query, and keep the rows they read for the
/// rest of the request (see [`Loaders::get`] and [`Loaders::shared`]).
const BY_ID: &str = "by id";

/// Rows a batch may ask for at once: more keys than this split into several
/// statements (a query's cost limit keeps real batches far below it).
const MAX_BATCH: usize = 10_000;

/// The batch loads of one request, waiting to be run by [`Batched`].
#[derive(Clone, Default)]
pub struct LoadQueue(Arc<QueueInner>);

#[derive(Default)]
struct QueueInner {
    tasks: Mutex<Vec<BoxFuture<'static, ()>>>,
    waker: AtomicWaker,
}

impl LoadQueue {
    fn push(&self, task: BoxFuture<'static, ()>) {
        self.0
            .tasks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(task);
        self.0.waker.wake();
    }

    fn take(&self) -> Vec<BoxFuture<'static, ()>> {
        std::mem::take(
            &mut *self
                .0
                .tasks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// Runs a request's execution and its batch loads in one task, in waves: the
/// loads start only after every resolver that can run has run and asked for
/// its keys, and the next wave only after the last has finished, so that one
/// list's children are one batch (one statement) and not as many batches as a
/// timer happened to cut while another thread was still resolving the list.
///
/// A loader's `load` must therefore not wait for another loader of the same
/// request: that load would be queued until the current wave ends.
pub struct Batched<F: Future> {
    execution: Pin<Box<F>>,
    queue: LoadQueue,
    running: FuturesUnordered<BoxFuture<'static, ()>>,
}

impl<F: Future> Batched<F> {
    /// `execution`, with the loads of `queue` run beside it.
    pub fn new(execution: F, queue: LoadQueue) -> Self {
        Self {
            execution: Box::pin(execution),
            queue,
            running: FuturesUnordered::new(),
        }
    }
}

impl<F: Future> Future for Batched<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        this.queue.0.waker.register(cx.waker());
        loop {
            if let Poll::Ready(output) = this.execution.as_mut().poll(cx) {
                return Poll::Ready(output);
            }
            // The next wave of loads starts when the last one has finished:
            // the keys the resolvers ask for meanwhile, from whichever batch
            // they were waiting on, join the waiting loads, so rows of one
            // entity asked for at one level are one statement.
            if this.running.is_empty() {
                this.running.extend(this.queue.take());
            }
            match this.running.poll_next_unpin(cx) {
                // A batch arrived: the resolvers waiting for it can go on.
                Poll::Ready(Some(())) => continue,
                Poll::Ready(None) | Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The loaders of one type, by place in the query.
type Places = HashMap<String, Arc<dyn Any + Send + Sync>>;

/// The loaders of one request.
pub struct Loaders {
    db: DatabaseConnection,
    /// Where creates are written (grouped over HTTP and WebSocket, see
    /// [`Loaders::appending`]).
    appends: Appends,
    principal: Principal,
    /// By loader type, then by place: looked up without building a key.
    created: Mutex<HashMap<TypeId, Places>>,
    /// Where batch loads go when the request runs inside [`Batched`]: the
    /// request is answered once, so rows read by id are kept for the rest of
    /// it, and lists read the to-one rows their nodes show ([`ToOne`]).
    /// Without it (operations over the WebSocket: a subscription's stream is
    /// answered again at each event), every load reads afresh and lists read
    /// no to-one rows: a query costs a statement more per by-id level there.
    queue: Option<LoadQueue>,
    /// The instance's counters (batched requests only).
    metrics: Option<Arc<Metrics>>,
    /// Where pages built as JSON go when the response is written as text
    /// (over HTTP); without it they are parsed into the response's value.
    splices: Option<Arc<Splices>>,
    /// Whether nothing is built as JSON ([`general_only`](Self::general_only)).
    general_only: bool,
}

impl Loaders {
    /// Loaders for a request by `principal` whose batch loads run as tasks
    /// of their own (for executions that are streams, like subscriptions).
    pub fn new(db: DatabaseConnection, principal: Principal) -> Self {
        Self {
            appends: Appends::direct(db.clone()),
            db,
            principal,
            created: Mutex::new(HashMap::new()),
            queue: None,
            metrics: None,
            splices: None,
            general_only: false,
        }
    }

    /// These loaders, building nothing as JSON: for a request whose
    /// selections repeat a response key ([`crate::compiled::keys_repeat`]).
    /// The engine resolves such fields once, with their selections merged,
    /// while a statement would be built from the first field's selection.
    pub fn general_only(self) -> Self {
        Self {
            general_only: true,
            ..self
        }
    }

    /// These loaders, writing creates through the instance's `appends`
    /// (which group concurrent creates into one statement) instead of one
    /// statement each.
    pub fn appending(self, appends: Appends) -> Self {
        Self { appends, ..self }
    }

    /// These loaders, with pages built as JSON written into the response's
    /// text by `splices` (which the response's text must then pass through).
    pub fn splicing(self, splices: Arc<Splices>) -> Self {
        Self {
            splices: Some(splices),
            ..self
        }
    }

    /// The response value of `json`, the nodes of a page built as JSON.
    pub fn nodes_value(&self, json: JsonText) -> Result<async_graphql::Value> {
        match &self.splices {
            Some(splices) => Ok(splices.value(json)),
            None => crate::compiled::nodes_value(&json),
        }
    }

    /// Loaders whose batch loads run in `queue`: the execution must be
    /// wrapped in [`Batched`] with the same queue. Pages built as JSON are
    /// counted in `metrics`.
    pub fn batched(
        db: DatabaseConnection,
        principal: Principal,
        queue: LoadQueue,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            queue: Some(queue),
            metrics: Some(metrics),
            ..Self::new(db, principal)
        }
    }

    /// The request's caller.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The database connection.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Where creates are written.
    pub fn appends(&self) -> &Appends {
        &self.appends
    }

    /// Forgets the loaders and the rows read so far: called before each
    /// mutation (mutations run one after another), so that what it changed is
    /// read afresh.
    pub fn forget(&self) {
        self.created
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// The loader of type `L` for one place (`site`) in the query. Page and
    /// count loaders are per place, so that a batch never depends on how the
    /// resolution of two places happens to interleave: each place costs exactly
    /// one statement per level, whatever the number of rows. By-id loaders are
    /// per entity ([`BY_ID`]): under [`Batched`] the rows of one entity that
    /// several places ask for in one wave (participants' members and funders)
    /// come in one statement. Which wave a place's keys fall into can depend
    /// on timing (when two root lists are read side by side), but never costs
    /// more than one statement per place and level.
    pub fn get<L, K>(&self, site: &str, make: impl FnOnce() -> L) -> Arc<DataLoader<L>>
    where
        L: Loader<K>,
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    {
        self.get_cached(site, make, NoCache)
    }

    /// [`Loaders::get`] with a cache of the loaded values.
    fn get_cached<L, K, C>(
        &self,
        site: &str,
        make: impl FnOnce() -> L,
        cache: C,
    ) -> Arc<DataLoader<L, C>>
    where
        L: Loader<K>,
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        C: CacheFactory,
    {
        let kind = TypeId::of::<DataLoader<L, C>>();
        let lock = || {
            self.created
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(found) = lock().get(&kind).and_then(|places| places.get(site)) {
            return Self::downcast::<DataLoader<L, C>>(found);
        }
        // Made outside the lock: making a loader may need other loaders
        // (a page loader binds the by-id loaders of its joined rows).
        let loader = match &self.queue {
            Some(queue) => {
                let queue = queue.clone();
                DataLoader::with_cache(make(), move |task| queue.push(task), cache)
                    // The batch is complete once the resolvers have
                    // run (see [`Batched`]); no need to wait longer.
                    .delay(Duration::ZERO)
            }
            None => {
                let loader = DataLoader::with_cache(make(), tokio::spawn, cache);
                loader.enable_all_cache(false);
                loader
            }
        };
        let loader: Arc<dyn Any + Send + Sync> = Arc::new(loader.max_batch_size(MAX_BATCH));
        // Whichever was made first for this place is the one.
        Self::downcast::<DataLoader<L, C>>(
            lock()
                .entry(kind)
                .or_default()
                .entry(site.to_owned())
                .or_insert(loader),
        )
    }

    fn downcast<T: Any + Send + Sync>(loader: &Arc<dyn Any + Send + Sync>) -> Arc<T> {
        match Arc::clone(loader).downcast::<T>() {
            Ok(loader) => loader,
            Err(_) => unreachable!("loaders are stored under their own type id"),
        }
    }

    /// The to-one rows of `E` that the nodes of a list show, by the names of
    /// the node fields the query selects; none when rows are not kept (see
    /// [`Loaders::batched`]).
    pub fn joins<E: Table>(&self, shown: impl Fn(&str) -> bool) -> Vec<Join> {
        if self.queue.is_none() {
            return Vec::new();
        }
        E::to_one()
            .into_iter()
            .filter(|one| shown(one.field))
            .map(|one| Join {
                column: one.column,
                rows: (one.bind)(self),
            })
            .collect()
    }

    /// Loads one visible row of `E` by id.
    pub async fn one<E: Table>(&self, id: i64) -> Result<Option<E::Model>> {
        // A copy: the request keeps the shared row (see [`Loaders::shared`]).
        Ok(self.shared::<E>(id).await?.map(Arc::unwrap_or_clone))
    }

    /// Loads one visible row of `E` by id with the to-one rows it shows
    /// (`joins`, see [`Loaders::joins`]) in the same statement: a root field
    /// that shows one row by id (`node`) costs one statement for the row and
    /// its to-one rows. The rows are kept like any other read by id. The
    /// statement is the field's own: aliases of `node` that show to-one rows
    /// cost a statement each (bounded by the alias limit), where without
    /// joins they would share one batch.
    pub async fn one_joined<E: Table>(&self, id: i64, joins: &[Join]) -> Result<Option<E::Model>> {
        if joins.is_empty() {
            return self.one::<E>(id).await;
        }
        let query = E::find_visible(&self.principal)
            .filter(E::id_column().eq(id))
            .into_query();
        let table = E::default().table_name().to_owned();
        let rows = pagination::rows_with_joins(&self.db, query, &table, joins).await?;
        let found = match rows.first() {
            Some(row) => Some(Arc::new(E::Model::from_query_result(row, "")?)),
            None => None,
        };
        fed_at_once(self.by_id::<E>().feed_one(id, found.clone()))?;
        Ok(found.map(Arc::unwrap_or_clone))
    }

    /// Loads one visible row of `E` by id, shared with the other places that
    /// show the same row.
    pub async fn shared<E: Table>(&self, id: i64) -> Result<Option<Arc<E::Model>>> {
        Ok(self.by_id::<E>().load_one(id).await?.flatten())
    }

    /// The request's by-id loader of `E`.
    fn by_id<E: Table>(&self) -> Arc<DataLoader<ById<E>, HashMapCache>> {
        self.get_cached(
            BY_ID,
            || ById::<E> {
                db: self.db.clone(),
                principal: self.principal.clone(),
                entity: PhantomData,
            },
            HashMapCache::default(),
        )
    }

    /// Loads visible rows of `E` by id, in the order of `ids`, skipping those
    /// not found.
    pub async fn many<E: Table>(&self, ids: &[i64]) -> Result<Vec<E::Model>> {
        let found = self.by_id::<E>().load_many(ids.iter().copied()).await?;
        let rows: Vec<Arc<E::Model>> = ids
            .iter()
            .filter_map(|id| found.get(id).cloned().flatten())
            .collect();
        drop(found);
        Ok(rows.into_iter().map(Arc::unwrap_or_clone).collect())
    }

    /// Loads one page of nested list `R` under `parent` for query place `site`,
    /// with its deferred count;
    /// `joins` are the to-one rows its nodes show (see [`Loaders::joins`]).
    pub async fn children<R: Children>(
        &self,
        site: &str,
        parent: i64,
        page: Page,
        wants_rows: bool,
        joins: impl FnOnce() -> Vec<Join>,
    ) -> Result<(PageOf<<R::Entity as EntityTrait>::Model>, TotalCount)> {
        let rows = if wants_rows {
            let pages = self.get(site, || ChildPages::<R> {
                db: self.db.clone(),
                principal: self.principal.clone(),
                joins: joins(),
                relation: PhantomData,
            });
            pages
                .load_one((parent, page))
                .await?
                .map(Arc::unwrap_or_clone)
                .unwrap_or_default()
        } else {
            // Only `totalCount` was asked for: no page to read.
            PageOf::default()
        };
        Ok((rows, self.child_count::<R>(site, parent)))
    }

    /// The deferred count of nested list `R` under `parent` for query place
    /// `site`, batched with the other parents' counts at that place.
    fn child_count<R: Children>(&self, site: &str, parent: i64) -> TotalCount {
        let counts = self.get(site, || ChildCounts::<R> {
            db: self.db.clone(),
            principal: self.principal.clone(),
            relation: PhantomData,
        });
        Arc::new(move || {
            let counts = Arc::clone(&counts);
            Box::pin(async move { Ok(counts.load_one(parent).await?.unwrap_or(0)) })
        })
    }

    /// Whether lists are built as JSON by the database for this request
    /// (on PostgreSQL, for requests answered once; see [`crate::compiled`]).
    pub fn builds_json(&self) -> bool {
        !self.general_only
            && self.queue.is_some()
            && self.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres
    }

    /// Runs `query`, which builds the nodes of one page as a JSON array (text
    /// column `nodes`), counted as a page built as JSON.
    pub async fn json_page(&self, query: SelectStatement) -> Result<String> {
        if let Some(metrics) = &self.metrics {
            metrics.json_page();
        }
        self.json_row(query)
            .await?
            .ok_or_else(|| AppError::internal("a page built as JSON returned no row"))
    }

    /// Runs `query`, which builds a JSON text (column `nodes`) in at most one
    /// row; `None` when there is no row.
    pub async fn json_row(&self, query: SelectStatement) -> Result<Option<String>> {
        let statement = self.db.get_database_backend().build(&query);
        let row = self.db.query_one_raw(statement).await?;
        Ok(row.map(|row| row.try_get("", "nodes")).transpose()?)
    }

    /// The nodes of one page of nested list `R` under `parent` as a JSON
    /// array built by PostgreSQL, with the list's deferred count, for query
    /// place `site`; `None` when that place's selection cannot be built so
    /// (`object` builds a node's object once per place, see
    /// [`crate::compiled`]), on SQLite, and when rows are not kept.
    pub async fn json_children<R: Children>(
        &self,
        site: &str,
        field: &str,
        parent: i64,
        page: Page,
        object: impl FnOnce() -> Option<crate::compiled::Built>,
    ) -> Result<Option<(Arc<str>, TotalCount)>> {
        if !self.builds_json() {
            return Ok(None);
        }
        let pages = self.get(&format!("{site}@{field}"), || {
            JsonPages::<R>::new(self.db.clone(), self.principal.clone(), object())
        });
        if !pages.loader().builds() {
            return Ok(None);
        }
        if let Some(metrics) = &self.metrics {
            metrics.json_page();
        }
        let nodes = pages
            .load_one((parent, page))
            .await?
            .unwrap_or_else(|| Arc::from("[]"));
        Ok(Some((nodes, self.child_count::<R>(site, parent))))
    }
}
