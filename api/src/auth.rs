//! Who is calling, and what that lets them see.
//!
//! Every request carries a [`Principal`]. The read side asks it two questions:
//! may the caller see unpublished records, and may it see private contacts.
//! Without credentials the caller is [`Principal::Anonymous`].

/// A role granted by a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Writes for its own member organisation.
    Editor,
    /// The Alliance secretariat: members, publishing, everything.
    Coordinator,
    /// Read-only, including non-public financial detail.
    Analyst,
    /// Operates the service.
    Admin,
}

/// The caller of a request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Principal {
    /// No credentials: published records only, no contacts.
    #[default]
    Anonymous,
    /// An authenticated user.
    User {
        /// The token's subject.
        subject: String,
        /// The granted role.
        role: Role,
        /// The member organisation an editor acts for.
        member_id: Option<i64>,
    },
}

impl Principal {
    /// Whether the caller sees every record, published or not.
    pub fn sees_everything(&self) -> bool {
        matches!(
            self,
            Self::User {
                role: Role::Coordinator | Role::Analyst | Role::Admin,
                ..
            }
        )
    }

    /// The member organisation whose unpublished records the caller also sees.
    pub fn own_member(&self) -> Option<i64> {
        match self {
            Self::User {
                role: Role::Editor,
                member_id,
                ..
            } => *member_id,
            _ => None,
        }
    }

    /// Whether the caller sees the private contact details of `member_id`.
    pub fn sees_contact_of(&self, member_id: i64) -> bool {
        self.sees_everything() || self.own_member() == Some(member_id)
    }
}
