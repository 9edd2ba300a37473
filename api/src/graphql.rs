//! Helpers shared by the resolvers of every concept: request data, paging,
//! multilingual text, money and points.

use std::sync::Arc;

use async_graphql::{Context, SimpleObject, Value};
use sea_orm::{EntityTrait, Select};

use crate::auth::Principal;
use crate::codes::Lang;
use crate::compiled::{self, Compiler, JsonNode};
use crate::error::{AppError, Result};
use crate::i18n::PreferredLang;
use crate::loader::{Children, Loaders, Table};
use crate::money;
use crate::pagination::{self, Fetched, PageArgs, PageOf, SortKey, TotalCount};

/// The request's loaders.
pub fn loaders<'a>(ctx: &Context<'a>) -> Result<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|_| AppError::internal("request without loaders"))
}

/// The request's caller.
pub fn principal<'a>(ctx: &Context<'a>) -> Result<&'a Principal> {
    Ok(loaders(ctx)?.principal())
}

/// The language to answer in: the argument if given, else the request's preference.
pub fn lang(ctx: &Context<'_>, requested: Option<Lang>) -> Lang {
    requested.unwrap_or_else(|| ctx.data::<PreferredLang>().map(|p| p.0).unwrap_or(Lang::En))
}

/// The place of the current field in the query, list indices left out
/// (`projects.nodes.owner`): the key of its loaders.
pub fn site(ctx: &Context<'_>) -> String {
    let mut names = Vec::new();
    let mut node = ctx.path_node;
    while let Some(current) = node {
        if let async_graphql::QueryPathSegment::Name(name) = current.segment {
            names.push(name);
        }
        node = current.parent.copied();
    }
    names.reverse();
    names.join(".")
}

/// Loads one visible row of `E` by id, batched with the other rows of `E` the
/// query asks for in the same wave of loads.
pub async fn load<E: Table>(ctx: &Context<'_>, id: i64) -> Result<Option<E::Model>> {
    loaders(ctx)?.one::<E>(id).await
}

/// Loads one visible row of `E` by id like [`load`], shared with the other
/// places of the response that show the same row.
pub async fn load_shared<E: Table>(
    ctx: &Context<'_>,
    id: i64,
) -> Result<Option<std::sync::Arc<E::Model>>> {
    loaders(ctx)?.shared::<E>(id).await
}

/// Loads visible rows of `E` by id, batched with the other rows of `E` the
/// query asks for in the same wave of loads.
pub async fn load_many<E: Table>(ctx: &Context<'_>, ids: &[i64]) -> Result<Vec<E::Model>> {
    loaders(ctx)?.many::<E>(ids).await
}

/// One page of nested list `R` under `parent`, rows wrapped as GraphQL nodes.
pub async fn nested<R, T>(
    ctx: &Context<'_>,
    parent: i64,
    args: PageArgs,
    wrap: fn(<R::Entity as EntityTrait>::Model) -> T,
) -> Result<(PageOf<T>, TotalCount)>
where
    R: Children,
{
    let page = args.validate(R::sort().name)?;
    let wants_rows = wants_rows(ctx);
    if !wants_rows {
        // No page is read to check the cursors on the way.
        pagination::check_cursors(&R::sort(), &page)?;
    }
    let loaders = loaders(ctx)?;
    let (rows, total) = loaders
        .children::<R>(&site(ctx), parent, page, wants_rows, || {
            loaders.joins::<R::Entity>(|field| shows(ctx, field))
        })
        .await?;
    Ok((rows.map(wrap), total))
}

/// One page of nested list `R` under `parent`: its nodes built as JSON by
/// PostgreSQL when the selection of the connection allows it (see
/// [`crate::compiled`]), else its rows as [`nested`] reads them.
pub async fn nested_or_built<R, T>(
    ctx: &Context<'_>,
    parent: i64,
    args: PageArgs,
    wrap: fn(<R::Entity as EntityTrait>::Model) -> T,
) -> Result<(Fetched<T>, TotalCount)>
where
    R: Children,
    R::Entity: JsonNode,
{
    if let Some((nodes, total)) = built::<R>(ctx, parent, &args).await? {
        return Ok((Fetched::Built(nodes), total));
    }
    let (page, total) = nested::<R, T>(ctx, parent, args, wrap).await?;
    Ok((Fetched::Rows(page), total))
}

