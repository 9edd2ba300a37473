//! The Relay `Node` interface: every object with a global ID, resolvable by `node(id)`.

use async_graphql::{Context, ID, Interface, Object, Value};
use entity::{
    affiliation, assistance_match, assistance_need, assistance_offer, audit_event, cluster,
    document_link, funding, indicator, member, member_identifier, oecd_principle, participant,
    partnership, project, responsibility, territory,
};
use sea_orm::QueryFilter;
use sea_orm::sea_query::{Expr, ExprTrait};

use crate::assistance::types::{AssistanceMatch, AssistanceNeed, AssistanceOffer};
use crate::audit::types::AuditEvent;
use crate::compiled::JsonNode;
use crate::error::{AppError, Result};
use crate::governance::types::{OecdPrinciple, Responsibility};
use crate::graphql::{self, Prebuilt};
use crate::ids;
use crate::loader::{Loaders, Table};
use crate::member::types::{Affiliation, Member, MemberIdentifier};
use crate::pagination::MAX_PAGE_SIZE;
use crate::partnership::types::{Cluster, Partnership};
use crate::project::types::{DocumentLink, Funding, Indicator, Participant, Project};
use crate::territory::types::Territory;

/// An object with a global ID.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global ID, stable and opaque."))]
pub enum Node {
    /// A territorial unit.
    Territory(Territory),
    /// A member organisation.
    Member(Member),
    /// An external identifier of a member.
    MemberIdentifier(MemberIdentifier),
    /// An affiliation to an association.
    Affiliation(Affiliation),
    /// A reconstruction project.
    Project(Project),
    /// A project participation.
    Participant(Participant),
    /// A funding record.
    Funding(Funding),
    /// A result indicator.
    Indicator(Indicator),
    /// A document link.
    DocumentLink(DocumentLink),
    /// An assistance offer.
    AssistanceOffer(AssistanceOffer),
    /// An assistance need.
    AssistanceNeed(AssistanceNeed),
    /// A match of an offer with a need.
    AssistanceMatch(AssistanceMatch),
    /// A partnership.
    Partnership(Partnership),
    /// A cluster of partnerships.
    Cluster(Cluster),
    /// A governance responsibility.
    Responsibility(Responsibility),
    /// An OECD principle.
    OecdPrinciple(OecdPrinciple),
    /// An audit event.
    AuditEvent(AuditEvent),
}

