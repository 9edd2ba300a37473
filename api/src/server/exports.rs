//! `/exports/{file}`: the downloads, over what the caller may see that
//! matches `?filter=` (the files themselves are written by [`crate::export`]).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use super::errors::{error_response, request_id};
use crate::error::AppError;
use crate::pipeline::Caller;

/// Query parameters of a download.
#[derive(serde::Deserialize)]
pub(crate) struct ExportParams {
    /// A `ProjectFilter` as JSON, as in the GraphQL `projects` list.
    filter: Option<String>,
}

/// Streams a download (`/exports/projects.csv`, …) over the projects the caller
/// may see that match `?filter=` (a `ProjectFilter` as JSON).
pub(crate) async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    axum::extract::Path(file): axum::extract::Path<String>,
    axum::extract::Query(params): axum::extract::Query<ExportParams>,
) -> Response {
    let principal = caller.principal;
    let export = match crate::export::parse_name(&file) {
        Ok(export) => export,
        Err(error) => return error_response(&error, request_id(&headers)),
    };
    let filter = match parse_filter(export.filter_kind(), params.filter.as_deref()) {
        Ok(filter) => filter,
        Err(error) => return error_response(&error, request_id(&headers)),
    };
    let writer = crate::export::Writer::new(state.db.clone(), principal, filter, export);
    match writer.lacks_required_rows().await {
        Ok(false) => {}
        Ok(true) => {
            let body = Json(json!({ "errors": [{
                "message": "no published project matches: an IATI activity file holds at least one activity",
                "extensions": { "code": "NOT_FOUND" },
            }]}));
            return (StatusCode::NOT_FOUND, body).into_response();
        }
        Err(error) => return error_response(&error, request_id(&headers)),
    }
    let stream = async_graphql::futures_util::stream::unfold(writer, |mut writer| async move {
        writer.next().await.map(|piece| (piece, writer))
    });
    (
        [
            (header::CONTENT_TYPE, export.content_type()),
            (header::CACHE_CONTROL, "no-store"),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

/// Parses `?filter=` as the GraphQL filter input of the download's list
/// (`ProjectFilter`, `AssistanceOfferFilter` or `AssistanceNeedFilter`).
fn parse_filter(
    kind: crate::export::FilterKind,
    text: Option<&str>,
) -> Result<crate::export::Filter, AppError> {
    use crate::assistance::query::{AssistanceNeedFilter, AssistanceOfferFilter};
    use crate::export::{Filter, FilterKind};
    let graphql = |e: async_graphql::Error| AppError::bad_input("filter", e.message);
    Ok(match kind {
        FilterKind::Projects => Filter::Projects(
            filter_input::<crate::project::query::ProjectFilter>(text, "ProjectFilter")?
                .into_filter()?,
        ),
        FilterKind::Offers => Filter::Assistance(
            filter_input::<AssistanceOfferFilter>(text, "AssistanceOfferFilter")?
                .into_filter()
                .map_err(graphql)?,
        ),
        FilterKind::Needs => Filter::Assistance(
            filter_input::<AssistanceNeedFilter>(text, "AssistanceNeedFilter")?
                .into_filter()
                .map_err(graphql)?,
        ),
    })
}

/// Parses `?filter=` JSON as the GraphQL input `T` (called `name`). Unknown
/// fields are refused, not ignored: a filter that filters nothing is a mistake.
fn filter_input<T: async_graphql::InputType>(
    text: Option<&str>,
    name: &str,
) -> Result<T, AppError> {
    let bad = |detail: String| AppError::bad_input("filter", format!("`filter` {detail}"));
    let json: serde_json::Value = match text {
        // No filter: every condition left out.
        None => serde_json::json!({}),
        Some(text) => serde_json::from_str(text).map_err(|_| {
            bad(format!(
                "is not JSON: give a {name} as in the GraphQL lists"
            ))
        })?,
    };
    let value =
        async_graphql::Value::from_json(json).map_err(|_| bad(format!("is not a {name}")))?;
    let parsed = T::parse(Some(value.clone())).map_err(|e| {
        bad(format!(
            "is not a {name}: {}",
            e.into_server_error(Default::default()).message
        ))
    })?;
    if let (async_graphql::Value::Object(given), async_graphql::Value::Object(fields)) =
        (&value, parsed.to_value())
        && let Some(key) = given.keys().find(|key| !fields.contains_key(*key))
    {
        return Err(bad(format!("has no field {key:?}: it is a {name}")));
    }
    Ok(parsed)
}