/// The request's compiler of JSON (see [`crate::compiled`]) for the
/// current field.
fn compiler<'a>(ctx: &'a Context<'_>, loaders: &'a Loaders) -> Compiler<'a> {
    Compiler::new(
        &ctx.query_env.fragments,
        &ctx.schema_env.registry,
        loaders.principal(),
        lang(ctx, None),
    )
    .keeping(
        ctx.data_opt::<Arc<compiled::Objects>>()
            .map(|objects| objects.as_ref()),
    )
}

/// The nodes of one page of nested list `R` under `parent` as PostgreSQL
/// built them, and the list's deferred count; `None` when the selection
/// cannot be built so.
async fn built<R>(
    ctx: &Context<'_>,
    parent: i64,
    args: &PageArgs,
) -> Result<Option<(Value, TotalCount)>>
where
    R: Children,
    R::Entity: JsonNode,
{
    let page = args.validate(R::sort().name)?;
    let loaders = loaders(ctx)?;
    let object = || {
        let compiler = compiler(ctx, loaders);
        let nodes = compiler.nodes_of(
            <R::Entity as JsonNode>::CONNECTION,
            &ctx.item.node.selection_set.node,
        )?;
        compiler.page_object::<R::Entity>(ctx.item.pos, nodes)
    };
    // The place's key tells apart two fields of one response key, which
    // may select different fields.
    let field = ctx.item.pos.to_string();
    let Some((json, total)) = loaders
        .json_children::<R>(&site(ctx), &field, parent, page, object)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((loaders.nodes_value(json.into())?, total)))
}

/// Whether the selection of a connection asks for its rows (`nodes`,
/// `edges` or `pageInfo`) and not only for `totalCount`.
fn wants_rows(ctx: &Context<'_>) -> bool {
    let selection = ctx.look_ahead();
    ["nodes", "edges", "pageInfo"]
        .into_iter()
        .any(|field| selection.field(field).exists())
}

/// Whether the nodes of the connection the current field resolves show `field`.
fn shows(ctx: &Context<'_>, field: &str) -> bool {
    let selection = ctx.look_ahead();
    selection.field("nodes").field(field).exists()
        || selection.field("edges").field("node").field(field).exists()
}

/// One page of a root list, rows wrapped as GraphQL nodes, with a deferred count.
pub async fn root<E, T>(
    ctx: &Context<'_>,
    select: Select<E>,
    key: SortKey<E>,
    args: PageArgs,
    wrap: fn(E::Model) -> T,
) -> Result<(PageOf<T>, TotalCount)>
where
    E: Table,
{
    let page = args.validate(key.name)?;
    let loaders = loaders(ctx)?;
    let db = loaders.db().clone();
    let total = pagination::deferred_count(&db, select.clone());
    let rows = if wants_rows(ctx) {
        let joins = loaders.joins::<E>(|field| shows(ctx, field));
        pagination::fetch_page(&db, select, &key, &page, &joins).await?
    } else {
        // No page is read to check the cursors on the way.
        pagination::check_cursors(&key, &page)?;
        PageOf::default()
    };
    Ok((rows.map(wrap), total))
}

/// One page of a root list: its nodes built as JSON by PostgreSQL in one
/// statement when the selection of the connection allows it (see
/// [`crate::compiled`]), else its rows as [`root`] reads them. `select`
/// must list visible rows only (start from [`Table::find_visible`]): the
/// lists under them check only what that leaves open.
pub async fn root_or_built<E, T>(
    ctx: &Context<'_>,
    select: Select<E>,
    key: SortKey<E>,
    args: PageArgs,
    wrap: fn(E::Model) -> T,
) -> Result<(Fetched<T>, TotalCount)>
where
    E: Table + JsonNode,
{
    let page = args.validate(key.name)?;
    let loaders = loaders(ctx)?;
    let object = loaders.builds_json().then(|| {
        let compiler = compiler(ctx, loaders);
        let nodes = compiler.nodes_of(E::CONNECTION, &ctx.item.node.selection_set.node)?;
        compiler.page_object::<E>(ctx.item.pos, nodes)
    });
    let Some(Some(object)) = object else {
        let (page, total) = root(ctx, select, key, args, wrap).await?;
        return Ok((Fetched::Rows(page), total));
    };
    let db = loaders.db().clone();
    let total = pagination::deferred_count(&db, select.clone());
    let statement = compiled::root_page(select, key, &page, object)?;
    let json = loaders.json_page(statement).await?;
    Ok((Fetched::Built(loaders.nodes_value(json.into())?), total))
}

