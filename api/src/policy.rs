//! The access policy: one table decides who may call every root field and
//! every mutation. A field without an entry is denied to everyone; a test
//! enumerates the schema and fails when a root field has no entry.

use std::borrow::Cow;
use std::pin::Pin;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{
    ContainerType, Context, ContextSelectionSet, ObjectType, OutputType, PathSegment, Positioned,
    Response, ServerError, ServerResult, SubscriptionType, Value,
};
use futures_util::Stream;

use crate::auth::{Principal, Role};
use crate::error::AppError;
use crate::loader::Loaders;

/// Who may call a root field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Everyone, anonymous callers included (what they see is still filtered by visibility).
    Public,
    /// Authenticated callers with one of these roles.
    Roles(&'static [Role]),
}

const ALL_ROLES: &[Role] = &[Role::Editor, Role::Coordinator, Role::Analyst, Role::Admin];
/// Who maintains records: editors (their own organisation's), the secretariat and administrators.
const WRITERS: &[Role] = &[Role::Editor, Role::Coordinator, Role::Admin];
/// The secretariat and administrators: publishing, membership decisions.
const SECRETARIAT: &[Role] = &[Role::Coordinator, Role::Admin];
/// Who reads the audit trail.
const READERS_OF_THE_TRAIL: &[Role] = &[Role::Coordinator, Role::Analyst, Role::Admin];

/// The mutations an editor of an organisation that has applied, and is not
/// yet a member, may call: amending and withdrawing its own application
/// (each still checks that the record is its own). Only members' editors
/// write anything else.
pub const APPLICANT_MUTATIONS: &[&str] = &[
    "updateMemberProfile",
    "addMemberIdentifier",
    "removeMemberIdentifier",
    "withdrawMembership",
];

