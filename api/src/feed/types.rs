//! GraphQL type of a change in the feed.

use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use entity::audit_event;

use crate::feed::service;
use crate::graphql;
use crate::ids;
use crate::node::{Node, resolve};
use crate::pagination::connection;

/// One committed change of a record, in commit order.
#[derive(Clone)]
pub struct Change(pub audit_event::Model);

connection!(
    ChangeConnection,
    ChangeEdge,
    Change,
    "changes, in commit order"
);

/// One committed change of a record, in commit order.
#[Object]
impl Change {
    /// Position in commit order: 1, 2, 3, … (the audit trail's sequence number;
    /// numbers of changes the caller may not read are skipped).
    async fn sequence(&self) -> i64 {
        self.0.seq
    }
    /// The cursor to read on from after this change: pass it as `after` to the
    /// `changes` list or subscription (the same as this change's edge cursor).
    async fn cursor(&self) -> String {
        service::cursor_of(self.0.seq)
    }
    /// When the change was committed.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The operation, e.g. `publishProject`.
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// Type of the changed record, e.g. `Project`.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// Global ID of the changed record.
    async fn entity_id(&self) -> ID {
        ids::encode(&self.0.entity_type, self.0.entity_id)
    }
    /// The record as it is now; null when it was removed or the caller may no longer see it.
    async fn entity(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        let loaders = graphql::loaders(ctx)?;
        Ok(resolve(
            loaders,
            &self.0.entity_type,
            self.0.entity_id,
            "entityId",
            // A page of changes resolves its records by id in one batch.
            &|_| false,
        )
        .await?)
    }
    /// What changed: `{"field": [old, new]}` for updates, the whole record for
    /// creations and removals. Contact details are left out for callers who may not see them.
    async fn changes(&self, ctx: &Context<'_>) -> async_graphql::Result<Json<serde_json::Value>> {
        let principal = graphql::principal(ctx)?;
        Ok(Json(service::redacted(principal, &self.0)))
    }
    /// Subject of the caller who made the change; only for readers of the audit trail.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        let principal = graphql::principal(ctx)?;
        Ok(principal.sees_everything().then_some(self.0.actor.as_str()))
    }
}
