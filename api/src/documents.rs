//! Parsed GraphQL documents kept by their text. Clients send the same few
//! queries over and over, and parsing one is a tenth of the service's CPU for
//! a small query (`docs/BENCHMARKS.md`); a document seen before is copied
//! from here instead. Validation still runs on every request.
//!
//! The memory is bounded by the text kept: two generations of at most
//! [`GENERATION_BYTES`] of query text each; when the current one is full it
//! becomes the previous one and the oldest is dropped, and a document found
//! in the previous generation moves back into the current one, so the queries
//! in use stay while one-off queries pass through.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::parser::types::ExecutableDocument;

/// Query text kept per generation, in bytes.
pub const GENERATION_BYTES: usize = 256 * 1024;

/// Longer documents are parsed every time (they are rare, and one would
/// fill a generation).
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

/// Parsed documents by their text (see the module's documentation).
#[derive(Default)]
pub struct Documents(Mutex<Generations>);

#[derive(Default)]
struct Generations {
    current: HashMap<Arc<str>, ExecutableDocument>,
    current_bytes: usize,
    previous: HashMap<Arc<str>, ExecutableDocument>,
}

impl Generations {
    fn insert(&mut self, text: Arc<str>, document: ExecutableDocument) {
        if self.current_bytes + text.len() > GENERATION_BYTES {
            self.previous = std::mem::take(&mut self.current);
            self.current_bytes = 0;
        }
        self.current_bytes += text.len();
        self.current.insert(text, document);
    }
}

impl Documents {
    /// The parsed document of `text`, if it was kept.
    pub fn get(&self, text: &str) -> Option<ExecutableDocument> {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(document) = kept.current.get(text) {
            return Some(document.clone());
        }
        let (text, document) = kept.previous.remove_entry(text)?;
        let copy = document.clone();
        kept.insert(text, document);
        Some(copy)
    }

    /// Keeps the parsed document of `text` (a document that parsed).
    pub fn keep(&self, text: String, document: &ExecutableDocument) {
        if text.len() > MAX_TEXT_BYTES {
            return;
        }
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if !kept.current.contains_key(text.as_str()) {
            kept.insert(Arc::from(text), document.clone());
        }
    }

    /// Bytes of query text kept (both generations).
    pub fn kept_bytes(&self) -> usize {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.current_bytes + kept.previous.keys().map(|text| text.len()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn parsed(text: &str) -> ExecutableDocument {
        parse_query(text).expect("parses")
    }

    #[test]
    fn a_kept_document_is_the_parsed_one() {
        let documents = Documents::default();
        let text = "query Q($id: ID!) { node(id: $id) { id ... on Project { code } } }";
        assert!(documents.get(text).is_none());
        documents.keep(text.to_owned(), &parsed(text));
        let kept = documents.get(text).expect("kept");
        assert_eq!(format!("{kept:?}"), format!("{:?}", parsed(text)));
        assert!(documents.get("{ other }").is_none());
    }

    #[test]
    fn memory_stays_bounded_and_queries_in_use_stay() {
        let documents = Documents::default();
        let hot = "{ projects(first: 10) { nodes { code } } }";
        documents.keep(hot.to_owned(), &parsed(hot));
        for i in 0..20_000 {
            let text = format!("{{ project(code: \"ONE-OFF-{i:05}\") {{ code }} }}");
            documents.keep(text.clone(), &parsed(&text));
            // The hot query is asked for between the one-off ones.
            if i % 100 == 0 {
                assert!(documents.get(hot).is_some(), "lost after {i}");
            }
        }
        assert!(documents.kept_bytes() <= 2 * GENERATION_BYTES);
        assert!(
            documents
                .get("{ project(code: \"ONE-OFF-00000\") { code } }")
                .is_none()
        );
        assert!(documents.get(hot).is_some());
    }

    #[test]
    fn long_documents_are_not_kept() {
        let documents = Documents::default();
        let text = format!("{{ __typename }} # {}", "x".repeat(MAX_TEXT_BYTES));
        documents.keep(text.clone(), &parsed(&text));
        assert!(documents.get(&text).is_none());
        assert_eq!(documents.kept_bytes(), 0);
    }
}
