//! Partnerships between EU and Ukrainian members, and clusters of partnerships.

pub mod query;
pub mod service;
pub mod types;
