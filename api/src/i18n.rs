//! Languages of multilingual text and the request's preferred language.

use crate::codes::{Code, Lang};

/// The language a request prefers, from its `Accept-Language` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PreferredLang(pub Lang);

impl Default for PreferredLang {
    fn default() -> Self {
        Self(Lang::En)
    }
}

impl PreferredLang {
    /// Picks the supported language with the highest quality value; English
    /// when the header names none of them.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Self::default();
        };
        let mut best: Option<(Lang, f32)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default();
            if let Some(lang) = Lang::from_code(primary)
                && best.is_none_or(|(_, q)| quality > q)
            {
                best = Some((lang, quality));
            }
        }
        Self(best.map_or(Lang::En, |(lang, _)| lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_preferred_supported_language() {
        let pick = |h| PreferredLang::from_accept_language(Some(h)).0;
        assert_eq!(pick("uk-UA,uk;q=0.9,en;q=0.8"), Lang::Uk);
        assert_eq!(pick("de-DE,en;q=0.5,uk;q=0.7"), Lang::Uk);
        assert_eq!(pick("fr"), Lang::En);
        assert_eq!(PreferredLang::from_accept_language(None).0, Lang::En);
    }
}