/// Every root field: operation type, field name, access.
pub const POLICY: &[(&str, &str, Access)] = &[
    ("Query", "node", Access::Public),
    // Apollo Federation: the router's entity lookups (visibility applies) and
    // the subgraph SDL (answered by the engine itself; served only while
    // introspection is on).
    ("Query", "_entities", Access::Public),
    ("Query", "_service", Access::Public),
    ("Query", "nodes", Access::Public),
    ("Query", "territories", Access::Public),
    ("Query", "territory", Access::Public),
    ("Query", "members", Access::Public),
    ("Query", "member", Access::Public),
    ("Query", "projects", Access::Public),
    ("Query", "project", Access::Public),
    ("Query", "assistanceOffers", Access::Public),
    ("Query", "assistanceNeeds", Access::Public),
    ("Query", "assistanceMatches", Access::Public),
    ("Query", "partnerships", Access::Public),
    ("Query", "clusters", Access::Public),
    ("Query", "responsibilities", Access::Public),
    ("Query", "oecdPrinciples", Access::Public),
    ("Query", "matchSuggestions", Access::Roles(ALL_ROLES)),
    ("Query", "partnershipGaps", Access::Public),
    ("Query", "responsibilityMatrix", Access::Public),
    ("Query", "governanceIssues", Access::Public),
    ("Query", "oecdCoverage", Access::Public),
    ("Query", "changes", Access::Public),
    ("Query", "fundingFunnel", Access::Public),
    ("Query", "assistanceStats", Access::Public),
    ("Query", "viewer", Access::Roles(ALL_ROLES)),
    ("Query", "auditEvents", Access::Roles(READERS_OF_THE_TRAIL)),
    ("Mutation", "createProject", Access::Roles(WRITERS)),
    ("Mutation", "updateProject", Access::Roles(WRITERS)),
    ("Mutation", "publishProject", Access::Roles(SECRETARIAT)),
    ("Mutation", "archiveProject", Access::Roles(SECRETARIAT)),
    ("Mutation", "recordFunding", Access::Roles(WRITERS)),
    ("Mutation", "removeFunding", Access::Roles(WRITERS)),
    ("Mutation", "addParticipant", Access::Roles(WRITERS)),
    ("Mutation", "removeParticipant", Access::Roles(WRITERS)),
    ("Mutation", "addIndicator", Access::Roles(WRITERS)),
    ("Mutation", "updateIndicator", Access::Roles(WRITERS)),
    ("Mutation", "addDocumentLink", Access::Roles(WRITERS)),
    ("Mutation", "removeDocumentLink", Access::Roles(WRITERS)),
    ("Mutation", "addMemberIdentifier", Access::Roles(WRITERS)),
    ("Mutation", "removeMemberIdentifier", Access::Roles(WRITERS)),
    ("Mutation", "applyForMembership", Access::Public),
    ("Mutation", "approveMembership", Access::Roles(SECRETARIAT)),
    ("Mutation", "rejectMembership", Access::Roles(SECRETARIAT)),
    ("Mutation", "suspendMembership", Access::Roles(SECRETARIAT)),
    (
        "Mutation",
        "reinstateMembership",
        Access::Roles(SECRETARIAT),
    ),
    ("Mutation", "withdrawMembership", Access::Roles(WRITERS)),
    ("Mutation", "updateMemberProfile", Access::Roles(WRITERS)),
    ("Mutation", "createAssistanceOffer", Access::Roles(WRITERS)),
    ("Mutation", "updateAssistanceOffer", Access::Roles(WRITERS)),
    ("Mutation", "updateAssistanceNeed", Access::Roles(WRITERS)),
    ("Mutation", "openAssistanceOffer", Access::Roles(WRITERS)),
    (
        "Mutation",
        "withdrawAssistanceOffer",
        Access::Roles(WRITERS),
    ),
    ("Mutation", "closeAssistanceOffer", Access::Roles(WRITERS)),
    ("Mutation", "createAssistanceNeed", Access::Roles(WRITERS)),
    ("Mutation", "openAssistanceNeed", Access::Roles(WRITERS)),
    ("Mutation", "withdrawAssistanceNeed", Access::Roles(WRITERS)),
    ("Mutation", "closeAssistanceNeed", Access::Roles(WRITERS)),
    ("Mutation", "proposeMatch", Access::Roles(WRITERS)),
    ("Mutation", "acceptMatch", Access::Roles(WRITERS)),
    ("Mutation", "declineMatch", Access::Roles(WRITERS)),
    ("Mutation", "startMatch", Access::Roles(WRITERS)),
    ("Mutation", "completeMatch", Access::Roles(WRITERS)),
    ("Mutation", "cancelMatch", Access::Roles(WRITERS)),
    ("Mutation", "proposePartnership", Access::Roles(WRITERS)),
    ("Mutation", "activatePartnership", Access::Roles(WRITERS)),
    ("Mutation", "suspendPartnership", Access::Roles(WRITERS)),
    ("Mutation", "endPartnership", Access::Roles(WRITERS)),
    ("Mutation", "createCluster", Access::Roles(WRITERS)),
    (
        "Mutation",
        "assignPartnershipToCluster",
        Access::Roles(WRITERS),
    ),
    ("Mutation", "createResponsibility", Access::Roles(WRITERS)),
    ("Mutation", "endResponsibility", Access::Roles(WRITERS)),
    // Live subscriptions: what they carry is filtered by visibility like the lists.
    ("Subscription", "changes", Access::Public),
    ("Subscription", "projectUpdated", Access::Public),
];

/// The policy entry of a root field.
pub fn entry(operation: &str, field: &str) -> Option<Access> {
    POLICY
        .iter()
        .find(|(o, f, _)| *o == operation && *f == field)
        .map(|(_, _, access)| *access)
}

