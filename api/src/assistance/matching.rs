//! Match suggestions: which open offers fit a need, and which open needs fit an
//! offer, ranked by a score whose parts say why.
//!
//! Candidates are filtered in SQL (open, visible, not expired, not the same
//! member, not already paired, sharing at least a DAC category); only those
//! are scored here. The score is the sum of weighted parts, each part a value
//! from 0 to 1000; the weights add up to 1000, so a score is 0 to 1000 (0 to 1
//! in the API).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use entity::{assistance_match, assistance_need, assistance_offer, partnership};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::{AppError, Result};
use crate::loader::Table;
use crate::sql;

/// Match statuses that keep an offer busy: its member's current load.
pub const OPEN_MATCH_STATUSES: [&str; 3] = ["PROPOSED", "ACCEPTED", "ACTIVE"];

/// Match statuses after which a pair is not suggested again (only a
/// cancelled match frees a pair for a new proposal).
const PAIRED_STATUSES: [&str; 5] = ["PROPOSED", "ACCEPTED", "ACTIVE", "COMPLETED", "DECLINED"];

/// What a part of a match score measures.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[graphql(name = "MatchFactor")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Factor {
    /// Overlap of DAC purpose codes: the same code, or the same category.
    Theme,
    /// A working language both sides use.
    Language,
    /// The modality the need wants against the one offered.
    Modality,
    /// Person-days offered against person-days needed.
    Capacity,
    /// Overlap of the availability windows.
    Availability,
    /// An active partnership between the two members.
    Partnership,
    /// How many open matches the offering member already carries.
    Load,
    /// How urgent the need is.
    Urgency,
}

impl Factor {
    /// Weight of the factor in thousandths of the score; the weights add up to 1000.
    pub const fn weight(self) -> i32 {
        match self {
            Self::Theme => 300,
            Self::Language => 150,
            Self::Modality => 100,
            Self::Capacity => 100,
            Self::Availability => 100,
            Self::Partnership => 100,
            Self::Load => 50,
            Self::Urgency => 100,
        }
    }
}

/// One part of a score: a factor, its value and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// The factor.
    pub factor: Factor,
    /// How well the pair does on it, 0 to 1000.
    pub value: i32,
    /// Why, in words.
    pub reason: String,
}

impl Part {
    /// What the part adds to the score, in thousandths.
    pub fn contribution(&self) -> i32 {
        (self.factor.weight() * self.value + 500) / 1000
    }
}

/// A pair's score and its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Score {
    /// The sum of the parts' contributions, 0 to 1000.
    pub total: i32,
    /// The parts, in the order of [`Factor`].
    pub parts: Vec<Part>,
}

/// What scoring knows about a pair beyond the offer and the need.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context {
    /// The two members have an active partnership.
    pub partnered: bool,
    /// Open matches of the offering member.
    pub load: u64,
}

/// A part; its reason is written only when `explain` is set, so that ranking
/// thousands of candidates allocates no text.
/// What matching reads of an offer or a need: its terms, not its texts, so
/// that thousands of candidates are read without their descriptions.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct Terms {
    /// The offer's or need's id.
    pub id: i64,
    /// The offering or needing member.
    pub member_id: i64,
    /// DAC codes, stored list.
    pub themes: String,
    /// Modality offered, or wanted (`None`: any).
    pub modality: Option<String>,
    /// ISO 639-1 codes, stored list.
    pub languages: String,
    /// Person-days offered or needed.
    pub days: i32,
    /// Window start.
    pub window_from: Option<NaiveDate>,
    /// Window end.
    pub window_until: Option<NaiveDate>,
    /// Urgency (needs only).
    pub urgency: Option<String>,
}

impl From<&assistance_offer::Model> for Terms {
    fn from(offer: &assistance_offer::Model) -> Self {
        Self {
            id: offer.id,
            member_id: offer.member_id,
            themes: offer.themes.clone(),
            modality: Some(offer.modality.clone()),
            languages: offer.languages.clone(),
            days: offer.capacity_days,
            window_from: offer.available_from,
            window_until: offer.available_until,
            urgency: None,
        }
    }
}

impl From<&assistance_need::Model> for Terms {
    fn from(need: &assistance_need::Model) -> Self {
        Self {
            id: need.id,
            member_id: need.member_id,
            themes: need.themes.clone(),
            modality: need.modality.clone(),
            languages: need.languages.clone(),
            days: need.days_needed,
            window_from: need.needed_from,
            window_until: need.needed_until,
            urgency: Some(need.urgency.clone()),
        }
    }
}

