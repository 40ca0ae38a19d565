//! How a directory query is answered. Full-text indexes (SQLite FTS5 trigram, pg_trgm) return
//! nothing for the 1- and 2-character queries people type most (宁波, 社工, 养老), and a LIKE
//! scan costs about half a second per million rows. So every distinct character and character
//! pair of a normalised name is indexed, and a query starts from the rarest pair it contains
//! (or its one character), checking the whole query only on those candidates.

use crate::domain::org_name::normalize;
use crate::domain::uscc::Uscc;
use std::collections::BTreeSet;

/// The gram every organization is indexed under, so that filters alone read the same index.
pub const EVERYONE: &str = "";

/// The grams a name is indexed under: each distinct character, each distinct pair, and
/// `EVERYONE`.
pub fn grams(name: &str) -> BTreeSet<String> {
    let chars: Vec<char> = normalize(name).chars().collect();
    let mut out: BTreeSet<String> = chars.iter().map(|c| c.to_string()).collect();
    out.insert(EVERYONE.to_string());
    out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// An exact code (checked or legacy).
    Uscc(String),
    /// Start from one of `grams` (the rarest), and where `needle` is set keep only names that
    /// contain it.
    Grams {
        grams: Vec<String>,
        needle: Option<String>,
    },
}

pub fn plan(query: &str) -> Plan {
    let q = normalize(query);
    if q.is_empty() {
        return Plan::Grams {
            grams: vec![EVERYONE.to_string()],
            needle: None,
        };
    }
    if q.chars().count() == 18 {
        if let Ok((code, _)) = Uscc::parse_legacy(&q) {
            return Plan::Uscc(code.to_string());
        }
    }
    let chars: Vec<char> = q.chars().collect();
    if chars.len() == 1 {
        return Plan::Grams {
            grams: vec![q],
            needle: None,
        };
    }
    let pairs: BTreeSet<String> = chars.windows(2).map(|w| w.iter().collect()).collect();
    let needle = (chars.len() > 2).then_some(q);
    Plan::Grams {
        grams: pairs.into_iter().collect(),
        needle,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_indexed_by_characters_and_pairs() {
        let g = grams("宁波 阳光");
        let expected: BTreeSet<String> = ["", "宁", "波", "阳", "光", "宁波", "波阳", "阳光"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(g, expected);
    }

    #[test]
    fn queries_are_planned_by_length() {
        assert_eq!(
            plan("  "),
            Plan::Grams {
                grams: vec![String::new()],
                needle: None
            }
        );
        assert_eq!(
            plan("社"),
            Plan::Grams {
                grams: vec!["社".into()],
                needle: None
            }
        );
        assert_eq!(
            plan("社工"),
            Plan::Grams {
                grams: vec!["社工".into()],
                needle: None
            }
        );
        let Plan::Grams { grams, needle } = plan("养老服务") else {
            panic!("a gram plan")
        };
        let grams: BTreeSet<String> = grams.into_iter().collect();
        let expected: BTreeSet<String> = ["养老", "老服", "服务"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!((grams, needle), (expected, Some("养老服务".to_string())));
        assert_eq!(
            plan("53100000500019795a"),
            Plan::Uscc("53100000500019795A".into())
        );
        assert_eq!(
            plan("91350100M0001TGQXM"),
            Plan::Uscc("91350100M0001TGQXM".into()),
            "legacy codes are found too"
        );
    }
}
