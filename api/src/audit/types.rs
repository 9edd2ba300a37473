//! GraphQL type of audit events.

use async_graphql::{ID, Json, Object};
use chrono::{DateTime, Utc};
use entity::audit_event;

use crate::ids;
use crate::pagination::connection;

/// One entry of the append-only audit trail: who changed what, when, chained to
/// the entry before it by SHA-256.
#[derive(Clone)]
pub struct AuditEvent(pub audit_event::Model);

connection!(
    AuditEventConnection,
    AuditEventEdge,
    AuditEvent,
    "audit events"
);

/// One entry of the append-only audit trail: who changed what, when, chained to
/// the entry before it by SHA-256.
#[Object]
impl AuditEvent {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode("AuditEvent", self.0.seq)
    }
    /// Position in the chain: 1, 2, 3, … without gaps, in commit order.
    async fn seq(&self) -> i64 {
        self.0.seq
    }
    /// When the change was committed.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// Subject of the caller that made the change (`system` for the service itself).
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// Role of the caller.
    async fn role(&self) -> &str {
        &self.0.role
    }
    /// The operation, e.g. `createProject`.
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// Type of the changed object, e.g. `Project`.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// Global ID of the changed object.
    async fn entity_id(&self) -> ID {
        ids::encode(&self.0.entity_type, self.0.entity_id)
    }
    /// The changes: `{"field": [old, new]}` for updates, the whole record for creations.
    async fn changes(&self) -> Json<serde_json::Value> {
        Json(serde_json::from_str(&self.0.changes).unwrap_or(serde_json::Value::Null))
    }
    /// Hash of the previous event (64 zeros for the first).
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
    /// SHA-256 over the previous hash and this event's canonical encoding, hex.
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}
