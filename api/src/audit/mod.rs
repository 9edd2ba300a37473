//! The audit trail: every change appends a hash-chained event in the same
//! transaction; `auditEvents` and `history` read it; `alliance audit verify`
//! walks the chain.

pub mod append;
pub mod idempotency;
pub mod query;
pub mod service;
pub mod types;

use std::sync::atomic::{AtomicU64, Ordering};

/// Write transactions this process has ended, committed or not (a commit
/// whose answer was lost may still have committed).
static COMMITS: AtomicU64 = AtomicU64::new(0);

/// How many write transactions this process has ended: it moves after every
/// write, before the write answers, so whatever was read before it moved may
/// be out of date (see [`crate::responses`]).
pub fn commits() -> u64 {
    COMMITS.load(Ordering::SeqCst)
}

/// Counts a write transaction as ended when dropped: after its commit
/// answered, or when the request that awaited it went away (a time limit, a
/// client that left) while the commit may still go through.
struct Ending;

impl Drop for Ending {
    fn drop(&mut self) {
        COMMITS.fetch_add(1, Ordering::SeqCst);
    }
}
