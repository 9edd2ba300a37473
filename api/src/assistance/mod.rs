//! Technical assistance: offers, needs and the matches between them.

pub mod matching;
pub mod mutation;
pub mod query;
pub mod service;
pub mod stats;
pub mod types;
pub mod write;
