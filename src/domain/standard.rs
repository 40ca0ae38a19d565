//! Indicator standards (评估指标) as data (DOMAIN §4): one per organization type, a tree of
//! sections → indicators → scored items, each with its maximum and the guidance experts read;
//! bonus and deduction items as separate kinds with caps; veto items that cap the grade. The
//! loader refuses a standard whose base items do not add up to exactly 1000.

use crate::domain::evaluation::Grade;
use crate::domain::registration::OrgType;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The built-in first versions, one per type.
pub const BUILT_IN: [(&str, &str); 3] = [
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
];

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Standard {
    /// The organization type it applies to.
    pub code: String,
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
    pub guidance: String,
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
    #[error("`{0}`: a bonus or deduction item needs a maximum, a veto item the grade it caps")]
    Extra(String),
    #[error("the caps must not be negative")]
    Cap,
    #[error("a section, indicator or item title is empty")]
    Empty,
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

    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections
            .iter()
            .flat_map(|s| s.indicators.iter().flat_map(|i| i.items.iter()))
    }

    pub fn base_total(&self) -> Decimal {
        self.items().map(|i| i.max).sum()
    }

    /// The grade a veto item caps to.
    pub fn veto_cap(&self, code: &str) -> Option<Grade> {
        self.extras
            .iter()
            .find(|e| e.kind == ExtraKind::Veto && e.code == code)
            .and_then(|e| e.caps_grade.as_deref())
            .and_then(Grade::parse)
    }

    fn check(&self) -> Result<(), StandardError> {
        if self.org_type().is_none() {
            return Err(StandardError::Type(self.code.clone()));
        }
        if self.bonus_cap < Decimal::ZERO || self.deduction_cap < Decimal::ZERO {
            return Err(StandardError::Cap);
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
                ExtraKind::Veto => e.caps_grade.as_deref().and_then(Grade::parse).is_some(),
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
