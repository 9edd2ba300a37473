//! Reconstruction projects with their participants, funding, indicators and documents.

pub mod funnel;
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;
pub mod write;
