//! The change feed: the audit trail read as a stream of changes in commit
//! order, for partner systems that keep a copy in step.

pub mod query;
pub mod service;
pub mod signal;
pub mod subscription;
pub mod types;
