//! The code lists of the domain, as the API's own enumerations.
//!
//! Each enumeration maps to the string stored in the database: the code of the
//! open standard where one exists (OC4IDS, IATI), otherwise the Alliance's own
//! upper-case name. A stored value outside the list is a data error, reported to
//! the client as `INTERNAL` and logged in detail.

use crate::error::AppError;

/// A code list: a closed set of values each with its stored code.
pub trait Code: Sized + Copy + 'static {
    /// Name of the list, for log messages.
    const LIST: &'static str;
    /// Every value, in declaration order.
    fn all() -> &'static [Self];
    /// The stored code.
    fn code(self) -> &'static str;
    /// The value for a stored code.
    fn from_code(code: &str) -> Option<Self>;
}

/// Decodes a stored code, turning an unknown one into an internal error.
pub fn stored<T: Code>(code: &str) -> Result<T, AppError> {
    T::from_code(code)
        .ok_or_else(|| AppError::internal(format!("unknown {} code {code:?} in database", T::LIST)))
}

/// Position of a stored code in its list's declared order (the list's length
/// for an unknown code), so that lists sort in their documented order.
pub fn rank<T: Code>(code: &str) -> usize {
    T::all()
        .iter()
        .position(|v| v.code() == code)
        .unwrap_or(T::all().len())
}

/// The stored codes of optional filter values.
pub fn codes_of<T: Code>(values: Option<Vec<T>>) -> Vec<String> {
    values
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.code().to_owned())
        .collect()
}