/// The codes of a stored list, without allocating.
fn codes(stored: &str) -> impl Iterator<Item = &str> + Clone {
    stored.split(',').filter(|c| !c.is_empty())
}

fn part(explain: bool, factor: Factor, value: i32, reason: impl FnOnce() -> String) -> Part {
    Part {
        factor,
        value: value.clamp(0, 1000),
        reason: if explain { reason() } else { String::new() },
    }
}

fn category(code: &str) -> &str {
    code.get(..3).unwrap_or(code)
}

fn theme_part(explain: bool, offered: &str, needed: &str) -> Part {
    if let Some(code) = codes(needed).find(|n| codes(offered).any(|o| o == *n)) {
        return part(explain, Factor::Theme, 1000, || {
            format!("same DAC code {code}")
        });
    }
    if let Some(code) = codes(needed).find(|n| codes(offered).any(|o| category(o) == category(n))) {
        let shared = category(code);
        return part(explain, Factor::Theme, 500, || {
            format!("same DAC category {shared}")
        });
    }
    part(explain, Factor::Theme, 0, || "no shared theme".into())
}

fn language_part(explain: bool, offered: &str, needed: &str) -> Part {
    match codes(needed).find(|n| codes(offered).any(|o| o == *n)) {
        Some(language) => part(explain, Factor::Language, 1000, || {
            format!("both work in {language}")
        }),
        None => part(explain, Factor::Language, 0, || {
            "no shared working language".into()
        }),
    }
}

fn modality_part(explain: bool, offered: &str, wanted: Option<&str>) -> Part {
    match wanted {
        None => part(explain, Factor::Modality, 500, || {
            format!("the need takes any modality; {offered} offered")
        }),
        Some(w) if w == offered => part(explain, Factor::Modality, 1000, || {
            format!("{offered} wanted and offered")
        }),
        Some(w) => part(explain, Factor::Modality, 0, || {
            format!("{w} wanted, {offered} offered")
        }),
    }
}

fn capacity_part(explain: bool, offered: i32, needed: i32) -> Part {
    if needed <= 0 || offered >= needed {
        return part(explain, Factor::Capacity, 1000, || {
            format!("{offered} person-days offered for {needed} needed")
        });
    }
    let value = i64::from(offered.max(0)) * 1000 / i64::from(needed);
    part(explain, Factor::Capacity, value as i32, || {
        format!("{offered} of {needed} person-days offered")
    })
}

/// The days of `[from, until]` (inclusive; `None` is open).
fn window_days(from: NaiveDate, until: NaiveDate) -> i64 {
    (until - from).num_days() + 1
}

fn availability_part(
    explain: bool,
    offer: (Option<NaiveDate>, Option<NaiveDate>),
    need: (Option<NaiveDate>, Option<NaiveDate>),
) -> Part {
    let start = match (offer.0, need.0) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let end = match (offer.1, need.1) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let (Some(start), Some(end)) = (start, end)
        && start > end
    {
        return part(explain, Factor::Availability, 0, || {
            "the windows do not overlap".into()
        });
    }
    match (need.0, need.1, start, end) {
        (Some(from), Some(until), Some(start), Some(end)) => {
            let overlap = window_days(start, end);
            let wanted = window_days(from, until).max(1);
            let value = (overlap * 1000 / wanted).min(1000) as i32;
            part(explain, Factor::Availability, value, || {
                format!("available {overlap} of the {wanted} days needed")
            })
        }
        _ if offer == (None, None) || need == (None, None) => {
            part(explain, Factor::Availability, 1000, || {
                "no window limits the pair".into()
            })
        }
        _ => part(explain, Factor::Availability, 1000, || {
            "the windows overlap".into()
        }),
    }
}

/// A quarter per step of urgency: low 250, medium 500, high 750, critical 1000.
fn urgency_value(urgency: &str) -> i32 {
    crate::partnership::coverage::urgency_rank(urgency) as i32 * 250
}

/// Scores one offer against one need, with the reason of every part.
pub fn score(offer: &Terms, need: &Terms, context: Context) -> Score {
    score_pair_with(offer, need, context, true)
}

