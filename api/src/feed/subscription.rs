//! Live subscriptions (served at `/graphql/ws`): the change feed and the
//! changes of one project, as they commit.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use async_graphql::futures_util::stream::{self, Stream};
use async_graphql::{Context, ID, Subscription};
use entity::{audit_event, document_link, funding, indicator, participant, project};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tokio::sync::watch;

use crate::auth::Principal;
use crate::error::{AppError, Result};
use crate::feed::service;
use crate::feed::signal::{ChangeSignal, committed_head};
use crate::feed::types::Change;
use crate::graphql;
use crate::ids;
use crate::loader::Table;
use crate::policy;
use crate::project::types::Project;

/// Changes read from the trail at a time.
const BATCH: u64 = 100;
/// Record types whose changes change a project as its readers see it.
const PROJECT_PARTS: [&str; 5] = [
    "Project",
    "Participant",
    "Funding",
    "Indicator",
    "DocumentLink",
];

/// Live subscriptions.
#[derive(Default)]
pub struct FeedSubscription;

/// Live subscriptions.
#[Subscription(name = "Subscription")]
impl FeedSubscription {
    /// The change feed, live: first every change after `after` (a cursor
    /// stored from the `changes` list or from `Change.cursor`), then each
    /// change as it commits, in commit order, never missing or repeating one.
    /// A consumer that reconnects passes the cursor of the last change it
    /// received. Readers see the same changes as in the `changes` list.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Read on after this cursor; from the first change when left out.")]
        after: Option<String>,
        #[graphql(desc = "Only changes of these record types, e.g. `[\"Project\", \"Funding\"]`.")]
        entity_types: Option<Vec<String>>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Change>> + use<>> {
        let loaders = graphql::loaders(ctx)?;
        policy::decide("Subscription", "changes", loaders.principal())?;
        let entity_types = entity_types.unwrap_or_default();
        service::check_entity_types(&entity_types)?;
        let after = service::seq_of(after.as_deref(), "after")?;
        let follow = Follow {
            db: loaders.db().clone(),
            principal: loaders.principal().clone(),
            entity_types,
            after,
            head: signal(ctx)?.subscribe(),
            buffer: VecDeque::new(),
            failed: false,
        };
        Ok(stream::unfold(follow, Follow::next))
    }

    /// The project each time it or one of its participants, funding records,
    /// indicators or document links changes, from now on: one message per
    /// batch of committed changes, with the project as it is after them. Ends
    /// when the caller may no longer see the project.
    async fn project_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's ID.")] id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Project>> + use<>> {
        let loaders = graphql::loaders(ctx)?;
        policy::decide("Subscription", "projectUpdated", loaders.principal())?;
        let project_id = ids::decode(&id, "Project", "id")?;
        let db = loaders.db().clone();
        let principal = loaders.principal().clone();
        // Subscribe before reading the head: a commit in between still wakes us.
        let head = signal(ctx)?.subscribe();
        if visible_project(&db, &principal, project_id)
            .await?
            .is_none()
        {
            return Err(AppError::bad_input("id", "`id` names no project you can see").into());
        }
        let after = committed_head(&db).await?;
        let watch = ProjectWatch {
            db,
            principal,
            project_id,
            after,
            head,
            done: false,
        };
        Ok(stream::unfold(watch, ProjectWatch::next))
    }
}

fn signal<'a>(ctx: &Context<'a>) -> Result<&'a Arc<ChangeSignal>> {
    ctx.data::<Arc<ChangeSignal>>()
        .map_err(|_| AppError::internal("subscription without a change signal"))
}

/// The state of one `changes` subscription.
struct Follow {
    db: DatabaseConnection,
    principal: Principal,
    entity_types: Vec<String>,
    /// The last sequence number sent (or skipped as unreadable).
    after: i64,
    head: watch::Receiver<i64>,
    buffer: VecDeque<audit_event::Model>,
    failed: bool,
}

impl Follow {
    async fn next(mut self) -> Option<(async_graphql::Result<Change>, Self)> {
        loop {
            if let Some(event) = self.buffer.pop_front() {
                self.after = event.seq;
                return Some((Ok(Change(event)), self));
            }
            if self.failed {
                return None;
            }
            // Mark the head seen before reading: a commit after this wakes us.
            let seen = *self.head.borrow_and_update();
            match service::read_after(
                &self.db,
                &self.principal,
                &self.entity_types,
                self.after,
                BATCH,
            )
            .await
            {
                Ok(events) if !events.is_empty() => self.buffer.extend(events),
                Ok(_) => {
                    // Nothing readable up to the head seen: changes up to it
                    // (committed, in order) need not be read again.
                    self.after = self.after.max(seen);
                    if self.head.changed().await.is_err() {
                        return None;
                    }
                }
                Err(error) => {
                    // The consumer resubscribes from its last cursor.
                    self.failed = true;
                    return Some((Err(error.into()), self));
                }
            }
        }
    }
}

