//! Opaque global IDs: `base64url("Type:id")`, the `id` of every `Node`.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::AppError;

/// Encodes the global ID of row `id` of GraphQL type `type_name`.
pub fn encode(type_name: &str, id: i64) -> async_graphql::ID {
    async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// Decodes any global ID into its type name and row id.
pub fn decode_any(id: &str, argument: &str) -> Result<(String, i64), AppError> {
    let invalid = || AppError::bad_input(argument, format!("`{argument}` is not a valid ID"));
    let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (type_name, row) = text.split_once(':').ok_or_else(invalid)?;
    let row: i64 = row.parse().map_err(|_| invalid())?;
    if type_name.is_empty() || row <= 0 {
        return Err(invalid());
    }
    Ok((type_name.to_owned(), row))
}

/// Decodes a global ID that must be of type `type_name`.
pub fn decode(id: &str, type_name: &str, argument: &str) -> Result<i64, AppError> {
    let (found, row) = decode_any(id, argument)?;
    if found != type_name {
        return Err(AppError::bad_input(
            argument,
            format!("`{argument}` must be the ID of a {type_name}, not of a {found}"),
        ));
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let id = encode("Project", 42);
        assert_eq!(decode(&id, "Project", "id").ok(), Some(42));
        assert!(decode(&id, "Member", "id").is_err());
        assert!(decode("not base64!", "Project", "id").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("Project:x"), "Project", "id").is_err());
    }
}