/// Scores one offer against one need; reasons only when `explain` is set.
fn score_pair_with(offer: &Terms, need: &Terms, context: Context, explain: bool) -> Score {
    let urgency = need.urgency.as_deref().unwrap_or("LOW");
    let parts = vec![
        theme_part(explain, &offer.themes, &need.themes),
        language_part(explain, &offer.languages, &need.languages),
        modality_part(
            explain,
            offer.modality.as_deref().unwrap_or_default(),
            need.modality.as_deref(),
        ),
        capacity_part(explain, offer.days, need.days),
        availability_part(
            explain,
            (offer.window_from, offer.window_until),
            (need.window_from, need.window_until),
        ),
        if context.partnered {
            part(explain, Factor::Partnership, 1000, || {
                "the members are partners".into()
            })
        } else {
            part(explain, Factor::Partnership, 0, || {
                "no active partnership".into()
            })
        },
        part(
            explain,
            Factor::Load,
            (1000 / (1 + context.load.min(1000))) as i32,
            || match context.load {
                0 => "the offering member has no open match".into(),
                1 => "the offering member has 1 open match".into(),
                n => format!("the offering member has {n} open matches"),
            },
        ),
        part(explain, Factor::Urgency, urgency_value(urgency), || {
            format!("{} urgency", urgency.to_lowercase())
        }),
    ];
    Score {
        total: parts.iter().map(Part::contribution).sum(),
        parts,
    }
}

/// An offer and a need with their score.
#[derive(Clone, Debug)]
pub struct Suggestion {
    /// The offer's terms.
    pub offer: Arc<Terms>,
    /// The need's terms.
    pub need: Arc<Terms>,
    /// What scoring knew beyond the two records.
    pub context: Context,
    /// The score; its parts carry reasons once [`Suggestion::explained`].
    pub score: Score,
}

impl Suggestion {
    fn ranked(offer: Arc<Terms>, need: Arc<Terms>, context: Context) -> Self {
        Self {
            score: score_pair_with(&offer, &need, context, false),
            offer,
            need,
            context,
        }
    }

    /// The suggestion with the reason of every part written out.
    pub fn explained(self) -> Self {
        Self {
            score: score(&self.offer, &self.need, self.context),
            ..self
        }
    }
}

/// `column LIKE` any code sharing a DAC category (first three digits) with `themes`.
fn shares_category(column: impl ColumnTrait, themes: &str) -> Condition {
    let categories: HashSet<String> = entity::list::decode(themes)
        .iter()
        .filter(|t| t.len() == 5 && t.bytes().all(|b| b.is_ascii_digit()))
        .map(|t| format!("%,{}__,%", category(t)))
        .collect();
    let mut any = Condition::any();
    for pattern in categories {
        any = any.add(column.like(pattern));
    }
    if any.is_empty() {
        // A need or offer without valid themes shares nothing.
        return Condition::all().add(Expr::cust("1 = 0"));
    }
    any
}

/// Whether `principal` may read suggestions for a record of `member_id`:
/// its member's editors and the secretariat and analysts.
fn may_read(principal: &Principal, member_id: i64) -> Result<()> {
    if principal.sees_everything() || principal.own_member() == Some(member_id) {
        Ok(())
    } else if principal.role().is_none() {
        Err(AppError::Unauthenticated)
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(FromQueryResult)]
struct MemberLoad {
    member_id: i64,
    load: i64,
}

/// Open matches per offering member: of `member` alone, or of every member
/// with one (one statement of constant shape, whatever the candidates).
/// Only matches anyone may see count: a score is the same for every caller
/// and says nothing of a proposal between others.
async fn loads(db: &impl ConnectionTrait, member: Option<i64>) -> Result<HashMap<i64, u64>> {
    let mut select = assistance_match::Entity::find_visible(&Principal::Anonymous)
        .select_only()
        .column_as(assistance_offer::Column::MemberId, "member_id")
        .column_as(assistance_match::Column::Id.count(), "load")
        .inner_join_offer()
        .filter(assistance_match::Column::Status.is_in(OPEN_MATCH_STATUSES))
        .group_by(assistance_offer::Column::MemberId);
    if let Some(member) = member {
        select = select.filter(assistance_offer::Column::MemberId.eq(member));
    }
    let rows = select.into_model::<MemberLoad>().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.member_id, r.load.max(0) as u64))
        .collect())
}

