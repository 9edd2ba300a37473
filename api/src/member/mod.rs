//! Member organisations: their profile, identifiers and affiliations.

pub mod query;
pub mod service;
pub mod types;
