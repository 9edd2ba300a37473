//! Assistance queries and the rules of who sees which offer, need and match.

use chrono::{DateTime, Utc};
use entity::{assistance_match, assistance_need, assistance_offer, member};
use sea_orm::sea_query::SelectStatement;
use sea_orm::{ColumnTrait, Condition, QueryFilter, QuerySelect, QueryTrait, Select};

use crate::auth::Principal;
use crate::loader::{Table, ToOne};
use crate::member::service::{child_list, visible_member};
use crate::project::service::{newest_first, visible_project};
use crate::sql;

/// Match statuses everyone may see; proposals and refusals stay between the parties.
pub const PUBLIC_MATCH_STATUSES: [&str; 3] = ["ACCEPTED", "ACTIVE", "COMPLETED"];

impl Table for assistance_offer::Entity {
    fn id_column() -> assistance_offer::Column {
        assistance_offer::Column::Id
    }
    fn visible(principal: &Principal) -> Condition {
        if principal.sees_everything() {
            return Condition::all();
        }
        let mut visible = Condition::any().add(
            Condition::all()
                .add(assistance_offer::Column::Status.ne("DRAFT"))
                .add(visible_member("assistance_offer", "member_id", principal)),
        );
        if let Some(own) = principal.own_member() {
            visible = visible.add(assistance_offer::Column::MemberId.eq(own));
        }
        visible
    }
    fn visible_under(principal: &Principal, column: &str) -> Condition {
        if principal.sees_everything() || column != "member_id" {
            return Self::visible(principal);
        }
        // The member is visible: only a draft stays its own member's.
        let mut visible = Condition::any().add(assistance_offer::Column::Status.ne("DRAFT"));
        if let Some(own) = principal.own_member() {
            visible = visible.add(assistance_offer::Column::MemberId.eq(own));
        }
        visible
    }
    fn to_one() -> Vec<ToOne> {
        vec![ToOne::of::<member::Entity>("member", "member_id")]
    }
}

impl Table for assistance_need::Entity {
    fn id_column() -> assistance_need::Column {
        assistance_need::Column::Id
    }
    fn visible(principal: &Principal) -> Condition {
        if principal.sees_everything() {
            return Condition::all();
        }
        let mut visible = Condition::any().add(
            Condition::all()
                .add(assistance_need::Column::Status.ne("DRAFT"))
                .add(visible_member("assistance_need", "member_id", principal))
                .add(
                    Condition::any()
                        .add(assistance_need::Column::ProjectId.is_null())
                        .add(visible_project("assistance_need", "project_id", principal)),
                ),
        );
        if let Some(own) = principal.own_member() {
            visible = visible.add(assistance_need::Column::MemberId.eq(own));
        }
        visible
    }
    fn to_one() -> Vec<ToOne> {
        vec![ToOne::of::<member::Entity>("member", "member_id")]
    }
}

impl Table for assistance_match::Entity {
    fn id_column() -> assistance_match::Column {
        assistance_match::Column::Id
    }
    /// Accepted, active and completed matches are public when both their offer
    /// and their need are.
    fn visible(principal: &Principal) -> Condition {
        if principal.sees_everything() {
            return Condition::all();
        }
        let offers: SelectStatement = assistance_offer::Entity::find_visible(principal)
            .select_only()
            .column(assistance_offer::Column::Id)
            .into_query();
        let needs: SelectStatement = assistance_need::Entity::find_visible(principal)
            .select_only()
            .column(assistance_need::Column::Id)
            .into_query();
        let public = Condition::all()
            .add(assistance_match::Column::Status.is_in(PUBLIC_MATCH_STATUSES))
            .add(sql::in_select("assistance_match", "offer_id", offers))
            .add(sql::in_select("assistance_match", "need_id", needs));
        let mut visible = Condition::any().add(public);
        if let Some(own) = principal.own_member() {
            visible = visible
                .add(sql::in_lookup(
                    ("assistance_match", "offer_id"),
                    ("assistance_offer", "id"),
                    "member_id",
                    own,
                ))
                .add(sql::in_lookup(
                    ("assistance_match", "need_id"),
                    ("assistance_need", "id"),
                    "member_id",
                    own,
                ));
        }
        visible
    }
}

/// Filter of the offer and need lists.
#[derive(Clone, Debug, Default)]
pub struct AssistanceFilter {
    /// Statuses.
    pub statuses: Vec<String>,
    /// Modalities.
    pub modalities: Vec<String>,
    /// Covers this DAC 5-digit theme.
    pub theme: Option<String>,
    /// Works in this ISO 639-1 language.
    pub language: Option<String>,
    /// Urgencies (needs only).
    pub urgencies: Vec<String>,
    /// Of this member.
    pub member_id: Option<i64>,
    /// For this project (needs only).
    pub project_id: Option<i64>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
}

