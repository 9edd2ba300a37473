//! Idempotency keys of create mutations, kept in the same transaction as the
//! creation so that a key and its result are never half-written.

use chrono::Utc;
use entity::idempotency_key;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{AppError, Result};

/// The longest key accepted.
pub const MAX_KEY_LENGTH: usize = 200;

/// SHA-256 of an input's JSON encoding, hex: what "the same input" means.
pub fn request_hash(input: &impl Serialize) -> Result<String> {
    let bytes = serde_json::to_vec(input)
        .map_err(|e| AppError::internal(format!("cannot encode input: {e}")))?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

/// The earlier use of `key` by `actor` for `operation`, if any.
pub async fn find(
    db: &impl ConnectionTrait,
    actor: &str,
    operation: &str,
    key: &str,
) -> Result<Option<idempotency_key::Model>> {
    Ok(idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Actor.eq(actor))
        .filter(idempotency_key::Column::Operation.eq(operation))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(db)
        .await?)
}

/// Remembers that `key` created `entity_id`.
pub async fn remember(
    db: &impl ConnectionTrait,
    actor: &str,
    operation: &str,
    key: &str,
    request_hash: String,
    entity_id: i64,
) -> Result<()> {
    idempotency_key::ActiveModel {
        id: sea_orm::NotSet,
        actor: Set(actor.to_owned()),
        operation: Set(operation.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash),
        entity_id: Set(entity_id),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}
