//! Admission to execution by query cost: the queries executing at once cost
//! at most `MAX_INFLIGHT_COST` together, and each counts for at least its
//! share of the database pool, so that no more queries execute than the pool
//! has connections for. A query waits its turn (within the request time
//! limit) instead of failing on a busy pool, and memory stays bounded however
//! many connections the clients open. A request that waits for something
//! that holds no connection of the pool (a create queued for the writer of
//! creates) gives its place back meanwhile ([`Admitted::aside`]).

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The in-flight budget.
pub struct Admission {
    permits: Arc<Semaphore>,
    budget: u32,
    floor: u32,
}

impl Admission {
    /// A budget of `max_inflight_cost`, shared by at most `pool_size` queries.
    pub fn new(max_inflight_cost: u64, pool_size: u32) -> Self {
        let budget = u32::try_from(max_inflight_cost)
            .unwrap_or(u32::MAX)
            .clamp(1, u32::try_from(Semaphore::MAX_PERMITS).unwrap_or(u32::MAX));
        let floor = (budget / pool_size.max(1)).max(1);
        Self {
            permits: Arc::new(Semaphore::new(budget as usize)),
            budget,
            floor,
        }
    }

    /// Waits until a query of `cost` may execute; it may while the
    /// [`Admitted`] lives.
    pub async fn enter(self: &Arc<Self>, cost: u64) -> Admitted {
        let wanted = u32::try_from(cost)
            .unwrap_or(u32::MAX)
            .clamp(self.floor, self.budget);
        let permit = self.permits.clone().acquire_many_owned(wanted).await.ok();
        Admitted {
            admission: self.clone(),
            wanted,
            permit: Mutex::new(permit),
        }
    }

    /// Cost units free now.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }
}

/// A query's place among those executing, given back when it is dropped.
pub struct Admitted {
    admission: Arc<Admission>,
    wanted: u32,
    permit: Mutex<Option<OwnedSemaphorePermit>>,
}

impl Admitted {
    /// Awaits `wait`, which holds no connection of the pool (a create queued
    /// for the writer of creates), with this place given to the queries
    /// waiting for one; takes a place again, in turn, before it returns.
    pub async fn aside<F: Future>(&self, wait: F) -> F::Output {
        let held = self
            .permit
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let gave_back = held.is_some();
        drop(held);
        let output = wait.await;
        if gave_back {
            let again = self
                .admission
                .permits
                .clone()
                .acquire_many_owned(self.wanted)
                .await
                .ok();
            *self.permit.lock().unwrap_or_else(PoisonError::into_inner) = again;
        }
        output
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::Admission;

    #[tokio::test]
    async fn queries_share_the_budget_and_the_pool() {
        let admission = Arc::new(Admission::new(1_000, 4));
        // A cheap query counts for its share of the pool (1,000 / 4).
        let cheap = admission.enter(3).await;
        assert_eq!(admission.available(), 750);
        // An expensive one for its cost; one over the budget for all of it.
        let expensive = admission.enter(600).await;
        assert_eq!(admission.available(), 150);
        drop((cheap, expensive));
        let huge = admission.enter(50_000).await;
        assert_eq!(admission.available(), 0);
        // The next one waits until the huge one is done.
        let waiting = tokio::time::timeout(Duration::from_millis(50), admission.enter(1));
        assert!(waiting.await.is_err(), "no room while the huge query runs");
        drop(huge);
        let _next = admission.enter(1).await;
        assert_eq!(admission.available(), 750);
    }

    #[tokio::test]
    async fn a_query_waiting_aside_lets_another_in_and_then_takes_its_place_again() {
        // A pool of one: one query at a time.
        let admission = Arc::new(Admission::new(1_000, 1));
        let first = admission.enter(1).await;
        let blocked = tokio::time::timeout(Duration::from_millis(50), admission.enter(1));
        assert!(blocked.await.is_err(), "the pool's one place is taken");
        let output = first
            .aside(async {
                // The place is free while the first waits aside.
                let second = tokio::time::timeout(Duration::from_secs(5), admission.enter(1))
                    .await
                    .expect("admitted while the first waits aside");
                assert_eq!(admission.available(), 0);
                drop(second);
                "waited"
            })
            .await;
        assert_eq!(output, "waited");
        // The first holds its place again, until it is dropped.
        assert_eq!(admission.available(), 0);
        drop(first);
        assert_eq!(admission.available(), 1_000);
    }
}