/// The state of one `projectUpdated` subscription.
struct ProjectWatch {
    db: DatabaseConnection,
    principal: Principal,
    project_id: i64,
    after: i64,
    head: watch::Receiver<i64>,
    done: bool,
}

impl ProjectWatch {
    async fn next(mut self) -> Option<(async_graphql::Result<Project>, Self)> {
        if self.done {
            return None;
        }
        loop {
            self.head.borrow_and_update();
            let touched = match self.touched().await {
                Ok(touched) => touched,
                Err(error) => {
                    self.done = true;
                    return Some((Err(error.into()), self));
                }
            };
            if touched {
                return match visible_project(&self.db, &self.principal, self.project_id).await {
                    Ok(Some(model)) => Some((Ok(Project(model)), self)),
                    Ok(None) => None,
                    Err(error) => {
                        self.done = true;
                        Some((Err(error.into()), self))
                    }
                };
            }
            if self.head.changed().await.is_err() {
                return None;
            }
        }
    }

    /// Reads the changes committed since the last call; whether any of them
    /// changed the project or one of its parts.
    async fn touched(&mut self) -> Result<bool> {
        let mut touched = false;
        loop {
            let events = audit_event::Entity::find()
                .filter(audit_event::Column::Seq.gt(self.after))
                .filter(audit_event::Column::EntityType.is_in(PROJECT_PARTS))
                .order_by_asc(audit_event::Column::Seq)
                .limit(BATCH)
                .all(&self.db)
                .await?;
            let Some(last) = events.last() else {
                return Ok(touched);
            };
            self.after = last.seq;
            if !touched {
                touched = self.concerns(&events).await?;
            }
            if (events.len() as u64) < BATCH {
                return Ok(touched);
            }
        }
    }

    /// Whether one of `events` is about the project or one of its parts. A
    /// creation or removal records the whole part with its `project_id`; an
    /// update records only what changed, so the part is looked up.
    async fn concerns(&self, events: &[audit_event::Model]) -> Result<bool> {
        let mut updated_parts: Vec<(&str, i64)> = Vec::new();
        for event in events {
            if event.entity_type == "Project" {
                if event.entity_id == self.project_id {
                    return Ok(true);
                }
                continue;
            }
            let recorded: serde_json::Value =
                serde_json::from_str(&event.changes).unwrap_or_default();
            // A creation records the part, a removal `{"removed": part}`, an
            // update `{"field": [old, new]}` (with `project_id` only if it moved).
            let project_ids: Vec<i64> = match recorded
                .get("removed")
                .unwrap_or(&recorded)
                .get("project_id")
            {
                Some(serde_json::Value::Array(moved)) => {
                    moved.iter().filter_map(serde_json::Value::as_i64).collect()
                }
                Some(value) => value.as_i64().into_iter().collect(),
                None => Vec::new(),
            };
            if project_ids.contains(&self.project_id) {
                return Ok(true);
            }
            if project_ids.is_empty() {
                updated_parts.push((event.entity_type.as_str(), event.entity_id));
            }
        }
        for part in ["Participant", "Funding", "Indicator", "DocumentLink"] {
            let ids: HashSet<i64> = updated_parts
                .iter()
                .filter(|(t, _)| *t == part)
                .map(|(_, id)| *id)
                .collect();
            if !ids.is_empty() && self.owns(part, ids).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether any of the parts `ids` of type `part` belongs to the project.
    async fn owns(&self, part: &str, ids: HashSet<i64>) -> Result<bool> {
        let ids: Vec<i64> = ids.into_iter().collect();
        let found = match part {
            "Participant" => {
                participant::Entity::find()
                    .filter(participant::Column::Id.is_in(ids))
                    .filter(participant::Column::ProjectId.eq(self.project_id))
                    .count(&self.db)
                    .await?
            }
            "Funding" => {
                funding::Entity::find()
                    .filter(funding::Column::Id.is_in(ids))
                    .filter(funding::Column::ProjectId.eq(self.project_id))
                    .count(&self.db)
                    .await?
            }
            "Indicator" => {
                indicator::Entity::find()
                    .filter(indicator::Column::Id.is_in(ids))
                    .filter(indicator::Column::ProjectId.eq(self.project_id))
                    .count(&self.db)
                    .await?
            }
            _ => {
                document_link::Entity::find()
                    .filter(document_link::Column::Id.is_in(ids))
                    .filter(document_link::Column::ProjectId.eq(self.project_id))
                    .count(&self.db)
                    .await?
            }
        };
        Ok(found > 0)
    }
}

async fn visible_project(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
) -> Result<Option<project::Model>> {
    Ok(project::Entity::find_visible(principal)
        .filter(project::Column::Id.eq(id))
        .one(db)
        .await?)
}
