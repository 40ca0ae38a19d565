//! Indicator standards (评估指标) as data (DOMAIN §4): per organization type a general standard
//! and standards of a category (社会团体: 行业协会商会, 学术类, 联合类, 公益类; 社会服务机构 by
//! field), each chosen for the registration categories it names; a tree of sections →
//! indicators → scored items, each with its maximum and the guidance experts read; bonus and
//! deduction items as separate kinds with caps; veto items that cap the grade or mean no grade.
//! The loader refuses a standard whose base items do not add up to exactly 1000.

use crate::domain::evaluation::Grade;
use crate::domain::registration::OrgType;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The built-in standards: version 1 of each type, version 2 (党建工作, the no-grade veto, the
/// charity spending rule: issue 22, items 12 and 13), and the category standards (item 11).
pub const BUILT_IN: [(&str, &str); 12] = [
    (
        "social_group-v1.toml",
        include_str!("../../seeds/standards/social_group-v1.toml"),
    ),
    (
        "social_service_institution-v1.toml",
        include_str!("../../seeds/standards/social_service_institution-v1.toml"),
    ),
    (
        "foundation-v1.toml",
        include_str!("../../seeds/standards/foundation-v1.toml"),
    ),
    (
        "social_group-v2.toml",
        include_str!("../../seeds/standards/social_group-v2.toml"),
    ),
    (
        "social_service_institution-v2.toml",
        include_str!("../../seeds/standards/social_service_institution-v2.toml"),
    ),
    (
        "foundation-v2.toml",
        include_str!("../../seeds/standards/foundation-v2.toml"),
    ),
    (
        "social_group-industry_association-v1.toml",
        include_str!("../../seeds/standards/social_group-industry_association-v1.toml"),
    ),
    (
        "social_group-academic-v1.toml",
        include_str!("../../seeds/standards/social_group-academic-v1.toml"),
    ),
    (
        "social_group-federation-v1.toml",
        include_str!("../../seeds/standards/social_group-federation-v1.toml"),
    ),
    (
        "social_group-public_welfare-v1.toml",
        include_str!("../../seeds/standards/social_group-public_welfare-v1.toml"),
    ),
    (
        "social_service_institution-community_service-v1.toml",
        include_str!("../../seeds/standards/social_service_institution-community_service-v1.toml"),
    ),
    (
        "social_service_institution-science_technology-v1.toml",
        include_str!("../../seeds/standards/social_service_institution-science_technology-v1.toml"),
    ),
];

/// The text of a built-in standard by its file name.
pub fn built_in(name: &str) -> Option<&'static str> {
    BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Standard {
    /// The organization type it applies to.
    pub code: String,
    /// A category standard's own name (社会团体 `industry_association`, `academic`, …); none for
    /// the type's general standard. Versions are numbered per type and category.
    #[serde(default)]
    pub category: Option<String>,
    /// The registration categories (`organizations.category`) a category standard is chosen
    /// for; empty for the general standard, which serves every other category.
    #[serde(default)]
    pub applies_to: Vec<String>,
    pub version: i64,
    pub title: String,
    pub bonus_cap: Decimal,
    pub deduction_cap: Decimal,
    pub sections: Vec<Section>,
    #[serde(default)]
    pub extras: Vec<Extra>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Section {
    pub code: String,
    pub title: String,
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Indicator {
    pub title: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Item {
    pub code: String,
    pub title: String,
    pub max: Decimal,
    pub guidance: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ExtraKind {
    Bonus,
    Deduction,
    Veto,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Extra {
    pub kind: ExtraKind,
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub max: Option<Decimal>,
    #[serde(default)]
    pub caps_grade: Option<String>,
    /// A veto that means no grade at all (e.g. 评估中弄虚作假), rather than a cap.
    #[serde(default)]
    pub no_grade: bool,
    pub guidance: String,
}

/// What a veto item does to the grade when the experts' majority marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VetoEffect {
    /// No grade is given (the strongest effect).
    NoGrade,
    /// The grade is at most this one.
    Cap(Grade),
}

impl VetoEffect {
    /// The grade `earned` becomes under this veto.
    pub fn apply(self, earned: Option<Grade>) -> Option<Grade> {
        match self {
            VetoEffect::NoGrade => None,
            VetoEffect::Cap(cap) => earned.map(|g| g.min(cap)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StandardError {
    #[error("not a standard: {0}")]
    Toml(String),
    #[error("unknown organization type `{0}`")]
    Type(String),
    #[error("base items add up to {0}, not 1000")]
    Total(Decimal),
    #[error("item code `{0}` is used twice")]
    Duplicate(String),
    #[error("item `{0}`: the maximum must be above 0 with at most 2 decimal places")]
    Max(String),
    #[error("`{0}`: a bonus or deduction item needs a maximum, a veto item either the grade it caps or no_grade = true")]
    Extra(String),
    #[error("the caps must not be negative")]
    Cap,
    #[error("a section, indicator or item title is empty")]
    Empty,
    #[error("a category standard names its category and the registration categories it applies to (industry_association, science_technology, charity, community_service, other); a general one neither")]
    Category,
}

impl Standard {
    pub fn parse(text: &str) -> Result<Standard, StandardError> {
        let s: Standard = toml::from_str(text).map_err(|e| StandardError::Toml(e.to_string()))?;
        s.check()?;
        Ok(s)
    }

    pub fn org_type(&self) -> Option<OrgType> {
        OrgType::parse(&self.code)
    }

    /// What the standard is stored and versioned under: the type, or `type.category`.
    pub fn key(&self) -> String {
        match &self.category {
            Some(c) => format!("{}.{c}", self.code),
            None => self.code.clone(),
        }
    }

    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections
            .iter()
            .flat_map(|s| s.indicators.iter().flat_map(|i| i.items.iter()))
    }

    pub fn base_total(&self) -> Decimal {
        self.items().map(|i| i.max).sum()
    }

    /// The grade a veto item caps to (`None` also for a veto that means no grade).
    pub fn veto_cap(&self, code: &str) -> Option<Grade> {
        match self.veto_effect(code) {
            Some(VetoEffect::Cap(g)) => Some(g),
            _ => None,
        }
    }

    /// What a veto item does: cap the grade, or leave the organization without one.
    pub fn veto_effect(&self, code: &str) -> Option<VetoEffect> {
        let e = self
            .extras
            .iter()
            .find(|e| e.kind == ExtraKind::Veto && e.code == code)?;
        if e.no_grade {
            return Some(VetoEffect::NoGrade);
        }
        e.caps_grade
            .as_deref()
            .and_then(Grade::parse)
            .map(VetoEffect::Cap)
    }

    fn check(&self) -> Result<(), StandardError> {
        if self.org_type().is_none() {
            return Err(StandardError::Type(self.code.clone()));
        }
        if self.bonus_cap < Decimal::ZERO || self.deduction_cap < Decimal::ZERO {
            return Err(StandardError::Cap);
        }
        let named = self.category.as_deref().is_some_and(|c| {
            !c.is_empty() && c.chars().all(|x| x.is_ascii_lowercase() || x == '_')
        });
        let applies = !self.applies_to.is_empty()
            && self
                .applies_to
                .iter()
                .all(|c| crate::domain::registration::Category::parse(c).is_some());
        let general = self.category.is_none() && self.applies_to.is_empty();
        if !(general || named && applies) {
            return Err(StandardError::Category);
        }
        let mut codes = BTreeSet::new();
        let titles_ok = self.sections.iter().all(|s| {
            !s.title.trim().is_empty()
                && !s.indicators.is_empty()
                && s.indicators
                    .iter()
                    .all(|i| !i.title.trim().is_empty() && !i.items.is_empty())
        });
        if !titles_ok || self.sections.is_empty() {
            return Err(StandardError::Empty);
        }
        for item in self.items() {
            if item.title.trim().is_empty() {
                return Err(StandardError::Empty);
            }
            if !codes.insert(item.code.clone()) {
                return Err(StandardError::Duplicate(item.code.clone()));
            }
            if item.max <= Decimal::ZERO || item.max.normalize().scale() > 2 {
                return Err(StandardError::Max(item.code.clone()));
            }
        }
        for e in &self.extras {
            if !codes.insert(e.code.clone()) {
                return Err(StandardError::Duplicate(e.code.clone()));
            }
            let ok = match e.kind {
                ExtraKind::Bonus | ExtraKind::Deduction => e.max.is_some_and(|m| m > Decimal::ZERO),
                // Exactly one effect: a cap, or no grade.
                ExtraKind::Veto => match (e.caps_grade.as_deref(), e.no_grade) {
                    (Some(g), false) => Grade::parse(g).is_some(),
                    (None, true) => true,
                    _ => false,
                },
            };
            if !ok {
                return Err(StandardError::Extra(e.code.clone()));
            }
        }
        let total = self.base_total();
        if total != Decimal::from(1000) {
            return Err(StandardError::Total(total));
        }
        Ok(())
    }
}

/// The standard an application is scored under (issue 22, item 11), from the standards of
/// the organization's type a round may use (`(id, standard)`, loaded when it opened): the
/// newest version of a category standard that applies to the organization's registration
/// category, or else the newest version of the general one.
pub fn choose(standards: &[(i64, Standard)], category: &str) -> Option<i64> {
    let newest = |of: &dyn Fn(&Standard) -> bool| {
        standards
            .iter()
            .filter(|(_, s)| of(s))
            .max_by_key(|(id, s)| (s.version, *id))
            .map(|(id, _)| *id)
    };
    newest(&|s| s.applies_to.iter().any(|c| c == category))
        .or_else(|| newest(&|s| s.category.is_none()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built_in(name: &str) -> String {
        BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn the_built_in_standards_load_and_add_up_to_1000() {
        let mut types = BTreeSet::new();
        for (name, text) in BUILT_IN {
            let s = match Standard::parse(text) {
                Ok(s) => s,
                Err(e) => panic!("{name}: {e}"),
            };
            assert_eq!(s.base_total(), Decimal::from(1000), "{name}");
            assert!(s.items().count() >= 25, "{name}: a realistic standard");
            assert!(s.extras.iter().any(|e| e.kind == ExtraKind::Veto));
            assert_eq!(s.veto_cap("V01"), Some(Grade::A1));
            types.insert(s.code.clone());
        }
        assert_eq!(types.len(), 3, "one per type");
    }

    fn parsed(name: &str) -> Standard {
        match Standard::parse(&built_in(name)) {
            Ok(s) => s,
            Err(e) => panic!("{name}: {e}"),
        }
    }

    #[test]
    fn fraud_in_the_evaluation_means_no_grade_from_version_2_on() {
        // Issue 22, item 12: the schema allows a veto without a grade, and the seeds use it.
        for name in [
            "social_group-v2.toml",
            "social_service_institution-v2.toml",
            "foundation-v2.toml",
            "social_group-academic-v1.toml",
        ] {
            let s = parsed(name);
            assert_eq!(s.veto_effect("V02"), Some(VetoEffect::NoGrade), "{name}");
            assert_eq!(s.veto_cap("V02"), None, "{name}");
            assert_eq!(s.veto_effect("V01"), Some(VetoEffect::Cap(Grade::A1)));
        }
        // Version 1 stays as loaded: a cap.
        assert_eq!(
            parsed("foundation-v1.toml").veto_effect("V02"),
            Some(VetoEffect::Cap(Grade::A1))
        );
        // A veto has exactly one effect: both, or neither, is refused.
        let text = built_in("foundation-v2.toml");
        let both = text.replacen("no_grade = true", "no_grade = true\ncaps_grade = \"2a\"", 1);
        assert!(matches!(
            Standard::parse(&both),
            Err(StandardError::Extra(_))
        ));
        let neither = text.replacen("no_grade = true", "", 1);
        assert!(matches!(
            Standard::parse(&neither),
            Err(StandardError::Extra(_))
        ));
        assert_eq!(VetoEffect::NoGrade.apply(Some(Grade::A5)), None);
        assert_eq!(
            VetoEffect::Cap(Grade::A2).apply(Some(Grade::A5)),
            Some(Grade::A2)
        );
        assert_eq!(
            VetoEffect::Cap(Grade::A2).apply(Some(Grade::A1)),
            Some(Grade::A1)
        );
    }

    #[test]
    fn current_standards_score_party_building_and_the_charity_spending_tiers() {
        // Issue 22, item 13.
        for (name, _) in BUILT_IN
            .iter()
            .filter(|(n, _)| !n.ends_with("-v1.toml") || n.matches('-').count() > 1)
        {
            let s = parsed(name);
            let party = s.sections.iter().find(|x| x.title == "党建工作");
            let points: Decimal = party
                .map(|p| {
                    p.indicators
                        .iter()
                        .flat_map(|i| &i.items)
                        .map(|i| i.max)
                        .sum()
                })
                .unwrap_or_default();
            assert_eq!(points, Decimal::from(50), "{name}: 党建工作 section");
        }
        assert!(parsed("social_group-v1.toml")
            .sections
            .iter()
            .all(|x| x.title != "党建工作"));
        let spending = |name: &str| {
            parsed(name)
                .items()
                .find(|i| i.code == "P21")
                .map(|i| i.guidance.clone())
                .unwrap_or_default()
        };
        let old = spending("foundation-v1.toml");
        assert!(old.contains("不低于上年末净资产的 8%"), "{old}");
        let new = spending("foundation-v2.toml");
        for tier in [
            "6000 万元以上（含）不低于 5%",
            "800 万元（含）至 6000 万元不低于 6%",
            "400 万元（含）至 800 万元不低于 7%",
            "低于 400 万元不低于 8%",
            "70%",
        ] {
            assert!(new.contains(tier), "{tier}: {new}");
        }
        // Each source is cited in the file.
        let text = built_in("foundation-v2.toml");
        assert!(text.contains("民发〔2016〕189号") && text.contains("慈善法"));
        assert!(text.contains("关于加强社会组织党的建设工作的意见"));
    }

    #[test]
    fn an_application_gets_its_categorys_newest_standard_or_the_general_one() {
        // Issue 22, item 11.
        let general = parsed("social_group-v2.toml");
        let academic = parsed("social_group-academic-v1.toml");
        let welfare = parsed("social_group-public_welfare-v1.toml");
        assert_eq!(academic.key(), "social_group.academic");
        assert_eq!(general.key(), "social_group");
        let v1 = parsed("social_group-v1.toml");
        let loaded = vec![
            (1, v1.clone()),
            (4, general.clone()),
            (8, academic.clone()),
            (10, welfare.clone()),
        ];
        assert_eq!(choose(&loaded, "science_technology"), Some(8));
        assert_eq!(choose(&loaded, "charity"), Some(10));
        assert_eq!(choose(&loaded, "community_service"), Some(10));
        // No category standard for it: the newest general one.
        assert_eq!(choose(&loaded, "industry_association"), Some(4));
        // The round opened before the category standards were loaded: the general one.
        assert_eq!(choose(&loaded[..2], "science_technology"), Some(4));
        assert_eq!(choose(&loaded[..1], "science_technology"), Some(1));
        // A newer version of the category's standard wins over the older one.
        let mut academic2 = academic.clone();
        academic2.version = 2;
        let mut more = loaded.clone();
        more.push((12, academic2));
        assert_eq!(choose(&more, "science_technology"), Some(12));
        assert_eq!(choose(&[], "other"), None);
        // A category standard must say what it applies to, with known categories.
        let text = built_in("social_group-academic-v1.toml");
        let unnamed = text.replacen("category = \"academic\"\n", "", 1);
        assert_eq!(
            Standard::parse(&unnamed).err(),
            Some(StandardError::Category)
        );
        let unknown = text.replacen("[\"science_technology\"]", "[\"academia\"]", 1);
        assert_eq!(
            Standard::parse(&unknown).err(),
            Some(StandardError::Category)
        );
        let empty = text.replacen("[\"science_technology\"]", "[]", 1);
        assert_eq!(Standard::parse(&empty).err(), Some(StandardError::Category));
    }

    #[test]
    fn a_standard_that_does_not_add_up_is_refused() {
        let text = built_in("foundation-v1.toml");
        let off_by_one = text.replacen("max = 10\n", "max = 9\n", 1);
        assert_eq!(
            Standard::parse(&off_by_one).err(),
            Some(StandardError::Total(Decimal::from(999)))
        );
        let duplicate = text.replacen("code = \"B02\"", "code = \"B01\"", 1);
        assert_eq!(
            Standard::parse(&duplicate).err(),
            Some(StandardError::Duplicate("B01".into()))
        );
        let three_places = text.replacen("max = 10\n", "max = 9.999\n", 1);
        assert!(matches!(
            Standard::parse(&three_places),
            Err(StandardError::Max(_))
        ));
        let bad_veto = text.replacen("caps_grade = \"1a\"", "caps_grade = \"6a\"", 1);
        assert!(matches!(
            Standard::parse(&bad_veto),
            Err(StandardError::Extra(_))
        ));
        assert!(matches!(
            Standard::parse("code = 1"),
            Err(StandardError::Toml(_))
        ));
    }
}
