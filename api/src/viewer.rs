//! `viewer`: who the caller is, as the service understood its token.

use async_graphql::{Context, Enum, Object, SimpleObject};

use crate::auth::{Principal, Role};
use crate::error::AppError;
use crate::graphql;
use crate::member::types::Member;

/// A role granted by a token.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ViewerRole {
    /// Writes for its own member organisation.
    Editor,
    /// The Alliance secretariat: members, publishing, everything.
    Coordinator,
    /// Read-only, including non-public financial detail.
    Analyst,
    /// Operates the service.
    Admin,
}

impl From<Role> for ViewerRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Editor => Self::Editor,
            Role::Coordinator => Self::Coordinator,
            Role::Analyst => Self::Analyst,
            Role::Admin => Self::Admin,
        }
    }
}

/// The authenticated caller.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Viewer {
    /// The token's subject.
    pub subject: String,
    /// The granted role.
    pub role: ViewerRole,
    #[graphql(skip)]
    member_id: Option<i64>,
}

#[async_graphql::ComplexObject]
impl Viewer {
    /// The member organisation the caller acts for (editors).
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        let Some(id) = self.member_id else {
            return Ok(None);
        };
        crate::member::types::load_member(ctx, id).await
    }
}

/// The `viewer` root field.
#[derive(Default)]
pub struct ViewerQuery;

/// The `viewer` root field.
#[Object]
impl ViewerQuery {
    /// The authenticated caller: subject, role and organisation.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        match graphql::principal(ctx)? {
            Principal::Anonymous => Err(AppError::Unauthenticated.into()),
            Principal::User {
                subject,
                role,
                member_id,
                ..
            } => Ok(Viewer {
                subject: subject.clone(),
                role: (*role).into(),
                member_id: *member_id,
            }),
        }
    }
}
