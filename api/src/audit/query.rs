//! Root fields for the audit trail.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use crate::audit::service::{self, AuditFilter as Filter};
use crate::audit::types::{AuditEvent, AuditEventConnection};
use crate::graphql;
use crate::ids;
use crate::pagination::{Direction, PageArgs};

/// Which audit events to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// Only changes of this object (any global ID).
    pub entity_id: Option<ID>,
    /// Only changes of objects of this type, e.g. `Project`.
    pub entity_type: Option<String>,
    /// Only changes by this subject.
    pub actor: Option<String>,
    /// Only changes at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only changes before this time.
    pub until: Option<DateTime<Utc>>,
}

/// Root fields for the audit trail.
#[derive(Default)]
pub struct AuditQuery;

/// Root fields for the audit trail.
#[Object]
impl AuditQuery {
    /// The audit trail, in sequence order (coordinators, analysts and administrators).
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which events to list.")] filter: Option<AuditEventFilter>,
        #[graphql(desc = "Order by sequence number (default: ascending, oldest first).")]
        direction: Option<Direction>,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<AuditEventConnection> {
        let filter = filter.unwrap_or_default();
        let mut entity_type = filter.entity_type;
        let mut entity_id = None;
        if let Some(id) = filter.entity_id {
            let (type_name, row) = ids::decode_any(&id, "filter.entityId")?;
            entity_type = Some(type_name);
            entity_id = Some(row);
        }
        let filter = Filter {
            entity_type,
            entity_id,
            actor: filter.actor,
            since: filter.since,
            until: filter.until,
        };
        let principal = graphql::principal(ctx)?;
        let (page, total) = graphql::root(
            ctx,
            service::list(principal, &filter),
            service::sort_key(direction.unwrap_or(Direction::Asc)),
            PageArgs {
                first,
                after,
                last,
                before,
            },
            AuditEvent,
        )
        .await?;
        Ok(AuditEventConnection::new(page, total))
    }
}
