//! Member organisations: their profile, identifiers and affiliations.

pub mod mutation;
pub mod query;
pub mod service;
pub mod types;
pub mod write;