macro_rules! code_list {
    ($(#[$meta:meta])* $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl Code for $name {
            const LIST: &'static str = stringify!($name);
            fn all() -> &'static [Self] {
                &[$($name::$variant),+]
            }
            fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

code_list! {
    /// A language of multilingual text (ISO 639-1).
    Lang {
        /// English.
        En = "en",
        /// Ukrainian.
        Uk = "uk",
    }
}

code_list! {
    /// The code scheme of a territorial unit.
    TerritoryScheme {
        /// Ukraine's Codifier of administrative-territorial units and territories of territorial communities.
        Katotth = "KATOTTH",
        /// The EU's Nomenclature of Territorial Units for Statistics.
        Nuts = "NUTS",
        /// ISO 3166-2 country subdivision codes.
        #[graphql(name = "ISO3166_2")]
        Iso3166_2 = "ISO3166_2",
    }
}

code_list! {
    /// The level of a territorial unit.
    TerritoryLevel {
        /// Ukrainian first-level unit: oblast, the Autonomous Republic of Crimea, or a city with special status.
        Oblast = "OBLAST",
        /// Ukrainian district.
        Raion = "RAION",
        /// Ukrainian territorial community (hromada), the level of local self-government.
        Hromada = "HROMADA",
        /// A settlement within a hromada.
        Settlement = "SETTLEMENT",
        /// NUTS level 1 (major socio-economic regions).
        Nuts1 = "NUTS1",
        /// NUTS level 2 (basic regions for regional policy).
        Nuts2 = "NUTS2",
        /// NUTS level 3 (small regions).
        Nuts3 = "NUTS3",
    }
}

code_list! {
    /// Occupation status of a Ukrainian territorial unit.
    Occupation {
        /// The whole unit is temporarily occupied.
        TemporarilyOccupied = "TEMPORARILY_OCCUPIED",
        /// Part of the unit is temporarily occupied.
        PartiallyOccupied = "PARTIALLY_OCCUPIED",
    }
}

code_list! {
    /// The kind of a member organisation.
    MemberKind {
        /// An EU city or municipality.
        City = "CITY",
        /// An EU region.
        Region = "REGION",
        /// A Ukrainian territorial community.
        Hromada = "HROMADA",
        /// A Ukrainian oblast (regional state administration or council).
        Oblast = "OBLAST",
        /// An association of local and regional authorities.
        LraAssociation = "LRA_ASSOCIATION",
        /// An institution or body of the European Union.
        EuInstitution = "EU_INSTITUTION",
        /// A development or investment bank.
        FinancialInstitution = "FINANCIAL_INSTITUTION",
        /// An international organisation.
        InternationalOrganisation = "INTERNATIONAL_ORGANISATION",
        /// A national government or ministry.
        NationalGovernment = "NATIONAL_GOVERNMENT",
        /// A non-governmental organisation.
        Ngo = "NGO",
    }
}

code_list! {
    /// IATI OrganisationType code list.
    OrganisationType {
        /// 10 Government.
        Government = "10",
        /// 11 Local Government.
        LocalGovernment = "11",
        /// 15 Other Public Sector.
        OtherPublicSector = "15",
        /// 21 International NGO.
        InternationalNgo = "21",
        /// 22 National NGO.
        NationalNgo = "22",
        /// 23 Regional NGO.
        RegionalNgo = "23",
        /// 24 Partner Country based NGO.
        PartnerCountryNgo = "24",
        /// 30 Public Private Partnership.
        PublicPrivatePartnership = "30",
        /// 40 Multilateral.
        Multilateral = "40",
        /// 60 Foundation.
        Foundation = "60",
        /// 70 Private Sector.
        PrivateSector = "70",
        /// 71 Private Sector in Provider Country.
        PrivateSectorProvider = "71",
        /// 72 Private Sector in Aid Recipient Country.
        PrivateSectorRecipient = "72",
        /// 73 Private Sector in Third Country.
        PrivateSectorThird = "73",
        /// 80 Academic, Training and Research.
        Academic = "80",
        /// 90 Other.
        Other = "90",
    }
}

code_list! {
    /// A member's role in the Alliance.
    AllianceRole {
        /// A founding partner that steers the Alliance.
        CorePartner = "CORE_PARTNER",
        /// An associated partner.
        AssociatedPartner = "ASSOCIATED_PARTNER",
        /// An institution that supports the Alliance (EU bodies, banks, international organisations).
        InstitutionalPartner = "INSTITUTIONAL_PARTNER",
        /// A member city, region, hromada or oblast.
        Member = "MEMBER",
    }
}

code_list! {
    /// Membership status of an organisation.
    MembershipStatus {
        /// Applied, awaiting the secretariat's decision (not public).
        Applied = "APPLIED",
        /// An active member.
        Active = "ACTIVE",
        /// Membership suspended.
        Suspended = "SUSPENDED",
        /// Left the Alliance.
        Withdrawn = "WITHDRAWN",
        /// Application rejected (not public).
        Rejected = "REJECTED",
    }
}

code_list! {
    /// The scheme of an external organisation identifier.
    IdentifierScheme {
        /// IATI organisation identifier.
        IatiOrgId = "IATI_ORG_ID",
        /// Ukraine's Unified State Register of legal entities (EDRPOU code).
        UaEdr = "UA_EDR",
        /// The EU Transparency Register.
        EuTransparencyRegister = "EU_TRANSPARENCY_REGISTER",
        /// A VAT number.
        Vat = "VAT",
    }
}

code_list! {
    /// OC4IDS projectStatus code list.
    ProjectStatus {
        /// The decision to develop the project within an owner's budget and programme.
        Identification = "identification",
        /// Feasibility, impact assessment, scoping, financing.
        Preparation = "preparation",
        /// Procurement and execution of works and services.
        Implementation = "implementation",
        /// Handover of the assets and close-out.
        Completion = "completion",
        /// Maintenance and day-to-day running of the assets.
        Maintenance = "maintenance",
        /// Disposal of the assets at the end of their life.
        Decommissioning = "decommissioning",
        /// Decommissioning is complete.
        Decommissioned = "decommissioned",
        /// Cancelled before close-out.
        Cancelled = "cancelled",
    }
}

impl ProjectStatus {
    /// The IATI ActivityStatus that corresponds to this OC4IDS status.
    pub fn activity_status(self) -> ActivityStatus {
        match self {
            Self::Identification | Self::Preparation => ActivityStatus::Pipeline,
            Self::Implementation => ActivityStatus::Implementation,
            Self::Completion => ActivityStatus::Finalisation,
            Self::Maintenance | Self::Decommissioning | Self::Decommissioned => {
                ActivityStatus::Closed
            }
            Self::Cancelled => ActivityStatus::Cancelled,
        }
    }
}

code_list! {
    /// IATI ActivityStatus code list.
    ActivityStatus {
        /// 1 Pipeline/identification.
        Pipeline = "1",
        /// 2 Implementation.
        Implementation = "2",
        /// 3 Finalisation.
        Finalisation = "3",
        /// 4 Closed.
        Closed = "4",
        /// 5 Cancelled.
        Cancelled = "5",
        /// 6 Suspended.
        Suspended = "6",
    }
}

code_list! {
    /// OC4IDS projectType code list.
    ProjectType {
        /// Construction of a new asset.
        Construction = "construction",
        /// Rehabilitation of an existing asset.
        Rehabilitation = "rehabilitation",
        /// Replacement of an existing asset.
        Replacement = "replacement",
        /// Expansion of an existing asset.
        Expansion = "expansion",
        /// Decommissioning of an existing asset.
        Decommissioning = "decommissioning",
    }
}

code_list! {
    /// Why a project is done.
    ProjectPurpose {
        /// Restoring what the war damaged or destroyed.
        Restoration = "RESTORATION",
        /// New development beyond the state before the war.
        Development = "DEVELOPMENT",
    }
}

code_list! {
    /// Dashboard theme: the sectors of the Rapid Damage and Needs Assessment.
    Theme {
        /// Housing.
        Housing = "HOUSING",
        /// Education.
        Education = "EDUCATION",
        /// Health.
        Health = "HEALTH",
        /// Social protection and livelihoods.
        SocialProtection = "SOCIAL_PROTECTION",
        /// Culture and tourism.
        Culture = "CULTURE",
        /// Energy and extractives.
        Energy = "ENERGY",
        /// Transport.
        Transport = "TRANSPORT",
        /// Water supply and sanitation.
        Water = "WATER",
        /// Municipal services.
        MunicipalServices = "MUNICIPAL_SERVICES",
        /// Telecommunications and digital.
        Digital = "DIGITAL",
        /// Agriculture.
        Agriculture = "AGRICULTURE",
        /// Commerce and industry.
        Commerce = "COMMERCE",
        /// Environment.
        Environment = "ENVIRONMENT",
        /// Explosive hazard management.
        ExplosiveHazards = "EXPLOSIVE_HAZARDS",
        /// Governance and public administration.
        Governance = "GOVERNANCE",
    }
}

code_list! {
    /// A "build back better" principle a project follows.
    BuildBackBetter {
        /// Climate-neutral and environmentally sustainable.
        Green = "GREEN",
        /// Digital by default.
        Digital = "DIGITAL",
        /// Inclusive of all groups of society.
        Inclusive = "INCLUSIVE",
        /// Energy-efficient buildings and networks.
        EnergyEfficient = "ENERGY_EFFICIENT",
        /// Barrier-free access.
        Accessible = "ACCESSIBLE",
        /// Resilient to future shocks.
        Resilient = "RESILIENT",
        /// Transparent and accountable.
        Transparent = "TRANSPARENT",
    }
}

code_list! {
    /// Who can see a project.
    Visibility {
        /// Work in progress, visible to its organisation and the secretariat only.
        Draft = "DRAFT",
        /// Public.
        Published = "PUBLISHED",
        /// No longer current, kept for the record (public).
        Archived = "ARCHIVED",
    }
}

code_list! {
    /// IATI OrganisationRole code list.
    OrganisationRole {
        /// 1 Funding: provides the funds.
        Funding = "1",
        /// 2 Accountable: responsible for the activity.
        Accountable = "2",
        /// 3 Extending: manages the budget on behalf of the funder.
        Extending = "3",
        /// 4 Implementing: physically carries out the activity.
        Implementing = "4",
    }
}

code_list! {
    /// A participant's role in the Alliance's terms.
    ParticipantRole {
        /// The Ukrainian lead of the project.
        Lead = "LEAD",
        /// A community that benefits.
        Beneficiary = "BENEFICIARY",
        /// An EU partner that supports the project.
        SupportingPartner = "SUPPORTING_PARTNER",
        /// A provider of technical advice.
        TechnicalAdvisor = "TECHNICAL_ADVISOR",
    }
}

code_list! {
    /// The stage of a funding record along the funding funnel.
    FundingStage {
        /// Promised, not yet binding (IATI transaction type 12, outgoing pledge).
        Pledged = "PLEDGED",
        /// A firm commitment (IATI transaction type 2, outgoing commitment).
        Committed = "COMMITTED",
        /// Paid out (IATI transaction type 3, disbursement).
        Disbursed = "DISBURSED",
    }
}

impl FundingStage {
    /// The IATI TransactionType code of this stage.
    pub fn iati_transaction_type(self) -> &'static str {
        match self {
            Self::Pledged => "12",
            Self::Committed => "2",
            Self::Disbursed => "3",
        }
    }
}

code_list! {
    /// Who reported a funding record: a reader tells a funder's own report
    /// from one made about it by someone else.
    FundingReporter {
        /// The funder reported its own pledge, commitment or disbursement.
        Funder = "FUNDER",
        /// The project's owner reported funding it receives.
        Owner = "OWNER",
        /// The Alliance secretariat recorded it (from a funder's publication,
        /// an agreement or an import).
        Secretariat = "SECRETARIAT",
    }
}

impl FundingReporter {
    /// Who `principal` reports as when it records funding from `funder_id`
    /// on a project owned by `owner_id`, with the member it reports for
    /// (none for the secretariat); `None` when it may report neither.
    pub fn of(
        principal: &crate::auth::Principal,
        funder_id: i64,
        owner_id: i64,
    ) -> Option<(Self, Option<i64>)> {
        if principal.is_secretariat() {
            return Some((Self::Secretariat, None));
        }
        match principal.own_member() {
            Some(own) if own == funder_id => Some((Self::Funder, Some(own))),
            Some(own) if own == owner_id => Some((Self::Owner, Some(own))),
            _ => None,
        }
    }

    /// How a download names the reporter (the IATI transaction's description).
    pub fn phrase(self) -> &'static str {
        match self {
            Self::Funder => "Reported by the funder",
            Self::Owner => "Reported by the project owner",
            Self::Secretariat => "Recorded by the Alliance secretariat",
        }
    }
}

