//! The GraphQL schema: root types, limits and the SDL export.

use async_graphql::{MergedObject, SDLExportOptions, Schema};

use crate::config::Limits;
use crate::policy::Guarded;
use crate::{
    assistance, audit, feed, governance, member, node, partnership, project, territory, viewer,
};

/// Every read root field.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    node::NodeQuery,
    territory::query::TerritoryQuery,
    member::query::MemberQuery,
    project::query::ProjectQuery,
    assistance::query::AssistanceQuery,
    partnership::query::PartnershipQuery,
    governance::query::GovernanceQuery,
    viewer::ViewerQuery,
    audit::query::AuditQuery,
    feed::query::FeedQuery,
);

/// Every mutation.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    project::mutation::ProjectMutation,
    member::mutation::MemberMutation,
    assistance::mutation::AssistanceMutation,
    partnership::mutation::PartnershipMutation,
    governance::mutation::GovernanceMutation,
);

/// Every live subscription (over `/graphql/ws`): the change feed's.
pub type SubscriptionRoot = feed::subscription::FeedSubscription;

/// The service's schema type.
/// The roots are [`Guarded`]: the access policy decides every root field.
pub type AppSchema = Schema<Guarded<QueryRoot>, Guarded<MutationRoot>, Guarded<SubscriptionRoot>>;

/// Builds the schema with the default limits (for the SDL).
pub fn build_schema() -> AppSchema {
    build_schema_with(&Limits::default())
}

/// Builds the schema with `limits`. The cost, aliases and value nesting are
/// checked before execution (`guard`); here the engine's own depth, directive
/// and parser recursion limits, and introspection. Per-request data (caller,
/// loaders, language) is attached to each request, not here; the instance's
/// kept funnels ([`crate::project::funnel::FunnelCache`]) are.
pub fn build_schema_with(limits: &Limits) -> AppSchema {
    let mut builder = Schema::build(
        Guarded(QueryRoot::default()),
        Guarded(MutationRoot::default()),
        Guarded(SubscriptionRoot::default()),
    )
    .limit_depth(limits.max_depth)
    .limit_directives(limits.max_directives_per_field)
    .limit_recursive_depth(limits.max_depth + limits.max_value_depth + 4)
    .enable_federation()
    .data(std::sync::Arc::new(
        crate::project::funnel::FunnelCache::default(),
    ));
    if !limits.introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, fields and enum values sorted: the text of `schema.graphql`.
pub fn sdl() -> String {
    build_schema().sdl_with_options(
        SDLExportOptions::new()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items(),
    )
}

/// The schema as an Apollo Federation v2 subgraph (`@link`, `@key` on the
/// entities `Project` and `Member`), for composing into a supergraph.
pub fn federation_sdl() -> String {
    build_schema().sdl_with_options(
        SDLExportOptions::new()
            .federation()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items(),
    )
}
