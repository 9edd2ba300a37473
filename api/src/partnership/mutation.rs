//! Mutations of partnerships and clusters.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::NaiveDate;
use entity::{cluster, partnership};

use crate::audit::idempotency::Idempotency;
use crate::codes::{Code, PartnershipKind};
use crate::graphql::{self, TransitionInput, payload};
use crate::ids;
use crate::lifecycle::{self, Who};
use crate::partnership::types::{Cluster, Partnership};
use crate::partnership::write::{self, PartnershipFields};

payload!(
    PartnershipPayload,
    partnership,
    Partnership,
    partnership::Model,
    "a partnership"
);
payload!(
    ClusterPayload,
    cluster,
    Cluster,
    cluster::Model,
    "a cluster"
);

/// A proposed partnership.
#[derive(InputObject)]
pub struct ProposePartnershipInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// The EU side.
    pub eu_member_id: ID,
    /// The Ukrainian side.
    pub ua_member_id: ID,
    /// Kind of partnership.
    pub kind: PartnershipKind,
    /// Date it started.
    pub since: Option<NaiveDate>,
    /// Where it is documented.
    pub source: Option<String>,
    /// The cluster it belongs to.
    pub cluster_id: Option<ID>,
}

/// A new cluster.
#[derive(InputObject)]
pub struct CreateClusterInput {
    /// Makes retries safe: the same key with the same input returns the first result without writing again.
    pub idempotency_key: Option<String>,
    /// Human key: 2 to 64 characters, a–z, 0–9 and hyphens, unique.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The Ukrainian member the cluster forms around.
    pub focus_member_id: ID,
}

/// A partnership put into a cluster, or taken out.
#[derive(InputObject)]
pub struct AssignPartnershipToClusterInput {
    /// The partnership.
    pub id: ID,
    /// The version the caller read.
    pub expected_version: i32,
    /// The cluster; null takes the partnership out of its cluster.
    pub cluster_id: Option<ID>,
}

async fn moved(
    ctx: &Context<'_>,
    input: TransitionInput,
    operation: &str,
    moves: &[(&str, &str)],
    target: &str,
) -> async_graphql::Result<PartnershipPayload> {
    let loaders = graphql::loaders(ctx)?;
    let id = ids::decode(&input.id, "Partnership", "input.id")?;
    let outcome = lifecycle::transition::<partnership::Entity>(
        loaders.db(),
        loaders.principal(),
        id,
        input.expected_version,
        operation,
        moves,
        target,
        Who::OwnerOrSecretariat,
        Vec::new(),
    )
    .await?;
    Ok(outcome.into())
}

/// Mutations of partnerships and clusters.
#[derive(Default)]
pub struct PartnershipMutation;

/// Mutations of partnerships and clusters.
#[Object]
impl PartnershipMutation {
    /// Proposes a partnership (either side's editors, the secretariat).
    async fn propose_partnership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partnership.")] input: ProposePartnershipInput,
    ) -> async_graphql::Result<PartnershipPayload> {
        let loaders = graphql::loaders(ctx)?;
        let fields = PartnershipFields {
            eu_member_id: graphql::member_id(&input.eu_member_id, "input.euMemberId")?,
            ua_member_id: graphql::member_id(&input.ua_member_id, "input.uaMemberId")?,
            kind: input.kind.code().to_owned(),
            since: input.since,
            source: input.source,
            cluster_id: input
                .cluster_id
                .map(|c| ids::decode(&c, "Cluster", "input.clusterId"))
                .transpose()?,
        };
        let idempotency = Idempotency::new(input.idempotency_key, "proposePartnership", &fields)?;
        Ok(
            write::propose(loaders.db(), loaders.principal(), fields, idempotency)
                .await?
                .into(),
        )
    }

    /// Puts a proposed partnership in force.
    async fn activate_partnership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partnership and the version the caller read.")]
        input: TransitionInput,
    ) -> async_graphql::Result<PartnershipPayload> {
        moved(
            ctx,
            input,
            "activatePartnership",
            &[("PROPOSED", "ACTIVE"), ("SUSPENDED", "ACTIVE")],
            "ACTIVE",
        )
        .await
    }

    /// Suspends an active partnership.
    async fn suspend_partnership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partnership and the version the caller read.")]
        input: TransitionInput,
    ) -> async_graphql::Result<PartnershipPayload> {
        moved(
            ctx,
            input,
            "suspendPartnership",
            &[("ACTIVE", "SUSPENDED")],
            "SUSPENDED",
        )
        .await
    }

    /// Ends an active or suspended partnership.
    async fn end_partnership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partnership and the version the caller read.")]
        input: TransitionInput,
    ) -> async_graphql::Result<PartnershipPayload> {
        moved(
            ctx,
            input,
            "endPartnership",
            &[("ACTIVE", "ENDED"), ("SUSPENDED", "ENDED")],
            "ENDED",
        )
        .await
    }

    /// Forms a cluster around a Ukrainian member (its editors, the secretariat).
    async fn create_cluster(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The cluster.")] input: CreateClusterInput,
    ) -> async_graphql::Result<ClusterPayload> {
        let loaders = graphql::loaders(ctx)?;
        let focus = graphql::member_id(&input.focus_member_id, "input.focusMemberId")?;
        let idempotency = Idempotency::new(
            input.idempotency_key,
            "createCluster",
            &serde_json::json!([input.slug, input.name, input.description, focus]),
        )?;
        Ok(write::create_cluster(
            loaders.db(),
            loaders.principal(),
            input.slug,
            input.name,
            input.description,
            focus,
            idempotency,
        )
        .await?
        .into())
    }

    /// Puts a partnership into a cluster around its Ukrainian member, or takes it out.
    async fn assign_partnership_to_cluster(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partnership, the version the caller read and the cluster.")]
        input: AssignPartnershipToClusterInput,
    ) -> async_graphql::Result<PartnershipPayload> {
        let loaders = graphql::loaders(ctx)?;
        let id = ids::decode(&input.id, "Partnership", "input.id")?;
        let cluster = input
            .cluster_id
            .map(|c| ids::decode(&c, "Cluster", "input.clusterId"))
            .transpose()?;
        Ok(write::assign_to_cluster(
            loaders.db(),
            loaders.principal(),
            id,
            input.expected_version,
            cluster,
        )
        .await?
        .into())
    }
}