code_list! {
    /// IATI FinanceType codes used for reconstruction finance.
    FinanceType {
        /// 110 Standard grant.
        StandardGrant = "110",
        /// 210 Interest subsidy.
        InterestSubsidy = "210",
        /// 421 Standard loan.
        StandardLoan = "421",
        /// 422 Reimbursable grant.
        ReimbursableGrant = "422",
        /// 423 Bonds.
        Bonds = "423",
        /// 431 Subordinated loan.
        SubordinatedLoan = "431",
        /// 510 Common equity.
        CommonEquity = "510",
        /// 1100 Guarantees/insurance.
        Guarantee = "1100",
    }
}

code_list! {
    /// How technical assistance is delivered.
    Modality {
        /// Peer-to-peer exchange between officials of two authorities.
        PeerToPeer = "PEER_TO_PEER",
        /// A twinning programme between two authorities.
        Twinning = "TWINNING",
        /// A study visit.
        StudyVisit = "STUDY_VISIT",
        /// Experts seconded to the receiving authority.
        ExpertSecondment = "EXPERT_SECONDMENT",
        /// Training courses.
        Training = "TRAINING",
        /// Equipment delivered.
        Equipment = "EQUIPMENT",
        /// Humanitarian help.
        Humanitarian = "HUMANITARIAN",
    }
}

