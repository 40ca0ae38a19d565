//! What is bought, classified by a published scheme (issue 24, item 2): a process buys one
//! service of the service catalogue (`seeds/service_catalogue.toml`), published as one item
//! of `tender.items` (and of the award and contract that follow) with a `classification`.
//!
//! The scheme is CPV, the EC Common Procurement Vocabulary, code `CPV` of OCDS 1.1's
//! itemClassificationScheme codelist
//! (<https://standard.open-contracting.org/1.1/en/schema/codelists/#item-classification-scheme>:
//! "a main vocabulary for defining the subject of a contract … codes of up to 9 digits (an 8
//! digit code plus a check digit)"). Why CPV: the codelist's schemes are what OCDS tools know
//! how to read, and among them CPV is the one built for public procurement, with a social
//! services branch (853…) at the granularity of the catalogue (elderly, children, disability,
//! community health); UNSPSC and CPC are coarser there. The national catalogue (政府采购品目分类
//! 目录) is not on the codelist and the catalogue the system uses (政府购买服务指导性目录) has no
//! national codes. Codes are given with their check digit, as published; `description` is the
//! CPV's own English title (CPV has no Chinese version), the item's own `description` the
//! catalogue's Chinese name.

use serde_json::{json, Value};

/// The scheme's code in the itemClassificationScheme codelist.
pub const SCHEME: &str = "CPV";

/// Each service category of the catalogue → (CPV code, CPV title). A category added to the
/// catalogue later falls back to the branch it belongs to (`FALLBACK`); the unit test checks
/// every shipped category has its own line.
const CPV: &[(&str, &str, &str)] = &[
    (
        "elderly-care",
        "85311100-3",
        "Welfare services for the elderly",
    ),
    (
        "child-welfare",
        "85311300-5",
        "Welfare services for children and young people",
    ),
    (
        "disability",
        "85311200-4",
        "Welfare services for the handicapped",
    ),
    (
        "social-assistance",
        "85312400-3",
        "Welfare services not delivered through residential institutions",
    ),
    (
        "community-governance",
        "85322000-2",
        "Community action programme",
    ),
    ("social-work", "85310000-5", "Social work services"),
    (
        "volunteer",
        "98133000-4",
        "Services furnished by social membership organisations",
    ),
    (
        "health-promotion",
        "85323000-9",
        "Community health services",
    ),
    (
        "legal-aid",
        "79110000-8",
        "Legal advisory and representation services",
    ),
    (
        "evaluation-services",
        "79419000-4",
        "Evaluation consultancy services",
    ),
];

/// The branch a category without its own line falls under.
const FALLBACK: (&str, &str) = ("85300000-2", "Social work and related services");

/// The CPV classification of a service category.
pub fn classification(category: &str) -> Value {
    let (id, title) = CPV
        .iter()
        .find(|(c, _, _)| *c == category)
        .map_or(FALLBACK, |(_, id, title)| (*id, *title));
    json!({ "scheme": SCHEME, "id": id, "description": title })
}

/// The process's one item: the service of `category`, named in Chinese.
pub fn items(category: &str, name_zh: &str) -> Value {
    json!([{ "id": "1", "description": name_zh, "classification": classification(category) }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_category_has_its_own_cpv_code() {
        let catalogue = include_str!("../../../seeds/service_catalogue.toml");
        let codes: Vec<&str> = catalogue
            .lines()
            .filter_map(|l| l.strip_prefix("code = \""))
            .filter_map(|l| l.strip_suffix('"'))
            .collect();
        assert_eq!(codes.len(), 10);
        for c in &codes {
            let v = classification(c);
            assert_ne!(v["id"], FALLBACK.0, "{c} has no line of its own");
        }
        // Distinct codes, each 8 digits, a hyphen and a check digit.
        let mut ids: Vec<&str> = CPV.iter().map(|(_, id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CPV.len());
        for id in ids.iter().chain([&FALLBACK.0]) {
            let b = id.as_bytes();
            assert!(
                b.len() == 10
                    && b[8] == b'-'
                    && id.chars().filter(char::is_ascii_digit).count() == 9,
                "{id}"
            );
        }
        assert_eq!(classification("unknown")["id"], FALLBACK.0);
        assert_eq!(
            items("elderly-care", "养老服务")[0]["classification"]["scheme"],
            "CPV"
        );
    }
}
