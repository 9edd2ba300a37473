//! The audit trail: every change appends a hash-chained event in the same
//! transaction; `auditEvents` and `history` read it; `alliance audit verify`
//! walks the chain.

pub mod append;
pub mod idempotency;
pub mod query;
pub mod service;
pub mod types;