impl Modality {
    /// The IATI AidType code of this modality.
    pub fn iati_aid_type(self) -> &'static str {
        match self {
            Self::PeerToPeer | Self::Twinning => "D02",
            Self::ExpertSecondment => "D01",
            Self::StudyVisit | Self::Training => "E01",
            Self::Equipment | Self::Humanitarian => "C01",
        }
    }
}

code_list! {
    /// Lifecycle status of an assistance offer or need.
    AssistanceStatus {
        /// Being written, not public.
        Draft = "DRAFT",
        /// Open for matching.
        Open = "OPEN",
        /// Matched with a counterpart.
        Matched = "MATCHED",
        /// Closed: fulfilled or expired.
        Closed = "CLOSED",
        /// Withdrawn by its member.
        Withdrawn = "WITHDRAWN",
    }
}

code_list! {
    /// How urgent a need is.
    Urgency {
        /// Can wait.
        Low = "LOW",
        /// Within months.
        Medium = "MEDIUM",
        /// Within weeks.
        High = "HIGH",
        /// Lives or essential services depend on it.
        Critical = "CRITICAL",
    }
}

code_list! {
    /// Lifecycle status of a match between an offer and a need.
    MatchStatus {
        /// Proposed, awaiting both sides.
        Proposed = "PROPOSED",
        /// Accepted by both sides.
        Accepted = "ACCEPTED",
        /// Work under way.
        Active = "ACTIVE",
        /// Done; the outcome is recorded.
        Completed = "COMPLETED",
        /// Declined by one side.
        Declined = "DECLINED",
        /// Cancelled after acceptance.
        Cancelled = "CANCELLED",
    }
}

