//! Partnerships between EU and Ukrainian members, and clusters of partnerships.

pub mod coverage;
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;
pub mod write;
