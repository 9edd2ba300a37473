//! Admission to execution by query cost: the queries executing at once cost
//! at most `MAX_INFLIGHT_COST` together, and each counts for at least its
//! share of the database pool, so that no more queries execute than the pool
//! has connections for. A query waits its turn (within the request time
//! limit) instead of failing on a busy pool, and memory stays bounded however
//! many connections the clients open.

use tokio::sync::{Semaphore, SemaphorePermit};

/// The in-flight budget.
pub struct Admission {
    permits: Semaphore,
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
            permits: Semaphore::new(budget as usize),
            budget,
            floor,
        }
    }

    /// Waits until a query of `cost` may execute; it may while the permit lives.
    pub async fn enter(&self, cost: u64) -> Option<SemaphorePermit<'_>> {
        let wanted = u32::try_from(cost)
            .unwrap_or(u32::MAX)
            .clamp(self.floor, self.budget);
        self.permits.acquire_many(wanted).await.ok()
    }

    /// Cost units free now.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::Admission;

    #[tokio::test]
    async fn queries_share_the_budget_and_the_pool() {
        let admission = Admission::new(1_000, 4);
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
        let waiting =
            tokio::time::timeout(std::time::Duration::from_millis(50), admission.enter(1));
        assert!(waiting.await.is_err(), "no room while the huge query runs");
        drop(huge);
        assert!(admission.enter(1).await.is_some());
    }
}