code_list! {
    /// The kind of a partnership between an EU and a Ukrainian member.
    PartnershipKind {
        /// A formal twinning (sister-city) agreement.
        Twinning = "TWINNING",
        /// A friendship agreement.
        Friendship = "FRIENDSHIP",
        /// A cooperation agreement.
        Cooperation = "COOPERATION",
        /// A partnership for one project.
        Project = "PROJECT",
    }
}

code_list! {
    /// Status of a partnership.
    PartnershipStatus {
        /// Proposed, not yet agreed (not public).
        Proposed = "PROPOSED",
        /// In force.
        Active = "ACTIVE",
        /// Suspended.
        Suspended = "SUSPENDED",
        /// Ended.
        Ended = "ENDED",
    }
}

code_list! {
    /// A function in the public-investment cycle.
    GovernanceFunction {
        /// Strategic and spatial planning.
        Planning = "PLANNING",
        /// Providing or arranging finance.
        Financing = "FINANCING",
        /// Public procurement.
        Procurement = "PROCUREMENT",
        /// Carrying out the works.
        Implementation = "IMPLEMENTATION",
        /// Technical and financial supervision.
        Supervision = "SUPERVISION",
        /// Monitoring results.
        Monitoring = "MONITORING",
        /// Operating and maintaining the assets.
        Maintenance = "MAINTENANCE",
        /// Reporting to citizens and funders.
        Reporting = "REPORTING",
    }
}

code_list! {
    /// A phase of a project's life, for governance responsibilities.
    Phase {
        /// Identification.
        Identification = "IDENTIFICATION",
        /// Preparation.
        Preparation = "PREPARATION",
        /// Implementation.
        Implementation = "IMPLEMENTATION",
        /// Completion.
        Completion = "COMPLETION",
        /// Maintenance.
        Maintenance = "MAINTENANCE",
    }
}

code_list! {
    /// A level of government.
    GovernanceLevel {
        /// The European Union.
        Eu = "EU",
        /// International organisations and financial institutions.
        International = "INTERNATIONAL",
        /// Ukraine's national government.
        National = "NATIONAL",
        /// Oblast.
        Oblast = "OBLAST",
        /// Raion.
        Raion = "RAION",
        /// Hromada, the level of local self-government.
        Hromada = "HROMADA",
    }
}

code_list! {
    /// RACI role of an actor for a function.
    Raci {
        /// Does the work.
        Responsible = "RESPONSIBLE",
        /// Answers for the result; there must be exactly one.
        Accountable = "ACCOUNTABLE",
        /// Consulted before decisions.
        Consulted = "CONSULTED",
        /// Informed of decisions.
        Informed = "INFORMED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: Code + PartialEq + std::fmt::Debug>() {
        for value in T::all() {
            assert_eq!(T::from_code(value.code()), Some(*value));
        }
    }

    #[test]
    fn every_code_list_round_trips() {
        round_trips::<ProjectStatus>();
        round_trips::<OrganisationType>();
        round_trips::<FinanceType>();
        round_trips::<Modality>();
        round_trips::<Theme>();
        round_trips::<GovernanceFunction>();
    }

    #[test]
    fn oc4ids_status_maps_to_iati_activity_status() {
        assert_eq!(
            ProjectStatus::Preparation.activity_status(),
            ActivityStatus::Pipeline
        );
        assert_eq!(ProjectStatus::Cancelled.activity_status().code(), "5");
        assert_eq!(ProjectStatus::Completion.activity_status().code(), "3");
    }
}
