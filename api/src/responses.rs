//! Answers kept until the data changes. Dashboards and partner systems ask
//! the same queries over and over between two changes; an answer that
//! nothing can have changed since it was computed is sent again without
//! running anything (`docs/API.md`, "Answers kept until the data changes";
//! `docs/BENCHMARKS.md`, "Answers computed again though nothing had
//! changed").
//!
//! An answer is kept by everything it depends on: the document's text, the
//! operation's name, the variables, who asks (role, member and subject) and
//! the language. Only queries that ran without an error are kept. The
//! caller's rate limit is charged for a kept answer as for a computed one.
//!
//! An answer is sent again only while its [`Stamp`] is still the current
//! one, that is while
//! - no write of this process has ended since it was computed (the count of
//!   [`crate::audit::commits`], which moves before a write answers, so a
//!   client reads its own writes),
//! - the highest committed change known from the database's notifications
//!   has not moved (writes through other instances and maintenance
//!   commands), within one listening session (notifications may be lost
//!   between two, [`crate::feed::signal::ChangeSignal::session`]); without a
//!   session (not listening, or on SQLite) nothing is kept or sent,
//! - the UTC day is the same (some fields default to today), and
//! - it is at most [`MAX_AGE`] old (a listening connection that died without
//!   a word is noticed within its recheck period; this bounds how stale an
//!   answer can be even then).
//!
//! A write through another instance is seen here when its notification
//! arrives, normally within milliseconds of its commit. A client that must
//! not read an answer computed before that sends `Cache-Control: no-cache`.
//!
//! The memory is bounded: two generations of at most half the configured
//! bytes each (`RESPONSE_CACHE_BYTES`); when the current one is full it
//! becomes the previous one and the oldest is dropped, and an answer found in
//! the previous generation moves back into the current one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chrono::Datelike;

use crate::auth::Principal;
use crate::feed::signal::ChangeSignal;
use crate::i18n::PreferredLang;

/// The longest an answer is kept, whatever else holds.
pub const MAX_AGE: Duration = Duration::from_secs(10);

/// A larger answer is not kept (it would take much of a generation).
pub const MAX_ANSWER_BYTES: usize = 512 * 1024;

/// What an answer depends on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// The document's text.
    pub query: String,
    /// The operation's name, as given.
    pub operation_name: Option<String>,
    /// The variables as JSON text.
    pub variables: String,
    /// Who asks.
    pub principal: Principal,
    /// The language asked for.
    pub lang: PreferredLang,
}

impl Key {
    /// The memory the key takes, roughly.
    fn bytes(&self) -> usize {
        let subject = match &self.principal {
            Principal::Anonymous => 0,
            Principal::User { subject, .. } => subject.len(),
        };
        self.query.len()
            + self.operation_name.as_ref().map_or(0, String::len)
            + self.variables.len()
            + subject
            + 128
    }
}

/// The state of the data an answer was computed against (see the module's
/// documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// Writes this process ended.
    pub commits: u64,
    /// The listening session.
    pub session: u64,
    /// The highest committed change known.
    pub head: i64,
    /// The UTC day, as days since the Common Era.
    pub day: i32,
}

impl Stamp {
    /// The state of the data now, as far as this instance knows it; `None`
    /// when changes elsewhere could go unnoticed (see the module's
    /// documentation).
    pub fn now(changes: &ChangeSignal) -> Option<Self> {
        // The writes of this process first: one that ends after this read
        // moves the count, and the answer is not kept.
        let commits = crate::audit::commits();
        let session = changes.session()?;
        Some(Self {
            commits,
            session,
            head: changes.head(),
            day: chrono::Utc::now().date_naive().num_days_from_ce(),
        })
    }
}

/// A kept answer.
#[derive(Debug)]
pub struct Answer {
    /// The `data` member's JSON text.
    pub data: Bytes,
    /// The `extensions` the engine added (the cost is added per request).
    pub extensions: serde_json::Map<String, serde_json::Value>,
    /// The query's cost, charged to the caller's rate limit.
    pub cost: u64,
    /// The operation's label in the metrics.
    pub label: String,
}

struct Entry {
    answer: Arc<Answer>,
    stamp: Stamp,
    at: Instant,
    bytes: usize,
}

#[derive(Default)]
struct Generations {
    current: HashMap<Key, Entry>,
    current_bytes: usize,
    previous: HashMap<Key, Entry>,
    previous_bytes: usize,
}

