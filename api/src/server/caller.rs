//! Who calls: the bearer token of a request (or of a WebSocket's
//! `connection_init`) verified, and the organisation an editor acts for
//! looked up as it stands now.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::Response;

use super::AppState;
use super::errors::{error_response, request_id};
use crate::auth::{Principal, Role};
use crate::error::AppError;
use crate::member;
use crate::pipeline::Caller;

/// A handler's caller: its verified token (anonymous without one), how the
/// rate limiter knows it and what it may spend. A token that is present
/// but refused is answered 401 before the handler runs. Take it as
/// `Result<Caller, Response>` to decide when the refusal is sent.
impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let refuse = |error: &AppError| error_response(error, request_id(&parts.headers));
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip())
            .ok_or_else(|| {
                refuse(&AppError::internal(
                    "the server runs without peer addresses",
                ))
            })?;
        let principal = authenticate(state, &parts.headers)
            .await
            .map_err(|error| refuse(&error))?;
        Ok(Caller::new(principal, peer, &state.limits))
    }
}

/// The caller of a request: anonymous without an `Authorization` header, else
/// the verified bearer token's subject. A header that is present but not a
/// valid token is refused, never treated as anonymous.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Principal, AppError> {
    match headers.get(header::AUTHORIZATION) {
        None => Ok(Principal::Anonymous),
        Some(value) => {
            let value = value.to_str().map_err(|_| AppError::Unauthenticated)?;
            Ok(authorize(state, Some(value)).await?.0)
        }
    }
}

/// The caller behind an `Authorization` value (`Bearer <token>`), with the
/// token's expiry (seconds since the epoch); anonymous without one.
pub(crate) async fn authorize(
    state: &AppState,
    authorization: Option<&str>,
) -> Result<(Principal, Option<u64>), AppError> {
    let Some(value) = authorization else {
        return Ok((Principal::Anonymous, None));
    };
    let token = bearer_token(value).ok_or(AppError::Unauthenticated)?;
    let claims = state.verifier.verify(token)?;
    // Editors act for organisations that are members or applying; a rejected,
    // suspended or withdrawn organisation's tokens no longer count. An
    // applicant's editor only reads and amends its application (policy).
    let (member_id, applicant) = match &claims.member {
        Some(slug) => {
            let (id, applicant) = member::service::standing_by_slug(&state.db, slug)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            // The restriction is an editor's: the secretariat's tokens
            // write whatever organisation they name.
            (Some(id), applicant && claims.role == Role::Editor)
        }
        None => (None, false),
    };
    if claims.role == Role::Editor && member_id.is_none() {
        return Err(AppError::Unauthenticated);
    }
    Ok((
        Principal::User {
            subject: claims.sub,
            role: claims.role,
            member_id,
            applicant,
        },
        Some(claims.exp),
    ))
}

/// The token of an `Authorization` value `Bearer <token>` (the scheme in any
/// case), `None` for any other scheme.
pub(crate) fn bearer_token(value: &str) -> Option<&str> {
    value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
}
