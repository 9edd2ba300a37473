//! Encoding of short code lists (themes, languages, principles) in one text column.
//!
//! A list is stored as its codes joined by commas with a comma at each end
//! (`",15110,16010,"`), so that "contains code X" is the portable, indexable-enough
//! condition `column LIKE '%,X,%'` on both SQLite and PostgreSQL.

/// Encodes codes as a delimited list; the empty list is `","`.
pub fn encode<S: AsRef<str>>(codes: &[S]) -> String {
    let mut out = String::from(",");
    for code in codes {
        out.push_str(code.as_ref());
        out.push(',');
    }
    out
}

/// Decodes a delimited list back into its codes, in stored order.
pub fn decode(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The `LIKE` pattern that matches lists containing `code`.
pub fn contains_pattern(code: &str) -> String {
    format!("%,{code},%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_codes_in_order() {
        let stored = encode(&["15110", "16010"]);
        assert_eq!(stored, ",15110,16010,");
        assert_eq!(decode(&stored), vec!["15110", "16010"]);
        assert!(decode(&encode::<&str>(&[])).is_empty());
    }
}
