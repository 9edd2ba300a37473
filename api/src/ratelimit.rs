//! Rate limiting by query cost: every caller has a budget of cost per minute
//! that refills continuously (a token bucket). Tokens are limited by their
//! subject, anonymous callers by their address, so a flood from one anonymous
//! client spends only its own budget.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// How a request's cost was settled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    /// Whether the request may run.
    pub allowed: bool,
    /// The caller's budget per minute.
    pub limit: u64,
    /// What is left of it after this request.
    pub remaining: u64,
    /// Seconds until the budget is full again.
    pub reset_secs: u64,
    /// Seconds until this request would be allowed (0 when allowed).
    pub retry_after_secs: u64,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Most callers remembered; idle ones (full buckets) are forgotten first.
const MAX_CALLERS: usize = 100_000;
/// A budget per minute is full again after a minute without requests.
const FULL_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// The rate-limit key of an anonymous client: its IPv4 address, or the /64
/// network of its IPv6 address (one host commonly holds a whole /64).
pub fn address_key(address: std::net::IpAddr) -> String {
    match address {
        std::net::IpAddr::V4(v4) => format!("address:{v4}"),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("address:{v4}"),
            None => {
                let s = v6.segments();
                format!("address:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The budgets of all callers of this instance, each refilled over one
/// window (a minute for query cost, an hour for applications).
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
    window: std::time::Duration,
}

impl Default for RateLimiter {
    /// Budgets per minute.
    fn default() -> Self {
        Self::per(FULL_AFTER)
    }
}

impl RateLimiter {
    /// Budgets that refill over `window`.
    pub fn per(window: std::time::Duration) -> Self {
        Self {
            buckets: Mutex::default(),
            window,
        }
    }

    /// Charges `cost` to `caller`'s budget of `per_window` (per minute for
    /// [`RateLimiter::default`]).
    pub fn charge(&self, caller: &str, cost: u64, per_window: u64) -> Decision {
        let now = Instant::now();
        let capacity = per_window.max(1) as f64;
        let rate = capacity / self.window.as_secs_f64().max(1.0);
        let cost = cost.max(1) as f64;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_CALLERS && !buckets.contains_key(caller) {
            // Budgets refill within a window: a caller idle that long has a
            // full one again, the same as a new caller.
            buckets.retain(|_, b| now.duration_since(b.at) < self.window);
            if buckets.len() >= MAX_CALLERS {
                // Still full: forget the tenth least recently seen.
                let mut seen: Vec<Instant> = buckets.values().map(|b| b.at).collect();
                let cut = seen.len() / 10;
                let (_, oldest_kept, _) = seen.select_nth_unstable(cut);
                let oldest_kept = *oldest_kept;
                buckets.retain(|_, b| b.at >= oldest_kept);
            }
        }
        let bucket = buckets.entry(caller.to_owned()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(capacity);
        bucket.at = now;
        let allowed = bucket.tokens >= cost;
        if allowed {
            bucket.tokens -= cost;
        }
        let retry_after_secs = if allowed {
            0
        } else {
            ((cost.min(capacity) - bucket.tokens) / rate).ceil() as u64
        };
        Decision {
            allowed,
            limit: per_window,
            remaining: bucket.tokens.max(0.0) as u64,
            reset_secs: ((capacity - bucket.tokens) / rate).ceil() as u64,
            retry_after_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_per_caller_and_refuse_what_is_over() {
        let limiter = RateLimiter::default();
        let first = limiter.charge("ip:1", 600, 1000);
        assert!(first.allowed);
        assert_eq!(first.remaining, 400);
        let second = limiter.charge("ip:1", 600, 1000);
        assert!(!second.allowed);
        assert!(second.retry_after_secs >= 12, "{second:?}");
        assert!(
            limiter.charge("token:partner", 600, 1000).allowed,
            "another caller's budget"
        );
    }
}