async fn one<E: Table, T>(
    loaders: &Loaders,
    id: i64,
    wrap: fn(E::Model) -> T,
    shows: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Option<T>> {
    let joins = loaders.joins::<E>(shows);
    Ok(loaders.one_joined::<E>(id, &joins).await?.map(wrap))
}

/// Resolves a decoded global ID; an unknown type name is a bad ID. `shows`
/// tells whether the query shows a field of the object (its to-one rows are
/// then read with it, see [`Loaders::one_joined`]).
pub(crate) async fn resolve(
    loaders: &Loaders,
    type_name: &str,
    id: i64,
    argument: &str,
    shows: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Option<Node>> {
    use Node as N;
    Ok(match type_name {
        "Territory" => {
            one::<territory::Entity, _>(loaders, id, |m| N::Territory(Territory(m)), shows).await?
        }
        "Member" => {
            one::<member::Entity, _>(loaders, id, |m| N::Member(Member::from(m)), shows).await?
        }
        "MemberIdentifier" => {
            one::<member_identifier::Entity, _>(
                loaders,
                id,
                |m| N::MemberIdentifier(MemberIdentifier(m)),
                shows,
            )
            .await?
        }
        "Affiliation" => {
            one::<affiliation::Entity, _>(loaders, id, |m| N::Affiliation(Affiliation(m)), shows)
                .await?
        }
        "Project" => {
            one::<project::Entity, _>(loaders, id, |m| N::Project(Project(m)), shows).await?
        }
        "Participant" => {
            one::<participant::Entity, _>(loaders, id, |m| N::Participant(Participant(m)), shows)
                .await?
        }
        "Funding" => {
            one::<funding::Entity, _>(loaders, id, |m| N::Funding(Funding(m)), shows).await?
        }
        "Indicator" => {
            one::<indicator::Entity, _>(loaders, id, |m| N::Indicator(Indicator(m)), shows).await?
        }
        "DocumentLink" => {
            one::<document_link::Entity, _>(
                loaders,
                id,
                |m| N::DocumentLink(DocumentLink(m)),
                shows,
            )
            .await?
        }
        "AssistanceOffer" => {
            one::<assistance_offer::Entity, _>(
                loaders,
                id,
                |m| N::AssistanceOffer(AssistanceOffer(m)),
                shows,
            )
            .await?
        }
        "AssistanceNeed" => {
            one::<assistance_need::Entity, _>(
                loaders,
                id,
                |m| N::AssistanceNeed(AssistanceNeed(m)),
                shows,
            )
            .await?
        }
        "AssistanceMatch" => {
            one::<assistance_match::Entity, _>(
                loaders,
                id,
                |m| N::AssistanceMatch(AssistanceMatch(m)),
                shows,
            )
            .await?
        }
        "Partnership" => {
            one::<partnership::Entity, _>(loaders, id, |m| N::Partnership(Partnership(m)), shows)
                .await?
        }
        "Cluster" => {
            one::<cluster::Entity, _>(loaders, id, |m| N::Cluster(Cluster(m)), shows).await?
        }
        "Responsibility" => {
            one::<responsibility::Entity, _>(
                loaders,
                id,
                |m| N::Responsibility(Responsibility(m)),
                shows,
            )
            .await?
        }
        "AuditEvent" => {
            one::<audit_event::Entity, _>(loaders, id, |m| N::AuditEvent(AuditEvent(m)), shows)
                .await?
        }
        "OecdPrinciple" => {
            one::<oecd_principle::Entity, _>(
                loaders,
                id,
                |m| N::OecdPrinciple(OecdPrinciple(m)),
                shows,
            )
            .await?
        }
        _ => {
            return Err(AppError::bad_input(
                argument,
                format!("`{argument}` is not a valid ID"),
            ));
        }
    })
}

/// The object of a decoded global ID built as JSON with everything under it
/// in one statement ([`graphql::one_built`]), when its type and the
/// selection allow it.
async fn built(ctx: &Context<'_>, type_name: &str, id: i64) -> Result<Option<Value>> {
    async fn by_id<E: Table + JsonNode>(ctx: &Context<'_>, id: i64) -> Result<Option<Value>> {
        let principal = graphql::principal(ctx)?;
        let select = E::find_visible(principal).filter(Expr::col(E::id_column()).eq(id));
        graphql::one_built::<E>(ctx, select).await
    }
    match type_name {
        "Project" => by_id::<project::Entity>(ctx, id).await,
        "Member" => by_id::<member::Entity>(ctx, id).await,
        "Participant" => by_id::<participant::Entity>(ctx, id).await,
        "Funding" => by_id::<funding::Entity>(ctx, id).await,
        "Responsibility" => by_id::<responsibility::Entity>(ctx, id).await,
        "AssistanceOffer" => by_id::<assistance_offer::Entity>(ctx, id).await,
        _ => Ok(None),
    }
}

/// Root fields for global IDs.
#[derive(Default)]
pub struct NodeQuery;

/// Root fields for global IDs.
#[Object]
impl NodeQuery {
    /// The object with this global ID; null when it does not exist or the caller may not see it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID, as returned in any `id` field.")] id: ID,
    ) -> async_graphql::Result<Prebuilt<Option<Node>>> {
        let (type_name, row) = ids::decode_any(&id, "id")?;
        if let Some(value) = built(ctx, &type_name, row).await? {
            return Ok(Prebuilt::Value(value));
        }
        let shows = |field: &str| ctx.look_ahead().field(field).exists();
        let node = resolve(graphql::loaders(ctx)?, &type_name, row, "id", &shows).await?;
        Ok(Prebuilt::Resolve(node))
    }

    /// Apollo Federation: a `Project` entity by its global ID (batched, visibility applied).
    #[graphql(entity)]
    async fn find_project_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Project>> {
        let row = ids::decode(&id, "Project", "id")?;
        Ok(graphql::load::<project::Entity>(ctx, row)
            .await?
            .map(Project))
    }

    /// Apollo Federation: a `Member` entity by its global ID (batched, visibility applied).
    #[graphql(entity)]
    async fn find_member_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Member>> {
        let row = ids::decode(&id, "Member", "id")?;
        crate::member::types::load_member(ctx, row).await
    }

    /// The objects with these global IDs, in the same order; null for each that does not exist or is hidden. At most 100 IDs.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs, at most 100.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_PAGE_SIZE as usize {
            return Err(AppError::bad_input(
                "ids",
                format!(
                    "`ids` may hold at most {MAX_PAGE_SIZE} IDs, got {}",
                    ids.len()
                ),
            )
            .into());
        }
        let decoded = ids
            .iter()
            .map(|id| ids::decode_any(id, "ids"))
            .collect::<Result<Vec<_>>>()?;
        let loaders = graphql::loaders(ctx)?;
        let lookups = decoded
            .iter()
            .map(|(type_name, row)| resolve(loaders, type_name, *row, "ids", &|_| false));
        let found = futures_join_all(lookups).await;
        Ok(found.into_iter().collect::<Result<Vec<_>>>()?)
    }
}

/// Awaits all futures concurrently so that loaders batch them into one statement per type.
async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    async_graphql::futures_util::future::join_all(futures).await
}
