//! Telling live subscriptions that changes were committed.
//!
//! A [`ChangeSignal`] holds the highest committed sequence number of the audit
//! trail this instance knows of; subscriptions wait for it to move, then read
//! the new changes from the trail itself. The signal only wakes them: what
//! they send always comes from the database, so a missed or doubled wake-up
//! costs a query, never a change.
//!
//! On PostgreSQL every write transaction that recorded a change sends `NOTIFY alliance_changes`
//! (delivered on commit, see `audit::service::Writer::commit`) and every
//! instance listens, so a write through one instance reaches the subscribers
//! of all of them. After the listening connection is (re)established, the head
//! is read once more, so nothing committed while it was away is overlooked.
//! The embedded SQLite file has one writer process at a time but may be shared
//! with maintenance commands (`alliance import`), so there the head row is
//! read every 100 ms while anyone subscribes.
//!
//! While the signal listens, it also names the listening session
//! ([`ChangeSignal::session`]): the kept answers of
//! [`crate::responses::Responses`] are trusted only within one session, as
//! notifications may be lost between two.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use entity::audit_head;
use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The PostgreSQL notification channel of committed writes.
pub const CHANNEL: &str = "alliance_changes";
/// How often the SQLite head is read while someone subscribes.
const POLL: Duration = Duration::from_millis(100);
/// How often the head is read again while listening, in case a notification
/// was lost with a connection that died silently.
const RECHECK: Duration = Duration::from_secs(30);
/// Wait before listening again after the database went away.
const RECONNECT: Duration = Duration::from_secs(1);

/// The latest committed sequence number, for live subscriptions to wait on.
pub struct ChangeSignal {
    head: watch::Sender<i64>,
    /// The listening session: a new number each time the listener is
    /// (re)established and the head read; 0 while not listening (and on
    /// SQLite, which has no notifications).
    session: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl Drop for ChangeSignal {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ChangeSignal {
    /// Starts following the database's commits: by LISTEN on PostgreSQL
    /// (`database_url` is used for the listening connection), by reading the
    /// head row on SQLite.
    pub fn start(db: DatabaseConnection, database_url: &str) -> Self {
        let (head, _) = watch::channel(0);
        let session = Arc::new(AtomicU64::new(0));
        let task = if database_url.starts_with("sqlite:") {
            tokio::spawn(poll(db, head.clone()))
        } else {
            tokio::spawn(listen(
                db,
                database_url.to_owned(),
                head.clone(),
                Arc::clone(&session),
            ))
        };
        Self {
            head,
            session,
            task,
        }
    }

    /// The highest committed sequence number known here.
    pub fn head(&self) -> i64 {
        *self.head.borrow()
    }

    /// The current listening session, `None` while commits of other
    /// instances may go unnoticed (not listening, or on SQLite).
    pub fn session(&self) -> Option<u64> {
        match self.session.load(Ordering::SeqCst) {
            0 => None,
            session => Some(session),
        }
    }

    /// A receiver that sees the head move.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.head.subscribe()
    }

    /// Subscriptions waiting on this signal (one per live subscription).
    pub fn subscribers(&self) -> usize {
        self.head.receiver_count()
    }
}

/// Raises the known head to `seq` (never lowers it); wakes waiters when it moved.
fn raise(head: &watch::Sender<i64>, seq: i64) {
    head.send_if_modified(|known| {
        let moved = seq > *known;
        if moved {
            *known = seq;
        }
        moved
    });
}

/// The committed head of the audit trail.
pub async fn committed_head(db: &DatabaseConnection) -> crate::error::Result<i64> {
    Ok(audit_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .map_or(0, |head| head.seq))
}

async fn poll(db: DatabaseConnection, head: watch::Sender<i64>) {
    let mut ticks = tokio::time::interval(POLL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if head.receiver_count() == 0 {
            continue;
        }
        if let Ok(seq) = committed_head(&db).await {
            raise(&head, seq);
        }
    }
}

async fn listen(
    db: DatabaseConnection,
    url: String,
    head: watch::Sender<i64>,
    session: Arc<AtomicU64>,
) {
    use sea_orm::sqlx::postgres::PgListener;
    let mut sessions = 0u64;
    loop {
        // Not listening: notifications may be missed from here on.
        session.store(0, Ordering::SeqCst);
        let mut listener = match PgListener::connect(&url).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for committed changes; retrying");
                tokio::time::sleep(RECONNECT).await;
                continue;
            }
        };
        // A lost connection is reported at once, not after the listener has
        // tried to connect again (which waits while the database is away):
        // until a new one listens, no session.
        listener.eager_reconnect(false);
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::warn!(%error, "cannot listen for committed changes; retrying");
            tokio::time::sleep(RECONNECT).await;
            continue;
        }
        // Whatever committed before the LISTEN took effect; only once it is
        // known does a session begin.
        match committed_head(&db).await {
            Ok(seq) => raise(&head, seq),
            Err(error) => {
                tracing::warn!(%error, "cannot read the committed head; retrying");
                tokio::time::sleep(RECONNECT).await;
                continue;
            }
        }
        sessions += 1;
        session.store(sessions, Ordering::SeqCst);
        // A connection that died without a word would stall every
        // subscriber: the head is read again now and then regardless.
        // (The head was just read: the first recheck is one period away.)
        let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
        recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let received = tokio::select! {
                received = listener.try_recv() => received,
                _ = recheck.tick() => {
                    if let Ok(seq) = committed_head(&db).await {
                        raise(&head, seq);
                    }
                    continue;
                }
            };
            match received {
                Ok(Some(notification)) => {
                    if let Ok(seq) = notification.payload().parse::<i64>() {
                        raise(&head, seq);
                    }
                }
                // The connection was lost: notifications since are gone.
                // A new listener is set up and the head read again.
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(%error, "listening for committed changes failed; retrying");
                    session.store(0, Ordering::SeqCst);
                    tokio::time::sleep(RECONNECT).await;
                    break;
                }
            }
        }
    }
}