/// Joins a match to its offer.
trait JoinOffer {
    fn inner_join_offer(self) -> Self;
}

impl JoinOffer for sea_orm::Select<assistance_match::Entity> {
    fn inner_join_offer(self) -> Self {
        self.join(
            sea_orm::JoinType::InnerJoin,
            assistance_match::Entity::belongs_to(assistance_offer::Entity)
                .from(assistance_match::Column::OfferId)
                .to(assistance_offer::Column::Id)
                .into(),
        )
    }
}

/// The members that have an active partnership with `member` that anyone
/// may see (a partnership with an applicant does not raise a score).
async fn partners(db: &impl ConnectionTrait, member: i64) -> Result<HashSet<i64>> {
    let rows = partnership::Entity::find_visible(&Principal::Anonymous)
        .filter(partnership::Column::Status.eq("ACTIVE"))
        .filter(
            Condition::any()
                .add(partnership::Column::EuMemberId.eq(member))
                .add(partnership::Column::UaMemberId.eq(member)),
        )
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            if p.eu_member_id == member {
                p.ua_member_id
            } else {
                p.eu_member_id
            }
        })
        .collect())
}

/// Ranks suggestions: best score first, then the older record first.
fn rank(mut suggestions: Vec<Suggestion>, key: impl Fn(&Suggestion) -> i64) -> Vec<Suggestion> {
    suggestions.sort_by(|a, b| {
        b.score
            .total
            .cmp(&a.score.total)
            .then_with(|| key(a).cmp(&key(b)))
    });
    suggestions
}

