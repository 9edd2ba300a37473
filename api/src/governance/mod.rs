//! Multilevel governance: who is responsible for what, at which level, along
//! the OECD principles on effective public investment.

pub mod mutation;
pub mod query;
pub mod rules;
pub mod service;
pub mod types;
pub mod write;
