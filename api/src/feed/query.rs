//! The `changes` root field.

use async_graphql::{Context, Object};

use crate::audit::service::sort_key;
use crate::feed::service;
use crate::feed::types::{Change, ChangeConnection};
use crate::graphql;
use crate::pagination::{Direction, PageArgs};

/// The change feed.
#[derive(Default)]
pub struct FeedQuery;

/// The change feed.
#[Object]
impl FeedQuery {
    /// Changes in commit order, for keeping a copy in step: store the page's
    /// `endCursor` and pass it as `after` next time. Reading on from a stored
    /// cursor never misses and never repeats a change, however writes
    /// interleave. Anonymous callers and editors read the changes of records
    /// they may see now (published projects and what belongs to them, …).
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The cursor stored from the last page read; from the first change when left out."
        )]
        after: Option<String>,
        #[graphql(desc = "How many changes (1 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Only changes of these record types, e.g. `[\"Project\", \"Funding\"]`.")]
        entity_types: Option<Vec<String>>,
    ) -> async_graphql::Result<ChangeConnection> {
        let entity_types = entity_types.unwrap_or_default();
        service::check_entity_types(&entity_types)?;
        let principal = graphql::principal(ctx)?;
        let (page, total) = graphql::root(
            ctx,
            service::changes(principal, &entity_types),
            sort_key(Direction::Asc),
            PageArgs {
                first,
                after,
                last: None,
                before: None,
            },
            Change,
        )
        .await?;
        Ok(ChangeConnection::new(page, total))
    }
}
