//! Root fields for territories.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use crate::codes::{Code, Occupation, TerritoryLevel, TerritoryScheme, codes_of};
use crate::error::AppError;
use crate::graphql;
use crate::ids;
use crate::pagination::{Direction, PageArgs};
use crate::territory::service::{self, TerritoryFilter as Filter, TerritoryOrder};
use crate::territory::types::{Territory, TerritoryConnection};

/// Which territories to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct TerritoryFilter {
    /// Only this code scheme.
    pub scheme: Option<TerritoryScheme>,
    /// Only these levels.
    pub levels: Option<Vec<TerritoryLevel>>,
    /// Only units directly below this one.
    pub parent_id: Option<ID>,
    /// Only this unit and the units below it, at any depth.
    pub within_id: Option<ID>,
    /// Only top-level units (no parent).
    pub top_level_only: Option<bool>,
    /// Only units with this occupation status.
    pub occupation: Option<Occupation>,
    /// Only units whose English or Ukrainian name contains this text.
    pub name_contains: Option<String>,
    /// Only units changed at or after this time (for incremental sync).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Fields territories can be ordered by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum TerritoryOrderField {
    /// English name.
    #[default]
    Name,
    /// Code.
    Code,
    /// Last change.
    UpdatedAt,
}

/// Order of the territory list; ties are broken by id.
#[derive(InputObject, Default)]
pub struct TerritoryOrderBy {
    /// Field to order by.
    #[graphql(default)]
    pub field: TerritoryOrderField,
    /// Direction.
    #[graphql(default)]
    pub direction: Direction,
}

/// Root fields for territories.
#[derive(Default)]
pub struct TerritoryQuery;

/// Root fields for territories.
#[Object]
impl TerritoryQuery {
    /// Territorial units, filtered and ordered.
    async fn territories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which units to list.")] filter: Option<TerritoryFilter>,
        #[graphql(desc = "Order of the list (default: by English name).")] order_by: Option<
            TerritoryOrderBy,
        >,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<TerritoryConnection> {
        let filter = filter.unwrap_or_default();
        let order_by = order_by.unwrap_or_default();
        let id = |value: &Option<ID>, argument: &str| -> Result<Option<i64>, AppError> {
            value
                .as_ref()
                .map(|id| ids::decode(id, "Territory", argument))
                .transpose()
        };
        let filter = Filter {
            scheme: filter.scheme.map(|s| s.code().to_owned()),
            levels: codes_of(filter.levels),
            parent_id: id(&filter.parent_id, "filter.parentId")?,
            within_id: id(&filter.within_id, "filter.withinId")?,
            roots_only: filter.top_level_only.unwrap_or(false),
            occupation: filter.occupation.map(|o| o.code().to_owned()),
            name_contains: filter.name_contains,
            updated_since: filter.updated_since,
        };
        let order = match order_by.field {
            TerritoryOrderField::Name => TerritoryOrder::Name,
            TerritoryOrderField::Code => TerritoryOrder::Code,
            TerritoryOrderField::UpdatedAt => TerritoryOrder::UpdatedAt,
        };
        let principal = graphql::principal(ctx)?;
        let (page, total) = graphql::root(
            ctx,
            service::list(principal, &filter),
            service::sort_key(order, order_by.direction),
            PageArgs {
                first,
                after,
                last,
                before,
            },
            Territory,
        )
        .await?;
        Ok(TerritoryConnection::new(page, total))
    }

    /// A territorial unit by its code: a KATOTTH code, an ISO 3166-2 code (`UA-63`) or a NUTS code.
    async fn territory(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The code.")] code: String,
        #[graphql(
            desc = "The scheme of the code; when omitted, KATOTTH, NUTS and ISO 3166-2 codes are all tried."
        )]
        scheme: Option<TerritoryScheme>,
    ) -> async_graphql::Result<Option<Territory>> {
        let db = graphql::loaders(ctx)?.db();
        let found = service::find_by_code(db, scheme.map(Code::code), &code).await?;
        Ok(found.map(Territory))
    }
}
