//! The one way every GraphQL operation runs, whatever its transport (HTTP,
//! WebSocket): who calls and what it may spend ([`Caller`]), the checks
//! before it runs ([`check`]: limits, cost, the caller's budgets), the data
//! it runs with ([`Caller::request`]), and the in-flight budget and time
//! limit it runs within ([`enter`], [`within_time_limit`]). A transport
//! reads its messages and writes its answers; what lies between is here, so
//! a rule added here holds on every transport.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::Variables;
use async_graphql::parser::types::{ExecutableDocument, OperationType};

use crate::admission::Admitted;
use crate::auth::Principal;
use crate::config::Limits;
use crate::error::AppError;
use crate::guard::{self, Shape};
use crate::i18n::PreferredLang;
use crate::ratelimit::{Decision, address_key};
use crate::server::AppState;

/// What a client is told when an operation outlives the time limit.
pub const TIMEOUT_MESSAGE: &str = "the request took longer than the time limit";

/// The root mutation anyone may call without a token, with a budget of its own.
const APPLY: &str = "applyForMembership";

/// Who calls, how the rate limiter knows it and what it may spend.
#[derive(Clone)]
pub struct Caller {
    /// The verified caller.
    pub principal: Principal,
    /// Its rate-limit key: the token's subject, else the client address.
    pub key: String,
    /// Query cost it may spend per minute.
    pub budget: u64,
    /// The client address's rate-limit key (whoever the caller is).
    pub address: String,
}

impl Caller {
    /// The caller `principal` connected from `peer`.
    pub fn new(principal: Principal, peer: IpAddr, limits: &Limits) -> Self {
        let address = address_key(peer);
        let (key, budget) = match &principal {
            Principal::Anonymous => (address.clone(), limits.rate_limit_anonymous),
            Principal::User { subject, .. } => {
                (format!("token:{subject}"), limits.rate_limit_token)
            }
        };
        Self {
            principal,
            key,
            budget,
            address,
        }
    }

    /// `request` with the data every operation runs with: the caller, the
    /// language and where an application without a token comes from.
    pub fn request(
        &self,
        request: async_graphql::Request,
        lang: PreferredLang,
        limits: &Limits,
    ) -> async_graphql::Request {
        request
            .data(self.principal.clone())
            .data(lang)
            .data(Origin {
                address: self.address.clone(),
                open_cap: limits.open_applications_per_address,
            })
    }
}

/// Where an operation comes from, for the cap on open applications filed
/// without a token from one client address (`applyForMembership`).
#[derive(Clone, Debug)]
pub struct Origin {
    /// The client address's rate-limit key.
    pub address: String,
    /// Open applications one address may have.
    pub open_cap: u64,
}

/// Why an operation may not run.
#[derive(Debug)]
pub enum Refusal {
    /// It breaks a limit or names no operation: a request error.
    Invalid(AppError),
    /// It is over one of the caller's budgets: 429 over HTTP.
    Rate(Decision),
}

/// An operation that passed the checks and was paid for.
pub struct Checked {
    /// Its measured shape (cost, aliases).
    pub shape: Shape,
    /// What its cost left of the caller's budget.
    pub decision: Decision,
    /// Query, mutation or subscription.
    pub kind: OperationType,
}

/// The checks every operation passes before it runs, on every transport:
/// the limits and cost of the document ([`guard::check`]), a cost the
/// caller's budget could ever pay, the hourly budget of applications filed
/// without a token, and the caller's query-cost budget (charged).
pub fn check(
    state: &AppState,
    caller: &Caller,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<Checked, Refusal> {
    let shape = guard::check(document, operation_name, variables, &state.limits)
        .map_err(Refusal::Invalid)?;
    let kind = guard::operation(document, operation_name)
        .map(|op| op.ty)
        .unwrap_or(OperationType::Query);
    if shape.cost > caller.budget {
        // It could never run, however long the caller waited.
        return Err(Refusal::Invalid(guard::limit(format!(
            "the query may cost {}, more than the {} a minute this caller may spend",
            shape.cost, caller.budget
        ))));
    }
    if kind == OperationType::Mutation && caller.principal == Principal::Anonymous {
        let applications = guard::root_fields_named(document, operation_name, APPLY);
        if applications > 0 {
            let decision = state.applications.charge(
                &caller.address,
                applications,
                state.limits.applications_per_hour,
            );
            if !decision.allowed {
                state.metrics.rate_limited();
                return Err(Refusal::Rate(decision));
            }
        }
    }
    let decision = state.limiter.charge(&caller.key, shape.cost, caller.budget);
    if !decision.allowed {
        state.metrics.rate_limited();
        return Err(Refusal::Rate(decision));
    }
    Ok(Checked {
        shape,
        decision,
        kind,
    })
}

/// Waits for the operation's place in the in-flight budget (within the
/// time limit the caller runs it in).
pub async fn enter(state: &AppState, cost: u64) -> Arc<Admitted> {
    Arc::new(state.admission.enter(cost).await)
}

/// The longest an operation may take, from its arrival to its answer.
pub fn time_limit(limits: &Limits) -> Duration {
    Duration::from_secs(limits.request_timeout_secs)
}

/// `work`, cut at the time limit: `None` when it took longer (and was
/// dropped, which rolls back a write that had not committed).
pub async fn within_time_limit<F: Future>(limits: &Limits, work: F) -> Option<F::Output> {
    tokio::time::timeout(time_limit(limits), work).await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).expect("parses")
    }

    #[test]
    fn applications_are_counted_through_aliases_and_fragments() {
        let document = parse(
            "mutation { a: applyForMembership(input: {}) { member { slug } } \
             ...F ... on Mutation { applyForMembership(input: {}) { member { slug } } } } \
             fragment F on Mutation { b: applyForMembership(input: {}) { member { slug } } }",
        );
        assert_eq!(guard::root_fields_named(&document, None, APPLY), 3);
        let other = parse("mutation { updateMemberProfile(input: {}) { member { slug } } }");
        assert_eq!(guard::root_fields_named(&other, None, APPLY), 0);
    }
}
