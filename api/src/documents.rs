//! Parsed GraphQL documents kept by their text. Clients send the same few
//! queries over and over, and parsing one is a tenth of the service's CPU for
//! a small query (`docs/BENCHMARKS.md`); a document seen before is copied
//! from here instead. Validation, the guards and the rate limit still run on
//! every request, and only documents that passed them are kept. With a
//! document are kept the objects compiled for its fields
//! ([`crate::compiled::Objects`]), which go with it.
//!
//! The memory is bounded by an estimate of each document's parsed size
//! ([`weight`]): two generations of at most [`GENERATION_BYTES`] each; when
//! the current one is full it becomes the previous one and the oldest is
//! dropped, and a document found in the previous generation moves back into
//! the current one, so the queries in use stay while one-off queries pass
//! through.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use crate::compiled::Objects;

/// Estimated parsed size kept per generation, in bytes.
pub const GENERATION_BYTES: usize = 4 * 1024 * 1024;

/// Longer documents are parsed every time (they are rare, and one would
/// fill a generation).
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

/// Parsed documents by their text (see the module's documentation).
#[derive(Default)]
pub struct Documents {
    kept: Mutex<Generations>,
    /// The bytes of the objects compiled for them, all together (see
    /// [`crate::compiled::OBJECT_BYTES`]).
    objects: Arc<AtomicUsize>,
}

/// A kept document, the objects compiled for it and its estimated size.
type Kept = (Arc<ExecutableDocument>, Arc<Objects>, usize);

#[derive(Default)]
struct Generations {
    current: HashMap<Arc<str>, Kept>,
    current_bytes: usize,
    previous: HashMap<Arc<str>, Kept>,
    previous_bytes: usize,
}

impl Generations {
    fn insert(&mut self, text: Arc<str>, kept: Kept) {
        if self.current_bytes + kept.2 > GENERATION_BYTES {
            self.previous = std::mem::take(&mut self.current);
            self.previous_bytes = std::mem::take(&mut self.current_bytes);
        }
        self.current_bytes += kept.2;
        self.current.insert(text, kept);
    }
}

/// An estimate of the memory a parsed document takes: a few hundred bytes
/// per selection, and room for argument values at several times their text
/// (a list of numbers is a few bytes of text per item, tens parsed).
pub fn weight(text: &str, document: &ExecutableDocument) -> usize {
    fn selections(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| {
                1 + match &item.node {
                    Selection::Field(field) => selections(&field.node.selection_set.node),
                    Selection::InlineFragment(inline) => {
                        selections(&inline.node.selection_set.node)
                    }
                    Selection::FragmentSpread(_) => 0,
                }
            })
            .sum()
    }
    let count: usize = document
        .operations
        .iter()
        .map(|(_, operation)| selections(&operation.node.selection_set.node))
        .chain(
            document
                .fragments
                .values()
                .map(|fragment| selections(&fragment.node.selection_set.node)),
        )
        .sum();
    256 * count + 40 * text.len()
}

impl Documents {
    /// The parsed document of `text`, if it was kept, and the objects
    /// compiled for it.
    pub fn get(&self, text: &str) -> Option<(ExecutableDocument, Arc<Objects>)> {
        let (shared, objects) = {
            let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            match kept.current.get(text) {
                Some((document, objects, _)) => (Arc::clone(document), Arc::clone(objects)),
                None => {
                    let (text, found) = kept.previous.remove_entry(text)?;
                    kept.previous_bytes -= found.2;
                    let shared = (Arc::clone(&found.0), Arc::clone(&found.1));
                    kept.insert(text, found);
                    shared
                }
            }
        };
        // The copy the request owns is made outside the lock.
        Some(((*shared).clone(), objects))
    }

    /// Keeps the parsed document of `text` (one that parsed and passed the
    /// guards); the objects to compile for it, `None` when it is not kept
    /// (too long).
    pub fn keep(&self, text: String, document: &ExecutableDocument) -> Option<Arc<Objects>> {
        if text.len() > MAX_TEXT_BYTES {
            return None;
        }
        let weight = weight(&text, document);
        let document = Arc::new(document.clone());
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, objects, _)) = kept.current.get(text.as_str()) {
            return Some(Arc::clone(objects));
        }
        let objects = Arc::new(Objects::new(Arc::clone(&self.objects)));
        kept.insert(Arc::from(text), (document, Arc::clone(&objects), weight));
        Some(objects)
    }

    /// The estimated size of what is kept (both generations).
    pub fn kept_bytes(&self) -> usize {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.current_bytes + kept.previous_bytes
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
        let objects = documents
            .keep(text.to_owned(), &parsed(text))
            .expect("kept");
        let (kept, found) = documents.get(text).expect("kept");
        assert_eq!(format!("{kept:?}"), format!("{:?}", parsed(text)));
        // The objects compiled for it go with it.
        assert!(Arc::ptr_eq(&objects, &found));
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
    fn the_estimate_grows_with_selections_and_values() {
        let small = "{ a }";
        let wide = format!("{{ {} }}", "a ".repeat(1000));
        let values = format!("{{ a(ids: [{}]) }}", "1,".repeat(1000));
        let small_weight = weight(small, &parsed(small));
        assert!(weight(&wide, &parsed(&wide)) >= 256 * 1000);
        assert!(weight(&values, &parsed(&values)) >= 40 * 2000);
        assert!(small_weight < 1000, "{small_weight}");
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
