//! A short, deterministic run of the fuzz targets in `fuzz/` on stable Rust:
//! mutated queries through the guards, mutated IDs, cursors and amounts
//! through their parsers. None may panic; round trips must hold. The long runs
//! use cargo-fuzz (docs/SECURITY.md).

use alliance_api::config::Limits;
use alliance_api::pagination::Cursor;
use alliance_api::{guard, ids, money};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const QUERIES: [&str; 6] = [
    "{ projects(first: 10, filter: { titleContains: \"школа\" }) { nodes { id code owner { name } } } }",
    "query Q($a: String) { changes(after: $a) { edges { cursor node { sequence } } } }",
    "mutation { createProject(input: { code: \"X\" }) { userErrors { message } } }",
    "query { ...F } fragment F on Query { members { nodes { ... on Member { slug } } } }",
    "{ a: node(id: \"UHJvamVjdDox\") { id } b: nodes(ids: [\"x\", \"y\"]) { id } }",
    "\"\"\"block \\\"\"\" string\"\"\" { __typename # comment {{{\n }",
];

const ALPHABET: &[u8] = b"{}[]()\":,.!$@#\\ \n\tazAZ09_-\x00\xff...";

fn mutate(rng: &mut StdRng, seed: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..rng.random_range(1..8) {
        let at = if out.is_empty() {
            0
        } else {
            rng.random_range(0..out.len())
        };
        match rng.random_range(0..5) {
            0 => out.insert(at, ALPHABET[rng.random_range(0..ALPHABET.len())]),
            1 if !out.is_empty() => {
                out.remove(at);
            }
            2 => {
                let end = (at + rng.random_range(0..40)).min(out.len());
                let piece = out[at..end].to_vec();
                for _ in 0..rng.random_range(1..50) {
                    out.splice(at..at, piece.iter().copied());
                }
            }
            3 => {
                let depth = rng.random_range(1..400);
                let open = [b'{', b'[', b'('][rng.random_range(0..3)];
                out.splice(at..at, std::iter::repeat_n(open, depth));
            }
            _ => out.truncate(at),
        }
    }
    out
}

#[test]
fn guards_answer_any_text() {
    let mut rng = StdRng::seed_from_u64(20_261_128);
    let limits = Limits::default();
    let started = std::time::Instant::now();
    for i in 0..20_000 {
        let bytes = mutate(&mut rng, QUERIES[i % QUERIES.len()].as_bytes());
        let text = String::from_utf8_lossy(&bytes);
        let variables = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        if guard::before_parsing(&text, &variables, &limits).is_err() {
            continue;
        }
        if let Ok(document) = async_graphql::parser::parse_query(text.as_ref()) {
            let _ = guard::check(
                &document,
                None,
                &async_graphql::Variables::from_json(variables),
                &limits,
            );
        }
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn scalars_read_or_refuse_any_text() {
    let mut rng = StdRng::seed_from_u64(7);
    let cursor = Cursor::decode(
        "eyJrZXkiOiJTRVE6QVNDIiwidmFsdWUiOnsidCI6IkludCIsInYiOjV9LCJpZCI6NX0",
        "after",
    )
    .expect("a valid cursor");
    let seeds = [
        cursor.encode(),
        ids::encode("Project", 42).to_string(),
        "1234567.89".to_owned(),
        "-0.5".to_owned(),
    ];
    for i in 0..50_000 {
        let bytes = mutate(&mut rng, seeds[i % seeds.len()].as_bytes());
        let text = String::from_utf8_lossy(&bytes);
        let _ = ids::decode_any(&text, "id");
        if let Ok(cursor) = Cursor::decode(&text, "after") {
            assert_eq!(Cursor::decode(&cursor.encode(), "after").ok(), Some(cursor));
        }
        for currency in ["EUR", "JPY", "KWD"] {
            if let Ok(minor) = money::parse_minor(&text, currency) {
                assert_eq!(
                    money::parse_minor(&money::format_minor(minor, currency), currency),
                    Ok(minor),
                    "{text:?} in {currency}"
                );
            }
        }
    }
}
