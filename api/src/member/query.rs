//! Root fields for members.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use crate::codes::{AllianceRole, MemberKind, MembershipStatus, codes_of};
use crate::graphql;
use crate::ids;
use crate::member::service::{self, MemberFilter as Filter, MemberOrder};
use crate::member::types::{Member, MemberConnection};
use crate::pagination::{Direction, PageArgs};

/// Which members to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct MemberFilter {
    /// Only these kinds.
    pub kinds: Option<Vec<MemberKind>>,
    /// Only these ISO 3166-1 alpha-2 countries (e.g. `["PL", "UA"]`).
    pub countries: Option<Vec<String>>,
    /// Only these Alliance roles.
    pub alliance_roles: Option<Vec<AllianceRole>>,
    /// Only these membership statuses.
    pub statuses: Option<Vec<MembershipStatus>>,
    /// Only members seated in this territory or below it.
    pub territory_id: Option<ID>,
    /// Only members affiliated to this association (a Member ID).
    pub association_id: Option<ID>,
    /// Only members whose name or acronym contains this text.
    pub name_contains: Option<String>,
    /// Only members changed at or after this time (for incremental sync).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Fields members can be ordered by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum MemberOrderField {
    /// English name.
    #[default]
    Name,
    /// Slug.
    Slug,
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
}

/// Order of the member list; ties are broken by id.
#[derive(InputObject, Default)]
pub struct MemberOrderBy {
    /// Field to order by.
    #[graphql(default)]
    pub field: MemberOrderField,
    /// Direction.
    #[graphql(default)]
    pub direction: Direction,
}

/// Root fields for members.
#[derive(Default)]
pub struct MemberQuery;

/// Root fields for members.
#[Object]
impl MemberQuery {
    /// Member organisations and partner institutions, filtered and ordered.
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which members to list.")] filter: Option<MemberFilter>,
        #[graphql(desc = "Order of the list (default: by English name).")] order_by: Option<
            MemberOrderBy,
        >,
        #[graphql(
            desc = "Return the first n rows (1 to 100; 20 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rows (1 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<MemberConnection> {
        let filter = filter.unwrap_or_default();
        let order_by = order_by.unwrap_or_default();
        let filter = Filter {
            kinds: codes_of(filter.kinds),
            countries: filter
                .countries
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.to_ascii_uppercase())
                .collect(),
            alliance_roles: codes_of(filter.alliance_roles),
            statuses: codes_of(filter.statuses),
            territory_id: filter
                .territory_id
                .map(|id| ids::decode(&id, "Territory", "filter.territoryId"))
                .transpose()?,
            association_id: filter
                .association_id
                .map(|id| ids::decode(&id, "Member", "filter.associationId"))
                .transpose()?,
            name_contains: filter.name_contains,
            updated_since: filter.updated_since,
        };
        graphql::check_codes(
            &filter.countries,
            graphql::CodeShape::Country,
            "filter.countries",
        )?;
        let order = match order_by.field {
            MemberOrderField::Name => MemberOrder::Name,
            MemberOrderField::Slug => MemberOrder::Slug,
            MemberOrderField::CreatedAt => MemberOrder::CreatedAt,
            MemberOrderField::UpdatedAt => MemberOrder::UpdatedAt,
        };
        let principal = graphql::principal(ctx)?;
        let (page, total) = graphql::root_or_built(
            ctx,
            service::list(principal, &filter),
            service::sort_key(order, order_by.direction),
            PageArgs {
                first,
                after,
                last,
                before,
            },
            Member::from,
        )
        .await?;
        Ok(MemberConnection::fetched(page, total))
    }

    /// A member by its slug; null when there is none the caller may see.
    async fn member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member's slug, e.g. `cemr`.")] slug: String,
    ) -> async_graphql::Result<Option<Member>> {
        let loaders = graphql::loaders(ctx)?;
        let found = service::find_by_slug(loaders.db(), loaders.principal(), &slug).await?;
        Ok(found.map(Member::from))
    }
}