/// The object of the visible row `select` finds (by a unique key: its
/// first row) for the selection of the current field, built as JSON by
/// PostgreSQL in one statement with everything under it (see
/// [`crate::compiled`]); null when there is no such row; `None` when the
/// selection cannot be built so. `select` must list visible rows only.
pub async fn one_built<E>(ctx: &Context<'_>, select: Select<E>) -> Result<Option<Value>>
where
    E: Table + JsonNode,
{
    let loaders = loaders(ctx)?;
    if !loaders.builds_json() {
        return Ok(None);
    }
    let compiler = compiler(ctx, loaders);
    let Some(object) = compiler.page_object::<E>(ctx.item.pos, &ctx.item.node.selection_set.node)
    else {
        return Ok(None);
    };
    let statement = compiled::one_row(select, object);
    Ok(Some(match loaders.json_row(statement).await? {
        Some(json) => loaders.nodes_value(json.into())?,
        None => Value::Null,
    }))
}

/// A field's value as PostgreSQL built it ([`one_built`]), or `T` for the
/// engine to resolve; the field's type is `T`'s.
pub enum Prebuilt<T> {
    /// The value as built.
    Value(Value),
    /// Resolved by the engine.
    Resolve(T),
}

impl<T: async_graphql::OutputType> async_graphql::OutputType for Prebuilt<T> {
    fn type_name() -> std::borrow::Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &async_graphql::ContextSelectionSet<'_>,
        field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
    ) -> async_graphql::ServerResult<Value> {
        match self {
            Self::Value(value) => Ok(value.clone()),
            Self::Resolve(value) => value.resolve(ctx, field).await,
        }
    }
}

/// Text in the Alliance's working languages.
#[derive(SimpleObject, Clone, Debug)]
pub struct LocalizedText {
    /// English.
    pub en: String,
    /// Ukrainian; null when there is no Ukrainian version.
    pub uk: Option<String>,
}

impl LocalizedText {
    /// The text in `lang`, falling back to English.
    pub fn pick(en: &str, uk: Option<&str>, lang: Lang) -> String {
        match (lang, uk) {
            (Lang::Uk, Some(uk)) if !uk.is_empty() => uk.to_owned(),
            _ => en.to_owned(),
        }
    }
}

/// An amount of money: a decimal string and its currency, never floating point.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct Money {
    /// The amount as a decimal string with the currency's number of decimals, e.g. `"12500.00"`.
    pub amount: String,
    /// ISO 4217 currency code, e.g. `EUR`.
    pub currency: String,
}

impl Money {
    /// Money from integer minor units.
    pub fn from_minor(minor: i64, currency: &str) -> Self {
        Self {
            amount: money::format_minor(minor, currency),
            currency: currency.to_owned(),
        }
    }
}

/// A point in WGS 84.
#[derive(SimpleObject, Clone, Debug)]
pub struct GeoPoint {
    /// Latitude in decimal degrees.
    pub latitude: f64,
    /// Longitude in decimal degrees.
    pub longitude: f64,
}

impl GeoPoint {
    /// A point from micro-degrees, when both coordinates are known.
    pub fn from_e6(lat: Option<i64>, lon: Option<i64>) -> Option<Self> {
        Some(Self {
            latitude: lat? as f64 / 1e6,
            longitude: lon? as f64 / 1e6,
        })
    }
}

