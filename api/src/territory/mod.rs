//! Territorial units: Ukrainian oblasts, raions, hromadas and settlements
//! (KATOTTH) and EU regions (NUTS, ISO 3166-2).

pub mod query;
pub mod service;
pub mod types;
