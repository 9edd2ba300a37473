//! Database entities of the Alliance reconstruction API.
//!
//! These are plain sea-orm models: no GraphQL, no HTTP. Enumerations are stored
//! as strings (the code of the open standard where one exists, otherwise the
//! Alliance's own upper-case name); the API layer owns their typed form. Money is
//! stored as integer minor units with an ISO 4217 currency beside it.

pub mod affiliation;
pub mod application_origin;
pub mod assistance_match;
pub mod assistance_need;
pub mod assistance_offer;
pub mod audit_event;
pub mod audit_head;
pub mod cluster;
pub mod document_link;
pub mod funding;
pub mod idempotency_key;
pub mod indicator;
pub mod list;
pub mod member;
pub mod member_identifier;
pub mod oecd_principle;
pub mod participant;
pub mod partnership;
pub mod project;
pub mod responsibility;
pub mod territory;