/// The offers matching `filter` that `principal` may see.
pub fn offers(
    principal: &Principal,
    filter: &AssistanceFilter,
) -> Select<assistance_offer::Entity> {
    use assistance_offer::Column as C;
    let mut select = assistance_offer::Entity::find_visible(principal);
    if !filter.statuses.is_empty() {
        select = select.filter(C::Status.is_in(filter.statuses.clone()));
    }
    if !filter.modalities.is_empty() {
        select = select.filter(C::Modality.is_in(filter.modalities.clone()));
    }
    if let Some(theme) = &filter.theme {
        select = select.filter(C::Themes.like(entity::list::contains_pattern(theme)));
    }
    if let Some(language) = &filter.language {
        select = select.filter(C::Languages.like(entity::list::contains_pattern(language)));
    }
    if let Some(member) = filter.member_id {
        select = select.filter(C::MemberId.eq(member));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(C::UpdatedAt.gte(since));
    }
    select
}

/// The needs matching `filter` that `principal` may see.
pub fn needs(principal: &Principal, filter: &AssistanceFilter) -> Select<assistance_need::Entity> {
    use assistance_need::Column as C;
    let mut select = assistance_need::Entity::find_visible(principal);
    if !filter.statuses.is_empty() {
        select = select.filter(C::Status.is_in(filter.statuses.clone()));
    }
    if !filter.modalities.is_empty() {
        select = select.filter(C::Modality.is_in(filter.modalities.clone()));
    }
    if !filter.urgencies.is_empty() {
        select = select.filter(C::Urgency.is_in(filter.urgencies.clone()));
    }
    if let Some(theme) = &filter.theme {
        select = select.filter(C::Themes.like(entity::list::contains_pattern(theme)));
    }
    if let Some(language) = &filter.language {
        select = select.filter(C::Languages.like(entity::list::contains_pattern(language)));
    }
    if let Some(member) = filter.member_id {
        select = select.filter(C::MemberId.eq(member));
    }
    if let Some(project) = filter.project_id {
        select = select.filter(C::ProjectId.eq(project));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(C::UpdatedAt.gte(since));
    }
    select
}

/// Filter of the match list.
#[derive(Clone, Debug, Default)]
pub struct MatchFilter {
    /// Statuses.
    pub statuses: Vec<String>,
    /// Of this offer.
    pub offer_id: Option<i64>,
    /// Of this need.
    pub need_id: Option<i64>,
    /// Changed at or after.
    pub updated_since: Option<DateTime<Utc>>,
}

/// The matches matching `filter` that `principal` may see.
pub fn matches(principal: &Principal, filter: &MatchFilter) -> Select<assistance_match::Entity> {
    use assistance_match::Column as C;
    let mut select = assistance_match::Entity::find_visible(principal);
    if !filter.statuses.is_empty() {
        select = select.filter(C::Status.is_in(filter.statuses.clone()));
    }
    if let Some(offer) = filter.offer_id {
        select = select.filter(C::OfferId.eq(offer));
    }
    if let Some(need) = filter.need_id {
        select = select.filter(C::NeedId.eq(need));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(C::UpdatedAt.gte(since));
    }
    select
}

child_list!(
    /// A member's offers, newest first.
    OffersOfMember, assistance_offer, "assistance_offer", "member_id",
    newest_first(assistance_offer::Column::CreatedAt, assistance_offer::Column::Id)
);
child_list!(
    /// A member's needs, newest first.
    NeedsOfMember, assistance_need, "assistance_need", "member_id",
    newest_first(assistance_need::Column::CreatedAt, assistance_need::Column::Id)
);
child_list!(
    /// A project's needs, newest first.
    NeedsOfProject, assistance_need, "assistance_need", "project_id",
    newest_first(assistance_need::Column::CreatedAt, assistance_need::Column::Id)
);
child_list!(
    /// An offer's matches, newest first.
    MatchesOfOffer, assistance_match, "assistance_match", "offer_id",
    newest_first(assistance_match::Column::CreatedAt, assistance_match::Column::Id)
);
child_list!(
    /// A need's matches, newest first.
    MatchesOfNeed, assistance_match, "assistance_match", "need_id",
    newest_first(assistance_match::Column::CreatedAt, assistance_match::Column::Id)
);
