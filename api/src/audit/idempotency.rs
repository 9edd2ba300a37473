//! Idempotency keys of create mutations, kept in the same transaction as the
//! creation so that a key and its result are never half-written. Writers are
//! serialised by the audit chain's lock, so two requests with one key cannot
//! both miss the earlier use.

use chrono::Utc;
use entity::idempotency_key;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::service::Writer;
use crate::error::{AppError, Result};
use crate::loader::Table;
use crate::validation::{Outcome, UserErrorCode};

/// The longest key accepted.
pub const MAX_KEY_LENGTH: usize = 200;

/// A client's idempotency key for one create operation and input.
#[derive(Clone, Debug)]
pub struct Idempotency {
    key: String,
    operation: &'static str,
    request_hash: String,
}

impl Idempotency {
    /// The key of `operation` for `input`, if the client gave one.
    pub fn new(
        key: Option<String>,
        operation: &'static str,
        input: &impl Serialize,
    ) -> Result<Option<Self>> {
        let Some(key) = key else {
            return Ok(None);
        };
        if key.is_empty() || key.len() > MAX_KEY_LENGTH {
            return Err(AppError::bad_input(
                "input.idempotencyKey",
                format!("`input.idempotencyKey` must have 1 to {MAX_KEY_LENGTH} characters"),
            ));
        }
        let bytes = serde_json::to_vec(input)
            .map_err(|e| AppError::internal(format!("cannot encode input: {e}")))?;
        Ok(Some(Self {
            key,
            operation,
            request_hash: hex::encode(Sha256::digest(bytes)),
        }))
    }

    /// The first result when the key was used before by the same caller: the
    /// record it created for the same input, a refusal for another input.
    pub async fn replay<E: Table>(&self, writer: &Writer) -> Result<Option<Outcome<E::Model>>> {
        let earlier = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::Actor.eq(writer.actor().subject.as_str()))
            .filter(idempotency_key::Column::Operation.eq(self.operation))
            .filter(idempotency_key::Column::Key.eq(self.key.as_str()))
            .one(writer.txn())
            .await?;
        let Some(earlier) = earlier else {
            return Ok(None);
        };
        if earlier.request_hash != self.request_hash {
            return Ok(Some(Outcome::refuse(
                "idempotencyKey",
                UserErrorCode::IdempotencyKeyReused,
                "this idempotency key was used before with a different input",
            )));
        }
        let first = E::find()
            .filter(E::id_column().eq(earlier.entity_id))
            .one(writer.txn())
            .await?;
        Ok(Some(match first {
            Some(first) => Outcome::Done(first),
            None => Outcome::refuse(
                "idempotencyKey",
                UserErrorCode::NotFound,
                "the record this idempotency key created has since been removed",
            ),
        }))
    }

    /// Remembers that the key created `entity_id`, in the writer's transaction.
    pub async fn remember(&self, writer: &Writer, entity_id: i64) -> Result<()> {
        idempotency_key::ActiveModel {
            id: sea_orm::NotSet,
            actor: Set(writer.actor().subject.clone()),
            operation: Set(self.operation.to_owned()),
            key: Set(self.key.clone()),
            request_hash: Set(self.request_hash.clone()),
            entity_id: Set(entity_id),
            created_at: Set(Utc::now()),
        }
        .insert(writer.txn())
        .await?;
        Ok(())
    }
}