/// The shape of a code a filter takes as text.
#[derive(Clone, Copy, Debug)]
pub enum CodeShape {
    /// ISO 3166-1 alpha-2 country code: two upper-case letters.
    Country,
    /// OECD DAC 5-digit purpose code.
    DacPurpose,
    /// ISO 639-1 language code: two lower-case letters.
    Language,
}

impl CodeShape {
    fn fits(self, code: &str) -> bool {
        match self {
            Self::Country => code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()),
            Self::DacPurpose => code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()),
            Self::Language => code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Country => "an ISO 3166-1 alpha-2 country code such as `PL`",
            Self::DacPurpose => "an OECD DAC 5-digit purpose code such as `12230`",
            Self::Language => "an ISO 639-1 language code such as `uk`",
        }
    }
}

/// Checks that every code given for `argument` has the expected shape.
pub fn check_codes<'a>(
    codes: impl IntoIterator<Item = &'a String>,
    shape: CodeShape,
    argument: &str,
) -> Result<()> {
    for code in codes {
        if !shape.fits(code) {
            let shown: String = code.chars().take(40).collect();
            return Err(AppError::bad_input(
                argument,
                format!("`{argument}` must hold {}, got {shown:?}", shape.describe()),
            ));
        }
    }
    Ok(())
}

/// Text in the Alliance's working languages, as input.
#[derive(async_graphql::InputObject, Clone, Debug)]
pub struct LocalizedTextInput {
    /// English.
    pub en: String,
    /// Ukrainian.
    pub uk: String,
}

/// An amount of money as input: a decimal string, never a floating-point number.
#[derive(async_graphql::InputObject, Clone, Debug)]
pub struct MoneyInput {
    /// The amount as a decimal string, e.g. `"12500.00"`; at most the currency's number of decimals.
    pub amount: String,
    /// ISO 4217 currency code, e.g. `EUR`.
    pub currency: String,
}

/// A point in WGS 84, as input.
#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct GeoPointInput {
    /// Latitude in decimal degrees, −90 to 90.
    pub latitude: f64,
    /// Longitude in decimal degrees, −180 to 180.
    pub longitude: f64,
}

/// The caller as a decoded member id argument (`argument` names it in errors).
pub fn member_id(id: &async_graphql::ID, argument: &str) -> Result<i64> {
    crate::ids::decode(id, "Member", argument)
}

/// A status change: which record, and the version the caller read.
#[derive(async_graphql::InputObject, Clone, Debug)]
pub struct TransitionInput {
    /// The record.
    pub id: async_graphql::ID,
    /// The version the caller read; a stale version is refused with a CONFLICT user error.
    pub expected_version: i32,
}

/// Declares the payload type of a mutation on `$node`: the record, or why not.
macro_rules! payload {
    ($payload:ident, $field:ident, $node:ident, $model:ty, $what:literal) => {
        #[doc = concat!("The result of a mutation of ", $what, ".")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $payload {
            #[doc = concat!("The ", $what, " as it is now; null when the mutation was refused.")]
            pub $field: Option<$node>,
            /// Why the mutation was refused; empty on success.
            pub user_errors: Vec<$crate::validation::UserError>,
        }

        impl From<$crate::validation::Outcome<$model>> for $payload {
            fn from(outcome: $crate::validation::Outcome<$model>) -> Self {
                match outcome {
                    $crate::validation::Outcome::Done(model) => Self {
                        // `into`: the node holds the row itself or shares it.
                        #[allow(clippy::useless_conversion)]
                        $field: Some($node(model.into())),
                        user_errors: Vec::new(),
                    },
                    $crate::validation::Outcome::Refused(user_errors) => Self {
                        $field: None,
                        user_errors,
                    },
                }
            }
        }
    };
}
pub(crate) use payload;

/// Applies an optional input to an optional field: left out keeps it, null clears it.
pub fn set<T>(target: &mut Option<T>, value: async_graphql::MaybeUndefined<T>) {
    match value {
        async_graphql::MaybeUndefined::Undefined => {}
        async_graphql::MaybeUndefined::Null => *target = None,
        async_graphql::MaybeUndefined::Value(v) => *target = Some(v),
    }
}