/// The open offers that fit need `need_id`, ranked; `None` when the need is not visible.
pub async fn offers_for_need(
    db: &impl ConnectionTrait,
    principal: &Principal,
    need_id: i64,
    today: NaiveDate,
) -> Result<Option<Vec<Suggestion>>> {
    let Some(need) = assistance_need::Entity::find_visible(principal)
        .filter(assistance_need::Column::Id.eq(need_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    may_read(principal, need.member_id)?;
    if need.status != "OPEN" {
        return Ok(Some(Vec::new()));
    }
    use assistance_offer::Column as O;
    let paired = Query::select()
        .column(assistance_match::Column::OfferId)
        .from(assistance_match::Entity)
        .and_where(assistance_match::Column::NeedId.eq(need.id))
        .and_where(assistance_match::Column::Status.is_in(PAIRED_STATUSES))
        .to_owned();
    let candidates: Vec<Terms> = assistance_offer::Entity::find_visible(principal)
        .select_only()
        .column(O::Id)
        .column(O::MemberId)
        .column(O::Themes)
        .column(O::Modality)
        .column(O::Languages)
        .column_as(O::CapacityDays, "days")
        .column_as(O::AvailableFrom, "window_from")
        .column_as(O::AvailableUntil, "window_until")
        .column_as(Expr::cust("CAST(NULL AS TEXT)"), "urgency")
        .filter(O::Status.eq("OPEN"))
        .filter(O::MemberId.ne(need.member_id))
        .filter(
            Condition::any()
                .add(O::AvailableUntil.is_null())
                .add(O::AvailableUntil.gte(today)),
        )
        .filter(shares_category(O::Themes, &need.themes))
        .filter(sql::not_in_select("assistance_offer", "id", paired))
        .into_model::<Terms>()
        .all(db)
        .await?;
    if candidates.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let loads = loads(db, None).await?;
    let partners = partners(db, need.member_id).await?;
    let need = Arc::new(Terms::from(&need));
    let suggestions = candidates
        .into_iter()
        .map(|offer| {
            let context = Context {
                partnered: partners.contains(&offer.member_id),
                load: loads.get(&offer.member_id).copied().unwrap_or(0),
            };
            Suggestion::ranked(Arc::new(offer), Arc::clone(&need), context)
        })
        .collect();
    Ok(Some(rank(suggestions, |s| s.offer.id)))
}

/// The open needs that offer `offer_id` fits, ranked; `None` when the offer is not visible.
pub async fn needs_for_offer(
    db: &impl ConnectionTrait,
    principal: &Principal,
    offer_id: i64,
    today: NaiveDate,
) -> Result<Option<Vec<Suggestion>>> {
    let Some(offer) = assistance_offer::Entity::find_visible(principal)
        .filter(assistance_offer::Column::Id.eq(offer_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    may_read(principal, offer.member_id)?;
    if offer.status != "OPEN" || offer.available_until.is_some_and(|until| until < today) {
        return Ok(Some(Vec::new()));
    }
    use assistance_need::Column as N;
    let paired = Query::select()
        .column(assistance_match::Column::NeedId)
        .from(assistance_match::Entity)
        .and_where(assistance_match::Column::OfferId.eq(offer.id))
        .and_where(assistance_match::Column::Status.is_in(PAIRED_STATUSES))
        .to_owned();
    let candidates: Vec<Terms> = assistance_need::Entity::find_visible(principal)
        .select_only()
        .column(N::Id)
        .column(N::MemberId)
        .column(N::Themes)
        .column(N::Modality)
        .column(N::Languages)
        .column_as(N::DaysNeeded, "days")
        .column_as(N::NeededFrom, "window_from")
        .column_as(N::NeededUntil, "window_until")
        .column(N::Urgency)
        .filter(N::Status.eq("OPEN"))
        .filter(N::MemberId.ne(offer.member_id))
        .filter(
            Condition::any()
                .add(N::NeededUntil.is_null())
                .add(N::NeededUntil.gte(today)),
        )
        .filter(shares_category(N::Themes, &offer.themes))
        .filter(sql::not_in_select("assistance_need", "id", paired))
        .into_model::<Terms>()
        .all(db)
        .await?;
    let load = loads(db, Some(offer.member_id))
        .await?
        .get(&offer.member_id)
        .copied()
        .unwrap_or(0);
    let partners = partners(db, offer.member_id).await?;
    let offer = Arc::new(Terms::from(&offer));
    let suggestions = candidates
        .into_iter()
        .map(|need| {
            let context = Context {
                partnered: partners.contains(&need.member_id),
                load,
            };
            Suggestion::ranked(Arc::clone(&offer), Arc::new(need), context)
        })
        .collect();
    Ok(Some(rank(suggestions, |s| s.need.id)))
}

/// The score of one pair as it stands, for recording a proposal.
pub async fn score_pair(
    db: &impl ConnectionTrait,
    offer: &assistance_offer::Model,
    need: &assistance_need::Model,
) -> Result<Score> {
    let load = loads(db, Some(offer.member_id))
        .await?
        .get(&offer.member_id)
        .copied()
        .unwrap_or(0);
    let partnered = partners(db, need.member_id)
        .await?
        .contains(&offer.member_id);
    Ok(score(
        &Terms::from(offer),
        &Terms::from(need),
        Context { partnered, load },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Option<NaiveDate> {
        Some(text.parse().expect("a test date"))
    }

    #[test]
    fn weights_add_up_to_one() {
        let factors = [
            Factor::Theme,
            Factor::Language,
            Factor::Modality,
            Factor::Capacity,
            Factor::Availability,
            Factor::Partnership,
            Factor::Load,
            Factor::Urgency,
        ];
        assert_eq!(factors.iter().map(|f| f.weight()).sum::<i32>(), 1000);
    }

    #[test]
    fn themes_score_the_same_code_above_the_same_category() {
        assert_eq!(theme_part(true, ",14030,", ",14030,").value, 1000);
        assert_eq!(theme_part(true, ",15110,14020,", ",14030,").value, 500);
        assert_eq!(theme_part(true, ",15110,", ",14030,").value, 0);
        assert_eq!(
            theme_part(true, ",15110,", ",14030,").reason,
            "no shared theme"
        );
        assert_eq!(theme_part(false, ",15110,", ",14030,").reason, "");
    }

    #[test]
    fn availability_is_the_share_of_the_needed_window() {
        let half = availability_part(
            true,
            (date("2027-01-01"), date("2027-01-10")),
            (date("2027-01-06"), date("2027-01-15")),
        );
        assert_eq!(half.value, 500);
        let apart = availability_part(
            true,
            (date("2027-01-01"), date("2027-01-10")),
            (date("2027-02-01"), None),
        );
        assert_eq!(apart.value, 0);
        assert_eq!(
            availability_part(true, (None, None), (date("2027-01-01"), None)).value,
            1000
        );
    }

    #[test]
    fn capacity_is_capped_at_the_need() {
        assert_eq!(capacity_part(true, 10, 40).value, 250);
        assert_eq!(capacity_part(true, 80, 40).value, 1000);
    }
}