/// Kept answers (see the module's documentation).
pub struct Responses {
    generation_bytes: usize,
    max_age: Duration,
    kept: Mutex<Generations>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Responses {
    /// Answers kept within `bytes` in all; 0 keeps none.
    pub fn new(bytes: usize) -> Self {
        Self {
            generation_bytes: bytes / 2,
            max_age: MAX_AGE,
            kept: Mutex::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Whether answers are kept at all.
    pub fn enabled(&self) -> bool {
        self.generation_bytes > 0
    }

    /// The answer kept for `key`, if it was computed at `now`'s state of the
    /// data and is young enough.
    pub fn get(&self, key: &Key, now: Stamp) -> Option<Arc<Answer>> {
        let found = self.find(key, now);
        match &found {
            Some(_) => self.hits.fetch_add(1, Ordering::Relaxed),
            None => self.misses.fetch_add(1, Ordering::Relaxed),
        };
        found
    }

    fn find(&self, key: &Key, now: Stamp) -> Option<Arc<Answer>> {
        let fresh = |entry: &Entry| entry.stamp == now && entry.at.elapsed() <= self.max_age;
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = kept.current.get(key) {
            return fresh(entry).then(|| Arc::clone(&entry.answer));
        }
        let (key, entry) = kept.previous.remove_entry(key)?;
        kept.previous_bytes -= entry.bytes;
        if !fresh(&entry) {
            return None;
        }
        let answer = Arc::clone(&entry.answer);
        self.insert(&mut kept, key, entry);
        Some(answer)
    }

    /// Keeps the answer whose `data` text is `parts` (in order), computed
    /// from the state of the data at `computed`, if that is still the state
    /// at `now` (nothing changed while it was computed) and it is not too
    /// large; `answer` makes the kept answer of the joined text. When it is
    /// kept, `parts` becomes that one buffer, kept and sent alike. Whether
    /// it was kept.
    pub fn keep(
        &self,
        key: Key,
        parts: &mut Vec<Bytes>,
        answer: impl FnOnce(Bytes) -> Answer,
        computed: Stamp,
        now: Stamp,
    ) -> bool {
        let length: usize = parts.iter().map(Bytes::len).sum();
        if !self.enabled() || computed != now || length > MAX_ANSWER_BYTES {
            return false;
        }
        let data = Bytes::from(parts.concat());
        let answer = answer(data.clone());
        let bytes = key.bytes() + length + answer.label.len() + 64;
        if bytes > self.generation_bytes {
            return false;
        }
        *parts = vec![data];
        let entry = Entry {
            answer: Arc::new(answer),
            stamp: computed,
            at: Instant::now(),
            bytes,
        };
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = kept.previous.remove(&key) {
            kept.previous_bytes -= old.bytes;
        }
        self.insert(&mut kept, key, entry);
        true
    }

    fn insert(&self, kept: &mut Generations, key: Key, entry: Entry) {
        if let Some(old) = kept.current.remove(&key) {
            kept.current_bytes -= old.bytes;
        }
        if kept.current_bytes + entry.bytes > self.generation_bytes {
            kept.previous = std::mem::take(&mut kept.current);
            kept.previous_bytes = std::mem::take(&mut kept.current_bytes);
        }
        kept.current_bytes += entry.bytes;
        kept.current.insert(key, entry);
    }

    /// The memory the kept answers take, roughly (both generations).
    pub fn kept_bytes(&self) -> usize {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.current_bytes + kept.previous_bytes
    }

    /// Answers sent again, and queries that found none to send, since start.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::codes::Lang;

    fn key(query: &str, principal: Principal, lang: Lang) -> Key {
        Key {
            query: query.to_owned(),
            operation_name: None,
            variables: "{}".to_owned(),
            principal,
            lang: PreferredLang(lang),
        }
    }

    fn answer(data: Bytes) -> Answer {
        Answer {
            data,
            extensions: serde_json::Map::new(),
            cost: 3,
            label: "anonymous".to_owned(),
        }
    }

    /// Keeps `text` as the answer of `key`, in one part.
    fn keep(responses: &Responses, key: Key, text: &str, computed: Stamp, now: Stamp) -> bool {
        let mut parts = vec![Bytes::from(text.to_owned())];
        responses.keep(key, &mut parts, answer, computed, now)
    }

    const AT: Stamp = Stamp {
        commits: 7,
        session: 1,
        head: 100,
        day: 739_000,
    };

    #[test]
    fn an_answer_is_sent_again_only_while_nothing_changed() {
        let responses = Responses::new(1024 * 1024);
        let k = key("{ a }", Principal::Anonymous, Lang::En);
        assert!(responses.get(&k, AT).is_none());
        assert!(keep(&responses, k.clone(), "{\"a\":1}", AT, AT));
        let found = responses.get(&k, AT).expect("kept");
        assert_eq!(&found.data[..], b"{\"a\":1}");
        assert_eq!(found.cost, 3);
        // A write here, a change elsewhere, a new listening session or a new
        // day: not sent again.
        for later in [
            Stamp { commits: 8, ..AT },
            Stamp { head: 101, ..AT },
            Stamp { session: 2, ..AT },
            Stamp { day: 739_001, ..AT },
        ] {
            assert!(responses.get(&k, later).is_none(), "{later:?}");
        }
        assert_eq!(responses.counts(), (1, 5));
    }

    #[test]
    fn an_answer_is_sent_again_for_its_longest_life_at_most() {
        let responses = Responses {
            max_age: Duration::from_millis(50),
            ..Responses::new(1024 * 1024)
        };
        let k = key("{ a }", Principal::Anonymous, Lang::En);
        assert!(keep(&responses, k.clone(), "1", AT, AT));
        assert!(responses.get(&k, AT).is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(responses.get(&k, AT).is_none());
    }

    #[test]
    fn an_answer_in_parts_is_kept_and_sent_as_one_buffer() {
        let responses = Responses::new(1024 * 1024);
        let k = key("{ a }", Principal::Anonymous, Lang::En);
        let mut parts = vec![Bytes::from_static(b"{\"a\":"), Bytes::from_static(b"[1]}")];
        assert!(responses.keep(k.clone(), &mut parts, answer, AT, AT));
        assert_eq!(parts, vec![Bytes::from_static(b"{\"a\":[1]}")]);
        assert_eq!(responses.get(&k, AT).expect("kept").data, parts[0]);
        // Not kept: the parts are left as they were.
        let later = Stamp { head: 101, ..AT };
        let mut parts = vec![Bytes::from_static(b"{\"a\":"), Bytes::from_static(b"[2]}")];
        assert!(!responses.keep(k, &mut parts, answer, AT, later));
        assert_eq!(parts.len(), 2);
    }

    #[test]
    fn an_answer_computed_while_the_data_changed_is_not_kept() {
        let responses = Responses::new(1024 * 1024);
        let k = key("{ a }", Principal::Anonymous, Lang::En);
        let later = Stamp { head: 101, ..AT };
        keep(&responses, k.clone(), "{\"a\":1}", AT, later);
        assert!(responses.get(&k, AT).is_none());
        assert!(responses.get(&k, later).is_none());
        assert_eq!(responses.kept_bytes(), 0);
    }

    #[test]
    fn callers_and_languages_do_not_share_answers() {
        let responses = Responses::new(1024 * 1024);
        let editor = |subject: &str, member_id| Principal::User {
            subject: subject.to_owned(),
            role: Role::Editor,
            member_id,
            applicant: false,
        };
        let kept = key("{ a }", editor("one", Some(1)), Lang::En);
        keep(&responses, kept.clone(), "1", AT, AT);
        assert!(responses.get(&kept, AT).is_some());
        for other in [
            key("{ a }", Principal::Anonymous, Lang::En),
            key("{ a }", editor("two", Some(1)), Lang::En),
            key("{ a }", editor("one", Some(2)), Lang::En),
            key("{ a }", editor("one", Some(1)), Lang::Uk),
            key("{ a  }", editor("one", Some(1)), Lang::En),
            Key {
                variables: "{\"x\":1}".to_owned(),
                ..kept.clone()
            },
            Key {
                operation_name: Some("A".to_owned()),
                ..kept.clone()
            },
        ] {
            assert!(responses.get(&other, AT).is_none(), "{other:?}");
        }
    }

    #[test]
    fn memory_stays_bounded_and_answers_in_use_stay() {
        let responses = Responses::new(256 * 1024);
        let hot = key("{ hot }", Principal::Anonymous, Lang::En);
        keep(&responses, hot.clone(), "\"hot\"", AT, AT);
        for i in 0..10_000 {
            let k = key(&format!("{{ a{i} }}"), Principal::Anonymous, Lang::En);
            keep(&responses, k, &"x".repeat(100), AT, AT);
            if i % 50 == 0 {
                assert!(responses.get(&hot, AT).is_some(), "lost after {i}");
            }
        }
        assert!(responses.kept_bytes() <= 256 * 1024);
        let first = key("{ a0 }", Principal::Anonymous, Lang::En);
        assert!(responses.get(&first, AT).is_none());
    }

    #[test]
    fn large_answers_and_a_zero_budget_keep_nothing() {
        let responses = Responses::new(4 * MAX_ANSWER_BYTES);
        let k = key("{ a }", Principal::Anonymous, Lang::En);
        keep(
            &responses,
            k.clone(),
            &"x".repeat(MAX_ANSWER_BYTES + 1),
            AT,
            AT,
        );
        assert!(responses.get(&k, AT).is_none());
        let off = Responses::new(0);
        assert!(!off.enabled());
        keep(&off, k.clone(), "1", AT, AT);
        assert!(off.get(&k, AT).is_none());
    }
}