/// Decides whether `principal` may call root field `field` of `operation`.
pub fn decide(operation: &str, field: &str, principal: &Principal) -> Result<(), AppError> {
    match entry(operation, field) {
        None => Err(AppError::Forbidden),
        Some(Access::Public) => Ok(()),
        Some(Access::Roles(roles)) => match principal.role() {
            None => Err(AppError::Unauthenticated),
            Some(_)
                if operation == "Mutation"
                    && principal.is_applicant()
                    && !APPLICANT_MUTATIONS.contains(&field) =>
            {
                Err(AppError::Forbidden)
            }
            Some(role) if roles.contains(&role) => Ok(()),
            Some(_) => Err(AppError::Forbidden),
        },
    }
}

/// The root types of the schema, wrapped so that [`POLICY`] is enforced on
/// every root field of the service before it resolves (and on every entity
/// lookup of a federation router). The engine answers `__schema`, `__type`
/// and `_service` itself; they are governed by the introspection setting
/// (`INTROSPECTION`), not by this table. Only the root fields pay for the
/// check: nested fields resolve as they would without it.
pub struct Guarded<T>(pub T);

/// The error for a root field `principal` may not call, or `None`.
fn refusal(operation: &str, ctx: &Context<'_>) -> Option<ServerError> {
    let field = &ctx.item.node;
    let name = field.name.node.as_str();
    if name.starts_with("__") {
        return None;
    }
    let anonymous = Principal::Anonymous;
    let principal = ctx.data_opt::<Principal>().unwrap_or(&anonymous);
    let error: async_graphql::Error = decide(operation, name, principal).err()?.into();
    let mut refused = ServerError::new(error.message, None);
    refused.extensions = error.extensions;
    refused.path = vec![PathSegment::Field(
        field.response_key().node.as_str().to_owned(),
    )];
    Some(refused)
}

impl<T: ContainerType> OutputType for Guarded<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        async_graphql::resolver_utils::resolve_container(ctx, self).await
    }
}

impl<T: ContainerType> ContainerType for Guarded<T> {
    fn is_empty() -> bool {
        T::is_empty()
    }

    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        let operation = T::type_name();
        if let Some(refused) = refusal(&operation, ctx) {
            return Err(refused);
        }
        if operation == "Mutation" {
            // Mutations run one after another: each reads afresh what the
            // ones before it may have changed.
            if let Some(loaders) = ctx.data_opt::<Loaders>() {
                loaders.forget();
            }
        }
        self.0.resolve_field(ctx).await
    }

    async fn find_entity(&self, ctx: &Context<'_>, params: &Value) -> ServerResult<Option<Value>> {
        // `_entities` is the root field that asks (its policy entry decides).
        if let Some(refused) = refusal(&T::type_name(), ctx) {
            return Err(refused);
        }
        self.0.find_entity(ctx, params).await
    }
}

impl<T: ObjectType> ObjectType for Guarded<T> {}

impl<T: SubscriptionType> SubscriptionType for Guarded<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    fn is_empty() -> bool {
        T::is_empty()
    }

    fn create_field_stream<'a>(
        &'a self,
        ctx: &'a Context<'_>,
    ) -> Option<Pin<Box<dyn Stream<Item = Response> + Send + 'a>>> {
        match refusal(&T::type_name(), ctx) {
            Some(refused) => Some(Box::pin(futures_util::stream::once(async move {
                Response::from_errors(vec![refused])
            }))),
            None => self.0.create_field_stream(ctx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_denied_and_roles_are_checked() {
        let analyst = Principal::User {
            subject: "a".into(),
            role: Role::Analyst,
            member_id: None,
            applicant: false,
        };
        assert!(matches!(
            decide("Query", "nope", &analyst),
            Err(AppError::Forbidden)
        ));
        assert!(decide("Query", "projects", &Principal::Anonymous).is_ok());
        assert!(matches!(
            decide("Query", "viewer", &Principal::Anonymous),
            Err(AppError::Unauthenticated)
        ));
        assert!(decide("Query", "viewer", &analyst).is_ok());
    }
}
